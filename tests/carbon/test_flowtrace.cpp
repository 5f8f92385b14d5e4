// Flow tracing: solvers agree, conservation holds, undefined zones are not NaN.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "joule/carbon/flowtrace.hpp"

using namespace joule::carbon;

namespace {
struct Net {
  std::size_t n;
  std::vector<FlowTracer::Border> borders;
  std::vector<double> P, E, F;
};

Net random_net(std::size_t n, std::uint64_t seed, bool with_dead_zones) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Net net{n, {}, std::vector<double>(n), std::vector<double>(n), {}};
  for (std::size_t i = 0; i < n; ++i) {
    net.P[i] = (with_dead_zones && i % 7 == 3) ? 0.0 : 100 + 900 * u(rng);
    net.E[i] = net.P[i] * (10 + 800 * u(rng));
  }
  std::vector<std::pair<std::uint32_t, std::uint32_t>> seen;
  while (net.borders.size() < 2 * n) {
    auto a = static_cast<std::uint32_t>(rng() % n), b = static_cast<std::uint32_t>(rng() % n);
    if (a == b) continue;
    auto key = std::make_pair(std::min(a, b), std::max(a, b));
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    net.borders.push_back({a, b});
    net.F.push_back((u(rng) - 0.5) * 120.0);
  }
  return net;
}
}  // namespace

TEST_CASE("carbon: flow tracer solvers agree and conserve emissions") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const Net net = random_net(seed < 4 ? 30 : 120, seed, seed % 2 == 0);
    std::vector<std::vector<double>> xs;
    std::vector<std::uint8_t> def_ref;
    for (FlowSolver s : {FlowSolver::scc, FlowSolver::dense_lu, FlowSolver::sparse_lu}) {
      auto t = FlowTracer::make(net.n, net.borders, s);
      REQUIRE(t);
      std::vector<double> x(net.n);
      std::vector<std::uint8_t> d(net.n);
      REQUIRE(t->trace_step(net.P, net.E, net.F, x, d));
      for (double v : x) CHECK(std::isfinite(v));
      if (def_ref.empty()) def_ref = d;
      CHECK(d == def_ref);
      xs.push_back(x);
    }
    for (std::size_t i = 0; i < net.n; ++i) {
      CHECK_EQ(xs[1][i], doctest::Approx(xs[0][i]).epsilon(1e-10));
      CHECK_EQ(xs[2][i], doctest::Approx(xs[0][i]).epsilon(1e-10));
    }
    // Conservation: sum x_i * (P_i + I_i - X_i) = sum E_i (no storage here).
    std::vector<double> net_in(net.P);
    for (std::size_t k = 0; k < net.borders.size(); ++k) {
      net_in[net.borders[k].b] += net.F[k];
      net_in[net.borders[k].a] -= net.F[k];
    }
    double lhs = 0, rhs = 0;
    for (std::size_t i = 0; i < net.n; ++i) {
      if (def_ref[i]) lhs += xs[0][i] * net_in[i];
      rhs += net.E[i];
    }
    // Consumption can be negative in random data (a transit zone exporting more than it takes), which
    // does not affect the identity.
    CHECK_EQ(lhs, doctest::Approx(rhs).epsilon(1e-9));
  }
}

TEST_CASE("carbon: flow_trace reports undefined zones as null, never NaN, and checks inputs") {
  FlowTraceInput in;
  in.zones = {"A", "B", "L1", "L2", "L3"};
  in.production_mwh = {{{"coal", 400}}, {{"wind", 400}}, {}, {}, {}};
  in.ef_g_per_kwh = {{"coal", 820}, {"wind", 11}};
  in.flows = {{"A", "B", 100}, {"B", "A", 30}, {"L1", "L2", 5}, {"L2", "L3", 5}, {"L3", "L1", 5}};  // loop without production
  auto r = flow_trace(in);
  REQUIRE(r);
  CHECK_EQ(*r->zones[1].consumption_intensity_g_per_kwh, doctest::Approx(61800.0 / 470));
  CHECK_FALSE(r->zones[2].consumption_intensity_g_per_kwh.has_value());
  CHECK_FALSE(r->zones[3].origin_share[0].has_value());
  CHECK_EQ(r->total_consumption_plus_sunk_emissions_kg, doctest::Approx(r->total_production_emissions_kg));
  in.netting = false;
  auto g = flow_trace(in);
  REQUIRE(g);
  CHECK_EQ(*g->zones[0].consumption_intensity_g_per_kwh, doctest::Approx(328264.0 / 424));
  in.flows.push_back({"A", "Z", 1});
  CHECK_EQ(flow_trace(in).error().code, joule::Errc::invalid_argument);
  in.flows.pop_back();
  for (const auto& z : g->zones) CHECK_FALSE((z.consumption_intensity_g_per_kwh && std::isnan(*z.consumption_intensity_g_per_kwh)));
  in.ef_g_per_kwh.pop_back();
  CHECK_EQ(flow_trace(in).error().code, joule::Errc::not_found);
  in.ef_g_per_kwh.push_back({"wind", 11});
  in.storage_charge_mwh = {{"A", 10000}};
  CHECK_EQ(flow_trace(in).error().code, joule::Errc::invalid_argument);  // negative consumption
}
