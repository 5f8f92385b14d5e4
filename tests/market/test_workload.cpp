// joule-lob-std-v1: our generator reproduces the normative std200k stream and
// outcome (WORKLOAD.md §7 table), and the book replays it exactly.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "joule/market/workload.hpp"

using namespace joule::market;

TEST_CASE("std200k: generator and replay reproduce the published outcome") {
  WorkloadParams p;
  p.n_ops = 200'000;
  WorkloadOutcome exp;
  auto recs = generate_workload(p, &exp);
  REQUIRE(recs);
  // WORKLOAD.md §7, std200k row.
  CHECK(exp.n_add == 110'117);
  CHECK(exp.n_cancel == 69'809);
  CHECK(exp.n_ioc == 20'074);
  CHECK(exp.n_cancel_converted_to_add == 1);
  CHECK(exp.n_orders == 130'191);
  CHECK(exp.n_fills == 52'056);
  CHECK(exp.traded_qty == 1'688'804);
  CHECK(exp.fill_hash == 0x909e418214006e7dull);
  CHECK(exp.final_live_orders == 824);
  CHECK(exp.final_bid_qty == 18'587);
  CHECK(exp.final_ask_qty == 22'960);

  ReplayOptions ro;
  ro.measure_latency = false;
  auto got = replay_workload(*recs, ro);
  REQUIRE(got);
  CHECK(got->n_fills == exp.n_fills);
  CHECK(got->traded_qty == exp.traded_qty);
  CHECK(got->fill_hash == exp.fill_hash);
  CHECK(got->cancel_rejects == 0);
  CHECK(got->cancel_qty_mismatches == 0);
  CHECK(got->order_rejects == 0);
  CHECK(got->final_live_orders == exp.final_live_orders);
  CHECK(got->final_bid_levels == exp.final_bid_levels);
  CHECK(got->final_ask_levels == exp.final_ask_levels);
  CHECK(got->final_bid_qty == exp.final_bid_qty);
  CHECK(got->final_ask_qty == exp.final_ask_qty);
  CHECK(got->final_best_bid == exp.final_best_bid);
  CHECK(got->final_best_ask == exp.final_best_ask);
}

TEST_CASE("negative-price and wide-book variants replay like the generator's model") {
  for (int variant = 0; variant < 2; ++variant) {
    WorkloadParams p;
    p.n_ops = 50'000;
    if (variant == 0) {
      p.mid0 = 0;
      p.mid_min = -8000;
      p.mid_max = 8000;
    } else {
      p.maxd = 1024;
    }
    WorkloadOutcome exp;
    auto recs = generate_workload(p, &exp);
    REQUIRE(recs);
    ReplayOptions ro;
    ro.measure_latency = false;
    auto got = replay_workload(*recs, ro);
    REQUIRE(got);
    CHECK(got->fill_hash == exp.fill_hash);
    CHECK(got->n_fills == exp.n_fills);
    CHECK(got->final_live_orders == exp.final_live_orders);
    CHECK(got->final_bid_qty == exp.final_bid_qty);
    CHECK(got->final_ask_qty == exp.final_ask_qty);
    CHECK(got->cancel_rejects == 0);
  }
}

TEST_CASE("binary format round trip and malformed input") {
  WorkloadParams p;
  p.n_ops = 1000;
  auto recs = generate_workload(p, nullptr);
  REQUIRE(recs);
  const std::string path = std::string("joule_market_wl_test_") + std::to_string(reinterpret_cast<std::uintptr_t>(&p)) + ".bin";
  REQUIRE(write_workload(path, *recs, 1));
  auto back = read_workload(path);
  std::remove(path.c_str());
  REQUIRE(back);
  REQUIRE(back->size() == recs->size());
  for (std::size_t i = 0; i < recs->size(); ++i) {
    CHECK((*back)[i].id == (*recs)[i].id);
    CHECK((*back)[i].price == (*recs)[i].price);
    CHECK((*back)[i].qty == (*recs)[i].qty);
  }
  const std::uint8_t junk[40] = {'J', 'L', 'O', 'B', 'W', 'L', '1', 0, 2};
  CHECK(parse_workload(junk, sizeof junk, nullptr).error().code == joule::Errc::unsupported);
  CHECK(parse_workload(junk, 10, nullptr).error().code == joule::Errc::incomplete);
  CHECK_FALSE(read_workload("/nonexistent/x.bin"));
  WorkloadParams bad;
  bad.pct_add = 90;
  bad.pct_cancel = 20;
  CHECK_FALSE(generate_workload(bad, nullptr));
}
