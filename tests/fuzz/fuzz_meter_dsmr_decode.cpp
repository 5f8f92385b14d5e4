// Fuzzes the DSMR P1 decoder. Mode (first byte, bit 0): 1 = fix up the CRC after "!" so the
// fuzzer gets past it (then the CRC must verify); 0 = bytes as given. Readings must point into
// the input and be bounded by the caller's vector. The data lines up to the first "!" must
// decode the same on the host's fast path and on the general path firmware builds run.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "joule/core/crc.hpp"
#include "joule/meter/dsmr.hpp"
#include "../meter/text_paths.hpp"

using namespace joule;
using namespace joule::meter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool fixup = data[0] & 1;
  std::vector<std::uint8_t> t(data + 1, data + size);
  if (t.empty()) return 0;
  if (fixup) {
    const auto* slash = static_cast<std::uint8_t*>(std::memchr(t.data(), '/', t.size()));
    if (slash != nullptr) {
      const std::size_t s = static_cast<std::size_t>(slash - t.data());
      const auto* bang = static_cast<std::uint8_t*>(std::memchr(t.data() + s, '!', t.size() - s));
      if (bang != nullptr) {
        const std::size_t b = static_cast<std::size_t>(bang - t.data());
        const std::uint16_t crc = crc16_arc(std::span<const std::uint8_t>(t).subspan(s, b - s + 1));
        char hex[5];
        std::snprintf(hex, sizeof hex, "%04X", crc);
        t.resize(std::max(t.size(), b + 5));
        std::memcpy(t.data() + b + 1, hex, 4);
      }
    }
  }
  {
    const std::string_view text(reinterpret_cast<const char*>(t.data()), t.size());
    if (text.find('!') != std::string_view::npos && testing::text_paths_differ(text) != nullptr) std::abort();
  }
  static FixedVector<Reading, 64> readings;
  readings.clear();
  Telegram tg{readings};
  auto st = dsmr::decode(t, tg);
  if (fixup && !st && st.error().code == Errc::checksum_mismatch) std::abort();
  if (st) {
    const auto* lo = reinterpret_cast<const char*>(t.data());
    const auto* hi = lo + t.size();
    for (const auto& r : readings) {
      if (!r.raw.empty() && (r.raw.data() < lo || r.raw.data() + r.raw.size() > hi)) std::abort();
      if (!r.text.empty() && (r.text.data() < lo || r.text.data() + r.text.size() > hi)) std::abort();
      if (r.kind == ValueKind::number) (void)r.number.to_double();
    }
  }
  return 0;
}
