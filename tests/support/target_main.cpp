// Runs the core tests ON an emulated Cortex-M4 (QEMU mps2-an386): a minimal
// vector table and reset handler, then every registered TEST_CASE. Output and
// the exit status go through Arm semihosting (newlib rdimon), so ctest sees a
// failing test as a non-zero exit of QEMU.
#include <cstdint>
#include <cstdio>

#include "check.hpp"

extern "C" void _start();  // newlib rdimon crt0: sets up the C runtime, then main()

extern "C" [[noreturn]] void joule_test_reset() {
  // Enable the FPU (CPACR CP10/CP11 full access) before any float instruction.
  *reinterpret_cast<volatile std::uint32_t*>(0xE000ED88U) |= (0xFU << 20);
  __asm volatile("dsb\n\tisb" ::: "memory");
  _start();
  for (;;) {
  }
}

constexpr unsigned kStackTop = 0x20400000U;  // top of the mps2-an386 SRAM
extern "C" const void* const joule_test_vectors[2];
extern "C" __attribute__((section(".vectors"), used)) const void* const joule_test_vectors[2] = {
    reinterpret_cast<const void*>(kStackTop), reinterpret_cast<const void*>(&joule_test_reset)};

namespace joule::test {
Registry& registry() {
  static Registry r;
  return r;
}
}  // namespace joule::test

int main() {
  auto& r = joule::test::registry();
  int failed_cases = 0;
  for (int i = 0; i < r.count; ++i) {
    const int before = r.failures;
    r.fns[i]();
    if (r.failures != before) {
      ++failed_cases;
      std::printf("FAILED: %s\n", r.names[i]);
    }
  }
  std::printf("[cortex-m4] test cases: %d | %d passed | %d failed ; checks: %d | %d failed\n", r.count,
              r.count - failed_cases, failed_cases, r.checks, r.failures);
  return failed_cases == 0 ? 0 : 1;
}
