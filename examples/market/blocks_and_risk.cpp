// joule::market from C++: a two-period block order, a sealed-bid auction,
// a community settlement and the VaR of a battery schedule.
#include <cstdio>
#include <vector>

#include "joule/market/call_auction.hpp"
#include "joule/market/community.hpp"
#include "joule/market/risk.hpp"
#include "joule/market/single_item.hpp"

using namespace joule::market;

int main() {
  // Two hours; a plant offers 10 lots in both hours at 35 on average.
  std::vector<std::vector<AuctionOrder>> hours = {{{"d0", Side::buy, 10, 60}, {"g0", Side::sell, 20, 55}},
                                                  {{"d1", Side::buy, 10, 30}, {"g1", Side::sell, 20, 25}}};
  std::vector<PeriodBlock> blocks = {{"blk", Side::sell, 35, {10, 10}}};
  auto r = clear_multi_period(hours, blocks, MultiPeriodOptions{});
  if (!r) return 1;
  std::printf("block blk accepted ratio %.1f, prices %lld / %lld, surplus %.0f\n", r->blocks[0].ratio,
              static_cast<long long>(*r->periods[0].price), static_cast<long long>(*r->periods[1].price),
              r->blocks[0].surplus);

  // A sealed-bid second-price auction of one energy block.
  std::vector<ItemBid> bids = {{"a", 500, 3}, {"b", 700, 5}, {"d", 650, 1}};
  auto s = sealed_bid_auction(bids, 600, SealedBidRule::second_price);
  if (!s || !s->sold) return 1;
  std::printf("sealed bid: %s pays %lld\n", s->winner.c_str(), static_cast<long long>(s->price));

  // A community of two for one quarter hour.
  std::vector<CommunityMember> members = {{"roof"}, {"flat"}};
  std::vector<CommunityInterval> iv = {{0, {{0, Side::sell, 3000, 800}, {1, Side::buy, 2000, 2500}}}};
  auto c = settle_community(members, iv, CommunityOptions{});
  if (!c || !c->energy_conserved || !c->money_conserved) return 1;
  std::printf("community: %lld Wh traded locally\n", static_cast<long long>(c->intervals[0].local_wh));

  // VaR of a battery schedule (sell 1 MWh, buy 1 MWh) over three price paths.
  std::vector<double> energy = {1.0, -1.0};
  std::vector<double> prices = {50, 40, 80, 20, 30, 60};
  auto w = quantile_path_weights(std::vector<double>{0.1, 0.5, 0.9});
  if (!w) return 1;
  auto v = schedule_risk(energy, prices, *w, 0.9);
  if (!v) return 1;
  std::printf("schedule VaR(90%%) %.1f, ES %.1f\n", v->var, v->expected_shortfall);
  return 0;
}
