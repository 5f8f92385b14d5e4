// A firmware image that uses the freestanding core the way a meter gateway
// does: checks a frame CRC, parses OBIS codes and exact decimals from text.
// Linked with newlib-nano; the post-link check proves it has no heap,
// exceptions or RTTI. Modules add their own entry points through
// JOULE_FIRMWARE_EXTRA_IMAGE_SOURCES (each defines a joule_fw_<module>()).
#include <cstdint>
#include <span>
#include <string_view>

#include "joule/core/civil.hpp"
#include "joule/core/crc.hpp"
#include "joule/core/decimal.hpp"
#include "joule/core/obis.hpp"
#include "joule/core/units.hpp"

// Each module's firmware entry point (tests/firmware/fw_<module>.cpp), weak so
// the image links whichever modules have one.
extern "C" int joule_fw_meter(volatile const std::uint8_t* input, std::uint32_t n) __attribute__((weak));
extern "C" int joule_fw_battery(volatile const std::uint8_t* input, std::uint32_t n) __attribute__((weak));
extern "C" int joule_fw_market(volatile const std::uint8_t* input, std::uint32_t n) __attribute__((weak));
extern "C" int joule_fw_carbon(volatile const std::uint8_t* input, std::uint32_t n) __attribute__((weak));

namespace {
volatile std::uint8_t g_rx[64];  // stands in for a UART DMA buffer
volatile std::int64_t g_sink;
}  // namespace

int main() {
  std::uint8_t frame[sizeof g_rx];
  for (std::size_t i = 0; i < sizeof g_rx; ++i) frame[i] = g_rx[i];
  auto crc = joule::verify_trailing_crc16<joule::Crc16Kind::modbus>(frame, joule::CrcByteOrder::little_endian);
  const std::string_view text(reinterpret_cast<const char*>(frame), sizeof frame);
  auto code = joule::ObisCode::parse(std::string_view(text.data(), 13));
  auto value = joule::Decimal::parse(std::string_view(text.data() + 14, 10));
  auto unit = joule::parse_scaled_unit(std::string_view(text.data() + 25, 3));
  auto t = joule::to_unix_seconds({2024, 3, 31, 2, 0, 0}, 3600);
  g_sink = (crc ? 1 : 0) + (code ? code->packed() : 0) + (value ? value->mantissa() : 0) + (unit ? unit->exponent : 0) +
           (t ? *t : 0) + joule::crc16_x25(frame) + joule::crc16_arc(frame) + joule::crc16_en13757(frame) +
           joule::mbus_checksum(frame);
  if (joule_fw_meter) g_sink = g_sink + joule_fw_meter(g_rx, sizeof g_rx);
  if (joule_fw_battery) g_sink = g_sink + joule_fw_battery(g_rx, sizeof g_rx);
  if (joule_fw_market) g_sink = g_sink + joule_fw_market(g_rx, sizeof g_rx);
  if (joule_fw_carbon) g_sink = g_sink + joule_fw_carbon(g_rx, sizeof g_rx);
  return 0;
}
