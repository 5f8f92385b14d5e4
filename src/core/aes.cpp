// AES-128 (FIPS-197) and GCM (NIST SP 800-38D), constant time, freestanding.
//
// Why no tables: the classic T-table or S-box lookup indexes memory with
// secret bytes, which leaks the key through cache timing. Here the S-box is
// computed: SubBytes = affine(x^254) in GF(2^8) (FIPS-197 §5.1.1), with
// eight bytes packed in a 64-bit word and multiplication done by shifts and
// masks. GHASH likewise multiplies bit by bit with masks (SP 800-38D §6.3,
// Algorithm 1) instead of the 4-bit/8-bit key tables.
#include "joule/core/aes.hpp"

namespace joule {
namespace {

using u32 = std::uint32_t;
using u64 = std::uint64_t;

constexpr u64 kLsb = 0x0101010101010101ULL;

// Multiplication by x (i.e. {02}) of each packed byte, modulo x^8+x^4+x^3+x+1 (FIPS-197 §4.2.1).
constexpr u64 xtime8(u64 a) noexcept { return ((a & 0x7F7F7F7F7F7F7F7FULL) << 1) ^ (((a >> 7) & kLsb) * 0x1B); }

// Bytewise GF(2^8) product of packed bytes (FIPS-197 §4.2): schoolbook with masks.
constexpr u64 gmul8(u64 a, u64 b) noexcept {
  u64 r = 0;
  for (int i = 0; i < 8; ++i) {
    r ^= a & (((b >> i) & kLsb) * 0xFF);
    a = xtime8(a);
  }
  return r;
}

// x^254 = x^-1 for x != 0 and 0 for 0 (the inversion of FIPS-197 §5.1.1).
constexpr u64 ginv8(u64 x) noexcept {
  const u64 x2 = gmul8(x, x);
  const u64 x3 = gmul8(x2, x);
  const u64 x6 = gmul8(x3, x3);
  const u64 x12 = gmul8(x6, x6);
  const u64 x15 = gmul8(x12, x3);
  const u64 x30 = gmul8(x15, x15);
  const u64 x60 = gmul8(x30, x30);
  const u64 x120 = gmul8(x60, x60);
  const u64 x240 = gmul8(x120, x120);
  const u64 x252 = gmul8(x240, x12);
  return gmul8(x252, x2);
}

// Left rotation by k bits inside each packed byte.
constexpr u64 rotl8(u64 x, int k) noexcept {
  const u64 hi_mask = (0xFFULL << k & 0xFF) * kLsb;
  const u64 lo_mask = (0xFFULL >> (8 - k)) * kLsb;
  return ((x << k) & hi_mask) | ((x >> (8 - k)) & lo_mask);
}

// SubBytes of eight packed bytes: inversion then the affine map b ^ rot1..4(b) ^ 0x63 (FIPS-197 eq. 5.1).
constexpr u64 sub_bytes8(u64 x) noexcept {
  const u64 b = ginv8(x);
  return b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4) ^ (0x63 * kLsb);
}

// InvSubBytes: inverse affine map rot1 ^ rot3 ^ rot6 ^ 0x05, then inversion (FIPS-197 §5.3.2).
constexpr u64 inv_sub_bytes8(u64 x) noexcept {
  return ginv8(rotl8(x, 1) ^ rotl8(x, 3) ^ rotl8(x, 6) ^ (0x05 * kLsb));
}

static_assert((sub_bytes8(0x00) & 0xFF) == 0x63);
static_assert((sub_bytes8(0x53) & 0xFF) == 0xED);  // FIPS-197 §5.1.1 example
static_assert((inv_sub_bytes8(0xED) & 0xFF) == 0x53);

constexpr u32 xtime4(u32 a) noexcept { return ((a & 0x7F7F7F7FU) << 1) ^ (((a >> 7) & 0x01010101U) * 0x1B); }
constexpr u32 rotr32(u32 x, int k) noexcept { return (x >> k) | (x << (32 - k)); }

// MixColumns of one column word (byte r = row r, FIPS-197 §5.1.3):
// out_r = {02}(a_r ^ a_r+1) ^ a_r ^ (a_0 ^ a_1 ^ a_2 ^ a_3).
constexpr u32 mix_column(u32 a) noexcept {
  const u32 t = a ^ rotr32(a, 8);
  return xtime4(t) ^ rotr32(a, 8) ^ rotr32(a, 16) ^ rotr32(a, 24);
}
// InvMixColumns: {0e 0b 0d 09} = {02 03 01 01} x {05 00 04 00}: pre-multiply, then MixColumns.
constexpr u32 inv_mix_column(u32 a) noexcept {
  const u32 u = xtime4(xtime4(a ^ rotr32(a, 16)));
  return mix_column(a ^ u);
}
static_assert(mix_column(0x455313DBU) == 0xBCA14D8EU);  // FIPS-197 test column db 13 53 45 -> 8e 4d a1 bc
static_assert(inv_mix_column(0xBCA14D8EU) == 0x455313DBU);

u32 load_le32(const std::uint8_t* p) noexcept {
  return static_cast<u32>(p[0]) | (static_cast<u32>(p[1]) << 8) | (static_cast<u32>(p[2]) << 16) |
         (static_cast<u32>(p[3]) << 24);
}
void store_le32(std::uint8_t* p, u32 v) noexcept {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
  p[3] = static_cast<std::uint8_t>(v >> 24);
}

void sub_bytes(u32 s[4], bool inverse) noexcept {
  const u64 lo = static_cast<u64>(s[0]) | (static_cast<u64>(s[1]) << 32);
  const u64 hi = static_cast<u64>(s[2]) | (static_cast<u64>(s[3]) << 32);
  const u64 a = inverse ? inv_sub_bytes8(lo) : sub_bytes8(lo);
  const u64 b = inverse ? inv_sub_bytes8(hi) : sub_bytes8(hi);
  s[0] = static_cast<u32>(a);
  s[1] = static_cast<u32>(a >> 32);
  s[2] = static_cast<u32>(b);
  s[3] = static_cast<u32>(b >> 32);
}

// ShiftRows (FIPS-197 §5.1.2): row r of column c takes row r of column c + r.
void shift_rows(u32 s[4]) noexcept {
  u32 o[4];
  for (int c = 0; c < 4; ++c)
    o[c] = (s[c] & 0x000000FFU) | (s[(c + 1) & 3] & 0x0000FF00U) | (s[(c + 2) & 3] & 0x00FF0000U) |
           (s[(c + 3) & 3] & 0xFF000000U);
  for (int c = 0; c < 4; ++c) s[c] = o[c];
}
// InvShiftRows (§5.3.1): row r of column c takes row r of column c - r.
void inv_shift_rows(u32 s[4]) noexcept {
  u32 o[4];
  for (int c = 0; c < 4; ++c)
    o[c] = (s[c] & 0x000000FFU) | (s[(c + 3) & 3] & 0x0000FF00U) | (s[(c + 2) & 3] & 0x00FF0000U) |
           (s[(c + 1) & 3] & 0xFF000000U);
  for (int c = 0; c < 4; ++c) s[c] = o[c];
}

void expand_key(const std::uint8_t* key, u32 w[44]) noexcept {
  for (int i = 0; i < 4; ++i) w[i] = load_le32(key + 4 * i);
  u32 rcon = 1;
  for (int i = 4; i < 44; ++i) {
    u32 t = w[i - 1];
    if (i % 4 == 0) {
      // SubWord(RotWord(t)) ^ Rcon (FIPS-197 §5.2); RotWord moves byte 1 to byte 0.
      t = static_cast<u32>(sub_bytes8(rotr32(t, 8))) ^ rcon;
      rcon = xtime4(rcon);
    }
    w[i] = w[i - 4] ^ t;
  }
}

// GF(2^128) element of SP 800-38D as two big-endian halves (hi holds bits 0..63, bit 0 = MSB).
struct Gf128 {
  u64 hi = 0;
  u64 lo = 0;
};

u64 load_be64(const std::uint8_t* p) noexcept {
  u64 v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}
void store_be64(std::uint8_t* p, u64 v) noexcept {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

// X * Y in GF(2^128), SP 800-38D §6.3 Algorithm 1, with masks instead of branches.
Gf128 gf128_mul(Gf128 x, Gf128 y) noexcept {
  Gf128 z;
  Gf128 v = y;
  for (int i = 0; i < 128; ++i) {
    const u64 word = i < 64 ? x.hi : x.lo;
    const u64 bit = (word >> (63 - (i & 63))) & 1U;
    const u64 m = 0 - bit;
    z.hi ^= v.hi & m;
    z.lo ^= v.lo & m;
    const u64 carry = 0 - (v.lo & 1U);  // R = 11100001 || 0^120
    v.lo = (v.lo >> 1) | (v.hi << 63);
    v.hi = (v.hi >> 1) ^ (0xE100000000000000ULL & carry);
  }
  return z;
}

class Ghash {
 public:
  explicit Ghash(const AesEncryptor& aes) noexcept {
    std::uint8_t zero[16] = {};
    std::uint8_t h[16];
    aes.encrypt_block(zero, h);
    h_.hi = load_be64(h);
    h_.lo = load_be64(h + 8);
  }
  // Absorbs data padded with zeros to a block boundary (the len(A)/len(C) framing of §7.1 step 5).
  void update_padded(std::span<const std::uint8_t> data) noexcept {
    std::size_t i = 0;
    while (i < data.size()) {
      std::uint8_t block[16] = {};
      const std::size_t n = data.size() - i < 16 ? data.size() - i : 16;
      for (std::size_t k = 0; k < n; ++k) block[k] = data[i + k];
      absorb(block);
      i += n;
    }
  }
  void finish(std::size_t aad_bytes, std::size_t text_bytes, std::uint8_t out[16]) noexcept {
    std::uint8_t block[16];
    store_be64(block, static_cast<u64>(aad_bytes) * 8);
    store_be64(block + 8, static_cast<u64>(text_bytes) * 8);
    absorb(block);
    store_be64(out, y_.hi);
    store_be64(out + 8, y_.lo);
  }

 private:
  void absorb(const std::uint8_t block[16]) noexcept {
    y_.hi ^= load_be64(block);
    y_.lo ^= load_be64(block + 8);
    y_ = gf128_mul(y_, h_);
  }
  Gf128 h_;
  Gf128 y_;
};

bool valid_tag_size(std::size_t n) noexcept { return (n >= 12 && n <= 16) || n == 8 || n == 4; }

// inc32 of SP 800-38D §6.2: the last 32 bits count modulo 2^32.
void inc32(std::uint8_t block[16]) noexcept {
  for (int i = 15; i >= 12; --i) {
    if (++block[i] != 0) break;
  }
}

void make_j0(std::span<const std::uint8_t> iv, std::uint8_t j0[16]) noexcept {
  for (int i = 0; i < 12; ++i) j0[i] = iv[static_cast<std::size_t>(i)];
  j0[12] = 0;
  j0[13] = 0;
  j0[14] = 0;
  j0[15] = 1;
}

// GCTR (§6.5) starting from counter block `cb`; in and out may alias.
void gctr(const AesEncryptor& aes, std::uint8_t cb[16], std::span<const std::uint8_t> in,
          std::span<std::uint8_t> out) noexcept {
  std::size_t i = 0;
  while (i < in.size()) {
    std::uint8_t ks[16];
    aes.encrypt_block(cb, ks);
    inc32(cb);
    const std::size_t n = in.size() - i < 16 ? in.size() - i : 16;
    for (std::size_t k = 0; k < n; ++k) out[i + k] = static_cast<std::uint8_t>(in[i + k] ^ ks[k]);
    i += n;
  }
}

void compute_tag(const AesEncryptor& aes, const std::uint8_t j0[16], std::span<const std::uint8_t> aad,
                 std::span<const std::uint8_t> ciphertext, std::uint8_t tag[16]) noexcept {
  Ghash g(aes);
  g.update_padded(aad);
  g.update_padded(ciphertext);
  std::uint8_t s[16];
  g.finish(aad.size(), ciphertext.size(), s);
  std::uint8_t ej0[16];
  aes.encrypt_block(j0, ej0);
  for (int i = 0; i < 16; ++i) tag[i] = static_cast<std::uint8_t>(s[i] ^ ej0[i]);
}

void software_encrypt(const void* ctx, const std::uint8_t* in, std::uint8_t* out) noexcept {
  static_cast<const Aes128*>(ctx)->encrypt_block(in, out);
}
void software_decrypt(const void* ctx, const std::uint8_t* in, std::uint8_t* out) noexcept {
  static_cast<const Aes128*>(ctx)->decrypt_block(in, out);
}

}  // namespace

Aes128::Aes128() noexcept {
  const std::uint8_t zero[16] = {};
  expand_key(zero, round_keys_);
}

Aes128::Aes128(std::span<const std::uint8_t, kAes128KeyBytes> key) noexcept { expand_key(key.data(), round_keys_); }

Result<Aes128> Aes128::from_key(std::span<const std::uint8_t> key) noexcept {
  if (key.size() != kAes128KeyBytes)
    return fail(Errc::invalid_argument, "AES-128 key must be 16 bytes", Where::at_field("key"));
  return Aes128(key.first<kAes128KeyBytes>());
}

void Aes128::encrypt_block(const std::uint8_t* in, std::uint8_t* out) const noexcept {
  u32 s[4];
  for (int c = 0; c < 4; ++c) s[c] = load_le32(in + 4 * c) ^ round_keys_[c];
  for (int round = 1; round <= 10; ++round) {
    sub_bytes(s, false);
    shift_rows(s);
    if (round != 10)
      for (int c = 0; c < 4; ++c) s[c] = mix_column(s[c]);
    for (int c = 0; c < 4; ++c) s[c] ^= round_keys_[4 * round + c];
  }
  for (int c = 0; c < 4; ++c) store_le32(out + 4 * c, s[c]);
}

void Aes128::decrypt_block(const std::uint8_t* in, std::uint8_t* out) const noexcept {
  u32 s[4];
  for (int c = 0; c < 4; ++c) s[c] = load_le32(in + 4 * c) ^ round_keys_[40 + c];
  for (int round = 9; round >= 0; --round) {
    inv_shift_rows(s);
    sub_bytes(s, true);
    for (int c = 0; c < 4; ++c) s[c] ^= round_keys_[4 * round + c];
    if (round != 0)
      for (int c = 0; c < 4; ++c) s[c] = inv_mix_column(s[c]);
  }
  for (int c = 0; c < 4; ++c) store_le32(out + 4 * c, s[c]);
}

AesEncryptor::AesEncryptor(const Aes128& cipher) noexcept
    : encrypt_(&software_encrypt), decrypt_(&software_decrypt), context_(&cipher) {}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ b[i]);
  // Fold without a data-dependent branch before the single final comparison.
  return ((diff - 1U) >> 8) & 1U;
}

Result<void> gcm_encrypt(const AesEncryptor& aes, std::span<const std::uint8_t> iv, std::span<const std::uint8_t> aad,
                         std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> ciphertext,
                         std::span<std::uint8_t> tag) noexcept {
  if (iv.size() != kGcmIvBytes) return fail(Errc::invalid_argument, "GCM IV must be 12 bytes", Where::at_field("iv"));
  if (!valid_tag_size(tag.size()))
    return fail(Errc::invalid_argument, "GCM tag must be 16, 15, 14, 13, 12, 8 or 4 bytes", Where::at_field("tag"));
  if (ciphertext.size() < plaintext.size())
    return fail(Errc::buffer_too_small, "ciphertext buffer shorter than plaintext", Where::at_field("ciphertext"));
  std::uint8_t j0[16];
  make_j0(iv, j0);
  std::uint8_t cb[16];
  for (int i = 0; i < 16; ++i) cb[i] = j0[i];
  inc32(cb);
  gctr(aes, cb, plaintext, ciphertext);
  std::uint8_t full[16];
  compute_tag(aes, j0, aad, ciphertext.first(plaintext.size()), full);
  for (std::size_t i = 0; i < tag.size(); ++i) tag[i] = full[i];  // MSB_t (§7.1 step 6)
  return {};
}

Result<void> gcm_decrypt(const AesEncryptor& aes, std::span<const std::uint8_t> iv, std::span<const std::uint8_t> aad,
                         std::span<const std::uint8_t> ciphertext, std::span<const std::uint8_t> tag,
                         std::span<std::uint8_t> plaintext) noexcept {
  if (iv.size() != kGcmIvBytes) return fail(Errc::invalid_argument, "GCM IV must be 12 bytes", Where::at_field("iv"));
  if (!valid_tag_size(tag.size()))
    return fail(Errc::invalid_argument, "GCM tag must be 16, 15, 14, 13, 12, 8 or 4 bytes", Where::at_field("tag"));
  if (plaintext.size() < ciphertext.size())
    return fail(Errc::buffer_too_small, "plaintext buffer shorter than ciphertext", Where::at_field("plaintext"));
  std::uint8_t j0[16];
  make_j0(iv, j0);
  std::uint8_t full[16];
  compute_tag(aes, j0, aad, ciphertext, full);
  if (!constant_time_equal(std::span<const std::uint8_t>(full, tag.size()), tag)) {
    for (auto& b : plaintext) b = 0;
    return fail(Errc::authentication_failed, "GCM authentication tag does not match (wrong key or tampered frame)",
                Where::at_field("tag"));
  }
  std::uint8_t cb[16];
  for (int i = 0; i < 16; ++i) cb[i] = j0[i];
  inc32(cb);
  gctr(aes, cb, ciphertext, plaintext);
  return {};
}

Result<void> gcm_ctr_crypt(const AesEncryptor& aes, std::span<const std::uint8_t> iv, std::span<const std::uint8_t> in,
                           std::span<std::uint8_t> out) noexcept {
  if (iv.size() != kGcmIvBytes) return fail(Errc::invalid_argument, "GCM IV must be 12 bytes", Where::at_field("iv"));
  if (out.size() < in.size()) return fail(Errc::buffer_too_small, "output shorter than input", Where::at_field("out"));
  std::uint8_t cb[16];
  make_j0(iv, cb);
  inc32(cb);
  gctr(aes, cb, in, out);
  return {};
}

Result<void> cbc_decrypt(const AesEncryptor& aes, std::span<const std::uint8_t> iv, std::span<const std::uint8_t> in,
                         std::span<std::uint8_t> out) noexcept {
  if (iv.size() != kAesBlockBytes) return fail(Errc::invalid_argument, "CBC IV must be 16 bytes", Where::at_field("iv"));
  if (in.size() % kAesBlockBytes != 0)
    return fail(Errc::invalid_argument, "CBC input is not a whole number of 16-byte blocks", Where::byte(in.size()));
  if (out.size() < in.size()) return fail(Errc::buffer_too_small, "output shorter than input", Where::at_field("out"));
  if (!aes.can_decrypt()) return fail(Errc::unsupported, "AES encryptor has no decrypt function", Where::at_field("aes"));
  std::uint8_t prev[16];
  for (int i = 0; i < 16; ++i) prev[i] = iv[static_cast<std::size_t>(i)];
  for (std::size_t off = 0; off < in.size(); off += 16) {
    std::uint8_t c[16];
    for (int i = 0; i < 16; ++i) c[i] = in[off + static_cast<std::size_t>(i)];  // copy first: out may alias in
    std::uint8_t p[16];
    (void)aes.decrypt_block(c, p);
    for (int i = 0; i < 16; ++i) {
      out[off + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(p[i] ^ prev[i]);
      prev[i] = c[i];
    }
  }
  return {};
}

Result<void> cbc_encrypt(const AesEncryptor& aes, std::span<const std::uint8_t> iv, std::span<const std::uint8_t> in,
                         std::span<std::uint8_t> out) noexcept {
  if (iv.size() != kAesBlockBytes) return fail(Errc::invalid_argument, "CBC IV must be 16 bytes", Where::at_field("iv"));
  if (in.size() % kAesBlockBytes != 0)
    return fail(Errc::invalid_argument, "CBC input is not a whole number of 16-byte blocks", Where::byte(in.size()));
  if (out.size() < in.size()) return fail(Errc::buffer_too_small, "output shorter than input", Where::at_field("out"));
  std::uint8_t prev[16];
  for (int i = 0; i < 16; ++i) prev[i] = iv[static_cast<std::size_t>(i)];
  for (std::size_t off = 0; off < in.size(); off += 16) {
    std::uint8_t x[16];
    for (int i = 0; i < 16; ++i) x[i] = static_cast<std::uint8_t>(in[off + static_cast<std::size_t>(i)] ^ prev[i]);
    aes.encrypt_block(x, prev);
    for (int i = 0; i < 16; ++i) out[off + static_cast<std::size_t>(i)] = prev[i];
  }
  return {};
}

}  // namespace joule
