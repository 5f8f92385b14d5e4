// Modbus in firmware, as a gateway's client: a holding-register read of a real SunSpec
// device's first 70 registers (pysunspec2's "inverter 123" image) answered over RTU
// (CRC-16/MODBUS, frame end by the caller's 3.5-character timer) and over TCP (MBAP),
// split, checked and decoded into typed values.
#include <cstdint>
#include <span>

#include "frames_sunspec.hpp"
#include "fwdec.hpp"
#include "joule/meter/modbus.hpp"

using namespace joule;
using namespace joule::meter;
namespace mb = joule::meter::modbus;

namespace {
std::uint16_t g_regs[70];
std::uint8_t g_pdu[256];
std::uint8_t g_adu[300];
std::uint8_t g_buf[300];

int check_registers(std::span<const std::uint8_t> data, const char* what) {
  int fail = 0;
  auto marker = mb::read_u32(data, 0, mb::WordOrder::big_endian);
  auto id = mb::read_u16(data, 2);
  auto len = mb::read_u16(data, 3);
  auto mn = mb::read_string(data, 4, 16);
  fail += fwdec::check(marker && *marker == 0x53756E53u, "modbus: SunS marker");
  fail += fwdec::check(id && *id == 1 && len && *len == 66, "modbus: common model 1, L 66");
  fail += fwdec::check(mn && *mn == "Device Manufacturer", "modbus: Mn");
  board::print(what);
  board::print(": ");
  board::print_int(static_cast<std::int64_t>(data.size() / 2));
  board::print(" registers, model ");
  board::print_int(id ? *id : -1);
  board::print(", Mn \"");
  if (mn) board::print(*mn);
  board::print("\"\n");
  return fail;
}
}  // namespace

extern "C" int joule_fwdec_modbus() {
  int fail = 0;
  const auto image = fwdec::file(kSunspec, kSunspec_ends, 0);
  if (image.size() < 2 * sizeof g_regs / sizeof g_regs[0]) return fwdec::check(false, "modbus: image too short");
  for (std::size_t i = 0; i < sizeof g_regs / sizeof g_regs[0]; ++i)
    g_regs[i] = static_cast<std::uint16_t>(image[2 * i] << 8 | image[2 * i + 1]);
  auto pdu_len = mb::encode_register_response(mb::Function::read_holding_registers, g_regs, g_pdu);
  fail += fwdec::check(pdu_len.has_value(), "modbus: response pdu");
  if (!pdu_len) return fail;
  const std::span<const std::uint8_t> pdu(g_pdu, *pdu_len);

  // RTU: bytes arrive in 8-byte bursts, then the line goes silent.
  auto rtu_len = mb::wrap_rtu(1, pdu, g_adu);
  fail += fwdec::check(rtu_len.has_value(), "modbus: rtu adu");
  if (rtu_len) {
    mb::RtuSplitter split{g_buf};
    for (std::size_t at = 0; at < *rtu_len; at += 8) {
      const std::size_t n = *rtu_len - at < 8 ? *rtu_len - at : 8;
      (void)split.feed(std::span<const std::uint8_t>(g_adu + at, n));
    }
    const FeedResult r = split.gap();
    fail += fwdec::check(r.status == FeedStatus::frame, "modbus: rtu frame after the gap");
    auto fr = mb::parse_rtu(r.frame);
    fail += fwdec::check(fr.has_value() && fr->unit == 1, "modbus: rtu adu checked");
    if (fr) {
      auto resp = mb::parse_response(fr->pdu, mb::Function::read_holding_registers);
      fail += fwdec::check(resp.has_value() && resp->register_count() == 70, "modbus: rtu response");
      if (resp) fail += check_registers(resp->data, "modbus rtu");
    }
  }

  // TCP: one MBAP frame in 13-byte segments.
  auto tcp_len = mb::wrap_tcp(0x0102, 1, pdu, g_adu);
  fail += fwdec::check(tcp_len.has_value(), "modbus: tcp adu");
  if (tcp_len) {
    mb::TcpSplitter split{g_buf};
    int frames = 0;
    for (std::size_t at = 0; at < *tcp_len; at += 13) {
      const std::size_t n = *tcp_len - at < 13 ? *tcp_len - at : 13;
      feed_all(split, std::span<const std::uint8_t>(g_adu + at, n), [&](std::span<const std::uint8_t> f) {
        ++frames;
        auto fr = mb::parse_tcp(f);
        fail += fwdec::check(fr.has_value() && fr->transaction == 0x0102, "modbus: tcp frame");
        if (!fr) return;
        auto resp = mb::parse_response(fr->pdu, mb::Function::read_holding_registers);
        fail += fwdec::check(resp.has_value(), "modbus: tcp response");
        if (resp) fail += check_registers(resp->data, "modbus tcp");
      }, [&](const Error&) { fail += fwdec::check(false, "modbus tcp frame dropped"); });
    }
    fail += fwdec::check(frames == 1, "modbus: one tcp frame");
  }
  return fail;
}
