#include "joule/core/obis.hpp"

namespace joule {

namespace {

// IEC 62056-6-1 §7.5: letters used in groups C and D of reduced IEC 62056-21 codes.
int letter_value(char ch) noexcept {
  switch (ch) {
    case 'C': return 96;
    case 'F': return 97;
    case 'L': return 98;
    case 'P': return 99;
    default: return -1;
  }
}

char value_letter(std::uint8_t v) noexcept {
  switch (v) {
    case 96: return 'C';
    case 97: return 'F';
    case 98: return 'L';
    case 99: return 'P';
    default: return 0;
  }
}

}  // namespace

Result<ObisCode> ObisCode::from_bytes(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() != 6) return fail(Errc::malformed, "OBIS octet string must be 6 bytes", Where::byte(bytes.size()));
  return ObisCode(bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]);
}

Result<ObisCode> ObisCode::parse(std::string_view text) noexcept {
  // Tokenise into up to 6 numeric (or letter) groups with their separators.
  int values[6];
  char seps[6];  // separator *before* group k (0 for the first)
  bool letter[6] = {};
  int n = 0;
  std::size_t i = 0;
  if (text.empty()) return fail(Errc::malformed, "empty OBIS code", Where::byte(0));
  char sep = 0;
  while (true) {
    if (n == 6) return fail(Errc::malformed, "more than six OBIS value groups", Where::byte(i));
    if (i >= text.size()) return fail(Errc::malformed, "OBIS code ends after a separator", Where::byte(i));
    int v = 0;
    const std::size_t start = i;
    if (letter_value(text[i]) >= 0 && (i + 1 == text.size() || text[i + 1] < '0' || text[i + 1] > '9')) {
      v = letter_value(text[i]);
      letter[n] = true;
      ++i;
    } else {
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        v = v * 10 + (text[i] - '0');
        if (v > 255) return fail(Errc::malformed, "OBIS value group above 255", Where::byte(start));
        ++i;
      }
      if (i == start) return fail(Errc::malformed, "expected a digit in OBIS code", Where::byte(i));
      if (i - start > 3) return fail(Errc::malformed, "OBIS value group has more than 3 digits", Where::byte(start));
    }
    values[n] = v;
    seps[n] = sep;
    ++n;
    if (i == text.size()) break;
    sep = text[i];
    if (sep != '-' && sep != ':' && sep != '.' && sep != '*' && sep != '&')
      return fail(Errc::malformed, "unexpected character in OBIS code", Where::byte(i));
    ++i;
  }

  // Assign groups from the separators: "A-B:" prefix, then C.D.E, then *F / &F / .F.
  ObisCode code;
  code.given_ = 0;
  int k = 0;
  std::uint8_t g[6] = {0, 0, 0, 0, 0, 255};
  if (n >= 2 && seps[1] == '-') {
    if (n < 3 || seps[2] != ':') return fail(Errc::malformed, "OBIS 'A-B' must be followed by ':'", Where::byte(0));
    if (letter[0] || letter[1]) return fail(Errc::malformed, "letters are allowed in groups C and D only", Where::byte(0));
    g[0] = static_cast<std::uint8_t>(values[0]);
    g[1] = static_cast<std::uint8_t>(values[1]);
    code.given_ |= 0x03;
    k = 2;
  } else if (n >= 2 && seps[1] == ':') {
    // "B:C.D.E" (A omitted) as some D0 meters send.
    g[1] = static_cast<std::uint8_t>(values[0]);
    code.given_ |= 0x02;
    k = 1;
  }
  // Remaining tokens: C, D, E in order, then F after '*', '&' or a fourth '.'.
  int group = 1;
  for (int t = k; t < n; ++t) {
    const char s = seps[t];
    if (t > k && (s == '*' || s == '&')) {
      if (group != 4) return fail(Errc::malformed, "OBIS '*F' needs groups C, D and E before it", Where::byte(0));
      if (t != n - 1) return fail(Errc::malformed, "OBIS '*F' must come last", Where::byte(0));
      group = 5;
    } else if (t > k && s != '.') {
      return fail(Errc::malformed, "OBIS groups C..F are separated by '.'", Where::byte(0));
    } else {
      ++group;
      if (group == 1) group = 2;
    }
    if (group > 5) return fail(Errc::malformed, "too many OBIS value groups", Where::byte(0));
    if (letter[t] && group > 3) return fail(Errc::malformed, "letters are allowed in groups C and D only", Where::byte(0));
    g[group] = static_cast<std::uint8_t>(values[t]);
    code.given_ = static_cast<std::uint8_t>(code.given_ | (1U << group));
  }
  if ((code.given_ & 0x0C) != 0x0C) return fail(Errc::malformed, "OBIS code needs at least groups C and D", Where::byte(0));
  for (int q = 0; q < 6; ++q) code.g_[q] = g[q];
  return code;
}

Result<std::size_t> ObisCode::to_chars(std::span<char> out, ObisFormat format) const noexcept {
  char buf[kMaxChars];
  std::size_t n = 0;
  auto put_num = [&](std::uint8_t v, bool allow_letter) {
    if (allow_letter && format == ObisFormat::as_parsed && (given_ & 0x03) == 0) {
      const char l = value_letter(v);
      if (l) {
        buf[n++] = l;
        return;
      }
    }
    if (v >= 100) buf[n++] = static_cast<char>('0' + v / 100);
    if (v >= 10) buf[n++] = static_cast<char>('0' + (v / 10) % 10);
    buf[n++] = static_cast<char>('0' + v % 10);
  };
  std::uint8_t mask = kAllGroups;
  if (format == ObisFormat::compact && g_[5] == 255) mask = 0x1F;
  if (format == ObisFormat::as_parsed) mask = given_;
  if (mask & 0x01) {
    put_num(g_[0], false);
    buf[n++] = '-';
  }
  if (mask & 0x02) {
    put_num(g_[1], false);
    buf[n++] = ':';
  }
  put_num(g_[2], true);
  buf[n++] = '.';
  put_num(g_[3], true);
  if (mask & 0x10) {
    buf[n++] = '.';
    put_num(g_[4], false);
  }
  if (mask & 0x20) {
    buf[n++] = '*';
    put_num(g_[5], false);
  }
  if (n > out.size()) return fail(Errc::buffer_too_small, "output buffer too small for OBIS text", Where::byte(n));
  for (std::size_t k = 0; k < n; ++k) out[k] = buf[k];
  return n;
}

}  // namespace joule
