/* The market C API: a two-period block order, an English auction and the
 * VaR of a position. */
#include <stdio.h>

#include "joule.h"

int main(void) {
  joule_auction_order o[4] = {{"d0", JOULE_MARKET_BUY, 10, 60, 0}, {"g0", JOULE_MARKET_SELL, 20, 55, 0},
                              {"d1", JOULE_MARKET_BUY, 10, 30, 0}, {"g1", JOULE_MARKET_SELL, 20, 25, 0}};
  size_t period[4] = {0, 0, 1, 1};
  int64_t qty[2] = {10, 10};
  joule_period_block blk = {"blk", JOULE_MARKET_SELL, 35, qty, 1.0, -1, 0, 0};
  joule_auction_result per[2];
  joule_block_acceptance acc;
  int64_t fills[4];
  joule_english_auction* a = NULL;
  joule_item_result item;
  char winner[32];
  size_t len = 0;
  double prices[4] = {40, 50, 60, 30};
  joule_risk_measures m;

  if (joule_clear_multi_period(o, period, 4, 2, &blk, 1, -500, 4000, 10, fills, per, &acc, NULL, NULL) != JOULE_OK) {
    puts(joule_last_error());
    return 1;
  }
  printf("block blk accepted ratio %.1f, prices %lld / %lld\n", acc.ratio, (long long)per[0].price,
         (long long)per[1].price);

  if (joule_english_auction_create(1000, 50, 100, &a) != JOULE_OK) return 1;
  joule_english_auction_bid(a, "alice", 1000, 2);
  if (joule_english_auction_bid(a, "bob", 1020, 3) == JOULE_REJECTED) printf("bob's 1020 is below 1050\n");
  joule_english_auction_bid(a, "bob", 1050, 4);
  if (joule_english_auction_close(a, 100, &item, winner, sizeof winner, &len) != JOULE_OK) return 1;
  printf("english auction: %s pays %lld\n", winner, (long long)item.price);
  joule_english_auction_destroy(a);

  if (joule_position_risk(2.0, 50.0, prices, 4, NULL, 0.75, &m) != JOULE_OK) return 1;
  printf("position VaR(75%%) %.1f\n", m.var);
  return acc.ratio == 1.0 ? 0 : 1;
}
