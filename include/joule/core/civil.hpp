// joule/core/civil.hpp: civil (calendar) time without a time-zone database.
//
// Meters send local civil time, sometimes with a UTC deviation or a DST flag
// (DSMR "YYMMDDhhmmssX", DLMS date-time with deviation and clock status,
// M-Bus type F/I). The core converts those to UTC seconds when the offset is
// known, using the proleptic Gregorian day count of H. Hinnant's
// "chrono-Compatible Low-Level Date Algorithms". Time-zone rules (for a
// timestamp without an offset) live in the host library (joule/time_zone.hpp).
//
// Example:
//   joule::CivilTime t{2024, 3, 31, 2, 30, 0};
//   auto utc = joule::to_unix_seconds(t, /*utc_offset_s=*/3600);   // Result<int64_t>
#pragma once

#include <cstdint>

#include "joule/core/result.hpp"

namespace joule {

/// A calendar date and wall-clock time, as a meter shows it.
struct CivilTime {
  std::int32_t year = 1970;
  std::uint8_t month = 1;   ///< 1..12
  std::uint8_t day = 1;     ///< 1..31
  std::uint8_t hour = 0;    ///< 0..23
  std::uint8_t minute = 0;  ///< 0..59
  std::uint8_t second = 0;  ///< 0..59 (60 is rejected: meters do not send leap seconds)
  friend constexpr bool operator==(const CivilTime&, const CivilTime&) = default;
};

/// Days since 1970-01-01 of a proleptic Gregorian date (no validation).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// The civil date of a day count since 1970-01-01.
constexpr CivilTime civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  CivilTime t;
  t.year = static_cast<std::int32_t>(y + (m <= 2));
  t.month = static_cast<std::uint8_t>(m);
  t.day = static_cast<std::uint8_t>(d);
  return t;
}

constexpr bool is_leap_year(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap_year(y)) ? 29U : (m >= 1 && m <= 12 ? kDays[m - 1] : 0U);
}

/// Checks the fields of a civil time. Errors: out_of_range naming the field.
constexpr Result<void> validate(const CivilTime& t) noexcept {
  if (t.month < 1 || t.month > 12) return fail(Errc::out_of_range, "month must be 1..12", Where::at_field("month"));
  if (t.day < 1 || t.day > days_in_month(t.year, t.month))
    return fail(Errc::out_of_range, "day does not exist in that month", Where::at_field("day"));
  if (t.hour > 23) return fail(Errc::out_of_range, "hour must be 0..23", Where::at_field("hour"));
  if (t.minute > 59) return fail(Errc::out_of_range, "minute must be 0..59", Where::at_field("minute"));
  if (t.second > 59) return fail(Errc::out_of_range, "second must be 0..59", Where::at_field("second"));
  return {};
}

/// UTC seconds since the epoch of a local civil time whose offset from UTC is
/// known (local = UTC + utc_offset_s; CET is +3600, CEST +7200).
constexpr Result<std::int64_t> to_unix_seconds(const CivilTime& t, std::int32_t utc_offset_s = 0) noexcept {
  JOULE_RETURN_IF_ERROR(validate(t));
  const std::int64_t days = days_from_civil(t.year, t.month, t.day);
  return days * 86400 + t.hour * 3600 + t.minute * 60 + t.second - utc_offset_s;
}

/// The UTC civil time of epoch seconds.
constexpr CivilTime civil_from_unix_seconds(std::int64_t s) noexcept {
  std::int64_t days = s / 86400;
  std::int64_t rem = s % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  CivilTime t = civil_from_days(days);
  t.hour = static_cast<std::uint8_t>(rem / 3600);
  t.minute = static_cast<std::uint8_t>((rem / 60) % 60);
  t.second = static_cast<std::uint8_t>(rem % 60);
  return t;
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(11017).month == 3);

}  // namespace joule
