// Uses only the freestanding core (joule::core), as gateway firmware does.
#include <cstdint>
#include <cstdio>

#include "joule/core/crc.hpp"
#include "joule/core/obis.hpp"

int main() {
  const std::uint8_t check[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  auto c = joule::ObisCode::parse("0-1:24.2.1");
  const bool ok = c && c->b() == 1 && joule::crc16_x25(check) == 0x906E;
  std::printf("consumer (core only): %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
