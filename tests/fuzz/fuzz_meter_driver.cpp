// Fuzzes the declarative meter driver parser (JSON schema) and applying a parsed driver.
// The input is driver JSON; when it parses, the driver is applied to a fixed telegram and to
// the input bytes read as a telegram, with a compact-frame cache in between.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "joule/meter/drivers.hpp"

namespace drivers = joule::meter::drivers;

namespace {
// A plaintext wM-Bus telegram (ELS water meter, CI 0x78): volume, date/time, stored values, flags.
const std::uint8_t kTelegram[] = {0x25, 0x44, 0x93, 0x15, 0x78, 0x56, 0x34, 0x12, 0x33, 0x07, 0x78,
                                  0x04, 0x13, 0xD2, 0x04, 0x00, 0x00, 0x04, 0x6D, 0x0B, 0x2A, 0xB7, 0x21,
                                  0x44, 0x13, 0xE8, 0x03, 0x00, 0x00, 0x42, 0x6C, 0x9F, 0x2C,
                                  0x02, 0xFD, 0x17, 0x04, 0x00};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  drivers::Registry reg;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!reg.add_json(text)) return 0;
  drivers::FormatCache cache;
  drivers::ApplyOptions o;
  o.registry = &reg;
  o.formats = &cache;
  for (const auto& name : reg.names()) {
    o.driver = name;
    if (auto r = drivers::apply(kTelegram, o)) (void)drivers::to_json(*r);
    if (auto r = drivers::apply(std::span<const std::uint8_t>(data, size), o)) (void)drivers::to_json(*r);
    (void)reg.driver_json(name);
  }
  o.driver = "auto";
  (void)drivers::apply(kTelegram, o);
  return 0;
}
