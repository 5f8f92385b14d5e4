// Battery benchmarks: exact dispatch on the reference years, the real-time
// controller's step, and the year-long randomized limit check (31.5 M steps at
// 1 s; it fails the run if any limit is violated).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "../tests/battery/core/rt_sim.hpp"
#include "joule/battery/dispatch.hpp"

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
