// joule/forecast/prep.hpp: data preparation for forecasting.
//
// Meter readings (cumulative register values or interval values, at
// irregular times, possibly duplicated, out of order or with a counter
// reset) become a regular series with NaN gaps and a report of what was
// repaired. Feature builders make calendar columns (local hour, weekday,
// holidays from a pluggable calendar, DST flag; DST days have 46 or 50
// half-hours), Fourier terms, lags, trailing rolling statistics and the
// temperature terms of the GEFCom2012 "vanilla" benchmark (Hong, Pinson &
// Fan 2014, Int. J. Forecasting 30(2), 357-363).
//
// Example:
//   std::vector<joule::forecast::Reading> r{{t0, 1000.0}, {t0 + 900, 1000.4}, ...};   // kWh register
//   auto p = joule::forecast::aggregate_readings(r, {.step_s = 900});
//   p->series;   // kWh per 15 minutes, NaN where no reading covers an interval
//   p->report;   // duplicates, out-of-order readings, counter resets, gaps
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/forecast/forecast.hpp"
#include "joule/time_zone.hpp"
#include "joule/timeseries.hpp"

namespace joule::forecast {

/// One meter reading at a UTC instant.
struct Reading {
  std::int64_t time_s = 0;  ///< UTC seconds
  double value = 0.0;       ///< register value (cumulative) or the interval's amount (interval)
};

/// How readings are to be read.
enum class ReadingKind : std::uint8_t {
  cumulative,  ///< a register (kWh since install): consumption = differences, spread linearly in time
  interval,    ///< each reading is the amount of the interval starting at its time
};

/// Aggregation options.
struct PrepOptions {
  std::int64_t step_s = 900;                 ///< output step [s] (> 0)
  ReadingKind kind = ReadingKind::cumulative;
  std::int64_t max_interpolation_s = 86400;  ///< cumulative: longest span between readings spread over intervals
  const TimeZone* time_zone = nullptr;       ///< optional: report the DST change days inside the span
};

/// What aggregation found and repaired.
struct PrepReport {
  std::size_t readings = 0;         ///< readings given
  std::size_t duplicates = 0;       ///< readings at an already seen time (the last one is kept)
  std::size_t conflicting_duplicates = 0;  ///< duplicates whose value differed
  std::size_t out_of_order = 0;     ///< readings earlier than their predecessor in the input
  std::size_t non_finite = 0;       ///< NaN/infinite readings dropped
  std::vector<std::int64_t> counter_resets;  ///< times of readings where a register went backwards
  std::size_t gap_intervals = 0;    ///< output intervals left NaN
  std::vector<std::pair<std::int64_t, std::int64_t>> gaps;  ///< [from, to) UTC of each NaN run
  std::vector<std::int64_t> dst_change_days_utc;  ///< local midnight (UTC) of each 23 h / 25 h day (needs time_zone)
};

/// A regular series and its report.
struct PreparedSeries {
  TimeSeries series;  ///< amount per interval (energy); intervals aligned to multiples of step_s
  PrepReport report;
};

/// Aggregates readings into a regular series. Cumulative registers: a
/// decrease is a counter reset (the register restarted at 0; the reading's
/// value is the consumption since the reset); consumption between two
/// readings is spread in proportion to time over the intervals they span.
/// Errors: invalid_argument (step, fewer than two usable readings).
Result<PreparedSeries> aggregate_readings(std::span<const Reading> readings, const PrepOptions& options = {});

/// Holidays by local date. Implementations must be thread-compatible.
class HolidayCalendar {
 public:
  virtual ~HolidayCalendar() = default;
  /// Whether the local date is a holiday.
  virtual bool is_holiday(std::int32_t year, unsigned month, unsigned day) const = 0;
};

/// A fixed list of dates (e.g. loaded from a utility's calendar).
class DateListCalendar final : public HolidayCalendar {
 public:
  /// Dates as days since 1970-01-01 (joule::days_from_civil).
  explicit DateListCalendar(std::vector<std::int64_t> days);
  bool is_holiday(std::int32_t year, unsigned month, unsigned day) const override;

 private:
  std::vector<std::int64_t> days_;  // sorted
};

/// Bank holidays of England and Wales (Banking and Financial Dealings Act
/// 1971, Schedule 1, with the royal proclamations that fixed the May and
/// August Mondays; New Year, Christmas and Boxing Day move to the next
/// weekday when they fall on a weekend). One-off proclaimed holidays are not included.
class EnglandWalesCalendar final : public HolidayCalendar {
 public:
  bool is_holiday(std::int32_t year, unsigned month, unsigned day) const override;
};

/// Easter Sunday (Gregorian; Meeus/Jones/Butcher) as days since 1970-01-01.
std::int64_t easter_sunday(std::int32_t year);

/// Calendar columns for n intervals from start_s: "hour" (local, fractional),
/// "weekday" (0 = Monday), "weekend", "holiday", "month", "day_of_year", "dst",
/// "utc_offset_h", "day_length_h" (23/24/25 on DST changes).
Features calendar_features(std::int64_t start_s, std::int64_t step_s, std::size_t n, const TimeZone& tz,
                           const HolidayCalendar* holidays = nullptr);

/// Fourier terms sin/cos(2 pi k t / period_s), k = 1..K, on local time (so a
/// daily cycle stays on the clock across DST). Names "sin<k>_<period>", "cos<k>_<period>".
Features fourier_features(std::int64_t start_s, std::int64_t step_s, std::size_t n, std::int64_t period_s,
                          std::size_t k, const TimeZone& tz);

/// Lagged copies ("lag<L>"; NaN where the lag reaches before the start).
Features lag_features(std::span<const double> y, std::span<const std::size_t> lags);

/// Trailing rolling mean and standard deviation over `window` values ending
/// at t - 1 (no look-ahead): "roll_mean<w>", "roll_sd<w>"; NaN values are skipped.
Features rolling_features(std::span<const double> y, std::size_t window);

/// The GEFCom2012 vanilla regression terms: T, T^2, T^3, and their
/// interactions with month (12 dummies) and local hour (24 dummies), plus
/// weekday x hour dummies (168) and a linear trend. `temperature_c` has one value per interval.
Result<Features> gefcom_features(std::span<const double> temperature_c, std::int64_t start_s, std::int64_t step_s,
                                 const TimeZone& tz);

}  // namespace joule::forecast
