// joule/meter/decode.hpp: host convenience over the freestanding meter decoders.
//
// `decode(bytes, options)` splits a byte stream or a file's content into
// frames of one protocol (given, or detected from the first bytes), decodes
// each frame and returns owning `DecodedTelegram`s: the readings' string views
// point into storage the telegram keeps alive. `to_json` prints a telegram as
// one object in the test-data schema `joule-meter-expected/1` (what
// `joule decode` prints), so decoded output and expected files compare directly.
//
// Example:
//   auto r = joule::meter::decode(bytes, {.protocol = joule::meter::Protocol::dsmr_p1});
//   if (r) for (const auto& t : *r) std::puts(joule::meter::to_json(t).c_str());
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/meter/reading.hpp"

namespace joule::meter {

namespace drivers {
class FormatCache;  // joule/meter/drivers.hpp
}  // namespace drivers

/// Options of the host decode().
struct DecodeOptions {
  Protocol protocol = Protocol::unknown;  ///< unknown = detect from the first bytes
  std::vector<std::uint8_t> key;          ///< AES-128 encryption key (16 bytes), encrypted P1 / DLMS / wM-Bus
  std::vector<std::uint8_t> auth_key;     ///< DLMS authentication key (16 bytes), optional
  bool hex_input = false;                 ///< input is hex text (whitespace, '_' and '|' ignored)
  bool keep_going = true;                 ///< skip frames that fail (recorded in `errors`) instead of failing
  bool verify_checksum = true;            ///< check CRC/BCC; false only to read frames known to carry a wrong one
  /// wM-Bus record layouts by format signature (OMS 4 §7.2.4): each full frame decoded adds its
  /// layout, and a compact frame (CI 0x79) is read with the layout of an earlier full frame of
  /// the same signature. Null: decode() uses a fresh cache per call (full frame and compact
  /// frames in one input); share one across calls to keep layouts between receptions.
  std::shared_ptr<drivers::FormatCache> formats;
};

/// An owning decoded telegram (host). Readings' views point into `storage`.
struct DecodedTelegram {
  Protocol protocol = Protocol::unknown;
  std::string_view identifier{};
  std::string_view manufacturer{};
  std::string_view version{};
  bool has_timestamp = false;
  Timestamp timestamp{};
  bool has_crc = false;
  std::uint16_t crc = 0;
  std::string_view crc_text{};
  std::vector<Reading> readings;
  std::size_t frame_offset = 0;                          ///< byte offset of the frame in the input
  std::shared_ptr<std::vector<std::uint8_t>> storage;    ///< frame bytes + decoder scratch (views point here)
};

/// A frame that could not be decoded (host decode with keep_going).
struct FrameError {
  std::size_t frame_offset = 0;
  Error error{};
};

/// Everything decode() found.
struct DecodeOutput {
  std::vector<DecodedTelegram> telegrams;
  std::vector<FrameError> errors;  ///< frames dropped (bad CRC, torn, undecodable)
};

/// Parses "A1 b2_c3|..." into bytes. Errors: malformed (odd digit count, bad character).
Result<std::vector<std::uint8_t>> parse_hex(std::string_view text);

/// Decodes every frame in `bytes`. Errors: unsupported (protocol not detectable/not built),
/// invalid_argument (bad key length), and -- when !keep_going or no frame decodes -- the
/// first frame's error (checksum_mismatch, malformed, authentication_failed, ...).
Result<DecodeOutput> decode(std::span<const std::uint8_t> bytes, const DecodeOptions& options = {});

namespace detail {
/// A protocol's incremental decoder behind StreamDecoder (see src/meter/decode_internal.hpp).
class StreamImpl {
 public:
  virtual ~StreamImpl() = default;
  virtual Result<void> feed(std::span<const std::uint8_t> bytes, DecodeOutput& out) = 0;
  virtual Result<void> finish(DecodeOutput& out) = 0;
};
}  // namespace detail

/// Incremental host decoder for a serial stream: feed chunks as they arrive, get the
/// telegrams completed by each chunk. With Protocol::unknown the protocol is detected from
/// the first bytes (up to 512 are buffered for that).
///
///   auto d = joule::meter::StreamDecoder::create({.protocol = joule::meter::Protocol::dsmr_p1});
///   while (read(chunk)) { auto out = d->feed(chunk); for (auto& t : out->telegrams) ... }
class StreamDecoder {
 public:
  /// Errors: invalid_argument (key length), unsupported (no stream decoder for the protocol).
  static Result<StreamDecoder> create(const DecodeOptions& options = {});
  /// Decodes what the bytes complete. Frame errors go to `errors` of the output (never fatal).
  Result<DecodeOutput> feed(std::span<const std::uint8_t> bytes);
  /// End of stream: hands out a last frame that has no terminator (IEC 62056-21 without ETX).
  Result<DecodeOutput> finish();
  /// The protocol in use (unknown until detected).
  Protocol protocol() const noexcept { return options_.protocol; }

 private:
  DecodeOptions options_;
  std::unique_ptr<detail::StreamImpl> impl_;
  std::vector<std::uint8_t> pending_;  // bytes held for detection
  std::size_t consumed_ = 0;           // bytes fed so far (frame offsets)
};

/// Parses a protocol name of the schema ("dsmr-p1", "dsmr", "iec62056-21", "d0", "sml", "dlms", ...).
/// "auto" gives Protocol::unknown. Errors: not_found.
Result<Protocol> protocol_from_name(std::string_view name);

/// One telegram as a JSON object in the `joule-meter-expected/1` schema (compact, one line).
std::string to_json(const DecodedTelegram& telegram);

/// ISO-8601 text of a timestamp ("2020-05-12T13:54:09+02:00"; no offset when unknown).
std::string to_iso8601(const Timestamp& t);

/// The schema id of a reading ("1-0:1.8.0", "1-0:1.6.0*01", "record:3", "total_m3").
std::string reading_id(const Reading& r);

}  // namespace joule::meter
