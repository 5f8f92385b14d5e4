// joule/meter/sml.hpp: SML 1.04 (Smart Message Language) frames of German
// smart meters' optical and wired interfaces: splitter and decoder.
//
// Transport (SML 1.04 §8.1, transport protocol version 1): a frame is
//   1B1B1B1B 01010101  <SML messages, padded with 00 to a multiple of 4>
//   1B1B1B1B 1A <pad count> <CRC-16/X-25 of everything before, high byte first>
// and a 1B1B1B1B inside the payload is sent twice. Escapes are 4-byte aligned.
// The messages are TLV-encoded (§6.3): one type-length byte per field (more
// with bit 7 set for lengths > 15), lists counting elements, other types
// counting bytes including the TL bytes; 0x01 marks an absent optional field.
//
// `Splitter` finds frames in a byte stream (any chunking), checks the CRC,
// resynchronises after garbage and torn frames. `decode` turns a frame into a
// Telegram: every SML_ListEntry of every SML_GetList.Res becomes a Reading
// (OBIS objName, value * 10^scaler with the DLMS unit, octet strings as bytes,
// status, valTime); the server id becomes the identifier (hex, when a scratch
// buffer is given); actSensorTime / actGatewayTime of type timestamp becomes
// the telegram time.
//
// Example:
//   std::uint8_t buf[1024];
//   joule::meter::sml::Splitter split{buf};
//   ... auto r = split.feed(chunk); if (r.status == FeedStatus::frame) {
//     joule::FixedVector<joule::meter::Reading, 32> rs;
//     joule::meter::Telegram t{rs};
//     std::uint8_t scratch[64];
//     if (auto st = joule::meter::sml::decode(r.frame, t, scratch); st) use(t);
//   }
//
// Tolerated real-meter deviations (each a documented quirk, see docs/meter.md):
//   * integers of any width 1..8 bytes (e.g. 0x55/0x56/0x59 "int32 in 5 bytes"),
//     sign-extended for signed types;
//   * a missing or wrong padding count in the end escape (the CRC still decides);
//   * SML_Time sent as a bare unsigned32 instead of the 2-element choice list;
//   * trailing 00 fill bytes after the last message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "joule/core/result.hpp"
#include "joule/meter/frame.hpp"
#include "joule/meter/reading.hpp"

namespace joule::meter::sml {

/// The SML 1.04 transport frame splitter (version 1 escapes). Bytes go into
/// the caller's buffer; a frame longer than the buffer is dropped with
/// buffer_too_small. See frame.hpp for the common splitter contract.
class Splitter {
 public:
  /// Uses `buffer` for the frame being assembled (frames longer are dropped).
  explicit Splitter(std::span<std::uint8_t> buffer) noexcept : buf_(buffer) {}
  /// Consumes input up to the end of the first complete frame (or all of it).
  FeedResult feed(std::span<const std::uint8_t> input) noexcept;
  /// Forgets any partial frame.
  void reset() noexcept;
  /// True while a frame has started and not ended (at the end of a capture: a torn or
  /// misaligned frame whose end escape never came on the 4-byte grid).
  bool in_frame() const noexcept { return state_ == State::body; }

 private:
  enum class State : std::uint8_t { hunt, body };
  void begin_frame() noexcept;
  void crc_upto(std::size_t end) noexcept;

  std::span<std::uint8_t> buf_;
  std::size_t len_ = 0;
  std::size_t crc_done_ = 0;      // bytes of the buffer already in crc_
  std::uint16_t crc_ = 0;         // running CRC-16/X-25 state (before the final xor)
  State state_ = State::hunt;
  std::uint8_t hunt_ones_ = 0;    // 1B bytes matched while hunting (0..4)
  std::uint8_t hunt_start_ = 0;   // 01 bytes matched after four 1B
  bool escape_pending_ = false;   // the previous 4-byte group was 1B1B1B1B
  std::uint64_t tail_ = 0;        // last 8 bytes seen in the body (unaligned restart detection)
};

/// Checks the transport frame: start sequence, end escape, padding and CRC.
/// Returns the payload (escaped form, between start and end escape).
/// Errors: malformed, checksum_mismatch (at the CRC's offset), incomplete.
Result<std::span<const std::uint8_t>> check_frame(std::span<const std::uint8_t> frame) noexcept;

/// Decodes one transport frame (start sequence to CRC). `scratch` is used for
/// the hex server id (identifier, 2 bytes of scratch per id byte) and to
/// unescape a payload that contains an escaped 1B1B1B1B (payload size); it may
/// be empty, then the identifier stays empty and such a payload is
/// buffer_too_small. Readings' text views point into `frame` or `scratch`.
/// Errors: checksum_mismatch, malformed (with the byte offset in the frame),
/// out_of_range (an unsigned64 value beyond int64), buffer_too_small (readings full).
Result<void> decode(std::span<const std::uint8_t> frame, Telegram& out, std::span<std::uint8_t> scratch = {}) noexcept;

/// As decode(), without recomputing the transport CRC: for frames a Splitter
/// handed out (it verified the CRC on the way in). Start and end sequences are
/// still checked.
Result<void> decode_verified(std::span<const std::uint8_t> frame, Telegram& out,
                             std::span<std::uint8_t> scratch = {}) noexcept;

/// Decodes SML messages without transport framing (a file of bare messages,
/// or the payload returned by check_frame after unescaping).
Result<void> decode_messages(std::span<const std::uint8_t> messages, Telegram& out,
                             std::span<std::uint8_t> scratch = {}) noexcept;

namespace detail {
/// decode_messages without the list-entry fast path of host builds (what -Os firmware builds
/// run): for tests and fuzzers that check both give the same telegram.
Result<void> decode_messages_general(std::span<const std::uint8_t> messages, Telegram& out,
                                     std::span<std::uint8_t> scratch = {}) noexcept;
}  // namespace detail

}  // namespace joule::meter::sml
