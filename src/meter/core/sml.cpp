// SML 1.04 transport splitter and message decoder (freestanding).
#include "joule/meter/sml.hpp"

#include <bit>
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
// True when one of the eight bytes at p is 0x1B.
inline bool has_escape_byte64(const std::uint8_t* p) noexcept {
  std::uint64_t x;
  __builtin_memcpy(&x, p, 8);
  const std::uint64_t v = x ^ 0x1B1B1B1B1B1B1B1BULL;
  return ((v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL) != 0;
}
// The 8 bytes at p as a big-endian number (the order tail_ keeps them in).
inline std::uint64_t load_be64(const std::uint8_t* p) noexcept {
  std::uint64_t x;
  __builtin_memcpy(&x, p, 8);
  if constexpr (std::endian::native == std::endian::little) x = __builtin_bswap64(x);
  return x;
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
  crc_ = joule::detail::crc16_x25_update(crc_, std::span<const std::uint8_t>(buf_.data() + crc_done_, end - crc_done_));
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
      const std::uint8_t* in = input.data();
      // Eight bytes (two aligned groups) per step while neither holds a 1B, then one group.
      while (n - k >= 8 && !has_escape_byte64(in + k)) k += 8;
      while (n - k >= 4 && !has_escape_byte(load32(in + k))) k += 4;
      const std::size_t run = k - i;
      if (run > 0) {
        if (buf_.size() - len_ < run) {
          reset();
          r.consumed = i + run;  // the rest of an oversize frame is discarded
          r.status = FeedStatus::dropped;
          r.error = Error(Errc::buffer_too_small, "SML frame longer than the splitter buffer", Where::byte(i));
          return r;
        }
        // One bulk copy (a byte loop here reloaded buf_ and len_ after every store: uint8_t aliases).
        std::uint8_t* dst = buf_.data() + len_;
        __builtin_memcpy(dst, in + i, run);
        len_ += run;
        i = k;
        // From the input when the run is long enough (reading back the bytes just copied would
        // wait for the copy's stores); len_ >= 8 in a frame body.
        tail_ = run >= 8 ? load_be64(in + k - 8) : load_be64(buf_.data() + len_ - 8);
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

enum : std::uint8_t { kOctet = 0, kBool = 4, kInt = 5, kUint = 6, kList = 7, kBad = 0xFF };

struct Tl {
  std::uint8_t type = kBad;
  bool absent = false;  // 0x01: optional field not set
  std::uint32_t len = 0;  // list: elements; others: payload bytes (TL bytes excluded)
};

// A cursor over SML messages with a sticky error. The first error is kept and the cursor
// jumps to the end, so every loop stops by itself; the message walk checks ok() once per
// message instead of wrapping every field in a Result (those copies cost more than the
// parsing). A failed tl() returns a zero-length Tl of type kBad, so no caller ever reads
// past the data after an error.
class Reader {
 public:
  Reader(std::span<const std::uint8_t> d, std::size_t base) noexcept
      : begin_(d.data()), p_(d.data()), end_(d.data() + d.size()), base_(base) {}

  bool done() const noexcept { return p_ >= end_; }
  bool ok() const noexcept { return !bad_; }
  const Error& error() const noexcept { return err_; }
  std::uint8_t peek() const noexcept { return *p_; }
  void skip_byte() noexcept { ++p_; }
  const std::uint8_t* pos() const noexcept { return p_; }
  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  std::size_t where(const std::uint8_t* at) const noexcept { return base_ + static_cast<std::size_t>(at - begin_); }

  void fail_at(const std::uint8_t* at, Errc c, const char* m) noexcept {
    if (!bad_) {
      bad_ = true;
      err_ = Error(c, m, Where::byte(where(at)));
    }
    p_ = end_;
  }
  void fail(Errc c, const char* m) noexcept { fail_at(p_, c, m); }

  // §6.3.1: bit 7 "more TL bytes", bits 6..4 type, bits 3..0 length nibble. The one-byte
  // form (all but long octet strings and lists) is decided inline.
  Tl tl() noexcept {
    if (p_ >= end_) {
      fail(Errc::malformed, "SML data ends inside a message");
      return {};
    }
    const std::uint8_t b = *p_;
    if ((b & 0x80) != 0) return tl_long();
    ++p_;
    return finish(static_cast<std::uint8_t>(b >> 4), b & 0x0FU, 1);
  }

  // Moves to `q` (at most the end): for a fast path that has checked the bytes up to q.
  void advance_to(const std::uint8_t* q) noexcept { p_ = q; }

  std::span<const std::uint8_t> take(std::size_t n) noexcept {
    const std::uint8_t* s = p_;
    p_ += n;
    return {s, n};
  }

  // Skips one element of any type. Iterative: `pending` counts the elements still to skip
  // (a list adds its own), so nesting costs no stack and every step consumes a byte.
  void skip() noexcept {
    std::size_t pending = 1;
    while (pending > 0) {
      const Tl t = tl();
      if (bad_) return;
      --pending;
      if (t.type == kList) pending += t.len;
      else p_ += t.len;
    }
  }

  // An integer of any width 1..8 (quirk: meters use 3, 5, 6, 7-byte integers too).
  struct Int {
    bool present = false;
    bool is_signed = false;
    std::uint64_t bits = 0;  // sign-extended for signed
  };
  Int integer() noexcept {
    const std::uint8_t* at = p_;
    const Tl t = tl();
    Int v;
    if (t.absent || bad_) return v;
    if (t.type != kInt && t.type != kUint && t.type != kBool) {
      fail_at(at, Errc::malformed, "SML field should be an integer");
      return v;
    }
    if (t.len == 0 || t.len > 8) {
      fail_at(at, Errc::malformed, "SML integer of 0 or more than 8 bytes");
      return v;
    }
    std::uint64_t x = 0;
    for (std::uint32_t i = 0; i < t.len; ++i) x = (x << 8) | p_[i];
    if (t.type == kInt && t.len < 8 && (p_[0] & 0x80)) x |= ~std::uint64_t{0} << (8 * t.len);
    p_ += t.len;
    v.present = true;
    v.is_signed = t.type == kInt;
    v.bits = x;
    return v;
  }

  // An octet string (empty and *present = false when absent).
  std::span<const std::uint8_t> octets(bool* present) noexcept {
    const std::uint8_t* at = p_;
    const Tl t = tl();
    *present = false;
    if (bad_) return {};
    if (t.type != kOctet) {
      fail_at(at, Errc::malformed, "SML field should be an octet string");
      return {};
    }
    *present = !t.absent;
    return take(t.len);
  }

  // A list header: its element count, or a failure when `at` is not a list of `want` elements.
  bool list_of(std::uint32_t want, const char* message) noexcept {
    const std::uint8_t* at = p_;
    const Tl t = tl();
    if (bad_) return false;
    if (t.type != kList || t.len != want) {
      fail_at(at, Errc::malformed, message);
      return false;
    }
    return true;
  }

 private:
  Tl finish(std::uint8_t type_bits, std::size_t len, std::size_t tl_bytes) noexcept {
    Tl t;
    const std::uint8_t type = type_bits & 0x07;
    if (type == kList) {
      if (len > remaining()) {
        fail(Errc::malformed, "SML list longer than the data");
        return {};
      }
      t.type = kList;
      t.len = static_cast<std::uint32_t>(len);
      return t;
    }
    if (type != kOctet && type != kBool && type != kInt && type != kUint) {
      fail(Errc::malformed, "SML type-length field of unknown type");
      return {};
    }
    if (len == 0 && tl_bytes == 1 && type == kOctet) {  // 0x00 is EndOfSmlMsg, handled by the caller
      fail(Errc::malformed, "unexpected end-of-message marker");
      return {};
    }
    if (len < tl_bytes) {
      fail(Errc::malformed, "SML length shorter than its own TL field");
      return {};
    }
    if (len - tl_bytes > remaining()) {
      fail(Errc::malformed, "SML field longer than the data");
      return {};
    }
    t.type = type;
    t.len = static_cast<std::uint32_t>(len - tl_bytes);
    t.absent = type == kOctet && t.len == 0 && tl_bytes == 1;
    return t;
  }

  Tl tl_long() noexcept {
    std::uint8_t b = *p_++;
    const std::uint8_t type_bits = static_cast<std::uint8_t>(b >> 4);
    std::size_t len = b & 0x0F;
    std::size_t tl_bytes = 1;
    while (b & 0x80) {
      if (p_ >= end_) {
        fail(Errc::malformed, "SML type-length field ends early");
        return {};
      }
      if (tl_bytes >= 4) {
        fail(Errc::malformed, "SML length field longer than 4 bytes");
        return {};
      }
      b = *p_++;
      if ((b & 0x70) != 0) {
        fail(Errc::malformed, "SML length continuation byte with a type");
        return {};
      }
      len = (len << 4) | (b & 0x0F);
      ++tl_bytes;
    }
    return finish(type_bits, len, tl_bytes);
  }

  const std::uint8_t* begin_;
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  std::size_t base_;
  bool bad_ = false;
  Error err_{Errc::ok, ""};
};

struct Ctx {
  Telegram& out;
  std::span<std::uint8_t> scratch;  // for the hex identifier
  bool fast = true;                 // list entries may take fast_entry (host builds)
  // unit_symbol() searches the unit table; a frame repeats a handful of units, so a small
  // direct-mapped cache of 8 slots answers nearly every entry.
  std::uint8_t cached = 0;  // bit s: slot s is filled
  Unit cached_unit[8] = {};
  std::string_view cached_symbol[8] = {};

  std::string_view symbol(Unit u) noexcept {
    const std::size_t slot = (static_cast<std::size_t>(u) ^ (static_cast<std::size_t>(u) >> 2)) & 7U;
    if ((cached >> slot & 1U) == 0 || cached_unit[slot] != u) {
      cached = static_cast<std::uint8_t>(cached | 1U << slot);
      cached_unit[slot] = u;
      cached_symbol[slot] = unit_symbol(u);
    }
    return cached_symbol[slot];
  }
};

// SML_Time (§6.3.3 / §7.1.9): choice list {secIndex, timestamp, localTimestamp}, or
// (quirk) a bare unsigned32. Sets `ts` only for real times (not the seconds index).
void read_time(Reader& rd, bool* has, Timestamp* ts) noexcept {
  *has = false;
  const std::uint8_t* at = rd.pos();
  if (rd.done()) return rd.fail(Errc::malformed, "SML data ends inside a message");
  if (rd.peek() == 0x01) {
    rd.skip_byte();
    return;
  }
  if ((rd.peek() & 0x70) != 0x70) {  // bare unsigned: a seconds index
    (void)rd.integer();
    return;
  }
  if (!rd.list_of(2, "SML_Time is not a 2-element choice")) return;
  const auto choice = rd.integer();
  if (!rd.ok()) return;
  if (!choice.present) return rd.fail_at(at, Errc::malformed, "SML_Time without its choice tag");
  std::int64_t utc = 0;
  std::int32_t offset_min = 0;
  if (choice.bits == 1 || choice.bits == 2) {
    const auto v = rd.integer();
    if (!rd.ok()) return;
    if (!v.present) return rd.fail_at(at, Errc::malformed, "SML_Time value missing");
    if (choice.bits == 1) return;  // secIndex: a meter-internal second counter, not a time
    utc = static_cast<std::int64_t>(v.bits & 0xFFFFFFFFULL);
  } else if (choice.bits == 3) {
    // localTimestamp: {timestamp u32 (UTC), localOffset i16 [min], seasonTimeOffset i16 [min]}.
    const Tl lt = rd.tl();
    if (!rd.ok()) return;
    if (lt.type != kList || lt.len != 3) return rd.fail_at(at, Errc::malformed, "SML localTimestamp is not a 3-element list");
    const auto v = rd.integer();
    const auto lo = rd.integer();
    const auto so = rd.integer();
    if (!rd.ok()) return;
    utc = static_cast<std::int64_t>(v.bits & 0xFFFFFFFFULL);
    offset_min = static_cast<std::int32_t>(static_cast<std::int64_t>(lo.bits)) +
                 static_cast<std::int32_t>(static_cast<std::int64_t>(so.bits));
    if (offset_min < -24 * 60 || offset_min > 24 * 60)
      return rd.fail_at(at, Errc::malformed, "SML local time offset beyond 24 h");
  } else {
    return rd.fail_at(at, Errc::malformed, "SML_Time choice tag not 1, 2 or 3");
  }
  ts->civil = civil_from_unix_seconds(utc + offset_min * 60);
  ts->dst = Timestamp::Dst::not_sent;
  ts->has_offset = true;
  ts->offset_min = static_cast<std::int16_t>(offset_min);
  ts->has_utc = true;
  ts->utc_s = utc;
  ts->clock_status = 0xFF;
  *has = true;
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

// Every reading starts as a copy of this (one block copy from read-only data, then the
// fields are written in place: no Reading is built on the stack and copied).
constexpr Reading kBlankReading{};

#if !defined(__OPTIMIZE_SIZE__) && !defined(JOULE_METER_NO_FAST_SML)
#define JOULE_METER_FAST_SML 1
// The list entry in the shape meters send nearly always, decoded by byte compares: 77 07
// objName(6), status absent or an integer, valTime absent, unit absent or 62 xx, scaler
// absent or 52 xx, value absent / integer / short octet string, signature absent. Anything
// else, and any entry within 40 bytes of the end of the data, returns false before a write
// and read_entry decodes it (the same reading). Built where speed is asked for, left out
// where size is (-Os: the firmware images).

// One-byte TL of an integer (§6.3.1: 5x signed, 6x unsigned, length 2..9 with the TL byte):
// its value bytes, or 0 when it is not one.
inline std::uint32_t int_bytes(std::uint8_t tl) noexcept {
  const std::uint32_t type = tl & 0xF0U;
  const std::uint32_t n = (tl & 0x0FU) - 1U;  // wraps for 0: rejected below
  return (type == 0x50U || type == 0x60U) && n - 1U < 8U ? n : 0;
}

inline std::uint64_t be_bits(const std::uint8_t* p, std::uint32_t n, bool is_signed) noexcept {
  std::uint64_t x = 0;
  for (std::uint32_t i = 0; i < n; ++i) x = (x << 8) | p[i];
  if (is_signed && n < 8 && (p[0] & 0x80)) x |= ~std::uint64_t{0} << (8 * n);
  return x;
}

bool fast_entry(Reader& rd, Ctx& c) noexcept {
  if (rd.remaining() < 40 || c.out.readings.full()) return false;
  const std::uint8_t* q = rd.pos();
  if (q[0] != 0x77 || q[1] != 0x07) return false;
  const std::uint8_t* const name = q + 2;
  q += 8;
  // status
  bool has_status = false;
  std::uint32_t status = 0;
  if (*q == 0x01) {
    ++q;
  } else {
    const std::uint32_t n = int_bytes(*q);
    if (n == 0) return false;
    status = static_cast<std::uint32_t>(be_bits(q + 1, n, (*q & 0xF0) == 0x50));
    has_status = true;
    q += 1 + n;
  }
  if (*q != 0x01) return false;  // valTime
  ++q;
  bool has_unit = false;
  std::uint8_t unit = 0;
  if (*q == 0x62) {
    has_unit = true;
    unit = q[1];
    q += 2;
  } else if (*q == 0x01) {
    ++q;
  } else {
    return false;
  }
  std::int8_t scaler = 0;
  if (*q == 0x52) {
    scaler = static_cast<std::int8_t>(q[1]);
    if (scaler < -Decimal::kMaxExponent || scaler > Decimal::kMaxExponent) return false;
    q += 2;
  } else if (*q == 0x01) {
    ++q;
  } else {
    return false;
  }
  // value
  const std::uint8_t vt = *q;
  ValueKind kind = ValueKind::none;
  std::int64_t raw = 0;
  std::string_view text{};
  if (vt == 0x01) {
    ++q;
  } else if (const std::uint32_t n = int_bytes(vt); n != 0) {
    const bool is_signed = (vt & 0xF0) == 0x50;
    const std::uint64_t bits = be_bits(q + 1, n, is_signed);
    if (!is_signed && bits > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    kind = ValueKind::number;
    raw = static_cast<std::int64_t>(bits);
    q += 1 + n;
  } else if (vt >= 0x02 && vt <= 0x0F) {
    kind = ValueKind::octets;
    text = std::string_view(reinterpret_cast<const char*>(q + 1), vt - 1U);
    q += vt;
  } else {
    return false;
  }
  if (*q != 0x01) return false;  // valueSignature
  ++q;
  (void)c.out.readings.push_back(kBlankReading);
  Reading& r = c.out.readings.back();
  r.obis = ObisCode(name[0], name[1], name[2], name[3], name[4], name[5]);
  r.has_status = has_status;
  r.status = status;
  if (has_unit) {
    r.unit = static_cast<Unit>(unit);
    r.unit_text = c.symbol(r.unit);
  }
  r.scaler = scaler;
  r.kind = kind;
  if (kind == ValueKind::number) {
    r.has_raw_integer = true;
    r.raw_integer = raw;
    r.number = Decimal(raw, scaler);
  } else if (kind == ValueKind::octets) {
    r.text = text;
  }
  rd.advance_to(q);
  return true;
}
#else
#define JOULE_METER_FAST_SML 0
#endif

// SML_ListEntry (§7.1.13): objName, status, valTime, unit, scaler, value, valueSignature.
void read_entry(Reader& rd, Ctx& c) noexcept {
#if JOULE_METER_FAST_SML
  if (c.fast && fast_entry(rd, c)) return;
#endif
  const std::uint8_t* at = rd.pos();
  if (!rd.list_of(7, "SML_ListEntry is not a 7-element list")) return;
  bool present = false;
  const auto name = rd.octets(&present);
  if (!rd.ok()) return;
  if (name.size() != 6) return rd.fail_at(at, Errc::malformed, "SML objName is not a 6-byte OBIS code");
  auto& readings = c.out.readings;
  if (readings.full()) return rd.fail_at(at, Errc::buffer_too_small, "more SML list entries than room for readings");
  (void)readings.push_back(kBlankReading);
  Reading& r = readings.back();
  r.obis = ObisCode(name[0], name[1], name[2], name[3], name[4], name[5]);
  const auto status = rd.integer();
  if (status.present) {
    r.has_status = true;
    r.status = static_cast<std::uint32_t>(status.bits);
  }
  read_time(rd, &r.has_capture_time, &r.capture_time);
  const auto unit = rd.integer();
  const auto scaler = rd.integer();
  if (!rd.ok()) return readings.pop_back();
  if (unit.present) {
    r.unit = static_cast<Unit>(unit.bits & 0xFF);
    r.unit_text = c.symbol(r.unit);
  }
  std::int64_t sc = 0;
  if (scaler.present) {
    sc = static_cast<std::int64_t>(scaler.bits);
    if (sc < -Decimal::kMaxExponent || sc > Decimal::kMaxExponent) {
      rd.fail_at(at, Errc::out_of_range, "SML scaler beyond +-40");
      return readings.pop_back();
    }
    r.scaler = static_cast<std::int8_t>(sc);
  }
  // SML_Value (§7.1.14): boolean, octet string, integer, unsigned, or (some meters) a time list.
  const std::uint8_t* vat = rd.pos();
  if (rd.done()) {
    rd.fail(Errc::malformed, "SML data ends inside a message");
    return readings.pop_back();
  }
  const std::uint8_t vt = static_cast<std::uint8_t>((rd.peek() >> 4) & 0x07);
  if (rd.peek() == 0x01) {
    rd.skip_byte();
    r.kind = ValueKind::none;
  } else if (vt == kOctet) {
    const auto v = rd.octets(&present);
    r.kind = ValueKind::octets;
    r.text = std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
  } else if (vt == kList) {
    bool has = false;
    read_time(rd, &has, &r.time);
    r.kind = has ? ValueKind::time : ValueKind::none;
  } else {
    const auto v = rd.integer();
    if (rd.ok() && !v.is_signed && v.bits > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      rd.fail_at(vat, Errc::out_of_range, "SML unsigned64 value beyond the int64 range");
      return readings.pop_back();
    }
    const auto raw = static_cast<std::int64_t>(v.bits);
    r.kind = ValueKind::number;
    r.has_raw_integer = true;
    r.raw_integer = raw;
    r.number = Decimal(raw, static_cast<int>(sc));
  }
  rd.skip();  // valueSignature
  if (!rd.ok()) readings.pop_back();
}

// SML_GetList.Res (§7.1.12): clientId, serverId, listName, actSensorTime, valList, listSignature, actGatewayTime.
void read_get_list(Reader& rd, Ctx& c) noexcept {
  if (!rd.list_of(7, "SML_GetList.Res is not a 7-element list")) return;
  rd.skip();  // clientId
  bool present = false;
  const auto server = rd.octets(&present);
  if (!rd.ok()) return;
  if (c.out.identifier.empty()) set_identifier(c, server);
  rd.skip();  // listName
  bool has = false;
  Timestamp ts;
  read_time(rd, &has, &ts);
  if (has) {
    c.out.has_timestamp = true;
    c.out.timestamp = ts;
  }
  const std::uint8_t* lat = rd.pos();
  const Tl list = rd.tl();
  if (!rd.ok()) return;
  if (list.type != kList) return rd.fail_at(lat, Errc::malformed, "SML valList is not a list");
  for (std::uint32_t i = 0; i < list.len && rd.ok(); ++i) read_entry(rd, c);
  rd.skip();  // listSignature
  read_time(rd, &has, &ts);
  if (has && !c.out.has_timestamp) {
    c.out.has_timestamp = true;
    c.out.timestamp = ts;
  }
}

// SML_PublicOpen.Res (§7.1.2): codepage, clientId, reqFileId, serverId, refTime, smlVersion.
void read_open(Reader& rd, Ctx& c) noexcept {
  if (!rd.list_of(6, "SML_PublicOpen.Res is not a 6-element list")) return;
  rd.skip();
  rd.skip();
  rd.skip();
  bool present = false;
  const auto server = rd.octets(&present);
  if (!rd.ok()) return;
  if (c.out.identifier.empty()) set_identifier(c, server);
  rd.skip();
  rd.skip();
}

// SML_Message (§7.1.1): transactionId, groupNo, abortOnError, messageBody, crc16, endOfSmlMsg.
void read_message(Reader& rd, Ctx& c) noexcept {
  if (!rd.list_of(6, "SML_Message is not a 6-element list")) return;
  rd.skip();  // transactionId
  rd.skip();  // groupNo
  rd.skip();  // abortOnError
  const std::uint8_t* bat = rd.pos();
  if (!rd.list_of(2, "SML_MessageBody is not a 2-element choice")) return;
  const auto tag = rd.integer();
  if (!rd.ok()) return;
  if (!tag.present) return rd.fail_at(bat, Errc::malformed, "SML_MessageBody without tag");
  switch (tag.bits) {
    case 0x0101: read_open(rd, c); break;      // SML_PublicOpen.Res
    case 0x0701: read_get_list(rd, c); break;  // SML_GetList.Res
    default: rd.skip(); break;                 // close, requests, profiles, attention
  }
  rd.skip();  // crc16 of the message (the transport CRC covers it)
  if (!rd.done() && rd.peek() == 0x00) rd.skip_byte();  // endOfSmlMsg (quirk: some meters omit it)
}

Result<void> decode_payload(std::span<const std::uint8_t> payload, std::size_t base, Ctx& c) noexcept {
  Reader rd(payload, base);
  while (!rd.done()) {
    if (rd.peek() == 0x00) {  // padding / fill between and after messages
      rd.skip_byte();
      continue;
    }
    read_message(rd, c);
  }
  if (!rd.ok()) return unexpected<Error>(rd.error());
  return {};
}

}  // namespace

Result<void> decode_messages(std::span<const std::uint8_t> messages, Telegram& out,
                             std::span<std::uint8_t> scratch) noexcept {
  out.protocol = Protocol::sml;
  Ctx c{out, scratch};
  return decode_payload(messages, 0, c);
}

Result<void> detail::decode_messages_general(std::span<const std::uint8_t> messages, Telegram& out,
                                             std::span<std::uint8_t> scratch) noexcept {
  out.protocol = Protocol::sml;
  Ctx c{out, scratch};
  c.fast = false;
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
#if JOULE_METER_FAST_SML
    // 32 bytes per step while none holds a 1B (the common case: one escape-free run).
    const std::uint8_t* d = payload.data();
    while (i + 36 <= payload.size() && !(has_escape_byte64(d + i) | has_escape_byte64(d + i + 8) |
                                          has_escape_byte64(d + i + 16) | has_escape_byte64(d + i + 24)))
      i += 32;
#endif
    if (i + 8 <= payload.size() && !has_escape_byte64(payload.data() + i)) {
      i += 4;  // neither this group nor the next holds a 1B
      continue;
    }
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
