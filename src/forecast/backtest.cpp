// Accuracy metrics and rolling-origin backtests.
#include "joule/forecast/backtest.hpp"

#include <algorithm>
#include <cmath>

namespace joule::forecast {
namespace {
Status same_length(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size() || a.empty()) return fail(Errc::invalid_argument, "arrays must have the same non-zero length");
  return {};
}
}  // namespace

Result<double> mape(std::span<const double> a, std::span<const double> f) {
  JOULE_RETURN_IF_ERROR(same_length(a, f));
  double s = 0.0;
  std::size_t c = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != 0.0 && std::isfinite(a[i]) && std::isfinite(f[i])) {
      s += std::fabs((a[i] - f[i]) / a[i]);
      ++c;
    }
  if (c == 0) return fail(Errc::invalid_argument, "no pair with a finite non-zero actual value");
  return 100.0 * s / static_cast<double>(c);
}

Result<double> mase(std::span<const double> a, std::span<const double> f, std::span<const double> in, std::size_t m) {
  JOULE_RETURN_IF_ERROR(same_length(a, f));
  if (m == 0 || in.size() <= m) return fail(Errc::invalid_argument, "in-sample data must be longer than the period");
  double sc = 0.0;
  std::size_t c = 0;
  for (std::size_t t = m; t < in.size(); ++t)
    if (std::isfinite(in[t]) && std::isfinite(in[t - m])) {
      sc += std::fabs(in[t] - in[t - m]);
      ++c;
    }
  if (c == 0 || sc == 0.0) return fail(Errc::invalid_argument, "in-sample seasonal naive error is zero");
  sc /= static_cast<double>(c);
  double s = 0.0;
  std::size_t k = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::isfinite(a[i]) && std::isfinite(f[i])) {
      s += std::fabs(a[i] - f[i]);
      ++k;
    }
  if (k == 0) return fail(Errc::invalid_argument, "no finite pair");
  return s / static_cast<double>(k) / sc;
}

Result<double> pinball(std::span<const double> a, std::span<const double> q, double tau) {
  JOULE_RETURN_IF_ERROR(same_length(a, q));
  if (!(tau > 0 && tau < 1)) return fail(Errc::invalid_argument, "tau must lie in (0, 1)", Where::at_field("tau"));
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = a[i] - q[i];
    s += d >= 0 ? tau * d : (tau - 1.0) * d;
  }
  return s / static_cast<double>(a.size());
}

Result<double> coverage(std::span<const double> a, std::span<const double> lo, std::span<const double> hi) {
  JOULE_RETURN_IF_ERROR(same_length(a, lo));
  JOULE_RETURN_IF_ERROR(same_length(a, hi));
  std::size_t in = 0;
  for (std::size_t i = 0; i < a.size(); ++i) in += (a[i] >= lo[i] && a[i] <= hi[i]) ? 1 : 0;
  return 100.0 * static_cast<double>(in) / static_cast<double>(a.size());
}

Result<double> winkler(std::span<const double> a, std::span<const double> lo, std::span<const double> hi, double alpha) {
  JOULE_RETURN_IF_ERROR(same_length(a, lo));
  JOULE_RETURN_IF_ERROR(same_length(a, hi));
  if (!(alpha > 0 && alpha < 1)) return fail(Errc::invalid_argument, "alpha must lie in (0, 1)", Where::at_field("alpha"));
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    double w = hi[i] - lo[i];
    if (a[i] < lo[i]) w += 2.0 / alpha * (lo[i] - a[i]);
    if (a[i] > hi[i]) w += 2.0 / alpha * (a[i] - hi[i]);
    s += w;
  }
  return s / static_cast<double>(a.size());
}

Result<BacktestResult> backtest(const TimeSeries& y, const ModelOptions& model, const BacktestOptions& o) {
  const std::size_t n = y.size();
  if (o.initial == 0) return fail(Errc::invalid_argument, "initial must be positive", Where::at_field("initial"));
  if (o.horizon == 0) return fail(Errc::invalid_argument, "horizon must be positive", Where::at_field("horizon"));
  if (o.stride == 0) return fail(Errc::invalid_argument, "stride must be positive", Where::at_field("stride"));
  if (o.initial + o.horizon > n) return fail(Errc::invalid_argument, "no origin fits: initial + horizon > series length");
  std::vector<double> lv = o.levels;
  std::sort(lv.begin(), lv.end());
  std::size_t m = o.mase_period;
  if (m == 0) {
    if (!model.periods.empty()) m = model.periods.back();
    else if (y.step() > 0 && y.step() <= 86400 && 86400 % y.step() == 0) m = static_cast<std::size_t>(7 * 86400 / y.step());
    else m = 1;
    if (m >= o.initial) m = 1;
  }
  BacktestResult r;
  std::vector<double> act, mean;
  std::vector<std::vector<double>> qs(lv.size());
  double mase_sum = 0.0;
  std::size_t mase_n = 0;
  const auto v = y.values();
  for (std::size_t org = o.initial; org + o.horizon <= n; org += o.stride) {
    if (o.max_origins && r.origins.size() >= o.max_origins) break;
    JOULE_TRY(auto train, TimeSeries::make(y.start(), y.step(), std::vector<double>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(org))));
    JOULE_TRY(auto fc, fit_predict(train, o.horizon, lv, model));
    std::span<const double> truth(v.data() + org, o.horizon);
    auto ms = mase(truth, fc.mean, std::span<const double>(v.data(), org), m);
    if (ms) {
      mase_sum += *ms;
      ++mase_n;
    }
    act.insert(act.end(), truth.begin(), truth.end());
    mean.insert(mean.end(), fc.mean.begin(), fc.mean.end());
    for (std::size_t j = 0; j < lv.size(); ++j) qs[j].insert(qs[j].end(), fc.quantiles[j].begin(), fc.quantiles[j].end());
    r.origins.push_back(org);
    r.forecasts.push_back(std::move(fc));
  }
  JOULE_TRY(r.mape, mape(act, mean));
  r.mase = mase_n ? mase_sum / static_cast<double>(mase_n) : std::nan("");
  for (std::size_t j = 0; j < lv.size(); ++j) {
    JOULE_TRY(double p, pinball(act, qs[j], lv[j]));
    r.pinball.push_back(p);
  }
  for (std::size_t j = 0; j < lv.size() / 2; ++j) {
    const std::size_t k = lv.size() - 1 - j;
    IntervalScore s;
    s.nominal = 100.0 * (lv[k] - lv[j]);
    JOULE_TRY(s.coverage, coverage(act, qs[j], qs[k]));
    JOULE_TRY(s.winkler, winkler(act, qs[j], qs[k], 1.0 - (lv[k] - lv[j])));
    r.intervals.push_back(s);
  }
  return r;
}

}  // namespace joule::forecast
