// Tests of the forecast module: decompositions against R, models, intervals,
// edge cases (constant, short, NaN gaps), metrics, anomalies, preparation, prices.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "joule/forecast/anomaly.hpp"
#include "joule/forecast/backtest.hpp"
#include "joule/forecast/forecast.hpp"
#include "joule/forecast/prep.hpp"
#include "joule/forecast/price.hpp"
#include "joule/time_zone.hpp"
#include "../../src/forecast/detail.hpp"

namespace fc = joule::forecast;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// A half-hourly load-like series: daily and weekly cycles plus AR(1) noise.
std::vector<double> synthetic_load(std::size_t n, std::uint32_t seed, double noise = 1.0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> z(0.0, noise);
  std::vector<double> y(n);
  double e = 0.0;
  for (std::size_t t = 0; t < n; ++t) {
    const double day = std::sin(2 * M_PI * static_cast<double>(t % 48) / 48.0);
    const double week = (t / 48) % 7 >= 5 ? -8.0 : 0.0;
    e = 0.7 * e + z(rng);
    y[t] = 100.0 + 20.0 * day + week + e;
  }
  return y;
}

std::vector<double> read_taylor(bool& ok) {
  std::ifstream f(std::string(JOULE_SHARED_DIR) + "/data/forecast/taylor_ew_halfhourly_2000.csv");
  std::vector<double> y;
  ok = static_cast<bool>(f);
  if (!ok) return y;
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) y.push_back(std::stod(line.substr(line.find(',') + 1)));
  ok = y.size() == 4032;
  return y;
}
}  // namespace

TEST_CASE("stl matches R stats::stl (s.window = 7) on a short series") {
  // Reference values from R 4.2: stl(ts(x, frequency = 12), s.window = 7).
  const std::vector<double> x{
      11.4711555057, 11.8312780188, 13.6779777427, 13.8674737017, 11.3979880973, 9.8857343480,  9.9860702961,
      8.7136277811,  6.9820692196,  8.1267604506,  10.5888373427, 11.2203508433, 11.8059184691, 14.2338892323,
      15.4333151121, 13.7217581631, 12.3894268040, 12.4851938353, 11.0340062896, 8.5533535139,  8.6846609263,
      10.5575223693, 10.9690918420, 11.4008283136, 14.0883836993, 16.1744723916, 15.3600097565, 14.5092917731,
      14.9690202064, 13.7421541968, 10.8397348292, 10.0556815548, 11.2010257796, 11.1159816007, 11.0180449805,
      13.5389811838, 16.1976788966, 16.2020041618, 15.9528467116, 17.0382192338, 16.4337332781, 13.5450130923,
      12.1350496357, 12.6282610832, 11.9520123427, 11.0591078907, 12.9909409325, 15.7966881176, 16.3522235145,
      16.6136995680, 18.4014395071, 18.7047752130, 16.2649141442, 14.6311867313, 14.7332005694, 13.5817993442,
      11.8173718852, 12.8494917793, 15.3734459629, 16.1015857037};
  auto s = fc::stl(x, 12, 7);
  REQUIRE(s.has_value());
  const std::size_t idx[] = {0, 4, 29, 59};
  const double seas[] = {1.3304271617, 1.3370418943, 0.0730716553, 0.1688624913};
  const double trend[] = {10.0018758011, 10.4430080649, 12.9983807777, 16.0937414875};
  for (int i = 0; i < 4; ++i) {
    CHECK(s->seasonal[idx[i]] == doctest::Approx(seas[i]).epsilon(1e-8));
    CHECK(s->trend[idx[i]] == doctest::Approx(trend[i]).epsilon(1e-8));
  }
  CHECK(fc::stl(x, 12, 6).error().code == joule::Errc::invalid_argument);   // even window
  CHECK(fc::stl(std::vector<double>(20, 1.0), 12, 7).error().code == joule::Errc::invalid_argument);  // < 2 periods
}

TEST_CASE("mstl matches R forecast::mstl with periods 8 and 24") {
  std::vector<double> y(120);
  for (std::size_t t = 1; t <= 120; ++t)
    y[t - 1] = 10 + std::sin(2 * M_PI * t / 8.0) * 2 + std::sin(2 * M_PI * t / 24.0) * 4 + std::cos(t * 1.3);
  const std::size_t periods[] = {8, 24};
  auto m = fc::mstl(y, periods);
  REQUIRE(m.has_value());
  REQUIRE(m->seasonal.size() == 2);
  CHECK(m->seasonal[0][0] == doctest::Approx(1.3511792198).epsilon(1e-7));
  CHECK(m->seasonal[0][49] == doctest::Approx(1.9643435705).epsilon(1e-7));
  CHECK(m->seasonal[0][119] == doctest::Approx(0.0775977568).epsilon(1e-7));
  CHECK(m->seasonal[1][0] == doctest::Approx(1.7065521123).epsilon(1e-7));
  CHECK(m->seasonal[1][119] == doctest::Approx(0.6910944647).epsilon(1e-7));
}

TEST_CASE("a loess kernel cache shared across series lengths leaves STL/MSTL unchanged") {
  // automatic shares one kernel cache between the decompositions of its
  // cross-validation origins (prefixes of different lengths); each result
  // must equal the uncached decomposition (up to summation order).
  std::vector<double> y(700);
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 0.3);
  for (std::size_t t = 0; t < y.size(); ++t)
    y[t] = 50 + 0.01 * t + 3 * std::sin(2 * M_PI * t / 24.0) + 5 * std::sin(2 * M_PI * t / 168.0) + noise(rng);
  auto cache = fc::detail::make_kernel_cache();
  for (const std::vector<std::size_t>& periods : {std::vector<std::size_t>{24, 168}, std::vector<std::size_t>{3}}) {
    for (std::size_t n : {700u, 520u, 611u, 400u, 700u}) {
      const std::span<const double> part(y.data(), n);
      auto ref = fc::mstl(part, periods);
      auto got = fc::detail::mstl_inner(part, periods, 2, 2, cache.get());
      REQUIRE(ref.has_value());
      REQUIRE(got.has_value());
      REQUIRE(got->seasonal.size() == ref->seasonal.size());
      double worst = 0.0;
      for (std::size_t i = 0; i < ref->seasonal.size(); ++i)
        for (std::size_t t = 0; t < n; ++t) worst = std::max(worst, std::fabs(got->seasonal[i][t] - ref->seasonal[i][t]));
      for (std::size_t t = 0; t < n; ++t) worst = std::max(worst, std::fabs(got->trend[t] - ref->trend[t]));
      CHECK(worst < 1e-9);
    }
  }
  // One MSTL iteration is a different (cheaper) decomposition, not a copy.
  auto one = fc::detail::mstl_inner(y, std::vector<std::size_t>{24, 168}, 1, 2, cache.get());
  auto two = fc::mstl(y, std::vector<std::size_t>{24, 168});
  REQUIRE(one.has_value());
  double diff = 0.0;
  for (std::size_t t = 0; t < y.size(); ++t) diff = std::max(diff, std::fabs(one->seasonal[0][t] - two->seasonal[0][t]));
  CHECK(diff > 1e-6);
}

TEST_CASE("seasonal naive repeats the last season with sqrt-k analytic intervals") {
  std::vector<double> y;
  for (int k = 0; k < 5; ++k)
    for (int i = 0; i < 4; ++i) y.push_back(i + k);  // rises by 1 per season: every seasonal difference is 1
  auto ts = joule::TimeSeries::make(0, 3600, y);
  fc::ModelOptions o{.kind = fc::ModelKind::seasonal_naive, .periods = {4}};
  const double lv[] = {0.5, 0.975};
  auto f = fc::fit_predict(*ts, 6, lv, o);
  REQUIRE(f.has_value());
  CHECK(f->start_s == 20 * 3600);
  CHECK(f->mean[0] == 4.0);
  CHECK(f->mean[5] == 5.0);
  // sigma = RMS of seasonal differences = 1; step 5 is in the second season: sd = sqrt(2).
  CHECK(f->quantiles[1][0] - f->mean[0] == doctest::Approx(1.959964).epsilon(1e-5));
  CHECK(f->quantiles[1][5] - f->mean[5] == doctest::Approx(1.959964 * std::sqrt(2.0)).epsilon(1e-5));
}

TEST_CASE("every model handles a constant series") {
  auto ts = joule::TimeSeries::make(0, 1800, std::vector<double>(48 * 21, 5.0));
  const double lv[] = {0.1, 0.9};
  for (auto k : {fc::ModelKind::automatic, fc::ModelKind::seasonal_naive, fc::ModelKind::ets, fc::ModelKind::dshw,
                 fc::ModelKind::mstl, fc::ModelKind::ridge, fc::ModelKind::quantile_regression}) {
    CAPTURE(static_cast<int>(k));
    auto f = fc::fit_predict(*ts, 60, lv, {.kind = k});
    REQUIRE(f.has_value());
    for (std::size_t h = 0; h < 60; ++h) {
      CHECK(f->mean[h] == doctest::Approx(5.0).epsilon(1e-6));
      CHECK(f->quantiles[0][h] <= f->quantiles[1][h]);
      CHECK(std::fabs(f->quantiles[1][h] - 5.0) < 1e-3);
    }
  }
}

TEST_CASE("series shorter than a season: periods that do not fit are dropped") {
  auto y = synthetic_load(100, 3);  // about two days: the weekly period cannot be used
  auto ts = joule::TimeSeries::make(0, 1800, y);
  const double lv[] = {0.1, 0.9};
  auto f = fc::fit_predict(*ts, 48, lv, {});
  REQUIRE(f.has_value());
  for (double v : f->mean) CHECK(std::isfinite(v));
  auto tiny = joule::TimeSeries::make(0, 1800, std::vector<double>{1.0, 2.0});
  CHECK(fc::fit_predict(*tiny, 4, lv, {}).error().code == joule::Errc::invalid_argument);
}

TEST_CASE("NaN gaps are interpolated up to max_gap, longer gaps are an error at their index") {
  auto y = synthetic_load(48 * 14, 5);
  for (std::size_t i = 300; i < 310; ++i) y[i] = kNaN;
  auto ts = joule::TimeSeries::make(0, 1800, y);
  const double lv[] = {0.5};
  CHECK(fc::fit_predict(*ts, 48, lv, {.kind = fc::ModelKind::mstl}).has_value());
  auto f = fc::fit_predict(*ts, 48, lv, {.kind = fc::ModelKind::mstl, .max_gap = 5});
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error().where.position == 300);
  // Trailing NaN: the forecast starts after the last valid value.
  y.back() = kNaN;
  for (std::size_t i = 300; i < 310; ++i) y[i] = 100.0;
  auto ts2 = joule::TimeSeries::make(0, 1800, y);
  auto f2 = fc::fit_predict(*ts2, 4, lv, {.kind = fc::ModelKind::seasonal_naive});
  REQUIRE(f2.has_value());
  CHECK(f2->start_s == static_cast<std::int64_t>(y.size() - 1) * 1800);
}

TEST_CASE("options and predict arguments are validated") {
  CHECK(fc::make_model({.periods = {336, 48}}).error().code == joule::Errc::invalid_argument);
  CHECK(fc::make_model({.ridge_lambda = -1.0}).error().where.field == std::string("ridge_lambda"));
  auto m = fc::make_model({});
  REQUIRE(m.has_value());
  const double bad[] = {1.5};
  CHECK((*m)->predict(4, {}).error().code == joule::Errc::invalid_argument);  // not fitted
  auto ts = joule::TimeSeries::make(0, 1800, synthetic_load(48 * 10, 1));
  REQUIRE((*m)->fit(*ts).has_value());
  CHECK((*m)->predict(4, bad).error().code == joule::Errc::invalid_argument);
  CHECK((*m)->predict(0, {}).error().code == joule::Errc::invalid_argument);
  CHECK(fc::parse_model_kind("prophet").error().code == joule::Errc::invalid_argument);
}

TEST_CASE("automatic model beats seasonal naive on a synthetic load and its intervals cover") {
  auto y = synthetic_load(48 * 7 * 8, 11);
  const std::size_t n = 48 * 7 * 6;
  double cover = 0, cnt = 0, err_auto = 0, err_sn = 0;
  const double lv[] = {0.1, 0.9};
  for (std::size_t o = n; o + 48 <= y.size(); o += 48 * 3) {
    auto ts = joule::TimeSeries::make(0, 1800, std::vector<double>(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(o)));
    auto a = fc::fit_predict(*ts, 48, lv, {});
    auto s = fc::fit_predict(*ts, 48, lv, {.kind = fc::ModelKind::seasonal_naive});
    REQUIRE(a.has_value());
    REQUIRE(s.has_value());
    for (std::size_t h = 0; h < 48; ++h) {
      err_auto += std::fabs(y[o + h] - a->mean[h]);
      err_sn += std::fabs(y[o + h] - s->mean[h]);
      cover += (y[o + h] >= a->quantiles[0][h] && y[o + h] <= a->quantiles[1][h]) ? 1 : 0;
      cnt += 1;
    }
  }
  CHECK(err_auto < err_sn);
  CHECK(cover / cnt > 0.6);
  CHECK(cover / cnt < 0.97);
}

TEST_CASE("ETS with a trend follows a linear series and its variance grows") {
  std::vector<double> y(200);
  std::mt19937 rng(2);
  std::normal_distribution<double> z(0, 0.5);
  for (std::size_t t = 0; t < y.size(); ++t) y[t] = 3.0 + 0.5 * static_cast<double>(t) + z(rng);
  auto ts = joule::TimeSeries::make(0, 86400 * 3, y);  // step does not divide a day: no default periods
  const double lv[] = {0.05, 0.95};
  auto f = fc::fit_predict(*ts, 10, lv, {.kind = fc::ModelKind::ets});
  REQUIRE(f.has_value());
  CHECK(f->mean[9] == doctest::Approx(3.0 + 0.5 * 209).epsilon(0.01));
  CHECK(f->quantiles[1][9] - f->quantiles[0][9] > f->quantiles[1][0] - f->quantiles[0][0]);
}

TEST_CASE("ridge and quantile regression use regressors") {
  const std::size_t n = 48 * 20, H = 48;
  std::mt19937 rng(4);
  std::normal_distribution<double> z(0, 1);
  fc::Features x, fut;
  x.names = {"temp"};
  fut.names = {"temp"};
  x.columns.assign(1, std::vector<double>(n));
  fut.columns.assign(1, std::vector<double>(H));
  std::vector<double> y(n);
  for (std::size_t t = 0; t < n + H; ++t) {
    const double temp = 15 + 10 * std::sin(static_cast<double>(t) / 37.0);
    if (t < n) {
      x.columns[0][t] = temp;
      y[t] = 50 + 3 * temp + z(rng);
    } else {
      fut.columns[0][t - n] = temp;
    }
  }
  auto ts = joule::TimeSeries::make(0, 1800, y);
  const double lv[] = {0.1, 0.5, 0.9};
  for (auto k : {fc::ModelKind::ridge, fc::ModelKind::quantile_regression}) {
    auto f = fc::fit_predict(*ts, H, lv, {.kind = k, .ridge_lambda = 0.01}, &x, &fut);
    REQUIRE(f.has_value());
    for (std::size_t h = 0; h < H; h += 7) CHECK(f->mean[h] == doctest::Approx(50 + 3 * fut.columns[0][h]).epsilon(0.02));
    // 80 % band of N(0,1) noise: about 2.56 wide.
    CHECK(f->quantiles[2][10] - f->quantiles[0][10] == doctest::Approx(2.56).epsilon(0.3));
  }
  CHECK(fc::fit_predict(*ts, H, lv, {.kind = fc::ModelKind::ridge}, &x, nullptr).error().code ==
        joule::Errc::invalid_argument);
}

TEST_CASE("batch forecasts equal one-by-one forecasts") {
  const std::size_t len = 48 * 15;
  std::vector<double> m;
  for (std::uint32_t s = 0; s < 3; ++s) {
    auto y = synthetic_load(len, 100 + s);
    m.insert(m.end(), y.begin(), y.end());
  }
  const double lv[] = {0.1, 0.9};
  auto b = fc::forecast_batch(m, 3, 0, 1800, 24, lv, {.kind = fc::ModelKind::mstl}, 2);
  REQUIRE(b.has_value());
  CHECK(b->failed.empty());
  auto ts = joule::TimeSeries::make(0, 1800, std::vector<double>(m.begin() + len, m.begin() + 2 * len));
  auto one = fc::fit_predict(*ts, 24, lv, {.kind = fc::ModelKind::mstl});
  REQUIRE(one.has_value());
  for (std::size_t h = 0; h < 24; ++h) {
    CHECK(b->mean[24 + h] == one->mean[h]);
    CHECK(b->quantiles[(1 * 2 + 1) * 24 + h] == one->quantiles[1][h]);
  }
}

TEST_CASE("metrics against hand computations") {
  const double a[] = {100, 200, 50};
  const double f[] = {110, 180, 50};
  CHECK(*fc::mape(a, f) == doctest::Approx(100.0 * (0.1 + 0.1 + 0.0) / 3));
  const double q[] = {90, 210, 60};
  // pinball at 0.9: (0.9*10 + 0.1*10 + 0.1*10) / 3
  CHECK(*fc::pinball(a, q, 0.9) == doctest::Approx((9.0 + 1.0 + 1.0) / 3));
  const double lo[] = {95, 150, 55}, hi[] = {105, 250, 60};
  CHECK(*fc::coverage(a, lo, hi) == doctest::Approx(200.0 / 3));
  // Winkler alpha 0.2: widths 10, 100, 5; the third misses by 5 below: + 2/0.2*5 = 50
  CHECK(*fc::winkler(a, lo, hi, 0.2) == doctest::Approx((10.0 + 100.0 + 55.0) / 3));
  const double in[] = {1, 2, 3, 5, 6, 7};  // period 3: |5-1|,|6-2|,|7-3| = 4
  const double a2[] = {8, 9}, f2[] = {10, 9};
  CHECK(*fc::mase(a2, f2, in, 3) == doctest::Approx(1.0 / 4.0));
  CHECK(fc::mape(std::vector<double>{1.0}, std::vector<double>{1.0, 2.0}).error().code == joule::Errc::invalid_argument);
}

TEST_CASE("backtest pools origins and reports interval scores") {
  auto y = synthetic_load(48 * 7 * 5, 8);
  auto ts = joule::TimeSeries::make(0, 1800, y);
  auto r = fc::backtest(*ts, {.kind = fc::ModelKind::seasonal_naive, .periods = {48, 336}},
                        {.initial = 48 * 7 * 4, .horizon = 48, .stride = 48});
  REQUIRE(r.has_value());
  CHECK(r->origins.size() == 7);
  REQUIRE(r->intervals.size() == 2);
  CHECK(r->intervals[0].nominal == doctest::Approx(95.0));
  CHECK(r->intervals[1].nominal == doctest::Approx(80.0));
  CHECK(r->mape > 0);
  CHECK(r->mase == doctest::Approx(1.0).epsilon(0.5));
  CHECK(fc::backtest(*ts, {}, {.initial = 0, .horizon = 1}).error().code == joule::Errc::invalid_argument);
}

TEST_CASE("anomalies: seeded injector of spikes, dropouts and stuck runs") {
  bool have = false;
  auto y = read_taylor(have);
  if (!have) {
    MESSAGE("skipped: taylor data not present (GPL-3, read from ../shared)");
    y = synthetic_load(4032, 9, 3.0);
    for (double& v : y) v *= 300.0;
  }
  std::mt19937 rng(1);
  std::vector<char> truth(y.size(), 0);
  std::uniform_int_distribution<std::size_t> pos(400, y.size() - 400);
  std::uniform_real_distribution<double> mag(0.05, 0.15);
  for (int i = 0; i < 20; ++i) {
    const std::size_t p = pos(rng);
    y[p] *= 1.0 + (i % 2 ? mag(rng) : -mag(rng));
    truth[p] = 1;
  }
  for (int i = 0; i < 3; ++i) {
    const std::size_t p = pos(rng);
    y[p] = 0.0;
    truth[p] = 1;
  }
  const std::size_t s = pos(rng);
  for (std::size_t k = s; k < s + 12; ++k) {
    y[k] = y[s];
    truth[k] = 1;
  }
  truth[s] = 0;  // the first value of a frozen run is a real reading
  auto ts = joule::TimeSeries::make(0, 1800, y);
  auto a = fc::detect_anomalies(*ts, {.period = 336});
  REQUIRE(a.has_value());
  std::size_t tp = 0;
  bool zero_found = false, stuck_found = false;
  for (const auto& x : *a) {
    tp += truth[x.index] ? 1 : 0;
    zero_found |= x.kind == fc::AnomalyKind::zero;
    stuck_found |= x.kind == fc::AnomalyKind::stuck;
  }
  const double recall = static_cast<double>(tp) / 34.0;
  const double precision = a->empty() ? 0.0 : static_cast<double>(tp) / static_cast<double>(a->size());
  MESSAGE("anomaly precision " << precision << " recall " << recall << " flagged " << a->size());
  CHECK(zero_found);
  CHECK(stuck_found);
  CHECK(recall >= 0.5);
  CHECK(precision >= 0.3);
  CHECK(fc::detect_anomalies(*ts, {.z_threshold = 0}).error().code == joule::Errc::invalid_argument);
}

TEST_CASE("anomalies: counter reset and stuck on a cumulative register") {
  std::vector<double> reg;
  double v = 1000;
  for (int i = 0; i < 48 * 6; ++i) {
    v += 1.0 + 0.5 * std::sin(i / 7.0);
    if (i == 100) v = 3.0;  // meter exchanged: register restarts
    reg.push_back(v);
  }
  auto ts = joule::TimeSeries::make(0, 1800, reg);
  auto a = fc::detect_anomalies(*ts, {.period = 48, .cumulative = true});
  REQUIRE(a.has_value());
  bool reset = false;
  for (const auto& x : *a) reset |= x.kind == fc::AnomalyKind::counter_reset && x.index == 100;
  CHECK(reset);
}

TEST_CASE("aggregate_readings: duplicates, out of order, counter reset and gaps are reported") {
  std::vector<fc::Reading> r{{0, 100.0}, {900, 101.0}, {900, 101.0}, {2700, 103.0}, {1800, 102.0},
                             {3600, 0.5},  // reset: 0.5 since restart
                             {90000 + 3600, 10.0}};  // a day later: too long to spread -> gap
  auto p = fc::aggregate_readings(r, {.step_s = 900, .max_interpolation_s = 7200});
  REQUIRE(p.has_value());
  CHECK(p->report.duplicates == 1);
  CHECK(p->report.conflicting_duplicates == 0);
  CHECK(p->report.out_of_order == 1);
  REQUIRE(p->report.counter_resets.size() == 1);
  CHECK(p->report.counter_resets[0] == 3600);
  const auto v = p->series.values();
  CHECK(v[0] == doctest::Approx(1.0));
  CHECK(v[3] == doctest::Approx(0.5));
  CHECK(std::isnan(v[4]));
  CHECK(p->report.gap_intervals == v.size() - 4);
  // Readings between grid points are spread in proportion to time.
  std::vector<fc::Reading> r2{{0, 0.0}, {1350, 3.0}};
  auto p2 = fc::aggregate_readings(r2, {.step_s = 900});
  REQUIRE(p2.has_value());
  CHECK(p2->series.values()[0] == doctest::Approx(2.0));
  CHECK(std::isnan(p2->series.values()[1]));  // only half covered
  // Interval readings are summed into the grid.
  std::vector<fc::Reading> r3{{0, 1.0}, {300, 2.0}, {600, 3.0}, {1800, 4.0}};
  auto p3 = fc::aggregate_readings(r3, {.step_s = 900, .kind = fc::ReadingKind::interval});
  REQUIRE(p3.has_value());
  CHECK(p3->series.values()[0] == 6.0);
  CHECK(std::isnan(p3->series.values()[1]));
  CHECK(p3->series.values()[2] == 4.0);
}

TEST_CASE("calendar features across a DST day and England & Wales holidays") {
  auto tz = joule::TimeZone::load("Europe/London");
  if (!tz) {
    MESSAGE("skipped: no zoneinfo for Europe/London");
    return;
  }
  // 2024-03-31: clocks go forward at 01:00 UTC; 46 half-hours in the local day.
  const std::int64_t start = *tz->day_start_utc(2024, 3, 31);
  fc::EnglandWalesCalendar ew;
  auto f = fc::calendar_features(start, 1800, 48, *tz, &ew);
  CHECK(f.columns[8][0] == 23.0);               // day length
  CHECK(f.columns[0][2] == doctest::Approx(2.0));  // 01:00 UTC is 02:00 BST
  CHECK(f.columns[6][2] == 1.0);
  CHECK(f.columns[1][0] == 6.0);  // Sunday
  std::size_t same_day = 0;
  for (std::size_t i = 0; i < 48; ++i) same_day += f.columns[5][i] == f.columns[5][0] ? 1 : 0;
  CHECK(same_day == 46);
  CHECK(ew.is_holiday(2000, 4, 21));   // Good Friday
  CHECK(ew.is_holiday(2000, 4, 24));   // Easter Monday
  CHECK(ew.is_holiday(2000, 5, 1));
  CHECK(ew.is_holiday(2000, 5, 29));
  CHECK(ew.is_holiday(2000, 8, 28));
  CHECK(ew.is_holiday(2004, 12, 27));  // Christmas on Saturday
  CHECK(ew.is_holiday(2004, 12, 28));
  CHECK_FALSE(ew.is_holiday(2000, 8, 21));
  CHECK(joule::civil_from_days(fc::easter_sunday(2024)).month == 3);
  CHECK(joule::civil_from_days(fc::easter_sunday(2024)).day == 31);
  auto g = fc::gefcom_features(std::vector<double>(24, 10.0), start, 3600, *tz);
  REQUIRE(g.has_value());
  CHECK(g->columns.size() == 1 + 3 + 36 + 72 + 168);
  auto fr = fc::fourier_features(start, 1800, 4, 86400, 2, *tz);
  CHECK(fr.columns.size() == 4);
  CHECK(fr.columns[1][0] == doctest::Approx(1.0));  // cos at local midnight
}

TEST_CASE("lags and trailing rolling statistics do not look ahead") {
  const std::vector<double> y{1, 2, 3, 4, 5};
  const std::size_t lags[] = {2};
  auto l = fc::lag_features(y, lags);
  CHECK(std::isnan(l.columns[0][1]));
  CHECK(l.columns[0][4] == 3.0);
  auto r = fc::rolling_features(y, 2);
  CHECK(std::isnan(r.columns[0][1]));
  CHECK(r.columns[0][2] == doctest::Approx(1.5));
  CHECK(r.columns[0][4] == doctest::Approx(3.5));
  CHECK(r.columns[1][4] == doctest::Approx(std::sqrt(0.5)));
}

TEST_CASE("GARCH(1,1) recovers simulated parameters and maximises the likelihood") {
  std::mt19937 rng(7);
  std::normal_distribution<double> z(0, 1);
  const double omega = 0.1, alpha = 0.1, beta = 0.8;
  std::vector<double> r(4000);
  double s2 = omega / (1 - alpha - beta), e = 0;
  for (auto& x : r) {
    s2 = omega + alpha * e * e + beta * s2;
    e = std::sqrt(s2) * z(rng);
    x = 0.5 + e;
  }
  auto g = fc::fit_garch11(r);
  REQUIRE(g.has_value());
  CHECK(g->mu == doctest::Approx(0.5).epsilon(0.1));
  CHECK(g->alpha == doctest::Approx(alpha).epsilon(0.4));
  CHECK(g->beta == doctest::Approx(beta).epsilon(0.1));
  const double ll = g->log_likelihood;
  CHECK(ll == doctest::Approx(fc::garch11_log_likelihood(r, g->mu, g->omega, g->alpha, g->beta)));
  CHECK(ll >= fc::garch11_log_likelihood(r, g->mu, g->omega * 1.05, g->alpha, g->beta));
  CHECK(ll >= fc::garch11_log_likelihood(r, g->mu, g->omega, g->alpha * 0.95, g->beta));
  auto var = fc::garch11_forecast(*g, 500);
  CHECK(var[499] == doctest::Approx(g->omega / (1 - g->alpha - g->beta)).epsilon(0.05));
  CHECK(fc::fit_garch11(std::vector<double>(5, 1.0)).error().code == joule::Errc::invalid_argument);
}

TEST_CASE("price model: negative prices and spikes, no log transform") {
  const std::size_t days = 28, P = 24;
  std::vector<double> p(days * P);
  std::mt19937 rng(3);
  std::normal_distribution<double> z(0, 2);
  for (std::size_t t = 0; t < p.size(); ++t) {
    const std::size_t h = t % P;
    p[t] = 40 + 25 * std::sin(2 * M_PI * (static_cast<double>(h) - 6) / 24) + z(rng);
    if (h == 13) p[t] -= 90;  // midday solar glut: negative prices
  }
  p[300] = 900;  // a scarcity spike
  auto ts = joule::TimeSeries::make(0, 3600, p);
  auto m = fc::make_price_model({});
  REQUIRE(m.has_value());
  REQUIRE((*m)->fit(*ts).has_value());
  const double lv[] = {0.05, 0.5, 0.95};
  auto f = (*m)->predict(24, lv);
  REQUIRE(f.has_value());
  const double expected13 = 40 + 25 * std::sin(2 * M_PI * 7 / 24.0) - 90;
  CHECK(f->mean[13] < 0);
  CHECK(f->mean[13] == doctest::Approx(expected13).epsilon(0.25));
  for (std::size_t h = 0; h < 24; ++h) CHECK(f->quantiles[0][h] <= f->quantiles[2][h]);
  CHECK(fc::make_price_model({.period = 1}).error().code == joule::Errc::invalid_argument);
}

TEST_CASE("price model: GARCH(1,1) of the residuals scales the quantiles by the h-step variance") {
  // Hourly prices: daily shape + weekday effect + GARCH(1,1) innovations,
  // ending with a volatile stretch, so the next hours should get wider
  // intervals than an average day and the widening should decay.
  std::mt19937 rng(5);
  std::normal_distribution<double> z(0.0, 1.0);
  const std::size_t n = 24 * 70;
  std::vector<double> p(n);
  double s2 = 4.0, e = 0.0;
  for (std::size_t t = 0; t < n; ++t) {
    s2 = 0.4 + 0.15 * e * e + 0.8 * s2;
    e = std::sqrt(s2) * z(rng);
    if (t + 8 >= n) e = (t % 2 ? 1.0 : -1.0) * 12.0;  // shocks in the last 8 hours
    p[t] = 40 + 15 * std::sin(2 * M_PI * static_cast<double>(t % 24) / 24.0) + e;
  }
  auto ts = joule::TimeSeries::make(0, 3600, p);
  auto plain = fc::make_price_model({});
  auto vol = fc::make_price_model({.garch_intervals = true});
  REQUIRE(plain.has_value());
  REQUIRE(vol.has_value());
  REQUIRE((*plain)->fit(*ts).has_value());
  REQUIRE((*vol)->fit(*ts).has_value());
  CHECK((*vol)->description() == "price(huber)+garch(1,1)");
  const double lv[] = {0.05, 0.5, 0.95};
  const std::size_t H = 48;
  auto a = (*plain)->predict(H, lv);
  auto b = (*vol)->predict(H, lv);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  auto v = fc::price_volatility(**vol);
  REQUIRE(v.has_value());
  const auto& g = v->garch;
  CHECK(g.alpha > 0.0);
  CHECK(g.alpha + g.beta < 1.0);
  CHECK(v->residuals.size() == g.sigma2.size());
  // Independent closed form of the h-step variance (not the recursion the
  // model uses): sigma2_{n+h} = sbar + (alpha + beta)^(h-1) (sigma2_{n+1} - sbar).
  const double sbar = g.omega / (1.0 - g.alpha - g.beta);
  const double s1 = g.omega + g.alpha * g.last_residual * g.last_residual + g.beta * g.sigma2.back();
  for (std::size_t h = 0; h < H; ++h) {
    const double var = sbar + std::pow(g.alpha + g.beta, static_cast<double>(h)) * (s1 - sbar);
    const double ratio = std::sqrt(var / v->mean_sigma2);
    const double wa = a->quantiles[2][h] - a->quantiles[0][h], wb = b->quantiles[2][h] - b->quantiles[0][h];
    CHECK(wb == doctest::Approx(ratio * wa).epsilon(1e-9));
    CHECK(b->mean[h] == doctest::Approx(a->mean[h]));
    CHECK(b->quantiles[1][h] == doctest::Approx(a->quantiles[1][h]));  // the median is not scaled
  }
  // After the shocks the first hours are wider than average, and the excess decays.
  CHECK(b->quantiles[2][0] - b->quantiles[0][0] > 1.5 * (a->quantiles[2][0] - a->quantiles[0][0]));
  CHECK((b->quantiles[2][0] - b->quantiles[0][0]) / (a->quantiles[2][0] - a->quantiles[0][0]) >
        (b->quantiles[2][40] - b->quantiles[0][40]) / (a->quantiles[2][40] - a->quantiles[0][40]));
  CHECK(fc::price_volatility(**plain).error().code == joule::Errc::invalid_argument);
  auto other = fc::make_model({.kind = fc::ModelKind::seasonal_naive});
  CHECK(fc::price_volatility(**other).error().code == joule::Errc::invalid_argument);
}

TEST_CASE("non-negative option clips PV-like forecasts") {
  std::vector<double> y(96 * 20);
  for (std::size_t t = 0; t < y.size(); ++t) {
    const double s = std::sin(M_PI * (static_cast<double>(t % 96) - 24) / 48.0);
    y[t] = s > 0 ? s * (0.8 + 0.2 * std::sin(static_cast<double>(t) / 500.0)) : 0.0;
  }
  auto ts = joule::TimeSeries::make(0, 900, y);
  const double lv[] = {0.05, 0.95};
  auto f = fc::fit_predict(*ts, 96, lv, {.kind = fc::ModelKind::mstl, .periods = {96}, .non_negative = true});
  REQUIRE(f.has_value());
  for (std::size_t h = 0; h < 96; ++h) {
    CHECK(f->mean[h] >= 0.0);
    CHECK(f->quantiles[0][h] >= 0.0);
  }
}

TEST_CASE("automatic: error feedback learns a persistent daily error shape; intervals widen with the lead") {
  // Load whose intraday shape carries a zero-mean pattern with an amplitude
  // that persists from day to day (AR(1) across days, as a weather regime):
  // yesterday's error shape predicts today's, which a level-only remainder
  // and a seasonal smoothed over many days cannot capture.
  std::mt19937 rng(21);
  std::normal_distribution<double> z(0.0, 1.0);
  const std::size_t days = 7 * 8, n = 48 * days;
  std::vector<double> y(n);
  double a = 0.0;
  for (std::size_t d = 0; d < days; ++d) {
    a = 0.9 * a + 3.0 * z(rng);
    for (std::size_t i = 0; i < 48; ++i) {
      const double prof = 20.0 * std::max(0.0, std::sin(M_PI * static_cast<double>(i) / 48.0));
      const double week = d % 7 >= 5 ? -6.0 : 0.0;
      y[48 * d + i] = 100.0 + prof + week + a * std::sin(2.0 * M_PI * static_cast<double>(i) / 48.0) + 0.3 * z(rng);
    }
  }
  const double lv[] = {0.1, 0.9};
  double err_auto = 0.0, err_mstl = 0.0;
  bool feedback = false, widens = true;
  for (std::size_t o = 48 * 7 * 6; o + 48 <= n; o += 48 * 2) {
    auto ts = joule::TimeSeries::make(0, 1800, std::vector<double>(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(o)));
    auto m = fc::make_model({});
    REQUIRE((*m)->fit(*ts).has_value());
    auto f = (*m)->predict(336, lv);
    REQUIRE(f.has_value());
    feedback |= (*m)->description().find("feedback") != std::string::npos;
    auto g = fc::fit_predict(*ts, 48, lv, {.kind = fc::ModelKind::mstl, .intervals = fc::Intervals::analytic});
    REQUIRE(g.has_value());
    for (std::size_t h = 0; h < 48; ++h) {
      err_auto += std::fabs(y[o + h] - f->mean[h]);
      err_mstl += std::fabs(y[o + h] - g->mean[h]);
    }
    // Conformal by lead: a week ahead the interval is wider than one step ahead.
    widens &= (f->quantiles[1][300] - f->quantiles[0][300]) > (f->quantiles[1][0] - f->quantiles[0][0]);
  }
  MESSAGE("day-ahead MAE auto " << err_auto << " vs mstl without feedback " << err_mstl);
  CHECK(feedback);
  CHECK(err_auto < 0.95 * err_mstl);
  CHECK(widens);
}

TEST_CASE("automatic on a slice of taylor: feedback and calibrated week-ahead intervals") {
  bool have = false;
  auto y = read_taylor(have);
  if (!have) {
    MESSAGE("skipped: taylor data not present (GPL-3, read from ../shared)");
    return;
  }
  // Two origins of the benchmark (k = 0 and 10); the full protocol runs in benchmarks/compare/forecast.
  const double lv[] = {0.1, 0.9};
  double inside = 0.0, cnt = 0.0, ape = 0.0;
  for (std::size_t o : {std::size_t{2688}, std::size_t{2688 + 480}}) {
    auto ts = joule::TimeSeries::make(0, 1800, std::vector<double>(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(o)));
    auto f = fc::fit_predict(*ts, 336, lv, {});
    REQUIRE(f.has_value());
    for (std::size_t h = 0; h < 336; ++h) {
      inside += (y[o + h] >= f->quantiles[0][h] && y[o + h] <= f->quantiles[1][h]) ? 1.0 : 0.0;
      ape += std::fabs(y[o + h] - f->mean[h]) / y[o + h];
      cnt += 1.0;
    }
  }
  MESSAGE("taylor slice: week-ahead MAPE " << 100.0 * ape / cnt << " %, 80 % coverage " << 100.0 * inside / cnt);
  CHECK(ape / cnt < 0.025);          // snaive336 is 2.3 % on the benchmark
  CHECK(inside / cnt > 0.6);
}
