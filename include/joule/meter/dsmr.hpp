// joule/meter/dsmr.hpp: DSMR P1 telegrams (Dutch/Belgian/Luxembourg smart-meter customer port).
//
// Supports DSMR 2.2, 3.0 (no CRC), 4.x and 5.0.2 (CRC-16/ARC over "/" to "!",
// DSMR 5.0.2 P1 §6.2), Belgian e-MUCS 1.x (Fluvius, capacity-tariff peaks),
// and meters that speak a D0-like P1 (EasyMeter Q3D, Iskra IE, E.ON Hungary,
// Sagemcom T210-D plaintext). Every object becomes a Reading: OBIS codes
// joule does not know are passed through with their groups, never dropped.
// Encrypted P1 (Luxembourg Smarty, Austrian meters) wraps the same telegram in a
// DLMS general-glo-ciphering APDU (AES-128-GCM): see `EncryptedSplitter` and `decrypt`.
//
// Example:
//   std::uint8_t buf[2048];
//   joule::meter::dsmr::Splitter split{buf};
//   joule::FixedVector<joule::meter::Reading, 96> readings;
//   joule::meter::feed_all(split, bytes, [&](auto frame) {
//     joule::meter::Telegram t{readings};
//     if (joule::meter::dsmr::decode(frame, t)) { ... t.find(joule::ObisCode(1,0,1,8,1)) ... }
//   }, [](const joule::Error&) {});
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "joule/core/aes.hpp"
#include "joule/core/result.hpp"
#include "joule/meter/frame.hpp"
#include "joule/meter/reading.hpp"

namespace joule::meter::dsmr {

/// Splits a P1 byte stream into telegrams "/" ... "!" [CRC]. A telegram with a
/// CRC (DSMR >= 4, four hex digits; some meters do not pad it) is handed out only
/// when the CRC matches; one without (DSMR 2.2/3.0) as soon as "!" and the line end arrive.
/// A "/" inside a telegram means the previous one was torn (cable pulled,
/// buffer overrun): it is dropped and the new one starts there.
class Splitter {
 public:
  /// `buffer` holds one telegram (DSMR 5.0.2 P1 §6.2 allows up to 1024 characters of
  /// data per message in DSMR 4, more in 5.0; 2048 bytes fit every meter seen).
  explicit Splitter(std::span<std::uint8_t> buffer, bool verify_crc = true) noexcept
      : buf_(buffer), verify_crc_(verify_crc) {}
  /// Consumes input up to the end of the next telegram (see frame.hpp).
  FeedResult feed(std::span<const std::uint8_t> input) noexcept;
  /// Forgets any partial telegram.
  void reset() noexcept {
    buf_.clear();
    state_ = State::hunt;
    crc_digits_ = 0;
    crc_ = 0;
  }

 private:
  enum class State : std::uint8_t { hunt, body, crc };
  FrameBuffer buf_;
  State state_ = State::hunt;
  std::uint8_t crc_digits_ = 0;
  std::uint16_t crc_ = 0;
  bool verify_crc_ = true;
};

/// Options of decode().
struct DecodeOptions {
  bool require_crc = false;  ///< reject telegrams without a CRC (a DSMR >= 4 installation)
  bool verify_crc = true;    ///< false: read a telegram whose CRC is known to be wrong (forensics)
};

/// Decodes one telegram "/" ... "!" [CRC] (as handed out by Splitter, or a whole
/// file; trailing bytes after the CRC are ignored). Verifies the CRC when present.
/// Fills out.protocol (dsmr_p1), identifier/manufacturer (identification line),
/// version (1-3:0.2.8), timestamp (0-0:1.0.0) and one Reading per object.
/// Errors: malformed (no "/", no "!", unclosed group), checksum_mismatch,
/// incomplete (require_crc and none sent), buffer_too_small (readings full).
Result<void> decode(std::span<const std::uint8_t> telegram, Telegram& out, const DecodeOptions& options = {}) noexcept;

/// CRC-16/ARC of a telegram from "/" to "!" inclusive (DSMR 5.0.2 P1 §6.2).
/// Errors: malformed when there is no "!".
Result<std::uint16_t> compute_crc(std::span<const std::uint8_t> telegram) noexcept;

// ----------------------------------------------------------------- encrypted P1

/// Splits an encrypted P1 stream (Luxembourg Smarty P1 v1.1 §4, Austrian P1):
/// each frame is a DLMS general-glo-ciphering APDU: DB 08 <system title 8>
/// <length (A-XDR)> <security control 1> <invocation counter 4> <ciphertext> <tag 12>.
/// There is no checksum; the GCM tag is checked by decrypt().
class EncryptedSplitter {
 public:
  explicit EncryptedSplitter(std::span<std::uint8_t> buffer) noexcept : buf_(buffer) {}
  FeedResult feed(std::span<const std::uint8_t> input) noexcept;
  void reset() noexcept {
    buf_.clear();
    need_ = 0;
  }

 private:
  FrameBuffer buf_;
  std::size_t need_ = 0;  ///< total frame length once the length field is known
};

/// The header fields of a general-glo-ciphering frame.
struct CipheredFrame {
  std::span<const std::uint8_t> system_title;  ///< 8 bytes (manufacturer + serial)
  std::uint8_t security_control = 0;           ///< 0x30: authenticated + encrypted (suite 0)
  std::uint32_t invocation_counter = 0;        ///< frame counter
  std::span<const std::uint8_t> ciphertext;
  std::span<const std::uint8_t> tag;           ///< 12 bytes (DLMS Green Book: GCM tag truncated to 96 bits)
};

/// Parses the general-glo-ciphering header (IEC 62056-5-3 §9.3, tag 0xDB).
/// Errors: malformed, incomplete, unsupported (security control without encryption).
Result<CipheredFrame> parse_ciphered(std::span<const std::uint8_t> frame) noexcept;

/// Decrypts an encrypted P1 frame into `plaintext` (at least ciphertext size) and
/// returns the plaintext telegram. IV = system title || invocation counter; AAD =
/// security control || authentication key (DLMS Green Book §9.2.7.2.4.4). Luxembourg
/// meters use a published fixed AK ("00112233445566778899AABBCCDDEEFF"); pass an empty
/// `auth_key` to use it. The tag is verified (constant time) before any plaintext is
/// kept. Errors: authentication_failed (wrong key or tampered frame), malformed, buffer_too_small.
Result<std::span<const std::uint8_t>> decrypt(std::span<const std::uint8_t> frame, const AesEncryptor& aes,
                                              std::span<const std::uint8_t> auth_key,
                                              std::span<std::uint8_t> plaintext) noexcept;

}  // namespace joule::meter::dsmr
