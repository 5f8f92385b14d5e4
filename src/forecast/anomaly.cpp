// Anomaly detection: meter rules, then robust statistics on a seasonal residual.
#include "joule/forecast/anomaly.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "detail.hpp"

namespace joule::forecast {

const char* anomaly_kind_name(AnomalyKind k) noexcept {
  switch (k) {
    case AnomalyKind::spike: return "spike";
    case AnomalyKind::dip: return "dip";
    case AnomalyKind::level_shift: return "level_shift";
    case AnomalyKind::stuck: return "stuck";
    case AnomalyKind::zero: return "zero";
    case AnomalyKind::counter_reset: return "counter_reset";
    case AnomalyKind::missing: return "missing";
  }
  return "unknown";
}

Result<std::vector<Anomaly>> detect_anomalies(const TimeSeries& ts, const AnomalyOptions& o) {
  if (!(o.z_threshold > 0)) return fail(Errc::invalid_argument, "z_threshold must be positive", Where::at_field("z_threshold"));
  if (!(o.esd_alpha > 0 && o.esd_alpha < 1)) return fail(Errc::invalid_argument, "esd_alpha must lie in (0, 1)", Where::at_field("esd_alpha"));
  if (!(o.esd_max_fraction >= 0 && o.esd_max_fraction <= 0.5))
    return fail(Errc::invalid_argument, "esd_max_fraction must lie in [0, 0.5]", Where::at_field("esd_max_fraction"));
  if (o.stuck_min_run < 2) return fail(Errc::invalid_argument, "stuck_min_run must be >= 2", Where::at_field("stuck_min_run"));
  const auto v = ts.values();
  const std::size_t n = v.size();
  std::size_t period = o.period;
  if (period == 0) {
    const std::int64_t day = 86400;
    const std::size_t d = ts.step() > 0 && ts.step() <= day && day % ts.step() == 0 ? static_cast<std::size_t>(day / ts.step()) : 1;
    period = n >= 21 * d ? 7 * d : d;
  }
  if (period < 1 || n < 2 * period + 2) return fail(Errc::invalid_argument, "series shorter than two periods");

  std::map<std::size_t, Anomaly> found;  // index -> anomaly (rules first, never overwritten by statistics)
  auto add = [&](std::size_t i, double score, AnomalyKind k, bool rule) {
    auto it = found.find(i);
    if (it == found.end()) {
      found[i] = Anomaly{i, ts.time_at(i), score, k};
    } else if (!rule && it->second.kind != AnomalyKind::stuck && it->second.kind != AnomalyKind::zero &&
               it->second.kind != AnomalyKind::counter_reset && it->second.kind != AnomalyKind::missing &&
               score > it->second.score) {
      it->second.score = score;
      it->second.kind = k;
    }
  };

  // ---- meter rules
  std::vector<double> x(v.begin(), v.end());
  for (std::size_t i = 0; i < n; ++i)
    if (std::isnan(x[i])) add(i, 1.0, AnomalyKind::missing, true);
  if (o.cumulative) {
    for (std::size_t i = 1; i < n; ++i)
      if (!std::isnan(x[i]) && !std::isnan(x[i - 1]) && x[i] < x[i - 1]) add(i, x[i - 1] - x[i], AnomalyKind::counter_reset, true);
    // Statistics on the consumption per interval.
    std::vector<double> d(n, detail::kNaN);
    for (std::size_t i = 1; i < n; ++i) d[i] = x[i] >= x[i - 1] ? x[i] - x[i - 1] : detail::kNaN;
    x = std::move(d);
  }
  const double med_all = detail::median(x);
  if (o.zero_rule && med_all > 0)
    for (std::size_t i = 0; i < n; ++i)
      if (x[i] == 0.0) {
        add(i, 1.0, AnomalyKind::zero, true);
      }
  // Stuck runs (zeros are already flagged; a run of zeros is also stuck).
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && !std::isnan(v[i]) && v[j] == v[i]) ++j;
    const std::size_t run = j - i;
    if (!std::isnan(v[i]) && run >= o.stuck_min_run && !o.cumulative)
      for (std::size_t k = i; k < j; ++k) found[k] = Anomaly{k, ts.time_at(k), static_cast<double>(run), AnomalyKind::stuck};
    if (!std::isnan(v[i]) && run >= o.stuck_min_run && o.cumulative && med_all > 0)
      for (std::size_t k = i + 1; k < j; ++k) add(k, static_cast<double>(run), AnomalyKind::stuck, true);
    i = j;
  }
  for (const auto& [i, a] : found) x[i] = detail::kNaN;  // rules first: flagged points leave the statistics

  // ---- seasonal residual: rolling median level + periodic median profile
  const std::size_t half = period / 2;
  std::vector<double> level(n), r(n, detail::kNaN), win;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t a = i >= half ? i - half : 0, b = std::min(n, i + half + 1);
    win.assign(x.begin() + static_cast<std::ptrdiff_t>(a), x.begin() + static_cast<std::ptrdiff_t>(b));
    level[i] = detail::median(win);
  }
  std::vector<double> prof(period);
  for (std::size_t p = 0; p < period; ++p) {
    win.clear();
    for (std::size_t i = p; i < n; i += period) win.push_back(x[i] - level[i]);
    prof[p] = detail::median(win);
  }
  // Second pass: the level again, over one day (a seventh of a weekly
  // period), on the deseasonalised values, so weather-driven day-to-day
  // changes of the level do not show up as anomalies.
  const std::size_t lw = period % 7 == 0 && period >= 14 ? period / 7 : period;
  std::vector<double> des(n);
  for (std::size_t i = 0; i < n; ++i) des[i] = x[i] - prof[i % period];
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t a = i >= lw / 2 ? i - lw / 2 : 0, b = std::min(n, i + lw / 2 + 1);
    win.assign(des.begin() + static_cast<std::ptrdiff_t>(a), des.begin() + static_cast<std::ptrdiff_t>(b));
    level[i] = detail::median(win);
  }
  for (std::size_t i = 0; i < n; ++i) r[i] = des[i] - level[i];
  const double rmed = detail::median(r);
  const double rmad = detail::mad(r, rmed);
  const double scale = rmad > 0 ? rmad : 1e-12;

  // ---- robust z
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(r[i])) continue;
    const double z = (r[i] - rmed) / scale;
    if (std::fabs(z) > o.z_threshold) add(i, std::fabs(z), z > 0 ? AnomalyKind::spike : AnomalyKind::dip, false);
  }

  // ---- seasonal-hybrid ESD (robust: median and MAD at each step)
  if (o.seasonal_esd && rmad > 0) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isnan(r[i])) idx.push_back(i);
    const std::size_t N = idx.size();
    const auto kmax = static_cast<std::size_t>(o.esd_max_fraction * static_cast<double>(N));
    std::vector<char> removed(n, 0);
    std::vector<std::pair<std::size_t, double>> tested;
    std::size_t last_sig = 0;
    std::vector<double> cur;
    for (std::size_t k = 1; k <= kmax && N > k + 2; ++k) {
      cur.clear();
      for (std::size_t i : idx)
        if (!removed[i]) cur.push_back(r[i]);
      const double m = detail::median(cur);
      const double s = detail::mad(cur, m);
      if (!(s > 0)) break;
      std::size_t arg = n;
      double best = -1;
      for (std::size_t i : idx)
        if (!removed[i] && std::fabs(r[i] - m) > best) {
          best = std::fabs(r[i] - m);
          arg = i;
        }
      const double R = best / s;
      removed[arg] = 1;
      tested.emplace_back(arg, R);
      const double nn = static_cast<double>(N - k + 1);
      const double p = 1.0 - o.esd_alpha / (2.0 * nn);
      const double t = detail::t_quantile(p, nn - 2.0);
      const double lambda = (nn - 1.0) * t / std::sqrt((nn - 2.0 + t * t) * nn);
      if (R > lambda) last_sig = k;
    }
    for (std::size_t k = 0; k < last_sig; ++k) {
      const std::size_t i = tested[k].first;
      add(i, tested[k].second, r[i] > rmed ? AnomalyKind::spike : AnomalyKind::dip, false);
    }
  }

  // ---- level shifts: median of the next window minus median of the previous one
  const std::size_t w = o.level_window ? o.level_window : period;
  if (w >= 2 && n >= 2 * w + 1 && rmad > 0) {
    std::vector<double> ds(n, 0.0), seas(n), a, b;
    for (std::size_t i = 0; i < n; ++i) seas[i] = x[i] - prof[i % period];
    for (std::size_t i = w; i + w <= n; ++i) {
      a.assign(seas.begin() + static_cast<std::ptrdiff_t>(i - w), seas.begin() + static_cast<std::ptrdiff_t>(i));
      b.assign(seas.begin() + static_cast<std::ptrdiff_t>(i), seas.begin() + static_cast<std::ptrdiff_t>(i + w));
      const double d = detail::median(b) - detail::median(a);
      ds[i] = std::isnan(d) ? 0.0 : std::fabs(d) / scale;
    }
    for (std::size_t i = w; i + w <= n; ++i) {
      if (ds[i] <= o.level_threshold) continue;
      bool peak = true;  // local maximum within +-w
      for (std::size_t j = i >= w ? i - w : 0; j < std::min(n, i + w + 1) && peak; ++j)
        if (ds[j] > ds[i] || (ds[j] == ds[i] && j < i)) peak = false;
      if (peak) add(i, ds[i], AnomalyKind::level_shift, false);
    }
  }
  std::vector<Anomaly> out;
  out.reserve(found.size());
  for (const auto& [i, a] : found) out.push_back(a);
  return out;
}

}  // namespace joule::forecast
