// joule/core/obis.hpp: OBIS object identification codes (IEC 62056-6-1).
//
// An OBIS code names a quantity with six value groups A-F, written
// "A-B:C.D.E*F" (IEC 62056-6-1:2017 §4.2; "&" may replace "*" for billing
// periods). Text protocols also send reduced forms: "1-0:1.8.0" (F = 255),
// "1.8.0" or "F.F" (IEC 62056-21 data lines, A and B omitted). Letters in
// groups C/D of those forms map to the reserved values of IEC 62056-6-1 §7.5:
// C = 96, F = 97, L = 98, P = 99.
//
// Parsing remembers which groups were given, so a reduced form formats back as
// it was sent; comparison and hashing use all six groups.
//
// Example:
//   auto c = joule::ObisCode::parse("1-0:1.8.0*255");   // Result<ObisCode>
//   c->c() == 1;  c->d() == 8;
//   char buf[joule::ObisCode::kMaxChars]; c->to_chars(buf, joule::ObisFormat::compact); // "1-0:1.8.0"
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "joule/core/result.hpp"

namespace joule {

/// How to write an OBIS code.
enum class ObisFormat : std::uint8_t {
  full,       ///< always "A-B:C.D.E*F"
  compact,    ///< "A-B:C.D.E", with "*F" only when F != 255 (the test-data convention)
  as_parsed,  ///< the groups that were given when parsed (reduced forms stay reduced)
};

/// A six-group OBIS code.
class ObisCode {
 public:
  static constexpr std::size_t kMaxChars = 24;  ///< "255-255:255.255.255*255" + NUL

  /// Which groups a parsed text contained (bit 0 = A ... bit 5 = F).
  static constexpr std::uint8_t kAllGroups = 0x3F;

  constexpr ObisCode() noexcept = default;
  constexpr ObisCode(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t e,
                     std::uint8_t f = 255) noexcept
      : g_{a, b, c, d, e, f}, given_(kAllGroups) {}

  /// From the 6 raw bytes of a DLMS/SML octet string.
  static Result<ObisCode> from_bytes(std::span<const std::uint8_t> bytes) noexcept;

  /// Parses "A-B:C.D.E*F", "A-B:C.D.E&F", "A-B:C.D.E.F", "A-B:C.D.E", "C.D.E", "C.D" and the
  /// letter forms of IEC 62056-21 ("F.F", "C.1.0"). Errors: malformed with the byte offset.
  static Result<ObisCode> parse(std::string_view text) noexcept;

  constexpr std::uint8_t a() const noexcept { return g_[0]; }
  constexpr std::uint8_t b() const noexcept { return g_[1]; }
  constexpr std::uint8_t c() const noexcept { return g_[2]; }
  constexpr std::uint8_t d() const noexcept { return g_[3]; }
  constexpr std::uint8_t e() const noexcept { return g_[4]; }
  constexpr std::uint8_t f() const noexcept { return g_[5]; }
  /// Group i (0 = A ... 5 = F).
  constexpr std::uint8_t group(int i) const noexcept { return g_[i]; }
  /// Bit mask of the groups present in the parsed text.
  constexpr std::uint8_t given() const noexcept { return given_; }

  /// Writes the code as text (no NUL). Returns the length; buffer_too_small when short.
  Result<std::size_t> to_chars(std::span<char> out, ObisFormat format = ObisFormat::compact) const noexcept;

  /// The six groups packed into 48 bits (A in the high byte): a perfect hash.
  constexpr std::uint64_t packed() const noexcept {
    std::uint64_t v = 0;
    for (auto x : g_) v = (v << 8) | x;
    return v;
  }

  friend constexpr bool operator==(const ObisCode& x, const ObisCode& y) noexcept { return x.packed() == y.packed(); }
  friend constexpr std::strong_ordering operator<=>(const ObisCode& x, const ObisCode& y) noexcept {
    return x.packed() <=> y.packed();
  }

 private:
  std::uint8_t g_[6] = {0, 0, 0, 0, 0, 255};
  std::uint8_t given_ = kAllGroups;
};

/// Hash functor for unordered containers.
struct ObisHash {
  constexpr std::size_t operator()(const ObisCode& c) const noexcept {
    std::uint64_t x = c.packed() * 0x9E3779B97F4A7C15ULL;
    return static_cast<std::size_t>(x ^ (x >> 29));
  }
};

}  // namespace joule
