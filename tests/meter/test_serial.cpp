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

namespace {
// A meter in programming mode (§6.3.5-§6.3.7): P0 operand after the option select, ACK to
// the right password, NAK once to the first read (a BCC error on its side) and then the
// value, a data message "(ER01)" for an unknown address, and the B0 sign-off.
struct ProgLog {
  std::string ack, password, break_msg;
  int reads = 0;
};
std::string with_bcc(const std::string& lead, const std::string& rest) {
  std::uint8_t x = 0;
  for (char c : rest) x = static_cast<std::uint8_t>(x ^ static_cast<std::uint8_t>(c));
  return lead + rest + static_cast<char>(x);
}
void prog_meter(int master, ProgLog& log) {
  (void)read_until(master, "\r\n");
  const std::string ident = "/ISk5MT174-0001\r\n";
  (void)!::write(master, ident.data(), ident.size());
  log.ack = read_until(master, "\r\n");
  if (!wait_speed(master, B9600)) return;
  const std::string p0 = with_bcc("\x01", "P0\x02(12345678)\x03");
  (void)!::write(master, p0.data(), p0.size());
  bool nak_sent = false;
  for (;;) {
    std::string cmd = read_until(master, "\x03");
    if (cmd.empty()) return;
    std::string tail = read_until(master, "zz", 100);  // the BCC byte
    if (cmd.find("B0") != std::string::npos) {
      log.break_msg = cmd;
      return;
    }
    if (cmd.find("P1") != std::string::npos) {
      log.password = cmd.substr(cmd.find('\x02') + 1, cmd.find('\x03') - cmd.find('\x02') - 1);
      const char a = log.password == "(secret)" ? '\x06' : '\x15';
      (void)!::write(master, &a, 1);
    } else if (cmd.find("R1") != std::string::npos) {
      ++log.reads;
      if (!nak_sent) {
        nak_sent = true;
        const char n = '\x15';
        (void)!::write(master, &n, 1);
        continue;
      }
      const bool known = cmd.find("1.8.0()") != std::string::npos;
      const std::string d = with_bcc("\x02", std::string(known ? "(0001234.5*kWh)" : "(ER01)") + "\x03");
      (void)!::write(master, d.data(), d.size());
    }
    (void)tail;
  }
}
}  // namespace

TEST_CASE("serial: programming mode through a pseudo-terminal (operand, password, NAK repeat, read, B0)") {
  Pty pty;
  ProgLog log;
  std::thread m(prog_meter, pty.master, std::ref(log));
  const serial::ProgrammingCommand cmds[] = {{iec62056_21::Command::p1, "(secret)"},
                                             {iec62056_21::Command::r1, "1.8.0()"},
                                             {iec62056_21::Command::r1, "9.9.9()"}};
  auto r = serial::program(pty.slave, {.max_baud = 19200}, cmds);
  m.join();
  REQUIRE_MESSAGE(r.has_value(), std::string(r ? "" : r.error().message));
  CHECK(log.ack == "\x06" "051\r\n");  // option select Y = '1': programming mode
  CHECK(r->operand == "(12345678)");
  CHECK(log.password == "(secret)");
  REQUIRE(r->replies.size() == 3);
  CHECK(r->replies[0].kind == iec62056_21::Reply::ack);
  CHECK(r->replies[1].kind == iec62056_21::Reply::data);
  CHECK(r->replies[1].data == "(0001234.5*kWh)");
  CHECK(r->replies[2].data == "(ER01)");
  CHECK(log.reads == 3);  // the NAKed read went again
  CHECK(log.break_msg.find("B0") != std::string::npos);
  const serial::ProgrammingCommand with_b0[] = {{iec62056_21::Command::b0, ""}};
  CHECK(serial::run_programming(-1, {}, with_b0).error().code == joule::Errc::invalid_argument);
}

TEST_CASE("serial: mode E through the driver leaves the tty in HDLC at the agreed rate") {
  Pty pty;
  std::string ack;
  bool at_9600 = false;
  const std::string hdlc = "\x7E\xA0\x07\x03\x21\x93\x0F\x01\x7E";  // an SNRM-shaped frame: bytes for the DLMS client
  std::thread m([&] {
    (void)read_until(pty.master, "\r\n");
    const std::string ident = "/LGZ5\\2ZMD3104407.B32\r\n";  // "\2": HDLC offered (Annex E)
    (void)!::write(pty.master, ident.data(), ident.size());
    ack = read_until(pty.master, "\r\n");
    at_9600 = wait_speed(pty.master, B9600);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)!::write(pty.master, hdlc.data(), hdlc.size());
    read_until(pty.master, "never", 300);
  });
  auto fd = serial::open_port(pty.slave);
  REQUIRE(fd.has_value());
  auto r = serial::run_mode_c(*fd, {.max_baud = 9600, .hdlc_if_offered = true});
  REQUIRE_MESSAGE(r.has_value(), std::string(r ? "" : r.error().message));
  CHECK(r->hdlc_mode);
  CHECK(r->data_baud == 9600U);
  CHECK(r->readout.empty());
  // The tty is the DLMS client's now: what the meter sends in HDLC arrives on it.
  std::string got;
  for (int i = 0; i < 100 && got.size() < hdlc.size(); ++i) {
    pollfd p{*fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    char b[64];
    const ssize_t n = ::read(*fd, b, sizeof b);
    if (n > 0) got.append(b, static_cast<std::size_t>(n));
  }
  m.join();
  ::close(*fd);
  CHECK(ack == "\x06" "251\r\n");  // protocol '2' (HDLC), baud '5', mode '1'
  CHECK(at_9600);
  CHECK(got == hdlc);
}
