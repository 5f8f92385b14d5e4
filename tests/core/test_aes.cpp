// AES-128 and AES-GCM against FIPS-197, the GCM specification's test cases
// (McGrew/Viega, the vectors NIST SP 800-38D validation starts from) and the
// DLMS UA Green Book example. Runs on the host and on the emulated Cortex-M4.
#include <cstddef>
#include <cstdint>
#include <span>

#include "check.hpp"
#include "joule/core/aes.hpp"

namespace {

// Hex string literal to bytes at compile time (no heap).
template <std::size_t N>
struct Hex {
  std::uint8_t b[N / 2 > 0 ? N / 2 : 1]{};
  static constexpr std::size_t size = N / 2;
  constexpr explicit Hex(const char (&s)[N + 1]) {
    auto nib = [](char c) -> std::uint8_t {
      return static_cast<std::uint8_t>(c <= '9' ? c - '0' : (c <= 'F' ? c - 'A' + 10 : c - 'a' + 10));
    };
    for (std::size_t i = 0; i < N / 2; ++i) b[i] = static_cast<std::uint8_t>(nib(s[2 * i]) << 4 | nib(s[2 * i + 1]));
  }
  std::span<const std::uint8_t> span() const { return {b, size}; }
};
template <std::size_t M>
Hex(const char (&)[M]) -> Hex<M - 1>;

bool equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

constexpr Hex kGcmKey3("feffe9928665731c6d6a8f9467308308");
constexpr Hex kGcmIv3("cafebabefacedbaddecaf888");
constexpr Hex kGcmPlain3(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba"
    "637b391aafd255");
constexpr Hex kGcmCipher3(
    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d"
    "58e091473f5985");

}  // namespace

TEST_CASE("aes: FIPS-197 appendix C.1 AES-128 encrypt and decrypt") {
  constexpr Hex key("000102030405060708090a0b0c0d0e0f");
  constexpr Hex plain("00112233445566778899aabbccddeeff");
  constexpr Hex cipher("69c4e0d86a7b0430d8cdb78070b4c55a");
  joule::Aes128 aes(std::span<const std::uint8_t, 16>(key.b, 16));
  std::uint8_t out[16];
  aes.encrypt_block(plain.b, out);
  CHECK(equal(out, cipher.span()));
  aes.decrypt_block(out, out);  // in place
  CHECK(equal(out, plain.span()));
}

TEST_CASE("aes: FIPS-197 appendix B cipher example") {
  constexpr Hex key("2b7e151628aed2a6abf7158809cf4f3c");
  constexpr Hex plain("3243f6a8885a308d313198a2e0370734");
  constexpr Hex cipher("3925841d02dc09fbdc118597196a0b32");
  auto aes = joule::Aes128::from_key(key.span());
  REQUIRE(aes.has_value());
  std::uint8_t out[16];
  aes->encrypt_block(plain.b, out);
  CHECK(equal(out, cipher.span()));
  const std::uint8_t short_key[15] = {};
  auto bad = joule::Aes128::from_key(short_key);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == joule::Errc::invalid_argument);
}

TEST_CASE("aes: SP 800-38A F.2.1/F.2.2 CBC-AES128 round trip") {
  constexpr Hex key("2b7e151628aed2a6abf7158809cf4f3c");
  constexpr Hex iv("000102030405060708090a0b0c0d0e0f");
  constexpr Hex plain("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
  constexpr Hex cipher("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2");
  joule::Aes128 aes(std::span<const std::uint8_t, 16>(key.b, 16));
  std::uint8_t buf[32];
  REQUIRE(joule::cbc_encrypt(aes, iv.span(), plain.span(), buf).has_value());
  CHECK(equal(buf, cipher.span()));
  REQUIRE(joule::cbc_decrypt(aes, iv.span(), buf, buf).has_value());
  CHECK(equal(buf, plain.span()));
  CHECK(joule::cbc_decrypt(aes, iv.span(), plain.span().first(17), buf).error().code == joule::Errc::invalid_argument);
}

TEST_CASE("gcm: test cases 1 and 2 (zero key, zero IV)") {
  const std::uint8_t zero_key[16] = {};
  const std::uint8_t zero_iv[12] = {};
  joule::Aes128 aes(zero_key);
  std::uint8_t tag[16];
  REQUIRE(joule::gcm_encrypt(aes, zero_iv, {}, {}, {}, tag).has_value());
  CHECK(equal(tag, Hex("58e2fccefa7e3061367f1d57a4e7455a").span()));

  const std::uint8_t zero_block[16] = {};
  std::uint8_t c[16];
  REQUIRE(joule::gcm_encrypt(aes, zero_iv, {}, zero_block, c, tag).has_value());
  CHECK(equal(c, Hex("0388dace60b6a392f328c2b971b2fe78").span()));
  CHECK(equal(tag, Hex("ab6e47d42cec13bdf53a67b21257bddf").span()));
}

TEST_CASE("gcm: test case 3 (64-byte message, no AAD) encrypt and decrypt") {
  joule::Aes128 aes(std::span<const std::uint8_t, 16>(kGcmKey3.b, 16));
  std::uint8_t c[64];
  std::uint8_t tag[16];
  REQUIRE(joule::gcm_encrypt(aes, kGcmIv3.span(), {}, kGcmPlain3.span(), c, tag).has_value());
  CHECK(equal(c, kGcmCipher3.span()));
  CHECK(equal(tag, Hex("4d5c2af327cd64a62cf35abd2ba6fab4").span()));
  std::uint8_t p[64];
  REQUIRE(joule::gcm_decrypt(aes, kGcmIv3.span(), {}, c, tag, p).has_value());
  CHECK(equal(p, kGcmPlain3.span()));
}

TEST_CASE("gcm: test case 4 (60-byte message, 20-byte AAD), full and truncated tags, tamper") {
  constexpr Hex aad("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  constexpr Hex tag4("5bc94fbc3221a5db94fae95ae7121a47");
  joule::Aes128 aes(std::span<const std::uint8_t, 16>(kGcmKey3.b, 16));
  std::uint8_t c[60];
  std::uint8_t tag[16];
  REQUIRE(joule::gcm_encrypt(aes, kGcmIv3.span(), aad.span(), kGcmPlain3.span().first(60), c, tag).has_value());
  CHECK(equal(c, kGcmCipher3.span().first(60)));
  CHECK(equal(tag, tag4.span()));

  // 12-byte truncated tag (DLMS) verifies; so does the full one.
  std::uint8_t p[60];
  CHECK(joule::gcm_decrypt(aes, kGcmIv3.span(), aad.span(), c, tag4.span().first(12), p).has_value());
  CHECK(equal(p, kGcmPlain3.span().first(60)));
  std::uint8_t tag12[12];
  REQUIRE(joule::gcm_encrypt(aes, kGcmIv3.span(), aad.span(), kGcmPlain3.span().first(60), c, tag12).has_value());
  CHECK(equal(tag12, tag4.span().first(12)));

  // Any flipped bit in ciphertext, AAD or tag: authentication_failed and zeroed output.
  c[17] ^= 0x01;
  auto r = joule::gcm_decrypt(aes, kGcmIv3.span(), aad.span(), c, tag4.span(), p);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == joule::Errc::authentication_failed);
  bool zeroed = true;
  for (auto b : p) zeroed = zeroed && b == 0;
  CHECK(zeroed);
  c[17] ^= 0x01;
  std::uint8_t bad_tag[16];
  for (int i = 0; i < 16; ++i) bad_tag[i] = tag4.b[i];
  bad_tag[15] ^= 0x80;
  CHECK(joule::gcm_decrypt(aes, kGcmIv3.span(), aad.span(), c, bad_tag, p).error().code ==
        joule::Errc::authentication_failed);
  CHECK(joule::gcm_decrypt(aes, kGcmIv3.span(), aad.span().first(19), c, tag4.span(), p).error().code ==
        joule::Errc::authentication_failed);
  // Bad parameters are invalid_argument, not a crash.
  CHECK(joule::gcm_decrypt(aes, kGcmIv3.span().first(8), aad.span(), c, tag4.span(), p).error().code ==
        joule::Errc::invalid_argument);
  CHECK(joule::gcm_decrypt(aes, kGcmIv3.span(), aad.span(), c, tag4.span().first(11), p).error().code ==
        joule::Errc::invalid_argument);
  CHECK(joule::gcm_decrypt(aes, kGcmIv3.span(), aad.span(), c, tag4.span(), std::span(p).first(10)).error().code ==
        joule::Errc::buffer_too_small);
}

TEST_CASE("gcm: DLMS Green Book example (security control 0x30, 12-byte tag)") {
  // DLMS UA 1000-2 Ed. 10 §9.2.7.2.4: IV = system title || invocation counter, AAD = SC || AK.
  constexpr Hex ek("000102030405060708090A0B0C0D0E0F");
  constexpr Hex aad("30D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF");
  constexpr Hex iv("4D4D4D0000BC614E01234567");
  constexpr Hex plain("C0010000080000010000FF0200");
  constexpr Hex cipher_tag("411312FF935A47566827C467BC7D825C3BE4A77C3FCC056B6B");
  joule::Aes128 aes(std::span<const std::uint8_t, 16>(ek.b, 16));
  std::uint8_t c[13];
  std::uint8_t tag[12];
  REQUIRE(joule::gcm_encrypt(aes, iv.span(), aad.span(), plain.span(), c, tag).has_value());
  CHECK(equal(c, cipher_tag.span().first(13)));
  CHECK(equal(tag, cipher_tag.span().subspan(13)));
  std::uint8_t p[13];
  REQUIRE(joule::gcm_decrypt(aes, iv.span(), aad.span(), cipher_tag.span().first(13), cipher_tag.span().subspan(13), p)
              .has_value());
  CHECK(equal(p, plain.span()));
  // Without authentication (security control 0x20) the keystream alone gives the plaintext.
  REQUIRE(joule::gcm_ctr_crypt(aes, iv.span(), cipher_tag.span().first(13), p).has_value());
  CHECK(equal(p, plain.span()));
}

namespace {
struct FakeHardware {
  joule::Aes128 aes;
  int calls = 0;
};
void fake_hw_encrypt(const void* ctx, const std::uint8_t* in, std::uint8_t* out) noexcept {
  auto* hw = static_cast<FakeHardware*>(const_cast<void*>(ctx));
  ++hw->calls;
  hw->aes.encrypt_block(in, out);
}
}  // namespace

TEST_CASE("aes: a hardware block hook drives GCM; CBC decrypt needs its decrypt function") {
  FakeHardware hw{joule::Aes128(std::span<const std::uint8_t, 16>(kGcmKey3.b, 16)), 0};
  joule::AesEncryptor enc(&fake_hw_encrypt, &hw);
  std::uint8_t c[64];
  std::uint8_t tag[16];
  REQUIRE(joule::gcm_encrypt(enc, kGcmIv3.span(), {}, kGcmPlain3.span(), c, tag).has_value());
  CHECK(equal(c, kGcmCipher3.span()));
  CHECK(hw.calls == 1 + 4 + 1);  // H, four counter blocks, E(J0)
  CHECK_FALSE(enc.can_decrypt());
  const std::uint8_t iv[16] = {};
  CHECK(joule::cbc_decrypt(enc, iv, std::span<const std::uint8_t>(c, 16), c).error().code == joule::Errc::unsupported);
}

TEST_CASE("aes: constant_time_equal") {
  const std::uint8_t a[4] = {1, 2, 3, 4};
  const std::uint8_t b[4] = {1, 2, 3, 5};
  CHECK(joule::constant_time_equal(a, a));
  CHECK_FALSE(joule::constant_time_equal(a, b));
  CHECK_FALSE(joule::constant_time_equal(std::span(a).first(3), a));
  CHECK(joule::constant_time_equal({}, {}));
}
