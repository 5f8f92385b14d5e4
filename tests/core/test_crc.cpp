#include <array>
#include <cstdint>

#include "check.hpp"
#include "joule/core/crc.hpp"

namespace {
constexpr std::uint8_t kCheck[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
}

TEST_CASE("crc: standard check values of 123456789") {
  CHECK(joule::crc16_arc(kCheck) == 0xBB3D);
  CHECK(joule::crc16_x25(kCheck) == 0x906E);
  CHECK(joule::crc16_modbus(kCheck) == 0x4B37);
  CHECK(joule::crc16_en13757(kCheck) == 0xC2B7);
  CHECK(joule::mbus_checksum(kCheck) == 0xDD);
}

TEST_CASE("crc: incremental update equals one shot at every split") {
  for (std::size_t split = 0; split <= sizeof kCheck; ++split) {
    joule::Crc16X25 a;
    a.update(std::span(kCheck).first(split)).update(std::span(kCheck).subspan(split));
    CHECK(a.value() == 0x906E);
    joule::Crc16En13757 b;
    for (std::size_t i = 0; i < sizeof kCheck; ++i) b.update(kCheck[i]);
    CHECK(b.value() == 0xC2B7);
  }
}

TEST_CASE("crc: Modbus RTU request from the Modbus serial-line spec") {
  // Read holding registers, slave 1, address 0, 10 registers: CRC bytes C5 CD (low byte first).
  const std::uint8_t req[] = {0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD};
  CHECK(joule::verify_trailing_crc16<joule::Crc16Kind::modbus>(req, joule::CrcByteOrder::little_endian).has_value());
  std::uint8_t bad[sizeof req];
  for (std::size_t i = 0; i < sizeof req; ++i) bad[i] = req[i];
  bad[3] ^= 0x01;
  auto r = joule::verify_trailing_crc16<joule::Crc16Kind::modbus>(bad, joule::CrcByteOrder::little_endian);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == joule::Errc::checksum_mismatch);
  CHECK(r.error().where.position == 6);
}

TEST_CASE("crc: frames too short for a CRC are incomplete, not a crash") {
  const std::uint8_t two[] = {0x01, 0x02};
  auto r = joule::verify_trailing_crc16<joule::Crc16Kind::x25>(two, joule::CrcByteOrder::little_endian);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == joule::Errc::incomplete);
  auto e = joule::verify_trailing_crc16<joule::Crc16Kind::arc>(std::span<const std::uint8_t>(), joule::CrcByteOrder::little_endian);
  CHECK(e.error().code == joule::Errc::incomplete);
}

TEST_CASE("crc: empty input gives the initial value after xorout") {
  CHECK(joule::crc16_arc({}) == 0x0000);
  CHECK(joule::crc16_x25({}) == 0x0000);
  CHECK(joule::crc16_modbus({}) == 0xFFFF);
  CHECK(joule::crc16_en13757({}) == 0xFFFF);
}

TEST_CASE("crc: table-sliced path equals the byte-wise definition at every length") {
  std::uint8_t buf[67];
  std::uint32_t x = 12345;
  for (auto& b : buf) {
    x = x * 1103515245U + 12345U;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  for (std::size_t n = 0; n <= sizeof buf; ++n) {
    const std::span<const std::uint8_t> d(buf, n);
    CHECK(joule::crc16_arc(d) == joule::detail::crc16_reflected_bytewise(joule::detail::kCrcTableA001, 0, d));
    CHECK(joule::crc16_modbus(d) == joule::detail::crc16_reflected_bytewise(joule::detail::kCrcTableA001, 0xFFFF, d));
    CHECK(joule::crc16_x25(d) ==
          static_cast<std::uint16_t>(joule::detail::crc16_reflected_bytewise(joule::detail::kCrcTable8408, 0xFFFF, d) ^ 0xFFFF));
    CHECK(joule::crc16_en13757(d) ==
          static_cast<std::uint16_t>(joule::detail::crc16_normal_bytewise(joule::detail::kCrcTable3D65, 0, d) ^ 0xFFFF));
  }
}
