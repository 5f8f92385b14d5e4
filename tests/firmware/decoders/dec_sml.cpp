// SML 1.04 in firmware: a real EMH/DZG frame (smartmeter-obis capture) split byte by
// byte (transport escapes, CRC-16/X-25) and decoded.
#include <cstdint>
#include <span>

#include "frames_sml.hpp"
#include "fwdec.hpp"
#include "joule/meter/sml.hpp"

using namespace joule;
using namespace joule::meter;

namespace {
std::uint8_t g_frame[512];
std::uint8_t g_scratch[512];
board::BssObject<FixedVector<Reading, 16>> g_store;  // see board.hpp
}  // namespace

extern "C" int joule_fwdec_sml() {
  int fail = 0;
  auto& readings = g_store.construct();
  const auto bytes = fwdec::file(kSml, kSml_ends, 0);
  sml::Splitter split{g_frame};
  int frames = 0;
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    feed_all(split, bytes.subspan(at, 1), [&](std::span<const std::uint8_t> f) {
      ++frames;
      readings.clear();
      Telegram t{readings};
      fail += fwdec::check(sml::decode_verified(f, t, g_scratch).has_value(), "sml decode");
      const Reading* e = t.find(ObisCode(1, 0, 2, 8, 0, 255));
      fail += fwdec::check(readings.size() == 7, "sml: 7 readings");
      fail += fwdec::check(e != nullptr && fwdec::equals(e->number, 43730, -1), "sml 1-0:2.8.0 = 4373.0 Wh");
      board::print("sml: ");
      board::print_int(static_cast<std::int64_t>(readings.size()));
      board::print(" readings, 1-0:2.8.0 = ");
      if (e != nullptr) fwdec::print_decimal(e->number);
      board::print(" Wh\n");
    }, [&](const Error&) { fail += fwdec::check(false, "sml frame dropped"); });
  }
  fail += fwdec::check(frames == 1, "sml: one frame");
  return fail;
}
