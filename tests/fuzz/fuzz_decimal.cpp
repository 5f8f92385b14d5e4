// Fuzzes decimal parsing: never crash; a parsed value prints and re-parses
// to the same value; to_double is finite.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "joule/core/decimal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto d = joule::Decimal::parse(text);
  if (!d) return 0;
  char buf[joule::Decimal::kMaxChars];
  auto n = d->to_chars(buf);
  if (!n) std::abort();
  auto back = joule::Decimal::parse(std::string_view(buf, *n));
  if (!back || !(*back == *d)) std::abort();
  if (!std::isfinite(d->to_double())) std::abort();
  return 0;
}
