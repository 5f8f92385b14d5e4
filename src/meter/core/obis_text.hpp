// Internal: the data-line grammar shared by DSMR P1 and IEC 62056-21.
//
// Both send objects as `ID(group)(group)...` (IEC 62056-21:2002 §6.5 data sets;
// DSMR 5.0.2 P1 §6.4 COSEM objects on text lines). Rules applied here:
//  * an object may span lines: a line that starts with "(" continues the
//    previous object (DSMR 2.2/3.0 gas value, IEC 62056-21 profile rows);
//  * a line may hold several objects ("6.8(..)6.26(..)" of D0 heat meters);
//  * lines without "(" or with non-printable ids are not objects and are skipped
//    (EasyMeter trailers, 0xFF runs of optical heads);
//  * a group is "value*unit", "value", a timestamp "YYMMDDhhmmssX", or text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "joule/core/result.hpp"
#include "joule/meter/reading.hpp"

namespace joule::meter::detail {

/// Parses "YYMMDDhhmmss" + optional DST letter 'W'/'S' (DSMR 5.0.2 P1 §6.4 TST), or
/// "YYMMDDhhmm" (10 digits, IEC 62056-21 max-demand times). Fields are kept as sent,
/// even when they are not a valid date (then has_utc stays false).
bool parse_text_time(std::string_view s, Timestamp& out) noexcept;

/// True when `s` is a DSMR timestamp with a DST letter (13 characters).
bool is_dsmr_time(std::string_view s) noexcept;

// The fused fast path for the common object shape "A-B:C.D.E[*F](value)" + line end (one
// pass for id, value and unit) is built where speed is asked for and left out where size is
// (-Os: the firmware images, where it would cost about 1 kB of flash). The general path gives
// the same readings for every input; tests and the fuzzers compare the two.
#if defined(__OPTIMIZE_SIZE__) || defined(JOULE_METER_NO_FAST_TEXT)
#define JOULE_METER_FAST_TEXT 0
#else
#define JOULE_METER_FAST_TEXT 1
#endif

/// Decodes the objects in `body` (the text between the identification line and "!"),
/// appending one Reading per object (plus one per extra "&" value) to out.readings.
/// Sets out.timestamp (0-0:1.0.0) and out.version (1-3:0.2.8, 0-0:96.1.4) when present.
/// Errors: malformed (unclosed group, with byte offset), buffer_too_small (readings full).
/// Contract: `body` holds no "!" and is followed in memory by the "!" that ends the data
/// block (both decoders pass the text up to their first "!"); the fast path's scans stop
/// on it instead of testing the length at every byte.
Result<void> decode_data_lines(std::string_view body, std::size_t body_offset, Telegram& out) noexcept;

/// decode_data_lines without the fast path (what firmware builds run): for tests and
/// fuzzers that check both give the same readings. Same contract.
#if JOULE_METER_FAST_TEXT
Result<void> decode_data_lines_general(std::string_view body, std::size_t body_offset, Telegram& out) noexcept;
#else
inline Result<void> decode_data_lines_general(std::string_view body, std::size_t body_offset, Telegram& out) noexcept {
  return decode_data_lines(body, body_offset, out);
}
#endif

/// string_view::substr without its out_of_range throw (which links the heap into firmware
/// images): positions past the end clamp to an empty view.
constexpr std::string_view sub(std::string_view s, std::size_t pos, std::size_t n = std::string_view::npos) noexcept {
  if (pos > s.size()) pos = s.size();
  const std::size_t rest = s.size() - pos;
  return {s.data() + pos, n < rest ? n : rest};
}

// The first position in [from, to) holding a or b (to when none): two memchr passes, the
// second only over the part before the first hit, beat a byte loop testing both.
inline std::size_t find_either(const std::uint8_t* d, std::size_t from, std::size_t to, std::uint8_t a,
                               std::uint8_t b) noexcept {
  const auto* pa = static_cast<const std::uint8_t*>(__builtin_memchr(d + from, a, to - from));
  const std::size_t end_a = pa == nullptr ? to : static_cast<std::size_t>(pa - d);
  const auto* pb = static_cast<const std::uint8_t*>(__builtin_memchr(d + from, b, end_a - from));
  return pb == nullptr ? end_a : static_cast<std::size_t>(pb - d);
}

/// Hex digit value, -1 when not a hex digit.
constexpr int hex_value(std::uint8_t c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace joule::meter::detail
