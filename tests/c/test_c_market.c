/* C API of the market module: the 35 call-auction cases, the typed clearing
 * call, and an order book with an event callback. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joule.h"
#include "check.h"

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
  /* Curves: a linear sell curve 0 lots at 10 to 100 lots at 20 gives 10 steps
   * from 11 summing to 100; a step buy curve (100: 5, 50: 20) gives 5 @ 100 and 15 @ 50. */
  {
    joule_curve_point lin[2] = {{10, 0}, {20, 100}};
    joule_curve_point step[2] = {{100, 5}, {50, 20}};
    joule_curve_point bad[2] = {{10, 5}, {20, 6}};
    int64_t pr[16], q[16], tot = 0;
    size_t n = 0;
    CHECK(joule_orders_from_curve(JOULE_MARKET_SELL, lin, 2, 1, pr, q, 4, &n) == JOULE_BUFFER_TOO_SMALL && n == 10);
    CHECK(joule_orders_from_curve(JOULE_MARKET_SELL, lin, 2, 1, pr, q, 16, &n) == JOULE_OK && n == 10);
    for (i = 0; i < n; ++i) tot += q[i];
    CHECK(tot == 100 && pr[0] == 11);
    CHECK(joule_orders_from_curve(JOULE_MARKET_BUY, step, 2, 0, pr, q, 16, &n) == JOULE_OK && n == 2);
    CHECK(pr[0] == 100 && q[0] == 5 && pr[1] == 50 && q[1] == 15);
    CHECK(joule_orders_from_curve(JOULE_MARKET_BUY, bad, 2, 0, pr, q, 16, &n) == JOULE_INVALID_ARGUMENT);
  }
  /* Single-period blocks: b1 10 @ 60, s1 4 @ 40; blocks sell 20 @ 30 (too big:
   * rejected) and sell 6 @ 45 (accepted): volume 10. */
  {
    joule_auction_order o[2] = {{"b1", JOULE_MARKET_BUY, 10, 60, 0}, {"s1", JOULE_MARKET_SELL, 4, 40, 0}};
    joule_block_order bl[2] = {{"blk_big", JOULE_MARKET_SELL, 20, 30}, {"blk_ok", JOULE_MARKET_SELL, 6, 45}};
    int64_t fills[2];
    uint8_t acc[2];
    joule_auction_result r;
    CHECK(joule_call_auction_clear_blocks(o, 2, bl, 2, -500, 4000, fills, acc, &r) == JOULE_OK);
    CHECK(acc[0] == 0 && acc[1] == 1);
    CHECK(r.volume == 10 && fills[0] == 10 && fills[1] == 4);
  }
  /* Multi-period block (the C++ test): P0 d0 10 @ 60, g0 20 @ 55; P1 d1 10 @ 30,
   * g1 20 @ 25; a sell block 10 + 10 at 35 on average is accepted, prices 55 / 25,
   * surplus 100, welfare 200. Linked: parent 10 @ 62 carried by child 10 @ 30. */
  {
    joule_auction_order o[4] = {{"d0", JOULE_MARKET_BUY, 10, 60, 0}, {"g0", JOULE_MARKET_SELL, 20, 55, 0},
                                {"d1", JOULE_MARKET_BUY, 10, 30, 0}, {"g1", JOULE_MARKET_SELL, 20, 25, 0}};
    size_t per[4] = {0, 0, 1, 1};
    int64_t q2[2] = {10, 10}, lots[4];
    joule_period_block blk = {"blk", JOULE_MARKET_SELL, 35, q2, 1.0, -1, 0, 0};
    joule_auction_result pr[2];
    joule_block_acceptance acc[2];
    int64_t fills[4];
    double welfare = 0;
    CHECK(joule_clear_multi_period(o, per, 4, 2, &blk, 1, -500, 4000, 10, fills, pr, acc, lots, &welfare) == JOULE_OK);
    CHECK(acc[0].accepted_steps == 10 && acc[0].ratio == 1.0 && acc[0].surplus == 100.0);
    CHECK(pr[0].price == 55 && pr[1].price == 25);
    CHECK(fills[0] == 10 && fills[1] == 0 && fills[2] == 10 && fills[3] == 0);
    CHECK(lots[0] == 10 && lots[1] == 10);
    CHECK(welfare == 200.0);
    {
      joule_auction_order p[2] = {{"d0", JOULE_MARKET_BUY, 20, 70, 0}, {"g0", JOULE_MARKET_SELL, 20, 60, 0}};
      size_t pp[2] = {0, 0};
      int64_t qa[1] = {10}, qb[1] = {10};
      joule_period_block fam[2] = {{"parent", JOULE_MARKET_SELL, 62, qa, 1.0, -1, 0, 0},
                                   {"child", JOULE_MARKET_SELL, 30, qb, 1.0, 0, 0, 0}};
      CHECK(joule_clear_multi_period(p, pp, 2, 1, fam, 2, -500, 4000, 10, fills, pr, acc, NULL, &welfare) == JOULE_OK);
      CHECK(acc[0].accepted_steps == 10 && acc[1].accepted_steps == 10);
      CHECK(acc[0].surplus == -20.0 && acc[1].surplus == 300.0);
      CHECK(pr[0].price == 60 && welfare == 480.0);
      fam[1].parent = 1; /* its own parent */
      CHECK(joule_clear_multi_period(p, pp, 2, 1, fam, 2, -500, 4000, 10, fills, pr, acc, NULL, NULL) ==
            JOULE_INVALID_ARGUMENT);
    }
  }
  /* Risk: the C++ test's limits through the book. */
  {
    joule_order_book* b = NULL;
    joule_order o;
    joule_risk_limits l1 = {10, 1e9, 1e9}, l2 = {1000, 50000, 1e9};
    joule_position pos;
    double pnl = 0;
    CHECK(joule_order_book_create(-999900, 999900, JOULE_STP_CANCEL_NEWEST, &b) == JOULE_OK);
    CHECK(joule_order_book_set_limits(b, 1, &l1) == JOULE_OK);
    CHECK(joule_order_book_set_limits(b, 2, &l2) == JOULE_OK);
    memset(&o, 0, sizeof o);
    o.id = 1; o.owner = 1; o.side = JOULE_MARKET_BUY; o.price = 5000; o.qty = 6;
    CHECK(joule_order_book_submit(b, &o, NULL) == JOULE_OK);
    o.id = 2; o.qty = 5;
    CHECK(joule_order_book_submit(b, &o, NULL) == JOULE_REJECTED); /* 6 open + 5 > 10 */
    o.id = 3; o.owner = 2; o.side = JOULE_MARKET_SELL; o.price = 10000; o.qty = 6;
    CHECK(joule_order_book_submit(b, &o, NULL) == JOULE_REJECTED); /* value 60000 > 50000 */
    o.id = 4; o.price = 5000; o.qty = 4;
    CHECK(joule_order_book_submit(b, &o, NULL) == JOULE_OK);
    CHECK(joule_order_book_position(b, 1, 5500, &pos, &pnl) == JOULE_OK);
    CHECK(pos.net_lots == 4 && pos.open_buy_lots == 2 && pnl == 2000.0);
    CHECK(joule_order_book_position(b, 2, 5000, &pos, NULL) == JOULE_OK && pos.net_lots == -4);
    l1.max_position_lots = -1;
    CHECK(joule_order_book_set_limits(b, 1, &l1) == JOULE_INVALID_ARGUMENT);
    joule_order_book_destroy(b);
  }
  {
    double pnl[100], w[3], lv[3] = {0.1, 0.5, 0.9};
    double prices[4] = {40, 50, 60, 30}, sched[2] = {1.0, -1.0}, sp[6] = {50, 40, 80, 20, 30, 60};
    joule_risk_measures m;
    for (i = 0; i < 100; ++i) pnl[i] = (double)i + 1 - 50; /* -49..50 */
    CHECK(joule_value_at_risk(pnl, 100, NULL, 0.95, &m) == JOULE_OK);
    CHECK(fabs(m.var - 45.0) < 1e-9 && fabs(m.expected_shortfall - 47.0) < 1e-9);
    CHECK(joule_position_risk(2.0, 50.0, prices, 4, NULL, 0.75, &m) == JOULE_OK && fabs(m.var - 40.0) < 1e-9);
    CHECK(joule_quantile_path_weights(lv, 3, w) == JOULE_OK && fabs(w[0] - 0.3) < 1e-12 && fabs(w[1] - 0.4) < 1e-12);
    /* Revenues 10, 60, -30 (weights .3 .4 .3, mean 18): P&L -8, 42, -48; the
     * worst 10 % is -48: VaR 48, ES 48. */
    CHECK(joule_schedule_risk(sched, 2, sp, 3, w, 0.9, &m) == JOULE_OK);
    CHECK(fabs(m.var - 48.0) < 1e-9 && fabs(m.expected_shortfall - 48.0) < 1e-9);
    CHECK(joule_value_at_risk(pnl, 100, NULL, 1.0, &m) == JOULE_INVALID_ARGUMENT);
  }
  /* Single-item auctions (the C++ test's bids). */
  {
    joule_item_bid bids[4] = {{"a", 500, 3}, {"b", 700, 5}, {"c", 700, 4}, {"d", 650, 1}};
    joule_item_bid dup[2] = {{"a", 1, 1}, {"a", 2, 2}};
    joule_item_result r;
    joule_english_auction* a = NULL;
    int64_t next = 0;
    char winner[16];
    size_t len = 0;
    CHECK(joule_sealed_bid_auction(bids, 4, 600, JOULE_SEALED_FIRST_PRICE, &r) == JOULE_OK);
    CHECK(r.sold == 1 && r.winning_bid == 2 && r.price == 700); /* tie at 700: c bid earlier */
    CHECK(joule_sealed_bid_auction(bids, 4, 600, JOULE_SEALED_SECOND_PRICE, &r) == JOULE_OK && r.price == 700);
    CHECK(joule_sealed_bid_auction(bids, 1, 600, JOULE_SEALED_SECOND_PRICE, &r) == JOULE_OK && r.sold == 0);
    CHECK(joule_sealed_bid_auction(dup, 2, 0, JOULE_SEALED_FIRST_PRICE, &r) == JOULE_INVALID_ARGUMENT);
    CHECK(joule_english_auction_create(1000, 50, 100, &a) == JOULE_OK);
    CHECK(joule_english_auction_bid(a, "alice", 999, 1) == JOULE_REJECTED);
    CHECK(joule_english_auction_bid(a, "alice", 1000, 2) == JOULE_OK);
    CHECK(joule_english_auction_minimum_next_bid(a, &next) == JOULE_OK && next == 1050);
    CHECK(joule_english_auction_bid(a, "bob", 1020, 3) == JOULE_REJECTED);
    CHECK(joule_english_auction_bid(a, "bob", 1050, 4) == JOULE_OK);
    CHECK(joule_english_auction_bid(a, "carol", 5000, 100) == JOULE_REJECTED);
    CHECK(joule_english_auction_close(a, 99, &r, NULL, 0, NULL) == JOULE_INCOMPLETE);
    CHECK(joule_english_auction_close(a, 100, &r, winner, sizeof winner, &len) == JOULE_OK);
    CHECK(r.sold == 1 && r.price == 1050 && strcmp(winner, "bob") == 0 && len == 3);
    joule_english_auction_destroy(a);
    CHECK(joule_english_auction_create(0, 0, 100, &a) == JOULE_INVALID_ARGUMENT && a == NULL);
  }
  /* Community market (the C++ test's community). */
  {
    joule_community_member m[4] = {{"pv_roof", 1.0}, {"flat", 1.0}, {"shop", 1.0}, {"newcomer", 0.2}};
    joule_community_order o[5] = {{0, 0, JOULE_MARKET_SELL, 5000, 900}, {0, 1, JOULE_MARKET_BUY, 2000, 2600},
                                  {0, 2, JOULE_MARKET_BUY, 4000, 2000}, {0, 3, JOULE_MARKET_SELL, 1000, 800},
                                  {900, 1, JOULE_MARKET_BUY, 1000, 2500}};
    joule_community_options opt;
    joule_community_settlement* s = NULL;
    int32_t e_ok = 0, m_ok = 0;
    size_t n_iv = 0, len = 0;
    joule_grid_account g;
    joule_community_interval iv;
    joule_member_statement st;
    char text[4096];
    joule_community_options_default(&opt);
    opt.grid_import_price = 3000;
    opt.grid_export_price = 800;
    opt.grid_fee = 1000;
    opt.community_discount = 0.5;
    opt.min_reputation = 0.5;
    CHECK(joule_community_settle(m, 4, o, 5, &opt, &s) == JOULE_OK);
    CHECK(joule_community_settlement_summary(s, &e_ok, &m_ok, &n_iv, &g) == JOULE_OK);
    CHECK(e_ok == 1 && m_ok == 1 && n_iv == 2);
    CHECK(g.network_fees == 5000 * 500);
    CHECK(joule_community_settlement_interval(s, 0, &iv) == JOULE_OK);
    CHECK(iv.has_price == 1 && iv.local_wh == 5000 && iv.local_price >= 800 && iv.local_price <= 2500);
    CHECK(joule_community_settlement_member(s, 3, &st) == JOULE_OK);
    CHECK(st.local_sold_wh == 0 && st.grid_export_wh == 1000);
    CHECK(joule_community_settlement_member(s, 1, &st) == JOULE_OK);
    CHECK(st.consumed_wh == 3000 && st.grid_import_wh == 1000);
    CHECK(joule_community_settlement_statement(s, 1, text, sizeof text, &len) == JOULE_OK);
    CHECK(strstr(text, "Statement for flat") != NULL);
    CHECK(joule_community_settlement_member(s, 9, &st) == JOULE_OUT_OF_RANGE);
    joule_community_settlement_destroy(s);
    o[0].member = 9;
    CHECK(joule_community_settle(m, 4, o, 5, &opt, &s) == JOULE_INVALID_ARGUMENT && s == NULL);
  }
  CHECK(joule_market_replay_file("/nonexistent.bin", 0, NULL, 0, NULL) == JOULE_IO_ERROR);
  return check_report("market");
}
