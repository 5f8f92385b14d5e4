// joule/meter/modbus_client.hpp: a small blocking Modbus TCP client (host only) and
// SunSpec device discovery over it.
//
// Example:
//   auto c = joule::meter::modbus::TcpClient::connect("127.0.0.1", 502);
//   auto regs = c->read_holding_registers(1, 40000, 2);          // big-endian register bytes
//   auto dev = joule::meter::sunspec::read_device("127.0.0.1", 502, 1);
//   auto telegrams = joule::meter::decode(dev->image, {.protocol = joule::meter::Protocol::sunspec});
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "joule/core/result.hpp"

namespace joule::meter::modbus {

/// A blocking Modbus TCP client over one connection (POSIX sockets). Move-only.
/// Each request waits for its response (matched by transaction id) up to the timeout.
class TcpClient {
 public:
  /// Connects. Errors: io_error (resolve/connect failed), invalid_argument.
  static Result<TcpClient> connect(const std::string& host, std::uint16_t port, int timeout_ms = 3000);
  TcpClient(TcpClient&& o) noexcept;
  TcpClient& operator=(TcpClient&& o) noexcept;
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;
  ~TcpClient();

  /// FC 3: `count` (1-125) registers from `address`; returns 2*count bytes (big-endian).
  /// Errors: io_error, rejected (exception response), malformed.
  Result<std::vector<std::uint8_t>> read_holding_registers(std::uint8_t unit, std::uint16_t address, std::uint16_t count);
  /// FC 4, like read_holding_registers.
  Result<std::vector<std::uint8_t>> read_input_registers(std::uint8_t unit, std::uint16_t address, std::uint16_t count);
  /// FC 16: writes registers. Errors: io_error, rejected.
  Result<void> write_registers(std::uint8_t unit, std::uint16_t address, const std::vector<std::uint16_t>& values);

 private:
  explicit TcpClient(int fd) noexcept : fd_(fd) {}
  Result<std::vector<std::uint8_t>> transact(std::uint8_t unit, const std::vector<std::uint8_t>& pdu);
  int fd_ = -1;
  std::uint16_t transaction_ = 0;
};

}  // namespace joule::meter::modbus

namespace joule::meter::sunspec {

/// A SunSpec device's register image, read over Modbus TCP.
struct Device {
  std::uint16_t base_address = 0;   ///< where "SunS" was found (40000, 50000 or 0)
  std::vector<std::uint8_t> image;  ///< registers from the marker to the end model (big-endian)
};
/// Finds "SunS" at 40000, 50000 or 0 and reads every model up to ID 0xFFFF.
/// Errors: io_error, not_found (no marker), malformed.
Result<Device> read_device(const std::string& host, std::uint16_t port, std::uint8_t unit, int timeout_ms = 3000);

}  // namespace joule::meter::sunspec
