// Declarative meter drivers: schema errors, matching, and the shared wM-Bus telegrams'
// expected driver fields (GPL-3.0 data read from ../shared, skipped visibly when absent).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "joule/core/crc.hpp"
#include "joule/meter/decode.hpp"
#include "joule/meter/drivers.hpp"

namespace fs = std::filesystem;
namespace drivers = joule::meter::drivers;
using nlohmann::json;

namespace {
std::vector<std::uint8_t> hex(const std::string& s) { return *joule::meter::parse_hex(s); }
std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}
// A plaintext OMS water meter telegram (short TPL header, volume, date/time, a stored volume
// and date); values chosen for the tests.
const char* kWater =
    "2544931578563412330778"  // L C M(ELS) A(12345678) version 0x33 medium 07
    "0413D2040000"            // volume 1234 l (VIF 0x13: 10^-3 m3)
    "046D0B2AB721"            // date/time type F 2021-01-23 10:11
    "4413E8030000"            // storage 1: volume 1000 l
    "426C9F2C"                // storage 1: date 2020-12-31
    "02FD17 0400";            // error flags 0x0004
}  // namespace

TEST_CASE("drivers: the built-in drivers parse and are listed") {
  const auto& reg = drivers::Registry::builtin();
  CHECK(reg.size() >= 40);
  for (const auto& n : reg.names()) {
    INFO(n);
    drivers::Registry r;
    CHECK(r.add_json(reg.driver_json(n)));
  }
}

TEST_CASE("drivers: a user driver maps records to named fields") {
  drivers::Registry reg;
  REQUIRE(reg.add_json(R"({"name": "mywater", "match": [{"manufacturer": "ELS", "medium": 7}],
    "fields": [
      {"name": "total_m3", "record": {"quantity": "volume"}},
      {"name": "total_l", "record": {"quantity": "volume", "vif": "0x13"}},
      {"name": "target_m3", "record": {"quantity": "volume", "storage": 1}},
      {"name": "target_date", "format": "date", "record": {"quantity": "date", "storage": 1}},
      {"name": "meter_datetime", "format": "datetime", "record": {"quantity": "date_time"}},
      {"name": "error_flags", "format": "hex", "record": {"table": "fd", "vif": "0x17"}},
      {"name": "low_byte_counter", "bytes": {"source": "payload", "offset": 2, "length": 1}},
      {"name": "status", "status": {"tpl": true, "records": [{"table": "fd", "vif": 23}], "words": {"0x04": "LEAK"}}},
      {"name": "absent_kwh", "record": {"quantity": "energy"}}
    ]})"));
  drivers::ApplyOptions o;
  o.registry = &reg;
  auto r = drivers::apply(hex(kWater), o);
  REQUIRE(r);
  CHECK_EQ(r->driver, "mywater");
  CHECK_EQ(r->manufacturer, "ELS");
  CHECK_EQ(r->id, "12345678");
  std::map<std::string, drivers::FieldValue> f;
  for (const auto& x : r->fields) f[x.name] = x;
  CHECK_EQ(f["total_m3"].number, doctest::Approx(1.234).epsilon(1e-12));
  CHECK_EQ(f["total_l"].number, doctest::Approx(1234));
  CHECK_EQ(f["target_m3"].number, doctest::Approx(1.0));
  CHECK_EQ(f["target_date"].text, "2020-12-31");
  CHECK_EQ(f["meter_datetime"].text, "2021-01-23 10:11");
  CHECK_EQ(f["error_flags"].text, "0004");
  CHECK_EQ(f["low_byte_counter"].number, 0xD2);
  CHECK_EQ(f["status"].text, "LEAK");
  REQUIRE_EQ(r->missing.size(), 1U);
  CHECK_EQ(r->missing[0], "absent_kwh");
  CHECK(drivers::to_json(*r).find("\"total_m3\":1.234") != std::string::npos);
  // auto: matched by manufacturer and medium; other meters do not match.
  o.driver = "auto";
  CHECK(drivers::apply(hex(kWater), o));
  auto other = hex(kWater);
  other[9] = 0x02;  // medium electricity
  CHECK_EQ(drivers::apply(other, o).error().code, joule::Errc::not_found);
  o.driver = "nosuchdriver";
  CHECK_EQ(drivers::apply(hex(kWater), o).error().code, joule::Errc::not_found);
  auto d = drivers::describe(hex(kWater));
  REQUIRE(d);
  CHECK(d->find("\"quantity\":\"volume\"") != std::string::npos);
}

TEST_CASE("drivers: a compact frame is read with the layout of the full frame") {
  drivers::Registry reg;
  REQUIRE(reg.add_json(R"({"name": "w", "match": [{"manufacturer": "ELS"}],
    "fields": [{"name": "total_m3", "record": {"quantity": "volume"}}, {"name": "target_m3", "record": {"quantity": "volume", "storage": 1}}]})"));
  // Full frame (CI 0x78): volume, stored volume. Compact (CI 0x79): signature + CRC + values.
  const auto full = hex("1644931578563412330778" "0413D2040000" "4413E8030000");
  const auto sig = joule::crc16_en13757(hex("0413" "4413"));
  auto compact = hex("1644931578563412330779" "00000000" "39300000" "10270000");
  compact[11] = static_cast<std::uint8_t>(sig & 0xFF);
  compact[12] = static_cast<std::uint8_t>(sig >> 8);
  drivers::FormatCache cache;
  drivers::ApplyOptions o;
  o.registry = &reg;
  CHECK_EQ(drivers::apply(compact, o).error().code, joule::Errc::unsupported);  // no cache
  o.formats = &cache;
  CHECK_EQ(drivers::apply(compact, o).error().code, joule::Errc::unsupported);  // full frame not seen
  REQUIRE(drivers::apply(full, o));
  CHECK_EQ(cache.size(), 1U);
  auto r = drivers::apply(compact, o);
  REQUIRE(r);
  REQUIRE_EQ(r->fields.size(), 2U);
  CHECK_EQ(r->fields[0].number, doctest::Approx(12.345));
  CHECK_EQ(r->fields[1].number, doctest::Approx(10.0));
  compact[11] ^= 1;  // another signature
  CHECK_EQ(drivers::apply(compact, o).error().code, joule::Errc::unsupported);
  CHECK_FALSE(drivers::apply(std::span<const std::uint8_t>(compact.data(), 12), o));  // cut in the header
}

TEST_CASE("drivers: schema errors name the field") {
  drivers::Registry reg;
  const std::pair<const char*, joule::Errc> bad[] = {
      {"{", joule::Errc::malformed},
      {"[1]", joule::Errc::invalid_argument},
      {R"({"match": [{"manufacturer": "ELS"}], "fields": []})", joule::Errc::invalid_argument},
      {R"({"name": "x", "match": [], "fields": []})", joule::Errc::invalid_argument},
      {R"({"name": "x", "match": [{"manufacturer": "EL"}], "fields": []})", joule::Errc::invalid_argument},
      {R"({"name": "x", "match": [{"manufacturer": "ELS", "version": 300}], "fields": []})", joule::Errc::invalid_argument},
      {R"({"name": "x", "match": [{"manufacturer": "ELS"}], "fields": [{"name": "a_m3"}]})", joule::Errc::invalid_argument},
      {R"({"name": "x", "match": [{"manufacturer": "ELS"}], "fields": [{"name": "a_furlong", "record": {}}]})", joule::Errc::invalid_argument},
      {R"({"name": "x", "match": [{"manufacturer": "ELS"}], "fields": [{"name": "a_m3", "record": {"quantity": "nope"}}]})", joule::Errc::invalid_argument},
      {R"({"name": "x", "match": [{"manufacturer": "ELS"}], "fields": [{"name": "a_m3", "record": {"vif": "0x80"}}]})", joule::Errc::invalid_argument},
      {R"({"name": "x", "match": [{"manufacturer": "ELS"}], "fields": [{"name": "a_m3", "bytes": {"length": 9}}]})", joule::Errc::invalid_argument},
      {R"({"name": "x", "match": [{"manufacturer": "ELS"}], "fields": [{"name": "a_m3", "record": {}, "scale": 0}]})", joule::Errc::invalid_argument},
      {R"({"name": "x", "match": [{"manufacturer": "ELS"}], "fields": [], "extra": 1})", joule::Errc::invalid_argument},
  };
  for (const auto& [text, code] : bad) {
    INFO(text);
    auto r = reg.add_json(text);
    REQUIRE_FALSE(r);
    CHECK_EQ(r.error().code, code);
  }
  CHECK_EQ(reg.size(), 0U);
  CHECK_EQ(reg.add_file("/nonexistent/driver.json").error().code, joule::Errc::not_found);
}

TEST_CASE("drivers: the shared wM-Bus telegrams give their expected driver fields") {
  const fs::path dir = fs::path(JOULE_SHARED_DIR) / "testdata" / "meter" / "wmbus";
  if (!fs::exists(dir)) {
    MESSAGE("skipped: wM-Bus telegrams (GPL-3.0) not present at ", dir.string());
    return;
  }
  std::map<std::string, int> telegrams, good;  // per driver
  std::map<std::string, std::string> first_miss;
  int auto_right = 0, auto_total = 0;
  // In name order, so that a meter's full frame (-01) is seen before its compact frames.
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  drivers::FormatCache formats;
  // JOULE_DRIVER_DIAG=1 prints every mismatching field (expected and got) for driver work.
  const bool diag = std::getenv("JOULE_DRIVER_DIAG") != nullptr;
  for (const auto& path : files) {
    const json exp = json::parse(std::ifstream(path));
    const std::string name = exp["meter"]["driver"].get<std::string>();
    ++telegrams[name];
    drivers::ApplyOptions o;
    o.driver = name;
    o.formats = &formats;
    if (exp.contains("keys") && exp["keys"].contains("aes128")) {
      o.key = hex(exp["keys"]["aes128"].get<std::string>());
      if (o.key.size() != 16) o.key.clear();
    }
    const auto bytes = joule::meter::parse_hex(slurp(dir / exp["frame_file"].get<std::string>()));
    if (!bytes) continue;
    if (const char* dump = std::getenv("JOULE_DRIVER_DUMP")) {
      // Every telegram's records as describe() lists them, for drafting drivers.
      if (auto dj = drivers::describe(*bytes, o.key, &formats)) std::ofstream(fs::path(dump) / (exp["id"].get<std::string>() + ".json")) << *dj;
    }
    if (!drivers::Registry::builtin().find(name)) continue;
    auto r = drivers::apply(*bytes, o);
    if (!r) {
      if (diag) std::printf("DIAG %s decode: %s\n", exp["id"].get<std::string>().c_str(), r.error().message);
      first_miss.emplace(name, std::string("decode: ") + r.error().message);
      continue;
    }
    // README comparison rule: every expected entry with the same id; numbers within 1e-9
    // relative, strings equal after trimming; null = no value (field absent).
    std::map<std::string, const drivers::FieldValue*> got;
    for (const auto& f : r->fields) got[f.name] = &f;
    bool all = true;
    for (const auto& v : exp["values"]) {
      const std::string id = v["id"].get<std::string>();
      const auto it = got.find(id);
      bool ok;
      if (v["value"].is_null()) ok = it == got.end();
      else if (it == got.end()) ok = false;
      else if (v["value"].is_number()) {
        const double e = v["value"].get<double>(), g = it->second->number;
        ok = it->second->is_number && std::fabs(e - g) <= 1e-9 * std::max(std::fabs(e), std::fabs(g)) + 1e-12;
      } else ok = !it->second->is_number && trim(it->second->text) == trim(v["value"].get<std::string>());
      if (!ok) {
        if (diag) {
          std::string g = it == got.end() ? "<absent>" : it->second->is_number ? std::to_string(it->second->number) : it->second->text;
          std::printf("DIAG %s %s expected=%s got=%s\n", exp["id"].get<std::string>().c_str(), id.c_str(), v["value"].dump().c_str(), g.c_str());
        }
        all = false;
        first_miss.emplace(name, exp["id"].get<std::string>() + " " + id);
      }
    }
    if (all) ++good[name];
    // auto matching picks this driver (several drivers can share a header)
    drivers::ApplyOptions a = o;
    a.driver = "auto";
    a.formats = &formats;
    ++auto_total;
    if (auto ar = drivers::apply(*bytes, a); ar && ar->driver == name) ++auto_right;
  }
  std::string matched;
  int full = 0;
  for (const auto& [name, n] : telegrams) {
    if (good[name] == n) {
      ++full;
      matched += name + " ";
    }
  }
  for (const auto& [name, why] : first_miss) MESSAGE("driver ", name, " not fully matched: ", why);
  MESSAGE("drivers fully matched (every telegram, every expected field): ", full, " of ", telegrams.size(), ": ", matched);
  MESSAGE("auto driver selection picked the expected driver for ", auto_right, " of ", auto_total, " telegrams");
  CHECK(full >= 60);
}
