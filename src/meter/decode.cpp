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
    case Protocol::sml: return decode_stream_sml(bytes, o, out);
    case Protocol::dlms_hdlc:
    case Protocol::dlms_mbus:
    case Protocol::dlms_raw:
    case Protocol::dlms_apdu:
    case Protocol::dlms_gcm: return decode_stream_dlms(p, bytes, o, out);
    case Protocol::dlms_p1_ascii: return decode_stream_dsmr(bytes, o, out);
    case Protocol::mbus_wired: return decode_stream_mbus(bytes, o, out);
    case Protocol::wmbus: return decode_stream_wmbus(bytes, o, out);
    case Protocol::modbus: return decode_stream_modbus(bytes, o, out);
    case Protocol::sunspec: return decode_stream_sunspec(bytes, o, out);
    default: break;
  }
  return fail(Errc::unsupported, "no decoder for this protocol in this build", Where::at_field("protocol"));
}

}  // namespace

std::unique_ptr<StreamImpl> make_stream_impl(Protocol p, const DecodeOptions& o) {
  switch (p) {
    case Protocol::dsmr_p1: return make_dsmr_stream(o);
    case Protocol::iec62056_21: return make_iec62056_21_stream(o);
    case Protocol::sml: return make_sml_stream(o);
    case Protocol::dlms_hdlc: return make_dlms_stream(o);
    default: break;
  }
  return nullptr;
}

}  // namespace detail

Result<StreamDecoder> StreamDecoder::create(const DecodeOptions& options) {
  if (!options.key.empty() && options.key.size() != 16)
    return fail(Errc::invalid_argument, "key must be 16 bytes (AES-128)", Where::at_field("key"));
  if (options.hex_input) return fail(Errc::unsupported, "stream decoding takes bytes, not hex text", Where::at_field("hex_input"));
  StreamDecoder d;
  d.options_ = options;
  if (options.protocol != Protocol::unknown) {
    d.impl_ = detail::make_stream_impl(options.protocol, options);
    if (!d.impl_) return fail(Errc::unsupported, "no stream decoder for this protocol in this build", Where::at_field("protocol"));
  }
  return d;
}

Result<DecodeOutput> StreamDecoder::feed(std::span<const std::uint8_t> bytes) {
  DecodeOutput out;
  if (!impl_) {
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
    const Detection d = detect(pending_);
    if (d.protocol == Protocol::unknown) {
      if (pending_.size() > 512) {
        pending_.erase(pending_.begin(), pending_.end() - 64);  // keep looking, bounded
      }
      return out;
    }
    // DSMR vs IEC 62056-21 needs the end of the identification line.
    if ((d.protocol == Protocol::dsmr_p1 || d.protocol == Protocol::iec62056_21) &&
        std::string_view(reinterpret_cast<const char*>(pending_.data()) + d.offset, pending_.size() - d.offset).find("\r\n") ==
            std::string_view::npos &&
        pending_.size() < 512)
      return out;
    options_.protocol = d.protocol;
    impl_ = detail::make_stream_impl(d.protocol, options_);
    if (!impl_) return fail(Errc::unsupported, "no stream decoder for the detected protocol", Where::at_field("protocol"));
    std::vector<std::uint8_t> held;
    held.swap(pending_);
    JOULE_RETURN_IF_ERROR(impl_->feed(held, out));
    return out;
  }
  JOULE_RETURN_IF_ERROR(impl_->feed(bytes, out));
  return out;
}

Result<DecodeOutput> StreamDecoder::finish() {
  DecodeOutput out;
  if (impl_) JOULE_RETURN_IF_ERROR(impl_->finish(out));
  return out;
}

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
      {"modbus-rtu", Protocol::modbus},   {"modbus-tcp", Protocol::modbus},
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
