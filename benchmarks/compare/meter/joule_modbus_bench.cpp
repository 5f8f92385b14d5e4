// Times joule's Modbus TCP and RTU framing + response parsing (the work pymodbus's framers
// do: split the stream, check the frame, decode the FC 3 response into registers).
#include <chrono>
#include <cstdio>
#include <vector>

#include "joule/meter/modbus.hpp"

namespace mb = joule::meter::modbus;

int main() {
  const int n = 20000;
  std::uint16_t vals[10];
  for (int k = 0; k < 10; ++k) vals[k] = static_cast<std::uint16_t>(1000 + k);
  std::uint8_t pdu[64], adu[300];
  const auto pn = *mb::encode_register_response(mb::Function::read_holding_registers, vals, pdu);
  std::vector<std::uint8_t> tcp, rtu_frame;
  for (int i = 0; i < n; ++i) {
    const auto m = *mb::wrap_tcp(static_cast<std::uint16_t>(i), 1, std::span<const std::uint8_t>(pdu, pn), adu);
    tcp.insert(tcp.end(), adu, adu + m);
  }
  const auto rm = *mb::wrap_rtu(1, std::span<const std::uint8_t>(pdu, pn), adu);
  rtu_frame.assign(adu, adu + rm);
  long sum = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int rep = 0; rep < 20; ++rep) {
    std::uint8_t buf[mb::kMaxTcpAdu];
    mb::TcpSplitter sp(buf);
    std::span<const std::uint8_t> in(tcp);
    while (!in.empty()) {
      auto r = sp.feed(in);
      in = in.subspan(r.consumed);
      if (r.status == joule::meter::FeedStatus::frame) {
        auto f = mb::parse_tcp(r.frame);
        auto rsp = mb::parse_response(f->pdu, mb::Function::read_holding_registers);
        sum += *mb::read_u16(rsp->data, 9);
      }
    }
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("joule_tcp frames_per_s=%.0f\n", 20.0 * n / s);
  t0 = std::chrono::steady_clock::now();
  for (int rep = 0; rep < 20 * n; ++rep) {
    std::uint8_t buf[mb::kMaxRtuAdu];
    mb::RtuSplitter sp(buf);
    (void)sp.feed(rtu_frame);
    auto r = sp.gap();
    auto f = mb::parse_rtu(r.frame);
    auto rsp = mb::parse_response(f->pdu, mb::Function::read_holding_registers);
    sum += *mb::read_u16(rsp->data, 9);
  }
  s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("joule_rtu frames_per_s=%.0f (sum %ld)\n", 20.0 * n / s, sum);
  return 0;
}
