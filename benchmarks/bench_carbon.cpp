// Carbon module benchmarks: flow tracing of a year of hours (50 and 400 zones) and the
// certificate registry at 1,000,000 certificates (issue, transfer, retire, verify).
#include <benchmark/benchmark.h>

#include <time.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "joule/carbon/flowtrace.hpp"
#include "joule/carbon/registry.hpp"

using namespace joule::carbon;

namespace {

constexpr std::size_t kHours = 8760;

// A random grid: N zones with production, 2N borders, hourly net flows of either sign.
struct Year {
  std::size_t n = 0;
  std::vector<FlowTracer::Border> borders;
  std::vector<double> P, E, F;  // hour-major
};

const Year& year(std::size_t n) {
  static std::vector<Year> cache;
  for (const auto& y : cache)
    if (y.n == n) return y;
  Year y;
  y.n = n;
  std::mt19937_64 rng(12345 + n);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> keys;
  while (y.borders.size() < 2 * n) {
    auto a = static_cast<std::uint32_t>(rng() % n), b = static_cast<std::uint32_t>(rng() % n);
    if (a == b) continue;
    auto k = std::make_pair(std::min(a, b), std::max(a, b));
    bool dup = false;
    for (const auto& x : keys) dup = dup || x == k;
    if (dup) continue;
    keys.push_back(k);
    y.borders.push_back({a, b});
  }
  std::vector<double> base(n), ci(n);
  for (std::size_t i = 0; i < n; ++i) {
    base[i] = 200 + 2000 * u(rng);
    ci[i] = 10 + 800 * u(rng);
  }
  y.P.resize(kHours * n);
  y.E.resize(kHours * n);
  y.F.resize(kHours * y.borders.size());
  for (std::size_t h = 0; h < kHours; ++h) {
    for (std::size_t i = 0; i < n; ++i) {
      const double p = base[i] * (0.6 + 0.8 * u(rng));
      y.P[h * n + i] = p;
      y.E[h * n + i] = p * ci[i] * (0.8 + 0.4 * u(rng));
    }
    for (std::size_t k = 0; k < y.borders.size(); ++k) y.F[h * y.borders.size() + k] = (u(rng) - 0.5) * 300.0;
  }
  cache.push_back(std::move(y));
  return cache.back();
}

void BM_FlowTraceYear(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto solver = static_cast<FlowSolver>(state.range(1));
  const Year& y = year(n);
  auto t = FlowTracer::make(n, y.borders, solver);
  std::vector<double> x(n);
  std::vector<std::uint8_t> d(n);
  const std::size_t nb = y.borders.size();
  for (auto _ : state) {
    for (std::size_t h = 0; h < kHours; ++h) {
      auto r = t->trace_step({&y.P[h * n], n}, {&y.E[h * n], n}, {&y.F[h * nb], nb}, x, d);
      if (!r) state.SkipWithError("trace failed");
    }
    benchmark::DoNotOptimize(x.data());
  }
  state.counters["hours_per_s"] = benchmark::Counter(static_cast<double>(kHours), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_FlowTraceYear)->Args({50, 0})->Args({50, 1})->Args({50, 2})->Args({400, 0})->Args({400, 2})
    ->Unit(benchmark::kMillisecond)->Iterations(3);

constexpr std::int64_t kT0 = 1704067200;  // 2024-01-01T00:00:00Z
constexpr std::int64_t kCerts = 1000000;

RegistrySetup registry_setup() {
  RegistrySetup s;
  s.accepted_markets = {{"DK1", {"DK1"}}};
  return s;
}

double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// 1M issues (100 devices x 10,000 hours), 1M transfers, 1M annual retirements, each logged and
// hash-chained; then the log is verified. Rates use this thread's CPU time of each phase (the
// reference machine is shared, wall time would measure the neighbours); set-up and tear-down excluded.
void BM_Registry1M(benchmark::State& state) {
  std::size_t log_bytes = 0, ops = 0;
  double t_issue = 0, t_transfer = 0, t_retire = 0, t_verify = 0;
  std::vector<std::string> devices;
  for (int d = 0; d < 100; ++d) devices.push_back("WIND-" + std::to_string(d));
  for (auto _ : state) {
    auto reg = Registry::make(registry_setup());
    reg->reserve(3 * kCerts);
    std::vector<std::string> ids;
    ids.reserve(kCerts);
    double t0 = thread_cpu_s();
    for (std::int64_t i = 0; i < kCerts; ++i) {
      const std::int64_t dev = i % 100, hour = i / 100;
      auto r = reg->issue({devices[static_cast<std::size_t>(dev)], "DK1", "wind", kT0 + hour * 3600, kT0 + hour * 3600 + 3600,
                           50000, "PROD", 52000});
      if (!r.ok()) state.SkipWithError("issue rejected");
      ids.push_back(std::move(r.value));
    }
    double t1 = thread_cpu_s();
    t_issue = t1 - t0;
    for (const auto& id : ids)
      if (!reg->transfer(id, "PROD", "ACME").ok()) state.SkipWithError("transfer rejected");
    t0 = thread_cpu_s();
    t_transfer = t0 - t1;
    const RetireRequest proto{"", "ACME", "ACME", "SITE-1", "DK1", Claim::annual(2024)};
    RetireRequest q = proto;
    for (const auto& id : ids) {
      q.cid = id;
      q.claim.year = 2024 + static_cast<int>(&id - ids.data()) / 100 / 8784;  // vintage of the hour (leap year 2024)
      if (!reg->retire(q).ok()) state.SkipWithError("retire rejected");
    }
    t1 = thread_cpu_s();
    t_retire = t1 - t0;
    ops = reg->operation_count();
    log_bytes = reg->log_text().size();
    t0 = thread_cpu_s();
    auto v = verify_log(reg->log_text());
    t_verify = thread_cpu_s() - t0;
    if (!v || *v != ops) state.SkipWithError("verification failed");
    state.PauseTiming();
    reg = Registry{};  // tear-down outside the measurement
    state.ResumeTiming();
  }
  state.counters["issue_per_s"] = static_cast<double>(kCerts) / t_issue;
  state.counters["transfer_per_s"] = static_cast<double>(kCerts) / t_transfer;
  state.counters["retire_per_s"] = static_cast<double>(kCerts) / t_retire;
  state.counters["ops_per_s"] = static_cast<double>(ops) / (t_issue + t_transfer + t_retire);
  state.counters["log_MB"] = static_cast<double>(log_bytes) / 1e6;
  state.counters["verify_MB_per_s"] = static_cast<double>(log_bytes) / 1e6 / t_verify;
}
BENCHMARK(BM_Registry1M)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
