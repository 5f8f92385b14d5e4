#include <cstdint>
#include <string_view>

#include "check.hpp"
#include "joule/core/decimal.hpp"

namespace {
bool prints_as(const joule::Decimal& d, const char* want) {
  char buf[joule::Decimal::kMaxChars];
  auto n = d.to_chars(buf);
  return n.has_value() && std::string_view(buf, *n) == want;
}
}  // namespace

TEST_CASE("decimal: parse keeps the digits as sent") {
  auto d = joule::Decimal::parse("001234.567");
  REQUIRE(d.has_value());
  CHECK(d->mantissa() == 1234567);
  CHECK(d->exponent() == -3);
  CHECK(prints_as(*d, "1234.567"));
  auto z = joule::Decimal::parse("1.500");
  REQUIRE(z.has_value());
  CHECK(z->mantissa() == 1500);
  CHECK(prints_as(*z, "1.500"));
  CHECK(*z == joule::Decimal(15, -1));
  auto n = joule::Decimal::parse("-0.05");
  REQUIRE(n.has_value());
  CHECK(prints_as(*n, "-0.05"));
  CHECK(n->to_double() == -0.05);
  auto zero = joule::Decimal::parse("00000.000");
  REQUIRE(zero.has_value());
  CHECK(zero->mantissa() == 0);
  CHECK(prints_as(*zero, "0.000"));
}

TEST_CASE("decimal: exact conversion to double") {
  CHECK(joule::Decimal(1234567, -3).to_double() == 1234.567);
  CHECK(joule::Decimal(-25, 2).to_double() == -2500.0);
  CHECK(joule::Decimal(1, -1).to_double() == 0.1);
  CHECK(prints_as(joule::Decimal(12, 3), "12000"));
  CHECK(prints_as(joule::Decimal(5, -4), "0.0005"));
  CHECK(prints_as(joule::Decimal(INT64_MIN, 0), "-9223372036854775808"));
}

TEST_CASE("decimal: comparison by value across exponents") {
  CHECK(joule::Decimal(100, -2) == joule::Decimal(1, 0));
  CHECK(joule::Decimal(-1, 0) < joule::Decimal(0, 0));
  CHECK(joule::Decimal(999, -3) < joule::Decimal(1, 0));
  CHECK(joule::Decimal(-1001, -3) < joule::Decimal(-1, 0));
  CHECK(joule::Decimal(1, 18) > joule::Decimal(999999999999999999, 0));
}

TEST_CASE("decimal: rescaling is exact or refused") {
  auto r = joule::Decimal(15, -1).rescaled(-3);
  REQUIRE(r.has_value());
  CHECK(r->mantissa() == 1500);
  CHECK_FALSE(joule::Decimal(15, -1).rescaled(0).has_value());
  CHECK_FALSE(joule::Decimal(INT64_MAX, 0).rescaled(-1).has_value());
}

TEST_CASE("decimal: malformed and oversized input") {
  const char* bad[] = {"", "-", ".", "1.2.3", "12a", " 1", "1e5", "+-1"};
  for (const char* t : bad) {
    auto r = joule::Decimal::parse(t);
    CHECK_FALSE(r.has_value());
    if (!r.has_value()) CHECK(r.error().code == joule::Errc::malformed);
  }
  auto big = joule::Decimal::parse("1234567890123456789");
  REQUIRE_FALSE(big.has_value());
  CHECK(big.error().code == joule::Errc::out_of_range);
  CHECK(joule::Decimal::parse("0000000000000000000000001").has_value());
  CHECK_FALSE(joule::Decimal::make(1, 41).has_value());
  char small[3];
  CHECK(joule::Decimal(12345, 0).to_chars(small).error().code == joule::Errc::buffer_too_small);
}
