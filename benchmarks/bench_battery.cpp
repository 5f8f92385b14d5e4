// Battery benchmarks: exact dispatch on the reference years, the real-time
// controller's step, and the year-long randomized limit check (31.5 M steps at
// 1 s; it fails the run if any limit is violated).
#include <benchmark/benchmark.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../tests/battery/core/rt_sim.hpp"
#include "joule/battery/dispatch.hpp"
#include "joule/battery/mpc.hpp"

namespace {
std::string slurp(const std::string& rel) {
  std::ifstream f(std::string(JOULE_SOURCE_DIR) + "/" + rel, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void solve_case(benchmark::State& state, const char* file) {
  auto prob = joule::battery::parse_case_json(slurp(std::string("tests/data/battery/") + file));
  if (!prob) {
    state.SkipWithError("case not found or invalid");
    return;
  }
  for (auto _ : state) {
    auto sol = joule::battery::solve(*prob);
    benchmark::DoNotOptimize(sol);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * prob->steps()));
}
void BM_dispatch_grid_year(benchmark::State& s) { solve_case(s, "grid_1y1h.json"); }
void BM_dispatch_home_year(benchmark::State& s) { solve_case(s, "home_1y1h.json"); }
void BM_dispatch_home_day(benchmark::State& s) { solve_case(s, "home_24h15_double_hump.json"); }
BENCHMARK(BM_dispatch_grid_year)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_dispatch_home_year)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_dispatch_home_day)->Unit(benchmark::kMicrosecond);

// A week of 15-minute steps under a shrinking daily horizon with a day-ahead
// load forecast: cold (a new solve every step) against warm (one Plan per day,
// every other step one forward step of it). Both realise the same schedule.
void mpc_week(benchmark::State& state, bool warm) {
  auto prob = joule::battery::parse_case_json(slurp("tests/data/battery/home_7d15_mixed.json"));
  if (!prob) {
    state.SkipWithError("case not found or invalid");
    return;
  }
  std::vector<double> fl(prob->load_kw);
  for (std::size_t k = 0; k < fl.size(); ++k) fl[k] *= 1.0 + 0.15 * std::sin(0.37 * static_cast<double>(k));
  auto fc = [&](std::size_t t, std::size_t n) {
    joule::battery::Scenario s;
    s.load_kw.assign(fl.begin() + static_cast<std::ptrdiff_t>(t), fl.begin() + static_cast<std::ptrdiff_t>(t + n));
    return std::vector<joule::battery::Scenario>{s};
  };
  joule::battery::MpcOptions o;
  o.horizon_steps = 96;
  o.horizon_mode = joule::battery::HorizonMode::shrinking;
  o.warm_start = warm;
  for (auto _ : state) {
    auto r = joule::battery::mpc_backtest(*prob, fc, o);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * prob->steps()));
}
void BM_mpc_week_shrinking_cold(benchmark::State& s) { mpc_week(s, false); }
void BM_mpc_week_shrinking_warm(benchmark::State& s) { mpc_week(s, true); }
BENCHMARK(BM_mpc_week_shrinking_cold)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_mpc_week_shrinking_warm)->Unit(benchmark::kMillisecond);

void BM_rt_step(benchmark::State& state) {
  joule::battery::RtConfig cfg;
  cfg.capacity_kwh = 13.5;
  cfg.soc_min_kwh = 1.35;
  cfg.soc_max_kwh = 13.5;
  cfg.p_charge_max_kw = 5;
  cfg.p_discharge_max_kw = 5;
  cfg.ramp_kw_per_s = 1;
  cfg.fcr_reserve_kw = 1;
  auto ctl = joule::battery::RtController::create(cfg, 6.0);
  double f = 49.95;
  for (auto _ : state) {
    joule::battery::RtInput in{2.0, f, 1.0, 0};
    benchmark::DoNotOptimize(ctl->step(in));
    f = f < 50.05 ? f + 1e-4 : 49.95;
  }
}
BENCHMARK(BM_rt_step);

// The year at 1 s with random frequency and DR events: must never violate a limit.
void BM_rt_year_no_violation(benchmark::State& state) {
  for (auto _ : state) {
    const auto st = joule::battery::test::simulate(365ull * 86400, 2026);
    if (st.violations != 0) state.SkipWithError("real-time controller violated a limit");
    state.counters["violations"] = static_cast<double>(st.violations);
    state.counters["fcr_steps"] = static_cast<double>(st.fcr_steps);
    state.counters["dr_steps"] = static_cast<double>(st.dr_steps);
  }
}
BENCHMARK(BM_rt_year_no_violation)->Iterations(1)->Unit(benchmark::kSecond);
}  // namespace
