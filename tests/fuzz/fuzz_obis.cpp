// Fuzzes OBIS parsing and formatting: parse must never crash, and whatever
// parses must format and parse back to the same code.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "joule/core/obis.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = joule::ObisCode::parse(text);
  if (!c) return 0;
  for (auto f : {joule::ObisFormat::full, joule::ObisFormat::compact, joule::ObisFormat::as_parsed}) {
    char buf[joule::ObisCode::kMaxChars];
    auto n = c->to_chars(buf, f);
    if (!n) std::abort();
    auto back = joule::ObisCode::parse(std::string_view(buf, *n));
    if (!back || !(*back == *c)) std::abort();
  }
  return 0;
}
