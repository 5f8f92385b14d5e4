#include <cmath>
#include <limits>
#include <vector>

#include "alloc_counter.hpp"
#include "check.hpp"
#include "joule/core/crc.hpp"
#include "joule/core/obis.hpp"
#include "joule/time_zone.hpp"
#include "joule/timeseries.hpp"

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}

TEST_CASE("timeseries: construction is validated") {
  CHECK(joule::TimeSeries::make(0, 0, {1.0}).error().code == joule::Errc::invalid_argument);
  CHECK(joule::TimeSeries::make(0, -900, {1.0}).error().code == joule::Errc::invalid_argument);
  CHECK_FALSE(joule::TimeSeries::make(std::numeric_limits<std::int64_t>::max() - 10, 900, {1.0, 2.0}).has_value());
  auto s = joule::TimeSeries::make(1700000100, 900, {1.0, 2.0});
  REQUIRE(s.has_value());
  CHECK(s->end() == 1700001900);
  CHECK(*s->at_time(1700001000) == 2.0);
  CHECK(s->at_time(1700001900).error().code == joule::Errc::out_of_range);
}

TEST_CASE("timeseries: resample coarser with NaN policies, finer by split or hold") {
  // 15-minute kW values starting on an hour boundary.
  auto s = joule::TimeSeries::make(3600, 900, {1.0, 2.0, kNaN, 3.0, 4.0, 4.0, 4.0, 4.0});
  REQUIRE(s.has_value());
  auto mean = s->resample(3600, joule::Aggregation::mean);
  REQUIRE(mean.has_value());
  REQUIRE(mean->size() == 2);
  CHECK(mean->start() == 3600);
  CHECK((*mean)[0] == doctest::Approx(2.0));
  CHECK((*mean)[1] == 4.0);
  auto prop = s->resample(3600, joule::Aggregation::mean, joule::NanPolicy::propagate);
  CHECK(std::isnan((*prop)[0]));
  auto sum = s->resample(3600, joule::Aggregation::sum);
  CHECK((*sum)[1] == 16.0);
  auto mx = s->resample(3600, joule::Aggregation::max);
  CHECK((*mx)[0] == 3.0);
  auto fine = mean->resample(1800, joule::Aggregation::sum);
  REQUIRE(fine.has_value());
  CHECK(fine->size() == 4);
  CHECK((*fine)[2] == 2.0);
  auto held = mean->resample(1800, joule::Aggregation::mean);
  CHECK((*held)[2] == 4.0);
  CHECK(s->resample(1000, joule::Aggregation::mean).error().code == joule::Errc::invalid_argument);
  auto off = joule::TimeSeries::make(3600 + 300, 900, {1.0, 2.0});
  CHECK(off->resample(3600, joule::Aggregation::mean).error().code == joule::Errc::invalid_argument);
  // A partial first window aggregates what is present.
  auto partial = joule::TimeSeries::make(3600 + 1800, 900, {2.0, 4.0, 6.0});
  auto p = partial->resample(3600, joule::Aggregation::mean);
  REQUIRE(p.has_value());
  CHECK(p->start() == 3600);
  CHECK((*p)[0] == 3.0);
  CHECK((*p)[1] == 6.0);
}

TEST_CASE("timeseries: NaN is found, gaps are filled only when short") {
  auto s = joule::TimeSeries::make(0, 60, {1.0, kNaN, kNaN, 4.0, kNaN, kNaN, kNaN, 8.0});
  REQUIRE(s.has_value());
  CHECK(s->nan_count() == 5);
  auto bad = s->check_finite();
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().where.position == 1);
  auto f = s->interpolate_gaps(2);
  CHECK(f[1] == 2.0);
  CHECK(f[2] == 3.0);
  CHECK(std::isnan(f[5]));
  auto inf = joule::TimeSeries::make(0, 60, {1.0, std::numeric_limits<double>::infinity()});
  CHECK_FALSE(inf->check_finite().has_value());
}

TEST_CASE("timeseries: align and slice") {
  auto a = joule::TimeSeries::make(0, 900, {1, 2, 3, 4});
  auto b = joule::TimeSeries::make(1800, 900, {10, 20, 30, 40});
  auto ab = joule::align(*a, *b);
  REQUIRE(ab.has_value());
  CHECK(ab->first.size() == 2);
  CHECK(ab->first.start() == 1800);
  CHECK(ab->second[1] == 20);
  auto c = joule::TimeSeries::make(100, 900, {1});
  CHECK(joule::align(*a, *c).error().code == joule::Errc::invalid_argument);
  auto d = joule::TimeSeries::make(0, 1800, {1});
  CHECK(joule::align(*a, *d).error().code == joule::Errc::invalid_argument);
  auto e = joule::TimeSeries::make(90000, 900, {1});
  CHECK(joule::align(*a, *e).error().code == joule::Errc::out_of_range);
  auto sl = a->slice(1000, 2000);
  REQUIRE(sl.has_value());
  CHECK(sl->start() == 900);
  CHECK(sl->size() == 2);
}

TEST_CASE("time zone: Europe/Amsterdam DST days have 23 and 25 hours") {
  auto tz = joule::TimeZone::load("Europe/Amsterdam");
  REQUIRE(tz.has_value());
  CHECK(*tz->day_length_s(2024, 3, 31) == 23 * 3600);
  CHECK(*tz->day_length_s(2024, 10, 27) == 25 * 3600);
  CHECK(*tz->day_length_s(2024, 6, 1) == 24 * 3600);
  // 02:30 on the spring day does not exist; on the autumn day it exists twice.
  CHECK(tz->to_utc({2024, 3, 31, 2, 30, 0}).error().code == joule::Errc::invalid_argument);
  auto first = tz->to_utc({2024, 10, 27, 2, 30, 0}, joule::Disambiguation::earlier);
  auto second = tz->to_utc({2024, 10, 27, 2, 30, 0}, joule::Disambiguation::later);
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(*second - *first == 3600);
  CHECK(tz->utc_offset_s(*first) == 7200);
  CHECK(tz->utc_offset_s(*second) == 3600);
  CHECK(tz->is_dst(*first));
  CHECK(tz->to_civil(*second).hour == 2);
  // Half-hourly steps of a local day: 46 and 50.
  CHECK(*tz->day_length_s(2024, 3, 31) / 1800 == 46);
  CHECK(*tz->day_length_s(2024, 10, 27) / 1800 == 50);
  CHECK(joule::TimeZone::load("Mars/Olympus_Mons").error().code == joule::Errc::not_found);
}

TEST_CASE("core vocabulary allocates nothing (counting allocator)") {
  joule::test::AllocationScope scope;
  auto c = joule::ObisCode::parse("1-0:1.8.0*255");
  char buf[32];
  auto n = c->to_chars(buf);
  const std::uint8_t data[] = {1, 2, 3, 4};
  const auto crc = joule::crc16_x25(data);
  CHECK(n.has_value());
  CHECK(crc != 0);
  CHECK(scope.allocations() == 0);
  std::vector<int> v(10);  // the counter itself works
  CHECK(scope.allocations() == 1);
}
