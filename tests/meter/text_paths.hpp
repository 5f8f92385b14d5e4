// Test helper: the DSMR / IEC 62056-21 data-line decoder has a fused fast path (host builds)
// and the general path (firmware builds, -Os). Both must give the same readings, telegram
// fields and errors for every input. Used by test_dsmr.cpp and fuzz_meter_dsmr_decode.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../../src/meter/core/obis_text.hpp"
#include "joule/core/fixed_vector.hpp"
#include "joule/meter/reading.hpp"

namespace joule::meter::testing {

inline bool same_view(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || a.data() == b.data());  // the same bytes of the frame
}

inline bool same_time(const Timestamp& a, const Timestamp& b) {
  return a.civil == b.civil && a.dst == b.dst && a.has_offset == b.has_offset && a.offset_min == b.offset_min &&
         a.has_utc == b.has_utc && a.utc_s == b.utc_s && a.clock_status == b.clock_status;
}

inline bool same_reading(const Reading& a, const Reading& b) {
  return a.id_kind == b.id_kind && a.obis == b.obis && a.record == b.record && same_view(a.name, b.name) &&
         a.group == b.group && a.kind == b.kind && a.number.mantissa() == b.number.mantissa() &&
         a.number.exponent() == b.number.exponent() && a.unit == b.unit && a.unit_exponent == b.unit_exponent &&
         same_view(a.unit_text, b.unit_text) && same_view(a.text, b.text) && same_time(a.time, b.time) &&
         a.count == b.count && a.has_capture_time == b.has_capture_time && same_time(a.capture_time, b.capture_time) &&
         same_view(a.raw, b.raw) && a.scaler == b.scaler && a.has_raw_integer == b.has_raw_integer &&
         a.raw_integer == b.raw_integer && a.status == b.status && a.has_status == b.has_status &&
         a.storage == b.storage && a.tariff == b.tariff && a.subunit == b.subunit && a.function == b.function;
}

/// Decodes `text` up to its first "!" (which must exist: the decoders' contract) with both
/// paths and returns nullptr when they agree, else what differs.
inline const char* text_paths_differ(std::string_view text) {
  const std::size_t bang = text.find('!');
  if (bang == std::string_view::npos) return "no '!' in the input";
  const std::string_view body(text.data(), bang);
  static FixedVector<Reading, 160> fast_store, general_store;
  fast_store.clear();
  general_store.clear();
  Telegram fast{fast_store}, general{general_store};
  const auto a = detail::decode_data_lines(body, 0, fast);
  const auto b = detail::decode_data_lines_general(body, 0, general);
  if (a.has_value() != b.has_value()) return "one path failed, the other did not";
  if (!a.has_value() && (a.error().code != b.error().code || std::strcmp(a.error().message, b.error().message) != 0 ||
                         a.error().where.kind != b.error().where.kind || a.error().where.position != b.error().where.position))
    return "different errors";
  if (fast_store.size() != general_store.size()) return "different reading counts";
  for (std::size_t i = 0; i < fast_store.size(); ++i)
    if (!same_reading(fast_store[i], general_store[i])) return "a reading differs";
  if (fast.has_timestamp != general.has_timestamp || !same_time(fast.timestamp, general.timestamp) ||
      !same_view(fast.version, general.version))
    return "telegram fields differ";
  return nullptr;
}

}  // namespace joule::meter::testing
