// Host decode(): hex input, protocol detection and dispatch to the per-protocol stream decoders.
#include "joule/meter/decode.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "decode_internal.hpp"
#include "joule/meter/frame.hpp"

namespace joule::meter {

namespace detail {

DecodedTelegram adopt(const Telegram& t, std::shared_ptr<std::vector<std::uint8_t>> storage, std::size_t offset) {
  DecodedTelegram d;
  d.protocol = t.protocol;
  d.identifier = t.identifier;
  d.manufacturer = t.manufacturer;
  d.version = t.version;
  d.has_timestamp = t.has_timestamp;
  d.timestamp = t.timestamp;
  d.has_crc = t.has_crc;
  d.crc = t.crc;
  d.crc_text = t.crc_text;
  d.readings.assign(t.readings.begin(), t.readings.end());
  d.frame_offset = offset;
  d.storage = std::move(storage);
  return d;
}

namespace {

// One case per protocol whose host stream decoder is built. Add yours here.
Result<void> dispatch(Protocol p, std::span<const std::uint8_t> bytes, const DecodeOptions& o, DecodeOutput& out) {
  switch (p) {
    case Protocol::dsmr_p1: return decode_stream_dsmr(bytes, o, out);
    case Protocol::iec62056_21: return decode_stream_iec62056_21(bytes, o, out);
    default: break;
  }
  return fail(Errc::unsupported, "no decoder for this protocol in this build", Where::at_field("protocol"));
}

}  // namespace
}  // namespace detail

Result<std::vector<std::uint8_t>> parse_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  int hi = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '_' || c == '|' || c == ':') {
      if (hi >= 0 && c != '_' && c != '|') return fail(Errc::malformed, "hex byte split by whitespace", Where::byte(i));
      continue;
    } else {
      return fail(Errc::malformed, "not a hex digit", Where::byte(i));
    }
    if (hi < 0) hi = v;
    else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0) return fail(Errc::malformed, "odd number of hex digits", Where::byte(text.size()));
  return out;
}

Result<Protocol> protocol_from_name(std::string_view n) {
  struct Alias {
    std::string_view name;
    Protocol p;
  };
  static constexpr Alias kAliases[] = {
      {"auto", Protocol::unknown},        {"dsmr", Protocol::dsmr_p1},          {"p1", Protocol::dsmr_p1},
      {"iec62056-21", Protocol::iec62056_21}, {"d0", Protocol::iec62056_21},    {"iec", Protocol::iec62056_21},
      {"dlms", Protocol::dlms_hdlc},      {"hdlc", Protocol::dlms_hdlc},        {"mbus", Protocol::mbus_wired},
      {"m-bus", Protocol::mbus_wired},    {"wm-bus", Protocol::wmbus},
  };
  for (const auto& a : kAliases)
    if (a.name == n) return a.p;
  for (int i = 1; i <= static_cast<int>(Protocol::sunspec); ++i)
    if (protocol_name(static_cast<Protocol>(i)) == n) return static_cast<Protocol>(i);
  return fail(Errc::not_found, "unknown protocol name", Where::at_field("protocol"));
}

Result<DecodeOutput> decode(std::span<const std::uint8_t> bytes, const DecodeOptions& options) {
  if (!options.key.empty() && options.key.size() != 16)
    return fail(Errc::invalid_argument, "key must be 16 bytes (AES-128)", Where::at_field("key"));
  if (!options.auth_key.empty() && options.auth_key.size() != 16)
    return fail(Errc::invalid_argument, "authentication key must be 16 bytes", Where::at_field("auth_key"));
  std::vector<std::uint8_t> dehexed;
  if (options.hex_input) {
    JOULE_TRY(dehexed, parse_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
    bytes = dehexed;
  }
  Protocol p = options.protocol;
  if (p == Protocol::unknown) {
    p = detect(bytes.first(std::min<std::size_t>(bytes.size(), 512))).protocol;
    if (p == Protocol::unknown && !options.hex_input) {
      // A hex dump of a binary frame? (the test-data .hex files)
      auto h = parse_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      if (h && !h->empty()) {
        dehexed = std::move(*h);
        bytes = dehexed;
        p = detect(bytes.first(std::min<std::size_t>(bytes.size(), 512))).protocol;
      }
    }
    if (p == Protocol::unknown) return fail(Errc::unsupported, "protocol not recognised from the first bytes");
  }
  DecodeOutput out;
  JOULE_RETURN_IF_ERROR(detail::dispatch(p, bytes, options, out));
  if (out.telegrams.empty()) {
    if (!out.errors.empty()) return fail(out.errors.front().error);
    return fail(Errc::incomplete, "no complete frame in the input", Where::byte(bytes.size()));
  }
  return out;
}

}  // namespace joule::meter
