// joule/timeseries.hpp: regular time series, the currency between modules.
//
// A `TimeSeries` is a start time (UTC seconds since the epoch), a step
// (seconds, > 0) and values. Value i belongs to the interval
// [start + i*step, start + (i+1)*step). Meter readings become series here,
// forecasts take and return them, the battery optimiser reads prices and
// loads from them. NaN marks a missing value; functions that cannot work
// with gaps say so (Errc::invalid_argument at the first NaN's index).
//
// Example:
//   auto load = joule::TimeSeries::make(1700000000, 900, {1.2, 1.4, 0.9, 1.1});   // kW, 15 min
//   auto hourly = load->resample(3600, joule::Aggregation::mean);                // one value 1.15
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "joule/core/result.hpp"

namespace joule {

/// How values are combined when a series is made coarser (or spread when finer).
enum class Aggregation : std::uint8_t {
  mean,   ///< intensive quantities (kW, price): average of the non-NaN values
  sum,    ///< extensive quantities (kWh per interval): sum; when made finer, split evenly
  min,
  max,
  first,
  last,
};

/// What to do with NaN while aggregating.
enum class NanPolicy : std::uint8_t {
  skip,       ///< ignore NaN; a window of only NaN gives NaN
  propagate,  ///< any NaN in a window gives NaN
};

/// A regular time series (owning).
class TimeSeries {
 public:
  TimeSeries() = default;
  TimeSeries(const TimeSeries& o);
  TimeSeries(TimeSeries&& o) noexcept;
  TimeSeries& operator=(const TimeSeries& o);
  TimeSeries& operator=(TimeSeries&& o) noexcept;
  ~TimeSeries() = default;

  /// Validated construction. Errors: invalid_argument when step <= 0, or when
  /// start + size*step would overflow int64.
  static Result<TimeSeries> make(std::int64_t start_s, std::int64_t step_s, std::vector<double> values);

  /// A series over memory owned elsewhere (a numpy array, a memory map): no copy.
  /// `keepalive` is held as long as this series exists; copying the series
  /// makes an owning deep copy, moving it moves the borrowed view.
  static Result<TimeSeries> adopt(std::int64_t start_s, std::int64_t step_s, std::span<double> values,
                                  std::shared_ptr<void> keepalive);
  /// Whether the values live in memory owned elsewhere (see adopt).
  bool is_view() const noexcept { return keep_ != nullptr; }

  std::int64_t start() const noexcept { return start_; }
  std::int64_t step() const noexcept { return step_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  /// End of the last interval (exclusive).
  std::int64_t end() const noexcept { return start_ + static_cast<std::int64_t>(size_) * step_; }
  /// Start time of interval i.
  std::int64_t time_at(std::size_t i) const noexcept { return start_ + static_cast<std::int64_t>(i) * step_; }

  std::span<const double> values() const noexcept { return {data_, size_}; }
  std::span<double> values() noexcept { return {data_, size_}; }
  double operator[](std::size_t i) const noexcept { return data_[i]; }
  /// Moves the values out (the series becomes empty; a view is copied).
  std::vector<double> release() &&;

  /// The value of the interval that contains t. Errors: out_of_range.
  Result<double> at_time(std::int64_t t) const noexcept;

  /// Number of NaN values.
  std::size_t nan_count() const noexcept;
  /// Ok when no value is NaN or infinite; else invalid_argument at the first bad index.
  Result<void> check_finite() const noexcept;

  /// The intervals that lie within [from, to). `from` and `to` are rounded
  /// outward to the grid. Errors: out_of_range when they miss the series.
  Result<TimeSeries> slice(std::int64_t from, std::int64_t to) const;

  /// A series on a new step. Coarser: new_step must be a multiple of step and
  /// windows are aligned to multiples of new_step since the epoch (partial
  /// windows at the ends aggregate what is present). Finer: step must be a
  /// multiple of new_step; sum splits evenly, the others repeat the value.
  /// Errors: invalid_argument (incompatible steps).
  Result<TimeSeries> resample(std::int64_t new_step, Aggregation agg, NanPolicy nan = NanPolicy::skip) const;

  /// A copy with NaN gaps of at most max_gap values filled by linear
  /// interpolation between their neighbours (gaps at the ends are kept).
  TimeSeries interpolate_gaps(std::size_t max_gap) const;

 private:
  TimeSeries(std::int64_t start, std::int64_t step, std::vector<double> v)
      : start_(start), step_(step), own_(std::move(v)), data_(own_.data()), size_(own_.size()) {}
  std::int64_t start_ = 0;
  std::int64_t step_ = 1;
  std::vector<double> own_;      // storage when owning
  std::shared_ptr<void> keep_;   // owner of borrowed storage when a view
  double* data_ = nullptr;
  std::size_t size_ = 0;
};

/// Both series cut to their common time span on their common grid.
/// Errors: invalid_argument when steps differ or the grids are offset by a
/// non-multiple of the step; out_of_range when they do not overlap.
Result<std::pair<TimeSeries, TimeSeries>> align(const TimeSeries& a, const TimeSeries& b);

}  // namespace joule
