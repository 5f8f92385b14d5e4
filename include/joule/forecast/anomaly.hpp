// joule/forecast/anomaly.hpp: anomaly detection on meter series.
//
// Meter rules run first (a zero reading where the series is normally
// positive, a value frozen for several intervals, a cumulative register
// going backwards); the points they flag are removed before the statistics:
// a robust z-score of the residual of a periodic-median seasonal
// decomposition, seasonal-hybrid ESD (Hochenbaum, Vallis & Kejariwal 2017,
// arXiv:1704.07706: generalised ESD of Rosner 1983 on median/MAD) and
// level shifts (difference of medians of adjacent windows).
//
// Example:
//   auto found = joule::forecast::detect_anomalies(load, {.period = 336});
//   for (const auto& a : *found) std::printf("%lld %s %.1f\n", a.time_s, anomaly_kind_name(a.kind), a.score);
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/timeseries.hpp"

namespace joule::forecast {

/// What kind of anomaly.
enum class AnomalyKind : std::uint8_t {
  spike,          ///< value far above its seasonal expectation
  dip,            ///< value far below its seasonal expectation
  level_shift,    ///< the level changes and stays (first index of the new level)
  stuck,          ///< meter rule: the same value for stuck_min_run or more intervals (each index flagged)
  zero,           ///< meter rule: exactly zero where the series is normally positive
  counter_reset,  ///< meter rule: a cumulative register decreased
  missing,        ///< NaN value
};

/// Stable lower-case name ("level_shift").
const char* anomaly_kind_name(AnomalyKind k) noexcept;

/// One anomaly: where, how strong, what.
struct Anomaly {
  std::size_t index = 0;   ///< index in the series
  std::int64_t time_s = 0; ///< start of that interval (UTC s)
  double score = 0.0;      ///< robust z / ESD statistic / shift in robust sd units; rules: run length or 1
  AnomalyKind kind = AnomalyKind::spike;
};

/// Detection options.
struct AnomalyOptions {
  std::size_t period = 0;            ///< seasonal period in steps; 0: one week if 3 weeks of data, else one day
  double z_threshold = 6.0;          ///< robust z above which a residual is a spike/dip
  bool seasonal_esd = true;          ///< also run seasonal-hybrid ESD
  double esd_alpha = 0.05;           ///< ESD significance level
  double esd_max_fraction = 0.005;   ///< at most this share of points tested by ESD
  std::size_t stuck_min_run = 6;     ///< equal consecutive values that make a stuck run
  bool zero_rule = true;             ///< flag exact zeros when the median is positive
  bool cumulative = false;           ///< series is a cumulative register (reset rule; statistics on differences)
  std::size_t level_window = 0;      ///< level-shift window in steps (0: one period); 1 disables
  double level_threshold = 4.0;      ///< level shift threshold in robust residual sd
};

/// Detects anomalies, sorted by index (one per index: rules win over statistics).
/// Errors: invalid_argument for a bad option or a series shorter than 2 periods.
Result<std::vector<Anomaly>> detect_anomalies(const TimeSeries& y, const AnomalyOptions& options = {});

}  // namespace joule::forecast
