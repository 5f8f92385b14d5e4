// SML 1.04 transport splitter and message decoder (freestanding).
#include "joule/meter/sml.hpp"

#include <limits>

#include "joule/core/crc.hpp"

namespace joule::meter::sml {
namespace {

constexpr std::uint64_t kStartPattern = 0x1B1B1B1B01010101ULL;  // §8.1: escape + version 1 start

bool is_group(std::span<const std::uint8_t> g, std::uint8_t b) noexcept {
  return g[0] == b && g[1] == b && g[2] == b && g[3] == b;
}

}  // namespace

// ------------------------------------------------------------------ splitter

namespace {
inline std::uint32_t load32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
// True when one of the four bytes of x is 0x1B (the classic "has zero byte" test on x ^ 1B1B1B1B).
inline bool has_escape_byte(std::uint32_t x) noexcept {
  const std::uint32_t v = x ^ 0x1B1B1B1BU;
  return ((v - 0x01010101U) & ~v & 0x80808080U) != 0;
}
}  // namespace

void Splitter::reset() noexcept {
  len_ = 0;
  crc_done_ = 0;
  state_ = State::hunt;
  hunt_ones_ = 0;
  hunt_start_ = 0;
  escape_pending_ = false;
  tail_ = 0;
}

void Splitter::begin_frame() noexcept {
  len_ = 0;
  if (buf_.size() >= 8) {
    for (int i = 0; i < 4; ++i) buf_[len_++] = 0x1B;
    for (int i = 0; i < 4; ++i) buf_[len_++] = 0x01;
  }
  crc_ = 0xFFFF;  // CRC-16/X-25 init
  crc_done_ = 0;
  state_ = State::body;
  escape_pending_ = false;
  tail_ = kStartPattern;
  hunt_ones_ = 0;
  hunt_start_ = 0;
}

void Splitter::crc_upto(std::size_t end) noexcept {
  if (end <= crc_done_) return;
  crc_ = detail::crc16_x25_update(crc_, std::span<const std::uint8_t>(buf_.data() + crc_done_, end - crc_done_));
  crc_done_ = end;
}

FeedResult Splitter::feed(std::span<const std::uint8_t> input) noexcept {
  FeedResult r;
  std::size_t hunted = 0;
  std::size_t i = 0;
  const std::size_t n = input.size();
  while (i < n) {
    if (state_ == State::hunt) {
      const std::uint8_t b = input[i++];
      ++hunted;
      // Match 1B 1B 1B 1B 01 01 01 01; a longer run of 1B keeps the last four.
      if (hunt_start_ == 0 && b == 0x1B) {
        if (hunt_ones_ < 4) ++hunt_ones_;
        continue;
      }
      if (hunt_ones_ == 4 && b == 0x01) {
        if (++hunt_start_ == 4) {
          r.skipped += hunted > 8 ? hunted - 8 : 0;
          hunted = 0;
          if (buf_.size() < 16) {
            reset();
            r.consumed = i;
            r.status = FeedStatus::dropped;
            r.error = Error(Errc::buffer_too_small, "SML splitter buffer shorter than 16 bytes", Where::byte(i));
            return r;
          }
          begin_frame();
        }
        continue;
      }
      hunt_ones_ = b == 0x1B ? 1 : 0;
      hunt_start_ = 0;
      continue;
    }
    // Fast path: at a group boundary, with no escape pending and no 1B among the last four
    // bytes, whole 4-byte groups without a 1B byte are plain payload (§8.1 escapes are aligned).
    if (!escape_pending_ && (len_ & 3U) == 0 && !has_escape_byte(static_cast<std::uint32_t>(tail_))) {
      std::size_t k = i;
      while (n - k >= 4 && !has_escape_byte(load32(&input[k]))) k += 4;
      const std::size_t run = k - i;
      if (run > 0) {
        if (buf_.size() - len_ < run) {
          reset();
          r.consumed = i + run;  // the rest of an oversize frame is discarded
          r.status = FeedStatus::dropped;
          r.error = Error(Errc::buffer_too_small, "SML frame longer than the splitter buffer", Where::byte(i));
          return r;
        }
        for (std::size_t q = 0; q < run; ++q) buf_[len_ + q] = input[i + q];
        len_ += run;
        i = k;
        for (std::size_t q = len_ - 8; q < len_; ++q) tail_ = (tail_ << 8) | buf_[q];
        continue;
      }
    }
    // Slow path: one byte.
    const std::uint8_t b = input[i++];
    if (len_ >= buf_.size()) {
      reset();
      r.consumed = i;
      r.status = FeedStatus::dropped;
      r.error = Error(Errc::buffer_too_small, "SML frame longer than the splitter buffer", Where::byte(buf_.size()));
      return r;
    }
    buf_[len_++] = b;
    tail_ = (tail_ << 8) | b;
    if ((len_ & 3U) != 0) {
      // A start sequence off the 4-byte grid: the meter restarted mid-frame (torn frame).
      if (tail_ == kStartPattern) {
        begin_frame();
        r.consumed = i;
        r.status = FeedStatus::dropped;
        r.error = Error(Errc::malformed, "torn SML frame: new start sequence inside a frame", Where::byte(i - 1));
        return r;
      }
      continue;
    }
    const auto group = std::span<const std::uint8_t>(buf_.data() + len_ - 4, 4);
    if (!escape_pending_) {
      escape_pending_ = is_group(group, 0x1B);
      continue;
    }
    escape_pending_ = false;
    if (is_group(group, 0x1B)) continue;  // escaped 1B1B1B1B in the payload (§8.1)
    r.consumed = i;
    if (is_group(group, 0x01)) {
      begin_frame();
      r.status = FeedStatus::dropped;
      r.error = Error(Errc::malformed, "torn SML frame: new start sequence inside a frame", Where::byte(i - 1));
      return r;
    }
    if (group[0] == 0x1A) {
      // End of frame: CRC-16/X-25 over everything up to the padding count (see check_frame).
      state_ = State::hunt;
      crc_upto(len_ - 2);
      const std::uint16_t crc = static_cast<std::uint16_t>(crc_ ^ 0xFFFF);
      const bool le = group[2] == (crc & 0xFF) && group[3] == (crc >> 8);
      const bool be = group[3] == (crc & 0xFF) && group[2] == (crc >> 8);
      if (le || be) {
        r.status = FeedStatus::frame;
        r.frame = std::span<const std::uint8_t>(buf_.data(), len_);
      } else {
        r.status = FeedStatus::dropped;
        r.error = Error(Errc::checksum_mismatch, "SML transport CRC-16/X-25 does not match", Where::byte(i - 2));
      }
      return r;
    }
    reset();
    r.status = FeedStatus::dropped;
    r.error = Error(Errc::malformed, "SML escape sequence followed by an unknown command", Where::byte(i - 1));
    return r;
  }
  r.consumed = n;
  // Keep the CRC current so a frame's end costs no second pass.
  // Whole groups can never hold the CRC bytes, which end the final group.
  if (state_ == State::body) crc_upto(len_ & ~std::size_t{3});
  // Bytes that may still begin a start sequence are not counted as skipped yet.
  const std::size_t pending = static_cast<std::size_t>(hunt_ones_) + hunt_start_;
  if (state_ == State::hunt && hunted > pending) r.skipped += hunted - pending;
  return r;
}

Result<std::span<const std::uint8_t>> check_frame(std::span<const std::uint8_t> f) noexcept {
  if (f.size() < 16) return fail(Errc::incomplete, "SML frame shorter than start and end sequences", Where::byte(f.size()));
  const std::size_t n = f.size();
  if (!is_group(f.first(4), 0x1B) || !is_group(f.subspan(4, 4), 0x01))
    return fail(Errc::malformed, "SML frame does not begin with 1B1B1B1B 01010101", Where::byte(0));
  if (!is_group(f.subspan(n - 8, 4), 0x1B) || f[n - 4] != 0x1A)
    return fail(Errc::malformed, "SML frame does not end with 1B1B1B1B 1A", Where::byte(n - 8));
  // CRC-16/X-25 over start sequence .. padding count (§8.1). DNT/EMH meters send it
  // low byte first, the reference implementation's writer high byte first: accept both.
  const std::uint16_t crc = crc16_x25(f.first(n - 2));
  const bool le = f[n - 2] == (crc & 0xFF) && f[n - 1] == (crc >> 8);
  const bool be = f[n - 1] == (crc & 0xFF) && f[n - 2] == (crc >> 8);
  if (!le && !be) return fail(Errc::checksum_mismatch, "SML transport CRC-16/X-25 does not match", Where::byte(n - 2));
  const std::uint8_t pad = f[n - 3];
  std::span<const std::uint8_t> payload = f.subspan(8, n - 16);
  // Quirk: a padding count beyond 3 or beyond the payload is ignored (the CRC matched).
  if (pad <= 3 && pad <= payload.size()) payload = payload.first(payload.size() - pad);
  return payload;
}

// ------------------------------------------------------------------ TLV decoder

namespace {

enum : std::uint8_t { kOctet = 0, kBool = 4, kInt = 5, kUint = 6, kList = 7 };

struct Tl {
  std::uint8_t type = 0;
  std::size_t len = 0;  // list: elements; others: payload bytes (TL bytes excluded)
  bool absent = false;  // 0x01: optional field not set
};

constexpr int kMaxDepth = 12;

class Reader {
 public:
  Reader(std::span<const std::uint8_t> d, std::size_t base) noexcept : d_(d), base_(base) {}

  bool done() const noexcept { return pos_ >= d_.size(); }
  std::uint8_t peek() const noexcept { return d_[pos_]; }
  void skip_byte() noexcept { ++pos_; }
  std::size_t where() const noexcept { return base_ + pos_; }
  Error err(Errc c, const char* m) const noexcept { return Error(c, m, Where::byte(where())); }

  // §6.3.1: bit 7 "more TL bytes", bits 6..4 type, bits 3..0 length nibble.
  Result<Tl> tl() noexcept {
    if (done()) return fail(err(Errc::malformed, "SML data ends inside a message"));
    std::uint8_t b = d_[pos_++];
    Tl t;
    t.type = static_cast<std::uint8_t>((b >> 4) & 0x07);
    std::size_t len = b & 0x0F;
    std::size_t tl_bytes = 1;
    while (b & 0x80) {
      if (done()) return fail(err(Errc::malformed, "SML type-length field ends early"));
      if (tl_bytes >= 4) return fail(err(Errc::malformed, "SML length field longer than 4 bytes"));
      b = d_[pos_++];
      if ((b & 0x70) != 0) return fail(err(Errc::malformed, "SML length continuation byte with a type"));
      len = (len << 4) | (b & 0x0F);
      ++tl_bytes;
    }
    if (t.type == kList) {
      t.len = len;
      if (len > d_.size() - pos_) return fail(err(Errc::malformed, "SML list longer than the data"));
      return t;
    }
    if (t.type != kOctet && t.type != kBool && t.type != kInt && t.type != kUint)
      return fail(err(Errc::malformed, "SML type-length field of unknown type"));
    if (len == 0 && tl_bytes == 1 && t.type == kOctet)  // 0x00 is EndOfSmlMsg, handled by the caller
      return fail(err(Errc::malformed, "unexpected end-of-message marker"));
    if (len < tl_bytes) return fail(err(Errc::malformed, "SML length shorter than its own TL field"));
    t.len = len - tl_bytes;
    t.absent = t.type == kOctet && t.len == 0 && tl_bytes == 1;
    if (t.len > d_.size() - pos_) return fail(err(Errc::malformed, "SML field longer than the data"));
    return t;
  }

  std::span<const std::uint8_t> take(std::size_t n) noexcept {
    auto s = d_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

  // Skips one element (any type, nested lists up to kMaxDepth).
  Result<void> skip(int depth = 0) noexcept {
    if (depth > kMaxDepth) return fail(err(Errc::malformed, "SML lists nested too deeply"));
    JOULE_TRY(const Tl t, tl());
    if (t.type == kList) {
      for (std::size_t i = 0; i < t.len; ++i) JOULE_RETURN_IF_ERROR(skip(depth + 1));
      return {};
    }
    pos_ += t.len;
    return {};
  }

  // An integer of any width 1..8 (quirk: meters use 3, 5, 6, 7-byte integers too).
  struct Int {
    bool present = false;
    bool is_signed = false;
    std::uint64_t bits = 0;  // sign-extended for signed
  };
  Result<Int> integer() noexcept {
    const std::size_t at = where();
    JOULE_TRY(const Tl t, tl());
    Int v;
    if (t.absent) return v;
    if (t.type != kInt && t.type != kUint && t.type != kBool)
      return fail(Errc::malformed, "SML field should be an integer", Where::byte(at));
    if (t.len == 0 || t.len > 8) return fail(Errc::malformed, "SML integer of 0 or more than 8 bytes", Where::byte(at));
    auto bytes = take(t.len);
    std::uint64_t x = 0;
    for (auto b : bytes) x = (x << 8) | b;
    if (t.type == kInt && t.len < 8 && (bytes[0] & 0x80)) x |= ~std::uint64_t{0} << (8 * t.len);
    v.present = true;
    v.is_signed = t.type == kInt;
    v.bits = x;
    return v;
  }

  Result<std::span<const std::uint8_t>> octets(bool* present) noexcept {
    const std::size_t at = where();
    JOULE_TRY(const Tl t, tl());
    if (t.type != kOctet) return fail(Errc::malformed, "SML field should be an octet string", Where::byte(at));
    *present = !t.absent;
    return take(t.len);
  }

 private:
  std::span<const std::uint8_t> d_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

struct Ctx {
  Telegram& out;
  std::span<std::uint8_t> scratch;  // for the hex identifier
};

// SML_Time (§6.3.3 / §7.1.9): choice list {secIndex, timestamp, localTimestamp}, or
// (quirk) a bare unsigned32. Sets `ts` only for real times (not the seconds index).
Result<void> read_time(Reader& rd, bool* has, Timestamp* ts) noexcept {
  *has = false;
  const std::size_t at = rd.where();
  if (rd.done()) return fail(rd.err(Errc::malformed, "SML data ends inside a message"));
  if (rd.peek() == 0x01) {
    rd.skip_byte();
    return {};
  }
  if ((rd.peek() & 0x70) != 0x70) {  // bare unsigned: a seconds index
    JOULE_TRY(const auto v, rd.integer());
    (void)v;
    return {};
  }
  JOULE_TRY(const Tl t, rd.tl());
  if (t.len != 2) return fail(Errc::malformed, "SML_Time is not a 2-element choice", Where::byte(at));
  JOULE_TRY(const auto choice, rd.integer());
  if (!choice.present) return fail(Errc::malformed, "SML_Time without its choice tag", Where::byte(at));
  std::int64_t utc = 0;
  std::int32_t offset_min = 0;
  if (choice.bits == 1 || choice.bits == 2) {
    JOULE_TRY(const auto v, rd.integer());
    if (!v.present) return fail(Errc::malformed, "SML_Time value missing", Where::byte(at));
    if (choice.bits == 1) return {};  // secIndex: a meter-internal second counter, not a time
    utc = static_cast<std::int64_t>(v.bits & 0xFFFFFFFFULL);
  } else if (choice.bits == 3) {
    // localTimestamp: {timestamp u32 (UTC), localOffset i16 [min], seasonTimeOffset i16 [min]}.
    JOULE_TRY(const Tl lt, rd.tl());
    if (lt.type != kList || lt.len != 3) return fail(Errc::malformed, "SML localTimestamp is not a 3-element list", Where::byte(at));
    JOULE_TRY(const auto v, rd.integer());
    JOULE_TRY(const auto lo, rd.integer());
    JOULE_TRY(const auto so, rd.integer());
    utc = static_cast<std::int64_t>(v.bits & 0xFFFFFFFFULL);
    offset_min = static_cast<std::int32_t>(static_cast<std::int64_t>(lo.bits)) +
                 static_cast<std::int32_t>(static_cast<std::int64_t>(so.bits));
    if (offset_min < -24 * 60 || offset_min > 24 * 60)
      return fail(Errc::malformed, "SML local time offset beyond 24 h", Where::byte(at));
  } else {
    return fail(Errc::malformed, "SML_Time choice tag not 1, 2 or 3", Where::byte(at));
  }
  Timestamp t2;
  t2.civil = civil_from_unix_seconds(utc + offset_min * 60);
  t2.has_offset = true;
  t2.offset_min = static_cast<std::int16_t>(offset_min);
  t2.has_utc = true;
  t2.utc_s = utc;
  *ts = t2;
  *has = true;
  return {};
}

void set_identifier(Ctx& c, std::span<const std::uint8_t> id) noexcept {
  if (id.empty() || c.scratch.size() < 2 * id.size()) return;
  constexpr char kHex[] = "0123456789ABCDEF";
  auto* p = reinterpret_cast<char*>(c.scratch.data());
  for (std::size_t i = 0; i < id.size(); ++i) {
    p[2 * i] = kHex[id[i] >> 4];
    p[2 * i + 1] = kHex[id[i] & 0x0F];
  }
  c.out.identifier = std::string_view(p, 2 * id.size());
  c.scratch = c.scratch.subspan(2 * id.size());
}

// SML_ListEntry (§7.1.13): objName, status, valTime, unit, scaler, value, valueSignature.
Result<void> read_entry(Reader& rd, Ctx& c) noexcept {
  const std::size_t at = rd.where();
  JOULE_TRY(const Tl t, rd.tl());
  if (t.type != kList || t.len != 7) return fail(Errc::malformed, "SML_ListEntry is not a 7-element list", Where::byte(at));
  bool present = false;
  JOULE_TRY(const auto name, rd.octets(&present));
  Reading r;
  r.id_kind = IdKind::obis;
  if (name.size() != 6) return fail(Errc::malformed, "SML objName is not a 6-byte OBIS code", Where::byte(at));
  JOULE_TRY(r.obis, ObisCode::from_bytes(name));
  JOULE_TRY(const auto status, rd.integer());
  if (status.present) {
    r.has_status = true;
    r.status = static_cast<std::uint32_t>(status.bits);
  }
  JOULE_RETURN_IF_ERROR(read_time(rd, &r.has_capture_time, &r.capture_time));
  JOULE_TRY(const auto unit, rd.integer());
  JOULE_TRY(const auto scaler, rd.integer());
  if (unit.present) {
    r.unit = static_cast<Unit>(unit.bits & 0xFF);
    r.unit_text = unit_symbol(r.unit);
  }
  std::int64_t sc = 0;
  if (scaler.present) {
    sc = static_cast<std::int64_t>(scaler.bits);
    if (sc < -Decimal::kMaxExponent || sc > Decimal::kMaxExponent)
      return fail(Errc::out_of_range, "SML scaler beyond +-40", Where::byte(at));
    r.scaler = static_cast<std::int8_t>(sc);
  }
  // SML_Value (§7.1.14): boolean, octet string, integer, unsigned, or (some meters) a time list.
  const std::size_t vat = rd.where();
  if (rd.done()) return fail(rd.err(Errc::malformed, "SML data ends inside a message"));
  const std::uint8_t vt = static_cast<std::uint8_t>((rd.peek() >> 4) & 0x07);
  if (rd.peek() == 0x01) {
    rd.skip_byte();
    r.kind = ValueKind::none;
  } else if (vt == kOctet) {
    JOULE_TRY(const auto v, rd.octets(&present));
    r.kind = ValueKind::octets;
    r.text = std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
  } else if (vt == kList) {
    bool has = false;
    JOULE_RETURN_IF_ERROR(read_time(rd, &has, &r.time));
    r.kind = has ? ValueKind::time : ValueKind::none;
  } else {
    JOULE_TRY(const auto v, rd.integer());
    std::int64_t raw = static_cast<std::int64_t>(v.bits);
    if (!v.is_signed && v.bits > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return fail(Errc::out_of_range, "SML unsigned64 value beyond the int64 range", Where::byte(vat));
    r.kind = ValueKind::number;
    r.has_raw_integer = true;
    r.raw_integer = raw;
    r.number = Decimal(raw, static_cast<int>(sc));
  }
  JOULE_RETURN_IF_ERROR(rd.skip());  // valueSignature
  return c.out.readings.push_back(r);
}

// SML_GetList.Res (§7.1.12): clientId, serverId, listName, actSensorTime, valList, listSignature, actGatewayTime.
Result<void> read_get_list(Reader& rd, Ctx& c) noexcept {
  const std::size_t at = rd.where();
  JOULE_TRY(const Tl t, rd.tl());
  if (t.type != kList || t.len != 7) return fail(Errc::malformed, "SML_GetList.Res is not a 7-element list", Where::byte(at));
  JOULE_RETURN_IF_ERROR(rd.skip());  // clientId
  bool present = false;
  JOULE_TRY(const auto server, rd.octets(&present));
  if (c.out.identifier.empty()) set_identifier(c, server);
  JOULE_RETURN_IF_ERROR(rd.skip());  // listName
  bool has = false;
  Timestamp ts;
  JOULE_RETURN_IF_ERROR(read_time(rd, &has, &ts));
  if (has) {
    c.out.has_timestamp = true;
    c.out.timestamp = ts;
  }
  const std::size_t lat = rd.where();
  JOULE_TRY(const Tl list, rd.tl());
  if (list.type != kList) return fail(Errc::malformed, "SML valList is not a list", Where::byte(lat));
  for (std::size_t i = 0; i < list.len; ++i) JOULE_RETURN_IF_ERROR(read_entry(rd, c));
  JOULE_RETURN_IF_ERROR(rd.skip());  // listSignature
  JOULE_RETURN_IF_ERROR(read_time(rd, &has, &ts));
  if (has && !c.out.has_timestamp) {
    c.out.has_timestamp = true;
    c.out.timestamp = ts;
  }
  return {};
}

// SML_PublicOpen.Res (§7.1.2): codepage, clientId, reqFileId, serverId, refTime, smlVersion.
Result<void> read_open(Reader& rd, Ctx& c) noexcept {
  const std::size_t at = rd.where();
  JOULE_TRY(const Tl t, rd.tl());
  if (t.type != kList || t.len != 6) return fail(Errc::malformed, "SML_PublicOpen.Res is not a 6-element list", Where::byte(at));
  JOULE_RETURN_IF_ERROR(rd.skip());
  JOULE_RETURN_IF_ERROR(rd.skip());
  JOULE_RETURN_IF_ERROR(rd.skip());
  bool present = false;
  JOULE_TRY(const auto server, rd.octets(&present));
  if (c.out.identifier.empty()) set_identifier(c, server);
  JOULE_RETURN_IF_ERROR(rd.skip());
  JOULE_RETURN_IF_ERROR(rd.skip());
  return {};
}

// SML_Message (§7.1.1): transactionId, groupNo, abortOnError, messageBody, crc16, endOfSmlMsg.
Result<void> read_message(Reader& rd, Ctx& c) noexcept {
  const std::size_t at = rd.where();
  JOULE_TRY(const Tl t, rd.tl());
  if (t.type != kList || t.len != 6) return fail(Errc::malformed, "SML_Message is not a 6-element list", Where::byte(at));
  JOULE_RETURN_IF_ERROR(rd.skip());  // transactionId
  JOULE_RETURN_IF_ERROR(rd.skip());  // groupNo
  JOULE_RETURN_IF_ERROR(rd.skip());  // abortOnError
  const std::size_t bat = rd.where();
  JOULE_TRY(const Tl body, rd.tl());
  if (body.type != kList || body.len != 2) return fail(Errc::malformed, "SML_MessageBody is not a 2-element choice", Where::byte(bat));
  JOULE_TRY(const auto tag, rd.integer());
  if (!tag.present) return fail(Errc::malformed, "SML_MessageBody without tag", Where::byte(bat));
  switch (tag.bits) {
    case 0x0101: JOULE_RETURN_IF_ERROR(read_open(rd, c)); break;      // SML_PublicOpen.Res
    case 0x0701: JOULE_RETURN_IF_ERROR(read_get_list(rd, c)); break;  // SML_GetList.Res
    default: JOULE_RETURN_IF_ERROR(rd.skip()); break;                 // close, requests, profiles, attention
  }
  JOULE_RETURN_IF_ERROR(rd.skip());  // crc16 of the message (the transport CRC covers it)
  if (!rd.done() && rd.peek() == 0x00) rd.skip_byte();  // endOfSmlMsg (quirk: some meters omit it)
  return {};
}

Result<void> decode_payload(std::span<const std::uint8_t> payload, std::size_t base, Ctx& c) noexcept {
  Reader rd(payload, base);
  while (!rd.done()) {
    if (rd.peek() == 0x00) {  // padding / fill between and after messages
      rd.skip_byte();
      continue;
    }
    JOULE_RETURN_IF_ERROR(read_message(rd, c));
  }
  return {};
}

}  // namespace

Result<void> decode_messages(std::span<const std::uint8_t> messages, Telegram& out,
                             std::span<std::uint8_t> scratch) noexcept {
  out.protocol = Protocol::sml;
  Ctx c{out, scratch};
  return decode_payload(messages, 0, c);
}

namespace {
Result<void> decode_checked(std::span<const std::uint8_t> frame, std::span<const std::uint8_t> payload, Telegram& out,
                            std::span<std::uint8_t> scratch) noexcept;
}  // namespace

Result<void> decode(std::span<const std::uint8_t> frame, Telegram& out, std::span<std::uint8_t> scratch) noexcept {
  JOULE_TRY(auto payload, check_frame(frame));
  return decode_checked(frame, payload, out, scratch);
}

Result<void> decode_verified(std::span<const std::uint8_t> frame, Telegram& out, std::span<std::uint8_t> scratch) noexcept {
  const std::size_t n = frame.size();
  if (n < 16 || !is_group(frame.first(4), 0x1B) || !is_group(frame.subspan(4, 4), 0x01) ||
      !is_group(frame.subspan(n - 8, 4), 0x1B) || frame[n - 4] != 0x1A)
    return fail(Errc::malformed, "not an SML transport frame", Where::byte(0));
  std::span<const std::uint8_t> payload = frame.subspan(8, n - 16);
  const std::uint8_t pad = frame[n - 3];
  if (pad <= 3 && pad <= payload.size()) payload = payload.first(payload.size() - pad);
  return decode_checked(frame, payload, out, scratch);
}

namespace {
Result<void> decode_checked(std::span<const std::uint8_t> frame, std::span<const std::uint8_t> payload, Telegram& out,
                            std::span<std::uint8_t> scratch) noexcept {
  out.protocol = Protocol::sml;
  out.has_crc = true;
  const std::size_t n = frame.size();
  out.crc = static_cast<std::uint16_t>(frame[n - 2] | (frame[n - 1] << 8));
  // Escapes inside the payload (4-byte aligned): only the doubled escape is legal.
  bool escaped = false;
  for (std::size_t i = 0; i + 4 <= payload.size(); i += 4) {
    if (!is_group(payload.subspan(i, 4), 0x1B)) continue;
    if (i + 8 > payload.size() || !is_group(payload.subspan(i + 4, 4), 0x1B))
      return fail(Errc::malformed, "SML escape sequence inside the payload", Where::byte(8 + i));
    escaped = true;
    i += 4;
  }
  Ctx c{out, scratch};
  if (!escaped) return decode_payload(payload, 8, c);
  if (scratch.size() < payload.size())
    return fail(Errc::buffer_too_small, "scratch buffer too small to unescape the SML payload", Where::at_field("scratch"));
  std::size_t w = 0;
  for (std::size_t i = 0; i < payload.size();) {
    const bool esc = i + 8 <= payload.size() && i % 4 == 0 && is_group(payload.subspan(i, 4), 0x1B);
    const std::size_t len = esc ? 4 : 1;
    for (std::size_t k = 0; k < len; ++k) scratch[w++] = payload[i + k];
    i += esc ? 8 : 1;
  }
  c.scratch = scratch.subspan(w);
  return decode_payload(std::span<const std::uint8_t>(scratch.data(), w), 8, c);
}
}  // namespace

}  // namespace joule::meter::sml
