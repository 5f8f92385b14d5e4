// ETS forms with multiplicative error and seasonality (HKOS 2008): form
// parsing, AICc choice, point recursions on exact series, class-2 variances
// against the closed form of ETS(M,N,N), refusals with a reason.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "joule/forecast/forecast.hpp"

namespace fc = joule::forecast;

namespace {
// Multiplicative seasonal series with a trend: the seasonal swing grows with the level.
std::vector<double> multiplicative_series(std::size_t n, double noise, std::uint32_t seed) {
  static const double season[7] = {1.25, 1.20, 1.15, 1.10, 1.05, 0.70, 0.55};
  std::mt19937 rng(seed);
  std::normal_distribution<double> z(0.0, noise);
  std::vector<double> y(n);
  for (std::size_t t = 0; t < n; ++t) y[t] = (100.0 + 2.0 * static_cast<double>(t)) * season[t % 7] * (1.0 + z(rng));
  return y;
}

fc::Forecast run(const std::vector<double>& y, const char* model, std::size_t horizon, std::string* name = nullptr,
                 std::vector<double> levels = {0.1, 0.5, 0.9}) {
  fc::ModelOptions o;
  REQUIRE(fc::parse_model(model, o).has_value());
  o.periods = {7};
  auto m = fc::make_model(o);
  REQUIRE(m.has_value());
  auto ts = joule::TimeSeries::make(0, 86400, y);
  REQUIRE(ts.has_value());
  auto st = (*m)->fit(*ts);
  REQUIRE(st.has_value());
  if (name) *name = (*m)->description();
  auto f = (*m)->predict(horizon, levels);
  REQUIRE(f.has_value());
  return *f;
}
}  // namespace

TEST_CASE("ets forms parse like R's ets(model =) and bad forms name the field") {
  fc::ModelOptions o;
  REQUIRE(fc::parse_model("ets(M,Ad,M)", o).has_value());
  CHECK(o.kind == fc::ModelKind::ets);
  CHECK(o.ets_form == "M,Ad,M");
  REQUIRE(fc::parse_model("mstl", o).has_value());
  CHECK(o.kind == fc::ModelKind::mstl);
  for (const char* bad : {"ets(X,N,N)", "ets(M,M,N)", "ets(MN)", "ets(M,Ad,Q)", "ets(A,N,M)"}) {
    auto r = fc::parse_model(bad, o);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == joule::Errc::invalid_argument);
    CHECK(std::string(r.error().where.field) == "ets_form");
  }
  CHECK(fc::make_model({.kind = fc::ModelKind::ets, .ets_form = "MXM"}).error().where.field == std::string("ets_form"));
  CHECK_FALSE(fc::parse_model("prophet", o).has_value());
}

TEST_CASE("ets(M,A,M) reproduces an exact multiplicative seasonal series and AICc prefers it") {
  const auto y = multiplicative_series(7 * 16, 0.0, 1);
  std::string name;
  const auto f = run(y, "ets(M,A,M)", 14, &name);
  CHECK(name == "ets(M,A,M)");
  const auto truth = multiplicative_series(7 * 18, 0.0, 1);
  for (std::size_t h = 0; h < 14; ++h) CHECK(f.mean[h] == doctest::Approx(truth[7 * 16 + h]).epsilon(0.01));
  // With noise, the automatic choice over all admissible forms picks a multiplicative season.
  const auto yn = multiplicative_series(7 * 30, 0.02, 2);
  (void)run(yn, "ets(ZZZ)", 7, &name);
  CHECK(name.size() == 10);
  CHECK(name.back() == ')');
  CHECK(name[name.size() - 2] == 'M');
  // The additive-season fit of the same data is worse one season ahead.
  const auto truth_n = multiplicative_series(7 * 31, 0.0, 2);
  const auto fm = run(yn, "ets(M,A,M)", 7), fa = run(yn, "ets(A,A,A)", 7);
  double em = 0.0, ea = 0.0;
  for (std::size_t h = 0; h < 7; ++h) {
    em += std::fabs(fm.mean[h] - truth_n[7 * 30 + h]);
    ea += std::fabs(fa.mean[h] - truth_n[7 * 30 + h]);
  }
  CHECK(em < ea);
}

TEST_CASE("ets(M,N,N) intervals follow the closed form of HKOS class 2") {
  // v_h = l^2 [(1 + s2)(1 + a^2 s2)^(h-1) - 1] (HKOS section 6.3), so
  // r_h = sd_h^2 / mu^2 + 1 grows geometrically: r_{h+1} / r_h is constant.
  std::mt19937 rng(5);
  std::normal_distribution<double> z(0.0, 0.05);
  std::vector<double> y(200);
  double l = 50.0;
  for (double& v : y) {
    const double e = z(rng);
    v = l * (1.0 + e);
    l = l * (1.0 + 0.4 * e);
  }
  std::string name;
  const auto f = run(y, "ets(MNN)", 10, &name);
  CHECK(name == "ets(M,N,N)");
  const double zq = 1.2815515655446004;  // standard normal 0.9 quantile
  std::vector<double> r(10);
  for (std::size_t h = 0; h < 10; ++h) {
    CHECK(f.mean[h] == doctest::Approx(f.mean[0]).epsilon(1e-12));  // flat point forecast
    const double sd = (f.quantiles[2][h] - f.mean[h]) / zq;
    CHECK(sd > 0.0);
    r[h] = sd * sd / (f.mean[h] * f.mean[h]) + 1.0;
  }
  const double g = r[1] / r[0];
  CHECK(g > 1.0);
  for (std::size_t h = 1; h + 1 < 10; ++h) CHECK(r[h + 1] / r[h] == doctest::Approx(g).epsilon(1e-9));
  // The one-step relative sd is the fitted sigma: close to the generating 0.05.
  CHECK(std::sqrt(r[0] - 1.0) == doctest::Approx(0.05).epsilon(0.25));
}

TEST_CASE("multiplicative ets refuses non-positive data with a reason; Z falls back to additive forms") {
  auto y = multiplicative_series(7 * 10, 0.01, 3);
  y[20] = 0.0;
  fc::ModelOptions o;
  REQUIRE(fc::parse_model("ets(M,N,N)", o).has_value());
  o.periods = {7};
  auto m = fc::make_model(o);
  REQUIRE(m.has_value());
  auto ts = joule::TimeSeries::make(0, 86400, y);
  auto st = (*m)->fit(*ts);
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().code == joule::Errc::invalid_argument);
  std::string name;
  (void)run(y, "ets(ZZZ)", 7, &name);
  CHECK(name.substr(0, 6) == "ets(A,");
  CHECK(name.back() != 'M');
}

TEST_CASE("ets(M,Ad,M) simulated intervals widen with the lead and bracket the mean") {
  const auto y = multiplicative_series(7 * 20, 0.03, 4);
  std::string name;
  const auto f = run(y, "ets(M,Ad,M)", 21, &name, {0.05, 0.5, 0.95});
  CHECK(name == "ets(M,Ad,M)");
  for (std::size_t h = 0; h < 21; ++h) {
    CHECK(f.quantiles[0][h] < f.mean[h]);
    CHECK(f.quantiles[2][h] > f.mean[h]);
  }
  // Relative width grows from the first to the third week.
  auto rel = [&](std::size_t h) { return (f.quantiles[2][h] - f.quantiles[0][h]) / f.mean[h]; };
  CHECK(rel(14) > rel(0));
  // Reproducible: a second fit gives the same bands (seeded simulation).
  const auto g = run(y, "ets(M,Ad,M)", 21, nullptr, {0.05, 0.5, 0.95});
  for (std::size_t h = 0; h < 21; ++h) CHECK(g.quantiles[2][h] == f.quantiles[2][h]);
}
