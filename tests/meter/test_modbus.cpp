// Modbus RTU/TCP framing, PDUs (Application Protocol V1.1b3 examples) and typed registers.
#include <doctest/doctest.h>

#include <vector>

#include "alloc_counter.hpp"
#include "joule/meter/modbus.hpp"

namespace mb = joule::meter::modbus;
using joule::Errc;
using joule::meter::FeedStatus;

TEST_CASE("modbus: PDU examples of the Application Protocol specification") {
  std::uint8_t out[260];
  // §6.3 example: read holding registers 108-110 -> 03 00 6B 00 03.
  auto n = mb::encode_read(mb::Function::read_holding_registers, 0x6B, 3, out);
  REQUIRE(n);
  CHECK(std::vector<std::uint8_t>(out, out + *n) == std::vector<std::uint8_t>{0x03, 0x00, 0x6B, 0x00, 0x03});
  const std::uint8_t rsp[] = {0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64};
  auto r = mb::parse_response(rsp, mb::Function::read_holding_registers);
  REQUIRE(r);
  CHECK_EQ(r->register_count(), 3U);
  CHECK_EQ(*mb::read_u16(r->data, 0), 555);
  CHECK_EQ(*mb::read_u16(r->data, 2), 100);
  // §7 example: exception 02 to FC 1.
  const std::uint8_t ex[] = {0x81, 0x02};
  auto e = mb::parse_response(ex, mb::Function::read_coils);
  REQUIRE(e);
  CHECK_EQ(e->exception, mb::Exception::illegal_data_address);
  CHECK_EQ(mb::check_exception(*e).error().code, Errc::rejected);
  // Short / odd / long responses.
  const std::uint8_t shortr[] = {0x03, 0x06, 0x02, 0x2B};
  CHECK_EQ(mb::parse_response(shortr, mb::Function::read_holding_registers).error().code, Errc::incomplete);
  const std::uint8_t odd[] = {0x03, 0x03, 0x02, 0x2B, 0x00};
  CHECK_EQ(mb::parse_response(odd, mb::Function::read_holding_registers).error().code, Errc::malformed);
  const std::uint8_t other[] = {0x04, 0x02, 0x00, 0x01};
  CHECK_EQ(mb::parse_response(other, mb::Function::read_holding_registers).error().code, Errc::rejected);
  // Writes and their echoes.
  n = mb::encode_write_single_coil(0xAC, true, out);
  REQUIRE(n);
  CHECK(std::vector<std::uint8_t>(out, out + *n) == std::vector<std::uint8_t>{0x05, 0x00, 0xAC, 0xFF, 0x00});
  n = mb::encode_write_single_register(1, 3, out);
  REQUIRE(n);
  CHECK(std::vector<std::uint8_t>(out, out + *n) == std::vector<std::uint8_t>{0x06, 0x00, 0x01, 0x00, 0x03});
  // §6.11 example: write 10 coils at 19: CD 01.
  const bool bits[] = {true, false, true, true, false, false, true, true, true, false};
  n = mb::encode_write_multiple_coils(0x13, bits, out);
  REQUIRE(n);
  CHECK(std::vector<std::uint8_t>(out, out + *n) == std::vector<std::uint8_t>{0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01});
  const std::uint16_t regs[] = {0x000A, 0x0102};
  n = mb::encode_write_multiple_registers(1, regs, out);
  REQUIRE(n);
  CHECK(std::vector<std::uint8_t>(out, out + *n) ==
        std::vector<std::uint8_t>{0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02});
  auto req = mb::parse_request(std::span<const std::uint8_t>(out, *n));
  REQUIRE(req);
  CHECK_EQ(req->quantity, 2);
  const std::uint16_t w3[] = {0x00FF, 0x00FF, 0x00FF};
  n = mb::encode_read_write_multiple(3, 6, 14, w3, out);
  REQUIRE(n);
  CHECK_EQ(*n, 16U);
  CHECK_EQ(out[0], 23);
  req = mb::parse_request(std::span<const std::uint8_t>(out, *n));
  REQUIRE(req);
  CHECK_EQ(req->write_quantity, 3);
  CHECK_EQ(mb::encode_read(mb::Function::read_holding_registers, 0, 126, out).error().code, Errc::invalid_argument);
  const std::uint8_t echo[] = {0x10, 0x00, 0x01, 0x00, 0x02};
  auto we = mb::parse_response(echo, mb::Function::write_multiple_registers);
  REQUIRE(we);
  CHECK_EQ(we->value, 2);
}

TEST_CASE("modbus: RTU CRC and gap framing") {
  std::uint8_t pdu[8];
  auto n = mb::encode_read(mb::Function::read_holding_registers, 0, 10, pdu);
  REQUIRE(n);
  std::uint8_t adu[mb::kMaxRtuAdu];
  auto m = mb::wrap_rtu(1, std::span<const std::uint8_t>(pdu, *n), adu);
  REQUIRE(m);
  // 01 03 00 00 00 0A C5 CD (CRC low byte first).
  CHECK(std::vector<std::uint8_t>(adu, adu + *m) == std::vector<std::uint8_t>{0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD});
  std::uint8_t buf[mb::kMaxRtuAdu];
  mb::RtuSplitter sp(buf);
  joule::test::AllocationScope scope;
  for (std::size_t i = 0; i < *m; ++i) CHECK_EQ(sp.feed(std::span<const std::uint8_t>(adu + i, 1)).status, FeedStatus::need_more);
  auto r = sp.gap();
  REQUIRE_EQ(r.status, FeedStatus::frame);
  CHECK_EQ(r.frame.size(), *m);
  CHECK_EQ(sp.gap().status, FeedStatus::need_more);
  adu[3] ^= 1;
  (void)sp.feed(std::span<const std::uint8_t>(adu, *m));
  r = sp.gap();
  CHECK_EQ(r.status, FeedStatus::dropped);
  CHECK_EQ(r.error.code, Errc::checksum_mismatch);
  (void)sp.feed(std::span<const std::uint8_t>(adu, 2));
  CHECK_EQ(sp.gap().error.code, Errc::incomplete);
  CHECK_EQ(scope.allocations(), 0U);
}

TEST_CASE("modbus: TCP MBAP splitting in chunks, garbage header") {
  std::vector<std::uint8_t> stream;
  for (std::uint16_t t = 1; t <= 20; ++t) {
    std::uint16_t vals[10];
    for (std::uint16_t k = 0; k < 10; ++k) vals[k] = static_cast<std::uint16_t>(t * 100 + k);
    std::uint8_t pdu[260], adu[260];
    auto n = mb::encode_register_response(mb::Function::read_holding_registers, std::span<const std::uint16_t>(vals, t % 10 + 1), pdu);
    REQUIRE(n);
    auto m = mb::wrap_tcp(t, 1, std::span<const std::uint8_t>(pdu, *n), adu);
    REQUIRE(m);
    stream.insert(stream.end(), adu, adu + *m);
  }
  for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, std::size_t{64}, stream.size()}) {
    std::uint8_t buf[mb::kMaxTcpAdu];
    mb::TcpSplitter sp(buf);
    int frames = 0;
    for (std::size_t off = 0; off < stream.size(); off += chunk) {
      std::span<const std::uint8_t> in(stream.data() + off, std::min(chunk, stream.size() - off));
      while (!in.empty()) {
        auto r = sp.feed(in);
        in = in.subspan(r.consumed);
        if (r.status == FeedStatus::frame) {
          ++frames;
          auto f = mb::parse_tcp(r.frame);
          REQUIRE(f);
          CHECK_EQ(f->transaction, frames);
          auto rsp = mb::parse_response(f->pdu, mb::Function::read_holding_registers);
          REQUIRE(rsp);
          CHECK_EQ(*mb::read_u16(rsp->data, 0), frames * 100);
        }
        CHECK(r.status != FeedStatus::dropped);
      }
    }
    CHECK_EQ(frames, 20);
  }
  const std::uint8_t bad[] = {0x00, 0x01, 0x12, 0x34, 0x00, 0x06, 0x01, 0x03};
  std::uint8_t buf[mb::kMaxTcpAdu];
  mb::TcpSplitter sp(buf);
  auto r = sp.feed(bad);
  CHECK_EQ(r.status, FeedStatus::dropped);
  CHECK_EQ(r.error.code, Errc::malformed);
  CHECK_EQ(mb::parse_tcp(std::span<const std::uint8_t>(bad, 5)).error().code, Errc::incomplete);
}

TEST_CASE("modbus: typed registers in both word orders") {
  // 0x12345678 as ABCD and CDAB; float 1.5 = 0x3FC00000; int64 -2.
  const std::uint8_t abcd[] = {0x12, 0x34, 0x56, 0x78};
  const std::uint8_t cdab[] = {0x56, 0x78, 0x12, 0x34};
  CHECK_EQ(*mb::read_u32(abcd, 0, mb::WordOrder::big_endian), 0x12345678U);
  CHECK_EQ(*mb::read_u32(cdab, 0, mb::WordOrder::little_endian), 0x12345678U);
  const std::uint8_t f[] = {0x3F, 0xC0, 0x00, 0x00};
  CHECK_EQ(*mb::read_f32(f, 0, mb::WordOrder::big_endian), 1.5f);
  const std::uint8_t fl[] = {0x00, 0x00, 0x3F, 0xC0};
  CHECK_EQ(*mb::read_f32(fl, 0, mb::WordOrder::little_endian), 1.5f);
  const std::uint8_t m2[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE};
  CHECK_EQ(*mb::read_i64(m2, 0, mb::WordOrder::big_endian), -2);
  const std::uint8_t neg[] = {0xFF, 0x38};
  CHECK_EQ(*mb::read_i16(neg, 0), -200);
  const std::uint8_t s[] = {'S', 'u', 'n', 'S', 'p', 'e', 'c', 0, 0, 0};
  CHECK_EQ(*mb::read_string(s, 0, 5), "SunSpec");
  CHECK_EQ(mb::read_u32(abcd, 1, mb::WordOrder::big_endian).error().code, Errc::incomplete);
  const std::uint8_t odd[] = {1, 2, 3};
  CHECK_EQ(mb::read_u16(odd, 0).error().code, Errc::malformed);
}
