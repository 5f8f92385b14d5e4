// joule/meter/frame.hpp: the common shape of joule's sans-IO frame splitters,
// and protocol auto-detection from the first bytes of a stream.
//
// A splitter does no I/O. The caller reads bytes from wherever (UART, socket,
// file) and feeds them in chunks of any size, one byte at a time too. The
// splitter copies bytes into a buffer the caller gave it (bounded, never
// reallocated), finds the frame boundaries, checks the frame's CRC/BCC and
// hands out each complete frame as a span into that buffer. It resynchronises
// by itself after garbage, a torn frame (a new start inside a frame) or a bad
// checksum, and says so in the result.
//
// Every splitter (dsmr::Splitter, iec62056_21::Splitter, sml::Splitter,
// dlms::HdlcSplitter, mbus::Splitter, ...) has this interface:
//
//   explicit Splitter(std::span<std::uint8_t> buffer) noexcept;
//   FeedResult feed(std::span<const std::uint8_t> input) noexcept;
//   void reset() noexcept;
//
// `feed` consumes input up to and including the end of the first complete
// frame (or all of it) and returns how much it consumed; call it again with the
// rest. A returned frame stays valid until the next feed() or reset().
//
// Example:
//   std::uint8_t buf[2048];
//   joule::meter::dsmr::Splitter split{buf};
//   while (auto n = uart_read(chunk)) {
//     std::span<const std::uint8_t> in{chunk, n};
//     while (!in.empty()) {
//       auto r = split.feed(in);
//       in = in.subspan(r.consumed);
//       if (r.status == joule::meter::FeedStatus::frame) handle(r.frame);
//       else if (r.status == joule::meter::FeedStatus::dropped) log(r.error);
//     }
//   }
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include "joule/core/result.hpp"
#include "joule/meter/reading.hpp"

namespace joule::meter {

/// What a feed() call produced.
enum class FeedStatus : std::uint8_t {
  need_more = 0,  ///< all input consumed, no frame complete yet
  frame,          ///< `frame` holds a complete frame whose checksum matched
  dropped,        ///< bytes of a frame were discarded (`error` says why); splitting continues
};

/// The result of one feed() call.
struct FeedResult {
  std::size_t consumed = 0;                ///< input bytes used; pass the rest to the next call
  FeedStatus status = FeedStatus::need_more;
  std::span<const std::uint8_t> frame{};   ///< status == frame: the frame, start to checksum inclusive
  Error error{Errc::ok, ""};               ///< status == dropped: checksum_mismatch, buffer_too_small, malformed
  std::size_t skipped = 0;                 ///< garbage bytes outside any frame discarded during this call
};

/// The splitter interface every protocol implements.
template <class S>
concept FrameSplitter = requires(S s, std::span<const std::uint8_t> in) {
  { s.feed(in) } -> std::same_as<FeedResult>;
  s.reset();
};

/// Feeds all of `input` to a splitter, calling `on_frame(span)` for each
/// frame and `on_drop(const Error&)` for each dropped one.
template <FrameSplitter S, class OnFrame, class OnDrop>
constexpr void feed_all(S& splitter, std::span<const std::uint8_t> input, OnFrame&& on_frame, OnDrop&& on_drop) {
  while (!input.empty()) {
    const FeedResult r = splitter.feed(input);
    input = input.subspan(r.consumed);
    if (r.status == FeedStatus::frame) on_frame(r.frame);
    else if (r.status == FeedStatus::dropped) on_drop(r.error);
    if (r.consumed == 0 && r.status == FeedStatus::need_more) break;  // defensive: no progress
  }
}

/// A bounded byte accumulator over a caller buffer: the building block of splitters.
class FrameBuffer {
 public:
  constexpr FrameBuffer() noexcept = default;
  constexpr explicit FrameBuffer(std::span<std::uint8_t> storage) noexcept : buf_(storage) {}
  /// Appends a byte; false when the buffer is full (nothing written).
  constexpr bool push(std::uint8_t b) noexcept {
    if (len_ >= buf_.size()) return false;
    buf_[len_++] = b;
    return true;
  }
  /// Appends bytes; false when they do not all fit (nothing written).
  constexpr bool append(std::span<const std::uint8_t> bytes) noexcept {
    if (bytes.size() > buf_.size() - len_) return false;
    std::copy(bytes.begin(), bytes.end(), buf_.begin() + static_cast<std::ptrdiff_t>(len_));
    len_ += bytes.size();
    return true;
  }
  constexpr std::size_t size() const noexcept { return len_; }
  constexpr std::size_t capacity() const noexcept { return buf_.size(); }
  constexpr bool empty() const noexcept { return len_ == 0; }
  constexpr void clear() noexcept { len_ = 0; }
  constexpr std::uint8_t operator[](std::size_t i) const noexcept { return buf_[i]; }
  constexpr std::span<const std::uint8_t> bytes() const noexcept { return {buf_.data(), len_}; }
  constexpr std::span<std::uint8_t> storage() noexcept { return buf_; }

 private:
  std::span<std::uint8_t> buf_{};
  std::size_t len_ = 0;
};

/// Result of protocol detection.
struct Detection {
  Protocol protocol = Protocol::unknown;
  std::size_t offset = 0;  ///< where the first frame starts in the bytes looked at
};

/// Guesses the protocol of a byte stream or frame from its first bytes (it
/// looks at no more than `head.size()` bytes; 64 are plenty for every
/// protocol except telling DSMR from IEC 62056-21, which needs the end of the
/// identification line). Leading garbage is skipped. Rules:
///   "/XXX" ident line, then CR LF CR LF             -> dsmr_p1 (DSMR 5.0.2 P1 §6.2: empty line)
///   "/XXX" ident line, then CR LF STX or ACK        -> iec62056_21 (IEC 62056-21 §6.3.2, data message)
///   1B 1B 1B 1B 01 01 01 01                         -> sml (SML 1.04 §8.1 escape sequence)
///   7E A0..AF                                       -> dlms_hdlc (IEC 62056-46 frame format type 3)
///   68 L L 68 ... CI DB/DF/0F/E6..                  -> dlms_mbus, else 68 L L 68 -> mbus_wired
///   DB 08 (general-glo-ciphering, 8-byte system title) -> dlms_gcm
///   0F (data-notification) / 00 01 00 01 wrapper    -> dlms_apdu / dlms_raw
///   L 44/46/08 + 2-byte manufacturer (wM-Bus SND_NR/SND_IR/RSP_UD) -> wmbus
/// Protocol::unknown when nothing matches.
Detection detect(std::span<const std::uint8_t> head) noexcept;

}  // namespace joule::meter
