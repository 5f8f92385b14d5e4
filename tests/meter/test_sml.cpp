// SML 1.04: every frame of the test data (frames and the 1,398 frames of the
// streams) against its libsml reference values; chunked feeding at every split
// point, garbage, torn frames, escapes, quirks; no allocation.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "expect_util.hpp"
#include "joule/core/crc.hpp"
#include "joule/core/fixed_vector.hpp"
#include "joule/meter/sml.hpp"
#include "text_paths.hpp"

namespace fs = std::filesystem;
using namespace joule::meter;
namespace tu = joule::meter::testutil;

namespace {

const fs::path kData = fs::path(JOULE_TEST_DATA_DIR) / "meter" / "sml";
const fs::path kShared = fs::path(JOULE_SHARED_DIR) / "testdata" / "meter" / "sml";

struct Decoded {
  joule::FixedVector<Reading, 64> rs;
  Telegram t{rs};
  std::uint8_t scratch[512];
  joule::Result<void> status;
  explicit Decoded(std::span<const std::uint8_t> frame) : status(sml::decode(frame, t, scratch)) {}
};

std::vector<std::vector<std::uint8_t>> split_all(std::span<const std::uint8_t> bytes, std::size_t chunk,
                                                 std::vector<joule::Error>* drops = nullptr) {
  std::vector<std::uint8_t> buf(2048);
  sml::Splitter s{buf};
  std::vector<std::vector<std::uint8_t>> frames;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    auto in = bytes.subspan(pos, std::min(chunk, bytes.size() - pos));
    while (!in.empty()) {
      auto r = s.feed(in);
      in = in.subspan(r.consumed);
      pos += r.consumed;
      if (r.status == FeedStatus::frame) frames.emplace_back(r.frame.begin(), r.frame.end());
      if (r.status == FeedStatus::dropped && drops) drops->push_back(r.error);
    }
  }
  return frames;
}

// A valid frame built from a payload: start, payload padded to 4, end escape, CRC (low byte first).
std::vector<std::uint8_t> make_frame(std::vector<std::uint8_t> payload) {
  std::vector<std::uint8_t> f = {0x1B, 0x1B, 0x1B, 0x1B, 0x01, 0x01, 0x01, 0x01};
  std::uint8_t pad = 0;
  while (payload.size() % 4) {
    payload.push_back(0);
    ++pad;
  }
  f.insert(f.end(), payload.begin(), payload.end());
  for (std::uint8_t b : {0x1B, 0x1B, 0x1B, 0x1B, 0x1A}) f.push_back(b);
  f.push_back(pad);
  const auto crc = joule::crc16_x25(f);
  f.push_back(static_cast<std::uint8_t>(crc & 0xFF));
  f.push_back(static_cast<std::uint8_t>(crc >> 8));
  return f;
}

std::vector<std::uint8_t> frame_file(const char* name) {
  return tu::frame_bytes(kData / "frames", tu::read_json(kData / "frames" / (std::string(name) + ".expected.json")));
}

}  // namespace

TEST_CASE("sml: every frame file decodes to its libsml reference values or fails as expected") {
  int ok = 0, errors = 0;
  for (const auto& entry : fs::directory_iterator(kData / "frames")) {
    const auto p = entry.path();
    if (p.string().find(".expected.json") == std::string::npos) continue;
    const auto e = tu::read_json(p);
    const auto bytes = tu::frame_bytes(kData / "frames", e);
    REQUIRE(!bytes.empty());
    Decoded d(bytes);
    INFO(p.filename().string());
    if (e["expect"] == "error") {
      // Both damaged EMH telegrams: the transport CRC does not match (libsml: no valid frame).
      REQUIRE_FALSE(d.status.has_value());
      CHECK(d.status.error().code == joule::Errc::checksum_mismatch);
      ++errors;
      continue;
    }
    REQUIRE_MESSAGE(d.status.has_value(), d.status.error().message);
    CHECK(d.t.protocol == Protocol::sml);
    CHECK(tu::compare(d.rs, e["values"]) == "");
    ++ok;
  }
  CHECK(ok == 8);
  CHECK(errors == 2);
}

TEST_CASE("sml: identifier, status and exact values of a DNT frame") {
  const auto bytes = frame_file("smartmeter-obis-ttyusb0-2-f0000");
  Decoded d(bytes);
  REQUIRE(d.status.has_value());
  CHECK(d.t.identifier == "0901444E540100002030");
  CHECK(d.t.has_crc);
  const auto* e = d.t.find(joule::ObisCode(1, 0, 2, 8, 0));
  REQUIRE(e != nullptr);
  CHECK(e->number == joule::Decimal(43730, -1));
  CHECK(e->unit == joule::Unit::watt_hour);
  CHECK(e->unit_text == "Wh");
  CHECK(e->has_status);
  CHECK(e->status == 0x010190);  // status 64 01 01 90: a 3-byte unsigned
  const auto* p = d.t.find(joule::ObisCode(1, 0, 15, 7, 0));
  REQUIRE(p != nullptr);
  CHECK(p->number == joule::Decimal(42, 0));
  CHECK(p->unit == joule::Unit::watt);
}

namespace {
void check_stream(const fs::path& dir, const std::string& id) {
  const auto bin = tu::read_bytes(dir / (id + ".bin"));
  std::ifstream jl(dir / (id + ".expected.jsonl"));
  std::vector<nlohmann::json> want;
  for (std::string line; std::getline(jl, line);)
    if (!line.empty()) want.push_back(nlohmann::json::parse(line));
  REQUIRE(!bin.empty());
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
    const auto frames = split_all(bin, chunk);
    REQUIRE(frames.size() == want.size());
    std::size_t offset_check = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      Decoded d(frames[i]);
      REQUIRE_MESSAGE(d.status.has_value(), id, " frame ", i);
      CHECK_MESSAGE(tu::compare(d.rs, want[i]["values"]) == "", id, " frame ", i);
      CHECK(frames[i].size() == want[i]["length"].get<std::size_t>());
      offset_check += frames[i].size();
    }
    if (chunk == 1) break;  // byte-at-a-time once is enough for the big streams
  }
}
}  // namespace

TEST_CASE("sml: streams ttyusb0-2 and ttyusb0-3 (520 frames) split and decode to the reference") {
  check_stream(kData / "streams", "smartmeter-obis-ttyusb0-2");
  check_stream(kData / "streams", "smartmeter-obis-ttyusb0-3");
}

TEST_CASE("sml: stream ttyusb0 (878 frames) from ../shared") {
  const auto dir = kShared / "streams";
  if (!fs::exists(dir / "smartmeter-obis-ttyusb0.bin")) {
    MESSAGE("skipped: ../shared/testdata/meter/sml/streams/smartmeter-obis-ttyusb0.bin not present");
    return;
  }
  check_stream(dir, "smartmeter-obis-ttyusb0");
}

TEST_CASE("sml: every split point of a frame, garbage between frames, torn frames") {
  const auto f = frame_file("smartmeter-obis-ttyusb0-2-f0001");
  for (std::size_t k = 0; k <= f.size(); ++k) {
    std::vector<std::uint8_t> buf(1024);
    sml::Splitter s{buf};
    int got = 0;
    auto on_frame = [&](std::span<const std::uint8_t> fr) {
      CHECK(fr.size() == f.size());
      ++got;
    };
    joule::meter::feed_all(s, std::span(f).first(k), on_frame, [](const joule::Error&) { CHECK(false); });
    joule::meter::feed_all(s, std::span(f).subspan(k), on_frame, [](const joule::Error&) { CHECK(false); });
    CHECK(got == 1);
  }
  // Garbage (including 1B runs and a fake start) before, between and after frames.
  std::vector<std::uint8_t> stream = {0x00, 0x1B, 0x1B, 0x1B, 0x1B, 0x1B, 0x02, 0xFF, 0x1B};
  stream.insert(stream.end(), f.begin(), f.end());
  for (std::uint8_t b : {0x1B, 0x1B, 0x01, 0x55, 0xAA}) stream.push_back(b);
  stream.insert(stream.end(), f.begin(), f.end());
  // A torn frame: the first 100 bytes, then a restart (aligned at 100), and one unaligned at 101.
  stream.insert(stream.end(), f.begin(), f.begin() + 100);
  stream.insert(stream.end(), f.begin(), f.end());
  stream.insert(stream.end(), f.begin(), f.begin() + 101);
  stream.insert(stream.end(), f.begin(), f.end());
  std::vector<joule::Error> drops;
  const auto frames = split_all(stream, 13, &drops);
  CHECK(frames.size() == 4);
  REQUIRE(drops.size() == 2);
  CHECK(drops[0].code == joule::Errc::malformed);
  CHECK(drops[1].code == joule::Errc::malformed);
  for (const auto& fr : frames) CHECK(fr == f);
}

TEST_CASE("sml: a corrupted byte is a checksum_mismatch drop; an oversize frame is buffer_too_small") {
  auto f = frame_file("smartmeter-obis-ttyusb0-f0000");
  f[120] ^= 0x40;
  std::vector<joule::Error> drops;
  CHECK(split_all(f, 64, &drops).empty());
  REQUIRE(drops.size() == 1);
  CHECK(drops[0].code == joule::Errc::checksum_mismatch);
  joule::FixedVector<Reading, 8> rs;
  Telegram t{rs};
  CHECK(sml::decode(f, t).error().code == joule::Errc::checksum_mismatch);

  const auto g = frame_file("smartmeter-obis-ttyusb0-f0000");
  std::uint8_t small[100];
  sml::Splitter s{small};
  auto r = s.feed(g);
  CHECK(r.status == FeedStatus::dropped);
  CHECK(r.error.code == joule::Errc::buffer_too_small);
}

TEST_CASE("sml: escaped 1B1B1B1B in the payload, negative and 64-bit values, local timestamps") {
  // One GetList.Res message with: an octet string containing 1B1B1B1B (escaped on the wire),
  // an int64 -5 (59 FF..FB), an unsigned64 2^40, a 5-byte int (quirk), and actSensorTime localTimestamp.
  std::vector<std::uint8_t> msg = {
      0x76, 0x01, 0x62, 0x00, 0x62, 0x00,  // message: trans id absent, groupNo, abortOnError
      0x72, 0x63, 0x07, 0x01,              // body: tag 0x0701
      0x77, 0x01,                          // GetList.Res: clientId absent
      0x03, 0xAB, 0xCD,                    // serverId AB CD
      0x01,                                // listName
      0x72, 0x62, 0x03, 0x73, 0x65, 0x5E, 0x0B, 0x36, 0xE0, 0x53, 0x00, 0x3C, 0x53, 0x00, 0x3C,  // localTimestamp
      0x74,                                // valList: 4 entries
      0x77, 0x07, 0x01, 0x00, 0x60, 0x32, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
      0x09, 0x1B, 0x1B, 0x1B, 0x1B, 0x1B, 0x1B, 0x1B, 0x1B, 0x01,  // 8-byte octet string, placed below at an aligned offset
      0x77, 0x07, 0x01, 0x00, 0x10, 0x07, 0x00, 0xFF, 0x01, 0x01, 0x62, 0x1B, 0x52, 0xFE,
      0x59, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFB, 0x01,
      0x77, 0x07, 0x01, 0x00, 0x01, 0x08, 0x00, 0xFF, 0x01, 0x01, 0x62, 0x1E, 0x52, 0x00,
      0x69, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
      0x77, 0x07, 0x01, 0x00, 0x02, 0x08, 0x00, 0xFF, 0x01, 0x01, 0x62, 0x1E, 0x52, 0x01,
      0x56, 0xFF, 0xFF, 0xFF, 0xFF, 0x38, 0x01,
      0x01, 0x01,        // listSignature, actGatewayTime
      0x63, 0x12, 0x34,  // crc16
      0x00};             // endOfSmlMsg
  // Align the 1B run of the octet string on the 4-byte grid by prefixing fill bytes (00, skipped).
  std::size_t run = 0;
  for (std::size_t i = 0; i + 3 < msg.size(); ++i)
    if (msg[i] == 0x1B && msg[i + 1] == 0x1B && msg[i + 2] == 0x1B && msg[i + 3] == 0x1B) {
      run = i;
      break;
    }
  std::vector<std::uint8_t> payload((4 - run % 4) % 4, 0x00);
  payload.insert(payload.end(), msg.begin(), msg.end());
  // Escape: on the wire each aligned 1B1B1B1B group is doubled.
  std::vector<std::uint8_t> wire;
  for (std::size_t i = 0; i < payload.size();) {
    if (i % 4 == 0 && i + 4 <= payload.size() && payload[i] == 0x1B && payload[i + 1] == 0x1B &&
        payload[i + 2] == 0x1B && payload[i + 3] == 0x1B) {
      for (int k = 0; k < 8; ++k) wire.push_back(0x1B);
      i += 4;
    } else {
      wire.push_back(payload[i++]);
    }
  }
  const auto f = make_frame(wire);
  const auto frames = split_all(f, 3);
  REQUIRE(frames.size() == 1);
  Decoded d(frames[0]);
  REQUIRE_MESSAGE(d.status.has_value(), d.status.error().message);
  CHECK(d.t.identifier == "ABCD");
  REQUIRE(d.t.has_timestamp);
  CHECK(d.t.timestamp.utc_s == 0x5E0B36E0);
  CHECK(d.t.timestamp.offset_min == 120);
  CHECK(d.t.timestamp.civil == joule::civil_from_unix_seconds(0x5E0B36E0 + 7200));
  REQUIRE(d.rs.size() == 4);
  CHECK(d.rs[0].kind == ValueKind::octets);
  CHECK(d.rs[0].text == std::string(8, '\x1B'));
  CHECK(d.rs[1].number == joule::Decimal(-5, -2));
  CHECK(d.rs[1].raw_integer == -5);
  CHECK(d.rs[2].number == joule::Decimal(1099511627776LL, 0));
  CHECK(d.rs[3].number == joule::Decimal(-200, 1));  // 5-byte signed FF FF FF FF 38 = -200
  // Without scratch the escaped payload cannot be unescaped: a clear error, not a wrong value.
  joule::FixedVector<Reading, 8> rs;
  Telegram t{rs};
  CHECK(sml::decode(frames[0], t).error().code == joule::Errc::buffer_too_small);
}

namespace {
// decode_messages (host: list-entry fast path) and the general path give the same telegram.
void check_paths_agree(std::span<const std::uint8_t> messages) {
  joule::FixedVector<Reading, 64> a_rs, b_rs;
  Telegram a{a_rs}, b{b_rs};
  std::uint8_t sa[256], sb[256];
  const auto ra = sml::decode_messages(messages, a, sa);
  const auto rb = sml::detail::decode_messages_general(messages, b, sb);
  REQUIRE(ra.has_value() == rb.has_value());
  if (!ra) {
    CHECK(ra.error().code == rb.error().code);
    CHECK(ra.error().where.position == rb.error().where.position);
  }
  REQUIRE(a_rs.size() == b_rs.size());
  for (std::size_t i = 0; i < a_rs.size(); ++i) CHECK(testing::same_reading(a_rs[i], b_rs[i]));
  CHECK(a.identifier == b.identifier);
  CHECK(a.has_timestamp == b.has_timestamp);
  CHECK(testing::same_time(a.timestamp, b.timestamp));
}
}  // namespace

TEST_CASE("sml: the list-entry fast path and the general path give the same readings") {
  std::size_t frames = 0;
  for (const char* name : {"smartmeter-obis-ttyusb0-2.bin", "smartmeter-obis-ttyusb0-3.bin"}) {
    const auto bin = tu::read_bytes(kData / "streams" / name);
    for (const auto& f : split_all(bin, bin.size())) {
      auto payload = sml::check_frame(f);
      REQUIRE(payload.has_value());
      check_paths_agree(*payload);
      ++frames;
    }
  }
  CHECK(frames >= 500);
  // Entries at the edges of the fast path, each in a GetList.Res, followed by 40 bytes of
  // close message so the fast path is tried, and once with nothing after it.
  const std::vector<std::vector<std::uint8_t>> entries = {
      {0x77, 0x07, 1, 0, 1, 8, 0, 0xFF, 0x65, 0, 0, 1, 0x82, 0x01, 0x62, 0x1E, 0x52, 0xFF, 0x59, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x01},
      {0x77, 0x07, 1, 0, 1, 8, 0, 0xFF, 0x01, 0x01, 0x01, 0x01, 0x65, 0xFF, 0xFF, 0xFF, 0xFF, 0x01},   // no unit/scaler
      {0x77, 0x07, 1, 0, 1, 8, 0, 0xFF, 0x01, 0x01, 0x62, 0x1B, 0x52, 0x03, 0x01, 0x01},             // value absent
      {0x77, 0x07, 1, 0, 96, 1, 0, 0xFF, 0x01, 0x01, 0x01, 0x01, 0x05, 'a', 'b', 'c', 'd', 0x01},     // octets
      {0x77, 0x07, 1, 0, 1, 8, 0, 0xFF, 0x01, 0x01, 0x62, 0x1E, 0x52, 0x29, 0x52, 0x05, 0x01},       // scaler 41
      {0x77, 0x07, 1, 0, 1, 8, 0, 0xFF, 0x01, 0x01, 0x62, 0x1E, 0x52, 0xD7, 0x52, 0x05, 0x01},       // scaler -41
      {0x77, 0x07, 1, 0, 1, 8, 0, 0xFF, 0x01, 0x01, 0x62, 0x1E, 0x52, 0x00,
       0x69, 0x80, 0, 0, 0, 0, 0, 0, 1, 0x01},                                                       // u64 > int64
      {0x77, 0x07, 1, 0, 1, 8, 0, 0xFF, 0x01, 0x01, 0x62, 0x1E, 0x52, 0x00, 0x42, 0x01, 0x01},       // boolean
      {0x77, 0x07, 1, 0, 1, 8, 0, 0xFF, 0x01, 0x72, 0x62, 0x01, 0x65, 0, 0, 0, 1, 0x62, 0x1E, 0x52, 0x00, 0x52, 0x05, 0x01},
      {0x77, 0x07, 1, 0, 1, 8, 0, 0xFF, 0x01, 0x01, 0x63, 0x00, 0x1E, 0x52, 0x00, 0x52, 0x05, 0x01}, // 2-byte unit
      {0x77, 0x07, 1, 0, 1, 8, 0, 0xFF, 0x61, 0x01, 0x62, 0x1E, 0x52, 0x00, 0x52, 0x05, 0x01},       // 0-byte status
      {0x77, 0x07, 1, 0, 1, 8, 0, 0xFF, 0x01, 0x01, 0x62, 0x1E, 0x52, 0x00, 0x52, 0x05, 0x03, 1, 2}, // signature
      {0x77, 0x06, 1, 0, 1, 8, 0, 0x01, 0x01, 0x62, 0x1E, 0x52, 0x00, 0x52, 0x05, 0x01},             // 5-byte name
      {0x76, 0x07, 1, 0, 1, 8, 0, 0xFF, 0x01, 0x01, 0x62, 0x1E, 0x52, 0x00, 0x52, 0x05},             // 6 elements
  };
  const std::vector<std::uint8_t> close = {0x76, 0x05, 1, 2, 3, 4, 0x62, 0x00, 0x62, 0x00, 0x72, 0x63, 0x02, 0x01,
                                           0x71, 0x01, 0x63, 0x12, 0x34, 0x00, 0x76, 0x05, 1, 2, 3, 4, 0x62, 0x00,
                                           0x62, 0x00, 0x72, 0x63, 0x02, 0x01, 0x71, 0x01, 0x63, 0x12, 0x34, 0x00};
  for (const auto& e : entries)
    for (bool tail : {true, false}) {
      std::vector<std::uint8_t> m = {0x76, 0x01, 0x62, 0x00, 0x62, 0x00, 0x72, 0x63, 0x07, 0x01,
                                     0x77, 0x01, 0x03, 0xAB, 0xCD, 0x01, 0x01, 0x72};  // valList of 2
      m.insert(m.end(), e.begin(), e.end());
      m.insert(m.end(), e.begin(), e.end());
      for (std::uint8_t b : {0x01, 0x01, 0x63, 0x12, 0x34, 0x00}) m.push_back(b);
      if (tail) m.insert(m.end(), close.begin(), close.end());
      for (std::size_t cut : {m.size(), m.size() - 7, m.size() / 2}) {
        INFO("entry starting " << int(e[0]) << " " << int(e[1]) << " tail " << tail << " cut " << cut);
        check_paths_agree(std::span<const std::uint8_t>(m).first(cut));
      }
    }
}

TEST_CASE("sml: malformed TLV never crashes and reports a byte offset") {
  const auto good = frame_file("smartmeter-obis-ttyusb0-f0000");
  // Truncate the message list inside an entry and re-seal the frame with a valid CRC.
  std::vector<std::uint8_t> payload(good.begin() + 8, good.begin() + 8 + 150);
  const auto f = make_frame(payload);
  Decoded d(f);
  REQUIRE_FALSE(d.status.has_value());
  CHECK(d.status.error().code == joule::Errc::malformed);
  CHECK(d.status.error().where.kind == joule::Where::Kind::byte);
  // An unsigned64 beyond int64 is out_of_range, never a wrapped negative number.
  std::vector<std::uint8_t> msg = {0x76, 0x01, 0x62, 0x00, 0x62, 0x00, 0x72, 0x63, 0x07, 0x01, 0x77, 0x01, 0x01, 0x01,
                                   0x01, 0x71, 0x77, 0x07, 0x01, 0x00, 0x01, 0x08, 0x00, 0xFF, 0x01, 0x01, 0x01, 0x01,
                                   0x69, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01, 0x01, 0x01, 0x00};
  Decoded big(make_frame(msg));
  REQUIRE_FALSE(big.status.has_value());
  CHECK(big.status.error().code == joule::Errc::out_of_range);
}

TEST_CASE("sml: splitting and decoding allocate nothing") {
  const auto bin = tu::read_bytes(kData / "streams" / "smartmeter-obis-ttyusb0-2.bin");
  REQUIRE(!bin.empty());
  std::uint8_t buf[1024];
  std::uint8_t scratch[256];
  joule::FixedVector<Reading, 32> rs;
  int frames = 0;
  joule::test::AllocationScope scope;
  sml::Splitter s{buf};
  std::span<const std::uint8_t> in(bin);
  while (!in.empty()) {
    auto r = s.feed(in.first(std::min<std::size_t>(in.size(), 5)));
    in = in.subspan(r.consumed);
    if (r.status == FeedStatus::frame) {
      rs.clear();
      Telegram t{rs};
      if (sml::decode(r.frame, t, scratch)) ++frames;
    }
  }
  CHECK(scope.allocations() == 0);
  CHECK(frames == 2);
}
