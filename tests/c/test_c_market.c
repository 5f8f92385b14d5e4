/* C API of the market module: the 35 call-auction cases, the typed clearing
 * call, and an order book with an event callback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joule.h"

static int passed = 0, failed = 0;
#define CHECK(cond)                                                                      \
  do {                                                                                   \
    if (cond) {                                                                          \
      ++passed;                                                                          \
    } else {                                                                             \
      ++failed;                                                                          \
      printf("FAILED %s:%d: %s (%s)\n", __FILE__, __LINE__, #cond, joule_last_error()); \
    }                                                                                    \
  } while (0)

static char* slurp(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  char* buf;
  long n;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = (char*)malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) buf[n] = '\0';
  *len = (size_t)n;
  return buf;
}

static const char* kCases[] = {
    "call_auction/ca01_simple_cross.json", "call_auction/ca02_no_cross.json",
    "call_auction/ca03_equal_prices.json", "call_auction/ca04_excess_demand_prorata.json",
    "call_auction/ca05_excess_supply_prorata_tie.json", "call_auction/ca06_vertical_overlap_midpoint.json",
    "call_auction/ca07_midpoint_rounds_down.json", "call_auction/ca08_negative_midpoint_rounds_down.json",
    "call_auction/ca09_horizontal_overlap_volume_max.json", "call_auction/ca10_horizontal_overlap_rationed.json",
    "call_auction/ca11_market_buys_vs_limit_sells.json", "call_auction/ca12_market_both_sides_plus_limits.json",
    "call_auction/ca13_market_only_balanced.json", "call_auction/ca14_curtailment_at_max_price.json",
    "call_auction/ca15_curtailment_at_min_price.json", "call_auction/ca16_out_of_range_rejected.json",
    "call_auction/ca17_one_sided_buys_only.json", "call_auction/ca18_empty_book.json",
    "call_auction/ca19_prorata_tie_break_input_order.json", "call_auction/ca20_everything_crosses.json",
    "call_auction/ca21_negative_price_rationing.json", "call_auction/ca22_multi_level_walk.json",
    "call_auction/ca23_invalid_orders_rejected.json", "call_auction_random/rand_coarse_n100_s201.json",
    "call_auction_random/rand_coarse_n500_s202.json", "call_auction_random/rand_curtail_max_n100_s401.json",
    "call_auction_random/rand_curtail_max_n300_s402.json", "call_auction_random/rand_curtail_min_n200_s501.json",
    "call_auction_random/rand_negative_n200_s301.json", "call_auction_random/rand_sdac_n1000_s103.json",
    "call_auction_random/rand_sdac_n200_s102.json", "call_auction_random/rand_sdac_n50_s101.json",
    "call_auction_random/rand_thin_n4_s601.json", "call_auction_random/rand_thin_n8_s603.json",
    "call_auction_random/rand_thin_n8_s604.json"};

typedef struct {
  int fills, accepted, rested, cancelled;
  int64_t last_fill_qty;
  uint64_t last_maker;
} Counter;

static void on_event(void* ctx, const joule_book_event* e) {
  Counter* c = (Counter*)ctx;
  if (e->kind == JOULE_EVENT_FILL) {
    c->fills++;
    c->last_fill_qty = e->qty;
    c->last_maker = e->other_id;
  } else if (e->kind == JOULE_EVENT_ACCEPTED) {
    c->accepted++;
  } else if (e->kind == JOULE_EVENT_RESTED) {
    c->rested++;
  } else if (e->kind == JOULE_EVENT_CANCELLED) {
    c->cancelled++;
  }
}

int main(void) {
  size_t i;
  int n_cases = 0;
  /* All 35 cases through the one-call JSON function. */
  for (i = 0; i < sizeof kCases / sizeof kCases[0]; ++i) {
    char path[1024];
    size_t len = 0, need = 0;
    int32_t match = 0;
    char* text;
    char* out;
    snprintf(path, sizeof path, "%s/market/%s", JOULE_TEST_DATA_DIR, kCases[i]);
    text = slurp(path, &len);
    CHECK(text != NULL);
    if (!text) continue;
    CHECK(joule_call_auction_clear_json(text, len, NULL, 0, &need, NULL) == JOULE_BUFFER_TOO_SMALL);
    out = (char*)malloc(need + 1);
    CHECK(joule_call_auction_clear_json(text, len, out, need + 1, &need, &match) == JOULE_OK);
    if (!match) printf("case %s differs: %s\n", kCases[i], out);
    CHECK(match == 1);
    n_cases += match;
    free(out);
    free(text);
  }
  CHECK(n_cases == 35);
  /* Typed call: b1 6@50, b2 4@50 vs s1 5@40 and a market sell of 3: price 50,
   * volume 8, buys rationed (b1 4.8 -> 5 by the larger remainder, b2 3.2 -> 3). */
  {
    joule_auction_order o[4] = {{"b1", JOULE_MARKET_BUY, 6, 50, 0},
                                {"b2", JOULE_MARKET_BUY, 4, 50, 0},
                                {"s1", JOULE_MARKET_SELL, 5, 40, 0},
                                {"m1", JOULE_MARKET_SELL, 3, 0, 1}};
    int64_t fills[4];
    uint8_t valid[4];
    joule_auction_result r;
    CHECK(joule_call_auction_clear(o, 4, -500, 4000, fills, valid, &r) == JOULE_OK);
    CHECK(r.cleared == 1);
    CHECK(r.price == 50);
    CHECK(r.volume == 8);
    CHECK(r.rationed_side == 0);
    CHECK(fills[0] == 5 && fills[1] == 3);
    CHECK(fills[2] == 5 && fills[3] == 3);
    CHECK(valid[3] == 1);
    CHECK(joule_call_auction_clear(o, 4, 10, 0, fills, valid, &r) == JOULE_INVALID_ARGUMENT);
    CHECK(joule_call_auction_clear(o, 4, -500, 4000, fills, valid, NULL) == JOULE_INVALID_ARGUMENT);
  }
  /* Order book. */
  {
    joule_order_book* b = NULL;
    Counter c;
    joule_order o;
    int64_t filled = -1;
    joule_book_level lv[8];
    size_t n = 0, live = 0;
    int32_t found = 0;
    memset(&c, 0, sizeof c);
    CHECK(joule_order_book_create(-1000, 1000, JOULE_STP_CANCEL_NEWEST, &b) == JOULE_OK);
    CHECK(joule_order_book_set_callback(b, on_event, &c) == JOULE_OK);
    memset(&o, 0, sizeof o);
    o.id = 1;
    o.side = JOULE_MARKET_SELL;
    o.type = JOULE_ORDER_LIMIT;
    o.price = -20;
    o.qty = 10;
    CHECK(joule_order_book_submit(b, &o, &filled) == JOULE_OK && filled == 0);
    o.id = 2;
    o.price = -15;
    o.qty = 5;
    CHECK(joule_order_book_submit(b, &o, &filled) == JOULE_OK);
    o.id = 3;
    o.side = JOULE_MARKET_BUY;
    o.type = JOULE_ORDER_IOC;
    o.price = -18;
    o.qty = 4;
    CHECK(joule_order_book_submit(b, &o, &filled) == JOULE_OK && filled == 4);
    CHECK(c.fills == 1 && c.last_maker == 1 && c.last_fill_qty == 4);
    CHECK(c.accepted == 3 && c.rested == 2);
    CHECK(joule_order_book_best(b, JOULE_MARKET_SELL, &lv[0], &found) == JOULE_OK && found == 1);
    CHECK(lv[0].price == -20 && lv[0].qty == 6);
    CHECK(joule_order_book_depth(b, JOULE_MARKET_SELL, lv, 8, &n) == JOULE_OK && n == 2);
    CHECK(lv[1].price == -15);
    CHECK(joule_order_book_reduce(b, 1, 2) == JOULE_OK);
    CHECK(joule_order_book_replace(b, 2, -25, 5, &filled) == JOULE_OK);
    CHECK(joule_order_book_best(b, JOULE_MARKET_SELL, &lv[0], &found) == JOULE_OK && lv[0].price == -25);
    CHECK(joule_order_book_cancel(b, 99) == JOULE_NOT_FOUND);
    CHECK(joule_order_book_cancel(b, 1) == JOULE_OK);
    o.id = 4;
    o.type = JOULE_ORDER_LIMIT;
    o.price = 5000;
    CHECK(joule_order_book_submit(b, &o, &filled) == JOULE_REJECTED);
    o.type = (joule_order_type)42;
    CHECK(joule_order_book_submit(b, &o, &filled) == JOULE_INVALID_ARGUMENT);
    CHECK(joule_order_book_stats(b, &live, NULL, NULL) == JOULE_OK && live == 1);
    joule_order_book_destroy(b);
    CHECK(joule_order_book_create(10, 0, JOULE_STP_NONE, &b) == JOULE_INVALID_ARGUMENT);
  }
  CHECK(joule_market_replay_file("/nonexistent.bin", 0, NULL, 0, NULL) == JOULE_IO_ERROR);
  printf("market: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
