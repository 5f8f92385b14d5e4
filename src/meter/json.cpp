// JSON output of decoded telegrams in the test-data schema `joule-meter-expected/1`
// (see docs/meter.md): one object per telegram with a `values` list.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "joule/meter/decode.hpp"

namespace joule::meter {
namespace {

using nlohmann::json;

std::string str(std::string_view v) { return std::string(v); }

// The parenthesised groups of a text-protocol object, exactly as sent.
std::vector<std::string_view> split_groups(std::string_view raw) {
  std::vector<std::string_view> g;
  std::size_t i = 0;
  while (i < raw.size()) {
    const std::size_t open = raw.find('(', i);
    if (open == std::string_view::npos) break;
    const std::size_t close = raw.find(')', open + 1);
    if (close == std::string_view::npos) break;
    g.push_back(raw.substr(open + 1, close - open - 1));
    i = close + 1;
  }
  return g;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// DSMR timestamp "YYMMDDhhmmssX" (DSMR 5.0.2 P1 §6.4) as ISO text, fields as sent.
bool dsmr_time_text(std::string_view s, std::string& out) {
  if (s.size() != 13 || !all_digits(s.substr(0, 12)) || (s[12] != 'W' && s[12] != 'S')) return false;
  out = "20";
  out.append(s.substr(0, 2));
  out += '-';
  out.append(s.substr(2, 2));
  out += '-';
  out.append(s.substr(4, 2));
  out += 'T';
  out.append(s.substr(6, 2));
  out += ':';
  out.append(s.substr(8, 2));
  out += ':';
  out.append(s.substr(10, 2));
  out += s[12] == 'S' ? "+02:00" : "+01:00";
  return true;
}

json number_json(const Decimal& d) {
  if (d.exponent() >= 0 && d.exponent() <= 6) {
    std::int64_t m = d.mantissa();
    bool ok = true;
    for (int k = 0; k < d.exponent(); ++k) {
      if (m > INT64_MAX / 10 || m < INT64_MIN / 10) { ok = false; break; }
      m *= 10;
    }
    if (ok) return json(m);
  }
  return json(d.to_double());
}

// One cell of a DSMR profile buffer row: a timestamp, a value with unit, or raw text.
json profile_cell(std::string_view g) {
  std::string iso;
  if (dsmr_time_text(g, iso)) return json{{"timestamp", iso}};
  const std::size_t star = g.find('*');
  if (star != std::string_view::npos) {
    auto d = Decimal::parse(g.substr(0, star));
    if (d) return json{{"value", number_json(*d)}, {"unit", str(g.substr(star + 1))}};
  }
  return json{{"raw", str(g)}};
}

bool looks_like_obis(std::string_view g) {
  // "0-0:96.7.19", and the reduced "0:96.7.19" some DSMR 4.0 meters send.
  return g.find(':') != std::string_view::npos && g.find('.') != std::string_view::npos;
}

// Profile generic buffer (DSMR 5.0.2 P1 §6.12 power failure event log; e-MUCS 1.7 §6.11 monthly peaks):
// (count)(captured id)...(row cells)... ; each row is one timestamp + one cell per captured id.
json buffer_json(const std::vector<std::string_view>& g) {
  json b{{"count", 0}, {"captured", json::array()}, {"rows", json::array()}};
  if (g.empty() || !all_digits(g[0])) return b;
  std::size_t count = 0;
  for (char c : g[0]) count = count * 10 + static_cast<std::size_t>(c - '0');
  std::size_t i = 1;
  while (i < g.size() && looks_like_obis(g[i])) b["captured"].push_back(str(g[i++]));
  b["count"] = count;
  const std::size_t width = b["captured"].size() + 1;
  if (b["captured"].empty()) return b;
  while (i + width <= g.size()) {
    json row = json::array();
    for (std::size_t k = 0; k < width; ++k) row.push_back(profile_cell(g[i + k]));
    b["rows"].push_back(std::move(row));
    i += width;
  }
  return b;
}

bool is_mbus(Protocol p) { return p == Protocol::mbus_wired || p == Protocol::wmbus; }
bool is_text_protocol(Protocol p) { return p == Protocol::dsmr_p1 || p == Protocol::iec62056_21; }

}  // namespace

std::string to_iso8601(const Timestamp& t) {
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u", static_cast<int>(t.civil.year),
                        unsigned{t.civil.month}, unsigned{t.civil.day}, unsigned{t.civil.hour}, unsigned{t.civil.minute},
                        unsigned{t.civil.second});
  std::string s(buf, static_cast<std::size_t>(n));
  if (t.has_offset) {
    const int off = t.offset_min;
    const int a = off < 0 ? -off : off;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", off < 0 ? '-' : '+', a / 60, a % 60);
    s += buf;
  }
  return s;
}

std::string reading_id(const Reading& r) {
  switch (r.id_kind) {
    case IdKind::record: return "record:" + std::to_string(r.record);
    case IdKind::text: return str(r.name);
    case IdKind::obis: break;
  }
  if (!r.name.empty()) {
    // Text protocols: the id as sent, "*255" (F = 255, IEC 62056-6-1 §4.2 "not used") dropped.
    std::string_view n = r.name;
    if (n.size() > 4 && (n.substr(n.size() - 4) == "*255" || n.substr(n.size() - 4) == "&255")) n.remove_suffix(4);
    return str(n);
  }
  char buf[ObisCode::kMaxChars];
  auto len = r.obis.to_chars(buf, ObisFormat::compact);
  return len ? std::string(buf, *len) : std::string("?");
}

std::string to_json(const DecodedTelegram& t) {
  json o;
  o["protocol"] = str(protocol_name(t.protocol));
  if (!t.identifier.empty()) o["identifier"] = str(t.identifier);
  if (!t.manufacturer.empty()) o["manufacturer"] = str(t.manufacturer);
  if (!t.version.empty()) o["version"] = str(t.version);
  if (t.has_timestamp) o["timestamp"] = to_iso8601(t.timestamp);
  if (t.has_timestamp && t.timestamp.has_utc) o["timestamp_utc"] = t.timestamp.utc_s;
  if (t.has_crc) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04X", unsigned{t.crc});
    o["crc"] = t.crc_text.empty() ? std::string(buf) : str(t.crc_text);
    o["crc_valid"] = true;
  }
  json values = json::array();
  for (const Reading& r : t.readings) {
    json v;
    v["id"] = reading_id(r);
    switch (r.kind) {
      case ValueKind::number: v["value"] = number_json(r.number); break;
      case ValueKind::text:
      case ValueKind::none: v["value"] = str(r.text); break;
      case ValueKind::octets: {
        std::string hex;
        static constexpr char kHex[] = "0123456789ABCDEF";
        for (unsigned char c : r.text) {
          hex += kHex[c >> 4];
          hex += kHex[c & 15];
        }
        v["value"] = hex;
        break;
      }
      case ValueKind::time: v["value"] = to_iso8601(r.time); break;
      case ValueKind::profile: break;
    }
    if (!r.unit_text.empty()) v["unit"] = str(r.unit_text);
    else if (r.kind == ValueKind::number && r.unit != Unit::none && r.unit != Unit::count) v["unit"] = str(unit_symbol(r.unit));
    if (r.kind == ValueKind::number && !is_text_protocol(t.protocol) && r.unit != Unit::none)
      v["unit_code"] = static_cast<int>(r.unit);
    if (r.has_capture_time) v["timestamp"] = to_iso8601(r.capture_time);
    if (is_text_protocol(t.protocol)) {
      const auto groups = split_groups(r.raw);
      json raw = json::array();
      for (auto g : groups) raw.push_back(str(g));
      v["raw"] = raw;
      // IEC 62056-21 load profiles (P.01) are expanded into readings of their own by the
      // decoder; their header says how many rows followed.
      const bool load_profile = r.name.size() == 4 && r.name[0] == 'P' && r.name[1] == '.';
      if (r.kind == ValueKind::profile && load_profile) v["rows"] = r.count;
      else if (r.kind == ValueKind::profile) v["buffer"] = buffer_json(groups);
    } else if (r.has_raw_integer) {
      v["raw"] = r.raw_integer;
      v["scale"] = static_cast<int>(r.scaler);
    }
    if (r.has_status) v["status"] = r.status;
    if (is_mbus(t.protocol)) {
      v["storage"] = r.storage;
      v["tariff"] = r.tariff;
      v["subunit"] = r.subunit;
      static constexpr const char* kFn[] = {"Instantaneous value", "Maximum value", "Minimum value", "Value during error state"};
      v["function"] = kFn[static_cast<int>(r.function) & 3];
    }
    if (r.group != 0) v["group"] = r.group;
    values.push_back(std::move(v));
  }
  o["values"] = std::move(values);
  return o.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace joule::meter
