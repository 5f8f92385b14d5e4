// Main of the per-decoder firmware images: runs every decoder hook the image links
// (weak references) and reports PASS/FAIL through the semihosting exit status.
#include <cstdint>

#include "board.hpp"

extern "C" int joule_fwdec_dsmr() __attribute__((weak));
extern "C" int joule_fwdec_iec62056_21() __attribute__((weak));
extern "C" int joule_fwdec_sml() __attribute__((weak));
extern "C" int joule_fwdec_dlms() __attribute__((weak));
extern "C" int joule_fwdec_mbus() __attribute__((weak));
extern "C" int joule_fwdec_wmbus() __attribute__((weak));
extern "C" int joule_fwdec_modbus() __attribute__((weak));
extern "C" int joule_fwdec_sunspec() __attribute__((weak));

int main() {
  board::init();
  board::print("joule decoder image\n");
  int failures = 0;
  int (*const hooks[])() = {joule_fwdec_dsmr,  joule_fwdec_iec62056_21, joule_fwdec_sml,    joule_fwdec_dlms,
                            joule_fwdec_mbus,  joule_fwdec_wmbus,       joule_fwdec_modbus, joule_fwdec_sunspec};
  for (auto* hook : hooks)
    if (hook) failures += hook();
  board::print("stack: peak use ");
  board::print_int(static_cast<std::int64_t>(board::stack_size_bytes() - board::stack_unused_bytes()));
  board::print(" bytes\n");
  board::print(failures == 0 ? "RESULT: PASS\n" : "RESULT: FAIL\n");
  return failures == 0 ? 0 : 1;
}
