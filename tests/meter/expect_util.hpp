// Test helpers of the SML and DLMS tests: reading frame files and comparing a
// decoded core Telegram with an expected-values object of the test-data schema
// (joule-meter-expected/1, ../shared/testdata/meter/README.md): every expected
// entry must appear with the same id; numbers equal within `tolerance`
// (default 1e-9 relative), strings equal after trimming.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "joule/meter/decode.hpp"
#include "joule/meter/reading.hpp"

namespace joule::meter::testutil {

inline std::vector<std::uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
inline nlohmann::json read_json(const std::filesystem::path& p) { return nlohmann::json::parse(read_text(p)); }

/// Frame bytes of an expected file's frame (hex or binary).
inline std::vector<std::uint8_t> frame_bytes(const std::filesystem::path& dir, const nlohmann::json& e) {
  const auto p = dir / e["frame_file"].get<std::string>();
  if (e.value("frame_encoding", "") == "hex") {
    auto r = parse_hex(read_text(p));
    return r ? *r : std::vector<std::uint8_t>{};
  }
  return read_bytes(p);
}

inline std::string hex_upper(std::string_view s) {
  static const char* k = "0123456789ABCDEF";
  std::string o;
  for (unsigned char c : s) {
    o += k[c >> 4];
    o += k[c & 15];
  }
  return o;
}

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

/// Compares; returns "" when equal, else a description of the first difference.
/// `value_of(reading)` gives the reading's JSON value (number, string) as the host JSON writer would.
template <class Readings>
std::string compare(const Readings& readings, const nlohmann::json& expected_values) {
  for (const auto& ev : expected_values) {
    const std::string id = ev["id"].get<std::string>();
    const Reading* found = nullptr;
    for (const auto& r : readings) {
      if (reading_id(r) == id) {
        found = &r;
        break;
      }
    }
    if (found == nullptr) return "missing " + id;
    const auto& v = ev["value"];
    if (v.is_number()) {
      if (found->kind != ValueKind::number) return id + ": not a number";
      const double want = v.get<double>();
      const double got = found->number.to_double();
      const double tol = ev.contains("tolerance") ? ev["tolerance"].get<double>() : 1e-9 * std::max(1.0, std::fabs(want));
      if (std::fabs(want - got) > tol) return id + ": " + std::to_string(got) + " != " + std::to_string(want);
      if (ev.contains("raw") && ev["raw"].is_number() &&
          (!found->has_raw_integer || found->raw_integer != ev["raw"].get<std::int64_t>()))
        return id + ": raw differs";
      if (ev.contains("scale") && found->scaler != ev["scale"].get<int>()) return id + ": scaler differs";
      if (ev.contains("unit_code") && static_cast<int>(found->unit) != ev["unit_code"].get<int>())
        return id + ": unit code differs";
    } else if (v.is_string()) {
      std::string got;
      if (found->kind == ValueKind::octets && ev.value("value_type", "") == "octets") got = hex_upper(found->text);
      else if (found->kind == ValueKind::time) got = to_iso8601(found->time);
      else got = std::string(found->text);
      if (trim(got) != trim(v.get<std::string>())) return id + ": '" + got + "' != '" + v.get<std::string>() + "'";
    }
  }
  return "";
}

}  // namespace joule::meter::testutil
