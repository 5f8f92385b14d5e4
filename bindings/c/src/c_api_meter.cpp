// C API of the meter decoders (joule_meter.h) over the host decode() / StreamDecoder.
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <string>

#include "c_api_internal.hpp"
#include "joule/meter/decode.hpp"
#include "joule_meter.h"

using namespace joule;
using namespace joule::meter;

struct joule_meter_decoder {
  StreamDecoder decoder;
  std::deque<DecodedTelegram> waiting;
  std::size_t dropped = 0;
};

namespace {

template <std::size_t N>
void copy_text(char (&dst)[N], std::string_view s) {
  const std::size_t n = std::min(s.size(), N - 1);
  if (n > 0) std::memcpy(dst, s.data(), n);
  dst[n] = '\0';
}

void fill_time(joule_meter_time& o, const Timestamp& t) {
  o.year = t.civil.year;
  o.month = t.civil.month;
  o.day = t.civil.day;
  o.hour = t.civil.hour;
  o.minute = t.civil.minute;
  o.second = t.civil.second;
  o.dst = static_cast<uint8_t>(t.dst);
  o.has_offset = t.has_offset;
  o.offset_min = t.offset_min;
  o.has_utc = t.has_utc;
  o.utc_s = t.utc_s;
  copy_text(o.iso, to_iso8601(t));
}

Result<DecodeOptions> options_from(const joule_meter_options* o) {
  DecodeOptions d;
  if (o == nullptr) return d;
  if (o->size < sizeof(joule_meter_options))
    return fail(Errc::invalid_argument, "joule_meter_options.size: call joule_meter_options_init", Where::at_field("size"));
  if (o->protocol < 0 || o->protocol > JOULE_METER_SUNSPEC)
    return fail(Errc::invalid_argument, "unknown protocol", Where::at_field("protocol"));
  d.protocol = static_cast<Protocol>(o->protocol);
  if (o->key != nullptr) d.key.assign(o->key, o->key + o->key_len);
  if (o->auth_key != nullptr) d.auth_key.assign(o->auth_key, o->auth_key + o->auth_key_len);
  d.verify_checksum = o->verify_checksum != 0;
  d.hex_input = o->hex_input != 0;
  return d;
}

// Copies a decoded telegram into the caller's structs and text buffer.
joule_status export_telegram(const DecodedTelegram& t, joule_meter_telegram* out, joule_meter_reading* readings,
                             size_t capacity, char* text, size_t text_cap, size_t* text_needed) {
  std::memset(out, 0, sizeof *out);
  out->protocol = static_cast<joule_meter_protocol>(t.protocol);
  copy_text(out->identifier, t.identifier);
  copy_text(out->version, t.version);
  out->has_timestamp = t.has_timestamp;
  if (t.has_timestamp) fill_time(out->timestamp, t.timestamp);
  out->has_crc = t.has_crc;
  out->crc = t.crc;
  out->readings_needed = t.readings.size();
  std::size_t text_used = 0;
  bool short_text = false;
  const std::size_t n = std::min(capacity, t.readings.size());
  for (std::size_t i = 0; i < t.readings.size(); ++i) {
    const Reading& r = t.readings[i];
    std::string value_text;
    switch (r.kind) {
      case ValueKind::text:
      case ValueKind::octets:
      case ValueKind::none: value_text.assign(r.text); break;
      case ValueKind::time: value_text = to_iso8601(r.time); break;
      case ValueKind::profile: value_text.assign(r.raw); break;
      case ValueKind::number: break;
    }
    const std::size_t offset = text_used;
    if (!value_text.empty() || r.kind != ValueKind::number) {
      if (text != nullptr && offset + value_text.size() + 1 <= text_cap) {
        if (!value_text.empty()) std::memcpy(text + offset, value_text.data(), value_text.size());
        text[offset + value_text.size()] = '\0';
      } else {
        short_text = true;
      }
      text_used += value_text.size() + 1;
    }
    if (i >= n) continue;
    joule_meter_reading& o = readings[i];
    std::memset(&o, 0, sizeof o);
    copy_text(o.id, reading_id(r));
    o.obis = {r.obis.a(), r.obis.b(), r.obis.c(), r.obis.d(), r.obis.e(), r.obis.f()};
    o.kind = static_cast<joule_meter_value_kind>(r.kind);
    o.number = {r.number.mantissa(), r.number.exponent()};
    o.value = r.kind == ValueKind::number ? r.number.to_double() : std::numeric_limits<double>::quiet_NaN();
    o.unit = static_cast<int32_t>(r.unit);
    o.unit_exponent = r.unit_exponent;
    copy_text(o.unit_text, r.unit_text.empty() && r.kind == ValueKind::number ? unit_symbol(r.unit) : r.unit_text);
    o.text_offset = offset;
    o.text_len = value_text.size();
    if (r.kind == ValueKind::time) fill_time(o.time, r.time);
    o.has_capture_time = r.has_capture_time;
    if (r.has_capture_time) fill_time(o.capture_time, r.capture_time);
    o.count = r.count;
    o.group = r.group;
    o.storage = r.storage;
    o.tariff = r.tariff;
    o.subunit = r.subunit;
    o.function = static_cast<int32_t>(r.function);
  }
  out->reading_count = n;
  if (text_needed != nullptr) *text_needed = text_used;
  if (n < t.readings.size())
    return capi::report(JOULE_BUFFER_TOO_SMALL, "readings array too small; telegram->readings_needed says how many");
  if (short_text) return capi::report(JOULE_BUFFER_TOO_SMALL, "text buffer too small; *text_needed says how many bytes");
  return capi::ok();
}

}  // namespace

extern "C" {

void joule_meter_options_init(joule_meter_options* o) {
  if (o == nullptr) return;
  std::memset(o, 0, sizeof *o);
  o->size = sizeof *o;
  o->protocol = JOULE_METER_AUTO;
  o->verify_checksum = 1;
}

const char* joule_meter_protocol_name(joule_meter_protocol p) {
  if (p < 0 || p > JOULE_METER_SUNSPEC) return "unknown";
  return protocol_name(static_cast<Protocol>(p)).data();  // literals: NUL-terminated
}

joule_status joule_meter_decode(const uint8_t* data, size_t len, const joule_meter_options* options,
                                joule_meter_telegram* telegram, joule_meter_reading* readings, size_t capacity,
                                char* text, size_t text_cap, size_t* text_needed) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(data != nullptr || len == 0, "data is NULL");
    JOULE_C_REQUIRE(telegram != nullptr, "telegram is NULL");
    JOULE_C_REQUIRE(readings != nullptr || capacity == 0, "readings is NULL");
    auto o = options_from(options);
    if (!o) return capi::report(o.error());
    o->keep_going = false;
    auto r = decode({data, len}, *o);
    if (!r) return capi::report(r.error());
    return export_telegram(r->telegrams.front(), telegram, readings, capacity, text, text_cap, text_needed);
  });
}

joule_status joule_meter_decode_json(const uint8_t* data, size_t len, const joule_meter_options* options, char* buf,
                                     size_t cap, size_t* len_out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(data != nullptr || len == 0, "data is NULL");
    auto o = options_from(options);
    if (!o) return capi::report(o.error());
    auto r = decode({data, len}, *o);
    if (!r) return capi::report(r.error());
    std::string all;
    for (const auto& t : r->telegrams) all += to_json(t) + "\n";
    return capi::write_string(all, buf, cap, len_out);
  });
}

joule_status joule_meter_decoder_create(const joule_meter_options* options, joule_meter_decoder** out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    *out = nullptr;
    auto o = options_from(options);
    if (!o) return capi::report(o.error());
    auto d = StreamDecoder::create(*o);
    if (!d) return capi::report(d.error());
    *out = new joule_meter_decoder{std::move(*d), {}, 0};
    return capi::ok();
  });
}

void joule_meter_decoder_destroy(joule_meter_decoder* d) { delete d; }

joule_status joule_meter_decoder_feed(joule_meter_decoder* d, const uint8_t* data, size_t len, size_t* completed,
                                      size_t* dropped) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(d != nullptr, "decoder is NULL");
    JOULE_C_REQUIRE(data != nullptr || len == 0, "data is NULL");
    auto r = d->decoder.feed({data, len});
    if (!r) return capi::report(r.error());
    for (auto& t : r->telegrams) d->waiting.push_back(std::move(t));
    d->dropped += r->errors.size();
    if (completed) *completed = d->waiting.size();
    if (dropped) *dropped = d->dropped;
    return capi::ok();
  });
}

joule_status joule_meter_decoder_next(joule_meter_decoder* d, joule_meter_telegram* telegram,
                                      joule_meter_reading* readings, size_t capacity, char* text, size_t text_cap,
                                      size_t* text_needed) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(d != nullptr, "decoder is NULL");
    JOULE_C_REQUIRE(telegram != nullptr, "telegram is NULL");
    if (d->waiting.empty()) return capi::report(JOULE_NOT_FOUND, "no telegram waiting");
    const joule_status s = export_telegram(d->waiting.front(), telegram, readings, capacity, text, text_cap, text_needed);
    if (s != JOULE_BUFFER_TOO_SMALL) d->waiting.pop_front();  // retry with bigger buffers keeps it
    return s;
  });
}

}  // extern "C"
