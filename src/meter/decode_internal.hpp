// Internal plumbing of the host meter decode(): one stream decoder per protocol.
// To add a protocol: implement `Result<void> decode_stream_<p>(bytes, options, out)` in your
// own source file (split the stream with your core splitter, decode each frame with
// `decode_frames_with`/`adopt`), declare it below and add one case in decode.cpp's dispatch().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "joule/core/fixed_vector.hpp"
#include "joule/meter/decode.hpp"
#include "joule/meter/frame.hpp"
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

/// The incremental decoder of a protocol for StreamDecoder; nullptr when there is none.
/// Add a case in decode.cpp's make_stream_impl() for yours.
std::unique_ptr<StreamImpl> make_stream_impl(Protocol p, const DecodeOptions& options);

/// A StreamImpl over any core splitter S and a frame decoder fn(frame, options, out).
template <class S, class Fn>
class SplitterStream final : public StreamImpl {
 public:
  SplitterStream(const DecodeOptions& o, std::size_t buffer_bytes, Fn fn)
      : options_(o), buf_(buffer_bytes), split_(make_splitter(buf_, o)), fn_(fn) {}
  Result<void> feed(std::span<const std::uint8_t> in, DecodeOutput& out) override {
    while (!in.empty()) {
      const FeedResult r = split_.feed(in);
      in = in.subspan(r.consumed);
      offset_ += r.consumed;
      if (r.status == FeedStatus::dropped) out.errors.push_back({offset_, r.error});
      else if (r.status == FeedStatus::frame) JOULE_RETURN_IF_ERROR(fn_(r.frame, offset_ - r.frame.size(), options_, out));
      if (r.consumed == 0 && r.status == FeedStatus::need_more) break;
    }
    return {};
  }
  Result<void> finish(DecodeOutput& out) override {
    if constexpr (requires(S& s) { s.flush(); }) {
      const FeedResult r = split_.flush();
      if (r.status == FeedStatus::frame) return fn_(r.frame, offset_ - r.frame.size(), options_, out);
      if (r.status == FeedStatus::dropped) out.errors.push_back({offset_, r.error});
    }
    return {};
  }

 private:
  static S make_splitter(std::vector<std::uint8_t>& buf, const DecodeOptions& o) {
    if constexpr (std::is_constructible_v<S, std::span<std::uint8_t>, bool>) return S(std::span<std::uint8_t>(buf), o.verify_checksum);
    else return S(std::span<std::uint8_t>(buf));
  }
  DecodeOptions options_;
  std::vector<std::uint8_t> buf_;
  S split_;
  Fn fn_;
  std::size_t offset_ = 0;
};

// Per-protocol stream decoders (bytes already de-hexed).
Result<void> decode_stream_dsmr(std::span<const std::uint8_t> bytes, const DecodeOptions& options, DecodeOutput& out);
Result<void> decode_stream_iec62056_21(std::span<const std::uint8_t> bytes, const DecodeOptions& options,
                                       DecodeOutput& out);
std::unique_ptr<StreamImpl> make_dsmr_stream(const DecodeOptions& options);
std::unique_ptr<StreamImpl> make_iec62056_21_stream(const DecodeOptions& options);
// SML and DLMS/COSEM (sml_dlms_host.cpp).
Result<void> decode_stream_sml(std::span<const std::uint8_t> bytes, const DecodeOptions& options, DecodeOutput& out);
Result<void> decode_stream_dlms(Protocol p, std::span<const std::uint8_t> bytes, const DecodeOptions& options,
                                DecodeOutput& out);
std::unique_ptr<StreamImpl> make_sml_stream(const DecodeOptions& options);
std::unique_ptr<StreamImpl> make_dlms_stream(const DecodeOptions& options);
// Wired/wireless M-Bus, Modbus RTU/TCP, SunSpec register images (src/meter/mbus_host.cpp).
Result<void> decode_stream_mbus(std::span<const std::uint8_t> bytes, const DecodeOptions& options, DecodeOutput& out);
Result<void> decode_stream_wmbus(std::span<const std::uint8_t> bytes, const DecodeOptions& options, DecodeOutput& out);
Result<void> decode_stream_modbus(std::span<const std::uint8_t> bytes, const DecodeOptions& options, DecodeOutput& out);
Result<void> decode_stream_sunspec(std::span<const std::uint8_t> bytes, const DecodeOptions& options, DecodeOutput& out);

}  // namespace joule::meter::detail
