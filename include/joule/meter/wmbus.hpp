// joule/meter/wmbus.hpp: wireless M-Bus (EN 13757-4) and OMS 4 transport/security.
//
// Freestanding: the caller gives the telegram and a scratch buffer for the
// decrypted application data; records are then read with mbus::RecordReader
// (the application layer is EN 13757-3, as on the wire). Handles:
//   * data link layer: L C M A (EN 13757-4 §12.5), with the block CRCs of frame
//     format A or B removed and checked (CRC-16/EN-13757), or already removed;
//   * extended link layer CI 0x8C/0x8D (EN 13757-4 §13.2, AES-CTR for 0x8D);
//   * authentication and fragmentation layer CI 0x90 (EN 13757-7 §6 / OMS 4);
//   * transport layer CI 0x72 (long), 0x7A (short), 0x78 (none) (EN 13757-7 §7);
//   * security modes 5 (AES-128-CBC, IV from M, A, access number) and 7 (AES-128-CBC,
//     zero IV, key derived with AES-CMAC per OMS 4 §9.2 / EN 13757-7 §9.6), with the
//     0x2F2F check after decryption (a wrong key is Errc::authentication_failed).
//   * wired long frames (0x68 ...) as some collectors forward them.
//
// Example:
//   std::uint8_t scratch[256];
//   auto t = joule::meter::wmbus::decode(bytes, key, scratch);   // Result<wmbus::Telegram>
//   joule::meter::mbus::RecordReader rd(t->application_data);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "joule/core/result.hpp"
#include "joule/meter/mbus.hpp"

namespace joule::meter::wmbus {

/// How the link layer CRCs appear in the bytes (EN 13757-4 §12.5.2/§12.5.3).
enum class FrameFormat : std::uint8_t {
  no_crc,  ///< CRCs already removed (USB dongles, wmbusmeters captures)
  a,       ///< format A: 10-byte first block, then 16-byte blocks, each with a CRC
  b,       ///< format B: one CRC after 126 bytes and one at the end
};

/// Removes and checks the block CRCs. Writes the CRC-free telegram (with a corrected
/// L field) into `out`; returns its length. Errors: incomplete, checksum_mismatch,
/// buffer_too_small.
Result<std::size_t> remove_crcs(std::span<const std::uint8_t> in, FrameFormat format,
                                std::span<std::uint8_t> out) noexcept;

/// Security mode of the transport layer configuration field (EN 13757-7 Table 18).
enum class Security : std::uint8_t { none = 0, mode5 = 5, mode7 = 7, other = 0xFF };

/// A decoded telegram's layers. Spans point into the input or the scratch buffer.
struct Telegram {
  bool wired = false;            ///< a wired long frame (EN 13757-2) was given
  std::uint8_t control = 0;      ///< C field
  std::uint16_t manufacturer = 0;///< link-layer M field
  std::uint32_t id = 0;          ///< link-layer ID as sent (BCD read as hex, printed %08X)
  std::uint8_t version = 0;
  std::uint8_t device_type = 0;  ///< medium (EN 13757-3 Table 3)
  bool has_ell = false;
  std::uint8_t ell_cc = 0, ell_access = 0;
  std::uint32_t ell_session = 0;
  bool has_afl = false;
  std::uint32_t afl_counter = 0; ///< AFL message counter (mode 7 key derivation)
  std::uint8_t ci = 0;           ///< transport layer CI
  mbus::Header tpl{};            ///< TPL header (has_address when CI 0x72)
  Security security = Security::none;
  bool decrypted = false;        ///< AES was applied with the caller's key
  bool was_plaintext = false;    ///< marked encrypted but sent/captured as plaintext (starts 2F2F)
  std::span<const std::uint8_t> application_data{};  ///< EN 13757-3 data records (compact: data values only)
  bool compact = false;          ///< CI 0x79 compact frame (OMS 4 §7.2.4): values without DIF/VIF
  bool manufacturer_ci = false;  ///< CI 0xA0-0xB7 (EN 13757-7 Table 2): application_data is the manufacturer's own layout
  std::uint16_t format_signature = 0;  ///< compact: CRC-16/EN-13757 of the full frame's DIF/VIF bytes
  std::uint16_t full_frame_crc = 0;    ///< compact: CRC the meter sent for the full frame's data
};

/// Decodes link, ELL, AFL and transport layers and decrypts with `key` (16 bytes,
/// or empty). `scratch` (>= the telegram length) receives decrypted data.
/// A compact frame (CI 0x79) is returned with `compact` set and its values in
/// `application_data`; the DIF/VIF come from an earlier full frame with the same
/// `format_signature` (see drivers::FormatCache).
/// Errors: incomplete, malformed, unsupported (CI not handled, e.g. manufacturer CIs 0xA0-0xB7), authentication_failed (wrong key: 0x2F2F or
/// ELL payload CRC check failed), invalid_argument (key not 16 bytes),
/// rejected (encrypted and no key given).
Result<Telegram> decode(std::span<const std::uint8_t> telegram, std::span<const std::uint8_t> key,
                        std::span<std::uint8_t> scratch, FrameFormat format = FrameFormat::no_crc) noexcept;

/// AES-CMAC (NIST SP 800-38B) of `message` under `key` (16 bytes): used for the
/// OMS mode 7 key derivation. Errors: invalid_argument.
Result<void> aes_cmac(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message,
                      std::span<std::uint8_t, 16> mac) noexcept;

}  // namespace joule::meter::wmbus
