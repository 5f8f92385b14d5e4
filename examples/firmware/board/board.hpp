// Board support of joule's firmware images: a Cortex-M4 with a CMSDK APB UART
// (Arm MPS2 AN386, as emulated by QEMU's mps2-an386). This is the only file a port
// to another MCU replaces: reset/startup, the console UART, the UART receive
// interrupt and the end of the program.
//
//   board::init();                       // console UART on, 115200 Bd
//   board::print("soc="); board::print_fixed(soc_milli, 3); board::print("\n");
//   board::exit(ok ? 0 : 1);             // QEMU: semihosting exit status
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>

/// The UART receive interrupt of the application (UART0 RX, IRQ 0 on MPS2). The
/// application defines it; the board's vector table points at it.
extern "C" void joule_uart_rx_isr() noexcept;

namespace board {

/// Starts the console UART (UART0, 8N1). Called once from main().
void init() noexcept;
/// Writes bytes to the console UART (busy-waits while the TX buffer is full).
void write(const char* s, std::size_t n) noexcept;
inline void print(std::string_view s) noexcept { write(s.data(), s.size()); }
/// Signed decimal integer.
void print_int(std::int64_t v) noexcept;
/// `value` scaled by 10^-decimals, e.g. print_fixed(-1234, 3) -> "-1.234".
void print_fixed(std::int64_t value, int decimals) noexcept;
/// A double rounded to `decimals` (<= 6) places (no printf: newlib-nano's float
/// formatting allocates).
void print_double(double v, int decimals) noexcept;
/// Two hex digits per byte.
void print_hex(const std::uint8_t* p, std::size_t n) noexcept;

/// Pends the UART RX interrupt in the NVIC (the emulated "byte arrived" event).
void raise_uart_rx_irq() noexcept;
/// Enables the UART RX interrupt in the NVIC.
void enable_uart_rx_irq() noexcept;

/// Bytes of the main stack never written since reset (the stack is painted with a
/// pattern by the reset handler): stack_size_bytes() - stack_unused_bytes() is the
/// measured peak stack use.
std::size_t stack_unused_bytes() noexcept;
std::size_t stack_size_bytes() noexcept;

/// Storage for a large object in .bss, constructed at run time. A global with non-zero
/// default members (joule::meter::Reading: year 1970, clock status 0xFF) would
/// otherwise be initialised data: its initial image costs flash AND RAM (a
/// FixedVector<Reading, 48> is 10 kB of each). Call construct() once at start-up.
template <class T>
class BssObject {
 public:
  T& construct() noexcept { return *::new (static_cast<void*>(bytes_)) T(); }
  T& operator*() noexcept { return *std::launder(reinterpret_cast<T*>(bytes_)); }
  T* operator->() noexcept { return std::launder(reinterpret_cast<T*>(bytes_)); }

 private:
  alignas(T) unsigned char bytes_[sizeof(T)];
};

/// Ends the program: QEMU exits with status 0 (code 0) or 1 (otherwise) through
/// Arm semihosting; a real board would reset or sleep here.
[[noreturn]] void exit(int code) noexcept;

}  // namespace board
