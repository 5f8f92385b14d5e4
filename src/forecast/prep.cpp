// Data preparation: readings -> regular series, calendar and weather features.
#include "joule/forecast/prep.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "detail.hpp"
#include "joule/core/civil.hpp"

namespace joule::forecast {
namespace {
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
unsigned weekday_of_days(std::int64_t days) {  // 0 = Monday; 1970-01-01 was a Thursday (3)
  return static_cast<unsigned>(((days % 7) + 7 + 3) % 7);
}
}  // namespace

Result<PreparedSeries> aggregate_readings(std::span<const Reading> in, const PrepOptions& o) {
  if (o.step_s <= 0) return fail(Errc::invalid_argument, "step_s must be positive", Where::at_field("step_s"));
  PreparedSeries out;
  PrepReport& rep = out.report;
  rep.readings = in.size();
  std::vector<Reading> r;
  r.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!std::isfinite(in[i].value)) {
      ++rep.non_finite;
      continue;
    }
    if (!r.empty() && in[i].time_s < r.back().time_s) ++rep.out_of_order;
    r.push_back(in[i]);
  }
  std::stable_sort(r.begin(), r.end(), [](const Reading& a, const Reading& b) { return a.time_s < b.time_s; });
  std::vector<Reading> u;
  for (const auto& x : r) {
    if (!u.empty() && u.back().time_s == x.time_s) {
      ++rep.duplicates;
      if (u.back().value != x.value) ++rep.conflicting_duplicates;
      u.back() = x;  // the last one received wins
    } else {
      u.push_back(x);
    }
  }
  const std::int64_t step = o.step_s;
  if (u.empty() || (o.kind == ReadingKind::cumulative && u.size() < 2))
    return fail(Errc::invalid_argument, "fewer than two usable readings");
  std::vector<double> vals;
  std::int64_t start = 0;
  if (o.kind == ReadingKind::cumulative) {
    start = floor_div(u.front().time_s, step) * step;
    const std::int64_t end = floor_div(u.back().time_s + step - 1, step) * step;
    const auto n = static_cast<std::size_t>((end - start) / step);
    vals.assign(n, 0.0);
    std::vector<double> covered(n, 0.0);
    for (std::size_t i = 1; i < u.size(); ++i) {
      const std::int64_t t0 = u[i - 1].time_s, t1 = u[i].time_s;
      double amount = u[i].value - u[i - 1].value;
      if (amount < 0) {  // register went backwards: a reset to zero
        rep.counter_resets.push_back(t1);
        amount = u[i].value;
      }
      if (t1 - t0 > o.max_interpolation_s) continue;  // too long to spread: a gap
      const double rate = amount / static_cast<double>(t1 - t0);
      for (std::int64_t b = floor_div(t0, step) * step; b < t1; b += step) {
        const std::int64_t lo = std::max(b, t0), hi = std::min(b + step, t1);
        if (hi <= lo) continue;
        const auto k = static_cast<std::size_t>((b - start) / step);
        vals[k] += rate * static_cast<double>(hi - lo);
        covered[k] += static_cast<double>(hi - lo);
      }
    }
    // An interval is known only when readings cover all of it.
    for (std::size_t k = 0; k < n; ++k)
      if (covered[k] < static_cast<double>(step) - 1e-6) vals[k] = detail::kNaN;
  } else {
    start = floor_div(u.front().time_s, step) * step;
    const std::int64_t end = floor_div(u.back().time_s, step) * step + step;
    const auto n = static_cast<std::size_t>((end - start) / step);
    vals.assign(n, detail::kNaN);
    for (const auto& x : u) {
      const auto k = static_cast<std::size_t>((floor_div(x.time_s, step) * step - start) / step);
      vals[k] = std::isnan(vals[k]) ? x.value : vals[k] + x.value;
    }
  }
  for (std::size_t k = 0; k < vals.size();) {
    if (!std::isnan(vals[k])) {
      ++k;
      continue;
    }
    std::size_t j = k;
    while (j < vals.size() && std::isnan(vals[j])) ++j;
    rep.gap_intervals += j - k;
    rep.gaps.emplace_back(start + static_cast<std::int64_t>(k) * step, start + static_cast<std::int64_t>(j) * step);
    k = j;
  }
  if (o.time_zone) {
    const std::int64_t end = start + static_cast<std::int64_t>(vals.size()) * step;
    CivilTime c = o.time_zone->to_civil(start);
    std::int64_t day = days_from_civil(c.year, c.month, c.day);
    for (;; ++day) {
      const CivilTime d = civil_from_days(day);
      auto s = o.time_zone->day_start_utc(d.year, d.month, d.day);
      if (!s || *s >= end) break;
      auto len = o.time_zone->day_length_s(d.year, d.month, d.day);
      if (len && *len != 86400) rep.dst_change_days_utc.push_back(*s);
    }
  }
  JOULE_TRY(out.series, TimeSeries::make(start, step, std::move(vals)));
  return out;
}

DateListCalendar::DateListCalendar(std::vector<std::int64_t> days) : days_(std::move(days)) {
  std::sort(days_.begin(), days_.end());
}
bool DateListCalendar::is_holiday(std::int32_t y, unsigned m, unsigned d) const {
  return std::binary_search(days_.begin(), days_.end(), days_from_civil(y, m, d));
}

std::int64_t easter_sunday(std::int32_t year) {
  const int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31, day = ((h + l - 7 * m + 114) % 31) + 1;
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

bool EnglandWalesCalendar::is_holiday(std::int32_t y, unsigned m, unsigned d) const {
  const std::int64_t day = days_from_civil(y, m, d);
  const unsigned wd = weekday_of_days(day);
  if (wd >= 5) return false;
  const std::int64_t easter = easter_sunday(y);
  if (day == easter - 2 || day == easter + 1) return true;  // Good Friday, Easter Monday
  auto first_monday = [&](unsigned month) {
    std::int64_t x = days_from_civil(y, month, 1);
    while (weekday_of_days(x) != 0) ++x;
    return x;
  };
  auto last_monday = [&](unsigned month) {
    std::int64_t x = days_from_civil(y, month, days_in_month(y, month));
    while (weekday_of_days(x) != 0) --x;
    return x;
  };
  if (y >= 1978 && day == first_monday(5)) return true;  // Early May bank holiday
  if (y >= 1971 && (day == last_monday(5) || day == last_monday(8))) return true;  // Spring, Summer
  // New Year's Day (from 1974), Christmas, Boxing Day with weekend substitution.
  auto observed = [&](unsigned month, unsigned dd, int shift_if_both_weekend) {
    std::int64_t x = days_from_civil(y, month, dd);
    const unsigned w = weekday_of_days(x);
    if (w == 5) x += 2 + shift_if_both_weekend;
    else if (w == 6) x += 1 + shift_if_both_weekend;
    return x;
  };
  if (y >= 1974 && day == observed(1, 1, 0)) return true;
  const std::int64_t xmas = days_from_civil(y, 12, 25);
  const unsigned wx = weekday_of_days(xmas);
  std::int64_t c1 = xmas, c2 = xmas + 1;
  if (wx == 5) { c1 = xmas + 2; c2 = xmas + 3; }        // Sat: Mon and Tue
  else if (wx == 6) { c1 = xmas + 1; c2 = xmas + 2; }   // Sun: Mon (Boxing) and Tue
  else if (wx == 4) { c2 = xmas + 3; }                  // Fri: Boxing Day Sat -> Mon
  return day == c1 || day == c2;
}

Features calendar_features(std::int64_t start_s, std::int64_t step_s, std::size_t n, const TimeZone& tz,
                           const HolidayCalendar* hol) {
  Features f;
  f.names = {"hour", "weekday", "weekend", "holiday", "month", "day_of_year", "dst", "utc_offset_h", "day_length_h"};
  f.columns.assign(f.names.size(), std::vector<double>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t t = start_s + static_cast<std::int64_t>(i) * step_s;
    const CivilTime c = tz.to_civil(t);
    const std::int64_t day = days_from_civil(c.year, c.month, c.day);
    const unsigned wd = weekday_of_days(day);
    f.columns[0][i] = c.hour + c.minute / 60.0 + c.second / 3600.0;
    f.columns[1][i] = wd;
    f.columns[2][i] = wd >= 5 ? 1.0 : 0.0;
    f.columns[3][i] = hol && hol->is_holiday(c.year, c.month, c.day) ? 1.0 : 0.0;
    f.columns[4][i] = c.month;
    f.columns[5][i] = static_cast<double>(day - days_from_civil(c.year, 1, 1) + 1);
    f.columns[6][i] = tz.is_dst(t) ? 1.0 : 0.0;
    f.columns[7][i] = tz.utc_offset_s(t) / 3600.0;
    auto len = tz.day_length_s(c.year, c.month, c.day);
    f.columns[8][i] = len ? static_cast<double>(*len) / 3600.0 : 24.0;
  }
  return f;
}

Features fourier_features(std::int64_t start_s, std::int64_t step_s, std::size_t n, std::int64_t period_s, std::size_t k,
                          const TimeZone& tz) {
  Features f;
  for (std::size_t j = 1; j <= k; ++j) {
    f.names.push_back("sin" + std::to_string(j) + "_" + std::to_string(period_s));
    f.names.push_back("cos" + std::to_string(j) + "_" + std::to_string(period_s));
  }
  f.columns.assign(2 * k, std::vector<double>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t t = start_s + static_cast<std::int64_t>(i) * step_s;
    const double local = static_cast<double>(t + tz.utc_offset_s(t));
    const double ph = 2.0 * M_PI * std::fmod(local, static_cast<double>(period_s)) / static_cast<double>(period_s);
    for (std::size_t j = 1; j <= k; ++j) {
      f.columns[2 * (j - 1)][i] = std::sin(static_cast<double>(j) * ph);
      f.columns[2 * (j - 1) + 1][i] = std::cos(static_cast<double>(j) * ph);
    }
  }
  return f;
}

Features lag_features(std::span<const double> y, std::span<const std::size_t> lags) {
  Features f;
  for (std::size_t L : lags) {
    f.names.push_back("lag" + std::to_string(L));
    std::vector<double> c(y.size(), detail::kNaN);
    for (std::size_t t = L; t < y.size(); ++t) c[t] = y[t - L];
    f.columns.push_back(std::move(c));
  }
  return f;
}

Features rolling_features(std::span<const double> y, std::size_t w) {
  Features f;
  f.names = {"roll_mean" + std::to_string(w), "roll_sd" + std::to_string(w)};
  std::vector<double> m(y.size(), detail::kNaN), s(y.size(), detail::kNaN);
  double sum = 0, sq = 0;
  std::size_t cnt = 0;
  for (std::size_t t = 0; t < y.size(); ++t) {
    if (t >= 1 && std::isfinite(y[t - 1])) {
      sum += y[t - 1];
      sq += y[t - 1] * y[t - 1];
      ++cnt;
    }
    if (t >= w + 1 && std::isfinite(y[t - w - 1])) {
      sum -= y[t - w - 1];
      sq -= y[t - w - 1] * y[t - w - 1];
      --cnt;
    }
    if (w > 0 && t >= w && cnt > 0) {
      m[t] = sum / static_cast<double>(cnt);
      s[t] = cnt > 1 ? std::sqrt(std::max(0.0, (sq - sum * sum / static_cast<double>(cnt)) / static_cast<double>(cnt - 1))) : 0.0;
    }
  }
  f.columns = {std::move(m), std::move(s)};
  return f;
}

Result<Features> gefcom_features(std::span<const double> temp, std::int64_t start_s, std::int64_t step_s,
                                 const TimeZone& tz) {
  if (step_s <= 0) return fail(Errc::invalid_argument, "step_s must be positive", Where::at_field("step_s"));
  for (std::size_t i = 0; i < temp.size(); ++i)
    if (!std::isfinite(temp[i])) return fail(Errc::invalid_argument, "temperature has NaN", Where::at_index(i, "temperature_c"));
  const std::size_t n = temp.size();
  Features cal = calendar_features(start_s, step_s, n, tz);
  Features f;
  auto col = [&](std::string name) {
    f.names.push_back(std::move(name));
    f.columns.emplace_back(n, 0.0);
    return f.columns.size() - 1;
  };
  const std::size_t trend = col("trend");
  std::size_t tpow[3];
  for (int p = 0; p < 3; ++p) tpow[p] = col("T" + std::to_string(p + 1));
  std::size_t tm[3][12], th[3][24], wh[7][24];
  for (int p = 0; p < 3; ++p)
    for (int m = 0; m < 12; ++m) tm[p][m] = col("T" + std::to_string(p + 1) + "_month" + std::to_string(m + 1));
  for (int p = 0; p < 3; ++p)
    for (int h = 0; h < 24; ++h) th[p][h] = col("T" + std::to_string(p + 1) + "_hour" + std::to_string(h));
  for (int w = 0; w < 7; ++w)
    for (int h = 0; h < 24; ++h) wh[w][h] = col("weekday" + std::to_string(w) + "_hour" + std::to_string(h));
  for (std::size_t i = 0; i < n; ++i) {
    const auto h = static_cast<int>(cal.columns[0][i]);
    const auto w = static_cast<int>(cal.columns[1][i]);
    const auto m = static_cast<int>(cal.columns[4][i]) - 1;
    f.columns[trend][i] = static_cast<double>(i);
    double tp = 1.0;
    for (int p = 0; p < 3; ++p) {
      tp *= temp[i];
      f.columns[tpow[p]][i] = tp;
      f.columns[tm[p][m]][i] = tp;
      f.columns[th[p][h]][i] = tp;
    }
    f.columns[wh[w][h]][i] = 1.0;
  }
  return f;
}

}  // namespace joule::forecast
