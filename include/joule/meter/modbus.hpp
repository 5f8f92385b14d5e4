// joule/meter/modbus.hpp: Modbus RTU and TCP framing, PDUs and typed registers.
//
// Freestanding and sans-IO: joule builds and parses bytes; the caller owns the
// serial port or socket and its timers. Follows the Modbus Application Protocol
// Specification V1.1b3 (function codes, exceptions: §6, §7), Modbus over Serial
// Line V1.02 (RTU framing, CRC-16, the 3.5-character silence: §2.5.1) and the
// Modbus Messaging on TCP/IP Implementation Guide V1.0b (MBAP header: §3.1.3).
//
// Example (TCP, read 2 holding registers at 40000 of unit 1):
//   std::uint8_t req[260];
//   auto n = joule::meter::modbus::encode_read(joule::meter::modbus::Function::read_holding_registers,
//                                              40000, 2, req + 7);            // the PDU
//   auto adu = joule::meter::modbus::wrap_tcp(1, 1, std::span(req + 7, *n), req);
//   ... send, receive `rsp` ...
//   auto frame = joule::meter::modbus::parse_tcp(rsp);                         // Result<TcpFrame>
//   auto r = joule::meter::modbus::parse_response(frame->pdu, Function::read_holding_registers);
//   auto v = joule::meter::modbus::read_u32(r->data, 0, WordOrder::big_endian);
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "joule/core/result.hpp"
#include "joule/meter/frame.hpp"

namespace joule::meter::modbus {

/// Public function codes joule speaks (Application Protocol §6).
enum class Function : std::uint8_t {
  read_coils = 1,
  read_discrete_inputs = 2,
  read_holding_registers = 3,
  read_input_registers = 4,
  write_single_coil = 5,
  write_single_register = 6,
  write_multiple_coils = 15,
  write_multiple_registers = 16,
  read_write_multiple_registers = 23,
};

/// Exception codes (Application Protocol §7).
enum class Exception : std::uint8_t {
  none = 0,
  illegal_function = 1,
  illegal_data_address = 2,
  illegal_data_value = 3,
  server_device_failure = 4,
  acknowledge = 5,
  server_device_busy = 6,
  memory_parity_error = 8,
  gateway_path_unavailable = 10,
  gateway_target_failed = 11,
};
/// Name of an exception code ("illegal_data_address").
std::string_view exception_name(Exception e) noexcept;

/// Largest PDU (Application Protocol §4.1): 253 bytes.
inline constexpr std::size_t kMaxPdu = 253;
/// Largest RTU ADU: address + PDU + CRC.
inline constexpr std::size_t kMaxRtuAdu = 256;
/// Largest TCP ADU: MBAP (7) + PDU.
inline constexpr std::size_t kMaxTcpAdu = 260;

// ----------------------------------------------------------------- requests

/// Read request for FC 1, 2, 3 or 4 into `out` (5 bytes). Quantity limits: 1-2000
/// bits (FC 1/2), 1-125 registers (FC 3/4). Errors: invalid_argument, buffer_too_small.
Result<std::size_t> encode_read(Function fc, std::uint16_t address, std::uint16_t quantity,
                                std::span<std::uint8_t> out) noexcept;
/// FC 5: value true -> 0xFF00, false -> 0x0000.
Result<std::size_t> encode_write_single_coil(std::uint16_t address, bool value, std::span<std::uint8_t> out) noexcept;
/// FC 6.
Result<std::size_t> encode_write_single_register(std::uint16_t address, std::uint16_t value,
                                                 std::span<std::uint8_t> out) noexcept;
/// FC 15: `bits` as bools (1-1968).
Result<std::size_t> encode_write_multiple_coils(std::uint16_t address, std::span<const bool> bits,
                                                std::span<std::uint8_t> out) noexcept;
/// FC 16: 1-123 registers.
Result<std::size_t> encode_write_multiple_registers(std::uint16_t address, std::span<const std::uint16_t> values,
                                                    std::span<std::uint8_t> out) noexcept;
/// FC 23: read 1-125 registers and write 1-121 in one transaction.
Result<std::size_t> encode_read_write_multiple(std::uint16_t read_address, std::uint16_t read_quantity,
                                               std::uint16_t write_address, std::span<const std::uint16_t> values,
                                               std::span<std::uint8_t> out) noexcept;

/// A parsed request (what a server receives).
struct Request {
  Function function = Function::read_holding_registers;
  std::uint16_t address = 0, quantity = 0;
  std::uint16_t write_address = 0, write_quantity = 0;  ///< FC 23
  std::uint16_t value = 0;                               ///< FC 5/6
  std::span<const std::uint8_t> data{};                  ///< FC 15/16/23 values as sent
};
/// Parses a request PDU. Errors: incomplete, malformed, unsupported (other FC).
Result<Request> parse_request(std::span<const std::uint8_t> pdu) noexcept;

// ---------------------------------------------------------------- responses

/// A parsed response PDU.
struct Response {
  Function function = Function::read_holding_registers;
  Exception exception = Exception::none;       ///< set when the server answered with FC|0x80
  std::span<const std::uint8_t> data{};        ///< FC 1-4/23: the data bytes (registers big-endian)
  std::uint16_t address = 0, value = 0;        ///< FC 5/6 echo; FC 15/16 address and quantity (in value)
  /// Registers in `data` (FC 3/4/23).
  constexpr std::size_t register_count() const noexcept { return data.size() / 2; }
};
/// Parses a response PDU to a request of function `expected`. An exception response
/// is NOT an error here: `exception` is set (use `check_exception`). Errors: incomplete,
/// malformed (byte count differs from the data, odd register bytes), rejected (other FC).
Result<Response> parse_response(std::span<const std::uint8_t> pdu, Function expected) noexcept;
/// Turns an exception response into Errc::rejected with the exception's name.
Result<Response> check_exception(const Response& r) noexcept;

/// Builds a response PDU for FC 3/4/23 from register values (for servers and tests).
Result<std::size_t> encode_register_response(Function fc, std::span<const std::uint16_t> values,
                                             std::span<std::uint8_t> out) noexcept;
/// Builds an exception response PDU (2 bytes).
Result<std::size_t> encode_exception(Function fc, Exception e, std::span<std::uint8_t> out) noexcept;

// ------------------------------------------------------------------- framing

/// Wraps a PDU in an RTU ADU (address, PDU, CRC-16/MODBUS little-endian). Returns the size.
Result<std::size_t> wrap_rtu(std::uint8_t unit, std::span<const std::uint8_t> pdu, std::span<std::uint8_t> out) noexcept;
/// An RTU ADU split into its parts.
struct RtuFrame {
  std::uint8_t unit = 0;
  std::span<const std::uint8_t> pdu{};
};
/// Checks and splits an RTU ADU. Errors: incomplete (< 4 bytes), checksum_mismatch.
Result<RtuFrame> parse_rtu(std::span<const std::uint8_t> adu) noexcept;

/// Wraps a PDU in a TCP ADU with the MBAP header (transaction, protocol 0, length, unit).
Result<std::size_t> wrap_tcp(std::uint16_t transaction, std::uint8_t unit, std::span<const std::uint8_t> pdu,
                             std::span<std::uint8_t> out) noexcept;
/// A TCP ADU split into its parts.
struct TcpFrame {
  std::uint16_t transaction = 0;
  std::uint8_t unit = 0;
  std::span<const std::uint8_t> pdu{};
};
/// Parses exactly one TCP ADU. Errors: incomplete, malformed (protocol id not 0,
/// length field 0/1 or beyond 254, bytes after the ADU).
Result<TcpFrame> parse_tcp(std::span<const std::uint8_t> adu) noexcept;

/// Sans-IO RTU splitter. RTU frames have no delimiter: a frame ends with 3.5
/// character times of silence (Serial Line §2.5.1.1). The caller's timer calls
/// `gap()` when the line has been silent that long; bytes fed since the last gap
/// form one frame, checked by CRC. Buffer: kMaxRtuAdu bytes.
class RtuSplitter {
 public:
  explicit RtuSplitter(std::span<std::uint8_t> buffer) noexcept : buf_(buffer) {}
  /// Stores all input (nothing completes without a gap). Overflow drops the frame
  /// (status dropped, buffer_too_small) at the next gap.
  FeedResult feed(std::span<const std::uint8_t> input) noexcept;
  /// The line was silent for 3.5 characters: returns the frame (status frame), a
  /// dropped one (CRC wrong, too short, overflow) or need_more when nothing was fed.
  FeedResult gap() noexcept;
  void reset() noexcept { len_ = 0; overflow_ = false; pending_ = false; }

 private:
  std::span<std::uint8_t> buf_;
  std::size_t len_ = 0;
  bool overflow_ = false;
  bool pending_ = false;
};

/// Sans-IO TCP stream splitter (MBAP length field). Buffer: kMaxTcpAdu bytes.
class TcpSplitter {
 public:
  explicit TcpSplitter(std::span<std::uint8_t> buffer) noexcept : buf_(buffer) {}
  FeedResult feed(std::span<const std::uint8_t> input) noexcept;
  void reset() noexcept { len_ = 0; pending_ = false; }

 private:
  std::span<std::uint8_t> buf_;
  std::size_t len_ = 0;
  bool pending_ = false;
};

// -------------------------------------------------------- typed registers

/// Order of 16-bit words in multi-register values. Bytes within a register are
/// always big-endian (Application Protocol §4.2); word order varies by device.
enum class WordOrder : std::uint8_t {
  big_endian,     ///< most significant word first (SunSpec, "ABCD")
  little_endian,  ///< least significant word first ("CDAB")
};
/// Register value types.
enum class RegisterType : std::uint8_t { int16, uint16, int32, uint32, float32, int64, uint64, float64, string };
/// Registers a type occupies (strings: caller gives the count).
constexpr std::size_t register_width(RegisterType t) noexcept {
  switch (t) {
    case RegisterType::int16: case RegisterType::uint16: return 1;
    case RegisterType::int32: case RegisterType::uint32: case RegisterType::float32: return 2;
    case RegisterType::int64: case RegisterType::uint64: case RegisterType::float64: return 4;
    case RegisterType::string: return 0;
  }
  return 0;
}

/// Reads the unsigned value of `width` (1, 2 or 4) registers starting at register
/// `index` of `data` (big-endian register bytes). Errors: incomplete (too few
/// registers), malformed (odd byte count), invalid_argument (width).
Result<std::uint64_t> read_raw(std::span<const std::uint8_t> data, std::size_t index, std::size_t width,
                               WordOrder order) noexcept;
Result<std::uint16_t> read_u16(std::span<const std::uint8_t> data, std::size_t index) noexcept;
Result<std::int16_t> read_i16(std::span<const std::uint8_t> data, std::size_t index) noexcept;
Result<std::uint32_t> read_u32(std::span<const std::uint8_t> data, std::size_t index, WordOrder order) noexcept;
Result<std::int32_t> read_i32(std::span<const std::uint8_t> data, std::size_t index, WordOrder order) noexcept;
Result<std::uint64_t> read_u64(std::span<const std::uint8_t> data, std::size_t index, WordOrder order) noexcept;
Result<std::int64_t> read_i64(std::span<const std::uint8_t> data, std::size_t index, WordOrder order) noexcept;
Result<float> read_f32(std::span<const std::uint8_t> data, std::size_t index, WordOrder order) noexcept;
Result<double> read_f64(std::span<const std::uint8_t> data, std::size_t index, WordOrder order) noexcept;
/// A string of `count` registers (2 characters each, first character in the high
/// byte), trailing NULs and spaces removed. Returns a view into `data`.
Result<std::string_view> read_string(std::span<const std::uint8_t> data, std::size_t index, std::size_t count) noexcept;

}  // namespace joule::meter::modbus
