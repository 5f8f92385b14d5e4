// DSMR P1 splitter and decoder (DSMR 5.0.2 P1 companion standard; DSMR 2.2/3.0/4.2; e-MUCS 1.7.1).
#include "joule/meter/dsmr.hpp"

#include <algorithm>
#include <string_view>

#include "joule/core/crc.hpp"
#include "obis_text.hpp"

namespace joule::meter::dsmr {
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

}  // namespace

FeedResult Splitter::feed(std::span<const std::uint8_t> in) noexcept {
  std::size_t i = 0;
  std::size_t skipped = 0;
  const std::size_t n = in.size();
  while (i < n) {
    const std::uint8_t b = in[i];
    switch (state_) {
      case State::hunt: {
        // Skip to the next "/" (DSMR 5.0.2 P1 §6.2: a telegram starts with "/").
        const auto* p = static_cast<const std::uint8_t*>(__builtin_memchr(in.data() + i, '/', n - i));
        const std::size_t at = p == nullptr ? n : static_cast<std::size_t>(p - in.data());
        for (std::size_t k = i; k < at; ++k)
          if (in[k] != '\r' && in[k] != '\n') ++skipped;
        i = at;
        if (i == n) break;
        buf_.clear();
        (void)buf_.push('/');
        state_ = State::body;
        ++i;
        break;
      }
      case State::body: {
        // Bulk path: copy up to the next "!" or "/" at once.
        {
          const std::size_t j = detail::find_either(in.data(), i, n, '!', '/');
          const std::size_t run = j - i;
          if (run > 0) {
            if (!buf_.append(in.subspan(i, run))) {
              state_ = State::hunt;
              return dropped(i + run, Errc::buffer_too_small, "P1 telegram longer than the splitter buffer", skipped);
            }
            i = j;
            break;
          }
        }
        if (b == '/') {
          // A new telegram starts before this one ended: drop the torn one, keep the "/".
          // "/" occurs nowhere else: DSMR >= 3 sends texts hex-encoded (DSMR 5.0.2 P1 §6.4).
          state_ = State::hunt;
          return dropped(i, Errc::malformed, "torn P1 telegram: new '/' before '!'", skipped);
        }
        if (!buf_.push(b)) {
          state_ = State::hunt;
          return dropped(i + 1, Errc::buffer_too_small, "P1 telegram longer than the splitter buffer", skipped);
        }
        ++i;
        if (b == '!') {
          state_ = State::crc;
          crc_digits_ = 0;
          crc_ = 0;
        }
        break;
      }
      case State::crc: {
        const int h = detail::hex_value(b);
        if (h >= 0 && crc_digits_ < 4) {
          if (!buf_.push(b)) {
            state_ = State::hunt;
            return dropped(i + 1, Errc::buffer_too_small, "P1 telegram longer than the splitter buffer", skipped);
          }
          crc_ = static_cast<std::uint16_t>(crc_ << 4 | h);
          ++crc_digits_;
          ++i;
          if (crc_digits_ < 4) break;
        }
        // Four hex digits, or the line end after fewer (DSMR 2.2/3.0: none; some meters
        // print the CRC without leading zeros).
        state_ = State::hunt;
        FeedResult r;
        r.consumed = i;
        r.skipped = skipped;
        if (crc_digits_ > 0) {
          const std::size_t body_len = buf_.size() - crc_digits_;
          const std::uint16_t want = crc16_arc(buf_.bytes().first(body_len));
          if (verify_crc_ && want != crc_) return dropped(i, Errc::checksum_mismatch, "P1 telegram CRC16 does not match", skipped);
        }
        r.status = FeedStatus::frame;
        r.frame = buf_.bytes();
        return r;
      }
    }
  }
  FeedResult r;
  r.consumed = n;
  r.skipped = skipped;
  return r;
}

Result<std::uint16_t> compute_crc(std::span<const std::uint8_t> t) noexcept {
  const auto* bang = static_cast<const std::uint8_t*>(__builtin_memchr(t.data(), '!', t.size()));
  if (bang == nullptr) return fail(Errc::malformed, "P1 telegram has no '!'", Where::byte(t.size()));
  return crc16_arc(t.first(static_cast<std::size_t>(bang - t.data()) + 1));
}

Result<void> decode(std::span<const std::uint8_t> t, Telegram& out, const DecodeOptions& options) noexcept {
  const std::string_view s = as_text(t);
  const std::size_t start = s.find('/');
  if (start == std::string_view::npos) return fail(Errc::malformed, "P1 telegram does not start with '/'", Where::byte(0));
  // The end is the first "!" at the start of a line (text values are hex-encoded, DSMR 5.0.2 P1 §6.4,
  // so "!" appears nowhere else in a well-formed telegram; a D0-like meter may put it after ")").
  std::size_t bang = s.find('!', start);
  if (bang == std::string_view::npos) return fail(Errc::malformed, "P1 telegram has no '!' end", Where::byte(s.size()));
  out.protocol = Protocol::dsmr_p1;
  out.has_crc = false;

  // CRC: up to four hex digits after "!" (DSMR 5.0.2 P1 §6.2: CRC16, MSB first, over "/" to "!").
  std::size_t k = bang + 1;
  std::uint16_t crc = 0;
  int digits = 0;
  while (k < s.size() && digits < 4 && detail::hex_value(static_cast<std::uint8_t>(s[k])) >= 0) {
    crc = static_cast<std::uint16_t>(crc << 4 | detail::hex_value(static_cast<std::uint8_t>(s[k])));
    ++digits;
    ++k;
  }
  if (digits > 0) {
    if (options.verify_crc && crc16_arc(t.subspan(start, bang - start + 1)) != crc)
      return fail(Errc::checksum_mismatch, "P1 telegram CRC16 does not match", Where::byte(bang + 1));
    out.has_crc = true;
    out.crc = crc;
    out.crc_text = detail::sub(s, bang + 1, static_cast<std::size_t>(digits));
  } else if (options.require_crc) {
    return fail(Errc::incomplete, "P1 telegram without CRC (require_crc)", Where::byte(bang + 1));
  }

  // Identification line "/XXXZ Ident" (DSMR 5.0.2 P1 §6.2, IEC 62056-21 §6.3.2).
  std::size_t eol = s.find_first_of("\r\n", start);
  if (eol == std::string_view::npos || eol > bang) eol = bang;
  out.identifier = detail::sub(s, start + 1, eol - start - 1);
  out.manufacturer = detail::sub(out.identifier, 0, std::min<std::size_t>(3, out.identifier.size()));
  return detail::decode_data_lines(detail::sub(s, eol, bang - eol), eol, out);
}

// ----------------------------------------------------------------- encrypted P1

namespace {
// The 0x82 long-form length of the Smarty frames, and the short/0x81 forms (A-XDR, X.690 §8.1.3).
struct LengthField {
  std::size_t length = 0;
  std::size_t bytes = 0;
};
bool read_length(std::span<const std::uint8_t> b, std::size_t at, LengthField& out) noexcept {
  if (at >= b.size()) return false;
  const std::uint8_t f = b[at];
  if (f < 0x80) {
    out = {f, 1};
    return true;
  }
  const std::size_t n = f & 0x7F;
  if (n == 0 || n > 2) {
    out = {0, 0};
    return true;  // unsupported form: reported by the caller
  }
  if (at + n >= b.size()) return false;
  std::size_t len = 0;
  for (std::size_t i = 1; i <= n; ++i) len = len << 8 | b[at + i];
  out = {len, n + 1};
  return true;
}
constexpr std::size_t kHeader = 2 + 8;  // DB 08 + system title
}  // namespace

FeedResult EncryptedSplitter::feed(std::span<const std::uint8_t> in) noexcept {
  std::size_t i = 0;
  std::size_t skipped = 0;
  while (i < in.size()) {
    const std::uint8_t b = in[i];
    if (buf_.empty()) {
      if (b != 0xDB) {
        ++skipped;
        ++i;
        continue;
      }
      need_ = 0;
    }
    if (!buf_.push(b)) {
      buf_.clear();
      return dropped(i + 1, Errc::buffer_too_small, "encrypted P1 frame longer than the splitter buffer", skipped);
    }
    ++i;
    const std::size_t have = buf_.size();
    if (have == 2 && buf_[1] != 0x08) {
      // Not a general-glo-ciphering header with an 8-byte system title: resync after the DB.
      buf_.clear();
      ++skipped;
      if (b == 0xDB) --i;  // the second byte may start the real frame
      else ++skipped;
      continue;
    }
    if (need_ == 0 && have > kHeader) {
      LengthField lf;
      if (read_length(buf_.bytes(), kHeader, lf)) {
        if (lf.bytes == 0 || lf.length < 5 + 12) {
          buf_.clear();
          return dropped(i, Errc::malformed, "encrypted P1 frame: bad length field", skipped);
        }
        need_ = kHeader + lf.bytes + lf.length;
        if (need_ > buf_.capacity()) {
          buf_.clear();
          return dropped(i, Errc::buffer_too_small, "encrypted P1 frame longer than the splitter buffer", skipped);
        }
      }
    }
    if (need_ != 0 && have == need_) {
      FeedResult r;
      r.consumed = i;
      r.skipped = skipped;
      r.status = FeedStatus::frame;
      r.frame = buf_.bytes();
      buf_.clear();  // bytes stay readable until the next feed()
      need_ = 0;
      return r;
    }
  }
  FeedResult r;
  r.consumed = in.size();
  r.skipped = skipped;
  return r;
}

Result<CipheredFrame> parse_ciphered(std::span<const std::uint8_t> f) noexcept {
  if (f.size() < kHeader + 1) return fail(Errc::incomplete, "encrypted P1 frame too short", Where::byte(f.size()));
  if (f[0] != 0xDB || f[1] != 0x08)
    return fail(Errc::malformed, "not a general-glo-ciphering APDU (DB 08)", Where::byte(0));
  LengthField lf;
  if (!read_length(f, kHeader, lf)) return fail(Errc::incomplete, "encrypted P1 frame too short", Where::byte(f.size()));
  if (lf.bytes == 0) return fail(Errc::malformed, "unsupported length encoding", Where::byte(kHeader));
  const std::size_t body = kHeader + lf.bytes;
  if (f.size() < body + lf.length) return fail(Errc::incomplete, "encrypted P1 frame shorter than its length", Where::byte(f.size()));
  if (lf.length < 5 + 12) return fail(Errc::malformed, "encrypted P1 frame: length too small", Where::byte(kHeader));
  CipheredFrame c;
  c.system_title = f.subspan(2, 8);
  c.security_control = f[body];
  // IEC 62056-5-3 §9.2.7.2.3 security control byte: bit 4 authentication, bit 5 encryption, bits 0-3 suite.
  if ((c.security_control & 0x30) != 0x30 || (c.security_control & 0x0F) != 0)
    return fail(Errc::unsupported, "security control is not suite 0 authenticated encryption", Where::byte(body));
  c.invocation_counter = static_cast<std::uint32_t>(f[body + 1]) << 24 | static_cast<std::uint32_t>(f[body + 2]) << 16 |
                         static_cast<std::uint32_t>(f[body + 3]) << 8 | f[body + 4];
  c.ciphertext = f.subspan(body + 5, lf.length - 5 - 12);
  c.tag = f.subspan(body + lf.length - 12, 12);
  return c;
}

Result<std::span<const std::uint8_t>> decrypt(std::span<const std::uint8_t> frame, const AesEncryptor& aes,
                                              std::span<const std::uint8_t> auth_key,
                                              std::span<std::uint8_t> plaintext) noexcept {
  JOULE_TRY(const CipheredFrame c, parse_ciphered(frame));
  if (plaintext.size() < c.ciphertext.size())
    return fail(Errc::buffer_too_small, "plaintext buffer smaller than the ciphertext", Where::at_field("plaintext"));
  // Smarty P1 v1.1 §4.3 publishes this authentication key for every meter.
  static constexpr std::uint8_t kDefaultAk[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                                  0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
  if (auth_key.empty()) auth_key = kDefaultAk;
  if (auth_key.size() != 16) return fail(Errc::invalid_argument, "authentication key must be 16 bytes", Where::at_field("auth_key"));
  std::uint8_t iv[12];
  std::copy(c.system_title.begin(), c.system_title.end(), iv);
  for (int k = 0; k < 4; ++k) iv[8 + k] = static_cast<std::uint8_t>(c.invocation_counter >> (24 - 8 * k));
  std::uint8_t aad[17];
  aad[0] = c.security_control;
  std::copy(auth_key.begin(), auth_key.end(), aad + 1);
  auto out = plaintext.first(c.ciphertext.size());
  JOULE_RETURN_IF_ERROR(gcm_decrypt(aes, iv, aad, c.ciphertext, c.tag, out));
  return std::span<const std::uint8_t>(out);
}

}  // namespace joule::meter::dsmr
