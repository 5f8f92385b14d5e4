// joule/meter/serial.hpp: host-only serial-port driver (POSIX termios) for the sans-IO
// IEC 62056-21 mode C session: it opens a device (optical head on /dev/ttyUSB0, a
// pseudo-terminal, ...), runs `iec62056_21::ModeCSession` on it, switching the line at
// 300 baud 7E1 and later at the agreed rate, and returns the readout. Not part of the
// freestanding core; a microcontroller drives ModeCSession with its own UART code.
//
// Example:
//   auto r = joule::meter::serial::read_mode_c("/dev/ttyUSB0", {.max_baud = 9600});
//   if (r) {
//     joule::FixedVector<joule::meter::Reading, 128> rs;
//     joule::meter::Telegram t{rs};
//     auto st = joule::meter::iec62056_21::decode(r->readout, t);
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/meter/iec62056_21.hpp"

namespace joule::meter::serial {

/// What a mode C session brought home.
struct ModeCReadout {
  std::string identification;         ///< identification line without "/" and CR LF, e.g. "ISk5MT174-0001"
  std::uint32_t data_baud = 300;      ///< baud rate the data message came at [bit/s]
  std::vector<std::uint8_t> readout;  ///< identification + data message, as iec62056_21::decode() takes it
  bool hdlc_mode = false;             ///< mode E selected (hdlc_if_offered): no readout; the line now
                                      ///< speaks HDLC (IEC 62056-46) at data_baud for a DLMS client
};

/// One programming-mode command (IEC 62056-21 §6.3.6): e.g. {Command::p1, "(password)"},
/// {Command::r1, "1.8.0()"}, {Command::w1, "0.9.1(120000)"}.
struct ProgrammingCommand {
  iec62056_21::Command command = iec62056_21::Command::r1;
  std::string data;
};

/// The meter's answer to one command.
struct ProgrammingReply {
  iec62056_21::Reply kind = iec62056_21::Reply::none;  ///< ack, nak (after the third), data
  std::string data;                                    ///< data message, e.g. "(000285.4*kWh)" or "(ER03)"
};

/// What a programming-mode session brought home.
struct ProgrammingResult {
  std::string identification;             ///< without "/" and CR LF
  std::uint32_t data_baud = 300;          ///< rate after the option select [bit/s]
  std::string operand;                    ///< the meter's P0 operand, e.g. "(12345678)" (seed of P2)
  std::vector<ProgrammingReply> replies;  ///< one per command, in order
};

/// Where the even parity of the 7E1 character format (IEC 62056-21 §6.3.1) is made and checked.
enum class Parity : std::uint8_t {
  hardware,  ///< the UART: 7 data bits + even parity (CS7|PARENB), parity checked (INPCK) and
             ///< bit 7 stripped (ISTRIP); a character with a parity error reads as NUL, which
             ///< the data message's BCC then rejects
  software,  ///< the link is 8N1 and carries the parity in bit 7 (USB adapters without 7-bit
             ///< support, ser2net/ESP-link TCP bridges): the driver adds it to what it sends and
             ///< checks and strips it on what it receives (parity.hpp); a bad character is
             ///< checksum_mismatch
};

/// Sets `fd` (a tty) to raw mode at `baud` [bit/s] (300..19200, IEC 62056-21 §6.3.14): 7E1 in
/// the UART, or 8N1 with `Parity::software`. Errors: invalid_argument (rate), io_error.
Result<void> set_line(int fd, std::uint32_t baud, Parity parity = Parity::hardware) noexcept;

/// Opens a serial device read/write (no controlling tty, non-blocking I/O) at 300 baud.
/// Errors: io_error (open or termios failed). Close the descriptor with ::close().
Result<int> open_port(const std::string& path, Parity parity = Parity::hardware) noexcept;

/// Runs the mode C readout handshake (`options`: address, max_baud, ...) on an open tty:
/// sends the request at 300 baud, reads the identification, acknowledges, switches the
/// rate with termios after the ACK has left the UART, reads the data message and checks
/// its BCC. `rx_capacity` bounds the readout [bytes]. With `hdlc_if_offered` and a meter
/// that offers mode E (Annex E), it selects HDLC and returns with `hdlc_mode`: the tty stays
/// at the agreed rate, now 8N1 as HDLC needs (Annex E), for the caller's DLMS client. Programming mode: run_programming().
/// Errors: incomplete (the meter went silent for 1.5 s, §6.3.14), checksum_mismatch (BCC,
/// or a character's parity with Parity::software), malformed, buffer_too_small, io_error.
Result<ModeCReadout> run_mode_c(int fd, const iec62056_21::SessionOptions& options = {},
                                std::size_t rx_capacity = 16384, Parity parity = Parity::hardware);

/// Programming mode (§6.3.3 option select "0 Z 1", §6.3.5-§6.3.7) on an open tty: the
/// handshake as run_mode_c, the meter's P0 operand, then each command in order with its
/// answer (a NAK repeats the command, at most three times), then B0 (sign off).
/// Errors: as run_mode_c; invalid_argument (a command's data, B0 among the commands).
Result<ProgrammingResult> run_programming(int fd, const iec62056_21::SessionOptions& options,
                                          std::span<const ProgrammingCommand> commands,
                                          Parity parity = Parity::hardware);

/// open_port() + run_programming() + close.
Result<ProgrammingResult> program(const std::string& path, const iec62056_21::SessionOptions& options,
                                  std::span<const ProgrammingCommand> commands, Parity parity = Parity::hardware);

/// open_port() + run_mode_c() + close.
Result<ModeCReadout> read_mode_c(const std::string& path, const iec62056_21::SessionOptions& options = {},
                                 std::size_t rx_capacity = 16384, Parity parity = Parity::hardware);

}  // namespace joule::meter::serial
