#include "joule/timeseries.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace joule {

namespace {

// Floor division for negative times too.
std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

struct Acc {
  double sum = 0, min = std::numeric_limits<double>::infinity(), max = -std::numeric_limits<double>::infinity();
  double first = std::numeric_limits<double>::quiet_NaN(), last = std::numeric_limits<double>::quiet_NaN();
  std::size_t n = 0;
  bool saw_nan = false;
  void add(double v) {
    if (std::isnan(v)) {
      saw_nan = true;
      return;
    }
    if (n == 0) first = v;
    last = v;
    sum += v;
    min = std::min(min, v);
    max = std::max(max, v);
    ++n;
  }
  double result(Aggregation agg, NanPolicy nan) const {
    if (n == 0 || (saw_nan && nan == NanPolicy::propagate)) return std::numeric_limits<double>::quiet_NaN();
    switch (agg) {
      case Aggregation::mean: return sum / static_cast<double>(n);
      case Aggregation::sum: return sum;
      case Aggregation::min: return min;
      case Aggregation::max: return max;
      case Aggregation::first: return first;
      case Aggregation::last: return last;
    }
    return std::numeric_limits<double>::quiet_NaN();
  }
};

}  // namespace

Result<TimeSeries> TimeSeries::make(std::int64_t start_s, std::int64_t step_s, std::vector<double> values) {
  if (step_s <= 0) return fail(Errc::invalid_argument, "step must be positive seconds", Where::at_field("step"));
  const auto n = static_cast<std::int64_t>(values.size());
  if (n > 0 && (step_s > std::numeric_limits<std::int64_t>::max() / n ||
                start_s > std::numeric_limits<std::int64_t>::max() - step_s * n))
    return fail(Errc::invalid_argument, "series end overflows int64 seconds", Where::at_field("start"));
  return TimeSeries(start_s, step_s, std::move(values));
}

TimeSeries::TimeSeries(const TimeSeries& o)
    : start_(o.start_), step_(o.step_), own_(o.data_, o.data_ + o.size_), data_(own_.data()), size_(o.size_) {}

TimeSeries::TimeSeries(TimeSeries&& o) noexcept
    : start_(o.start_), step_(o.step_), own_(std::move(o.own_)), keep_(std::move(o.keep_)), size_(o.size_) {
  data_ = keep_ ? o.data_ : own_.data();
  o.data_ = nullptr;
  o.size_ = 0;
}

TimeSeries& TimeSeries::operator=(const TimeSeries& o) {
  if (this != &o) *this = TimeSeries(o);
  return *this;
}

TimeSeries& TimeSeries::operator=(TimeSeries&& o) noexcept {
  if (this != &o) {
    start_ = o.start_;
    step_ = o.step_;
    own_ = std::move(o.own_);
    keep_ = std::move(o.keep_);
    size_ = o.size_;
    data_ = keep_ ? o.data_ : own_.data();
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

Result<TimeSeries> TimeSeries::adopt(std::int64_t start_s, std::int64_t step_s, std::span<double> values,
                                     std::shared_ptr<void> keepalive) {
  JOULE_TRY(TimeSeries ts, make(start_s, step_s, {}));
  const auto n = static_cast<std::int64_t>(values.size());
  if (n > 0 && (step_s > std::numeric_limits<std::int64_t>::max() / n ||
                start_s > std::numeric_limits<std::int64_t>::max() - step_s * n))
    return fail(Errc::invalid_argument, "series end overflows int64 seconds", Where::at_field("start"));
  if (!keepalive) return fail(Errc::invalid_argument, "a view needs the owner of its memory", Where::at_field("keepalive"));
  ts.keep_ = std::move(keepalive);
  ts.data_ = values.data();
  ts.size_ = values.size();
  return ts;
}

std::vector<double> TimeSeries::release() && {
  std::vector<double> out = keep_ ? std::vector<double>(data_, data_ + size_) : std::move(own_);
  keep_.reset();
  own_.clear();
  data_ = nullptr;
  size_ = 0;
  return out;
}

Result<double> TimeSeries::at_time(std::int64_t t) const noexcept {
  if (t < start_ || t >= end()) return fail(Errc::out_of_range, "time outside the series", Where::at_field("t"));
  return data_[static_cast<std::size_t>((t - start_) / step_)];
}

std::size_t TimeSeries::nan_count() const noexcept {
  return static_cast<std::size_t>(std::count_if(data_, data_ + size_, [](double v) { return std::isnan(v); }));
}

Result<void> TimeSeries::check_finite() const noexcept {
  for (std::size_t i = 0; i < size_; ++i)
    if (!std::isfinite(data_[i])) return fail(Errc::invalid_argument, "series holds NaN or infinity", Where::at_index(i, "values"));
  return {};
}

Result<TimeSeries> TimeSeries::slice(std::int64_t from, std::int64_t to) const {
  if (to <= from) return fail(Errc::invalid_argument, "slice end must be after its start", Where::at_field("to"));
  const std::int64_t lo = std::max(from, start_), hi = std::min(to, end());
  if (hi <= lo) return fail(Errc::out_of_range, "slice does not overlap the series", Where::at_field("from"));
  const std::int64_t i0 = floor_div(lo - start_, step_);
  const std::int64_t i1 = floor_div(hi - start_ + step_ - 1, step_);
  return TimeSeries(time_at(static_cast<std::size_t>(i0)), step_,
                    std::vector<double>(data_ + i0, data_ + i1));
}

Result<TimeSeries> TimeSeries::resample(std::int64_t new_step, Aggregation agg, NanPolicy nan) const {
  if (new_step <= 0) return fail(Errc::invalid_argument, "new step must be positive", Where::at_field("new_step"));
  if (new_step == step_) return *this;
  if (new_step > step_) {
    if (new_step % step_ != 0)
      return fail(Errc::invalid_argument, "new step is not a multiple of the step", Where::at_field("new_step"));
    if (size_ == 0) return TimeSeries(floor_div(start_, new_step) * new_step, new_step, {});
    const std::int64_t w0 = floor_div(start_, new_step) * new_step;
    const std::int64_t w_end = floor_div(end() - 1, new_step) * new_step + new_step;
    // Windows must align with the source grid, otherwise an interval straddles two windows.
    if ((w0 - start_) % step_ != 0)
      return fail(Errc::invalid_argument, "series grid is not aligned to the new step", Where::at_field("start"));
    const auto nw = static_cast<std::size_t>((w_end - w0) / new_step);
    std::vector<double> out(nw);
    std::size_t i = 0;
    for (std::size_t w = 0; w < nw; ++w) {
      Acc acc;
      const std::int64_t wend = w0 + static_cast<std::int64_t>(w + 1) * new_step;
      while (i < size_ && time_at(i) < wend) acc.add(data_[i++]);
      out[w] = acc.result(agg, nan);
    }
    return TimeSeries(w0, new_step, std::move(out));
  }
  if (step_ % new_step != 0)
    return fail(Errc::invalid_argument, "step is not a multiple of the new step", Where::at_field("new_step"));
  const auto k = static_cast<std::size_t>(step_ / new_step);
  std::vector<double> out;
  out.reserve(size_ * k);
  for (double v : values()) {
    const double part = agg == Aggregation::sum ? v / static_cast<double>(k) : v;
    for (std::size_t j = 0; j < k; ++j) out.push_back(part);
  }
  return TimeSeries(start_, new_step, std::move(out));
}

TimeSeries TimeSeries::interpolate_gaps(std::size_t max_gap) const {
  TimeSeries r = *this;  // an owning copy
  auto& v = r.own_;
  std::size_t i = 0;
  while (i < v.size()) {
    if (!std::isnan(v[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < v.size() && std::isnan(v[j])) ++j;
    if (i > 0 && j < v.size() && j - i <= max_gap) {
      const double a = v[i - 1], b = v[j];
      const double span = static_cast<double>(j - i + 1);
      for (std::size_t q = i; q < j; ++q) v[q] = a + (b - a) * static_cast<double>(q - i + 1) / span;
    }
    i = j;
  }
  return r;
}

Result<std::pair<TimeSeries, TimeSeries>> align(const TimeSeries& a, const TimeSeries& b) {
  if (a.step() != b.step()) return fail(Errc::invalid_argument, "series have different steps", Where::at_field("step"));
  if ((a.start() - b.start()) % a.step() != 0)
    return fail(Errc::invalid_argument, "series grids are offset by a fraction of a step", Where::at_field("start"));
  const std::int64_t lo = std::max(a.start(), b.start()), hi = std::min(a.end(), b.end());
  if (hi <= lo) return fail(Errc::out_of_range, "series do not overlap", Where::at_field("start"));
  auto sa = a.slice(lo, hi);
  auto sb = b.slice(lo, hi);
  if (!sa) return fail(sa.error());
  if (!sb) return fail(sb.error());
  return std::pair<TimeSeries, TimeSeries>(std::move(*sa), std::move(*sb));
}

}  // namespace joule
