// Google Benchmark of the forecast module on a synthetic half-hourly load
// (12 weeks, the size of the taylor benchmark's longest training window).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "joule/forecast/anomaly.hpp"
#include "joule/forecast/forecast.hpp"

namespace {
namespace fc = joule::forecast;

std::vector<double> load(std::size_t n) {
  std::mt19937 rng(1);
  std::normal_distribution<double> z(0, 200);
  std::vector<double> y(n);
  double e = 0;
  for (std::size_t t = 0; t < n; ++t) {
    e = 0.9 * e + z(rng);
    y[t] = 30000 + 5000 * std::sin(2 * M_PI * static_cast<double>(t % 48) / 48) - ((t / 48) % 7 >= 5 ? 3000 : 0) + e;
  }
  return y;
}

void BM_mstl(benchmark::State& st) {
  auto y = load(4032);
  const std::size_t p[] = {48, 336};
  for (auto _ : st) benchmark::DoNotOptimize(fc::mstl(y, p));
}
BENCHMARK(BM_mstl)->Unit(benchmark::kMillisecond);

void fit_predict(benchmark::State& st, fc::ModelKind k) {
  auto ts = joule::TimeSeries::make(0, 1800, load(4032));
  const double lv[] = {0.025, 0.1, 0.9, 0.975};
  for (auto _ : st) benchmark::DoNotOptimize(fc::fit_predict(*ts, 336, lv, {.kind = k}));
}
BENCHMARK_CAPTURE(fit_predict, automatic, fc::ModelKind::automatic)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(fit_predict, snaive, fc::ModelKind::seasonal_naive)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(fit_predict, dshw, fc::ModelKind::dshw)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(fit_predict, ets, fc::ModelKind::ets)->Unit(benchmark::kMillisecond);

void BM_anomalies(benchmark::State& st) {
  auto ts = joule::TimeSeries::make(0, 1800, load(4032));
  for (auto _ : st) benchmark::DoNotOptimize(fc::detect_anomalies(*ts, {.period = 336}));
}
BENCHMARK(BM_anomalies)->Unit(benchmark::kMillisecond);

}  // namespace
