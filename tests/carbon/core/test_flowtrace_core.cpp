// The allocation-free flow tracer (also runs on the emulated Cortex-M4).
#include "check.hpp"
#include "joule/carbon/flowtrace_core.hpp"

namespace {
bool near(double a, double b) {
  const double d = a > b ? a - b : b - a;
  const double m = (b < 0 ? -b : b) > 1.0 ? (b < 0 ? -b : b) : 1.0;
  return d <= 1e-9 * m;
}
}  // namespace

TEST_CASE("carbon core: 4-zone radial network (METHODS.md C.5)") {
  joule::carbon::FixedFlowTracer<8, 16> tracer;
  const double p[] = {1100, 1000, 500, 800};
  const double e[] = {755100, 13200, 156600, 16600};
  const joule::carbon::CoreFlow f[] = {{0, 2, 300}, {1, 2, 200}, {3, 1, 150}};
  double x[4];
  bool ok[4];
  auto r = tracer.trace(p, e, f, x, ok);
  REQUIRE(r.has_value());
  CHECK(near(x[0], 7551.0 / 11));
  CHECK(near(x[1], 1305.0 / 92));
  CHECK(near(x[2], 1848789.0 / 5060));
  CHECK(near(x[3], 83.0 / 4));
  CHECK_EQ(r->defined_zones, 4u);
}

TEST_CASE("carbon core: a loop converges to the exact solution") {
  joule::carbon::FixedFlowTracer<4, 4> tracer;
  // X (coal 500, wind 300), Y (gas 400, nuclear 200), Z (hydro 300, solar 100)
  const double p[] = {800, 600, 400};
  const double e[] = {500 * 820.0 + 300 * 11.0, 400 * 490.0 + 200 * 12.0, 300 * 24.0 + 100 * 48.0};
  const joule::carbon::CoreFlow f[] = {{0, 1, 200}, {1, 2, 150}, {2, 0, 100}};
  double x[3];
  bool ok[3];
  auto r = tracer.trace(p, e, f, x, ok);
  REQUIRE(r.has_value());
  CHECK(near(x[0], 185788.0 / 393));
  CHECK(near(x[1], 143911.0 / 393));
  CHECK(near(x[2], 15941.0 / 131));
}

TEST_CASE("carbon core: transit, isolated and production-less loop zones") {
  joule::carbon::FixedFlowTracer<8, 8> tracer;
  // P1, T, C1, I, L1, L2, L3 (flowtrace_storage_transit_isolated)
  const double p[] = {450, 0, 100, 0, 0, 0, 0};
  const double e[] = {166800, 0, 2400, 0, 0, 0, 0};
  const joule::carbon::CoreFlow f[] = {{0, 1, 200}, {1, 2, 150}, {4, 5, 5}, {5, 6, 5}, {6, 4, 5}};
  double x[7];
  bool ok[7];
  auto r = tracer.trace(p, e, f, x, ok);
  REQUIRE(r.has_value());
  CHECK(near(x[0], 1112.0 / 3));
  CHECK(near(x[1], 1112.0 / 3));
  CHECK(near(x[2], 232.0));
  CHECK_FALSE(ok[3]);
  CHECK_FALSE(ok[4]);
  CHECK_FALSE(ok[5]);
  CHECK_FALSE(ok[6]);
  CHECK_EQ(x[4], 0.0);
  CHECK_EQ(r->defined_zones, 3u);
}

TEST_CASE("carbon core: bad input and capacity are errors") {
  joule::carbon::FixedFlowTracer<2, 1> tracer;
  const double p[] = {1, 1};
  const double e[] = {1, 1};
  const double bad_p[] = {1, -1};
  const joule::carbon::CoreFlow f[] = {{0, 1, 1}};
  const joule::carbon::CoreFlow two[] = {{0, 1, 1}, {1, 0, 1}};
  const joule::carbon::CoreFlow self[] = {{1, 1, 1}};
  double x[2];
  bool ok[2];
  CHECK(tracer.trace(p, e, f, x, ok).has_value());
  CHECK_FALSE(tracer.trace(bad_p, e, f, x, ok).has_value());
  CHECK_FALSE(tracer.trace(p, e, two, x, ok).has_value());
  CHECK_FALSE(tracer.trace(p, e, self, x, ok).has_value());
  const double p3[] = {1, 1, 1};
  double x3[3];
  bool ok3[3];
  CHECK_EQ(tracer.trace(p3, p3, f, x3, ok3).error().code, joule::Errc::limit_exceeded);
}
