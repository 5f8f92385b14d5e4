// Data-line grammar shared by DSMR P1 and IEC 62056-21 (see obis_text.hpp).
#include "obis_text.hpp"

#include <array>
#include <cstdint>
#include <string_view>

#include "joule/core/civil.hpp"
#include "joule/core/decimal.hpp"
#include "joule/core/obis.hpp"
#include "joule/core/units.hpp"

namespace joule::meter::detail {
namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }
constexpr bool is_line_end(char c) noexcept { return c == '\r' || c == '\n'; }

std::uint8_t two(std::string_view s, std::size_t i) noexcept {
  return static_cast<std::uint8_t>((s[i] - '0') * 10 + (s[i + 1] - '0'));
}

bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

constexpr Reading kBlankReading{};

// Byte classes for the line scans, one table test per byte: bit 0 ends an object id ("(",
// CR, LF, a non-printable byte), bit 1 ends a group's scan (")", CR, LF, "&", and the "!"
// after the body, which the fast path uses as its sentinel), bit 2 marks "*" (the fast path
// notes whether a unit-less value holds one).
constexpr std::uint8_t kIdStop = 1;
constexpr std::uint8_t kGroupStop = 2;
constexpr std::uint8_t kStar = 4;
constexpr auto kClass = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    if (c < 0x20 || c >= 0x7F || c == '(') t[c] |= kIdStop;
    if (c == ')' || c == '\r' || c == '\n' || c == '&' || c == '!') t[c] |= kGroupStop;
    if (c == '*') t[c] |= kStar;
  }
  return t;
}();

// Up to kMaxGroups groups of one object are kept; more are counted (and stay in raw).
constexpr std::size_t kMaxGroups = 16;

struct Groups {
  std::string_view g[kMaxGroups];
  std::size_t n = 0;
  void add(std::string_view v) noexcept {
    if (n < kMaxGroups) g[n] = v;
    ++n;
  }
  std::string_view at(std::size_t i) const noexcept { return i < kMaxGroups && i < n ? g[i] : std::string_view{}; }
  std::string_view last() const noexcept { return n == 0 ? std::string_view{} : at(n > kMaxGroups ? kMaxGroups - 1 : n - 1); }
};

// The units DSMR and D0 meters send on nearly every line, decided by length and characters
// instead of the general table search (each maps as parse_scaled_unit maps it).
bool fast_unit(std::string_view u, Reading& r) noexcept {
  auto set = [&](Unit unit, std::int8_t exponent) noexcept {
    r.unit = unit;
    r.unit_exponent = exponent;
    return true;
  };
  switch (u.size()) {
    case 1:
      switch (u[0]) {
        case 'V': return set(Unit::volt, 0);
        case 'A': return set(Unit::ampere, 0);
        case 's': return set(Unit::second, 0);
        case 'W': return set(Unit::watt, 0);
        case 'h': return set(Unit::hour, 0);
        default: return false;
      }
    case 2:
      if (u[0] == 'k' && u[1] == 'W') return set(Unit::watt, 3);
      if (u[0] == 'm' && u[1] == '3') return set(Unit::cubic_metre, 0);
      if (u[0] == 'W' && u[1] == 'h') return set(Unit::watt_hour, 0);
      if (u[0] == 'G' && u[1] == 'J') return set(Unit::joule, 9);
      if (u[0] == 'H' && u[1] == 'z') return set(Unit::hertz, 0);
      return false;
    case 3:
      if (u[0] == 'k' && u[1] == 'W' && u[2] == 'h') return set(Unit::watt_hour, 3);
      if (u[0] == 'M' && u[1] == 'W' && u[2] == 'h') return set(Unit::watt_hour, 6);
      if (u == "var") return set(Unit::var, 0);
      return false;
    case 4:
      if (u == "kvar") return set(Unit::var, 3);
      if (u == "varh") return set(Unit::var_hour, 0);
      return false;
    case 5:
      if (u == "kvarh") return set(Unit::var_hour, 3);
      return false;
    default: return false;
  }
}

void set_unit(Reading& r) noexcept {
  if (fast_unit(r.unit_text, r)) return;
  auto su = parse_scaled_unit(r.unit_text);
  if (su) {
    r.unit = su->unit;
    r.unit_exponent = static_cast<std::int8_t>(su->exponent);
  }
}

// "A-B:C.D.E" and "A-B:C.D.E*F" with decimal groups (1..4 digits, value <= 255): the form
// of every DSMR line, parsed straight through without the general parser (which also
// handles letters and reduced forms). The groups stay in registers until the end.
bool fast_obis(std::string_view s, ObisCode& out) noexcept {
  const char* p = s.data();
  const char* const e = p + s.size();
  auto group = [&](unsigned& v) noexcept {
    if (p == e) return false;
    unsigned d = static_cast<unsigned char>(*p) - static_cast<unsigned>('0');
    if (d > 9) return false;
    v = d;
    ++p;
    for (int k = 1; k < 4 && p < e; ++k) {
      d = static_cast<unsigned char>(*p) - static_cast<unsigned>('0');
      if (d > 9) break;
      v = v * 10 + d;
      ++p;
    }
    return v <= 255;
  };
  auto sep = [&](char c) noexcept {
    if (p == e || *p != c) return false;
    ++p;
    return true;
  };
  unsigned a = 0, b = 0, c = 0, d = 0, x = 0, f = 255;
  if (!group(a) || !sep('-') || !group(b) || !sep(':') || !group(c) || !sep('.') || !group(d) || !sep('.') ||
      !group(x))
    return false;
  if (p != e) {
    // "*F"; a bare trailing "*" leaves F at 255.
    if (!sep('*')) return false;
    if (p != e && !group(f)) return false;
    if (p != e) return false;
  }
  out = ObisCode(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b), static_cast<std::uint8_t>(c),
                 static_cast<std::uint8_t>(d), static_cast<std::uint8_t>(x), static_cast<std::uint8_t>(f));
  return true;
}

// "digits[.digits]*unit" with at most 18 significant digits and no spaces: the form of
// nearly every DSMR/D0 value, parsed in one pass. Gives exactly what the general path
// (trim, find '*', Decimal::parse, trim unit) gives; anything else returns false and
// takes that path.
bool fast_number(std::string_view v, Reading& r) noexcept {
  const char* p = v.data();
  const char* const e = p + v.size();
  std::uint64_t m = 0;
  int significant = 0;
  int frac = 0;
  bool point = false;
  bool any = false;
  for (; p < e; ++p) {
    const unsigned d = static_cast<unsigned char>(*p) - static_cast<unsigned>('0');
    if (d <= 9) {
      any = true;
      if (m != 0 || d != 0) {
        if (significant >= 18) return false;
        m = m * 10 + d;
        ++significant;
      }
      frac += point ? 1 : 0;
    } else if (*p == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any || p == e || *p != '*' || frac > Decimal::kMaxExponent) return false;
  const std::string_view unit(p + 1, static_cast<std::size_t>(e - p - 1));
  if (unit.empty() || is_space(unit.front()) || is_space(unit.back())) return false;
  r.kind = ValueKind::number;
  r.number = Decimal(static_cast<std::int64_t>(m), -frac);
  r.unit_text = unit;
  set_unit(r);
  return true;
}

// "value*unit" / "value" / timestamp / text -> the value fields of r.
void set_value(Reading& r, std::string_view v) noexcept {
  if (fast_number(v, r)) return;
  v = trim(v);
  const std::size_t star = v.find('*');
  if (star != std::string_view::npos) {
    auto d = Decimal::parse(trim(sub(v, 0, star)));
    if (d) {
      r.kind = ValueKind::number;
      r.number = *d;
      r.unit_text = trim(sub(v, star + 1));
      set_unit(r);
      return;
    }
  }
  if (is_dsmr_time(v)) {
    Timestamp t;
    if (parse_text_time(v, t)) {
      r.kind = ValueKind::time;
      r.time = t;
      return;
    }
  }
  // Unit-less values stay text exactly as sent ("0002", "1.03"): DSMR and D0 do not say
  // whether "0002" is a number, a code or an identifier (tariff indicator, status word).
  r.kind = v.empty() ? ValueKind::none : ValueKind::text;
  r.text = v;
}

bool is_profile(const Reading& r) noexcept {
  const ObisCode& o = r.obis;
  // DSMR 5.0.2 P1 §6.12 power failure event log 1-0:99.97.0; e-MUCS 1.7.1 §6.11
  // maximum demand of the last 13 months 0-0:98.1.0; IEC 62056-21 load profile "P.01".
  if (o.c() == 99 && o.d() == 97) return true;
  if (o.a() == 0 && o.c() == 98 && o.d() == 1) return true;
  return r.name.size() >= 2 && r.name[0] == 'P' && r.name[1] == '.';
}

void interpret(Reading& r, const Groups& g) noexcept {
  if (is_profile(r)) {
    r.kind = ValueKind::profile;
    std::string_view c = g.at(0);
    std::uint32_t count = 0;
    if (all_digits(c) && c.size() <= 9)
      for (char ch : c) count = count * 10 + static_cast<std::uint32_t>(ch - '0');
    r.count = count;
    return;
  }
  // DSMR 2.2 / 3.0 gas: 0-n:24.3.0(ts)(00)(60)(1)(0-n:24.2.1)(m3)<CR LF>(value)
  // (DSMR 3.0 P1 §5.5: the value follows on the next line, no DST flag).
  if (g.n >= 7 && r.obis.c() == 24 && r.obis.d() == 3) {
    Timestamp t;
    if (parse_text_time(g.at(0), t)) {
      r.has_capture_time = true;
      r.capture_time = t;
    }
    auto d = Decimal::parse(trim(g.last()));
    if (d) {
      r.kind = ValueKind::number;
      r.number = *d;
      r.unit_text = trim(g.at(5));
      set_unit(r);
    } else {
      set_value(r, g.last());
    }
    return;
  }
  if (g.n >= 2) {
    Timestamp t;
    if (is_dsmr_time(g.at(0)) && parse_text_time(g.at(0), t)) {
      // DSMR 5.0.2 P1 §6.4 M-Bus values 0-n:24.2.1(TST)(value*unit); e-MUCS 1-0:1.6.0 peak.
      r.has_capture_time = true;
      r.capture_time = t;
      set_value(r, g.last());
      return;
    }
    set_value(r, g.at(0));
    // IEC 62056-21 maximum demand: "1.6.0(02.468*kW)(1703100930)" value then time.
    std::string_view t1 = g.at(1);
    if ((t1.size() == 10 || t1.size() == 12 || is_dsmr_time(t1)) && parse_text_time(t1, t)) {
      r.has_capture_time = true;
      r.capture_time = t;
    }
    return;
  }
  set_value(r, g.at(0));
}

#if JOULE_METER_FAST_TEXT
// ------------------------------------------------------------------ fast path

// The object in its common shape: an id "A-B:C.D.E[*F]" that fast_obis takes and one or
// two groups. A continuation line may still follow; decode_lines then undoes the reading
// and interprets it with all its groups, as the general path does.
// Parsed in one pass over the bytes, relying on the "!" after the body as the sentinel
// (no byte of the body is "!", and every scan below stops on it). Decides nothing the
// general path would decide differently: anything else returns false before a write.
struct FastObject {
  ObisCode obis;
  const char* open;    // "("
  const char* close;   // ")"
  const char* star;    // the "*" before the unit of a fast number; else the first "*" or nullptr
  const char* second;  // "(" of a second group (M-Bus value with capture time, maximum demand), or nullptr
  const char* end;     // after the last ")"
  bool number;         // the first group is "digits[.digits]*unit" as fast_number takes it
  std::uint64_t mantissa;
  int frac;
};

inline unsigned digit_of(const char* p) noexcept {
  return static_cast<unsigned>(static_cast<unsigned char>(*p)) - static_cast<unsigned>('0');
}

// 1..4 digits, value <= 255 (fast_obis's group).
inline bool obis_group(const char*& p, unsigned& out) noexcept {
  unsigned d = digit_of(p);
  if (d > 9) return false;
  unsigned v = d;
  ++p;
  for (int k = 1; k < 4; ++k) {
    d = digit_of(p);
    if (d > 9) break;
    v = v * 10 + d;
    ++p;
  }
  out = v;
  return v <= 255;
}

// Not inlined: inside the line loop its locals lived on the stack.
[[gnu::noinline]] bool fast_object(const char* p, FastObject& f) noexcept {
  unsigned a = 0, b = 0, c = 0, d = 0, e = 0, x = 255;
  if (!obis_group(p, a) || *p != '-' || !obis_group(++p, b) || *p != ':' || !obis_group(++p, c) || *p != '.' ||
      !obis_group(++p, d) || *p != '.' || !obis_group(++p, e))
    return false;
  if (*p == '*') {
    ++p;
    if (*p != '(' && !obis_group(p, x)) return false;
  }
  if (*p != '(') return false;
  // Objects the general path interprets otherwise: the profile buffers (is_profile).
  if ((c == 99 && d == 97) || (a == 0 && c == 98 && d == 1)) return false;
  f.obis = ObisCode(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b), static_cast<std::uint8_t>(c),
                    static_cast<std::uint8_t>(d), static_cast<std::uint8_t>(e), static_cast<std::uint8_t>(x));
  f.open = p++;
  // The value in fast_number's grammar: integer digits, then "." and fraction digits; the
  // leading zeros are not significant (at most 18 significant digits fit). A mantissa that
  // overflows has more than 18 and is not taken.
  const char* const value = p;
  std::uint64_t m = 0;
  int significant = 0;
  unsigned dg = 0;
  while (*p == '0') ++p;
  while ((dg = digit_of(p)) <= 9) {
    m = m * 10 + dg;
    ++significant;
    ++p;
  }
  int digits = static_cast<int>(p - value);
  int frac = 0;
  if (*p == '.') {
    const char* const fraction = ++p;
    if (m == 0)
      while (*p == '0') ++p;
    while ((dg = digit_of(p)) <= 9) {
      m = m * 10 + dg;
      ++significant;
      ++p;
    }
    frac = static_cast<int>(p - fraction);
    digits += frac;
  }
  f.star = nullptr;
  f.number = false;
  if (digits > 0 && significant <= 18 && *p == '*' && frac <= Decimal::kMaxExponent) {
    f.star = p++;
    const char* const unit = p;
    while ((kClass[static_cast<unsigned char>(*p)] & kGroupStop) == 0) ++p;
    f.number = p != unit && !is_space(*unit) && !is_space(p[-1]);
    f.mantissa = m;
    f.frac = frac;
  } else {
    // Anything else up to ")", noting the first "*" (then set_value decides, as the general path does).
    while (true) {
      const std::uint8_t k = kClass[static_cast<unsigned char>(*p)];
      if ((k & kGroupStop) != 0) break;
      if ((k & kStar) != 0 && f.star == nullptr) f.star = p;
      ++p;
    }
  }
  if (*p != ')') return false;  // "&", a line break or the end: the general path
  f.close = p++;
  f.second = nullptr;
  if (*p == '(') {
    // A second group; a third one is left to the general path (profile logs, DSMR 3 gas).
    f.second = p++;
    while ((kClass[static_cast<unsigned char>(*p)] & kGroupStop) == 0) ++p;
    if (*p != ')') return false;
    ++p;
  }
  f.end = p;
  return *p != '(';  // a third group: the general path
}

// The reading of a fast object: what interpret() gives for its groups.
void set_fast_value(Reading& r, const FastObject& f) noexcept {
  const std::string_view v(f.open + 1, static_cast<std::size_t>(f.close - f.open - 1));
  if (f.second != nullptr) {
    Groups g;
    g.add(v);
    g.add(std::string_view(f.second + 1, static_cast<std::size_t>(f.end - f.second - 2)));
    interpret(r, g);
    return;
  }
  if (f.number) {
    r.kind = ValueKind::number;
    r.number = Decimal(static_cast<std::int64_t>(f.mantissa), -f.frac);
    r.unit_text = std::string_view(f.star + 1, static_cast<std::size_t>(f.close - f.star - 1));
    set_unit(r);
    return;
  }
  if (f.star != nullptr) {
    set_value(r, v);
    return;
  }
  // No "*": set_value's text/time branch.
  const std::string_view t = trim(v);
  if (t.size() == 13 && is_dsmr_time(t)) {
    Timestamp ts;
    if (parse_text_time(t, ts)) {
      r.kind = ValueKind::time;
      r.time = ts;
      return;
    }
  }
  r.kind = t.empty() ? ValueKind::none : ValueKind::text;
  r.text = t;
}
#endif  // JOULE_METER_FAST_TEXT

// ------------------------------------------------------------------ load profiles

// "P.01" / "P.02" (IEC 62056-21 load profile, read with R5/R6 "P.01(from;to)"; the
// layout of DIN 43863-3 / VDEW specification 2.1 §4.7 that meters implement):
//   P.01(sYYMMDDhhmm[ss])(status)(period min)(n)(id 1)(unit 1)...(id n)(unit n)
//   (value 1)...(value n)          <- one row per period
// The header may be followed by another header (a status change or clock set starts a
// new block; it is a new object). s is the season digit: 0 normal time, 1 summer time,
// 2 UTC. The time stamp is the end of the first row's period; row k ends k periods later.
bool is_load_profile(const Reading& r) noexcept {
  return r.kind == ValueKind::profile && r.name.size() == 4 && r.name[0] == 'P' && r.name[1] == '.' &&
         is_digit(r.name[2]) && is_digit(r.name[3]);
}

// The next "(...)" of `raw` from `pos`, or false at the end.
bool next_group(std::string_view raw, std::size_t& pos, std::string_view& group) noexcept {
  while (pos < raw.size() && raw[pos] != '(') ++pos;
  if (pos >= raw.size()) return false;
  std::size_t close = pos + 1;
  while (close < raw.size() && raw[close] != ')') ++close;
  if (close >= raw.size()) return false;  // decode_data_lines checked every group is closed
  group = std::string_view(raw.data() + pos + 1, close - pos - 1);
  pos = close + 1;
  return true;
}

bool small_number(std::string_view s, std::uint32_t max, std::uint32_t& out) noexcept {
  if (s.empty() || s.size() > 9 || !all_digits(s)) return false;
  std::uint32_t v = 0;
  for (char c : s) v = v * 10 + static_cast<std::uint32_t>(c - '0');
  if (v > max) return false;
  out = v;
  return true;
}

// The header's time stamp: season digit + 10 or 12 digits, or 10/12 digits alone.
bool profile_time(std::string_view s, Timestamp& out) noexcept {
  char season = 0;
  if ((s.size() == 11 || s.size() == 13) && all_digits(s)) {
    season = s[0];
    s = sub(s, 1);
  }
  if (season > '2' || !parse_text_time(s, out)) return false;
  if (season == '0') out.dst = Timestamp::Dst::winter;
  if (season == '1') out.dst = Timestamp::Dst::summer;
  if (season == '2') {  // UTC: the offset is known
    out.has_offset = true;
    out.offset_min = 0;
    auto utc = to_unix_seconds(out.civil, 0);
    out.has_utc = utc.has_value();
    out.utc_s = utc ? *utc : 0;
  }
  return true;
}

// One Reading per value of every row, after the header reading: id and unit from the
// header, capture time = header time + row * period. The header reading keeps kind profile
// with count = rows. A header that is not of this layout is left as it is (count 0).
Result<void> expand_load_profile(Reading& header, Telegram& out) noexcept {
  constexpr std::uint32_t kMaxColumns = 64;
  std::string_view raw = header.raw;
  std::size_t pos = 0;
  std::string_view g[4];
  for (auto& x : g)
    if (!next_group(raw, pos, x)) return {};
  Timestamp start;
  std::uint32_t period_min = 0;
  std::uint32_t columns = 0;
  if (!profile_time(g[0], start) || !small_number(g[2], 24 * 60, period_min) || period_min == 0 ||
      !small_number(g[3], kMaxColumns, columns) || columns == 0)
    return {};
  std::uint32_t status = 0;
  bool has_status = !g[1].empty() && g[1].size() <= 8;
  for (char c : g[1]) {
    const int h = hex_value(static_cast<std::uint8_t>(c));
    if (h < 0) has_status = false;
    else status = status << 4 | static_cast<std::uint32_t>(h);
  }
  // Ids and units of the columns: kept as positions, read again per row (no table needed).
  const std::size_t columns_at = pos;
  std::string_view id, unit;
  for (std::uint32_t c = 0; c < columns; ++c)
    if (!next_group(raw, pos, id) || !next_group(raw, pos, unit)) return {};

  header.has_capture_time = true;
  header.capture_time = start;
  header.has_status = has_status;
  header.status = status;

  // A naive local time line for the arithmetic (no zone is sent; UTC when season is 2).
  auto base = to_unix_seconds(start.civil, 0);
  if (!base) return {};
  std::uint32_t rows = 0;
  std::uint32_t col = 0;
  std::size_t col_pos = columns_at;
  std::string_view value;
  while (next_group(raw, pos, value)) {
    if (col == 0) col_pos = columns_at;
    (void)next_group(raw, col_pos, id);
    (void)next_group(raw, col_pos, unit);
    JOULE_RETURN_IF_ERROR(out.readings.push_back(kBlankReading));
    Reading& r = out.readings.back();
    r.name = trim(id);
    if (!fast_obis(r.name, r.obis)) {
      auto code = ObisCode::parse(r.name);
      if (code) r.obis = *code;
    }
    r.raw = std::string_view(value.data() - 1, value.size() + 2);
    r.has_status = has_status;
    r.status = status;
    r.has_capture_time = true;
    Timestamp t = start;
    const std::int64_t at = *base + static_cast<std::int64_t>(rows) * period_min * 60;
    t.civil = civil_from_unix_seconds(at);
    if (t.has_utc) t.utc_s = at;
    r.capture_time = t;
    auto d = Decimal::parse(trim(value));
    if (d) {
      r.kind = ValueKind::number;
      r.number = *d;
      r.unit_text = trim(unit);
      set_unit(r);
    } else {
      set_value(r, value);  // "" (no value for this period), or text as sent
    }
    if (++col == columns) {
      col = 0;
      ++rows;
    }
  }
  header.count = rows + (col != 0 ? 1 : 0);
  return {};
}

}  // namespace

bool is_dsmr_time(std::string_view s) noexcept {
  return s.size() == 13 && (s[12] == 'W' || s[12] == 'S') && all_digits(sub(s, 0, 12));
}

bool parse_text_time(std::string_view s, Timestamp& out) noexcept {
  Timestamp t;
  std::string_view digits = s;
  if (s.size() == 13 && (s[12] == 'W' || s[12] == 'S')) {
    // DSMR 5.0.2 P1 §6.4: "W" winter (CET, +01:00), "S" summer (CEST, +02:00).
    t.dst = s[12] == 'S' ? Timestamp::Dst::summer : Timestamp::Dst::winter;
    t.has_offset = true;
    t.offset_min = s[12] == 'S' ? 120 : 60;
    digits = sub(s, 0, 12);
  }
  if ((digits.size() != 12 && digits.size() != 10) || !all_digits(digits)) return false;
  t.civil.year = 2000 + two(digits, 0);
  t.civil.month = two(digits, 2);
  t.civil.day = two(digits, 4);
  t.civil.hour = two(digits, 6);
  t.civil.minute = two(digits, 8);
  t.civil.second = digits.size() == 12 ? two(digits, 10) : 0;
  if (t.has_offset) {
    auto utc = to_unix_seconds(t.civil, t.offset_min * 60);
    if (utc) {
      t.has_utc = true;
      t.utc_s = *utc;
    }
  }
  out = t;
  return true;
}

namespace {
template <bool kFast>
Result<void> decode_lines(std::string_view body, std::size_t body_offset, Telegram& out) noexcept {
  const std::size_t n = body.size();
  std::size_t i = 0;
  Reading* prev = nullptr;  // the object a "(" line continues
  Groups group_store[2];
  int cur = 0;
  Groups* prev_groups_ptr = &group_store[1];
  bool prev_done = false;  // prev was decoded on the fast path (interpreted already)
  auto finish = [&]() noexcept -> Result<void> {
    if (prev == nullptr || (kFast && prev_done)) return {};
    interpret(*prev, *prev_groups_ptr);
    if (is_load_profile(*prev)) return expand_load_profile(*prev, out);
    return {};
  };
  bool line_start = true;
  bool any_amp = false;  // some group holds "&": run the multi-value pass
  while (i < n) {
    const char c = body[i];
    if (is_line_end(c)) {
      line_start = true;
      ++i;
      continue;
    }
    if (is_space(c) || c == 0x02) {
      ++i;
      continue;
    }
    if (c == '(' && line_start && prev != nullptr) {
      // Continuation line: more groups of the previous object.
      any_amp = true;  // rare: let the multi-value pass below look at this object
      if (kFast && prev_done) {
        // A fast-path object with a continuation line: back to a blank reading with its
        // id and groups, interpreted by finish() like any other.
        const std::string_view name = prev->name, raw = prev->raw;
        const ObisCode obis = prev->obis;
        *prev = kBlankReading;
        prev->name = name;
        prev->obis = obis;
        prev->raw = raw;
        prev_done = false;
      }
      const char* raw_begin = prev->raw.data();
      while (i < n && body[i] == '(') {
        const std::size_t close = body.find(')', i + 1);
        if (close == std::string_view::npos) return fail(Errc::malformed, "unclosed '(' in data line", Where::byte(body_offset + i));
        prev_groups_ptr->add(sub(body, i + 1, close - i - 1));
        i = close + 1;
        prev->raw = std::string_view(raw_begin, static_cast<std::size_t>(body.data() + i - raw_begin));
      }
      line_start = false;
      continue;
    }
#if JOULE_METER_FAST_TEXT
    if constexpr (kFast) {
      FastObject f;
      if (fast_object(body.data() + i, f)) {
        JOULE_RETURN_IF_ERROR(finish());
        JOULE_RETURN_IF_ERROR(out.readings.push_back(kBlankReading));
        Reading& r = out.readings.back();
        r.name = std::string_view(body.data() + i, static_cast<std::size_t>(f.open - (body.data() + i)));
        r.obis = f.obis;
        r.raw = std::string_view(f.open, static_cast<std::size_t>(f.end - f.open));
        set_fast_value(r, f);
        Groups& groups = group_store[cur];
        groups.n = 0;
        groups.add(std::string_view(f.open + 1, static_cast<std::size_t>(f.close - f.open - 1)));
        if (f.second != nullptr)
          groups.add(std::string_view(f.second + 1, static_cast<std::size_t>(f.end - f.second - 2)));
        prev = &r;
        prev_groups_ptr = &groups;
        prev_done = true;
        cur ^= 1;
        i = static_cast<std::size_t>(f.end - body.data());
        line_start = false;
        continue;
      }
    }
#endif
    // An object id runs up to "(" on this line; ids must be printable.
    // One table test per byte; the stop byte then says which case it is.
    std::size_t j = i;
    while (j < n && (kClass[static_cast<unsigned char>(body[j])] & (kIdStop | kGroupStop)) == 0) ++j;
    bool printable = true;
    while (j < n && body[j] != '(' && !is_line_end(body[j])) {  // a non-printable byte: rare
      printable = false;
      ++j;
    }
    if (j >= n || body[j] != '(' || !printable || j == i || j - i > 32) {
      // Not an object (trailer text, 0xFF fill): skip the rest of the line.
      while (j < n && !is_line_end(body[j])) ++j;
      i = j;
      continue;
    }
    JOULE_RETURN_IF_ERROR(finish());
    Groups& groups = group_store[cur];
    groups.n = 0;
    std::size_t k = j;
    while (k < n && body[k] == '(') {
      // One pass to ")" that also catches line breaks and notes "&" (multi-value sets).
      std::size_t q = k + 1;
      while (q < n && (kClass[static_cast<unsigned char>(body[q])] & kGroupStop) == 0) ++q;
      while (q < n && body[q] == '&') {  // multi-value data set: note it, go on
        any_amp = true;
        ++q;
        while (q < n && (kClass[static_cast<unsigned char>(body[q])] & kGroupStop) == 0) ++q;
      }
      if (q >= n || body[q] != ')') {
        if (q >= n || body.find(')', q) == std::string_view::npos)
          return fail(Errc::malformed, "unclosed '(' in data line", Where::byte(body_offset + k));
        // A group never spans lines (IEC 62056-21 §6.5: no CR/LF inside a data set).
        return fail(Errc::malformed, "line break inside '(...)'", Where::byte(body_offset + q));
      }
      groups.add(std::string_view(body.data() + k + 1, q - k - 1));
      k = q + 1;
    }
    // The reading is written in place (a copy of a blank one, then its fields): building it
    // on the stack and copying it in cost more than parsing the line.
    JOULE_RETURN_IF_ERROR(out.readings.push_back(kBlankReading));
    Reading& r = out.readings.back();
    std::string_view id = trim(sub(body, i, j - i));
    r.name = id;
    if (!fast_obis(id, r.obis)) {
      auto code = ObisCode::parse(id);
      if (code) r.obis = *code;
    }
    r.raw = sub(body, j, k - j);
    prev = &r;
    prev_done = false;
    prev_groups_ptr = &group_store[cur];
    cur ^= 1;
    i = k;
    line_start = false;
  }
  JOULE_RETURN_IF_ERROR(finish());

  // Extra values of IEC 62056-21 multi-value data sets "9.4(088*C&082*C)" become
  // readings of the same id with group 1, 2, ... (the first stays group 0).
  const std::size_t count = any_amp ? out.readings.size() : 0;
  for (std::size_t x = 0; x < count; ++x) {
    Reading& r = out.readings[x];
    if ((r.kind != ValueKind::text && r.kind != ValueKind::number) || r.raw.find('&') == std::string_view::npos) continue;
    std::string_view inner = sub(r.raw, 1, r.raw.find(')') - 1);
    if (inner.find('&') == std::string_view::npos) continue;
    std::uint8_t group = 0;
    std::size_t start = 0;
    Reading base = r;
    while (start <= inner.size()) {
      std::size_t amp = inner.find('&', start);
      if (amp == std::string_view::npos) amp = inner.size();
      Reading part = base;
      part.kind = ValueKind::none;
      part.unit_text = {};
      part.unit = Unit::none;
      part.unit_exponent = 0;
      part.text = {};
      set_value(part, sub(inner, start, amp - start));
      part.group = group;
      if (group == 0) out.readings[x] = part;
      else JOULE_RETURN_IF_ERROR(out.readings.push_back(part));
      ++group;
      start = amp + 1;
    }
  }

  // Telegram-level fields.
  for (const Reading& r : out.readings) {
    const ObisCode& o = r.obis;
    if (r.kind == ValueKind::time && o.a() == 0 && o.c() == 1 && o.d() == 0 && o.e() == 0 && !out.has_timestamp) {
      out.has_timestamp = true;
      out.timestamp = r.time;
    } else if (o.c() == 0 && o.d() == 2 && o.e() == 8 && out.version.empty() && r.kind == ValueKind::text) {
      out.version = r.text;  // DSMR 5.0.2 P1 §6.4 1-3:0.2.8 version information
    } else if (o.a() == 0 && o.c() == 96 && o.d() == 1 && o.e() == 4 && out.version.empty() && r.kind == ValueKind::text) {
      out.version = r.text;  // e-MUCS 1.7.1 0-0:96.1.4 version information
    }
  }
  return {};
}
}  // namespace

Result<void> decode_data_lines(std::string_view body, std::size_t body_offset, Telegram& out) noexcept {
  return decode_lines<JOULE_METER_FAST_TEXT != 0>(body, body_offset, out);
}

#if JOULE_METER_FAST_TEXT
Result<void> decode_data_lines_general(std::string_view body, std::size_t body_offset, Telegram& out) noexcept {
  return decode_lines<false>(body, body_offset, out);
}
#endif

}  // namespace joule::meter::detail
