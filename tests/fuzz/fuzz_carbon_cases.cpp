// Fuzzes the carbon JSON face and the registry log verifier: never crash, never hang.
// The first byte picks the family; the rest is the inputs JSON (or a log to verify).
// A verified log must also replay into a registry or fail with an error, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "joule/carbon/cases.hpp"
#include "joule/carbon/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  static const char* const kFamilies[] = {"scope2", "cfe", "flowtrace", "certs", "shift"};
  const unsigned pick = data[0] % 6;
  if (pick < 5) {
    auto r = joule::carbon::run_case_json(kFamilies[pick], rest);
    (void)r;
  } else {
    auto v = joule::carbon::verify_log(rest);
    if (v) {
      auto reg = joule::carbon::Registry::replay({}, rest);
      (void)reg;
    }
  }
  return 0;
}
