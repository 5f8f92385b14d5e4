#include "joule/time_zone.hpp"

#include <absl/time/civil_time.h>
#include <absl/time/time.h>

namespace joule {

struct TimeZone::Impl {
  std::string name;
  absl::TimeZone tz;
};

Result<TimeZone> TimeZone::load(std::string_view name) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(std::string(name), &tz))
    return fail(Errc::not_found, "unknown time zone (is the tzdata package installed?)", Where::at_field("name"));
  return TimeZone(std::make_shared<const Impl>(Impl{std::string(name), tz}));
}

TimeZone TimeZone::utc() { return TimeZone(std::make_shared<const Impl>(Impl{"UTC", absl::UTCTimeZone()})); }

const std::string& TimeZone::name() const noexcept { return impl_->name; }

CivilTime TimeZone::to_civil(std::int64_t utc_s) const {
  const absl::CivilSecond c = absl::ToCivilSecond(absl::FromUnixSeconds(utc_s), impl_->tz);
  CivilTime t;
  t.year = static_cast<std::int32_t>(c.year());
  t.month = static_cast<std::uint8_t>(c.month());
  t.day = static_cast<std::uint8_t>(c.day());
  t.hour = static_cast<std::uint8_t>(c.hour());
  t.minute = static_cast<std::uint8_t>(c.minute());
  t.second = static_cast<std::uint8_t>(c.second());
  return t;
}

std::int32_t TimeZone::utc_offset_s(std::int64_t utc_s) const {
  return static_cast<std::int32_t>(impl_->tz.At(absl::FromUnixSeconds(utc_s)).offset);
}

bool TimeZone::is_dst(std::int64_t utc_s) const { return impl_->tz.At(absl::FromUnixSeconds(utc_s)).is_dst; }

Result<std::int64_t> TimeZone::to_utc(const CivilTime& local, Disambiguation d) const {
  JOULE_RETURN_IF_ERROR(validate(local));
  const absl::CivilSecond c(local.year, local.month, local.day, local.hour, local.minute, local.second);
  const absl::TimeZone::TimeInfo ti = impl_->tz.At(c);
  switch (ti.kind) {
    case absl::TimeZone::TimeInfo::UNIQUE: return absl::ToUnixSeconds(ti.pre);
    case absl::TimeZone::TimeInfo::SKIPPED:
      if (d == Disambiguation::reject)
        return fail(Errc::invalid_argument, "local time does not exist (DST gap)", Where::at_field("hour"));
      return absl::ToUnixSeconds(ti.trans);
    case absl::TimeZone::TimeInfo::REPEATED:
      if (d == Disambiguation::reject)
        return fail(Errc::invalid_argument, "local time occurs twice (DST end)", Where::at_field("hour"));
      return absl::ToUnixSeconds(d == Disambiguation::earlier ? ti.pre : ti.post);
  }
  return fail(Errc::internal, "unexpected time-zone lookup result");
}

Result<std::int64_t> TimeZone::day_start_utc(std::int32_t year, unsigned month, unsigned day) const {
  CivilTime t;
  t.year = year;
  t.month = static_cast<std::uint8_t>(month);
  t.day = static_cast<std::uint8_t>(day);
  return to_utc(t, Disambiguation::earlier);
}

Result<std::int64_t> TimeZone::day_length_s(std::int32_t year, unsigned month, unsigned day) const {
  JOULE_TRY(const std::int64_t start, day_start_utc(year, month, day));
  const CivilTime next = civil_from_days(days_from_civil(year, month, day) + 1);
  JOULE_TRY(const std::int64_t end, day_start_utc(next.year, next.month, next.day));
  return end - start;
}

}  // namespace joule
