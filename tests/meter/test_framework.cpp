// Host meter framework: hex parsing, protocol names, JSON of a telegram.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "joule/meter/decode.hpp"

using namespace joule::meter;

TEST_CASE("parse_hex accepts the test-data hex forms") {
  auto b = parse_hex("68 1f_1F|68\n0a");
  REQUIRE(b);
  CHECK(b->size() == 5);
  CHECK((*b)[1] == 0x1F);
  CHECK_FALSE(parse_hex("6"));
  CHECK(parse_hex("zz").error().code == joule::Errc::malformed);
}

TEST_CASE("protocol names round-trip") {
  for (int i = 1; i <= static_cast<int>(Protocol::sunspec); ++i) {
    const auto p = static_cast<Protocol>(i);
    auto q = protocol_from_name(std::string(protocol_name(p)));
    REQUIRE(q);
    CHECK(*q == p);
  }
  CHECK(*protocol_from_name("auto") == Protocol::unknown);
  CHECK(protocol_from_name("nope").error().code == joule::Errc::not_found);
}

TEST_CASE("to_json writes the expected-values schema") {
  DecodedTelegram t;
  t.protocol = Protocol::dsmr_p1;
  Reading r;
  r.obis = joule::ObisCode(1, 0, 1, 8, 1);
  r.name = "1-0:1.8.1";
  r.kind = ValueKind::number;
  r.number = joule::Decimal(4426, -3);
  r.unit_text = "kWh";
  r.raw = "(000004.426*kWh)";
  t.readings.push_back(r);
  Reading ts;
  ts.obis = joule::ObisCode(0, 0, 1, 0, 0);
  ts.kind = ValueKind::time;
  ts.time.civil = {2020, 5, 12, 13, 54, 9};
  ts.time.has_offset = true;
  ts.time.offset_min = 120;
  t.readings.push_back(ts);
  auto j = nlohmann::json::parse(to_json(t));
  CHECK(j["protocol"] == "dsmr-p1");
  CHECK(j["values"][0]["id"] == "1-0:1.8.1");
  CHECK(j["values"][0]["value"].get<double>() == doctest::Approx(4.426));
  CHECK(j["values"][0]["unit"] == "kWh");
  CHECK(j["values"][0]["raw"][0] == "000004.426*kWh");
  CHECK(j["values"][1]["id"] == "0-0:1.0.0");
  CHECK(j["values"][1]["value"] == "2020-05-12T13:54:09+02:00");
}
