// Protocol detection from the first bytes (runs on the host and on the emulated Cortex-M4).
#include <cstdint>
#include <span>

#include "check.hpp"
#include "joule/meter/frame.hpp"

using joule::meter::detect;
using joule::meter::Protocol;

namespace {
template <std::size_t N>
std::span<const std::uint8_t> bytes(const char (&s)[N]) {
  return {reinterpret_cast<const std::uint8_t*>(s), N - 1};
}
}  // namespace

TEST_CASE("detect: DSMR header with empty line") {
  CHECK(detect(bytes("/ISk5\\2MT382-1000\r\n\r\n1-3:0.2.8(50)\r\n")).protocol == Protocol::dsmr_p1);
}

TEST_CASE("detect: IEC 62056-21 identification then STX") {
  CHECK(detect(bytes("/ACE0\\3k260V01.18\r\n\x02" "F.F(00)\r\n")).protocol == Protocol::iec62056_21);
  CHECK(detect(bytes("/SIEC2WR5\r\n\x02" "6.8(0029.055*MWh)")).protocol == Protocol::iec62056_21);
}

TEST_CASE("detect: garbage before a frame is skipped") {
  const auto d = detect(bytes("\xff\x00zz/KFM5KAIFA-METER\r\n\r\n"));
  CHECK(d.protocol == Protocol::dsmr_p1);
  CHECK_EQ(d.offset, 4U);
}

TEST_CASE("detect: binary protocols") {
  const std::uint8_t sml[] = {0x1B, 0x1B, 0x1B, 0x1B, 0x01, 0x01, 0x01, 0x01, 0x76};
  CHECK(detect(sml).protocol == Protocol::sml);
  const std::uint8_t hdlc[] = {0x7E, 0xA0, 0x84, 0xCE, 0xFF, 0x03};
  CHECK(detect(hdlc).protocol == Protocol::dlms_hdlc);
  const std::uint8_t mbus[] = {0x68, 0x1F, 0x1F, 0x68, 0x08, 0x02, 0x72, 0x78};
  CHECK(detect(mbus).protocol == Protocol::mbus_wired);
  const std::uint8_t gcm[] = {0xDB, 0x08, 0x4B, 0x46, 0x4D};
  CHECK(detect(gcm).protocol == Protocol::dlms_gcm);
  const std::uint8_t none[] = {0x55, 0x55, 0x55};
  CHECK(detect(none).protocol == Protocol::unknown);
}
