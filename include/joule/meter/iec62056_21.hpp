// joule/meter/iec62056_21.hpp: IEC 62056-21 (formerly IEC 61107, "D0") local readout.
//
// IEC 62056-21:2002 modes A to E over an optical head or current loop: the
// identification message "/XXXZ<ident>" CR LF, then a data message
// STX <data block> "!" CR LF ETX BCC (§6.3), whose data lines are
// `address(value*unit)` data sets (§6.5), several per line, several values per
// data set ("&"), profile lines continued on following lines. The splitter
// verifies the block check character (BCC: XOR of the bytes after STX up to and
// including ETX, §6.3.3 / ISO 1155); the mode C handshake is a sans-IO state
// machine (`ModeCSession`) that tells the caller what to send, when to switch
// the baud rate and when the readout is complete.
//
// Example:
//   std::uint8_t rx[4096];
//   joule::meter::iec62056_21::ModeCSession s{rx, {.max_baud = 9600}};
//   auto step = s.start();                      // send "/?!\r\n" at 300 baud, 7E1
//   for (;;) {
//     if (step.action == Action::send) { uart_write(step.bytes); step = s.on_sent(); }
//     else if (step.action == Action::set_baud) { uart_set_baud(step.baud); step = s.on_baud_set(); }
//     else if (step.action == Action::receive) {
//       auto n = uart_read(buf, step.timeout_ms);
//       step = n ? s.on_received({buf, n}) : s.on_timeout();
//     } else break;                              // done (s.readout()) or failed (step.error)
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <string_view>

#include "joule/core/result.hpp"
#include "joule/meter/frame.hpp"
#include "joule/meter/reading.hpp"

namespace joule::meter::iec62056_21 {

/// Control characters of IEC 62056-21 §6.3 (ISO 646).
inline constexpr std::uint8_t kStx = 0x02, kEtx = 0x03, kEot = 0x04, kAck = 0x06, kNak = 0x15, kSoh = 0x01;

/// Block check character: XOR of `bytes` (the caller passes the bytes after STX/SOH up to and including ETX/EOT).
constexpr std::uint8_t bcc(std::span<const std::uint8_t> bytes) noexcept {
  std::size_t i = 0;
  std::uint64_t w = 0;
  if (!std::is_constant_evaluated()) {
    // Eight bytes per step, folded at the end (XOR does not care about byte order).
    for (; i + 8 <= bytes.size(); i += 8) {
      std::uint64_t v;
      __builtin_memcpy(&v, bytes.data() + i, 8);
      w ^= v;
    }
    w ^= w >> 32;
    w ^= w >> 16;
    w ^= w >> 8;
  }
  auto x = static_cast<std::uint8_t>(w);
  for (; i < bytes.size(); ++i) x ^= bytes[i];
  return x;
}

/// Baud rate of an identification message's baud character (§6.3.14 Table: mode C
/// '0'..'6' = 300..19200; mode B 'A'..'F' = 600..19200). 0 when the character is not a rate
/// (mode A meters and unknown letters: stay at 300 baud).
constexpr std::uint32_t baud_from_char(char z) noexcept {
  constexpr std::uint32_t kRates[] = {300, 600, 1200, 2400, 4800, 9600, 19200};
  if (z >= '0' && z <= '6') return kRates[z - '0'];
  if (z >= 'A' && z <= 'F') return kRates[z - 'A' + 1];
  return 0;
}

/// Splits a D0 byte stream into readouts: [identification line] [ACK option line] STX data "!" CR LF ETX BCC.
/// A readout is handed out when its BCC matches. A data message whose "!" CR LF is followed by
/// something other than ETX/EOT (some meters and optical-head recorders omit ETX + BCC) is
/// handed out without a BCC check; flush() hands out such a message at the end of a stream.
class Splitter {
 public:
  explicit Splitter(std::span<std::uint8_t> buffer, bool verify_bcc = true) noexcept
      : buf_(buffer), verify_bcc_(verify_bcc) {}
  FeedResult feed(std::span<const std::uint8_t> input) noexcept;
  /// At the end of the input: the pending message that ended with "!" but no ETX/BCC, if any.
  FeedResult flush() noexcept;
  void reset() noexcept {
    buf_.clear();
    state_ = State::hunt;
  }

 private:
  enum class State : std::uint8_t { hunt, ident, after_ident, option_line, data, after_bang, bcc };
  FeedResult emit(std::size_t consumed, std::size_t skipped) noexcept;
  FrameBuffer buf_;
  State state_ = State::hunt;
  std::size_t data_start_ = 0;  ///< offset of the first byte after STX (BCC range start)
  bool has_stx_ = false;
  bool after_newline_ = false;
  bool verify_bcc_ = true;
};

/// Options of decode().
struct DecodeOptions {
  bool require_bcc = false;  ///< reject data messages without ETX + BCC
  bool verify_bcc = true;    ///< false: read a message whose BCC is known to be wrong (forensics)
};

/// Decodes one readout (identification line optional, data message with or without STX,
/// ETX + BCC verified when present). Readings carry the data-set address as sent in
/// `name` (e.g. "1.8.0", "F.F", "1-0:1.8.0*255") and the parsed OBIS code in `obis`.
/// Errors: malformed, checksum_mismatch (BCC), incomplete (no "!" / require_bcc), buffer_too_small.
Result<void> decode(std::span<const std::uint8_t> readout, Telegram& out, const DecodeOptions& options = {}) noexcept;

// ------------------------------------------------------------------ mode C handshake

/// What the caller must do next.
enum class Action : std::uint8_t {
  send,      ///< write `bytes` to the line (at the current baud rate), then call on_sent()
  set_baud,  ///< switch the UART to `baud` (7E1), then call on_baud_set()
  receive,   ///< read bytes (give up after `timeout_ms`), pass them to on_received() or call on_timeout()
  done,      ///< readout complete: readout() holds ident + data message (decode() it); in mode E
             ///< (hdlc_mode()) the line now speaks HDLC at data_baud(): hand it to dlms::HdlcSplitter
  failed,    ///< `error` says why; start() again to retry
  ready,     ///< programming mode: the meter waits for a command; call command() (reply() holds the last answer)
};

/// Command message identifiers of programming mode (IEC 62056-21:2002 §6.3.6, Table 3):
/// P password (1: operand is the password, 2: operand is the password encrypted with the
/// meter's seed), W write and R read (1: ASCII data, 2: formatted data), B0 break (sign off).
enum class Command : std::uint8_t { p1, p2, w1, w2, r1, r2, b0 };

/// Writes the command message "SOH C D STX data ETX BCC" ("SOH B0 ETX BCC" for b0, whose
/// data must be empty) into `out` and returns its length. The BCC is the XOR of every byte
/// after SOH up to and including ETX (§6.3.6). Errors: buffer_too_small, invalid_argument
/// (data holding a control character or data given to b0).
Result<std::size_t> build_command(Command c, std::string_view data, std::span<std::uint8_t> out) noexcept;

/// What the meter answered to a programming-mode command (ModeCSession::reply_kind()).
enum class Reply : std::uint8_t {
  none = 0,
  ack,      ///< ACK: command accepted (password right, write done)
  nak,      ///< NAK: repeat the command (BCC error at the meter); after the third one give up
  data,     ///< a data message "STX data ETX BCC": reply() holds the data, e.g. "(000285.4*kWh)" or "(ERxx)"
  operand,  ///< the password request "SOH P0 STX (operand) ETX BCC": reply() holds "(operand)"
};

/// "P1", "P2", "W1", "W2", "R1", "R2", "B0".
constexpr const char* command_name(Command c) noexcept {
  constexpr const char* kNames[] = {"P1", "P2", "W1", "W2", "R1", "R2", "B0"};
  return kNames[static_cast<unsigned>(c) < 7U ? static_cast<unsigned>(c) : 6U];
}

/// The command of a name ("R1", ...); false when there is none.
constexpr bool parse_command(std::string_view name, Command& out) noexcept {
  for (unsigned i = 0; i < 7U; ++i)
    if (name == command_name(static_cast<Command>(i))) {
      out = static_cast<Command>(i);
      return true;
    }
  return false;
}

/// "none", "ack", "nak", "data", "operand".
constexpr const char* reply_name(Reply r) noexcept {
  switch (r) {
    case Reply::ack: return "ack";
    case Reply::nak: return "nak";
    case Reply::data: return "data";
    case Reply::operand: return "operand";
    case Reply::none: break;
  }
  return "none";
}

/// One instruction of the session.
struct Step {
  Action action = Action::failed;
  std::span<const std::uint8_t> bytes{};  ///< Action::send
  std::uint32_t baud = 300;               ///< Action::set_baud
  std::uint32_t timeout_ms = 0;           ///< Action::receive
  Error error{Errc::ok, ""};              ///< Action::failed
};

/// Options of a mode C session.
struct SessionOptions {
  std::string_view address{};   ///< device address for "/?address!" (up to 32 chars, §6.3.1); empty = any meter
  std::uint32_t max_baud = 19200;  ///< never switch above this rate
  char mode_control = '0';      ///< Y of the option select: '0' data readout, '1' programming mode (§6.3.3)
  /// Mode E: when the identification announces HDLC ("/XXXZ\2...", enhanced identification,
  /// Annex E), select it ("ACK 2 Z 1 CR LF") and end with Action::done and hdlc_mode().
  bool hdlc_if_offered = false;
};

/// The mode C (and B, A) readout handshake of IEC 62056-21 §6.4.3 as a state machine.
class ModeCSession {
 public:
  /// `rx_buffer` receives the identification and the data message (bounded).
  ModeCSession(std::span<std::uint8_t> rx_buffer, const SessionOptions& options = {}) noexcept
      : split_(rx_buffer), rx_(rx_buffer), options_(options) {}

  /// Begins (or restarts) a session: set 300 baud, then send the request message.
  Step start() noexcept;
  Step on_sent() noexcept;
  Step on_baud_set() noexcept;
  /// Bytes read from the line. Errors end the session (failed): checksum_mismatch, malformed.
  Step on_received(std::span<const std::uint8_t> bytes) noexcept;
  /// The receive timed out: failed with Errc::incomplete.
  Step on_timeout() noexcept;
  /// Programming mode (after Action::ready): sends a command message (see build_command);
  /// the session then receives the answer and returns to Action::ready. b0 ends the session
  /// (Action::done, no answer expected). Errors (failed): invalid_argument, buffer_too_small.
  Step command(Command c, std::string_view data = {}) noexcept;
  /// Programming mode: the kind of the last answer and its data (see Reply).
  Reply reply_kind() const noexcept { return reply_kind_; }
  std::string_view reply() const noexcept { return reply_; }
  /// Mode E was selected: the line speaks HDLC (IEC 62056-46) at data_baud() from now on.
  bool hdlc_mode() const noexcept { return hdlc_; }

  /// The identification line as received (without "/" and CR LF).
  std::string_view identification() const noexcept { return {ident_, ident_len_}; }
  /// Baud rate agreed for the data message.
  std::uint32_t data_baud() const noexcept { return data_baud_; }
  /// The complete readout (valid after Action::done until the next start()).
  std::span<const std::uint8_t> readout() const noexcept { return readout_; }

 private:
  enum class Phase : std::uint8_t {
    idle, set_initial_baud, send_request, wait_ident, send_ack, switch_baud, wait_data, done, failed,
    wait_operand, ready, send_command, wait_reply, send_break
  };
  Step current() noexcept;
  Step failure(Errc code, const char* msg) noexcept;
  Step receive_reply(std::span<const std::uint8_t> in) noexcept;
  Splitter split_;
  std::span<std::uint8_t> rx_;  // the same buffer: programming-mode answers are collected here
  std::size_t rx_len_ = 0;
  SessionOptions options_;
  Phase phase_ = Phase::idle;
  Reply reply_kind_ = Reply::none;
  std::string_view reply_{};
  bool hdlc_ = false;
  std::uint8_t tx_[128] = {};
  std::size_t tx_len_ = 0;
  char ident_[40] = {};
  std::size_t ident_len_ = 0;
  bool ident_done_ = false;
  std::uint32_t data_baud_ = 300;
  std::span<const std::uint8_t> readout_{};
  Error error_{Errc::ok, ""};
};

/// Reaction and inter-character times used by ModeCSession [ms] (IEC 62056-21:2002 §6.3.14:
/// tr <= 1500 ms, ta <= 1500 ms between characters; the meter switches rate 200..1500 ms after ACK).
inline constexpr std::uint32_t kResponseTimeoutMs = 1500;
inline constexpr std::uint32_t kBaudSwitchDelayMs = 300;

}  // namespace joule::meter::iec62056_21
