#include "joule/core/decimal.hpp"

#include <cstdint>
#include <limits>

namespace joule {

namespace {

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Number of decimal digits of |m| (1 for 0).
int digit_count(std::uint64_t m) noexcept {
  int n = 1;
  while (m >= 10) {
    m /= 10;
    ++n;
  }
  return n;
}

std::uint64_t magnitude(std::int64_t m) noexcept {
  return m < 0 ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(m) : static_cast<std::uint64_t>(m);
}

}  // namespace

Result<Decimal> Decimal::parse(std::string_view text) noexcept {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  std::uint64_t m = 0;
  int digits = 0;       // significant digits taken into m
  int frac_digits = 0;  // digits after the point
  bool any_digit = false;
  bool point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (point) return fail(Errc::malformed, "second decimal point", Where::byte(i));
      point = true;
      continue;
    }
    if (c < '0' || c > '9') return fail(Errc::malformed, "unexpected character in decimal number", Where::byte(i));
    any_digit = true;
    if (m == 0 && c == '0') {
      if (point) ++frac_digits;
      continue;  // leading zeros are not significant
    }
    if (digits >= 18) return fail(Errc::out_of_range, "more than 18 significant digits", Where::byte(i));
    m = m * 10 + static_cast<std::uint64_t>(c - '0');
    ++digits;
    if (point) ++frac_digits;
  }
  if (!any_digit) return fail(Errc::malformed, "no digits in decimal number", Where::byte(i));
  if (frac_digits > kMaxExponent) return fail(Errc::out_of_range, "too many fraction digits", Where::byte(0));
  const auto sm = static_cast<std::int64_t>(m);
  return Decimal(negative ? -sm : sm, -frac_digits);
}

double Decimal::to_double() const noexcept {
  const double m = static_cast<double>(mantissa_);
  int e = exponent_;
  if (e >= 0) {
    double r = m;
    while (e > 22) {
      r *= 1e22;
      e -= 22;
    }
    return r * kPow10[e];
  }
  e = -e;
  double r = m;
  while (e > 22) {
    r /= 1e22;
    e -= 22;
  }
  return r / kPow10[e];  // division by an exact power of ten rounds once
}

Result<std::size_t> Decimal::to_chars(std::span<char> out) const noexcept {
  char digits[20];
  std::uint64_t m = magnitude(mantissa_);
  int nd = 0;
  do {
    digits[nd++] = static_cast<char>('0' + m % 10);
    m /= 10;
  } while (m != 0);
  // digits[] holds the digits in reverse order.
  char buf[kMaxChars];
  std::size_t n = 0;
  if (mantissa_ < 0) buf[n++] = '-';
  const int e = exponent_;
  if (e >= 0) {
    for (int k = nd - 1; k >= 0; --k) buf[n++] = digits[k];
    if (mantissa_ != 0)
      for (int k = 0; k < e; ++k) buf[n++] = '0';
  } else {
    const int frac = -e;
    if (nd <= frac) {
      buf[n++] = '0';
      buf[n++] = '.';
      for (int k = 0; k < frac - nd; ++k) buf[n++] = '0';
      for (int k = nd - 1; k >= 0; --k) buf[n++] = digits[k];
    } else {
      for (int k = nd - 1; k >= frac; --k) buf[n++] = digits[k];
      buf[n++] = '.';
      for (int k = frac - 1; k >= 0; --k) buf[n++] = digits[k];
    }
  }
  if (n > out.size()) return fail(Errc::buffer_too_small, "output buffer too small for decimal text", Where::byte(n));
  for (std::size_t k = 0; k < n; ++k) out[k] = buf[k];
  return n;
}

Result<Decimal> Decimal::rescaled(int e) const noexcept {
  if (e > kMaxExponent || e < -kMaxExponent) return fail(Errc::out_of_range, "decimal exponent beyond +-40");
  std::int64_t m = mantissa_;
  int cur = exponent_;
  while (cur > e) {  // multiply mantissa by 10
    if (m > std::numeric_limits<std::int64_t>::max() / 10 || m < std::numeric_limits<std::int64_t>::min() / 10)
      return fail(Errc::out_of_range, "rescaled mantissa overflows 64 bits");
    m *= 10;
    --cur;
  }
  while (cur < e) {
    if (m % 10 != 0) return fail(Errc::out_of_range, "rescaling would drop non-zero digits");
    m /= 10;
    ++cur;
  }
  return Decimal(m, e);
}

int Decimal::compare(const Decimal& o) const noexcept {
  const bool na = mantissa_ < 0, nb = o.mantissa_ < 0;
  if (mantissa_ == 0 || o.mantissa_ == 0) {
    const int sa = mantissa_ == 0 ? 0 : (na ? -1 : 1);
    const int sb = o.mantissa_ == 0 ? 0 : (nb ? -1 : 1);
    return sa < sb ? -1 : (sa > sb ? 1 : 0);
  }
  if (na != nb) return na ? -1 : 1;
  // Same sign, both non-zero: compare magnitudes via normalized forms.
  const Decimal a = normalized(), b = o.normalized();
  const std::uint64_t ma = magnitude(a.mantissa_), mb = magnitude(b.mantissa_);
  // Order of magnitude of the leading digit: digits + exponent.
  const int oa = digit_count(ma) + a.exponent_, ob = digit_count(mb) + b.exponent_;
  int mag;
  if (oa != ob) {
    mag = oa < ob ? -1 : 1;
  } else {
    // Same leading position: align to the smaller exponent (both fit: <= 19 digits after alignment
    // is not guaranteed, so compare digit by digit from the top).
    int ea = a.exponent_, eb = b.exponent_;
    std::uint64_t xa = ma, xb = mb;
    // Pad the shorter mantissa with zeros as long as it fits; otherwise drop and compare leading part.
    while (ea > eb && xa <= std::numeric_limits<std::uint64_t>::max() / 10) {
      xa *= 10;
      --ea;
    }
    while (eb > ea && xb <= std::numeric_limits<std::uint64_t>::max() / 10) {
      xb *= 10;
      --eb;
    }
    mag = xa < xb ? -1 : (xa > xb ? 1 : 0);
  }
  return na ? -mag : mag;
}

}  // namespace joule
