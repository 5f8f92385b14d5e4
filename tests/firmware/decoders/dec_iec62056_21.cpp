// IEC 62056-21 in firmware: the mode C handshake state machine driven with a real
// readout (Actaris ACE, mode E identification), the data message BCC-checked and decoded.
#include <cstdint>
#include <span>

#include "frames_iec62056_21.hpp"
#include "fwdec.hpp"
#include "joule/meter/iec62056_21.hpp"

using namespace joule;
using namespace joule::meter;

namespace {
std::uint8_t g_rx[512];
board::BssObject<FixedVector<Reading, 16>> g_store;  // see board.hpp
}  // namespace

extern "C" int joule_fwdec_iec62056_21() {
  int fail = 0;
  auto& readings = g_store.construct();
  const auto line = fwdec::file(kIec, kIec_ends, 0);  // what the meter answers, byte for byte
  // The meter sends its identification line, then waits for the ACK before the data message.
  std::size_t ident_end = 0;
  while (ident_end < line.size() && line[ident_end] != '\n') ++ident_end;
  ++ident_end;
  iec62056_21::ModeCSession session{g_rx};
  std::size_t delivered = 0;
  auto step = session.start();
  for (int guard = 0; guard < 32; ++guard) {
    if (step.action == iec62056_21::Action::set_baud) {
      step = session.on_baud_set();
    } else if (step.action == iec62056_21::Action::send) {
      step = session.on_sent();
    } else if (step.action == iec62056_21::Action::receive) {
      if (delivered >= line.size()) {
        step = session.on_timeout();
        break;
      }
      const std::size_t until = delivered < ident_end ? ident_end : line.size();
      const std::size_t n = until - delivered < 16 ? until - delivered : 16;  // UART FIFO bursts
      step = session.on_received(line.subspan(delivered, n));
      delivered += n;
    } else {
      break;
    }
  }
  fail += fwdec::check(step.action == iec62056_21::Action::done, "iec 62056-21 session done");
  readings.clear();
  Telegram t{readings};
  const bool ok = step.action == iec62056_21::Action::done && iec62056_21::decode(session.readout(), t).has_value();
  fail += fwdec::check(ok, "iec 62056-21 decode");
  const Reading* e = nullptr;
  for (const auto& r : readings)
    if (r.obis.c() == 1 && r.obis.d() == 8 && r.obis.e() == 0) e = &r;
  fail += fwdec::check(readings.size() == 5, "iec: 5 readings");
  fail += fwdec::check(e != nullptr && fwdec::equals(e->number, 2854, -1), "iec 1.8.0 = 285.4");
  board::print("iec 62056-21 (mode C session, ");
  board::print_int(session.data_baud());
  board::print(" Bd): ");
  board::print_int(static_cast<std::int64_t>(readings.size()));
  board::print(" readings, 1.8.0 = ");
  if (e != nullptr) fwdec::print_decimal(e->number);
  board::print("\n");
  return fail;
}
