// joule/time_zone.hpp: civil time in a named time zone (IANA tz database).
//
// Meter data, tariffs and forecasts live on local days: a Europe/Amsterdam
// day has 23 hours in March and 25 in October. This wraps Abseil's time-zone
// support (which reads the system's zoneinfo) behind joule's own types.
//
// Example:
//   auto tz = joule::TimeZone::load("Europe/Amsterdam");
//   tz->day_length_s(2024, 3, 31);                 // 82800 (23 h)
//   auto t = tz->to_utc({2024, 10, 27, 2, 30, 0}, joule::Disambiguation::earlier);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "joule/core/civil.hpp"
#include "joule/core/result.hpp"

namespace joule {

/// What to do with a local time that occurs twice (autumn) or never (spring).
enum class Disambiguation : std::uint8_t {
  earlier,  ///< repeated: the first occurrence; skipped: the instant the gap starts (shifted forward)
  later,    ///< repeated: the second occurrence; skipped: the same, shifted forward
  reject,   ///< either case is Errc::invalid_argument
};

/// A loaded time zone. Cheap to copy; thread-compatible.
class TimeZone {
 public:
  /// Loads an IANA zone ("Europe/Amsterdam", "UTC"). Errors: not_found.
  static Result<TimeZone> load(std::string_view name);
  /// UTC.
  static TimeZone utc();

  /// The zone's name.
  const std::string& name() const noexcept;

  /// Local civil time of a UTC instant.
  CivilTime to_civil(std::int64_t utc_s) const;
  /// Offset of local time from UTC at that instant [s] (CEST: 7200).
  std::int32_t utc_offset_s(std::int64_t utc_s) const;
  /// Whether daylight-saving time is in effect at that instant.
  bool is_dst(std::int64_t utc_s) const;

  /// The UTC instant of a local civil time. Errors: out_of_range for invalid
  /// fields; invalid_argument for ambiguous/skipped times under `reject`.
  Result<std::int64_t> to_utc(const CivilTime& local, Disambiguation d = Disambiguation::reject) const;

  /// UTC start of the local day (midnight, or the first instant after it).
  Result<std::int64_t> day_start_utc(std::int32_t year, unsigned month, unsigned day) const;
  /// Length of a local day in seconds (82800, 86400 or 90000 around DST changes).
  Result<std::int64_t> day_length_s(std::int32_t year, unsigned month, unsigned day) const;

 private:
  struct Impl;
  explicit TimeZone(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace joule
