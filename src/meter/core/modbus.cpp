// Modbus RTU/TCP framing, PDUs and typed registers (Modbus Application Protocol V1.1b3,
// Modbus over Serial Line V1.02, Modbus Messaging on TCP/IP Implementation Guide V1.0b).
#include "joule/meter/modbus.hpp"

#include <algorithm>
#include <bit>

#include "joule/core/crc.hpp"

namespace joule::meter::modbus {
namespace {

constexpr std::uint16_t be16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
void put16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v & 0xFF);
}
bool is_read(Function fc) noexcept {
  return fc == Function::read_coils || fc == Function::read_discrete_inputs ||
         fc == Function::read_holding_registers || fc == Function::read_input_registers;
}
bool known(std::uint8_t fc) noexcept {
  return (fc >= 1 && fc <= 6) || fc == 15 || fc == 16 || fc == 23;
}

}  // namespace

std::string_view exception_name(Exception e) noexcept {
  switch (e) {
    case Exception::none: return "none";
    case Exception::illegal_function: return "illegal_function";
    case Exception::illegal_data_address: return "illegal_data_address";
    case Exception::illegal_data_value: return "illegal_data_value";
    case Exception::server_device_failure: return "server_device_failure";
    case Exception::acknowledge: return "acknowledge";
    case Exception::server_device_busy: return "server_device_busy";
    case Exception::memory_parity_error: return "memory_parity_error";
    case Exception::gateway_path_unavailable: return "gateway_path_unavailable";
    case Exception::gateway_target_failed: return "gateway_target_failed";
  }
  return "unknown";
}

Result<std::size_t> encode_read(Function fc, std::uint16_t address, std::uint16_t quantity,
                                std::span<std::uint8_t> out) noexcept {
  if (!is_read(fc)) return fail(Errc::invalid_argument, "not a read function code (1-4)", Where::at_field("fc"));
  const bool bits = fc == Function::read_coils || fc == Function::read_discrete_inputs;
  // §6.1-6.4: 1-2000 bits, 1-125 registers.
  if (quantity == 0 || quantity > (bits ? 2000 : 125))
    return fail(Errc::invalid_argument, "Modbus read quantity out of range (1-2000 bits, 1-125 registers)", Where::at_field("quantity"));
  if (out.size() < 5) return fail(Errc::buffer_too_small, "Modbus request buffer");
  out[0] = static_cast<std::uint8_t>(fc);
  put16(&out[1], address);
  put16(&out[3], quantity);
  return std::size_t{5};
}

Result<std::size_t> encode_write_single_coil(std::uint16_t address, bool value, std::span<std::uint8_t> out) noexcept {
  if (out.size() < 5) return fail(Errc::buffer_too_small, "Modbus request buffer");
  out[0] = 5;
  put16(&out[1], address);
  put16(&out[3], value ? 0xFF00 : 0x0000);  // §6.5
  return std::size_t{5};
}

Result<std::size_t> encode_write_single_register(std::uint16_t address, std::uint16_t value,
                                                 std::span<std::uint8_t> out) noexcept {
  if (out.size() < 5) return fail(Errc::buffer_too_small, "Modbus request buffer");
  out[0] = 6;
  put16(&out[1], address);
  put16(&out[3], value);
  return std::size_t{5};
}

Result<std::size_t> encode_write_multiple_coils(std::uint16_t address, std::span<const bool> bits,
                                                std::span<std::uint8_t> out) noexcept {
  if (bits.empty() || bits.size() > 1968) return fail(Errc::invalid_argument, "Modbus FC 15 writes 1-1968 coils", Where::at_field("bits"));
  const std::size_t nbytes = (bits.size() + 7) / 8;
  if (out.size() < 6 + nbytes) return fail(Errc::buffer_too_small, "Modbus request buffer");
  out[0] = 15;
  put16(&out[1], address);
  put16(&out[3], static_cast<std::uint16_t>(bits.size()));
  out[5] = static_cast<std::uint8_t>(nbytes);
  std::fill(out.begin() + 6, out.begin() + 6 + static_cast<std::ptrdiff_t>(nbytes), std::uint8_t{0});
  for (std::size_t i = 0; i < bits.size(); ++i)
    if (bits[i]) out[6 + i / 8] = static_cast<std::uint8_t>(out[6 + i / 8] | (1U << (i % 8)));  // §6.11: LSB first
  return 6 + nbytes;
}

Result<std::size_t> encode_write_multiple_registers(std::uint16_t address, std::span<const std::uint16_t> values,
                                                    std::span<std::uint8_t> out) noexcept {
  if (values.empty() || values.size() > 123) return fail(Errc::invalid_argument, "Modbus FC 16 writes 1-123 registers", Where::at_field("values"));
  const std::size_t n = 6 + 2 * values.size();
  if (out.size() < n) return fail(Errc::buffer_too_small, "Modbus request buffer");
  out[0] = 16;
  put16(&out[1], address);
  put16(&out[3], static_cast<std::uint16_t>(values.size()));
  out[5] = static_cast<std::uint8_t>(2 * values.size());
  for (std::size_t i = 0; i < values.size(); ++i) put16(&out[6 + 2 * i], values[i]);
  return n;
}

Result<std::size_t> encode_read_write_multiple(std::uint16_t read_address, std::uint16_t read_quantity,
                                               std::uint16_t write_address, std::span<const std::uint16_t> values,
                                               std::span<std::uint8_t> out) noexcept {
  // §6.17: read 1-125, write 1-121.
  if (read_quantity == 0 || read_quantity > 125) return fail(Errc::invalid_argument, "Modbus FC 23 reads 1-125 registers", Where::at_field("read_quantity"));
  if (values.empty() || values.size() > 121) return fail(Errc::invalid_argument, "Modbus FC 23 writes 1-121 registers", Where::at_field("values"));
  const std::size_t n = 10 + 2 * values.size();
  if (out.size() < n) return fail(Errc::buffer_too_small, "Modbus request buffer");
  out[0] = 23;
  put16(&out[1], read_address);
  put16(&out[3], read_quantity);
  put16(&out[5], write_address);
  put16(&out[7], static_cast<std::uint16_t>(values.size()));
  out[9] = static_cast<std::uint8_t>(2 * values.size());
  for (std::size_t i = 0; i < values.size(); ++i) put16(&out[10 + 2 * i], values[i]);
  return n;
}

Result<Request> parse_request(std::span<const std::uint8_t> p) noexcept {
  if (p.empty()) return fail(Errc::incomplete, "empty Modbus PDU");
  if (!known(p[0])) return fail(Errc::unsupported, "Modbus function code not handled", Where::byte(0));
  Request r;
  r.function = static_cast<Function>(p[0]);
  auto need = [&](std::size_t n) -> Result<void> {
    if (p.size() < n) return fail(Errc::incomplete, "Modbus request cut short", Where::byte(p.size()));
    if (p.size() > n) return fail(Errc::malformed, "bytes after the Modbus request", Where::byte(n));
    return {};
  };
  switch (p[0]) {
    case 1: case 2: case 3: case 4: case 5: case 6:
      JOULE_RETURN_IF_ERROR(need(5));
      r.address = be16(&p[1]);
      r.quantity = be16(&p[3]);
      r.value = r.quantity;
      if (p[0] == 5 && r.value != 0xFF00 && r.value != 0) return fail(Errc::malformed, "Modbus FC 5 value not FF00/0000", Where::byte(3));
      return r;
    case 15: case 16: {
      if (p.size() < 6) return fail(Errc::incomplete, "Modbus request cut short", Where::byte(p.size()));
      r.address = be16(&p[1]);
      r.quantity = be16(&p[3]);
      const std::size_t bc = p[5];
      const std::size_t want = p[0] == 15 ? (r.quantity + 7U) / 8U : 2U * r.quantity;
      if (bc != want || r.quantity == 0) return fail(Errc::malformed, "Modbus byte count does not match quantity", Where::byte(5));
      JOULE_RETURN_IF_ERROR(need(6 + bc));
      r.data = p.subspan(6, bc);
      return r;
    }
    default: {  // 23
      if (p.size() < 10) return fail(Errc::incomplete, "Modbus request cut short", Where::byte(p.size()));
      r.address = be16(&p[1]);
      r.quantity = be16(&p[3]);
      r.write_address = be16(&p[5]);
      r.write_quantity = be16(&p[7]);
      const std::size_t bc = p[9];
      if (bc != 2U * r.write_quantity || r.write_quantity == 0) return fail(Errc::malformed, "Modbus byte count does not match quantity", Where::byte(9));
      JOULE_RETURN_IF_ERROR(need(10 + bc));
      r.data = p.subspan(10, bc);
      return r;
    }
  }
}

Result<Response> parse_response(std::span<const std::uint8_t> p, Function expected) noexcept {
  if (p.empty()) return fail(Errc::incomplete, "empty Modbus PDU");
  Response r;
  r.function = expected;
  const std::uint8_t fc = p[0];
  if (fc == (static_cast<std::uint8_t>(expected) | 0x80)) {
    // §7: exception response = FC + 0x80, one exception code byte.
    if (p.size() < 2) return fail(Errc::incomplete, "Modbus exception response cut short", Where::byte(1));
    if (p.size() > 2) return fail(Errc::malformed, "bytes after the Modbus exception code", Where::byte(2));
    r.exception = static_cast<Exception>(p[1]);
    return r;
  }
  if (fc != static_cast<std::uint8_t>(expected)) return fail(Errc::rejected, "Modbus response to another function code", Where::byte(0));
  switch (expected) {
    case Function::read_coils: case Function::read_discrete_inputs:
    case Function::read_holding_registers: case Function::read_input_registers:
    case Function::read_write_multiple_registers: {
      if (p.size() < 2) return fail(Errc::incomplete, "Modbus response cut short", Where::byte(p.size()));
      const std::size_t bc = p[1];
      if (p.size() < 2 + bc) return fail(Errc::incomplete, "Modbus response shorter than its byte count", Where::byte(p.size()));
      if (p.size() > 2 + bc) return fail(Errc::malformed, "Modbus response longer than its byte count", Where::byte(2 + bc));
      const bool regs = expected != Function::read_coils && expected != Function::read_discrete_inputs;
      if (regs && bc % 2 != 0) return fail(Errc::malformed, "Modbus register response with odd byte count", Where::byte(1));
      r.data = p.subspan(2, bc);
      return r;
    }
    default:  // 5, 6, 15, 16: echo of address and value/quantity
      if (p.size() < 5) return fail(Errc::incomplete, "Modbus response cut short", Where::byte(p.size()));
      if (p.size() > 5) return fail(Errc::malformed, "bytes after the Modbus response", Where::byte(5));
      r.address = be16(&p[1]);
      r.value = be16(&p[3]);
      return r;
  }
}

Result<Response> check_exception(const Response& r) noexcept {
  switch (r.exception) {
    case Exception::none: return r;
    case Exception::illegal_function: return fail(Errc::rejected, "Modbus exception 1: illegal function");
    case Exception::illegal_data_address: return fail(Errc::rejected, "Modbus exception 2: illegal data address");
    case Exception::illegal_data_value: return fail(Errc::rejected, "Modbus exception 3: illegal data value");
    case Exception::server_device_failure: return fail(Errc::rejected, "Modbus exception 4: server device failure");
    case Exception::acknowledge: return fail(Errc::rejected, "Modbus exception 5: acknowledge");
    case Exception::server_device_busy: return fail(Errc::rejected, "Modbus exception 6: server device busy");
    case Exception::memory_parity_error: return fail(Errc::rejected, "Modbus exception 8: memory parity error");
    case Exception::gateway_path_unavailable: return fail(Errc::rejected, "Modbus exception 10: gateway path unavailable");
    case Exception::gateway_target_failed: return fail(Errc::rejected, "Modbus exception 11: gateway target failed to respond");
  }
  return fail(Errc::rejected, "Modbus exception: unknown code");
}

Result<std::size_t> encode_register_response(Function fc, std::span<const std::uint16_t> values,
                                             std::span<std::uint8_t> out) noexcept {
  if (values.size() > 125) return fail(Errc::invalid_argument, "Modbus response carries at most 125 registers");
  const std::size_t n = 2 + 2 * values.size();
  if (out.size() < n) return fail(Errc::buffer_too_small, "Modbus response buffer");
  out[0] = static_cast<std::uint8_t>(fc);
  out[1] = static_cast<std::uint8_t>(2 * values.size());
  for (std::size_t i = 0; i < values.size(); ++i) put16(&out[2 + 2 * i], values[i]);
  return n;
}

Result<std::size_t> encode_exception(Function fc, Exception e, std::span<std::uint8_t> out) noexcept {
  if (out.size() < 2) return fail(Errc::buffer_too_small, "Modbus response buffer");
  out[0] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(fc) | 0x80);
  out[1] = static_cast<std::uint8_t>(e);
  return std::size_t{2};
}

Result<std::size_t> wrap_rtu(std::uint8_t unit, std::span<const std::uint8_t> pdu, std::span<std::uint8_t> out) noexcept {
  if (pdu.empty() || pdu.size() > kMaxPdu) return fail(Errc::invalid_argument, "Modbus PDU of 1-253 bytes");
  const std::size_t n = pdu.size() + 3;
  if (out.size() < n) return fail(Errc::buffer_too_small, "Modbus RTU buffer");
  out[0] = unit;
  std::copy(pdu.begin(), pdu.end(), out.begin() + 1);
  const std::uint16_t crc = crc16_modbus(out.first(n - 2));
  out[n - 2] = static_cast<std::uint8_t>(crc & 0xFF);  // §2.5.1.2: low byte first
  out[n - 1] = static_cast<std::uint8_t>(crc >> 8);
  return n;
}

Result<RtuFrame> parse_rtu(std::span<const std::uint8_t> adu) noexcept {
  if (adu.size() < 4) return fail(Errc::incomplete, "Modbus RTU frame shorter than 4 bytes", Where::byte(adu.size()));
  if (adu.size() > kMaxRtuAdu) return fail(Errc::malformed, "Modbus RTU frame longer than 256 bytes", Where::byte(kMaxRtuAdu));
  JOULE_RETURN_IF_ERROR(verify_trailing_crc16<Crc16Kind::modbus>(adu, CrcByteOrder::little_endian));
  return RtuFrame{adu[0], adu.subspan(1, adu.size() - 3)};
}

Result<std::size_t> wrap_tcp(std::uint16_t transaction, std::uint8_t unit, std::span<const std::uint8_t> pdu,
                             std::span<std::uint8_t> out) noexcept {
  if (pdu.empty() || pdu.size() > kMaxPdu) return fail(Errc::invalid_argument, "Modbus PDU of 1-253 bytes");
  const std::size_t n = 7 + pdu.size();
  if (out.size() < n) return fail(Errc::buffer_too_small, "Modbus TCP buffer");
  // MBAP (TCP guide §3.1.3): transaction, protocol 0, length = unit + PDU, unit.
  put16(&out[0], transaction);
  put16(&out[2], 0);
  put16(&out[4], static_cast<std::uint16_t>(pdu.size() + 1));
  out[6] = unit;
  // The PDU may already sit at out+7 (built in place).
  if (pdu.data() != out.data() + 7) std::copy(pdu.begin(), pdu.end(), out.begin() + 7);
  return n;
}

namespace {
Result<std::size_t> tcp_length(std::span<const std::uint8_t> b) noexcept {
  if (b.size() < 6) return fail(Errc::incomplete, "Modbus MBAP header cut short", Where::byte(b.size()));
  if (be16(&b[2]) != 0) return fail(Errc::malformed, "Modbus MBAP protocol identifier is not 0", Where::byte(2));
  const std::size_t len = be16(&b[4]);
  if (len < 2 || len > kMaxPdu + 1) return fail(Errc::malformed, "Modbus MBAP length outside 2-254", Where::byte(4));
  return 6 + len;
}
}  // namespace

Result<TcpFrame> parse_tcp(std::span<const std::uint8_t> adu) noexcept {
  JOULE_TRY(const std::size_t n, tcp_length(adu));
  if (adu.size() < n) return fail(Errc::incomplete, "Modbus TCP frame cut short", Where::byte(adu.size()));
  if (adu.size() > n) return fail(Errc::malformed, "bytes after the Modbus TCP frame", Where::byte(n));
  return TcpFrame{be16(&adu[0]), adu[6], adu.subspan(7)};
}

FeedResult RtuSplitter::feed(std::span<const std::uint8_t> input) noexcept {
  FeedResult r;
  if (pending_) {
    pending_ = false;
    len_ = 0;
  }
  const std::size_t room = buf_.size() - len_;
  const std::size_t take = std::min(room, input.size());
  std::copy_n(input.begin(), take, buf_.begin() + static_cast<std::ptrdiff_t>(len_));
  len_ += take;
  if (take < input.size()) overflow_ = true;  // the rest of this frame is lost
  r.consumed = input.size();
  return r;
}

FeedResult RtuSplitter::gap() noexcept {
  FeedResult r;
  if (pending_) {
    pending_ = false;
    len_ = 0;
  }
  if (len_ == 0 && !overflow_) return r;
  if (overflow_) {
    overflow_ = false;
    len_ = 0;
    r.status = FeedStatus::dropped;
    r.error = Error(Errc::buffer_too_small, "Modbus RTU frame longer than the splitter buffer");
    return r;
  }
  auto f = parse_rtu(std::span<const std::uint8_t>(buf_.data(), len_));
  if (!f) {
    len_ = 0;
    r.status = FeedStatus::dropped;
    r.error = f.error();
    return r;
  }
  r.status = FeedStatus::frame;
  r.frame = std::span<const std::uint8_t>(buf_.data(), len_);
  pending_ = true;
  return r;
}

FeedResult TcpSplitter::feed(std::span<const std::uint8_t> input) noexcept {
  FeedResult r;
  if (pending_) {
    pending_ = false;
    len_ = 0;
  }
  std::size_t i = 0;
  while (i < input.size()) {
    std::size_t want = 7 - std::min<std::size_t>(len_, 7);
    if (len_ >= 6) {
      auto n = tcp_length(std::span<const std::uint8_t>(buf_.data(), len_));
      if (!n) {
        // A stream with a broken header cannot be resynchronised reliably: drop what we have.
        r.status = FeedStatus::dropped;
        r.error = n.error();
        len_ = 0;
        r.consumed = i;
        return r;
      }
      want = *n - len_;
    }
    if (len_ + want > buf_.size()) {
      r.status = FeedStatus::dropped;
      r.error = Error(Errc::buffer_too_small, "Modbus TCP frame longer than the splitter buffer");
      len_ = 0;
      r.consumed = i;
      return r;
    }
    const std::size_t take = std::min(want, input.size() - i);
    std::copy_n(input.begin() + static_cast<std::ptrdiff_t>(i), take, buf_.begin() + static_cast<std::ptrdiff_t>(len_));
    len_ += take;
    i += take;
    if (len_ >= 7) {
      auto n = tcp_length(std::span<const std::uint8_t>(buf_.data(), len_));
      if (!n) {
        r.status = FeedStatus::dropped;
        r.error = n.error();
        len_ = 0;
        r.consumed = i;
        return r;
      }
      if (len_ == *n) {
        r.status = FeedStatus::frame;
        r.frame = std::span<const std::uint8_t>(buf_.data(), len_);
        pending_ = true;
        r.consumed = i;
        return r;
      }
    }
  }
  r.consumed = i;
  return r;
}

Result<std::uint64_t> read_raw(std::span<const std::uint8_t> data, std::size_t index, std::size_t width,
                               WordOrder order) noexcept {
  if (width != 1 && width != 2 && width != 4) return fail(Errc::invalid_argument, "register width must be 1, 2 or 4");
  if (data.size() % 2 != 0) return fail(Errc::malformed, "register data with an odd byte count", Where::byte(data.size()));
  if ((index + width) * 2 > data.size()) return fail(Errc::incomplete, "value extends past the registers read", Where::at_index(index));
  std::uint64_t v = 0;
  for (std::size_t k = 0; k < width; ++k) {
    const std::size_t reg = order == WordOrder::big_endian ? index + k : index + width - 1 - k;
    v = (v << 16) | be16(&data[2 * reg]);
  }
  return v;
}
Result<std::uint16_t> read_u16(std::span<const std::uint8_t> d, std::size_t i) noexcept {
  JOULE_TRY(const std::uint64_t v, read_raw(d, i, 1, WordOrder::big_endian));
  return static_cast<std::uint16_t>(v);
}
Result<std::int16_t> read_i16(std::span<const std::uint8_t> d, std::size_t i) noexcept {
  JOULE_TRY(const std::uint64_t v, read_raw(d, i, 1, WordOrder::big_endian));
  return static_cast<std::int16_t>(static_cast<std::uint16_t>(v));
}
Result<std::uint32_t> read_u32(std::span<const std::uint8_t> d, std::size_t i, WordOrder o) noexcept {
  JOULE_TRY(const std::uint64_t v, read_raw(d, i, 2, o));
  return static_cast<std::uint32_t>(v);
}
Result<std::int32_t> read_i32(std::span<const std::uint8_t> d, std::size_t i, WordOrder o) noexcept {
  JOULE_TRY(const std::uint64_t v, read_raw(d, i, 2, o));
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
}
Result<std::uint64_t> read_u64(std::span<const std::uint8_t> d, std::size_t i, WordOrder o) noexcept {
  return read_raw(d, i, 4, o);
}
Result<std::int64_t> read_i64(std::span<const std::uint8_t> d, std::size_t i, WordOrder o) noexcept {
  JOULE_TRY(const std::uint64_t v, read_raw(d, i, 4, o));
  return static_cast<std::int64_t>(v);
}
Result<float> read_f32(std::span<const std::uint8_t> d, std::size_t i, WordOrder o) noexcept {
  JOULE_TRY(const std::uint64_t v, read_raw(d, i, 2, o));
  return std::bit_cast<float>(static_cast<std::uint32_t>(v));
}
Result<double> read_f64(std::span<const std::uint8_t> d, std::size_t i, WordOrder o) noexcept {
  JOULE_TRY(const std::uint64_t v, read_raw(d, i, 4, o));
  return std::bit_cast<double>(v);
}
Result<std::string_view> read_string(std::span<const std::uint8_t> d, std::size_t i, std::size_t count) noexcept {
  if (d.size() % 2 != 0) return fail(Errc::malformed, "register data with an odd byte count", Where::byte(d.size()));
  if ((i + count) * 2 > d.size()) return fail(Errc::incomplete, "string extends past the registers read", Where::at_index(i));
  std::size_t n = 2 * count;
  const char* p = reinterpret_cast<const char*>(d.data() + 2 * i);
  std::size_t end = 0;
  while (end < n && p[end] != '\0') ++end;  // stop at the first NUL
  while (end > 0 && p[end - 1] == ' ') --end;
  return std::string_view(p, end);
}

}  // namespace joule::meter::modbus
