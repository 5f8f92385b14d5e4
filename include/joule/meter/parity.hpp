// joule/meter/parity.hpp: even parity of 7-bit characters in software (freestanding).
//
// IEC 62056-21 §6.3.1 transmits 7 data bits, even parity, 1 stop bit. Links
// that cannot do 7E1 (many USB adapters, ser2net and ESP-link TCP bridges set
// to 8N1) deliver each character as an 8-bit byte whose bit 7 is the parity
// bit. These helpers check and strip it on receive and add it on send, so a
// session on such a link still rejects a corrupted character instead of
// decoding a wrong value.
//
// Example:
//   std::size_t bad = joule::meter::parity::strip_even(rx);   // rx: std::span<std::uint8_t>
//   if (bad != rx.size()) { /* character `bad` failed its parity check */ }
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

namespace joule::meter::parity {

/// True when the 8-bit byte (7 data bits + parity bit 7) has an even number of ones.
constexpr bool even_ok(std::uint8_t b) noexcept { return (std::popcount(static_cast<unsigned>(b)) & 1U) == 0U; }

/// The 7-bit character `c` (bit 7 ignored) with its even-parity bit in bit 7.
constexpr std::uint8_t add_even(std::uint8_t c) noexcept {
  const auto d = static_cast<std::uint8_t>(c & 0x7FU);
  return (std::popcount(static_cast<unsigned>(d)) & 1U) != 0U ? static_cast<std::uint8_t>(d | 0x80U) : d;
}

/// Adds the parity bit to every byte in place.
constexpr void add_even(std::span<std::uint8_t> bytes) noexcept {
  for (auto& b : bytes) b = add_even(b);
}

/// Checks every byte and strips bit 7 in place. Returns the index of the
/// first byte whose parity was odd, or bytes.size() when all were even
/// (every byte is stripped either way).
constexpr std::size_t strip_even(std::span<std::uint8_t> bytes) noexcept {
  std::size_t first_bad = bytes.size();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (first_bad == bytes.size() && !even_ok(bytes[i])) first_bad = i;
    bytes[i] = static_cast<std::uint8_t>(bytes[i] & 0x7FU);
  }
  return first_bad;
}

}  // namespace joule::meter::parity
