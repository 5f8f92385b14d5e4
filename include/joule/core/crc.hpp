// joule/core/crc.hpp: the checksums of meter protocols, table-driven and constexpr.
//
//   CRC-16/ARC        DSMR P1 telegrams (DSMR 5.0.2 P1 §6.2), poly 0x8005 reflected, init 0
//   CRC-16/X-25       SML transport (SML 1.04 §8.1) and HDLC HCS/FCS (IEC 62056-46 §6.4.4, ISO/IEC 13239)
//   CRC-16/MODBUS     Modbus RTU (Modbus over serial line V1.02 §2.5.1.2)
//   CRC-16/EN-13757   wireless M-Bus blocks (EN 13757-4 §12.5.2), poly 0x3D65, xorout 0xFFFF
//   8-bit sum         wired M-Bus long/control frames (EN 13757-2 §5.3, IEC 60870-5-1 FT1.2)
//
// Parameters follow the Rocksoft model as catalogued by Greg Cook's "Catalogue
// of parametrised CRC algorithms"; each function's check value over the ASCII
// bytes "123456789" is asserted at compile time below.
//
// Example:
//   std::uint16_t crc = joule::crc16_arc(telegram_bytes);   // std::span<const std::uint8_t>
//   joule::Crc16X25 acc; acc.update(part1); acc.update(part2); acc.value();
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "joule/core/result.hpp"

namespace joule {

namespace detail {

// Table for a reflected (LSB-first) CRC-16 with the given reflected polynomial.
constexpr std::array<std::uint16_t, 256> make_crc16_reflected_table(std::uint16_t rpoly) {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    std::uint16_t c = static_cast<std::uint16_t>(i);
    for (int k = 0; k < 8; ++k) c = (c & 1U) ? static_cast<std::uint16_t>((c >> 1) ^ rpoly) : static_cast<std::uint16_t>(c >> 1);
    t[i] = c;
  }
  return t;
}
// Table for a non-reflected (MSB-first) CRC-16.
constexpr std::array<std::uint16_t, 256> make_crc16_normal_table(std::uint16_t poly) {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    std::uint16_t c = static_cast<std::uint16_t>(i << 8);
    for (int k = 0; k < 8; ++k)
      c = (c & 0x8000U) ? static_cast<std::uint16_t>((c << 1) ^ poly) : static_cast<std::uint16_t>(c << 1);
    t[i] = c;
  }
  return t;
}

// Slicing-by-8 tables (Intel's "slicing-by-8", as in zlib's crc32): table k
// advances a byte through k further zero bytes, so 8 input bytes cost 8
// independent lookups instead of a serial chain. 4 KiB per polynomial; the
// firmware build (JOULE_CRC_SMALL, set for ARM) keeps only the 512-byte table.
template <bool Reflected>
constexpr std::array<std::array<std::uint16_t, 256>, 8> make_crc16_slice_tables(const std::array<std::uint16_t, 256>& t0) {
  std::array<std::array<std::uint16_t, 256>, 8> t{};
  t[0] = t0;
  for (int k = 1; k < 8; ++k)
    for (unsigned i = 0; i < 256; ++i) {
      const std::uint16_t p = t[k - 1][i];
      t[k][i] = Reflected ? static_cast<std::uint16_t>((p >> 8) ^ t0[p & 0xFFU])
                          : static_cast<std::uint16_t>((p << 8) ^ t0[(p >> 8) & 0xFFU]);
    }
  return t;
}

#if defined(__arm__) && !defined(JOULE_CRC_SMALL)
#define JOULE_CRC_SMALL 1
#endif

inline constexpr auto kCrcTableA001 = make_crc16_reflected_table(0xA001);  // 0x8005 reflected (ARC, MODBUS)
inline constexpr auto kCrcTable8408 = make_crc16_reflected_table(0x8408);  // 0x1021 reflected
inline constexpr auto kCrcTable3D65 = make_crc16_normal_table(0x3D65);     // EN 13757

constexpr std::uint16_t crc16_reflected_bytewise(const std::array<std::uint16_t, 256>& table, std::uint16_t crc,
                                                 std::span<const std::uint8_t> data) noexcept {
  for (std::uint8_t b : data) crc = static_cast<std::uint16_t>((crc >> 8) ^ table[(crc ^ b) & 0xFFU]);
  return crc;
}
constexpr std::uint16_t crc16_normal_bytewise(const std::array<std::uint16_t, 256>& table, std::uint16_t crc,
                                              std::span<const std::uint8_t> data) noexcept {
  for (std::uint8_t b : data) crc = static_cast<std::uint16_t>((crc << 8) ^ table[((crc >> 8) ^ b) & 0xFFU]);
  return crc;
}

#ifndef JOULE_CRC_SMALL
inline constexpr auto kSliceA001 = make_crc16_slice_tables<true>(kCrcTableA001);
inline constexpr auto kSlice8408 = make_crc16_slice_tables<true>(kCrcTable8408);
inline constexpr auto kSlice3D65 = make_crc16_slice_tables<false>(kCrcTable3D65);

constexpr std::uint16_t crc16_reflected_sliced(const std::array<std::array<std::uint16_t, 256>, 8>& t, std::uint16_t crc,
                                               std::span<const std::uint8_t> data) noexcept {
  std::size_t i = 0;
  const std::size_t n8 = data.size() & ~static_cast<std::size_t>(7);
  for (; i < n8; i += 8) {
    const unsigned c = crc ^ (static_cast<unsigned>(data[i]) | (static_cast<unsigned>(data[i + 1]) << 8));
    crc = static_cast<std::uint16_t>(t[7][c & 0xFFU] ^ t[6][c >> 8] ^ t[5][data[i + 2]] ^ t[4][data[i + 3]] ^
                                     t[3][data[i + 4]] ^ t[2][data[i + 5]] ^ t[1][data[i + 6]] ^ t[0][data[i + 7]]);
  }
  return crc16_reflected_bytewise(t[0], crc, data.subspan(i));
}
constexpr std::uint16_t crc16_normal_sliced(const std::array<std::array<std::uint16_t, 256>, 8>& t, std::uint16_t crc,
                                            std::span<const std::uint8_t> data) noexcept {
  std::size_t i = 0;
  const std::size_t n8 = data.size() & ~static_cast<std::size_t>(7);
  for (; i < n8; i += 8) {
    const unsigned c = crc ^ ((static_cast<unsigned>(data[i]) << 8) | static_cast<unsigned>(data[i + 1]));
    crc = static_cast<std::uint16_t>(t[7][c >> 8] ^ t[6][c & 0xFFU] ^ t[5][data[i + 2]] ^ t[4][data[i + 3]] ^
                                     t[3][data[i + 4]] ^ t[2][data[i + 5]] ^ t[1][data[i + 6]] ^ t[0][data[i + 7]]);
  }
  return crc16_normal_bytewise(t[0], crc, data.subspan(i));
}
#endif

constexpr std::uint16_t crc16_arc_update(std::uint16_t crc, std::span<const std::uint8_t> d) noexcept {
#ifdef JOULE_CRC_SMALL
  return crc16_reflected_bytewise(kCrcTableA001, crc, d);
#else
  return crc16_reflected_sliced(kSliceA001, crc, d);
#endif
}
constexpr std::uint16_t crc16_x25_update(std::uint16_t crc, std::span<const std::uint8_t> d) noexcept {
#ifdef JOULE_CRC_SMALL
  return crc16_reflected_bytewise(kCrcTable8408, crc, d);
#else
  return crc16_reflected_sliced(kSlice8408, crc, d);
#endif
}
constexpr std::uint16_t crc16_3d65_update(std::uint16_t crc, std::span<const std::uint8_t> d) noexcept {
#ifdef JOULE_CRC_SMALL
  return crc16_normal_bytewise(kCrcTable3D65, crc, d);
#else
  return crc16_normal_sliced(kSlice3D65, crc, d);
#endif
}

}  // namespace detail

/// Incremental CRC-16 accumulator; `Kind` selects the algorithm.
enum class Crc16Kind : std::uint8_t { arc, x25, modbus, en13757 };

template <Crc16Kind Kind>
class Crc16 {
 public:
  constexpr Crc16() noexcept = default;
  /// Feeds bytes; may be called any number of times.
  constexpr Crc16& update(std::span<const std::uint8_t> data) noexcept {
    if constexpr (Kind == Crc16Kind::en13757) state_ = detail::crc16_3d65_update(state_, data);
    else if constexpr (Kind == Crc16Kind::x25) state_ = detail::crc16_x25_update(state_, data);
    else state_ = detail::crc16_arc_update(state_, data);
    return *this;
  }
  constexpr Crc16& update(std::uint8_t byte) noexcept {
    const std::uint8_t one[1] = {byte};
    return update(std::span<const std::uint8_t>(one, 1));
  }
  /// The CRC of everything fed so far (after the final XOR).
  constexpr std::uint16_t value() const noexcept { return static_cast<std::uint16_t>(state_ ^ kXorOut); }
  constexpr void reset() noexcept { state_ = kInit; }

 private:
  static constexpr std::uint16_t kInit =
      (Kind == Crc16Kind::x25 || Kind == Crc16Kind::modbus) ? std::uint16_t{0xFFFF} : std::uint16_t{0};
  static constexpr std::uint16_t kXorOut =
      (Kind == Crc16Kind::x25 || Kind == Crc16Kind::en13757) ? std::uint16_t{0xFFFF} : std::uint16_t{0};
  std::uint16_t state_ = kInit;
};

using Crc16Arc = Crc16<Crc16Kind::arc>;
using Crc16X25 = Crc16<Crc16Kind::x25>;
using Crc16Modbus = Crc16<Crc16Kind::modbus>;
using Crc16En13757 = Crc16<Crc16Kind::en13757>;

/// CRC-16/ARC (DSMR P1): check("123456789") = 0xBB3D.
constexpr std::uint16_t crc16_arc(std::span<const std::uint8_t> d) noexcept { return Crc16Arc{}.update(d).value(); }
/// CRC-16/X-25 (SML, HDLC): check = 0x906E. Transmitted least significant byte first.
constexpr std::uint16_t crc16_x25(std::span<const std::uint8_t> d) noexcept { return Crc16X25{}.update(d).value(); }
/// CRC-16/MODBUS: check = 0x4B37. Transmitted least significant byte first.
constexpr std::uint16_t crc16_modbus(std::span<const std::uint8_t> d) noexcept { return Crc16Modbus{}.update(d).value(); }
/// CRC-16/EN-13757 (wireless M-Bus): check = 0xC2B7. Transmitted most significant byte first.
constexpr std::uint16_t crc16_en13757(std::span<const std::uint8_t> d) noexcept { return Crc16En13757{}.update(d).value(); }
/// M-Bus checksum: arithmetic sum of the bytes modulo 256 (EN 13757-2 §5.3). check = 0xDD.
constexpr std::uint8_t mbus_checksum(std::span<const std::uint8_t> d) noexcept {
  unsigned s = 0;
  for (std::uint8_t b : d) s += b;
  return static_cast<std::uint8_t>(s & 0xFFU);
}

/// Byte order of a CRC appended to a frame.
enum class CrcByteOrder : std::uint8_t { little_endian, big_endian };

/// Checks a frame whose last two bytes are the CRC of the bytes before them.
/// Errors: incomplete (fewer than 3 bytes), checksum_mismatch (at the CRC's offset).
template <Crc16Kind Kind>
constexpr Result<void> verify_trailing_crc16(std::span<const std::uint8_t> frame, CrcByteOrder order) noexcept {
  if (frame.size() < 3) return fail(Errc::incomplete, "frame shorter than payload + 2-byte CRC", Where::byte(frame.size()));
  const std::size_t n = frame.size() - 2;
  const std::uint16_t want = Crc16<Kind>{}.update(frame.first(n)).value();
  const std::uint16_t got = order == CrcByteOrder::little_endian
                                ? static_cast<std::uint16_t>(frame[n] | (frame[n + 1] << 8))
                                : static_cast<std::uint16_t>((frame[n] << 8) | frame[n + 1]);
  if (want != got) return fail(Errc::checksum_mismatch, "CRC-16 does not match frame", Where::byte(n));
  return {};
}

namespace detail {
inline constexpr std::uint8_t kCheck[9] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
static_assert(crc16_arc(kCheck) == 0xBB3D);
static_assert(crc16_x25(kCheck) == 0x906E);
static_assert(crc16_modbus(kCheck) == 0x4B37);
static_assert(crc16_en13757(kCheck) == 0xC2B7);
static_assert(mbus_checksum(kCheck) == 0xDD);
// The sliced and the byte-wise paths agree (the 9-byte check exercises one 8-byte block + 1 byte).
static_assert(crc16_reflected_bytewise(kCrcTableA001, 0, kCheck) == 0xBB3D);
static_assert((crc16_normal_bytewise(kCrcTable3D65, 0, kCheck) ^ 0xFFFF) == 0xC2B7);
}  // namespace detail

}  // namespace joule
