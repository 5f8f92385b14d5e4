// The meter module's firmware entry point: calls each protocol owner's hook (weak, so a
// build without one still links). Keeps every decoder in the image so `make firmware`
// reports its code size.
#include <cstdint>

extern "C" int joule_fw_meter_text(volatile const std::uint8_t* input, std::uint32_t n) __attribute__((weak));
extern "C" int joule_fw_meter_sml_dlms(volatile const std::uint8_t* input, std::uint32_t n) __attribute__((weak));
extern "C" int joule_fw_meter_mbus(volatile const std::uint8_t* input, std::uint32_t n) __attribute__((weak));

extern "C" int joule_fw_meter(volatile const std::uint8_t* input, std::uint32_t n) {
  int sum = 0;
  if (joule_fw_meter_text) sum += joule_fw_meter_text(input, n);
  if (joule_fw_meter_sml_dlms) sum += joule_fw_meter_sml_dlms(input, n);
  if (joule_fw_meter_mbus) sum += joule_fw_meter_mbus(input, n);
  return sum;
}
