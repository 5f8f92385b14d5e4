// Fuzzes the carbon JSON face and the registry log: never crash, never hang.
// The first byte picks the family; the rest is the inputs JSON (or a log to verify).
//  0-4: a calculator's inputs JSON;
//  5:   a log to verify; a verified log must also replay or fail with an error;
//  6:   entry lines whose hash chain the fuzzer fixes up (it cannot forge SHA-256), so the
//       replay parser of every operation is reached with arbitrary entries;
//  7:   operation objects (one per line) applied to a live registry through the JSON face.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "joule/carbon/cases.hpp"
#include "joule/carbon/registry.hpp"

namespace {

const joule::carbon::RegistrySetup& setup() {
  static const joule::carbon::RegistrySetup s = [] {
    joule::carbon::RegistrySetup r;
    r.accepted_markets = {{"DK1", {"DK1", "DK2"}}};
    r.consumption_wh = {{"S", 1717236000, 40000}};
    r.storage = {{"B", "DK1", 0.8}};
    r.lifetime_s = 86400;
    return r;
  }();
  return s;
}

std::string hex(const std::array<std::uint8_t, 32>& d) {
  static const char* h = "0123456789abcdef";
  std::string s;
  for (auto b : d) {
    s.push_back(h[b >> 4]);
    s.push_back(h[b & 15]);
  }
  return s;
}

// {"hash":"<h>","prev":"<p>","entry":<line>} for each line, h = SHA-256(prev bytes || line).
std::string chained(std::string_view text) {
  std::string log;
  std::array<std::uint8_t, 32> prev{};
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view entry = text.substr(pos, nl - pos);
    std::string buf(reinterpret_cast<const char*>(prev.data()), prev.size());
    buf.append(entry);
    const auto h = joule::carbon::sha256(buf);
    log += "{\"hash\":\"" + hex(h) + "\",\"prev\":\"" + hex(prev) + "\",\"entry\":";
    log.append(entry);
    log += "}\n";
    prev = h;
    pos = nl + 1;
  }
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  static const char* const kFamilies[] = {"scope2", "cfe", "flowtrace", "certs", "shift"};
  const unsigned pick = data[0] % 8;
  if (pick < 5) {
    auto r = joule::carbon::run_case_json(kFamilies[pick], rest);
    (void)r;
  } else if (pick == 5) {
    auto v = joule::carbon::verify_log(rest);
    if (v) {
      auto reg = joule::carbon::Registry::replay({}, rest);
      (void)reg;
    }
  } else if (pick == 6) {
    const std::string log = chained(rest);
    if (!joule::carbon::verify_log(log)) return 0;  // entries that break the line layout
    auto reg = joule::carbon::Registry::replay(setup(), log);
    if (reg && reg->log_text() != log) __builtin_trap();  // a replayed log must be the input
  } else {
    auto reg = joule::carbon::Registry::make(setup());
    if (!reg) __builtin_trap();
    std::size_t pos = 0;
    while (pos < rest.size()) {
      std::size_t nl = rest.find('\n', pos);
      if (nl == std::string_view::npos) nl = rest.size();
      auto row = joule::carbon::registry_apply_json(*reg, rest.substr(pos, nl - pos));
      (void)row;
      pos = nl + 1;
    }
    // Whatever was accepted is a valid chain that replays to the same registry.
    if (!joule::carbon::verify_log(reg->log_text())) __builtin_trap();
    auto back = joule::carbon::Registry::replay(setup(), reg->log_text());
    if (!back || back->head_hash() != reg->head_hash()) __builtin_trap();
  }
  return 0;
}
