// Fuzzes unit-text parsing (meter text units): never crash; a found unit has a symbol.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "joule/core/units.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto u = joule::parse_scaled_unit(text);
  if (u && joule::unit_symbol(u->unit).empty()) std::abort();
  (void)joule::unit_from_symbol(text);
  return 0;
}
