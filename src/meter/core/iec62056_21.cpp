// IEC 62056-21 (D0) splitter, decoder and mode C handshake.
#include "joule/meter/iec62056_21.hpp"

#include <algorithm>
#include <string_view>

#include "obis_text.hpp"

namespace joule::meter::iec62056_21 {
namespace {

inline std::string_view as_text(std::span<const std::uint8_t> b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

FeedResult dropped(std::size_t consumed, Errc code, const char* msg, std::size_t skipped) noexcept {
  FeedResult r;
  r.consumed = consumed;
  r.status = FeedStatus::dropped;
  r.error = Error(code, msg);
  r.skipped = skipped;
  return r;
}

// §6.3.2: "/" + 3 manufacturer characters + baud character + identification (<= 16) + CR LF.
// Enhanced identification ("\W" sequences) makes it a little longer; 40 covers all.
constexpr std::size_t kMaxIdentLine = 40;

}  // namespace

FeedResult Splitter::emit(std::size_t consumed, std::size_t skipped) noexcept {
  state_ = State::hunt;
  FeedResult r;
  r.consumed = consumed;
  r.skipped = skipped;
  r.status = FeedStatus::frame;
  r.frame = buf_.bytes();
  return r;
}

FeedResult Splitter::flush() noexcept {
  if (state_ == State::after_bang) return emit(0, 0);
  FeedResult r;
  if (state_ != State::hunt && !buf_.empty()) {
    r.status = FeedStatus::dropped;
    r.error = Error(Errc::incomplete, "D0 readout ended before '!'");
  }
  reset();
  return r;
}

FeedResult Splitter::feed(std::span<const std::uint8_t> in) noexcept {
  std::size_t i = 0;
  std::size_t skipped = 0;
  const std::size_t n = in.size();
  auto push = [&](std::uint8_t b) noexcept { return buf_.push(b); };
  while (i < n) {
    const std::uint8_t b = in[i];
    switch (state_) {
      case State::hunt:
        if (b == '/') {
          buf_.clear();
          (void)push(b);
          state_ = State::ident;
          has_stx_ = false;
        } else if (b == kStx) {
          buf_.clear();
          (void)push(b);
          data_start_ = 1;
          has_stx_ = true;
          after_newline_ = true;
          state_ = State::data;
        } else if (b != '\r' && b != '\n') {
          ++skipped;
        }
        ++i;
        break;
      case State::ident:
        if (!push(b) || buf_.size() > kMaxIdentLine) {
          state_ = State::hunt;
          return dropped(i + 1, Errc::malformed, "D0 identification line too long", skipped);
        }
        ++i;
        if (b == '\n') state_ = State::after_ident;
        break;
      case State::after_ident:
        if (b == '\r' || b == '\n') {
          ++i;
        } else if (b == kAck) {
          // The option select message "ACK V Z Y CR LF" (§6.3.3) echoed on a shared line: not kept.
          state_ = State::option_line;
          ++i;
        } else if (b == kStx) {
          if (!push(b)) {
            state_ = State::hunt;
            return dropped(i + 1, Errc::buffer_too_small, "D0 readout longer than the splitter buffer", skipped);
          }
          data_start_ = buf_.size();
          has_stx_ = true;
          after_newline_ = true;
          state_ = State::data;
          ++i;
        } else if (b == '/') {
          state_ = State::hunt;  // another identification: start over with it
        } else {
          // Data lines without STX (optical-head recorders, DSMR 4 in D0 mode).
          data_start_ = buf_.size();
          has_stx_ = false;
          after_newline_ = true;
          state_ = State::data;
        }
        break;
      case State::option_line:
        ++i;
        if (b == '\n') state_ = State::after_ident;
        break;
      case State::data:
        // Bulk path: copy up to the next "!" or "/" at once; a line end matters only
        // right before a "/" (a new identification), so it is read back from the input.
        {
          const std::size_t j = detail::find_either(in.data(), i, n, '!', '/');
          if (j > i) {
            if (!buf_.append(in.subspan(i, j - i))) {
              state_ = State::hunt;
              return dropped(j, Errc::buffer_too_small, "D0 readout longer than the splitter buffer", skipped);
            }
            after_newline_ = in[j - 1] == '\n';
            i = j;
            break;
          }
        }
        if (b == '/' && after_newline_) {
          state_ = State::hunt;
          return dropped(i, Errc::malformed, "torn D0 readout: new identification before '!'", skipped);
        }
        if (!push(b)) {
          state_ = State::hunt;
          return dropped(i + 1, Errc::buffer_too_small, "D0 readout longer than the splitter buffer", skipped);
        }
        after_newline_ = b == '\n';
        ++i;
        if (b == '!') state_ = State::after_bang;  // §6.3.4: "!" ends the data block
        break;
      case State::after_bang:
        if (b == '\r' || b == '\n' || detail::hex_value(b) >= 0) {
          // CR LF, or the CRC a DSMR meter in D0 mode prints after "!".
          if (!push(b)) {
            state_ = State::hunt;
            return dropped(i + 1, Errc::buffer_too_small, "D0 readout longer than the splitter buffer", skipped);
          }
          ++i;
        } else if (b == kEtx || b == kEot) {
          if (!push(b)) {
            state_ = State::hunt;
            return dropped(i + 1, Errc::buffer_too_small, "D0 readout longer than the splitter buffer", skipped);
          }
          ++i;
          state_ = State::bcc;
        } else {
          return emit(i, skipped);  // no ETX/BCC: hand out as is, this byte starts what follows
        }
        break;
      case State::bcc: {
        ++i;
        if (!has_stx_) return emit(i, skipped);  // no STX: BCC range undefined, keep the byte
        const std::uint8_t want = bcc(buf_.bytes().subspan(data_start_));
        if (verify_bcc_ && want != b) {
          state_ = State::hunt;
          return dropped(i, Errc::checksum_mismatch, "D0 block check character does not match", skipped);
        }
        (void)push(b);  // a full buffer only loses the BCC byte, which decode() then does not re-check
        return emit(i, skipped);
      }
    }
  }
  FeedResult r;
  r.consumed = n;
  r.skipped = skipped;
  return r;
}

Result<void> decode(std::span<const std::uint8_t> t, Telegram& out, const DecodeOptions& options) noexcept {
  const std::string_view s = as_text(t);
  out.protocol = Protocol::iec62056_21;
  out.has_crc = false;
  std::size_t pos = 0;
  // Leading line noise before the identification or STX.
  while (pos < s.size() && s[pos] != '/' && s[pos] != static_cast<char>(kStx) && (s[pos] == '\r' || s[pos] == '\n'))
    ++pos;
  if (pos < s.size() && s[pos] == '/') {
    const std::size_t eol = s.find('\n', pos);
    if (eol == std::string_view::npos) return fail(Errc::incomplete, "D0 identification line not terminated", Where::byte(s.size()));
    std::string_view id = detail::sub(s, pos + 1, eol - pos - 1);
    if (!id.empty() && id.back() == '\r') id.remove_suffix(1);
    out.identifier = id;
    out.manufacturer = detail::sub(id, 0, std::min<std::size_t>(3, id.size()));
    pos = eol + 1;
    // Optional echoed option select line "ACK V Z Y CR LF".
    if (pos < s.size() && s[pos] == static_cast<char>(kAck)) {
      const std::size_t e = s.find('\n', pos);
      pos = e == std::string_view::npos ? s.size() : e + 1;
    }
  }
  const std::size_t stx = s.find(static_cast<char>(kStx), pos);
  const bool has_stx = stx != std::string_view::npos && s.find_first_not_of("\r\n", pos) == stx;
  const std::size_t data_begin = has_stx ? stx + 1 : pos;
  const std::size_t bang = s.find('!', data_begin);
  if (bang == std::string_view::npos) return fail(Errc::incomplete, "D0 data block has no '!' end", Where::byte(s.size()));
  // ETX/EOT + BCC after "!" CR LF (§6.3.4); an ETX-less message (no BCC) is accepted unless required.
  std::size_t k = bang + 1;
  while (k < s.size() && (s[k] == '\r' || s[k] == '\n' || detail::hex_value(static_cast<std::uint8_t>(s[k])) >= 0)) ++k;
  if (k < s.size() && (s[k] == static_cast<char>(kEtx) || s[k] == static_cast<char>(kEot))) {
    if (k + 1 >= s.size()) return fail(Errc::incomplete, "D0 data message ends before its BCC", Where::byte(s.size()));
    if (has_stx) {
      const std::uint8_t want = bcc(t.subspan(data_begin, k + 1 - data_begin));
      if (options.verify_bcc && want != t[k + 1]) return fail(Errc::checksum_mismatch, "D0 block check character does not match", Where::byte(k + 1));
      out.has_crc = true;
      out.crc = t[k + 1];
    }
  } else if (options.require_bcc) {
    return fail(Errc::incomplete, "D0 data message without ETX + BCC", Where::byte(k));
  }
  return detail::decode_data_lines(detail::sub(s, data_begin, bang - data_begin), data_begin, out);
}

// ------------------------------------------------------------------ mode C handshake

Step ModeCSession::failure(Errc code, const char* msg) noexcept {
  phase_ = Phase::failed;
  error_ = Error(code, msg);
  return current();
}

Step ModeCSession::current() noexcept {
  Step s;
  switch (phase_) {
    case Phase::set_initial_baud:
      s.action = Action::set_baud;
      s.baud = 300;  // §6.3.1: every session starts at 300 baud, 7 data bits, even parity, 1 stop bit
      break;
    case Phase::send_request:
    case Phase::send_ack:
    case Phase::send_command:
    case Phase::send_break:
      s.action = Action::send;
      s.bytes = {tx_, tx_len_};
      break;
    case Phase::wait_ident:
    case Phase::wait_data:
    case Phase::wait_operand:
    case Phase::wait_reply:
      s.action = Action::receive;
      s.timeout_ms = kResponseTimeoutMs;
      break;
    case Phase::ready:
      s.action = Action::ready;
      break;
    case Phase::switch_baud:
      // §6.4.3 mode C: both sides switch after the acknowledgement; the meter does so
      // 200..1500 ms later, so the caller switches once the ACK has left the UART.
      s.action = Action::set_baud;
      s.baud = data_baud_;
      s.timeout_ms = kBaudSwitchDelayMs;
      break;
    case Phase::done:
      s.action = Action::done;
      break;
    case Phase::idle:
    case Phase::failed:
      s.action = Action::failed;
      s.error = phase_ == Phase::idle ? Error(Errc::invalid_argument, "session not started") : error_;
      break;
  }
  return s;
}

Step ModeCSession::start() noexcept {
  split_.reset();
  ident_len_ = 0;
  ident_done_ = false;
  readout_ = {};
  data_baud_ = 300;
  rx_len_ = 0;
  reply_kind_ = Reply::none;
  reply_ = {};
  hdlc_ = false;
  // Request message "/?" device-address "!" CR LF (§6.3.1); address <= 32 characters.
  if (options_.address.size() > 32) return failure(Errc::invalid_argument, "device address longer than 32 characters");
  tx_len_ = 0;
  tx_[tx_len_++] = '/';
  tx_[tx_len_++] = '?';
  for (char c : options_.address) tx_[tx_len_++] = static_cast<std::uint8_t>(c);
  tx_[tx_len_++] = '!';
  tx_[tx_len_++] = '\r';
  tx_[tx_len_++] = '\n';
  phase_ = Phase::set_initial_baud;
  return current();
}

Step ModeCSession::on_baud_set() noexcept {
  if (phase_ == Phase::set_initial_baud) phase_ = Phase::send_request;
  else if (phase_ == Phase::switch_baud) {
    if (hdlc_) phase_ = Phase::done;  // mode E: the HDLC side takes over the line
    else phase_ = options_.mode_control == '1' ? Phase::wait_operand : Phase::wait_data;
  }
  return current();
}

Step ModeCSession::on_sent() noexcept {
  if (phase_ == Phase::send_request) phase_ = Phase::wait_ident;
  else if (phase_ == Phase::send_ack) phase_ = Phase::switch_baud;
  else if (phase_ == Phase::send_command) {
    rx_len_ = 0;
    phase_ = Phase::wait_reply;
  } else if (phase_ == Phase::send_break) {
    phase_ = Phase::done;  // §6.3.6: the meter answers a break with nothing
  }
  return current();
}

Step ModeCSession::on_timeout() noexcept {
  if (phase_ == Phase::wait_data) {
    const FeedResult r = split_.flush();  // a meter that ends with "!" CR LF and no ETX
    if (r.status == FeedStatus::frame) {
      readout_ = r.frame;
      phase_ = Phase::done;
      return current();
    }
    return failure(Errc::incomplete, "no complete data message before the timeout");
  }
  if (phase_ == Phase::wait_ident) return failure(Errc::incomplete, "no identification message before the timeout");
  if (phase_ == Phase::wait_operand) return failure(Errc::incomplete, "no password request after the option select");
  if (phase_ == Phase::wait_reply) return failure(Errc::incomplete, "no answer to the command before the timeout");
  return current();
}

Step ModeCSession::on_received(std::span<const std::uint8_t> in) noexcept {
  if (phase_ == Phase::wait_ident) {
    std::size_t i = 0;
    for (; i < in.size() && !ident_done_; ++i) {
      const std::uint8_t b = in[i];
      if (ident_len_ == 0 && b != '/') continue;  // line noise before the identification
      if (b == '\r') continue;
      if (b == '\n') {
        ident_done_ = true;
        break;
      }
      if (ident_len_ >= sizeof ident_) return failure(Errc::malformed, "identification message too long");
      ident_[ident_len_++] = static_cast<char>(b);
    }
    if (!ident_done_) return current();
    if (ident_len_ < 5) return failure(Errc::malformed, "identification message too short");
    // Give the splitter the identification line, so the readout holds it too.
    (void)split_.feed({reinterpret_cast<const std::uint8_t*>(ident_), ident_len_});
    const std::uint8_t crlf[2] = {'\r', '\n'};
    (void)split_.feed(crlf);
    const char z = ident_[4];  // "/XXXZ": the baud-rate character
    // Drop the leading "/" from identification().
    for (std::size_t k = 1; k < ident_len_; ++k) ident_[k - 1] = ident_[k];
    --ident_len_;
    const std::uint32_t offered = baud_from_char(z);
    if (z >= '0' && z <= '6') {
      // Mode C (§6.4.3): acknowledge with ACK '0' Z Y CR LF at the highest rate both allow.
      // Mode E (Annex E): an identification "/XXXZ\2..." offers HDLC; ACK '2' Z '1' selects it.
      const bool offers_hdlc = ident_len_ >= 6 && ident_[4] == '\\' && ident_[5] == '2';
      hdlc_ = options_.hdlc_if_offered && offers_hdlc;
      char zc = z;
      while (zc > '0' && baud_from_char(zc) > options_.max_baud) --zc;
      data_baud_ = baud_from_char(zc);
      tx_len_ = 0;
      tx_[tx_len_++] = kAck;
      tx_[tx_len_++] = hdlc_ ? '2' : '0';
      tx_[tx_len_++] = static_cast<std::uint8_t>(zc);
      tx_[tx_len_++] = static_cast<std::uint8_t>(hdlc_ ? '1' : options_.mode_control);
      tx_[tx_len_++] = '\r';
      tx_[tx_len_++] = '\n';
      phase_ = Phase::send_ack;
      return current();
    }
    if (offered != 0) {
      // Mode B (§6.4.2): the meter switches to the announced rate by itself.
      data_baud_ = offered;
      phase_ = Phase::switch_baud;
      return current();
    }
    // Mode A (§6.4.1): the data message follows at 300 baud.
    phase_ = Phase::wait_data;
    in = in.subspan(std::min(in.size(), i + 1));
  }
  if (phase_ == Phase::wait_operand || phase_ == Phase::wait_reply) return receive_reply(in);
  if (phase_ != Phase::wait_data) return current();
  while (!in.empty()) {
    const FeedResult r = split_.feed(in);
    in = in.subspan(r.consumed);
    if (r.status == FeedStatus::frame) {
      readout_ = r.frame;
      phase_ = Phase::done;
      return current();
    }
    if (r.status == FeedStatus::dropped) return failure(r.error.code, r.error.message);
    if (r.consumed == 0) break;
  }
  return current();
}

// ------------------------------------------------------------------ programming mode

Result<std::size_t> build_command(Command c, std::string_view data, std::span<std::uint8_t> out) noexcept {
  static constexpr char kId[][2] = {{'P', '1'}, {'P', '2'}, {'W', '1'}, {'W', '2'}, {'R', '1'}, {'R', '2'}, {'B', '0'}};
  const auto k = static_cast<std::size_t>(c);
  if (k >= sizeof kId / sizeof kId[0]) return fail(Errc::invalid_argument, "unknown programming-mode command");
  const bool brk = c == Command::b0;
  if (brk && !data.empty()) return fail(Errc::invalid_argument, "the break command B0 carries no data");
  for (char ch : data)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F)
      return fail(Errc::invalid_argument, "command data holds a control character");
  // SOH C D [STX data] ETX BCC (§6.3.6).
  const std::size_t need = 3 + (brk ? 0 : 1 + data.size()) + 2;
  if (out.size() < need) return fail(Errc::buffer_too_small, "command message longer than the buffer");
  std::size_t n = 0;
  out[n++] = kSoh;
  out[n++] = static_cast<std::uint8_t>(kId[k][0]);
  out[n++] = static_cast<std::uint8_t>(kId[k][1]);
  if (!brk) {
    out[n++] = kStx;
    for (char ch : data) out[n++] = static_cast<std::uint8_t>(ch);
  }
  out[n++] = kEtx;
  out[n] = bcc(out.subspan(1, n - 1));  // after SOH up to and including ETX
  return n + 1;
}

Step ModeCSession::command(Command c, std::string_view data) noexcept {
  if (phase_ != Phase::ready) return failure(Errc::invalid_argument, "command() outside programming mode");
  auto n = build_command(c, data, tx_);
  if (!n) return failure(n.error().code, n.error().message);
  tx_len_ = *n;
  phase_ = c == Command::b0 ? Phase::send_break : Phase::send_command;
  return current();
}

// Collects one answer in rx_: ACK, NAK, or a message "SOH/STX ... ETX/EOT BCC" (§6.3.5 password
// request "SOH P0 STX (operand) ETX BCC", §6.3.7 data message, §6.3.8 error "(ERxx)").
Step ModeCSession::receive_reply(std::span<const std::uint8_t> in) noexcept {
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::uint8_t b = in[i];
    if (rx_len_ == 0) {
      if (b == kAck || b == kNak) {
        if (phase_ == Phase::wait_operand) return failure(Errc::malformed, "expected the password request, got ACK/NAK");
        reply_kind_ = b == kAck ? Reply::ack : Reply::nak;
        reply_ = {};
        phase_ = Phase::ready;
        return current();
      }
      if (b != kSoh && b != kStx) continue;  // line noise before the answer
    }
    if (rx_len_ >= rx_.size()) return failure(Errc::buffer_too_small, "answer longer than the receive buffer");
    rx_[rx_len_++] = b;
    // Complete when the byte before this one was ETX/EOT: this one is the BCC.
    if (rx_len_ < 3 || (rx_[rx_len_ - 2] != kEtx && rx_[rx_len_ - 2] != kEot)) continue;
    const std::span<const std::uint8_t> msg(rx_.data(), rx_len_);
    if (bcc(msg.subspan(1, rx_len_ - 2)) != b) return failure(Errc::checksum_mismatch, "answer's block check character does not match");
    // The data: between STX and ETX.
    std::size_t stx = 0;
    while (stx < rx_len_ && msg[stx] != kStx) ++stx;
    const bool has_data = stx < rx_len_;
    const char* text = reinterpret_cast<const char*>(msg.data());
    reply_ = has_data ? std::string_view(text + stx + 1, rx_len_ - stx - 3) : std::string_view{};
    rx_len_ = 0;
    if (msg[0] == kSoh && msg[1] == 'B' && msg[2] == '0') {
      phase_ = Phase::done;  // the meter signed off
      reply_kind_ = Reply::none;
      return current();
    }
    if (phase_ == Phase::wait_operand) {
      if (msg[0] != kSoh || msg[1] != 'P' || msg[2] != '0' || !has_data)
        return failure(Errc::malformed, "expected the password request SOH P0 STX (operand) ETX");
      reply_kind_ = Reply::operand;
    } else {
      reply_kind_ = Reply::data;
    }
    phase_ = Phase::ready;
    return current();
  }
  return current();
}

}  // namespace joule::meter::iec62056_21
