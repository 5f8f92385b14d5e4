// Protocol auto-detection from the first bytes of a stream (see frame.hpp for the rules).
#include <cstddef>
#include <cstdint>
#include <span>

#include "joule/meter/frame.hpp"

namespace joule::meter {
namespace {

constexpr bool is_upper_alnum(std::uint8_t c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// "/XXXZ": IEC 62056-21 §6.3.2 identification message, also the DSMR header
// (DSMR 5.0.2 P1 §6.2). Three manufacturer letters, then the baud-rate character.
constexpr bool ident_start(std::span<const std::uint8_t> h, std::size_t i) noexcept {
  return i + 5 <= h.size() && h[i] == '/' && is_upper_alnum(h[i + 1]) && is_upper_alnum(h[i + 2]) &&
         is_upper_alnum(h[i + 3]);
}

// After the identification line: DSMR has an empty line, IEC 62056-21 an STX
// (or ACK/data for the mode C option echo). Unknown yet -> dsmr_p1 (the common case).
constexpr Protocol ident_kind(std::span<const std::uint8_t> h, std::size_t i) noexcept {
  for (std::size_t k = i + 1; k + 1 < h.size(); ++k) {
    if (h[k] == '\r' && h[k + 1] == '\n') {
      if (k + 2 >= h.size()) return Protocol::dsmr_p1;
      const std::uint8_t n = h[k + 2];
      if (n == '\r') return Protocol::dsmr_p1;
      if (n == 0x02 || n == 0x06) return Protocol::iec62056_21;
      // Data lines right after the identification: not DSMR (which requires the empty
      // line, DSMR 5.0.2 P1 §6.2) but a D0 readout without STX, as optical heads and
      // mode D meters deliver it. Both share the data-line grammar.
      return Protocol::iec62056_21;
    }
    if (h[k] == '/' || h[k] < 0x20) break;
  }
  return Protocol::dsmr_p1;
}

}  // namespace

Detection detect(std::span<const std::uint8_t> h) noexcept {
  for (std::size_t i = 0; i < h.size(); ++i) {
    const std::uint8_t c = h[i];
    const std::size_t rest = h.size() - i;
    if (c == '/' && ident_start(h, i)) return {ident_kind(h, i), i};
    if (c == 0x1B && rest >= 8 && h[i + 1] == 0x1B && h[i + 2] == 0x1B && h[i + 3] == 0x1B && h[i + 4] == 0x01 &&
        h[i + 5] == 0x01 && h[i + 6] == 0x01 && h[i + 7] == 0x01)
      return {Protocol::sml, i};
    if (c == 0x7E && rest >= 3 && (h[i + 1] & 0xF0) == 0xA0) return {Protocol::dlms_hdlc, i};
    if (c == 0x68 && rest >= 4 && h[i + 1] == h[i + 2] && h[i + 3] == 0x68 && h[i + 1] >= 3) {
      // EN 13757-2 long frame: 68 L L 68 C A CI. DLMS over M-Bus uses CI 0x00..0x1F
      // (IEC 62056-7-6 / DSMR 5 P1 for Luxembourg) or carries an xDLMS APDU after the
      // transport header; plain M-Bus application data uses CI 0x72/0x78/0x7A...
      if (rest >= 7) {
        const std::uint8_t ci = h[i + 6];
        if (ci <= 0x1F || ci == 0xDB || ci == 0xE6) return {Protocol::dlms_mbus, i};
      }
      return {Protocol::mbus_wired, i};
    }
    if ((c == 0xDB || c == 0xDF) && rest >= 2 && h[i + 1] == 0x08) return {Protocol::dlms_gcm, i};
    if (c == 0x0F && rest >= 6 && i == 0) return {Protocol::dlms_apdu, i};
    if (c == 0x00 && rest >= 8 && i == 0 && h[1] == 0x01 && h[2] == 0x00 && h[3] == 0x01) return {Protocol::dlms_raw, i};
    if (i == 0 && rest >= 4 && (h[1] == 0x44 || h[1] == 0x46 || h[1] == 0x08) && c >= 9)
      return {Protocol::wmbus, i};
  }
  return {Protocol::unknown, 0};
}

}  // namespace joule::meter
