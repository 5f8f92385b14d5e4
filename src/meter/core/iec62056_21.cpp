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
      s.action = Action::send;
      s.bytes = {tx_, tx_len_};
      break;
    case Phase::wait_ident:
    case Phase::wait_data:
      s.action = Action::receive;
      s.timeout_ms = kResponseTimeoutMs;
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
  else if (phase_ == Phase::switch_baud) phase_ = Phase::wait_data;
  return current();
}

Step ModeCSession::on_sent() noexcept {
  if (phase_ == Phase::send_request) phase_ = Phase::wait_ident;
  else if (phase_ == Phase::send_ack) phase_ = Phase::switch_baud;
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
      char zc = z;
      while (zc > '0' && baud_from_char(zc) > options_.max_baud) --zc;
      data_baud_ = baud_from_char(zc);
      tx_len_ = 0;
      tx_[tx_len_++] = kAck;
      tx_[tx_len_++] = '0';
      tx_[tx_len_++] = static_cast<std::uint8_t>(zc);
      tx_[tx_len_++] = static_cast<std::uint8_t>(options_.mode_control);
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

}  // namespace joule::meter::iec62056_21
