// Call auction: all 35 cases of tests/data/market exactly (price, interval,
// volume, rationed side, every fill, rejected ids), plus the extensions.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "joule/market/call_auction.hpp"

using namespace joule::market;
namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
std::vector<fs::path> case_files() {
  std::vector<fs::path> out;
  for (const char* dir : {"call_auction", "call_auction_random"})
    for (const auto& e : fs::directory_iterator(fs::path(JOULE_TEST_DATA_DIR) / "market" / dir))
      if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("all 35 call-auction cases clear exactly") {
  const auto files = case_files();
  REQUIRE(files.size() == 35);
  for (const auto& f : files) {
    INFO(f.filename().string());
    auto c = parse_auction_case(slurp(f));
    REQUIRE(c);
    REQUIRE_FALSE(c->expected_json.empty());
    auto r = clear_call_auction(c->orders, c->options);
    REQUIRE(r);
    const std::string got = auction_result_json(*c, *r);
    INFO(got);
    CHECK(json_equal(got, c->expected_json));
    // Conservation: buy fills and sell fills each add up to the volume.
    Lots b = 0, s = 0;
    for (std::size_t i = 0; i < c->orders.size(); ++i) {
      CHECK(r->fills[i] >= 0);
      if (r->valid[i]) CHECK(r->fills[i] <= c->orders[i].qty);
      (c->orders[i].side == Side::buy ? b : s) += r->fills[i];
    }
    CHECK(b == r->volume);
    CHECK(s == r->volume);
  }
}

TEST_CASE("pay-as-bid keeps the allocation and settles at the limits") {
  std::vector<AuctionOrder> o = {{"b1", Side::buy, 10, 60}, {"b2", Side::buy, 5, std::nullopt},
                                 {"s1", Side::sell, 8, 40}, {"s2", Side::sell, 10, 50}};
  AuctionOptions u;
  auto ru = clear_call_auction(o, u);
  REQUIRE(ru);
  AuctionOptions p = u;
  p.pricing = Pricing::pay_as_bid;
  auto rp = clear_call_auction(o, p);
  REQUIRE(rp);
  CHECK(ru->fills == rp->fills);
  CHECK(ru->price == rp->price);
  CHECK(rp->settle_price[0] == 60);
  CHECK(rp->settle_price[1] == *rp->price);  // market order at the clearing price
  CHECK(rp->settle_price[2] == 40);
  CHECK(rp->buyer_payments >= rp->seller_receipts);
  CHECK(ru->buyer_payments == ru->seller_receipts);
  // Curves for plotting.
  REQUIRE_FALSE(ru->demand.empty());
  CHECK(ru->demand.front().price == 4000);
  CHECK(ru->demand.back().qty == 15);
  CHECK(ru->supply.back().qty == 18);
}

TEST_CASE("piecewise-linear and step curves") {
  BidCurve lin{"pv", Side::sell, {{10, 0}, {20, 100}}, true};
  auto o = orders_from_curve(lin);
  REQUIRE(o);
  Lots tot = 0;
  for (auto& a : *o) tot += a.qty;
  CHECK(tot == 100);
  CHECK(o->size() == 10);
  CHECK(o->front().price == 11);
  BidCurve step{"load", Side::buy, {{100, 5}, {50, 20}}, false};
  auto s = orders_from_curve(step);
  REQUIRE(s);
  REQUIRE(s->size() == 2);
  CHECK((*s)[1].qty == 15);
  BidCurve bad{"x", Side::buy, {{10, 5}, {20, 6}}, false};
  CHECK_FALSE(orders_from_curve(bad));
  std::vector<AuctionOrder> all = *o;
  all.insert(all.end(), s->begin(), s->end());
  auto r = clear_call_auction(all, AuctionOptions{});
  REQUIRE(r);
  CHECK(r->volume == 20);
}

TEST_CASE("block orders: all or nothing") {
  std::vector<AuctionOrder> o = {{"b1", Side::buy, 10, 60}, {"s1", Side::sell, 4, 40}};
  std::vector<BlockOrder> blocks = {{"blk_big", Side::sell, 20, 30}, {"blk_ok", Side::sell, 6, 45}};
  auto r = clear_with_blocks(o, blocks, AuctionOptions{});
  REQUIRE(r);
  CHECK_FALSE(r->block_accepted[0]);
  CHECK(r->block_accepted[1]);
  CHECK(r->result.volume == 10);
}

TEST_CASE("20000 random orders: bucket and sorting paths agree; bad input is refused") {
  std::vector<AuctionOrder> o;
  o.reserve(20000);
  std::uint64_t s = 7;
  for (int i = 0; i < 20000; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const Side side = (s >> 33) & 1 ? Side::buy : Side::sell;
    const Ticks p = 100 + static_cast<Ticks>((s >> 40) % 200) - (side == Side::buy ? 0 : 20);
    o.push_back({"o" + std::to_string(i), side, 1 + static_cast<Lots>((s >> 20) % 50), p});
  }
  auto r = clear_call_auction(o, AuctionOptions{});
  REQUIRE(r);
  CHECK(r->cleared);
  // Wide range takes the sorting path and gives the same answer.
  AuctionOptions wide;
  wide.price_min = -(Ticks{1} << 30);
  wide.price_max = Ticks{1} << 30;
  auto rw = clear_call_auction(o, wide);
  REQUIRE(rw);
  CHECK(rw->volume == r->volume);
  AuctionOptions bad;
  bad.price_min = 10;
  bad.price_max = 0;
  CHECK_FALSE(clear_call_auction(o, bad));
  CHECK_FALSE(parse_auction_case("{not json"));
  CHECK_FALSE(parse_auction_case("{\"price_min\": 0}"));
}
