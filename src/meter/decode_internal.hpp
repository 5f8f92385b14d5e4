// Internal plumbing of the host meter decode(): one stream decoder per protocol.
// To add a protocol: implement `Result<void> decode_stream_<p>(bytes, options, out)` in your
// own source file (split the stream with your core splitter, decode each frame with
// `decode_frames_with`/`adopt`), declare it below and add one case in decode.cpp's dispatch().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "joule/core/fixed_vector.hpp"
#include "joule/meter/decode.hpp"
#include "joule/meter/reading.hpp"

namespace joule::meter::detail {

/// Readings a host decoder accepts per frame (the largest real telegrams carry ~300 objects).
inline constexpr std::size_t kHostMaxReadings = 4096;

/// Copies a core telegram (whose views point into `storage`) into an owning one.
DecodedTelegram adopt(const Telegram& t, std::shared_ptr<std::vector<std::uint8_t>> storage, std::size_t offset);

/// Decodes one frame with a core decoder `fn(frame, scratch, telegram) -> Result<void>`:
/// copies the frame into owned storage (plus `scratch_bytes` of scratch after it),
/// decodes, appends the telegram or (keep_going) the error to `out`.
template <class Fn>
Result<void> decode_one_frame(std::span<const std::uint8_t> frame, std::size_t offset, std::size_t scratch_bytes,
                              const DecodeOptions& options, DecodeOutput& out, Fn&& fn) {
  auto storage = std::make_shared<std::vector<std::uint8_t>>(frame.size() + scratch_bytes);
  std::copy(frame.begin(), frame.end(), storage->begin());
  std::span<const std::uint8_t> own_frame(storage->data(), frame.size());
  std::span<std::uint8_t> scratch(storage->data() + frame.size(), scratch_bytes);
  std::vector<Reading> buf(kHostMaxReadings);
  VectorRef<Reading> readings{std::span<Reading>(buf)};
  Telegram t{readings};
  Result<void> st = fn(own_frame, scratch, t);
  if (!st) {
    if (!options.keep_going) return st;
    out.errors.push_back({offset, st.error()});
    return {};
  }
  out.telegrams.push_back(adopt(t, std::move(storage), offset));
  return {};
}

// Per-protocol stream decoders (bytes already de-hexed).
Result<void> decode_stream_dsmr(std::span<const std::uint8_t> bytes, const DecodeOptions& options, DecodeOutput& out);
Result<void> decode_stream_iec62056_21(std::span<const std::uint8_t> bytes, const DecodeOptions& options,
                                       DecodeOutput& out);

}  // namespace joule::meter::detail
