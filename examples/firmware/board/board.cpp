// Startup, console UART, interrupt vectors and semihosting exit of the MPS2 AN386
// board (Cortex-M4F). No C library start-up code: the reset handler enables the
// FPU, copies .data from flash, clears .bss, paints the stack and runs the static
// constructors before main().
#include "board.hpp"

extern "C" {
extern std::uint32_t __data_start__[], __data_end__[], __data_load__[];
extern std::uint32_t __bss_start__[], __bss_end__[];
extern std::uint32_t __stack_limit__[], __stack_top__[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
int main();
}

namespace {

constexpr std::uint32_t kStackPaint = 0xC0FFEE55u;

// CMSDK APB UART0 (Arm DDI 0479, "APB UART"): DATA, STATE, CTRL, INTSTATUS, BAUDDIV.
struct CmsdkUart {
  volatile std::uint32_t data;
  volatile std::uint32_t state;  // bit 0: TX buffer full, bit 1: RX buffer full
  volatile std::uint32_t ctrl;   // bit 0: TX enable, bit 1: RX enable, bit 3: RX interrupt enable
  volatile std::uint32_t intstatus;
  volatile std::uint32_t bauddiv;
};
CmsdkUart& uart0() { return *reinterpret_cast<CmsdkUart*>(0x40004000u); }

constexpr std::uint32_t kSysClockHz = 25'000'000;  // MPS2 FPGA system clock
constexpr std::uint32_t kBaud = 115'200;
constexpr unsigned kUartRxIrq = 0;  // MPS2 AN386: IRQ 0 = UART0 RX

volatile std::uint32_t* const kNvicIser0 = reinterpret_cast<volatile std::uint32_t*>(0xE000E100u);
volatile std::uint32_t* const kNvicIspr0 = reinterpret_cast<volatile std::uint32_t*>(0xE000E200u);

[[noreturn]] void halt() noexcept {
  for (;;) __asm volatile("wfi");
}

}  // namespace

extern "C" [[noreturn]] void joule_board_fault() noexcept {
  board::print("\nFAULT: hard fault or unexpected interrupt\n");
  board::exit(2);
}

extern "C" [[noreturn]] void joule_board_reset() noexcept {
  // FPU on (CPACR CP10/CP11 full access) before any floating-point instruction.
  *reinterpret_cast<volatile std::uint32_t*>(0xE000ED88u) |= (0xFu << 20);
  __asm volatile("dsb\n\tisb" ::: "memory");
  for (std::uint32_t *s = __data_load__, *d = __data_start__; d < __data_end__;) *d++ = *s++;
  for (std::uint32_t* d = __bss_start__; d < __bss_end__;) *d++ = 0;
  // Paint the stack below the current frame (the reset handler's own few bytes excluded).
  std::uint32_t* sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  for (volatile std::uint32_t* p = __stack_limit__; p < sp - 16;) *p++ = kStackPaint;
  for (auto* f = __init_array_start; f < __init_array_end; ++f) (*f)();
  board::exit(main());
}

// Cortex-M vector table: initial stack pointer, reset, 14 system exceptions, then the
// external interrupts of the board (only the UART0 RX line is used).
extern "C" __attribute__((section(".vectors"), used)) void (*const joule_board_vectors[17])() = {
    reinterpret_cast<void (*)()>(__stack_top__),
    joule_board_reset,
    joule_board_fault,  // NMI
    joule_board_fault,  // HardFault
    joule_board_fault,  // MemManage
    joule_board_fault,  // BusFault
    joule_board_fault,  // UsageFault
    nullptr, nullptr, nullptr, nullptr,
    joule_board_fault,  // SVCall
    joule_board_fault,  // DebugMon
    nullptr,
    joule_board_fault,  // PendSV
    joule_board_fault,  // SysTick
    joule_uart_rx_isr,  // IRQ 0: UART0 RX
};

// Images without a UART receive path still link.
extern "C" __attribute__((weak)) void joule_uart_rx_isr() noexcept {}

namespace board {

void init() noexcept {
  uart0().bauddiv = kSysClockHz / kBaud;
  uart0().ctrl = 0x1u | 0x2u;  // TX and RX enabled
}

void write(const char* s, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    while (uart0().state & 0x1u) {
    }
    uart0().data = static_cast<std::uint8_t>(s[i]);
  }
}

void print_int(std::int64_t v) noexcept {
  char buf[24];
  int i = sizeof buf;
  const bool neg = v < 0;
  std::uint64_t u = neg ? 0u - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  do {
    buf[--i] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (neg) buf[--i] = '-';
  write(buf + i, sizeof buf - static_cast<std::size_t>(i));
}

void print_fixed(std::int64_t value, int decimals) noexcept {
  std::int64_t scale = 1;
  for (int k = 0; k < decimals; ++k) scale *= 10;
  const bool neg = value < 0;
  const std::uint64_t u = neg ? 0u - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  if (neg) print("-");
  print_int(static_cast<std::int64_t>(u / static_cast<std::uint64_t>(scale)));
  if (decimals <= 0) return;
  char frac[20];
  std::uint64_t f = u % static_cast<std::uint64_t>(scale);
  for (int k = decimals - 1; k >= 0; --k) {
    frac[k] = static_cast<char>('0' + f % 10);
    f /= 10;
  }
  print(".");
  write(frac, static_cast<std::size_t>(decimals));
}

void print_double(double v, int decimals) noexcept {
  double scale = 1;
  for (int k = 0; k < decimals; ++k) scale *= 10;
  const double x = v * scale;
  print_fixed(static_cast<std::int64_t>(x < 0 ? x - 0.5 : x + 0.5), decimals);
}

void print_hex(const std::uint8_t* p, std::size_t n) noexcept {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < n; ++i) {
    const char two[2] = {kDigits[p[i] >> 4], kDigits[p[i] & 0xF]};
    write(two, 2);
  }
}

void enable_uart_rx_irq() noexcept { *kNvicIser0 = 1u << kUartRxIrq; }

void raise_uart_rx_irq() noexcept {
  *kNvicIspr0 = 1u << kUartRxIrq;
  __asm volatile("dsb\n\tisb" ::: "memory");  // the interrupt is taken here
}

std::size_t stack_size_bytes() noexcept {
  return static_cast<std::size_t>(reinterpret_cast<const char*>(__stack_top__) -
                                  reinterpret_cast<const char*>(__stack_limit__));
}

std::size_t stack_unused_bytes() noexcept {
  const volatile std::uint32_t* p = __stack_limit__;
  while (p < __stack_top__ && *p == kStackPaint) ++p;
  return static_cast<std::size_t>(reinterpret_cast<const volatile char*>(p) -
                                  reinterpret_cast<const char*>(__stack_limit__));
}

[[noreturn]] void exit(int code) noexcept {
  // Semihosting SYS_EXIT (0x18) with ADP_Stopped_ApplicationExit (0x20026): QEMU exits
  // with status 0; any other reason (RunTimeErrorUnknown, 0x20023) makes it exit 1.
  const std::uint32_t reason = code == 0 ? 0x20026u : 0x20023u;
  register std::uint32_t r0 __asm("r0") = 0x18;
  register std::uint32_t r1 __asm("r1") = reason;
  __asm volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
  halt();
}

}  // namespace board
