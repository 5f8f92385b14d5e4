// Multi-period, curtailable, linked and exclusive block orders
// (clear_multi_period). Every expected number is worked out by hand in the
// comments from rules §1-§9 and the block rules of docs/market.md.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "joule/market/call_auction.hpp"

using namespace joule::market;

namespace {
std::vector<std::vector<AuctionOrder>> two_periods() {
  // P0: demand 10 @ 60, supply 20 @ 55 -> alone [55, 55], price 55, volume 10.
  // P1: demand 10 @ 30, supply 20 @ 25 -> alone price 25. Welfare alone: 50 + 50 = 100.
  return {{{"d0", Side::buy, 10, 60}, {"g0", Side::sell, 20, 55}},
          {{"d1", Side::buy, 10, 30}, {"g1", Side::sell, 20, 25}}};
}
}  // namespace

TEST_CASE("multi-period sell block accepted on its average price") {
  auto periods = two_periods();
  // 10 lots in each period at 35 or better on average. With it, each period's
  // interval is [-500, 55] / [-500, 25]: the midpoints (-223, -238) make it
  // paradoxical, the tops (55, 25) give surplus 10*(55-35) + 10*(25-35) = 100.
  std::vector<PeriodBlock> blocks = {{"blk", Side::sell, 35, {10, 10}}};
  auto r = clear_multi_period(periods, blocks, MultiPeriodOptions{});
  REQUIRE(r);
  REQUIRE(r->blocks.size() == 1);
  CHECK(r->blocks[0].accepted_steps == 10);
  CHECK(r->blocks[0].ratio == 1.0);
  CHECK(r->blocks[0].lots == std::vector<Lots>{10, 10});
  CHECK(r->blocks[0].surplus == 100.0);
  REQUIRE(r->periods.size() == 2);
  CHECK(r->periods[0].price == 55);
  CHECK(r->periods[1].price == 25);  // below the block's limit in this period, fine on average
  CHECK(r->periods[0].fills == std::vector<Lots>{10, 0});
  CHECK(r->periods[1].fills == std::vector<Lots>{10, 0});
  CHECK(r->periods[0].volume == 10);
  CHECK(r->welfare == 10 * 60 + 10 * 30 - 35 * 20);  // 200 > 100 without the block

  // At 45 the surplus would be 10*10 - 10*20 = -100: rejected, and not
  // paradoxically (at the final prices 55 / 25 it would lose money).
  blocks[0].price = 45;
  auto q = clear_multi_period(periods, blocks, MultiPeriodOptions{});
  REQUIRE(q);
  CHECK(q->blocks[0].accepted_steps == 0);
  CHECK(q->blocks[0].lots == std::vector<Lots>{0, 0});
  CHECK_FALSE(q->blocks[0].paradoxically_rejected);
  CHECK(q->periods[0].price == 55);
  CHECK(q->periods[1].price == 25);
  CHECK(q->periods[0].fills == std::vector<Lots>{10, 10});
  CHECK(q->welfare == 100.0);
}

TEST_CASE("paradoxically rejected block, and curtailment down to its minimum acceptance ratio") {
  // Demand 10 @ 70; supply 5 @ 40 and 5 @ 65: alone [65, 70], price 67.
  std::vector<std::vector<AuctionOrder>> p = {
      {{"d0", Side::buy, 10, 70}, {"g0", Side::sell, 5, 40}, {"g1", Side::sell, 5, 65}}};
  // All-or-none sell block 10 @ 50: with it the interval is [-500, 40], so
  // it would sell at 40 at best: rejected, although at the final 67 it would
  // earn 10*(67-50) = 170 -> paradoxically rejected.
  std::vector<PeriodBlock> blocks = {{"blk", Side::sell, 50, {10}}};
  auto r = clear_multi_period(p, blocks, MultiPeriodOptions{});
  REQUIRE(r);
  CHECK(r->blocks[0].accepted_steps == 0);
  CHECK(r->blocks[0].paradoxically_rejected);
  CHECK(r->periods[0].price == 67);
  CHECK(r->periods[0].fills == std::vector<Lots>{10, 5, 5});
  CHECK(r->welfare == 700 - 200 - 325);

  // Minimum acceptance ratio 0.5: 9..6 lots push the interval to [40, 40]
  // (paradoxical); 5 lots give [40, 65], price 52, surplus 5*(52-50) = 10.
  blocks[0].min_acceptance_ratio = 0.5;
  auto c = clear_multi_period(p, blocks, MultiPeriodOptions{});
  REQUIRE(c);
  CHECK(c->blocks[0].accepted_steps == 5);
  CHECK(c->blocks[0].ratio == 0.5);
  CHECK(c->blocks[0].lots == std::vector<Lots>{5});
  CHECK(c->blocks[0].surplus == 10.0);
  CHECK_FALSE(c->blocks[0].paradoxically_rejected);
  CHECK(c->periods[0].price == 52);
  CHECK(c->periods[0].fills == std::vector<Lots>{10, 5, 0});
  CHECK(c->periods[0].volume == 10);
  CHECK(c->welfare == 700 - 200 - 250);
  // States: ratios 1.0 .. 0.5 and rejected = 7.
  CHECK(c->combinations == 7);
}

TEST_CASE("linked blocks: a child needs its parent; the family's surplus carries the parent") {
  // Demand 20 @ 70, supply 20 @ 60: alone [60, 70], price 65, welfare 200.
  std::vector<std::vector<AuctionOrder>> p = {{{"d0", Side::buy, 20, 70}, {"g0", Side::sell, 20, 60}}};
  // Parent sells 10 @ 62, child 10 @ 30. Both: interval [-500, 60], top 60:
  // parent -20, child +300, family +280 -> accepted, welfare 1400-620-300 = 480.
  // Parent alone: price 60, -20 -> paradoxical. Child alone: not allowed.
  std::vector<PeriodBlock> blocks = {{"parent", Side::sell, 62, {10}}, {"child", Side::sell, 30, {10}}};
  blocks[1].parent = 0;
  auto r = clear_multi_period(p, blocks, MultiPeriodOptions{});
  REQUIRE(r);
  CHECK(r->blocks[0].accepted_steps == 10);
  CHECK(r->blocks[1].accepted_steps == 10);
  CHECK(r->blocks[0].surplus == -20.0);  // out of the money, carried by its child
  CHECK(r->blocks[1].surplus == 300.0);
  CHECK(r->periods[0].price == 60);
  CHECK(r->periods[0].fills == std::vector<Lots>{20, 0});
  CHECK(r->welfare == 480.0);

  // Unlinked, the child alone is better (price 60, welfare 1400-300-600 = 500)
  // and the parent is rejected (at 60 it would lose 20: not paradoxical).
  blocks[1].parent.reset();
  auto u = clear_multi_period(p, blocks, MultiPeriodOptions{});
  REQUIRE(u);
  CHECK(u->blocks[0].accepted_steps == 0);
  CHECK_FALSE(u->blocks[0].paradoxically_rejected);
  CHECK(u->blocks[1].accepted_steps == 10);
  CHECK(u->periods[0].price == 60);
  CHECK(u->periods[0].fills == std::vector<Lots>{20, 10});
  CHECK(u->welfare == 500.0);

  // Surplus flows up, not down: a child out of the money is never accepted,
  // even when its parent earns enough (parent 10 @ 10, child 10 @ 64: at 60
  // the child loses 40; the parent alone clears at 60, welfare 700).
  std::vector<PeriodBlock> b2 = {{"parent", Side::sell, 10, {10}}, {"child", Side::sell, 64, {10}}};
  b2[1].parent = 0;
  auto v = clear_multi_period(p, b2, MultiPeriodOptions{});
  REQUIRE(v);
  CHECK(v->blocks[0].accepted_steps == 10);
  CHECK(v->blocks[1].accepted_steps == 0);
}

TEST_CASE("exclusive group: at most one block (ratios sum to at most 1)") {
  // Demand 20 @ 70, supply 10 @ 60. Blocks A 10 @ 20, B 10 @ 10.
  std::vector<std::vector<AuctionOrder>> p = {{{"d0", Side::buy, 20, 70}, {"g0", Side::sell, 10, 60}}};
  std::vector<PeriodBlock> blocks = {{"A", Side::sell, 20, {10}}, {"B", Side::sell, 10, {10}}};
  // Free: both, interval [-500, 60], top 60; welfare 1400 - 200 - 100 = 1100.
  auto f = clear_multi_period(p, blocks, MultiPeriodOptions{});
  REQUIRE(f);
  CHECK(f->blocks[0].accepted_steps == 10);
  CHECK(f->blocks[1].accepted_steps == 10);
  CHECK(f->periods[0].price == 60);
  CHECK(f->welfare == 1100.0);
  // In one group: B alone (interval [60, 70], price 65, welfare 1400-100-600 = 700)
  // beats A alone (600). A is in the money at 65 (surplus 450) but excluded.
  blocks[0].exclusive_group = 7;
  blocks[1].exclusive_group = 7;
  auto g = clear_multi_period(p, blocks, MultiPeriodOptions{});
  REQUIRE(g);
  CHECK(g->blocks[0].accepted_steps == 0);
  CHECK(g->blocks[0].paradoxically_rejected);
  CHECK(g->blocks[1].accepted_steps == 10);
  CHECK(g->blocks[1].surplus == 550.0);
  CHECK(g->periods[0].price == 65);
  CHECK(g->welfare == 700.0);
}

TEST_CASE("multi-period blocks: bad input is refused with the block named") {
  auto periods = two_periods();
  MultiPeriodOptions o;
  std::vector<PeriodBlock> b = {{"x", Side::sell, 35, {10}}};  // one entry for two periods
  CHECK(clear_multi_period(periods, b, o).error().code == joule::Errc::invalid_argument);
  b = {{"d0", Side::sell, 35, {10, 10}}};  // id of a period order
  CHECK_FALSE(clear_multi_period(periods, b, o));
  b = {{"x", Side::sell, 35, {0, 0}}};
  CHECK_FALSE(clear_multi_period(periods, b, o));
  b = {{"x", Side::sell, 35, {1, 1}}, {"y", Side::sell, 35, {1, 1}}};
  b[0].parent = 1;
  b[1].parent = 0;
  CHECK_FALSE(clear_multi_period(periods, b, o));  // cycle
  b[0].parent.reset();
  b[1].parent.reset();
  b[0].min_acceptance_ratio = 0;
  CHECK_FALSE(clear_multi_period(periods, b, o));
  b[0].qty = {10, 10};
  b[1].qty = {10, 10};
  b[0].min_acceptance_ratio = 0.1;
  b[1].min_acceptance_ratio = 0.1;
  o.max_combinations = 50;  // 10 x 10 states
  CHECK(clear_multi_period(periods, b, o).error().code == joule::Errc::limit_exceeded);
  o.ratio_steps = 0;
  CHECK_FALSE(clear_multi_period(periods, b, o));
}

TEST_CASE("block cases (joule.market.blocks/v1): parse, clear and print the expected block") {
  for (const char* name : {"multi_period_average", "linked_family", "exclusive_group"}) {
    CAPTURE(name);
    const std::string path = std::string(JOULE_TEST_DATA_DIR) + "/market/blocks/" + name + ".json";
    std::ifstream f(path);
    REQUIRE(f);
    std::stringstream ss;
    ss << f.rdbuf();
    auto c = parse_block_case(ss.str());
    REQUIRE(c);
    REQUIRE_FALSE(c->expected_json.empty());
    auto r = clear_multi_period(c->periods, c->blocks, c->options);
    REQUIRE(r);
    CHECK(json_equal(block_result_json(*c, *r), c->expected_json));
  }
  // Links by id, strict block validation with the block named.
  const char* base = R"({"price_min": -500, "price_max": 4000, "periods": [{"orders": []}, {"orders": []}], "blocks": )";
  auto parse = [&](const std::string& blocks) { return parse_block_case(std::string(base) + blocks + "}"); };
  auto ok = parse(R"([{"id": "p", "side": "sell", "price": 1, "qty": [1, 2]},
                      {"id": "c", "side": "buy", "price": 2, "qty": [0, 3], "parent": "p", "min_acceptance_ratio": 0.5}])");
  REQUIRE(ok);
  REQUIRE(ok->blocks.size() == 2);
  CHECK(ok->blocks[1].parent == std::optional<std::size_t>{0});
  CHECK(ok->blocks[1].side == Side::buy);
  CHECK(ok->blocks[1].qty == std::vector<Lots>{0, 3});
  CHECK(ok->blocks[1].min_acceptance_ratio == 0.5);
  for (const char* bad : {R"([{"id": "p", "side": "sell", "price": 1, "qty": [1]}])",
                          R"([{"id": "p", "side": "hold", "price": 1, "qty": [1, 1]}])",
                          R"([{"id": 3, "side": "sell", "price": 1, "qty": [1, 1]}])",
                          R"([{"id": "p", "side": "sell", "price": 1.5, "qty": [1, 1]}])",
                          R"([{"id": "p", "side": "sell", "price": 1, "qty": [-1, 1]}])",
                          R"([{"id": "p", "side": "sell", "price": 1, "qty": [1, 1], "parent": "p"}])",
                          R"([{"id": "p", "side": "sell", "price": 1, "qty": [1, 1], "parent": "q"}])", R"(7)"}) {
    CAPTURE(bad);
    auto r = parse(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == joule::Errc::malformed);
  }
  CHECK_FALSE(parse_block_case(R"({"price_min": 0, "price_max": 10, "periods": []})"));
  CHECK_FALSE(parse_block_case(R"({"price_min": 0, "price_max": 10, "periods": [{"orders": []}], "ratio_steps": 0})"));
  CHECK_FALSE(parse_block_case("not json"));
}
