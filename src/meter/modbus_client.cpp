// Blocking Modbus TCP client (POSIX sockets) and SunSpec discovery over it.
#include "joule/meter/modbus_client.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "joule/meter/modbus.hpp"
#include "joule/meter/sunspec.hpp"

namespace joule::meter::modbus {
namespace {

Result<void> send_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io_error, "Modbus TCP send failed");
    }
    p += k;
    n -= static_cast<std::size_t>(k);
  }
  return {};
}

Result<void> recv_all(int fd, std::uint8_t* p, std::size_t n, int timeout_ms) {
  while (n > 0) {
    pollfd pfd{fd, POLLIN, 0};
    const int r = ::poll(&pfd, 1, timeout_ms);
    if (r == 0) return fail(Errc::io_error, "Modbus TCP response timed out");
    if (r < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io_error, "Modbus TCP poll failed");
    }
    const ssize_t k = ::recv(fd, p, n, 0);
    if (k == 0) return fail(Errc::io_error, "Modbus TCP connection closed by the server");
    if (k < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io_error, "Modbus TCP recv failed");
    }
    p += k;
    n -= static_cast<std::size_t>(k);
  }
  return {};
}

constexpr int kTimeoutMs = 3000;

}  // namespace

Result<TcpClient> TcpClient::connect(const std::string& host, std::uint16_t port, int timeout_ms) {
  (void)timeout_ms;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0 || res == nullptr)
    return fail(Errc::io_error, "cannot resolve the Modbus TCP host");
  int fd = -1;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) return fail(Errc::io_error, "cannot connect to the Modbus TCP server");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return TcpClient(fd);
}

TcpClient::TcpClient(TcpClient&& o) noexcept : fd_(o.fd_), transaction_(o.transaction_) { o.fd_ = -1; }
TcpClient& TcpClient::operator=(TcpClient&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    transaction_ = o.transaction_;
    o.fd_ = -1;
  }
  return *this;
}
TcpClient::~TcpClient() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::vector<std::uint8_t>> TcpClient::transact(std::uint8_t unit, const std::vector<std::uint8_t>& pdu) {
  if (fd_ < 0) return fail(Errc::io_error, "Modbus TCP client is not connected");
  std::uint8_t adu[kMaxTcpAdu];
  const std::uint16_t tid = ++transaction_;
  JOULE_TRY(const std::size_t n, wrap_tcp(tid, unit, pdu, adu));
  JOULE_RETURN_IF_ERROR(send_all(fd_, adu, n));
  for (;;) {
    std::uint8_t hdr[7];
    JOULE_RETURN_IF_ERROR(recv_all(fd_, hdr, 7, kTimeoutMs));
    const std::size_t len = static_cast<std::size_t>(hdr[4] << 8 | hdr[5]);
    if (len < 2 || len > kMaxPdu + 1) return fail(Errc::malformed, "Modbus TCP response length out of range");
    std::vector<std::uint8_t> frame(6 + len);
    std::copy(hdr, hdr + 7, frame.begin());
    JOULE_RETURN_IF_ERROR(recv_all(fd_, frame.data() + 7, len - 1, kTimeoutMs));
    JOULE_TRY(const TcpFrame f, parse_tcp(frame));
    if (f.transaction != tid) continue;  // a late answer to an earlier request
    return std::vector<std::uint8_t>(f.pdu.begin(), f.pdu.end());
  }
}

Result<std::vector<std::uint8_t>> TcpClient::read_holding_registers(std::uint8_t unit, std::uint16_t address, std::uint16_t count) {
  std::vector<std::uint8_t> pdu(5);
  JOULE_RETURN_IF_ERROR(encode_read(Function::read_holding_registers, address, count, pdu));
  JOULE_TRY(const std::vector<std::uint8_t> rsp, transact(unit, pdu));
  JOULE_TRY(const Response r, parse_response(rsp, Function::read_holding_registers));
  JOULE_RETURN_IF_ERROR(check_exception(r));
  if (r.register_count() != count) return fail(Errc::malformed, "Modbus response with a different register count");
  return std::vector<std::uint8_t>(r.data.begin(), r.data.end());
}

Result<std::vector<std::uint8_t>> TcpClient::read_input_registers(std::uint8_t unit, std::uint16_t address, std::uint16_t count) {
  std::vector<std::uint8_t> pdu(5);
  JOULE_RETURN_IF_ERROR(encode_read(Function::read_input_registers, address, count, pdu));
  JOULE_TRY(const std::vector<std::uint8_t> rsp, transact(unit, pdu));
  JOULE_TRY(const Response r, parse_response(rsp, Function::read_input_registers));
  JOULE_RETURN_IF_ERROR(check_exception(r));
  if (r.register_count() != count) return fail(Errc::malformed, "Modbus response with a different register count");
  return std::vector<std::uint8_t>(r.data.begin(), r.data.end());
}

Result<void> TcpClient::write_registers(std::uint8_t unit, std::uint16_t address, const std::vector<std::uint16_t>& values) {
  std::vector<std::uint8_t> pdu(kMaxPdu);
  JOULE_TRY(const std::size_t n, encode_write_multiple_registers(address, values, pdu));
  pdu.resize(n);
  JOULE_TRY(const std::vector<std::uint8_t> rsp, transact(unit, pdu));
  JOULE_TRY(const Response r, parse_response(rsp, Function::write_multiple_registers));
  JOULE_RETURN_IF_ERROR(check_exception(r));
  return {};
}

}  // namespace joule::meter::modbus

namespace joule::meter::sunspec {

Result<Device> read_device(const std::string& host, std::uint16_t port, std::uint8_t unit, int timeout_ms) {
  JOULE_TRY(modbus::TcpClient c, modbus::TcpClient::connect(host, port, timeout_ms));
  Device d;
  bool found = false;
  for (const std::uint16_t base : kBaseAddresses) {
    auto m = c.read_holding_registers(unit, base, 2);
    if (m && is_marker(*m)) {
      d.base_address = base;
      d.image = *m;
      found = true;
      break;
    }
    if (!m && m.error().code == Errc::io_error) return fail(m.error());
  }
  if (!found) return fail(Errc::not_found, "no SunSpec marker at 40000, 50000 or 0");
  std::uint32_t addr = d.base_address + 2U;
  for (int models = 0; models < 256; ++models) {
    if (addr + 2 > 0xFFFF) return fail(Errc::malformed, "SunSpec model chain runs past register 65535");
    JOULE_TRY(const std::vector<std::uint8_t> hdr, c.read_holding_registers(unit, static_cast<std::uint16_t>(addr), 2));
    d.image.insert(d.image.end(), hdr.begin(), hdr.end());
    const std::uint16_t id = static_cast<std::uint16_t>(hdr[0] << 8 | hdr[1]);
    const std::uint16_t len = static_cast<std::uint16_t>(hdr[2] << 8 | hdr[3]);
    if (id == kEndModelId) return d;
    std::uint32_t at = addr + 2;
    std::uint32_t left = len;
    while (left > 0) {
      const auto n = static_cast<std::uint16_t>(left > 125 ? 125 : left);  // FC 3 limit
      if (at + n > 0x10000) return fail(Errc::malformed, "SunSpec model runs past register 65535");
      JOULE_TRY(const std::vector<std::uint8_t> regs, c.read_holding_registers(unit, static_cast<std::uint16_t>(at), n));
      d.image.insert(d.image.end(), regs.begin(), regs.end());
      at += n;
      left -= n;
    }
    addr = at;
  }
  return fail(Errc::malformed, "more than 256 SunSpec models");
}

}  // namespace joule::meter::sunspec
