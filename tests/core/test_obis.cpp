#include <cstring>
#include <string_view>

#include "check.hpp"
#include "joule/core/obis.hpp"

namespace {
bool formats_as(const joule::ObisCode& c, joule::ObisFormat f, const char* want) {
  char buf[joule::ObisCode::kMaxChars];
  auto n = c.to_chars(buf, f);
  return n.has_value() && std::string_view(buf, *n) == want;
}
}  // namespace

TEST_CASE("obis: full and reduced forms") {
  auto c = joule::ObisCode::parse("1-0:1.8.0*255");
  REQUIRE(c.has_value());
  CHECK(*c == joule::ObisCode(1, 0, 1, 8, 0, 255));
  CHECK(formats_as(*c, joule::ObisFormat::compact, "1-0:1.8.0"));
  CHECK(formats_as(*c, joule::ObisFormat::full, "1-0:1.8.0*255"));

  auto d = joule::ObisCode::parse("0-1:24.2.1");
  REQUIRE(d.has_value());
  CHECK(d->a() == 0);
  CHECK(d->b() == 1);
  CHECK(d->c() == 24);
  CHECK(d->f() == 255);

  auto billing = joule::ObisCode::parse("1-0:1.8.0&04");
  REQUIRE(billing.has_value());
  CHECK(billing->f() == 4);
  CHECK(formats_as(*billing, joule::ObisFormat::compact, "1-0:1.8.0*4"));

  auto dotted = joule::ObisCode::parse("1-0:2.8.1.255");
  REQUIRE(dotted.has_value());
  CHECK(*dotted == joule::ObisCode(1, 0, 2, 8, 1, 255));
}

TEST_CASE("obis: IEC 62056-21 short ids keep their form") {
  auto s = joule::ObisCode::parse("1.8.0");
  REQUIRE(s.has_value());
  CHECK(s->c() == 1);
  CHECK(s->d() == 8);
  CHECK(s->given() == 0x1C);
  CHECK(formats_as(*s, joule::ObisFormat::as_parsed, "1.8.0"));

  auto ff = joule::ObisCode::parse("F.F");
  REQUIRE(ff.has_value());
  CHECK(ff->c() == 97);
  CHECK(ff->d() == 97);
  CHECK(formats_as(*ff, joule::ObisFormat::as_parsed, "F.F"));

  auto c1 = joule::ObisCode::parse("C.1.0");
  REQUIRE(c1.has_value());
  CHECK(c1->c() == 96);
  CHECK(formats_as(*c1, joule::ObisFormat::as_parsed, "C.1.0"));
}

TEST_CASE("obis: malformed text is rejected with a position") {
  const char* bad[] = {"", "1-0:", "1-0:1.8.0*", "256.1.0", "1-0:1.8.0*255*1", "1-0:1..0", "x.8.0",
                       "1-0:1.8.0 ", "1-:1.8.0", "1-0:1.8.0.1.2", "1234.5.6", "1", "1-0:1", "F.1.F"};
  for (const char* t : bad) {
    auto r = joule::ObisCode::parse(t);
    CHECK_FALSE(r.has_value());
    if (!r.has_value()) CHECK(r.error().code == joule::Errc::malformed);
  }
}

TEST_CASE("obis: ordering, hashing and bytes") {
  const std::uint8_t raw[] = {1, 0, 16, 7, 0, 255};
  auto c = joule::ObisCode::from_bytes(raw);
  REQUIRE(c.has_value());
  CHECK(*c == joule::ObisCode(1, 0, 16, 7, 0));
  CHECK(joule::ObisCode(1, 0, 1, 8, 0) < joule::ObisCode(1, 0, 2, 8, 0));
  CHECK(joule::ObisHash{}(joule::ObisCode(1, 0, 1, 8, 0)) != joule::ObisHash{}(joule::ObisCode(1, 0, 1, 8, 1)));
  const std::uint8_t five[] = {1, 0, 16, 7, 0};
  CHECK_FALSE(joule::ObisCode::from_bytes(five).has_value());
  char tiny[4];
  auto n = joule::ObisCode(1, 0, 1, 8, 0).to_chars(tiny);
  REQUIRE_FALSE(n.has_value());
  CHECK(n.error().code == joule::Errc::buffer_too_small);
}
