#include <cstdint>
#include <string_view>

#include "check.hpp"
#include "joule/core/civil.hpp"
#include "joule/core/fixed_vector.hpp"
#include "joule/core/result.hpp"
#include "joule/core/units.hpp"

namespace {
joule::Result<int> digit(char c) {
  if (c < '0' || c > '9') return joule::fail(joule::Errc::malformed, "not a digit", joule::Where::byte(0));
  return c - '0';
}
joule::Result<int> two_digits(char a, char b) {
  JOULE_TRY(const int hi, digit(a));
  JOULE_TRY(const int lo, digit(b));
  return hi * 10 + lo;
}
}  // namespace

TEST_CASE("result: value, error and the TRY macro") {
  auto ok = two_digits('4', '2');
  REQUIRE(ok.has_value());
  CHECK(*ok == 42);
  auto bad = two_digits('4', 'x');
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == joule::Errc::malformed);
  CHECK(std::string_view(bad.error().message) == "not a digit");
  CHECK(bad.value_or(-1) == -1);
  auto doubled = ok.transform([](int v) { return v * 2; });
  CHECK(*doubled == 84);
  auto chained = bad.and_then([](int v) { return joule::Result<int>(v + 1); });
  CHECK_FALSE(chained.has_value());
  joule::Status s = joule::fail(joule::Errc::infeasible, "no room");
  CHECK_FALSE(s.has_value());
  CHECK(s.error().code == joule::Errc::infeasible);
}

TEST_CASE("errc: numbers are the C API's and are stable") {
  CHECK(static_cast<int>(joule::Errc::ok) == 0);
  CHECK(static_cast<int>(joule::Errc::checksum_mismatch) == 4);
  CHECK(static_cast<int>(joule::Errc::authentication_failed) == 5);
  CHECK(static_cast<int>(joule::Errc::infeasible) == 9);
  CHECK(static_cast<int>(joule::Errc::numerical) == 16);
  CHECK(std::string_view(joule::errc_name(joule::Errc::buffer_too_small)) == "buffer_too_small");
}

TEST_CASE("units: DLMS symbols, text units and SI maps") {
  CHECK(joule::unit_symbol(joule::Unit::watt_hour) == "Wh");
  CHECK(joule::unit_symbol(joule::Unit::cubic_metre) == "m3");
  CHECK(joule::unit_symbol(joule::Unit::var_hour) == "varh");
  CHECK(joule::unit_symbol(static_cast<joule::Unit>(200)).empty());
  auto kwh = joule::parse_scaled_unit("kWh");
  REQUIRE(kwh.has_value());
  CHECK(kwh->unit == joule::Unit::watt_hour);
  CHECK(kwh->exponent == 3);
  auto gj = joule::parse_scaled_unit("GJ");
  REQUIRE(gj.has_value());
  CHECK(gj->exponent == 9);
  CHECK(joule::parse_scaled_unit("m^3")->unit == joule::Unit::cubic_metre);
  CHECK_FALSE(joule::parse_scaled_unit("furlong").has_value());
  auto si = joule::to_si(joule::Unit::degree_celsius);
  REQUIRE(si.has_value());
  CHECK(si->offset == 273.15);
  CHECK(joule::to_si(joule::Unit::watt_hour)->factor == 3600.0);
  CHECK(joule::to_si(joule::Unit::month).error().code == joule::Errc::unsupported);
  CHECK(*joule::to_kwh(1234567.0, joule::Unit::watt_hour) == 1234.567);
  CHECK(*joule::to_kw(2500.0, joule::Unit::watt) == 2.5);
  CHECK(joule::to_kwh(1.0, joule::Unit::volt).error().code == joule::Errc::invalid_argument);
  CHECK(*joule::unit_from_symbol("Hz") == joule::Unit::hertz);
}

TEST_CASE("civil: epoch arithmetic and validation") {
  CHECK(*joule::to_unix_seconds({2024, 3, 31, 2, 30, 0}, 3600) == 1711848600);
  CHECK(*joule::to_unix_seconds({1970, 1, 1, 0, 0, 0}) == 0);
  auto t = joule::civil_from_unix_seconds(1711848600);
  CHECK(t == joule::CivilTime{2024, 3, 31, 1, 30, 0});
  auto neg = joule::civil_from_unix_seconds(-1);
  CHECK(neg == joule::CivilTime{1969, 12, 31, 23, 59, 59});
  CHECK(joule::to_unix_seconds({2023, 2, 29, 0, 0, 0}).error().code == joule::Errc::out_of_range);
  CHECK(joule::to_unix_seconds({2024, 2, 29, 0, 0, 0}).has_value());
  CHECK_FALSE(joule::to_unix_seconds({2024, 13, 1, 0, 0, 0}).has_value());
  CHECK_FALSE(joule::to_unix_seconds({2024, 1, 1, 24, 0, 0}).has_value());
}

TEST_CASE("fixed_vector: bounded, never reallocates") {
  joule::FixedVector<int, 3> v;
  joule::VectorRef<int>& ref = v;
  CHECK(ref.push_back(1).has_value());
  CHECK(ref.push_back(2).has_value());
  CHECK(ref.push_back(3).has_value());
  auto full = ref.push_back(4);
  REQUIRE_FALSE(full.has_value());
  CHECK(full.error().code == joule::Errc::buffer_too_small);
  CHECK(ref.size() == 3);
  CHECK(ref[2] == 3);
  int sum = 0;
  for (int x : ref) sum += x;
  CHECK(sum == 6);
  int storage[2];
  joule::VectorRef<int> over(storage);
  CHECK(over.capacity() == 2);
}
