// Fuzzes the battery case JSON parser, validation, screens, the exact solver
// and the verifier: no crash, no hang, and every solved schedule verifies.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "joule/battery/dispatch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto prob = joule::battery::parse_case_json(text);
  if (!prob) return 0;
  (void)joule::battery::screen(*prob);
  // keep each run short: the DP is linear in T, demand windows multiply it
  if (prob->steps() > 64 || prob->demand_charges.size() > 2) return 0;
  for (double v : prob->price_import)
    if (v > 1e6 || v < -1e6) return 0;
  auto sol = joule::battery::solve(*prob);
  if (!sol) return 0;
  const auto ver = joule::battery::verify(*prob, sol->schedule, sol->certificate);
  // a solved schedule must be feasible for moderate data (tolerances are absolute)
  if (!ver.feasible && prob->battery.capacity_kwh < 1e4 && prob->grid.import_max_kw < 1e4) std::abort();
  return 0;
}
