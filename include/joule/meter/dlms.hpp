// joule/meter/dlms.hpp: DLMS/COSEM push telegrams of HAN/P1 customer ports
// (Norway, Sweden, Denmark, Austria, Luxembourg, Slovenia, ...): HDLC framing,
// the APDU layer, A-XDR data, AES-GCM ciphering, and the list formats.
//
// Layers, outermost first (each one usable alone):
//   * HDLC frame (IEC 62056-46 §6.4 / ISO/IEC 13239 frame format type 3):
//     7E | A0..AF len | dest addr | src addr | control | HCS | info | FCS | 7E,
//     HCS/FCS CRC-16/X-25 low byte first; the S bit (0x08 of the format byte)
//     marks a segment to be joined with the next frame's info (§6.4.3).
//     `HdlcSplitter` finds frames in a stream; `parse_hdlc` checks one.
//   * M-Bus long frames carrying DLMS (68 L L 68 C A CI STSAP DTSAP ...,
//     IEC 62056-7-3 / EN 13757-2), the CI's low nibble counting segments.
//   * LLC header E6 E7 00 / E6 E6 00 (IEC 62056-46 §8.3), optional.
//   * APDUs (DLMS UA 1000-2 Ed. 10 "Green Book" §9.3, xDLMS): data-notification
//     (0x0F: long-invoke-id-and-priority, date-time, notification-body),
//     general-glo-ciphering / general-ded-ciphering (0xDB/0xDC: system title,
//     security control, invocation counter, AES-GCM with a 12-byte tag, §9.2.7),
//     general-block-transfer (0xE0, §9.3.10, joined by `ApduAssembler`).
//   * A-XDR Data (IEC 62056-6-2:2017 §4.1.6 / Green Book §9.5 "Data" CHOICE): null,
//     array, structure, boolean, bit-string, integers of 8..64 bits, enum,
//     octet/visible/utf8 strings, BCD, float32/64, date-time/date/time, and
//     compact-array (type description + untagged contents, read as the array it encodes).
//   * List formats: self-describing structures {OBIS, value[, {scaler, unit}]}
//     (Aidon, Kaifa AT, Sagemcom, Landis+Gyr), flat OBIS/value pairs with the
//     manufacturer's implicit scalers (Kamstrup "Kamstrup_V0001", Kaifa
//     "KFM_001" of the Norwegian NVE HAN lists), and positional lists without
//     OBIS codes (Kaifa NVE list 1/2/3 single and three phase, Iskraemeco AM550).
//
// Example:
//   joule::FixedVector<joule::meter::Reading, 64> rs;
//   joule::meter::Telegram t{rs};
//   std::uint8_t scratch[1024];
//   joule::Aes128 aes(key);                       // only for encrypted meters
//   joule::meter::dlms::Keys keys{&aes_enc, ak};  // or {} when not encrypted
//   auto st = joule::meter::dlms::decode(frame_bytes, t, scratch, keys);
//   // values: t.find(joule::ObisCode(1,0,1,8,0))->number (Wh, scaled)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "joule/core/aes.hpp"
#include "joule/core/result.hpp"
#include "joule/meter/frame.hpp"
#include "joule/meter/reading.hpp"

namespace joule::meter::dlms {

/// Keys for ciphered APDUs. `encryption` null = no key (ciphered frames fail
/// with Errc::unsupported). `authentication_key` (AK, 16 bytes) enters the
/// GCM additional data (SC || AK); empty means an all-absent AK (some meters
/// authenticate with SC only... then pass the AK the utility gave anyway).
struct Keys {
  const AesEncryptor* encryption = nullptr;
  std::span<const std::uint8_t> authentication_key{};
};

/// One checked HDLC frame.
struct HdlcFrame {
  bool segmented = false;              ///< S bit: more segments follow (§6.4.3)
  std::uint32_t destination = 0;       ///< destination address as sent (1, 2 or 4 bytes)
  std::uint32_t source = 0;            ///< source address as sent
  std::uint8_t control = 0;            ///< control field (0x13 = UI frame with P/F)
  std::span<const std::uint8_t> info;  ///< information field (LLC + APDU or a segment)
};

/// Checks an HDLC frame (with or without its flags): format type 3, length,
/// HCS and FCS. Errors: malformed, checksum_mismatch, incomplete.
Result<HdlcFrame> parse_hdlc(std::span<const std::uint8_t> frame) noexcept;

/// The HDLC frame splitter (7E ... 7E; a shared closing/opening flag works).
class HdlcSplitter {
 public:
  explicit HdlcSplitter(std::span<std::uint8_t> buffer) noexcept : buf_(buffer) {}
  /// See frame.hpp. Frames are handed out with both flags.
  FeedResult feed(std::span<const std::uint8_t> input) noexcept;
  void reset() noexcept;

 private:
  FrameBuffer buf_;
  std::size_t need_ = 0;  // total frame bytes (flags included) once the format field is known
  bool in_frame_ = false;
  bool pending_flag_ = false;  // the last frame's closing flag opens the next one
};

/// A ciphered APDU's header (Green Book §9.2.7.2.4, general-glo-ciphering).
struct CipheredApdu {
  std::uint8_t tag = 0;                        ///< 0xDB general-glo, 0xDC general-ded
  std::span<const std::uint8_t> system_title;  ///< 8 bytes: 3-letter manufacturer + serial
  std::uint8_t security_control = 0;           ///< 0x30 auth+enc, 0x20 enc only, 0x10 auth only
  std::uint32_t invocation_counter = 0;        ///< frame counter, IV = system title || counter
  std::span<const std::uint8_t> ciphertext;    ///< (or plaintext for 0x10)
  std::span<const std::uint8_t> auth_tag;      ///< 12 bytes when authenticated
};

/// Parses a general-glo/ded-ciphering APDU. Errors: malformed, unsupported (compressed SC).
Result<CipheredApdu> parse_ciphered(std::span<const std::uint8_t> apdu) noexcept;

/// Decrypts and authenticates into `out` (at least ciphertext size). Returns the
/// plaintext APDU. Errors: unsupported (no key), authentication_failed (wrong key or
/// tampered frame: `out` is zeroed), buffer_too_small.
Result<std::span<const std::uint8_t>> decipher(const CipheredApdu& c, const Keys& keys,
                                               std::span<std::uint8_t> out) noexcept;

/// Joins HDLC segments and general-block-transfer blocks into one APDU in the
/// caller's buffer. Feed the info field of each HDLC frame in order (LLC
/// included); `complete` tells when an APDU is whole.
class ApduAssembler {
 public:
  explicit ApduAssembler(std::span<std::uint8_t> buffer) noexcept : buf_(buffer) {}
  /// Adds one frame's information field (or one M-Bus segment's data). Returns
  /// true when `apdu()` is complete; the next add() starts a new APDU.
  /// Errors: buffer_too_small, malformed (block number out of sequence).
  Result<bool> add(std::span<const std::uint8_t> info, bool segmented) noexcept;
  /// The complete APDU (LLC removed, blocks joined).
  std::span<const std::uint8_t> apdu() const noexcept { return {buf_.data(), len_}; }
  void reset() noexcept;

 private:
  std::span<std::uint8_t> buf_;
  std::size_t len_ = 0;         // bytes in the buffer
  std::size_t unit_start_ = 0;  // where the HDLC-level unit being joined starts (after joined GBT data)
  bool in_segments_ = false;
  bool in_blocks_ = false;
  bool complete_ = false;
  std::uint16_t next_block_ = 1;
};

/// Decodes an APDU (0x0F data-notification, ciphered 0xDB/0xDC, or the
/// wrapper 00 01 ... header of IEC 62056-47 in front of one). `scratch`
/// receives deciphered plaintext. Errors: malformed (byte offset), unsupported,
/// authentication_failed, buffer_too_small, out_of_range.
Result<void> decode_apdu(std::span<const std::uint8_t> apdu, Telegram& out, std::span<std::uint8_t> scratch = {},
                         const Keys& keys = {}) noexcept;

/// Decodes whatever a HAN port sends as one unit: one or more HDLC frames
/// (segments and blocks joined), M-Bus long frames carrying DLMS, an LLC +
/// APDU, or a bare APDU. `scratch` holds joined segments and plaintext
/// (a few hundred bytes for the lists in use; 2 KiB covers all known meters).
Result<void> decode(std::span<const std::uint8_t> bytes, Telegram& out, std::span<std::uint8_t> scratch,
                    const Keys& keys = {}) noexcept;

/// Decodes a 12-byte COSEM date-time (Blue Book §4.1.6.1): year, month, day,
/// weekday, hour, minute, second, hundredths, deviation (minutes, 0x8000 =
/// unspecified; DLMS sign: local = UTC - deviation), clock status (bit 7 DST).
/// Errors: malformed (size), out_of_range (fields), unsupported (wildcards 0xFF).
Result<Timestamp> parse_date_time(std::span<const std::uint8_t> b) noexcept;

}  // namespace joule::meter::dlms
