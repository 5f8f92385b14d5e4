// Fuzzes Modbus framing and PDUs: RTU (CRC fixed up when byte 0 says so, so the fuzzer
// reaches the PDU parser), the gap-driven RTU splitter, the TCP splitter, request and
// response parsers and typed register reads.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "joule/core/crc.hpp"
#include "joule/meter/modbus.hpp"

namespace mb = joule::meter::modbus;
using joule::meter::FeedStatus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t mode = data[0];
  std::vector<std::uint8_t> in(data + 1, data + size);
  if ((mode & 1) && in.size() >= 4) {
    const auto c = joule::crc16_modbus(std::span<const std::uint8_t>(in.data(), in.size() - 2));
    in[in.size() - 2] = static_cast<std::uint8_t>(c & 0xFF);
    in[in.size() - 1] = static_cast<std::uint8_t>(c >> 8);
  }
  if (auto f = mb::parse_rtu(in)) {
    const auto fc = static_cast<mb::Function>(f->pdu.empty() ? 3 : (f->pdu[0] & 0x7F));
    if (auto r = mb::parse_response(f->pdu, fc)) {
      for (std::size_t i = 0; i < r->register_count() + 2; ++i) {
        (void)mb::read_f32(r->data, i, mb::WordOrder::little_endian);
        (void)mb::read_i64(r->data, i, mb::WordOrder::big_endian);
        (void)mb::read_string(r->data, i, 3);
      }
    }
    (void)mb::parse_request(f->pdu);
  }
  // RTU splitter: a gap after every (mode>>1)%32+1 bytes.
  std::uint8_t rbuf[mb::kMaxRtuAdu];
  mb::RtuSplitter rs{rbuf};
  const std::size_t every = (mode >> 1) % 32 + 1;
  for (std::size_t off = 0; off < in.size(); off += every) {
    (void)rs.feed(std::span<const std::uint8_t>(in).subspan(off, std::min(every, in.size() - off)));
    const auto r = rs.gap();
    if (r.status == FeedStatus::frame && !mb::parse_rtu(r.frame)) std::abort();
  }
  // TCP splitter over the same bytes.
  std::uint8_t tbuf[mb::kMaxTcpAdu];
  mb::TcpSplitter ts{tbuf};
  std::span<const std::uint8_t> rest(in);
  while (!rest.empty()) {
    const auto r = ts.feed(rest);
    if (r.consumed > rest.size()) std::abort();
    if (r.consumed == 0 && r.status == FeedStatus::need_more) std::abort();
    rest = rest.subspan(r.consumed);
    if (r.status == FeedStatus::frame) {
      auto f = mb::parse_tcp(r.frame);
      if (!f) std::abort();
      (void)mb::parse_response(f->pdu, mb::Function::read_holding_registers);
    }
  }
  return 0;
}
