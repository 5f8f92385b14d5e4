// DSMR P1 and IEC 62056-21 on the host: every test-data frame against its expected
// values (README comparison rule), chunked feeding at every split point, garbage and
// torn frames, no allocation on the core path, encrypted P1 (AES-128-GCM).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alloc_counter.hpp"
#include "text_paths.hpp"
#include "joule/core/aes.hpp"
#include "joule/meter/decode.hpp"
#include "joule/meter/dsmr.hpp"
#include "joule/meter/iec62056_21.hpp"

using namespace joule;
using namespace joule::meter;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::string trim(std::string s) {
  const auto a = s.find_first_not_of(" \t\r\n");
  const auto b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// README comparison rule: numbers within tolerance (default 1e-9 relative), strings after trimming.
bool same(const json& want, const json& got, double tol) {
  if (want.is_number()) {
    if (!got.is_number()) return false;
    const double w = want.get<double>(), g = got.get<double>();
    const double allowed = tol > 0 ? tol : 1e-9 * std::max(1.0, std::fabs(w));
    return std::fabs(w - g) <= allowed;
  }
  if (want.is_string()) return got.is_string() && trim(want.get<std::string>()) == trim(got.get<std::string>());
  if (want.is_array()) {
    if (!got.is_array() || got.size() != want.size()) return false;
    for (std::size_t i = 0; i < want.size(); ++i)
      if (!same(want[i], got[i], tol)) return false;
    return true;
  }
  if (want.is_object()) {
    if (!got.is_object()) return false;
    for (auto it = want.begin(); it != want.end(); ++it)
      if (!got.contains(it.key()) || !same(it.value(), got[it.key()], tol)) return false;
    return true;
  }
  return want == got;
}

// Checks every expected entry against the decoded telegram's JSON. Returns mismatches.
int compare(const json& expected, const json& decoded, const std::string& name) {
  int bad = 0;
  for (const auto& e : expected["values"]) {
    const std::string id = e["id"];
    const json* match = nullptr;
    for (const auto& v : decoded["values"])
      if (v["id"] == id) {
        match = &v;
        break;
      }
    if (match == nullptr) {
      MESSAGE(name << ": missing " << id);
      ++bad;
      continue;
    }
    const double tol = e.value("tolerance", 0.0);
    for (const char* key : {"value", "unit", "timestamp", "raw", "buffer"}) {
      if (!e.contains(key)) continue;
      if (!match->contains(key) || !same(e[key], (*match)[key], tol)) {
        MESSAGE(name << ": " << id << " " << key << " expected " << e[key].dump() << " got "
                     << (match->contains(key) ? (*match)[key].dump() : std::string("nothing")));
        ++bad;
      }
    }
  }
  return bad;
}

// Golden values of the peer tokenizer that are wrong, proven from the standard, and frames
// whose transcribed checksum is wrong: tests/data/meter/corrections-dsmr-d0.json (shared with
// the Python and C tests). Corrections replace the expected value; the comparison stays strict.
const json& corrections() {
  static const json c = [] {
    std::ifstream f(fs::path(JOULE_TEST_DATA_DIR) / "meter/corrections-dsmr-d0.json");
    return json::parse(f);
  }();
  return c;
}

json corrected(json e) {
  for (const auto& c : corrections()["corrections"]) {
    if (e["id"] != c["frame"]) continue;
    for (auto& v : e["values"])
      if (v["id"] == c["id"]) v[c["key"].get<std::string>()] = c["value"];
  }
  return e;
}

bool has_bad_checksum(const std::string& id) {
  for (const auto& b : corrections()["bad_checksum"])
    if (b["frame"] == id) return true;
  return false;
}

std::vector<fs::path> expected_files(const char* folder) {
  std::vector<fs::path> out;
  for (const auto& f : fs::directory_iterator(fs::path(JOULE_TEST_DATA_DIR) / "meter" / folder))
    if (f.path().string().ends_with(".expected.json")) out.push_back(f.path());
  std::sort(out.begin(), out.end());
  return out;
}

void check_folder(const char* folder, bool auto_detect) {
  const auto files = expected_files(folder);
  REQUIRE(files.size() >= 4);
  for (const auto& path : files) {
    std::ifstream f(path);
    const json e = corrected(json::parse(f));
    const auto bytes = read_file(path.parent_path() / e["frame_file"].get<std::string>());
    DecodeOptions o;
    if (!auto_detect) o.protocol = *protocol_from_name(e["protocol"].get<std::string>());
    o.keep_going = false;
    const std::string name = e["id"];
    INFO(name);
    if (has_bad_checksum(name)) {
      auto strict = decode(bytes, o);
      REQUIRE_FALSE(strict.has_value());
      CHECK(strict.error().code == Errc::checksum_mismatch);
      o.verify_checksum = false;
    }
    auto r = decode(bytes, o);
    REQUIRE_MESSAGE(r.has_value(), name << ": " << (r ? "" : r.error().message));
    REQUIRE(r->telegrams.size() == 1);
    const json got = json::parse(to_json(r->telegrams[0]));
    CHECK(got["protocol"] == e["protocol"]);
    CHECK(compare(e, got, name) == 0);
    if (e.contains("crc")) {
      CHECK(got["crc"] == e["crc"]);
    }
  }
}

}  // namespace

TEST_CASE("every DSMR test frame decodes to its expected values") { check_folder("dsmr", false); }
TEST_CASE("every DSMR test frame decodes with protocol auto-detection") { check_folder("dsmr", true); }
TEST_CASE("every IEC 62056-21 test frame decodes to its expected values") { check_folder("iec62056-21", false); }
TEST_CASE("every IEC 62056-21 test frame decodes with protocol auto-detection") { check_folder("iec62056-21", true); }

TEST_CASE("the fast and the general data-line paths give the same readings") {
  // Host builds decode the common object shape on a fused fast path; firmware builds (-Os)
  // run only the general path. Every test frame, and lines at the edges of the fast path.
  int frames = 0;
  for (const char* folder : {"dsmr", "iec62056-21"})
    for (const auto& e : fs::directory_iterator(fs::path(JOULE_TEST_DATA_DIR) / "meter" / folder)) {
      if (e.path().extension() != ".txt") continue;
      const auto bytes = read_file(e.path());
      const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      if (text.find('!') == std::string_view::npos) continue;
      INFO(e.path().filename().string());
      const char* diff = testing::text_paths_differ(text);
      CHECK_MESSAGE(diff == nullptr, (diff ? diff : ""));
      ++frames;
    }
  CHECK(frames >= 15);
  const char* lines[] = {
      "1-0:1.8.1(000047.719*kWh)\r\n!",
      "1-0:1.8.1(123456789012345678*kWh)\r\n!",     // 18 significant digits: fast
      "1-0:1.8.1(1234567890123456789*kWh)\r\n!",    // 19: general (Decimal::parse)
      "1-0:1.8.1(0000000000000000000001.5*kWh)\r\n!",  // leading zeros are not significant
      "1-0:1.8.1(0.000000000000000000000000000000000000000001*kWh)\r\n!",  // 42 decimals
      "1-0:1.8.1(.5*kWh)\r\n1-0:1.8.2(5.*kWh)\r\n1-0:1.8.3(.*kWh)\r\n1-0:1.8.4(1.2.3*kWh)\r\n!",
      "1-0:1.8.1( 12.5*kWh)\r\n1-0:1.8.2(12.5* kWh)\r\n1-0:1.8.3(12.5*kWh )\r\n1-0:1.8.4(12.5*)\r\n!",
      "1-0:1.8.1(-12.5*kWh)\r\n1-0:1.8.2(+12.5*kWh)\r\n1-0:1.8.3(12,5*kWh)\r\n!",
      "1-0:1.8.1(12.5*k*Wh)\r\n1-0:1.8.2(abc*kWh)\r\n1-0:1.8.3(0001)\r\n1-0:1.8.4()\r\n1-0:1.8.5(  )\r\n!",
      "0-0:1.0.0(230724150730S)\r\n0-0:1.0.0(230724150730X)\r\n0-0:1.0.0( 230724150730W )\r\n!",
      "0-1:24.2.1(200426223001S)(00246.138*m3)\r\n1-0:1.6.0(02.468*kW)(1703100930)\r\n!",
      "0-1:24.2.1(200426223001S)(00246.138*m3)(x)\r\n!",  // three groups: general
      "0-1:24.3.0(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n(00000.000)\r\n!",
      "1-0:1.8.1(1.5*kWh)\r\n(2.5*kWh)\r\n1-0:1.8.2(1.5*kWh)\r\n  (3)\r\n!",  // continuation lines
      "9.4(088*C&082*C)\r\n1-0:9.4.0(088*C&082*C)\r\n1-0:9.4.1(1&2)\r\n!",
      "1-0:99.97.0(1)(0-0:96.7.19)(190326095015W)(0000002 *s)\r\n0-0:98.1.0(0)\r\n1-0:99.97.0(0)\r\n!",
      "1-0:1.8.1*255(1*kWh)\r\n1-0:1.8.1*(1*kWh)\r\n1-0:1.8.1*0255(1*kWh)\r\n1-0:1.8.1*256(1*kWh)\r\n!",
      "1-0:1.8.01234(1*kWh)\r\n1-0:1.8.256(1*kWh)\r\n1-0:1.8.0 (1*kWh)\r\n 1-0:1.8.0(1*kWh)\r\n!",
      "1-0:1.8.1(1*kWh)1-0:1.8.2(2*kWh)\r\n1-0:1.8.1(1*kWh) \r\n1-0:1.8.1(1*kWh\r\n)\r\n!",
      "1-0:1.8.1(1*kWh)",  // no line end before the "!" below
      "1-0:1.8.1(1*kWh)!",
      "1-0:1.8.1(1*kWh!",
      "1-0:1.8.1(!",
      "1-0:1.8.1!",
      "1-0:1.8.1(1*kWh)\r\n\x02(2)\r\n!",
      // A continuation line after a skipped non-object line still continues the last object.
      "0-1:96.1.0(000000000000)\r\n0-\xC4" "1:24.3.0(1)(2)\r\n(00000.000)\r\n!",
      "1-0:1.8.1(1*kWh)(2)\r\nEasyMeter trailer\r\n(3)(4)\r\n!",
      "1-0:1.8.1(1*kWh)1-0:1.8.2(2*kWh)(3)4-0:1.8.1(1)(2)(3)\r\n!",
      "1-0:1.8.1(1*kWh)\r\n\t(2)\r\n!",
      "1-0:1.8.1(12345678901234567.8*kWh)(1703100930)\r\n1-0:1.8.1(1*GJ)\r\n1-0:1.8.1(1*kvarh)\r\n1-0:1.8.1(1*MWh)\r\n!",
  };
  for (const char* l : lines) {
    INFO(l);
    std::string s(l);
    if (s.find('!') == std::string::npos) s += "!";
    const char* diff = testing::text_paths_differ(s);
    CHECK_MESSAGE(diff == nullptr, (diff ? diff : ""));
  }
}

TEST_CASE("chunked feeding at every split point gives the same telegram, without allocating") {
  for (const char* folder : {"dsmr", "iec62056-21"}) {
    for (const auto& path : expected_files(folder)) {
      std::ifstream f(path);
      const json e = json::parse(f);
      const auto bytes = read_file(path.parent_path() / e["frame_file"].get<std::string>());
      const bool d0 = std::string(folder) == "iec62056-21";
      const bool verify = !has_bad_checksum(e["id"]);
      INFO(e["id"].get<std::string>());
      static std::uint8_t buf[16384];
      static Reading storage[512];
      std::size_t reference = 0;
      for (std::size_t split_at = 0; split_at <= bytes.size(); ++split_at) {
        test::AllocationScope scope;
        dsmr::Splitter ds{buf, verify};
        iec62056_21::Splitter is{buf, verify};
        VectorRef<Reading> rs{std::span<Reading>(storage)};
        int frames = 0;
        auto on_frame = [&](std::span<const std::uint8_t> frame) {
          rs.clear();
          Telegram t{rs};
          const bool ok = d0 ? iec62056_21::decode(frame, t, {.verify_bcc = verify}).has_value()
                             : dsmr::decode(frame, t, {.verify_crc = verify}).has_value();
          CHECK(ok);
          ++frames;
        };
        auto on_drop = [&](const Error&) { CHECK(false); };
        const std::span<const std::uint8_t> all(bytes);
        if (d0) {
          feed_all(is, all.first(split_at), on_frame, on_drop);
          feed_all(is, all.subspan(split_at), on_frame, on_drop);
          auto fl = is.flush();
          if (fl.status == FeedStatus::frame) on_frame(fl.frame);
        } else {
          feed_all(ds, all.first(split_at), on_frame, on_drop);
          feed_all(ds, all.subspan(split_at), on_frame, on_drop);
        }
        CHECK(frames == 1);
        if (split_at == 0) reference = rs.size();
        CHECK(rs.size() == reference);
        CHECK(scope.allocations() == 0);
      }
    }
  }
}

TEST_CASE("a stream of telegrams with garbage, torn and corrupted frames between them") {
  const auto t1 = read_file(fs::path(JOULE_TEST_DATA_DIR) / "meter/dsmr/dsmr50-iskra-mt382.txt");
  const auto t2 = read_file(fs::path(JOULE_TEST_DATA_DIR) / "meter/dsmr/emucs171-fluvius.txt");
  std::vector<std::uint8_t> s;
  auto add = [&](const std::vector<std::uint8_t>& v) { s.insert(s.end(), v.begin(), v.end()); };
  add({0xFF, 0x00, 'x', '!', '\r', '\n'});
  add(t1);
  add(std::vector<std::uint8_t>(t2.begin(), t2.begin() + 300));  // torn
  add(t2);
  auto bad = t1;
  bad[100] ^= 0x01;  // CRC mismatch
  add(bad);
  add({'n', 'o', 'i', 's', 'e'});
  add(t1);
  auto r = decode(s, {.protocol = Protocol::dsmr_p1});
  REQUIRE(r);
  CHECK(r->telegrams.size() == 3);
  REQUIRE(r->errors.size() == 2);
  CHECK(r->errors[0].error.code == Errc::malformed);
  CHECK(r->errors[1].error.code == Errc::checksum_mismatch);
  CHECK(r->telegrams[1].version == "50217");
}

TEST_CASE("unknown OBIS objects are passed through") {
  const std::string t = "/XYZ5 test\r\n\r\n1-0:1.8.0(000001.000*kWh)\r\n7-3:199.188.177*12(abc)(12.5*foo)\r\n!\r\n";
  auto r = decode(std::span(reinterpret_cast<const std::uint8_t*>(t.data()), t.size()), {.protocol = Protocol::dsmr_p1});
  REQUIRE(r);
  const json j = json::parse(to_json(r->telegrams[0]));
  REQUIRE(j["values"].size() == 2);
  CHECK(j["values"][1]["id"] == "7-3:199.188.177*12");
  CHECK(j["values"][1]["raw"].size() == 2);
}

namespace {
// Builds an encrypted P1 frame (Smarty layout) around a plaintext telegram.
std::vector<std::uint8_t> encrypt_p1(const std::vector<std::uint8_t>& plain, const std::uint8_t key[16]) {
  const std::uint8_t st[8] = {'S', 'A', 'G', 0x67, 0x00, 0x12, 0x34, 0x56};
  const std::uint32_t fc = 0x0000ABCD;
  std::uint8_t iv[12];
  std::copy(st, st + 8, iv);
  for (int k = 0; k < 4; ++k) iv[8 + k] = static_cast<std::uint8_t>(fc >> (24 - 8 * k));
  const std::uint8_t aad[17] = {0x30, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
  std::vector<std::uint8_t> ct(plain.size());
  std::uint8_t tag[12];
  Aes128 aes(std::span<const std::uint8_t, 16>(key, 16));
  REQUIRE(gcm_encrypt(AesEncryptor(aes), iv, aad, plain, ct, tag).has_value());
  std::vector<std::uint8_t> f = {0xDB, 0x08};
  f.insert(f.end(), st, st + 8);
  const std::size_t len = 1 + 4 + ct.size() + 12;
  f.push_back(0x82);
  f.push_back(static_cast<std::uint8_t>(len >> 8));
  f.push_back(static_cast<std::uint8_t>(len));
  f.push_back(0x30);
  for (int k = 0; k < 4; ++k) f.push_back(static_cast<std::uint8_t>(fc >> (24 - 8 * k)));
  f.insert(f.end(), ct.begin(), ct.end());
  f.insert(f.end(), tag, tag + 12);
  return f;
}
}  // namespace

TEST_CASE("encrypted P1 (general-glo-ciphering, AES-128-GCM): decrypt, wrong key, tampering") {
  const auto plain = read_file(fs::path(JOULE_TEST_DATA_DIR) / "meter/dsmr/dsmr50-iskra-mt382.txt");
  const std::uint8_t key[16] = {0xAE, 0xBD, 0x21, 0xB7, 0x69, 0xA6, 0xD1, 0x3C,
                                0x0D, 0xF0, 0x64, 0xE3, 0x83, 0xAE, 0x6E, 0xC2};
  const auto frame = encrypt_p1(plain, key);
  std::vector<std::uint8_t> stream = {0x00, 0x42};  // noise before
  stream.insert(stream.end(), frame.begin(), frame.end());
  stream.insert(stream.end(), frame.begin(), frame.end());
  DecodeOptions o{.protocol = Protocol::dsmr_p1, .key = std::vector<std::uint8_t>(key, key + 16)};
  auto r = decode(stream, o);
  REQUIRE(r);
  CHECK(r->telegrams.size() == 2);
  const json j = json::parse(to_json(r->telegrams[0]));
  CHECK(j["crc"] == "6EEE");

  // Core path: splitter + decrypt at every chunk size, no allocation.
  {
    static std::uint8_t buf[2048], plainbuf[2048];
    Aes128 aes(std::span<const std::uint8_t, 16>(key, 16));
    test::AllocationScope scope;
    for (std::size_t chunk = 1; chunk < 40; chunk += 3) {
      dsmr::EncryptedSplitter split{buf};
      int frames = 0;
      for (std::size_t at = 0; at < stream.size(); at += chunk) {
        auto piece = std::span<const std::uint8_t>(stream).subspan(at, std::min(chunk, stream.size() - at));
        feed_all(split, piece, [&](std::span<const std::uint8_t> f) {
          auto p = dsmr::decrypt(f, AesEncryptor(aes), {}, plainbuf);
          REQUIRE(p.has_value());
          FixedVector<Reading, 64> rs;
          Telegram t{rs};
          CHECK(dsmr::decode(*p, t).has_value());
          ++frames;
        }, [](const Error&) { CHECK(false); });
      }
      CHECK(frames == 2);
    }
    CHECK(scope.allocations() == 0);
  }

  // Wrong key: authentication_failed, no readings.
  auto wrong = o;
  wrong.key[0] ^= 1;
  auto w = decode(frame, wrong);
  REQUIRE_FALSE(w);
  CHECK(w.error().code == Errc::authentication_failed);
  // Tampered ciphertext and tampered tag.
  for (std::size_t pos : {frame.size() / 2, frame.size() - 1, std::size_t{5}}) {
    auto t = frame;
    t[pos] ^= 0x80;
    auto x = decode(t, o);
    REQUIRE_FALSE(x);
    CHECK((x.error().code == Errc::authentication_failed || pos == 5));
  }
  // No key given.
  auto nk = decode(frame, {.protocol = Protocol::dsmr_p1});
  REQUIRE_FALSE(nk);
  CHECK(nk.error().code == Errc::invalid_argument);
}

// ------------------------------------------------------------------ IEC 62056-21 load profiles

namespace {
// A P.01 readout laid out as DIN 43863-3 / VDEW 2.1 §4.7 and the meter manuals describe it
// (reproduced by hand: the test data has no captured profile). Two blocks: the second
// header (status 08: clock set) starts a new block at 01:00. With STX, ETX and the BCC.
std::string load_profile_readout() {
  std::string data =
      "P.01(1170801001500)(00)(15)(4)(1.5.0)(kW)(2.5.0)(kW)(5.5.0)(kvar)(8.5.0)(kvar)\r\n"
      "(0.576)(0.000)(0.012)(0.000)\r\n"
      "(0.612)(0.000)(0.010)(0.000)\r\n"
      "(0.590)()(0.011)(0.000)\r\n"
      "P.01(2170801010000)(08)(15)(2)(1.5.0)(kW)(2.5.0)(kW)\r\n"
      "(0.601)(0.002)\r\n"
      "!\r\n\x03";
  std::string frame = "/EMH5\\@01LZQJL0014F\r\n\x02" + data;
  frame += static_cast<char>(iec62056_21::bcc(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(data.data()), data.size())));
  return frame;
}
}  // namespace

TEST_CASE("iec62056-21: P.01 load profile rows become readings with capture times") {
  const std::string f = load_profile_readout();
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(f.data()), f.size());
  // Through the splitter (BCC checked) and the decoder.
  std::uint8_t buf[1024];
  iec62056_21::Splitter split{buf};
  const auto r = split.feed(bytes);
  REQUIRE(r.status == FeedStatus::frame);
  FixedVector<Reading, 64> rs;
  Telegram t{rs};
  REQUIRE(iec62056_21::decode(r.frame, t).has_value());
  // Header 1 + 3 rows x 4 values, header 2 + 1 row x 2 values.
  REQUIRE(rs.size() == 1 + 12 + 1 + 2);
  const Reading& h1 = rs[0];
  CHECK(h1.kind == ValueKind::profile);
  CHECK(h1.count == 3);
  CHECK(h1.has_status);
  CHECK(h1.status == 0);
  CHECK(h1.capture_time.civil.hour == 0);
  CHECK(h1.capture_time.civil.minute == 15);
  CHECK(h1.capture_time.dst == Timestamp::Dst::summer);
  CHECK_FALSE(h1.capture_time.has_utc);  // season 1: local summer time of an unknown zone

  // Row 2, column 1: 1.5.0 = 0.612 kW at 00:30.
  const Reading& v = rs[1 + 4];
  CHECK(v.obis == *ObisCode::parse("1.5.0"));
  CHECK(v.name == "1.5.0");
  CHECK(v.kind == ValueKind::number);
  CHECK(v.number == Decimal(612, -3));
  CHECK(v.unit == Unit::watt);
  CHECK(v.unit_exponent == 3);
  CHECK(v.unit_text == "kW");
  CHECK(v.has_capture_time);
  CHECK(v.capture_time.civil.year == 2017);
  CHECK(v.capture_time.civil.month == 8);
  CHECK(v.capture_time.civil.day == 1);
  CHECK(v.capture_time.civil.hour == 0);
  CHECK(v.capture_time.civil.minute == 30);
  CHECK(v.raw == "(0.612)");
  // Row 2, column 3: 5.5.0 kvar.
  CHECK(rs[1 + 4 + 2].name == "5.5.0");
  CHECK(rs[1 + 4 + 2].unit == Unit::var);
  CHECK(rs[1 + 4 + 2].number == Decimal(10, -3));
  // Row 3, column 2 was sent empty: a reading without a value, still with its time.
  const Reading& empty = rs[1 + 8 + 1];
  CHECK(empty.name == "2.5.0");
  CHECK(empty.kind == ValueKind::none);
  CHECK(empty.capture_time.civil.minute == 45);

  // Second block: season 2 (UTC) -> UTC known; status 08 on every value.
  const Reading& h2 = rs[13];
  CHECK(h2.kind == ValueKind::profile);
  CHECK(h2.count == 1);
  CHECK(h2.status == 8);
  CHECK(h2.capture_time.has_utc);
  const Reading& last = rs[15];
  CHECK(last.name == "2.5.0");
  CHECK(last.number == Decimal(2, -3));
  CHECK(last.status == 8);
  CHECK(last.capture_time.has_utc);
  CHECK(last.capture_time.utc_s == 1501549200);  // 2017-08-01T01:00:00Z
}

TEST_CASE("iec62056-21: a P.01 header of another layout stays one profile reading") {
  const std::string f = "/ABC5XYZ\r\n\x02P.01(garbage)(x)\r\n(1)(2)\r\n!\r\n";
  FixedVector<Reading, 16> rs;
  Telegram t{rs};
  REQUIRE(iec62056_21::decode(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(f.data()), f.size()), t)
              .has_value());
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].kind == ValueKind::profile);
  CHECK(rs[0].count == 0);
}

TEST_CASE("iec62056-21: P.01 load profile in the JSON schema (CLI/Python output)") {
  const std::string f = load_profile_readout();
  auto r = decode(std::span(reinterpret_cast<const std::uint8_t*>(f.data()), f.size()), {.protocol = Protocol::iec62056_21});
  REQUIRE(r);
  REQUIRE(r->telegrams.size() == 1);
  const json j = json::parse(to_json(r->telegrams[0]));
  REQUIRE(j["values"].size() == 16);
  CHECK(j["values"][0]["id"] == "P.01");
  CHECK(j["values"][0]["rows"] == 3);
  CHECK(j["values"][5]["id"] == "1.5.0");
  CHECK(j["values"][5]["unit"] == "kW");
  CHECK(j["values"][5]["timestamp"] == "2017-08-01T00:30:00");
  CHECK(j["values"][5]["value"] == 0.612);
}
