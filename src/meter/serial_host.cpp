// Host serial driver of the IEC 62056-21 mode C session (POSIX termios). See serial.hpp.
#include "joule/meter/serial.hpp"

#include "joule/meter/parity.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace joule::meter::serial {
namespace {

speed_t speed_of(std::uint32_t baud) noexcept {
  switch (baud) {
    case 300: return B300;
    case 600: return B600;
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    default: return 0;
  }
}

Result<void> write_all(int fd, std::span<const std::uint8_t> bytes) noexcept {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(iec62056_21::kResponseTimeoutMs)) > 0) continue;
    }
    return fail(Errc::io_error, "writing to the serial port failed");
  }
  return {};
}

}  // namespace

Result<void> set_line(int fd, std::uint32_t baud, Parity parity) noexcept {
  const speed_t sp = speed_of(baud);
  if (sp == 0) return fail(Errc::invalid_argument, "baud rate is not one of 300..19200 (IEC 62056-21 §6.3.14)");
  termios t{};
  if (::tcgetattr(fd, &t) != 0) return fail(Errc::io_error, "tcgetattr failed (not a tty?)");
  ::cfmakeraw(&t);
  // §6.3.1: 7 data bits, even parity, 1 stop bit (ISO 1177 character format). The UART
  // checks the parity (INPCK: a bad character reads as NUL, which the BCC rejects) and
  // strips bit 7 (ISTRIP). In software mode the line is 8N1 and bit 7 is the parity.
  t.c_cflag &= ~static_cast<tcflag_t>(CSIZE | CSTOPB | PARODD | PARENB | CRTSCTS);
  t.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY | INPCK | ISTRIP | IGNPAR | PARMRK);
  if (parity == Parity::hardware) {
    t.c_cflag |= CS7 | PARENB | CREAD | CLOCAL;
    t.c_iflag |= INPCK | ISTRIP;
  } else {
    t.c_cflag |= CS8 | CREAD | CLOCAL;
  }
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 0;
  if (::cfsetispeed(&t, sp) != 0 || ::cfsetospeed(&t, sp) != 0) return fail(Errc::io_error, "cfsetspeed failed");
  if (::tcsetattr(fd, TCSANOW, &t) != 0) {
    // A pseudo-terminal (and some USB adapters) keep 8 bits without parity whatever is asked;
    // glibc then reports EINVAL although the rest was applied. Accept the line when the rate
    // took: the characters of IEC 62056-21 are 7-bit, so an 8N1 link between two programs
    // carries them unchanged.
    termios back{};
    if (errno != EINVAL || ::tcgetattr(fd, &back) != 0 || ::cfgetospeed(&back) != sp)
      return fail(Errc::io_error, "tcsetattr failed");
  }
  return {};
}

Result<int> open_port(const std::string& path, Parity parity) noexcept {
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail(Errc::io_error, "cannot open the serial port");
  auto st = set_line(fd, 300, parity);
  if (!st) {
    ::close(fd);
    return fail(st.error());
  }
  return fd;
}

namespace {

// Runs the session's I/O (send, baud switch, receive) until it reaches done, failed or
// ready (programming mode waits for a command); returns that step.
iec62056_21::Step drive(int fd, iec62056_21::ModeCSession& s, iec62056_21::Step step, Parity parity,
                        Error& io) {
  using iec62056_21::Action;
  std::uint8_t buf[512];
  auto failed = [&](Error e) {
    io = e;
    iec62056_21::Step f;
    f.action = Action::failed;
    f.error = e;
    return f;
  };
  for (;;) {
    switch (step.action) {
      case Action::send: {
        Result<void> w;
        if (parity == Parity::software) {
          std::vector<std::uint8_t> tx(step.bytes.begin(), step.bytes.end());
          ::joule::meter::parity::add_even(tx);
          w = write_all(fd, tx);
        } else {
          w = write_all(fd, step.bytes);
        }
        if (!w) return failed(w.error());
        step = s.on_sent();
        break;
      }
      case Action::set_baud: {
        // §6.4.3: the new rate applies after the acknowledgement: let it leave the UART first.
        (void)::tcdrain(fd);
        auto b = set_line(fd, step.baud, parity);
        if (!b) return failed(b.error());
        step = s.on_baud_set();
        break;
      }
      case Action::receive: {
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(step.timeout_ms));
        if (r < 0 && errno == EINTR) break;
        if (r < 0) return failed(Error(Errc::io_error, "poll on the serial port failed"));
        if (r == 0) {
          step = s.on_timeout();
          break;
        }
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
        if (n <= 0) return failed(Error(Errc::io_error, "reading the serial port failed (device gone?)"));
        if (parity == Parity::software &&
            ::joule::meter::parity::strip_even({buf, static_cast<std::size_t>(n)}) != static_cast<std::size_t>(n))
          return failed(Error(Errc::checksum_mismatch,
                              "a character failed its even-parity check (7E1 in software, IEC 62056-21 §6.3.1)"));
        step = s.on_received({buf, static_cast<std::size_t>(n)});
        break;
      }
      case Action::done:
      case Action::ready:
      case Action::failed: return step;
    }
  }
}

Status check_rx(std::size_t rx_capacity) {
  if (rx_capacity < 64 || rx_capacity > (std::size_t{1} << 24))
    return fail(Errc::invalid_argument, "rx_capacity must be 64 B .. 16 MiB");
  return {};
}

}  // namespace

Result<ModeCReadout> run_mode_c(int fd, const iec62056_21::SessionOptions& options, std::size_t rx_capacity,
                                Parity parity) {
  using iec62056_21::Action;
  if (options.mode_control != '0')
    return fail(Errc::invalid_argument, "run_mode_c drives the data readout and mode E (mode_control '0'): use run_programming");
  JOULE_RETURN_IF_ERROR(check_rx(rx_capacity));
  std::vector<std::uint8_t> rx(rx_capacity);
  iec62056_21::ModeCSession s{rx, options};
  Error io{Errc::ok, ""};
  const auto step = drive(fd, s, s.start(), parity, io);
  if (step.action != Action::done) return fail(step.error);
  ModeCReadout out;
  out.identification = std::string(s.identification());
  out.data_baud = s.data_baud();
  out.hdlc_mode = s.hdlc_mode();
  if (out.hdlc_mode) {
    // Annex E: after the switch the HDLC link runs 8 data bits, no parity, 1 stop bit.
    JOULE_RETURN_IF_ERROR(set_line(fd, s.data_baud(), Parity::software));
  } else {
    out.readout.assign(s.readout().begin(), s.readout().end());
  }
  return out;
}

Result<ProgrammingResult> run_programming(int fd, const iec62056_21::SessionOptions& options,
                                          std::span<const ProgrammingCommand> commands, Parity parity) {
  using iec62056_21::Action;
  using iec62056_21::Reply;
  iec62056_21::SessionOptions o = options;
  o.mode_control = '1';
  o.hdlc_if_offered = false;
  for (const auto& c : commands)
    if (c.command == iec62056_21::Command::b0)
      return fail(Errc::invalid_argument, "B0 is sent at the end by run_programming: leave it out of the commands");
  std::vector<std::uint8_t> rx(4096);
  iec62056_21::ModeCSession s{rx, o};
  Error io{Errc::ok, ""};
  auto step = drive(fd, s, s.start(), parity, io);
  if (step.action != Action::ready) return fail(step.action == Action::failed ? step.error : Error(Errc::malformed, "the meter did not enter programming mode"));
  ProgrammingResult out;
  out.identification = std::string(s.identification());
  out.data_baud = s.data_baud();
  out.operand = std::string(s.reply());
  for (const auto& c : commands) {
    // §6.3.7: a NAK asks for the command again; give up after the third.
    int tries = 0;
    for (;;) {
      step = drive(fd, s, s.command(c.command, c.data), parity, io);
      if (step.action != Action::ready) return fail(step.error);
      if (s.reply_kind() != Reply::nak || ++tries == 3) break;
    }
    out.replies.push_back({s.reply_kind(), std::string(s.reply())});
  }
  step = drive(fd, s, s.command(iec62056_21::Command::b0), parity, io);
  if (step.action != Action::done) return fail(step.error);
  return out;
}

Result<ProgrammingResult> program(const std::string& path, const iec62056_21::SessionOptions& options,
                                  std::span<const ProgrammingCommand> commands, Parity parity) {
  JOULE_TRY(const int fd, open_port(path, parity));
  auto r = run_programming(fd, options, commands, parity);
  ::close(fd);
  return r;
}

Result<ModeCReadout> read_mode_c(const std::string& path, const iec62056_21::SessionOptions& options,
                                 std::size_t rx_capacity, Parity parity) {
  JOULE_TRY(const int fd, open_port(path, parity));
  auto r = run_mode_c(fd, options, rx_capacity, parity);
  ::close(fd);
  return r;
}

}  // namespace joule::meter::serial
