// Single-item auctions, community market settlement, risk.
#include <doctest/doctest.h>

#include <vector>

#include "joule/market/community.hpp"
#include "joule/market/order_book.hpp"
#include "joule/market/risk.hpp"
#include "joule/market/single_item.hpp"

using namespace joule::market;

TEST_CASE("English auction: reserve, increment, closing time") {
  auto a = EnglishAuction::create({.reserve_price = 1000, .increment = 50, .close_s = 100});
  REQUIRE(a);
  CHECK(a->bid("alice", 999, 1).error().code == joule::Errc::rejected);
  REQUIRE(a->bid("alice", 1000, 2));
  CHECK(a->minimum_next_bid() == 1050);
  CHECK_FALSE(a->bid("bob", 1020, 3));
  REQUIRE(a->bid("bob", 1050, 4));
  CHECK_FALSE(a->bid("carol", 5000, 100));  // closed
  CHECK(a->close(99).error().code == joule::Errc::incomplete);
  auto r = a->close(100);
  REQUIRE(r);
  CHECK(r->sold);
  CHECK(r->winner == "bob");
  CHECK(r->price == 1050);
  CHECK_FALSE(EnglishAuction::create({.increment = 0}));
}

TEST_CASE("sealed-bid first and second price") {
  std::vector<ItemBid> bids = {{"a", 500, 3}, {"b", 700, 5}, {"c", 700, 4}, {"d", 650, 1}};
  auto f = sealed_bid_auction(bids, 600, SealedBidRule::first_price);
  REQUIRE(f);
  CHECK(f->winner == "c");  // tie at 700: earlier bid
  CHECK(f->price == 700);
  auto s = sealed_bid_auction(bids, 600, SealedBidRule::second_price);
  REQUIRE(s);
  CHECK(s->winner == "c");
  CHECK(s->price == 700);
  std::vector<ItemBid> one = {{"a", 900, 1}, {"b", 100, 2}};
  auto v = sealed_bid_auction(one, 300, SealedBidRule::second_price);
  REQUIRE(v);
  CHECK(v->price == 300);  // only one valid bid: pays the reserve
  auto none = sealed_bid_auction(one, 1000, SealedBidRule::first_price);
  REQUIRE(none);
  CHECK_FALSE(none->sold);
  std::vector<ItemBid> dup = {{"a", 1, 1}, {"a", 2, 2}};
  CHECK_FALSE(sealed_bid_auction(dup, 0, SealedBidRule::first_price));
}

TEST_CASE("community market: local priority, fees, reputation, conservation") {
  std::vector<CommunityMember> m = {{"pv_roof", 1.0}, {"flat", 1.0}, {"shop", 1.0}, {"newcomer", 0.2}};
  CommunityOptions o;
  o.grid_import_price = 3000;
  o.grid_export_price = 800;
  o.grid_fee = 1000;
  o.community_discount = 0.5;  // local fee 500
  o.min_reputation = 0.5;
  std::vector<CommunityInterval> iv = {
      {0, {{0, Side::sell, 5000, 900}, {1, Side::buy, 2000, 2600}, {2, Side::buy, 4000, 2000}, {3, Side::sell, 1000, 800}}},
      {900, {{1, Side::buy, 1000, 2500}}}};
  auto s = settle_community(m, iv, o);
  REQUIRE(s);
  CHECK(s->energy_conserved);
  CHECK(s->money_conserved);
  REQUIRE(s->intervals[0].local_price);
  CHECK(s->intervals[0].local_wh == 5000);  // all PV used locally
  CHECK(*s->intervals[0].local_price >= 800);
  CHECK(*s->intervals[0].local_price <= 2500);  // import - local fee
  CHECK(s->members[3].local_sold_wh == 0);      // below the reputation threshold
  CHECK(s->members[3].grid_export_wh == 1000);
  CHECK(s->members[1].consumed_wh == 3000);
  CHECK(s->members[1].grid_import_wh == 1000);  // second interval: no local supply
  CHECK(s->grid.network_fees == 5000 * 500);
  // Members trading locally do better than with the grid alone.
  CHECK(s->members[0].net_money_currency > -s->members[0].grid_only_cost_currency - 1e-9);
  CHECK(s->members[2].net_money_currency >= -s->members[2].grid_only_cost_currency - 1e-9);
  CHECK(s->members[1].statement.find("Statement for flat") != std::string::npos);
  std::vector<CommunityInterval> bad = {{0, {{9, Side::buy, 1, 1}}}};
  CHECK_FALSE(settle_community(m, bad, o));
  o.community_discount = 2;
  CHECK_FALSE(settle_community(m, iv, o));
}

TEST_CASE("risk manager enforces limits in the book and tracks P&L") {
  auto book = OrderBook::create(Instrument::intraday(0));
  REQUIRE(book);
  RiskManager risk;
  REQUIRE(risk.set_limits(1, {.max_position_lots = 10, .max_order_value = 1e9, .credit_line = 1e9}));
  REQUIRE(risk.set_limits(2, {.max_position_lots = 1000, .max_order_value = 50'000, .credit_line = 1e9}));
  REQUIRE(risk.set_limits(3, {.max_position_lots = 1000, .max_order_value = 1e9, .credit_line = 60'000}));
  book->set_pre_trade_check(&risk);
  auto o = [](OrderId id, ParticipantId w, Side s, Ticks p, Lots q) {
    OrderRequest r;
    r.id = id;
    r.owner = w;
    r.side = s;
    r.price = p;
    r.qty = q;
    return r;
  };
  REQUIRE(book->submit(o(1, 1, Side::buy, 5000, 6)));
  CHECK_FALSE(book->submit(o(2, 1, Side::buy, 5000, 5)));  // 6 open + 5 > 10
  CHECK(book->submit(o(3, 2, Side::sell, 10000, 6)).error().code == joule::Errc::rejected);  // value 60000
  REQUIRE(book->submit(o(4, 2, Side::sell, 5000, 4)));
  CHECK(risk.position(1).net_lots == 4);
  CHECK(risk.position(2).net_lots == -4);
  CHECK(risk.position(1).open_buy_lots == 2);
  CHECK(risk.position(1).pnl(5500) == doctest::Approx(4 * 500.0));
  REQUIRE(book->submit(o(5, 3, Side::buy, 5000, 10)));  // owes 50000
  CHECK_FALSE(book->submit(o(6, 3, Side::buy, 5000, 3)));  // +15000 > 60000
  REQUIRE(book->cancel(5));
  CHECK(risk.position(3).open_buy_lots == 0);
  CHECK(book->submit(o(7, 3, Side::buy, 5000, 3)));
}

TEST_CASE("VaR and expected shortfall") {
  std::vector<double> pnl;
  for (int i = 1; i <= 100; ++i) pnl.push_back(static_cast<double>(i - 50));  // -49..50
  auto m = value_at_risk(pnl, {}, 0.95);
  REQUIRE(m);
  CHECK(m->var == doctest::Approx(45.0));                  // 5th worst: -45
  CHECK(m->expected_shortfall == doctest::Approx(47.0));   // mean of -49..-45
  auto p = position_risk(2.0, 50.0, std::vector<double>{40, 50, 60, 30}, {}, 0.75);
  REQUIRE(p);
  CHECK(p->var == doctest::Approx(40.0));
  auto w = quantile_path_weights(std::vector<double>{0.1, 0.5, 0.9});
  REQUIRE(w);
  CHECK((*w)[0] == doctest::Approx(0.3));
  CHECK((*w)[1] == doctest::Approx(0.4));
  std::vector<double> sched = {1.0, -1.0};
  std::vector<double> prices = {50, 40, 80, 20, 30, 60};  // 3 scenarios x 2 periods
  auto s = schedule_risk(sched, prices, *w, 0.9);
  REQUIRE(s);
  // Revenues 10, 60, -30 with weights .3 .4 .3 (mean 18): P&L -8, 42, -48;
  // the worst 10 % of the mass is the -48 scenario.
  CHECK(s->var == doctest::Approx(48.0));
  CHECK(s->expected_shortfall == doctest::Approx(48.0));
  CHECK(s->mean_pnl == doctest::Approx(0.0));
  CHECK_FALSE(value_at_risk({}, {}, 0.9));
  CHECK_FALSE(value_at_risk(pnl, {}, 1.0));
}
