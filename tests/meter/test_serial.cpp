// The IEC 62056-21 mode C handshake end to end through a pseudo-terminal: a simulated meter
// on the master side speaks the byte sequences of §6.3/§6.4.3 (request, identification with
// baud character, ACK option select, data message with BCC) and checks the rate the driver set
// with termios (a pty master reads the slave's termios; Linux keeps a pty at 8 bits without
// parity, so the 7E1 character format cannot be observed this way), joule's serial driver
// (serial.hpp, running ModeCSession) is on the slave side.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "joule/core/fixed_vector.hpp"
#include "joule/meter/iec62056_21.hpp"
#include "joule/meter/parity.hpp"
#include "joule/meter/serial.hpp"

using namespace joule::meter;

namespace {

struct Pty {
  int master = -1;
  std::string slave;
  Pty() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    slave = ::ptsname(master);
  }
  ~Pty() { ::close(master); }
};

// Reads from the master until `end` was seen or `ms` passed.
std::string read_until(int fd, const std::string& end, int ms = 3000) {
  std::string got;
  const auto t0 = std::chrono::steady_clock::now();
  while (got.find(end) == std::string::npos) {
    const auto left = ms - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char b[256];
    const ssize_t n = ::read(fd, b, sizeof b);
    if (n <= 0) break;
    got.append(b, static_cast<std::size_t>(n));
  }
  return got;
}

// The rate the slave (the driver) set.
speed_t speed_of(int master) {
  termios t{};
  ::tcgetattr(master, &t);
  return ::cfgetospeed(&t);
}

bool wait_speed(int master, speed_t sp) {
  for (int i = 0; i < 200; ++i) {
    if (speed_of(master) == sp) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

struct MeterLog {
  std::string request, ack;
  bool request_at_300 = false, data_at_9600 = false;
};

// The simulated meter: identification "/ISk5MT174-0001" (mode C, '5' = 9600 baud), then a
// data message of three data sets. `corrupt_bcc` sends a wrong BCC; `silent` never answers.
void meter(int master, MeterLog& log, bool corrupt_bcc, bool silent) {
  log.request = read_until(master, "\r\n");
  log.request_at_300 = speed_of(master) == B300;
  if (silent) return;
  const std::string ident = "/ISk5MT174-0001\r\n";
  (void)!::write(master, ident.data(), ident.size());
  log.ack = read_until(master, "\r\n");
  if (!wait_speed(master, B9600)) return;
  log.data_at_9600 = true;
  const std::string body = "0.0.0(12345678)\r\n1.8.0(0001234.5*kWh)\r\n2.8.0(0000012.3*kWh)\r\n!\r\n\x03";
  std::string msg = "\x02" + body;
  std::uint8_t b = iec62056_21::bcc({reinterpret_cast<const std::uint8_t*>(body.data()), body.size()});
  msg.push_back(static_cast<char>(corrupt_bcc ? b ^ 0x01 : b));
  // In two pieces, as a UART delivers it.
  (void)!::write(master, msg.data(), 20);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  (void)!::write(master, msg.data() + 20, msg.size() - 20);
  read_until(master, "never", 200);  // keep the master open until the driver is done
}

// The meter behind an 8N1 link that carries 7E1 characters (parity in bit 7): it
// checks the parity of what it receives and sends its answers with parity bits;
// `bad_at` >= 0 flips the parity bit of that byte of the data message.
struct SoftLog {
  std::string request, ack;
  bool request_parity_ok = true, ack_parity_ok = true;
};
void soft_meter(int master, SoftLog& log, int bad_at) {
  auto strip = [](std::string& s, bool& ok) {
    for (char& c : s) {
      ok = ok && parity::even_ok(static_cast<std::uint8_t>(c));
      c = static_cast<char>(c & 0x7F);
    }
  };
  auto send = [master](std::string s, int flip) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      auto b = parity::add_even(static_cast<std::uint8_t>(s[i]));
      if (static_cast<int>(i) == flip) b = static_cast<std::uint8_t>(b ^ 0x80U);
      s[i] = static_cast<char>(b);
    }
    (void)!::write(master, s.data(), s.size());
  };
  log.request = read_until(master, "\n");  // LF (0x0A) has an even number of ones: no parity bit
  strip(log.request, log.request_parity_ok);
  send("/ISk5MT174-0001\r\n", -1);
  log.ack = read_until(master, "\n");
  strip(log.ack, log.ack_parity_ok);
  if (!wait_speed(master, B9600)) return;
  const std::string body = "0.0.0(12345678)\r\n1.8.0(0001234.5*kWh)\r\n!\r\n\x03";
  std::string msg = "\x02" + body;
  msg.push_back(static_cast<char>(iec62056_21::bcc({reinterpret_cast<const std::uint8_t*>(body.data()), body.size()})));
  send(msg, bad_at);
  read_until(master, "never", 200);
}

}  // namespace

TEST_CASE("parity: even parity of 7-bit characters added, checked and stripped") {
  CHECK(parity::add_even('/') == 0xAF);  // 0x2F has five ones: parity bit set
  CHECK(parity::add_even('?') == 0x3F);  // six ones: even already
  CHECK(parity::even_ok(0xAF));
  CHECK_FALSE(parity::even_ok(0x2F));
  std::uint8_t frame[] = {'/', '?', '!', '\r', '\n'};
  parity::add_even(frame);
  for (std::uint8_t b : frame) CHECK(parity::even_ok(b));
  CHECK(parity::strip_even(frame) == 5U);
  CHECK(frame[0] == '/');
  parity::add_even(frame);
  frame[2] = static_cast<std::uint8_t>(parity::add_even('!') ^ 0x80U);
  frame[4] = static_cast<std::uint8_t>(parity::add_even('\n') ^ 0x80U);
  CHECK(parity::strip_even(frame) == 2U);  // the first bad character
  CHECK(frame[4] == '\n');                 // stripped all the same
}

TEST_CASE("serial: 7E1 in software over an 8N1 link, and the UART flags of hardware parity") {
  {
    Pty pty;
    SoftLog log;
    std::thread m(soft_meter, pty.master, std::ref(log), -1);
    auto r = serial::read_mode_c(pty.slave, {.max_baud = 19200}, 16384, serial::Parity::software);
    m.join();
    REQUIRE_MESSAGE(r.has_value(), std::string(r ? "" : r.error().message));
    CHECK(log.request == "/?!\r\n");
    CHECK(log.request_parity_ok);  // the driver sent parity bits
    CHECK(log.ack == "\x06" "050\r\n");
    CHECK(log.ack_parity_ok);
    CHECK(r->identification == "ISk5MT174-0001");
    joule::FixedVector<Reading, 16> rs;
    Telegram t{rs};
    REQUIRE(iec62056_21::decode(r->readout, t, {.require_bcc = true}).has_value());
    REQUIRE(rs.size() == 2);
    CHECK(rs[1].number == joule::Decimal(12345, -1));
  }
  {
    // One character of the data message with a wrong parity bit: a clear error, no readout.
    Pty pty;
    SoftLog log;
    std::thread m(soft_meter, pty.master, std::ref(log), 25);
    auto r = serial::read_mode_c(pty.slave, {.max_baud = 19200}, 16384, serial::Parity::software);
    m.join();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == joule::Errc::checksum_mismatch);
    CHECK(std::string(r.error().message).find("parity") != std::string::npos);
  }
  {
    // What the driver asks of the UART (read back through the pty's termios): parity checked
    // and bit 7 stripped in hardware mode; a raw 8-bit line in software mode.
    Pty pty;
    auto fd = serial::open_port(pty.slave);
    REQUIRE(fd.has_value());
    termios t{};
    REQUIRE(::tcgetattr(*fd, &t) == 0);
    CHECK((t.c_iflag & INPCK) != 0U);
    CHECK((t.c_iflag & ISTRIP) != 0U);
    ::close(*fd);
    auto fs = serial::open_port(pty.slave, serial::Parity::software);
    REQUIRE(fs.has_value());
    REQUIRE(::tcgetattr(*fs, &t) == 0);
    CHECK((t.c_iflag & (INPCK | ISTRIP)) == 0U);
    CHECK((t.c_cflag & CSIZE) == CS8);
    CHECK((t.c_cflag & PARENB) == 0U);
    ::close(*fs);
  }
}

TEST_CASE("serial: mode C readout through a pseudo-terminal (request, ACK, baud switch, BCC)") {
  Pty pty;
  MeterLog log;
  std::thread m(meter, pty.master, std::ref(log), false, false);
  auto r = serial::read_mode_c(pty.slave, {.max_baud = 19200});
  m.join();
  REQUIRE_MESSAGE(r.has_value(), std::string(r ? "" : r.error().message));
  CHECK(log.request == "/?!\r\n");
  CHECK(log.request_at_300);
  CHECK(log.ack == "\x06" "050\r\n");  // ACK, protocol '0', baud '5' = 9600, readout '0'
  CHECK(log.data_at_9600);
  CHECK(r->identification == "ISk5MT174-0001");
  CHECK(r->data_baud == 9600U);
  joule::FixedVector<Reading, 16> rs;
  Telegram t{rs};
  REQUIRE(iec62056_21::decode(r->readout, t, {.require_bcc = true}).has_value());
  CHECK(t.identifier == "ISk5MT174-0001");
  REQUIRE(rs.size() == 3);
  CHECK(rs[1].number == joule::Decimal(12345, -1));
  CHECK(rs[1].unit_text == "kWh");
  CHECK(rs[2].number == joule::Decimal(123, -1));
}

TEST_CASE("serial: mode C with a lower max_baud, a device address, a wrong BCC and a silent meter") {
  {
    // max_baud 4800: the ACK asks for '4' and the meter (checking for 9600) never answers: incomplete.
    Pty pty;
    MeterLog log;
    std::thread m(meter, pty.master, std::ref(log), false, false);
    auto r = serial::read_mode_c(pty.slave, {.address = "12345678", .max_baud = 4800});
    m.join();
    CHECK(log.request == "/?12345678!\r\n");
    CHECK(log.ack == "\x06" "040\r\n");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == joule::Errc::incomplete);
  }
  {
    Pty pty;
    MeterLog log;
    std::thread m(meter, pty.master, std::ref(log), true, false);
    auto r = serial::read_mode_c(pty.slave);
    m.join();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == joule::Errc::checksum_mismatch);
  }
  {
    Pty pty;
    MeterLog log;
    std::thread m(meter, pty.master, std::ref(log), false, true);
    auto r = serial::read_mode_c(pty.slave);
    m.join();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == joule::Errc::incomplete);
  }
  CHECK(serial::read_mode_c("/nonexistent/tty").error().code == joule::Errc::io_error);
  CHECK(serial::run_mode_c(-1, {.mode_control = '1'}).error().code == joule::Errc::invalid_argument);
}
