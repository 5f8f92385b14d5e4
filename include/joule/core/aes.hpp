// joule/core/aes.hpp: AES-128 block cipher and AES-GCM, constant time, no heap.
//
// Meters encrypt with AES-128: DLMS/COSEM general-global-ciphering (AES-GCM,
// DLMS UA Green Book DLMS UA 1000-2 Ed. 10 §9.2.7), encrypted DSMR P1 of
// Luxembourg/Austria (the same GCM APDU), wireless M-Bus modes 5 and 7
// (AES-CBC, EN 13757-7 §9). This header offers:
//
//   * `Aes128`: the software cipher of FIPS-197. It is constant time: the
//     S-box is computed as inversion in GF(2^8) (x^254) on packed bytes, so
//     there is no table lookup and no branch that depends on the key or the
//     data (no cache-timing leak on a shared host or a microcontroller with
//     flash wait states and caches).
//   * `AesEncryptor`: the block hook the rest of joule calls. It wraps the
//     software cipher or a hardware AES of the firmware (a function pointer
//     + context), so an STM32/nRF AES peripheral can be plugged in without
//     touching the decoders.
//   * `gcm_encrypt` / `gcm_decrypt`: AES-GCM of NIST SP 800-38D with a 96-bit
//     IV (§8.2.1: DLMS IV = system title || invocation counter) and tags of
//     16, 15, 14, 13, 12, 8 or 4 bytes (§5.2.1.2; DLMS truncates to 12). GHASH
//     is a bitwise multiplication with masks (no key-dependent tables); the
//     tag is compared in constant time and nothing is released on mismatch.
//
// Example:
//   const std::uint8_t key[16] = {...};
//   joule::Aes128 aes(key);
//   std::uint8_t plain[64];
//   auto r = joule::gcm_decrypt(aes, iv12, aad, ciphertext, tag12, plain);
//   if (!r) { /* r.error().code == joule::Errc::authentication_failed: wrong key or tampered */ }
//
//   // Firmware with a hardware AES:
//   void hw_aes(const void* ctx, const std::uint8_t* in, std::uint8_t* out) noexcept;
//   joule::AesEncryptor hw(&hw_aes, &aes_peripheral);
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "joule/core/result.hpp"

namespace joule {

/// AES block size [bytes] (FIPS-197 §3.1).
inline constexpr std::size_t kAesBlockBytes = 16;
/// AES-128 key size [bytes].
inline constexpr std::size_t kAes128KeyBytes = 16;
/// GCM IV size joule supports [bytes] (SP 800-38D §8.2.1 deterministic construction; DLMS).
inline constexpr std::size_t kGcmIvBytes = 12;
/// Full GCM tag size [bytes].
inline constexpr std::size_t kGcmTagBytes = 16;

/// Software AES-128 (FIPS-197), constant time. Holds the expanded key
/// (176 bytes); copyable, trivially destructible, no heap.
class Aes128 {
 public:
  /// A cipher with the all-zero key (replace it before use).
  Aes128() noexcept;
  /// Expands a 16-byte key (FIPS-197 §5.2).
  explicit Aes128(std::span<const std::uint8_t, kAes128KeyBytes> key) noexcept;
  /// Checked construction from a key of any length. Errors: invalid_argument unless 16 bytes.
  static Result<Aes128> from_key(std::span<const std::uint8_t> key) noexcept;

  /// Encrypts one 16-byte block (FIPS-197 §5.1). `in` and `out` may alias.
  void encrypt_block(const std::uint8_t* in, std::uint8_t* out) const noexcept;
  /// Decrypts one 16-byte block (FIPS-197 §5.3, inverse cipher). `in` and `out` may alias.
  void decrypt_block(const std::uint8_t* in, std::uint8_t* out) const noexcept;

 private:
  std::uint32_t round_keys_[44];  // 11 round keys, one 32-bit word per column (byte 0 in bits 0..7)
};

/// The AES-128 block operations joule's decoders call: the software cipher
/// or a hardware one. Functions must be callable from any thread that uses
/// the encryptor and must not fail. `in` and `out` may alias.
class AesEncryptor {
 public:
  /// One-block operation of a hardware (or other) AES: out = E_K(in) or D_K(in).
  using BlockFn = void (*)(const void* context, const std::uint8_t* in, std::uint8_t* out) noexcept;

  /// Software AES: refers to `cipher`, which must outlive the encryptor.
  AesEncryptor(const Aes128& cipher) noexcept;  // NOLINT implicit: the default software path
  /// A custom block cipher. `decrypt` may be null when only GCM/CTR is needed
  /// (CBC decryption then fails with Errc::unsupported).
  constexpr AesEncryptor(BlockFn encrypt, const void* context, BlockFn decrypt = nullptr) noexcept
      : encrypt_(encrypt), decrypt_(decrypt), context_(context) {}

  /// out = AES-128 encryption of one block.
  void encrypt_block(const std::uint8_t* in, std::uint8_t* out) const noexcept { encrypt_(context_, in, out); }
  /// out = AES-128 decryption of one block; false when no decrypt function was given.
  bool decrypt_block(const std::uint8_t* in, std::uint8_t* out) const noexcept {
    if (decrypt_ == nullptr) return false;
    decrypt_(context_, in, out);
    return true;
  }
  /// True when decrypt_block is available.
  constexpr bool can_decrypt() const noexcept { return decrypt_ != nullptr; }

 private:
  BlockFn encrypt_;
  BlockFn decrypt_;
  const void* context_;
};

/// Constant-time equality of two byte strings of the same length (false when
/// the lengths differ; the length itself is not secret).
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

/// AES-GCM authenticated encryption (SP 800-38D §7.1) with a 12-byte IV.
/// Writes plaintext.size() bytes to `ciphertext` (may be the same memory as
/// `plaintext`) and tag.size() bytes of tag (16, 15, 14, 13, 12, 8 or 4).
/// Errors: invalid_argument (IV not 12 bytes, tag length), buffer_too_small.
Result<void> gcm_encrypt(const AesEncryptor& aes, std::span<const std::uint8_t> iv,
                         std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
                         std::span<std::uint8_t> ciphertext, std::span<std::uint8_t> tag) noexcept;

/// AES-GCM authenticated decryption (SP 800-38D §7.2). The tag is checked
/// (constant time) BEFORE any plaintext is written; on mismatch `plaintext`
/// is zeroed and the result is authentication_failed. `plaintext` may be the
/// same memory as `ciphertext`. Errors: invalid_argument, buffer_too_small,
/// authentication_failed.
Result<void> gcm_decrypt(const AesEncryptor& aes, std::span<const std::uint8_t> iv,
                         std::span<const std::uint8_t> aad, std::span<const std::uint8_t> ciphertext,
                         std::span<const std::uint8_t> tag, std::span<std::uint8_t> plaintext) noexcept;

/// AES-GCM keystream only (GCTR of SP 800-38D §6.5 from J0 = IV || 0^31 || 1,
/// first counter inc32(J0)): decryption without authentication, for DLMS
/// security suites that encrypt without a tag (security control 0x20).
/// Errors: invalid_argument, buffer_too_small.
Result<void> gcm_ctr_crypt(const AesEncryptor& aes, std::span<const std::uint8_t> iv,
                           std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept;

/// AES-CBC decryption with the given 16-byte IV (SP 800-38A §6.2), whole
/// blocks only; `out` may be the same memory as `in`. Used by wireless M-Bus
/// security modes 5 and 7. Errors: invalid_argument (IV size, length not a
/// multiple of 16), buffer_too_small, unsupported (encryptor without decrypt).
Result<void> cbc_decrypt(const AesEncryptor& aes, std::span<const std::uint8_t> iv, std::span<const std::uint8_t> in,
                         std::span<std::uint8_t> out) noexcept;

/// AES-CBC encryption (SP 800-38A §6.2), whole blocks only; `out` may alias `in`.
/// Errors: invalid_argument, buffer_too_small.
Result<void> cbc_encrypt(const AesEncryptor& aes, std::span<const std::uint8_t> iv, std::span<const std::uint8_t> in,
                         std::span<std::uint8_t> out) noexcept;

}  // namespace joule
