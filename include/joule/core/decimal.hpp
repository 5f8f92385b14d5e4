// joule/core/decimal.hpp: exact decimal numbers as meters send them.
//
// A `Decimal` is `mantissa * 10^exponent` with a 64-bit mantissa. Meter values
// keep this exact form (DSMR "001234.567", SML value + scaler, M-Bus BCD, DLMS
// scaler_unit) until the caller asks for a double, so nothing is lost to
// binary floating point on the way. Digits are kept as sent: "1.500" has
// mantissa 1500 and exponent -3; comparison is by value.
//
// Example:
//   auto d = joule::Decimal::parse("001234.567");     // Result<Decimal>
//   d->to_double();                                    // 1234.567
//   char buf[32]; d->to_chars(buf);                    // "1234.567"
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "joule/core/result.hpp"

namespace joule {

/// An exact base-10 number: mantissa * 10^exponent.
class Decimal {
 public:
  /// Longest text to_chars can write (sign, 19 digits, point, up to 40 zeros of padding, NUL).
  static constexpr std::size_t kMaxChars = 64;
  /// Exponents are limited to this magnitude so values stay printable and convertible.
  static constexpr int kMaxExponent = 40;

  constexpr Decimal() noexcept = default;
  /// Value mantissa * 10^exponent. |exponent| must not exceed kMaxExponent (see make()).
  constexpr Decimal(std::int64_t mantissa, int exponent) noexcept
      : mantissa_(mantissa), exponent_(static_cast<std::int8_t>(exponent)) {}

  /// Checked construction: out_of_range when |exponent| > kMaxExponent.
  static constexpr Result<Decimal> make(std::int64_t mantissa, int exponent) noexcept {
    if (exponent > kMaxExponent || exponent < -kMaxExponent)
      return fail(Errc::out_of_range, "decimal exponent beyond +-40", Where::at_field("exponent"));
    return Decimal(mantissa, exponent);
  }

  /// Parses an optional sign, digits, optional '.' and digits ("-0012.50", "7", ".5").
  /// At most 18 significant digits (leading zeros do not count). No exponent notation.
  /// Errors: malformed (with byte offset), out_of_range (too many digits).
  static Result<Decimal> parse(std::string_view text) noexcept;

  constexpr std::int64_t mantissa() const noexcept { return mantissa_; }
  constexpr int exponent() const noexcept { return exponent_; }

  /// Nearest double (correctly rounded when |mantissa| < 2^53 and |exponent| <= 22).
  double to_double() const noexcept;

  /// Writes the exact value as plain decimal text ("1234.567", "-0.05", "1200"),
  /// keeping the digits as given (1.500 prints "1.500"). No NUL is written.
  /// Returns the number of characters; buffer_too_small when `out` is too short.
  Result<std::size_t> to_chars(std::span<char> out) const noexcept;

  /// The same value with exponent `e` if that is exact and fits (e.g. 1.5 at e=-3 is 1500e-3).
  Result<Decimal> rescaled(int e) const noexcept;

  /// The value multiplied by 10^k (exact: only the exponent changes).
  Result<Decimal> scaled_by_pow10(int k) const noexcept { return make(mantissa_, exponent_ + k); }

  /// Removes trailing zeros of the mantissa (1500e-3 -> 15e-1); zero becomes 0e0.
  constexpr Decimal normalized() const noexcept {
    if (mantissa_ == 0) return Decimal(0, 0);
    std::int64_t m = mantissa_;
    int e = exponent_;
    while (m % 10 == 0 && e < kMaxExponent) {
      m /= 10;
      ++e;
    }
    return Decimal(m, e);
  }

  /// Value comparison (1.50 == 1.5).
  friend bool operator==(const Decimal& a, const Decimal& b) noexcept { return a.compare(b) == 0; }
  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) noexcept {
    const int c = a.compare(b);
    return c < 0 ? std::strong_ordering::less : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
  }

 private:
  int compare(const Decimal& o) const noexcept;
  std::int64_t mantissa_ = 0;
  std::int8_t exponent_ = 0;
};

}  // namespace joule
