// Wired M-Bus (EN 13757-2/-3) against the libmbus golden files in tests/data/meter/mbus.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "joule/meter/mbus.hpp"

namespace fs = std::filesystem;
namespace mbus = joule::meter::mbus;
using nlohmann::json;

namespace {

std::vector<std::uint8_t> read_hex(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  std::vector<std::uint8_t> out;
  int nib = -1;
  for (char c : s) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (nib < 0) nib = v;
    else {
      out.push_back(static_cast<std::uint8_t>(nib << 4 | v));
      nib = -1;
    }
  }
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

std::string hex_spaced(std::span<const std::uint8_t> b) {
  std::string s;
  char buf[4];
  for (auto x : b) {
    std::snprintf(buf, sizeof buf, "%02X ", x);
    s += buf;
  }
  return trim(s);
}

// libmbus prints dates as YYYY-MM-DD / YYYY-MM-DDTHH:MM:SSZ; an invalid date-time as all zero.
std::string libmbus_date(const mbus::DateTime& t) {
  char buf[32];
  if (!t.has_time) {
    std::snprintf(buf, sizeof buf, "%04u-%02u-%02u", t.year, t.month, t.day);
  } else if (!t.valid) {
    std::snprintf(buf, sizeof buf, "1900-01-00T00:00:00Z");
  } else {
    std::snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02uZ", t.year, t.month, t.day, t.hour, t.minute, t.second);
  }
  return buf;
}

// libmbus reads BCD with error nibbles leniently (a high nibble A-F counts 0, a low one its
// value); the golden files hold that number, joule reports the field as invalid.
double libmbus_lenient_bcd(std::span<const std::uint8_t> b) {
  long long v = 0;
  for (std::size_t i = b.size(); i > 0; --i) {
    v *= 10;
    if ((b[i - 1] >> 4) < 0xA) v += b[i - 1] >> 4;
    v = v * 10 + (b[i - 1] & 0xF);
  }
  if ((b.back() >> 4) == 0xF) v = -v;
  return static_cast<double>(v);
}

struct Decoded {
  bool invalid_bcd = false;
  bool manufacturer_data = false;
  double lenient = 0;
  bool is_number = false;
  double number = 0;
  std::string text;
  std::uint64_t storage = 0;
  std::uint32_t tariff = 0, subunit = 0;
};

Decoded render(const mbus::Record& r) {
  Decoded d;
  d.storage = r.storage;
  d.tariff = r.tariff;
  d.subunit = r.subunit;
  switch (r.kind) {
    case mbus::RecordKind::number: d.is_number = true; d.number = r.value.to_double(); break;
    case mbus::RecordKind::real: d.is_number = true; d.number = r.real; break;
    case mbus::RecordKind::date_time: d.text = libmbus_date(r.date_time); break;
    case mbus::RecordKind::text: d.text = std::string(r.text()); break;
    case mbus::RecordKind::bytes:
      if (r.binary_number) {  // a long binary number: libmbus prints it most significant byte first
        std::vector<std::uint8_t> rev(r.raw.rbegin(), r.raw.rend());
        d.text = hex_spaced(rev);
      } else {
        d.text = hex_spaced(r.raw);
      }
      d.manufacturer_data = r.manufacturer_data;
      break;
    case mbus::RecordKind::invalid:
      d.text = hex_spaced(r.raw);
      d.invalid_bcd = true;
      d.lenient = libmbus_lenient_bcd(r.raw);
      break;
    case mbus::RecordKind::none: break;
  }
  return d;
}

bool same_number(double want, double got) {
  return std::fabs(want - got) <= 1e-9 * std::max(1.0, std::fabs(want));
}

fs::path data_dir() { return fs::path(JOULE_TEST_DATA_DIR) / "meter" / "mbus"; }

}  // namespace

TEST_CASE("mbus: every libmbus golden frame decodes to its expected values") {
  int frames = 0, values = 0;
  for (const auto& entry : fs::directory_iterator(data_dir() / "frames")) {
    if (entry.path().extension() != ".json") continue;
    const json exp = json::parse(std::ifstream(entry.path()));
    const auto bytes = read_hex(entry.path().parent_path() / exp["frame_file"].get<std::string>());
    INFO("frame ", exp["id"].get<std::string>());
    auto f = mbus::parse_frame(bytes);
    REQUIRE(f.has_value());
    auto ud = mbus::parse_user_data(f->ci, f->user_data);
    REQUIRE(ud.has_value());
    ++frames;
    std::vector<Decoded> got;
    if (ud->fixed) {
      auto fx = mbus::decode_fixed(f->user_data);
      REQUIRE(fx.has_value());
      for (const auto& c : fx->counter) {
        Decoded d;
        d.is_number = true;
        d.number = c.value.to_double();
        // The golden files give fixed counters in the display unit of the code.
        if (c.unit_code == 0x05) d.number /= 1e3;       // kWh
        if (c.unit_code == 0x29) d.number *= 1e3;       // l
        got.push_back(d);
      }
    } else {
      mbus::RecordReader rd(ud->records, ud->msb_first);
      mbus::Record rec;
      for (;;) {
        auto more = rd.next(rec);
        REQUIRE(more.has_value());
        if (!*more) break;
        got.push_back(render(rec));
      }
    }
    for (const auto& v : exp["values"]) {
      if (!v.contains("value")) continue;  // libmbus printed nothing (unknown VIF)
      const std::string id = v["id"];
      const std::size_t idx = std::stoul(id.substr(id.find(':') + 1));
      INFO("record ", idx, " expected ", v.dump());
      REQUIRE(idx < got.size());
      const Decoded& d = got[idx];
      if (v["value"].is_number() && d.invalid_bcd) {
        // Error nibbles (EN 13757-3 Annex B): joule says invalid; the raw digits must be libmbus's.
        CHECK_EQ(v["value"].get<double>(), d.lenient * std::pow(10.0, std::round(std::log10(std::fabs(v["value"].get<double>()) / std::max(1.0, std::fabs(d.lenient))))));
      } else if (v["value"].is_number() && d.manufacturer_data) {
        // An old libmbus printed manufacturer data as the number 0.
        CHECK_EQ(v["value"].get<double>(), 0.0);
      } else if (v["value"].is_number()) {
        CHECK(d.is_number);
        // libmbus prints with %f: six decimals.
        const double want = v["value"].get<double>();
        const bool ok = same_number(want, d.number) || std::fabs(want - d.number) <= 5.1e-7 * std::max(1.0, std::fabs(want));
        CHECK_MESSAGE(ok, "got ", d.number);
      } else {
        CHECK_FALSE(d.is_number);
        CHECK_EQ(trim(v["value"].get<std::string>()), trim(d.text));
      }
      if (v.contains("storage")) CHECK_EQ(v["storage"].get<std::uint64_t>(), d.storage);
      if (v.contains("tariff")) CHECK_EQ(v["tariff"].get<std::uint32_t>(), d.tariff);
      if (v.contains("subunit")) CHECK_EQ(v["subunit"].get<std::uint32_t>(), d.subunit);
      ++values;
    }
  }
  CHECK_EQ(frames, 76);
  MESSAGE("mbus golden: ", frames, " frames, ", values, " values");
}

TEST_CASE("mbus: error frames fail with the right error") {
  int n = 0;
  for (const auto& entry : fs::directory_iterator(data_dir() / "error-frames")) {
    if (entry.path().extension() != ".json") continue;
    const json exp = json::parse(std::ifstream(entry.path()));
    const auto bytes = read_hex(entry.path().parent_path() / exp["frame_file"].get<std::string>());
    INFO("frame ", exp["id"].get<std::string>());
    ++n;
    joule::Error err;
    bool failed = false;
    auto f = mbus::parse_frame(bytes);
    if (!f) {
      failed = true;
      err = f.error();
    } else {
      auto ud = mbus::parse_user_data(f->ci, f->user_data);
      if (!ud) {
        failed = true;
        err = ud.error();
      } else {
        mbus::RecordReader rd(ud->records, ud->msb_first);
        mbus::Record rec;
        for (;;) {
          auto more = rd.next(rec);
          if (!more) {
            failed = true;
            err = more.error();
            break;
          }
          if (!*more) break;
        }
      }
    }
    REQUIRE(failed);
    if (exp.contains("error") && exp["error"].is_string()) {
      // Application errors (CI 0x70) carry the peer's text.
      CHECK_EQ(err.code, joule::Errc::rejected);
      std::string want = exp["error"].get<std::string>();
      std::string msg = err.message;
      for (auto& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (auto& c : msg) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      // The first word of the peer's text ("application", "unimplemented", "more") is in ours.
      const std::string word = want.substr(0, want.find(' '));
      const bool matches = msg.find(word) != std::string::npos;
      CHECK_MESSAGE(matches, msg, " vs ", want);
    } else {
      const auto c = err.code;
      const bool expected_code = c == joule::Errc::incomplete || c == joule::Errc::limit_exceeded ||
                                 c == joule::Errc::malformed || c == joule::Errc::checksum_mismatch;
      CHECK_MESSAGE(expected_code, joule::errc_name(c));
    }
  }
  CHECK_EQ(n, 20);
}

TEST_CASE("mbus: unsupported frames fail cleanly") {
  for (const auto& entry : fs::directory_iterator(data_dir() / "unsupported-frames")) {
    if (entry.path().extension() != ".hex") continue;
    const auto bytes = read_hex(entry.path());
    INFO("frame ", entry.path().filename().string());
    auto f = mbus::parse_frame(bytes);
    if (!f) continue;
    auto ud = mbus::parse_user_data(f->ci, f->user_data);
    if (!ud) continue;
    mbus::RecordReader rd(ud->records, ud->msb_first);
    mbus::Record rec;
    for (int i = 0; i < 1000; ++i) {
      auto more = rd.next(rec);
      if (!more || !*more) break;
    }
  }
}

TEST_CASE("mbus: link layer frame types and checks") {
  const std::uint8_t ack[] = {0xE5};
  auto a = mbus::parse_frame(ack);
  REQUIRE(a);
  CHECK_EQ(a->type, mbus::FrameType::ack);
  const std::uint8_t snd_nke[] = {0x10, 0x40, 0x01, 0x41, 0x16};  // SND_NKE to address 1
  auto s = mbus::parse_frame(snd_nke);
  REQUIRE(s);
  CHECK_EQ(s->type, mbus::FrameType::short_);
  CHECK_EQ(s->control, 0x40);
  CHECK_EQ(s->address, 0x01);
  std::uint8_t bad[] = {0x10, 0x40, 0x01, 0x42, 0x16};
  CHECK_EQ(mbus::parse_frame(bad).error().code, joule::Errc::checksum_mismatch);
  const std::uint8_t ctrl[] = {0x68, 0x03, 0x03, 0x68, 0x53, 0xFE, 0xBD, 0x0E, 0x16};  // application reset
  auto c = mbus::parse_frame(ctrl);
  REQUIRE(c);
  CHECK_EQ(c->type, mbus::FrameType::control);
  CHECK_EQ(c->ci, 0xBD);
  const std::uint8_t lfields[] = {0x68, 0x03, 0x04, 0x68, 0x53, 0xFE, 0xBD, 0x0E, 0x16};
  CHECK_EQ(mbus::parse_frame(lfields).error().code, joule::Errc::malformed);
  const std::uint8_t cut[] = {0x68, 0x03, 0x03, 0x68, 0x53};
  CHECK_EQ(mbus::parse_frame(cut).error().code, joule::Errc::incomplete);
  char m[3];
  mbus::manufacturer_letters(0x2C2D, m);  // "KAM"
  CHECK_EQ(std::string(m, 3), "KAM");
}

TEST_CASE("mbus: splitter handles chunks, garbage, torn frames and bad checksums") {
  // All golden frames concatenated with garbage between them.
  std::vector<std::vector<std::uint8_t>> frames;
  for (const auto& entry : fs::directory_iterator(data_dir() / "frames"))
    if (entry.path().extension() == ".hex") frames.push_back(read_hex(entry.path()));
  std::sort(frames.begin(), frames.end());
  std::vector<std::uint8_t> stream;
  for (const auto& f : frames) {
    stream.push_back(0x00);
    stream.push_back(0xFF);
    stream.insert(stream.end(), f.begin(), f.end());
  }
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{64}, stream.size()}) {
    std::uint8_t buf[mbus::kMaxFrameBytes];
    mbus::Splitter sp(buf);
    std::size_t got = 0, dropped = 0, skipped = 0;
    joule::test::AllocationScope scope;
    for (std::size_t off = 0; off < stream.size(); off += chunk) {
      std::span<const std::uint8_t> in(stream.data() + off, std::min(chunk, stream.size() - off));
      while (true) {
        auto r = sp.feed(in);
        skipped += r.skipped;
        in = in.subspan(r.consumed);
        if (r.status == joule::meter::FeedStatus::frame) {
          REQUIRE(got < frames.size());
          CHECK(std::equal(r.frame.begin(), r.frame.end(), frames[got].begin(), frames[got].end()));
          ++got;
        } else if (r.status == joule::meter::FeedStatus::dropped) {
          ++dropped;
        }
        if (in.empty() && r.status == joule::meter::FeedStatus::need_more) break;
      }
    }
    CHECK_EQ(scope.allocations(), 0U);
    CHECK_EQ(got, frames.size());
    CHECK_EQ(dropped, 0U);
    CHECK_EQ(skipped, 2 * frames.size());
  }
  // A torn frame (first half of one, then a full one) and a corrupted checksum.
  std::vector<std::uint8_t> s2(frames[0].begin(), frames[0].begin() + static_cast<long>(frames[0].size() / 2));
  s2.insert(s2.end(), frames[1].begin(), frames[1].end());
  auto corrupt = frames[2];
  corrupt[corrupt.size() - 2] ^= 0x01;
  s2.insert(s2.end(), corrupt.begin(), corrupt.end());
  s2.insert(s2.end(), frames[3].begin(), frames[3].end());
  std::uint8_t buf[mbus::kMaxFrameBytes];
  mbus::Splitter sp(buf);
  std::vector<std::vector<std::uint8_t>> out;
  std::size_t dropped = 0;
  std::span<const std::uint8_t> in(s2);
  for (int guard = 0; guard < 100000; ++guard) {
    auto r = sp.feed(in);
    in = in.subspan(r.consumed);
    if (r.status == joule::meter::FeedStatus::frame) out.emplace_back(r.frame.begin(), r.frame.end());
    if (r.status == joule::meter::FeedStatus::dropped) ++dropped;
    if (in.empty() && r.status == joule::meter::FeedStatus::need_more) break;
  }
  CHECK(dropped >= 2);
  REQUIRE(out.size() >= 2);
  CHECK(out[out.size() - 2] == frames[1]);
  CHECK(out.back() == frames[3]);
}

TEST_CASE("mbus: record decoding allocates nothing and truncation is reported") {
  const auto bytes = read_hex(data_dir() / "frames" / "kamstrup_multical_601.hex");
  auto f = mbus::parse_frame(bytes);
  REQUIRE(f);
  joule::test::AllocationScope scope;
  auto ud = mbus::parse_user_data(f->ci, f->user_data);
  REQUIRE(ud);
  mbus::RecordReader rd(ud->records);
  mbus::Record rec;
  int n = 0;
  while (true) {
    auto more = rd.next(rec);
    REQUIRE(more);
    if (!*more) break;
    ++n;
  }
  CHECK_EQ(scope.allocations(), 0U);
  CHECK(n > 5);
  // Every truncation of the records fails with incomplete or decodes fewer records, never crashes.
  for (std::size_t cut = 0; cut < ud->records.size(); ++cut) {
    mbus::RecordReader r2(ud->records.first(cut));
    for (int i = 0; i < 100; ++i) {
      auto more = r2.next(rec);
      if (!more) {
        CHECK_EQ(more.error().code, joule::Errc::incomplete);
        break;
      }
      if (!*more) break;
    }
  }
}

TEST_CASE("mbus: data types") {
  const std::uint8_t bcd_neg[] = {0x34, 0x12, 0xF0};  // Annex B: F in the MSD = minus
  CHECK_EQ(*mbus::decode_bcd(bcd_neg), -1234);
  const std::uint8_t bcd_err[] = {0x3A, 0x12};
  CHECK_FALSE(mbus::decode_bcd(bcd_err).has_value());
  const std::uint8_t g[] = {0x1F, 0x2C};  // 2016-12-31 (type G)
  auto t = mbus::decode_date_time(g, true);
  REQUIRE(t);
  CHECK_EQ(t->year, 2016);
  CHECK_EQ(t->month, 12);
  CHECK_EQ(t->day, 31);
  const std::uint8_t f[] = {0x0B, 0x0B, 0xCD, 0x13};  // 2014-03-13 11:11 (type F)
  auto tf = mbus::decode_date_time(f, false);
  REQUIRE(tf);
  CHECK_EQ(tf->year, 2014);
  CHECK_EQ(tf->hour, 11);
  CHECK(tf->valid);
  const std::uint8_t j[] = {0x05, 0x04, 0x03};  // 03:04:05 (type J)
  auto tj = mbus::decode_date_time(j, false);
  REQUIRE(tj);
  CHECK_EQ(tj->second, 5);
  CHECK_FALSE(tj->has_date);
}

TEST_CASE("mbus: a date/time VIF with a variable-length field (type M slot) keeps its bytes") {
  // DIF 0x0D = variable length (EN 13757-3 Table 4), VIF 0x6D = date and time (Table 10),
  // LVAR 0x04 = four bytes (Table 7, which alone would read them as ASCII text "ABCD").
  // Annex A type M is not decoded: the record must carry the raw bytes, never text or a number.
  const std::uint8_t rec_m[] = {0x0D, 0x6D, 0x04, 0x44, 0x43, 0x42, 0x41};
  mbus::RecordReader rd(rec_m);
  mbus::Record rec;
  auto more = rd.next(rec);
  REQUIRE(more);
  REQUIRE(*more);
  CHECK_EQ(rec.quantity, mbus::Quantity::date_time);
  CHECK_EQ(rec.kind, mbus::RecordKind::bytes);
  REQUIRE_EQ(rec.raw.size(), 4U);
  CHECK_EQ(rec.raw[0], 0x44);
  CHECK_EQ(rec.raw[3], 0x41);
  // LVAR 0xE4 (binary number, 4 bytes) under the same VIF: still raw bytes, not an integer.
  const std::uint8_t rec_bin[] = {0x0D, 0x6D, 0xE4, 0x01, 0x02, 0x03, 0x04};
  mbus::RecordReader rd2(rec_bin);
  more = rd2.next(rec);
  REQUIRE(more);
  REQUIRE(*more);
  CHECK_EQ(rec.kind, mbus::RecordKind::bytes);
  CHECK_EQ(rec.raw.size(), 4U);
  // The same LVAR field under a non-date VIF (0x13, volume in litres) is still text.
  const std::uint8_t rec_text[] = {0x0D, 0x13, 0x02, 0x42, 0x41};
  mbus::RecordReader rd3(rec_text);
  more = rd3.next(rec);
  REQUIRE(more);
  REQUIRE(*more);
  CHECK_EQ(rec.kind, mbus::RecordKind::text);
  CHECK_EQ(rec.text(), "AB");
}
