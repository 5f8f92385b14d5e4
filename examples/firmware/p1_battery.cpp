// joule firmware example: a home-battery gateway on a Cortex-M4.
//
// DSMR P1 telegrams arrive on a UART; the receive interrupt moves bytes into a
// lock-free ring buffer; the main loop feeds them to joule's P1 splitter, decodes
// each complete telegram (CRC-checked) and runs the real-time battery controller
// with the decoded import/export power: the battery covers the site's import and
// stores its export (self-consumption), keeps a frequency-containment reserve
// (droop) and honours a demand-response import cap. Readings and set-points are
// printed on the console UART.
//
// The meter here is simulated: real telegrams (tests/data/meter/dsmr, embedded at
// build time) are pushed into an emulated UART receive FIFO in chunks of 1 to 16
// bytes and the UART RX interrupt is raised through the NVIC, so the splitter sees
// exactly what a real UART driver gives it, with a torn telegram and line noise
// in between. On a real board only `joule_uart_rx_isr` changes (read the UART data
// register instead of the emulated FIFO); see docs/firmware.md.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "board.hpp"
#include "joule/battery/rt_controller.hpp"
#include "joule/core/fixed_vector.hpp"
#include "joule/meter/dsmr.hpp"
#include "p1_stream.hpp"  // generated: kP1Stream, the telegrams as a UART would deliver them

namespace {

using joule::ObisCode;
namespace meter = joule::meter;
namespace battery = joule::battery;

// ---------------------------------------------------------------- UART receive path

// Single-producer (ISR) single-consumer (main loop) ring buffer. 32-bit atomics are
// plain loads/stores plus barriers on Cortex-M4: no locks, no disabled interrupts.
template <std::size_t N>
class RxRing {
  static_assert((N & (N - 1)) == 0, "power of two");

 public:
  bool push(std::uint8_t b) noexcept {  // ISR side
    const std::uint32_t h = head_.load(std::memory_order_relaxed);
    if (h - tail_.load(std::memory_order_acquire) == N) return false;  // full: byte lost
    buf_[h % N] = b;
    head_.store(h + 1, std::memory_order_release);
    return true;
  }
  // Main-loop side: the contiguous bytes available now (call consume() after use).
  std::span<const std::uint8_t> peek() const noexcept {
    const std::uint32_t t = tail_.load(std::memory_order_relaxed);
    const std::uint32_t h = head_.load(std::memory_order_acquire);
    const std::uint32_t avail = h - t;
    const std::uint32_t to_end = N - t % N;
    return {buf_ + t % N, avail < to_end ? avail : to_end};
  }
  void consume(std::size_t n) noexcept {
    tail_.store(tail_.load(std::memory_order_relaxed) + static_cast<std::uint32_t>(n), std::memory_order_release);
  }

 private:
  std::uint8_t buf_[N]{};
  std::atomic<std::uint32_t> head_{0};
  std::atomic<std::uint32_t> tail_{0};
};

RxRing<256> g_rx;
std::atomic<std::uint32_t> g_rx_overruns{0};

// The emulated UART receiver: a 16-byte FIFO the "line" fills (stands in for the
// UART data register and its FIFO on a real MCU).
struct EmulatedUartFifo {
  std::uint8_t bytes[16];
  std::uint32_t count = 0;
};
volatile EmulatedUartFifo g_fifo;

}  // namespace

// UART RX interrupt: drain the receive FIFO into the ring buffer. On a real MCU:
// while (UART->STATUS & RX_NOT_EMPTY) g_rx.push(UART->DATA);
extern "C" void joule_uart_rx_isr() noexcept {
  for (std::uint32_t i = 0; i < g_fifo.count; ++i)
    if (!g_rx.push(g_fifo.bytes[i])) g_rx_overruns.fetch_add(1, std::memory_order_relaxed);
  g_fifo.count = 0;
}

namespace {

// ---------------------------------------------------------------- printing

void print_obis(const ObisCode& c) {
  char buf[ObisCode::kMaxChars];
  auto n = c.to_chars(buf);
  if (n) board::write(buf, *n);
}

void print_decimal(const joule::Decimal& d) {
  char buf[joule::Decimal::kMaxChars];
  auto n = d.to_chars(buf);
  if (n) board::write(buf, *n);
}

void print_two(unsigned v) {
  const char s[2] = {static_cast<char>('0' + v / 10 % 10), static_cast<char>('0' + v % 10)};
  board::write(s, 2);
}

void print_time(const meter::Timestamp& t) {
  board::print_int(t.civil.year);
  board::print("-");
  print_two(t.civil.month);
  board::print("-");
  print_two(t.civil.day);
  board::print(" ");
  print_two(t.civil.hour);
  board::print(":");
  print_two(t.civil.minute);
  board::print(":");
  print_two(t.civil.second);
  if (t.dst == meter::Timestamp::Dst::summer) board::print(" S");
  if (t.dst == meter::Timestamp::Dst::winter) board::print(" W");
  if (t.has_utc) {
    board::print(" (utc ");
    board::print_int(t.utc_s);
    board::print(")");
  }
}

// Active power of a reading in watts (exact: DSMR sends kW with 3 decimals or W).
bool power_w(const meter::Reading* r, std::int64_t& out) {
  if (r == nullptr || !r->is_number() || r->unit != joule::Unit::watt) return false;
  auto w = r->number.scaled_by_pow10(r->unit_exponent);
  if (!w) return false;
  auto exact = w->rescaled(0);
  if (!exact) return false;
  out = exact->mantissa();
  return true;
}

void print_flags(std::uint32_t f) {
  struct Name {
    std::uint32_t bit;
    std::string_view name;
  };
  static constexpr Name kNames[] = {{battery::kRtPowerLimited, "power"},  {battery::kRtRampLimited, "ramp"},
                                    {battery::kRtSocLimited, "soc"},      {battery::kRtDrActive, "dr"},
                                    {battery::kRtDrUnmet, "dr-unmet"},    {battery::kRtFcrActive, "fcr"},
                                    {battery::kRtReserveLimited, "reserve"}};
  bool first = true;
  for (const auto& n : kNames) {
    if ((f & n.bit) == 0) continue;
    board::print(first ? "" : ",");
    board::print(n.name);
    first = false;
  }
  if (first) board::print("-");
}

// ---------------------------------------------------------------- the application

// What the decoded telegrams must contain (their .expected.json files in tests/data/meter/dsmr):
// import 1-0:1.7.0 and export 1-0:2.7.0 in watts. The firmware checks itself against it.
struct ExpectedPower {
  std::int64_t import_w, export_w;
};
constexpr ExpectedPower kExpected[] = {{2027, 0}, {0, 2601}, {170, 270}, {286, 0}, {338, 0}, {244, 0}};
constexpr std::size_t kTelegrams = sizeof kExpected / sizeof kExpected[0];

// Grid frequency seen by the gateway's own measurement at each telegram [mHz]: a
// scripted excursion (not in the P1 data) so the droop response shows.
constexpr std::int32_t kFrequencyMilliHz[kTelegrams] = {50000, 49950, 50120, 49800, 50005, 50000};

struct App {
  std::uint8_t frame_buf[2048];
  joule::FixedVector<meter::Reading, 48> readings;
  battery::RtController* ctl = nullptr;
  std::size_t telegrams = 0;
  std::size_t dropped = 0;
  int failures = 0;

  void on_telegram(std::span<const std::uint8_t> frame) {
    readings.clear();
    meter::Telegram t{readings};
    auto st = meter::dsmr::decode(frame, t);
    board::print("telegram ");
    board::print_int(static_cast<std::int64_t>(telegrams + 1));
    if (!st) {
      board::print(": decode error: ");
      board::print(st.error().message);
      board::print("\n");
      ++failures;
      return;
    }
    board::print(": ");
    board::print(t.identifier);
    board::print(", ");
    board::print_int(static_cast<std::int64_t>(readings.size()));
    board::print(" readings, crc ");
    board::print(t.has_crc ? t.crc_text : std::string_view("none"));
    board::print("\n");
    if (t.has_timestamp) {
      board::print("  time ");
      print_time(t.timestamp);
      board::print("\n");
    }
    static constexpr ObisCode kShown[] = {ObisCode(1, 0, 1, 8, 1, 255), ObisCode(1, 0, 1, 8, 2, 255),
                                          ObisCode(1, 0, 2, 8, 1, 255), ObisCode(1, 0, 2, 8, 2, 255),
                                          ObisCode(1, 0, 1, 7, 0, 255), ObisCode(1, 0, 2, 7, 0, 255)};
    for (const auto& code : kShown) {
      const meter::Reading* r = t.find(code);
      if (r == nullptr || !r->is_number()) continue;
      board::print("  ");
      print_obis(code);
      board::print(" = ");
      print_decimal(r->number);
      board::print(" ");
      board::print(r->unit_text);
      board::print("\n");
    }

    std::int64_t import_w = 0, export_w = 0;
    const bool ok = power_w(t.find(ObisCode(1, 0, 1, 7, 0, 255)), import_w) &&
                    power_w(t.find(ObisCode(1, 0, 2, 7, 0, 255)), export_w);
    if (!ok) {
      board::print("  no import/export power in this telegram\n");
      ++failures;
      return;
    }
    const std::size_t k = telegrams++;
    if (k < kTelegrams && (kExpected[k].import_w != import_w || kExpected[k].export_w != export_w)) {
      board::print("  MISMATCH: expected import/export ");
      board::print_int(kExpected[k].import_w);
      board::print("/");
      board::print_int(kExpected[k].export_w);
      board::print(" W\n");
      ++failures;
    }
    control(k, import_w, export_w);
  }

  void control(std::size_t k, std::int64_t import_w, std::int64_t export_w) {
    // The telegrams come from sites without a battery, so the meter's net power is the
    // site's net load. Where the meter sees the battery, add back the applied power:
    // net_load = (import - export) + ctl->last_power_kw().
    const double net_kw = static_cast<double>(import_w - export_w) / 1000.0;
    battery::RtInput in;
    in.setpoint_kw = net_kw;  // self-consumption: discharge the import, charge the export
    in.site_net_load_kw = net_kw;
    in.frequency_hz = (k < kTelegrams ? kFrequencyMilliHz[k] : 50000) / 1000.0;
    in.time_s = static_cast<std::int64_t>(k);  // one telegram per second (DSMR 5)
    const battery::RtOutput out = ctl->step(in);
    board::print("  net ");
    board::print_fixed(import_w - export_w, 3);
    board::print(" kW, f ");
    board::print_fixed(k < kTelegrams ? kFrequencyMilliHz[k] : 50000, 3);
    board::print(" Hz -> battery ");
    board::print_double(out.power_kw, 3);
    board::print(" kW (fcr ");
    board::print_double(out.fcr_kw, 3);
    board::print("), grid ");
    board::print_double(out.grid_import_kw, 3);
    board::print(" kW, soc ");
    board::print_double(out.soc_kwh, 4);
    board::print(" kWh, limits ");
    print_flags(out.flags);
    board::print("\n");
  }
};

// In .bss, constructed in main(): App's readings have non-zero defaults and would
// otherwise cost their size twice, in flash and in RAM (see board::BssObject).
board::BssObject<App> g_app_store;

}  // namespace

int main() {
  App& g_app = g_app_store.construct();
  board::init();
  board::print("joule firmware example: DSMR P1 over UART -> real-time battery controller (Cortex-M4)\n");

  // A 10 kWh home battery, 5 kW inverter, 1 kW of FCR capacity held in reserve.
  battery::RtConfig cfg;
  cfg.capacity_kwh = 10.0;
  cfg.soc_min_kwh = 1.0;
  cfg.soc_max_kwh = 9.5;
  cfg.p_charge_max_kw = 5.0;
  cfg.p_discharge_max_kw = 5.0;
  cfg.ramp_kw_per_s = 1.5;
  cfg.eta_charge = 0.95;
  cfg.eta_discharge = 0.95;
  cfg.dt_s = 1.0;
  cfg.fcr_reserve_kw = 1.0;
  auto ctl = battery::RtController::create(cfg, 5.0);
  if (!ctl) {
    board::print("controller configuration rejected: ");
    board::print(ctl.error().message);
    board::print("\n");
    return 1;
  }
  // The grid operator caps import at 0.5 kW for telegrams 4 and 5 (t = 3 s .. 5 s).
  if (!ctl->add_dr_event({3, 5, 0.5})) return 1;
  g_app.ctl = &*ctl;

  meter::dsmr::Splitter splitter{g_app.frame_buf};
  board::enable_uart_rx_irq();

  // The "line": deliver the byte stream into the UART FIFO in chunks of 1..16 bytes
  // (a fixed pseudo-random sequence), raising the RX interrupt for each chunk; the
  // main loop drains the ring buffer after every few chunks, as a busy gateway would.
  std::uint32_t lcg = 12345;
  std::size_t sent = 0;
  int tick = 0;
  while (sent < sizeof kP1Stream || !g_rx.peek().empty()) {
    if (sent < sizeof kP1Stream) {
      lcg = lcg * 1664525u + 1013904223u;
      std::size_t n = 1 + (lcg >> 28);  // 1..16
      if (n > sizeof kP1Stream - sent) n = sizeof kP1Stream - sent;
      for (std::size_t i = 0; i < n; ++i) g_fifo.bytes[i] = kP1Stream[sent + i];
      g_fifo.count = static_cast<std::uint32_t>(n);
      sent += n;
      board::raise_uart_rx_irq();
    }
    if (++tick % 8 != 0 && sent < sizeof kP1Stream) continue;
    for (auto avail = g_rx.peek(); !avail.empty(); avail = g_rx.peek()) {
      const meter::FeedResult r = splitter.feed(avail);
      g_rx.consume(r.consumed);
      if (r.status == meter::FeedStatus::frame) {
        g_app.on_telegram(r.frame);
      } else if (r.status == meter::FeedStatus::dropped) {
        ++g_app.dropped;
        board::print("dropped a torn/corrupt telegram: ");
        board::print(r.error.message);
        board::print("\n");
      }
    }
  }

  board::print("summary: ");
  board::print_int(static_cast<std::int64_t>(g_app.telegrams));
  board::print(" telegrams decoded, ");
  board::print_int(static_cast<std::int64_t>(g_app.dropped));
  board::print(" dropped, ");
  board::print_int(g_rx_overruns.load());
  board::print(" rx overruns, final soc ");
  board::print_double(g_app.ctl->soc_kwh(), 4);
  board::print(" kWh\n");
  const std::size_t stack_used = board::stack_size_bytes() - board::stack_unused_bytes();
  board::print("stack: peak use ");
  board::print_int(static_cast<std::int64_t>(stack_used));
  board::print(" of ");
  board::print_int(static_cast<std::int64_t>(board::stack_size_bytes()));
  board::print(" bytes (painted-stack high-water mark)\n");
  const bool pass = g_app.failures == 0 && g_app.telegrams == kTelegrams && g_app.dropped == 1 &&
                    g_rx_overruns.load() == 0;
  board::print(pass ? "RESULT: PASS\n" : "RESULT: FAIL\n");
  return pass ? 0 : 1;
}
