// Fuzzes the DLMS/COSEM decoder. The first byte selects the mode:
//   0: the data as sent (HDLC frames, M-Bus frames, wrapper or APDU);
//   1: the data as an APDU inside one HDLC frame with valid HCS/FCS;
//   2: the data as a data-notification body (0F header prepended);
//   3: the data encrypted with a fixed key into a general-glo-ciphering APDU
//      (valid tag), decoded with that key: reaches the plaintext decoder.
// Decoding must never crash, hang or read out of bounds, whatever it returns.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "joule/core/aes.hpp"
#include "joule/core/crc.hpp"
#include "joule/core/fixed_vector.hpp"
#include "joule/meter/dlms.hpp"

namespace {
std::size_t put_crc(std::uint8_t* f, std::size_t n) {
  const auto c = joule::crc16_x25(std::span<const std::uint8_t>(f, n));
  f[n] = static_cast<std::uint8_t>(c & 0xFF);
  f[n + 1] = static_cast<std::uint8_t>(c >> 8);
  return n + 2;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 1800) return 0;
  static std::uint8_t in[2048];
  std::span<const std::uint8_t> body(data + 1, size - 1);
  std::span<const std::uint8_t> bytes = body;
  static const std::uint8_t kKey[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  static const joule::Aes128 aes(kKey);
  static const joule::AesEncryptor enc(aes);
  joule::meter::dlms::Keys keys{};
  switch (data[0] % 4) {
    case 1: {
      std::size_t n = 0;
      in[n++] = 0x7E;
      const std::size_t len = 2 + 3 + 1 + 2 + 3 + body.size() + 2;
      in[n++] = static_cast<std::uint8_t>(0xA0 | ((len >> 8) & 0x07));
      in[n++] = static_cast<std::uint8_t>(len & 0xFF);
      in[n++] = 0x41;
      in[n++] = 0x08;
      in[n++] = 0x83;
      in[n++] = 0x13;
      n = put_crc(in + 1, n - 1) + 1;
      in[n++] = 0xE6;
      in[n++] = 0xE7;
      in[n++] = 0x00;
      for (auto b : body) in[n++] = b;
      n = put_crc(in + 1, n - 1) + 1;
      in[n++] = 0x7E;
      bytes = std::span<const std::uint8_t>(in, n);
      break;
    }
    case 2: {
      std::size_t n = 0;
      for (std::uint8_t b : {0x0F, 0x00, 0x00, 0x00, 0x01, 0x00}) in[n++] = b;
      for (auto b : body) in[n++] = b;
      bytes = std::span<const std::uint8_t>(in, n);
      break;
    }
    case 3: {
      std::size_t n = 0;
      in[n++] = 0xDB;
      in[n++] = 0x08;
      for (std::uint8_t b : {0x4B, 0x46, 0x4D, 1, 2, 3, 4, 5}) in[n++] = b;
      const std::size_t len = 5 + body.size() + 12;
      in[n++] = 0x82;
      in[n++] = static_cast<std::uint8_t>(len >> 8);
      in[n++] = static_cast<std::uint8_t>(len & 0xFF);
      in[n++] = 0x30;
      for (std::uint8_t b : {0, 0, 0, 1}) in[n++] = b;
      std::uint8_t iv[12] = {'K', 'F', 'M', 1, 2, 3, 4, 5, 0, 0, 0, 1};
      const std::uint8_t aad[1] = {0x30};
      if (!joule::gcm_encrypt(enc, iv, aad, body, std::span<std::uint8_t>(in + n, body.size()),
                              std::span<std::uint8_t>(in + n + body.size(), 12)))
        std::abort();
      n += body.size() + 12;
      bytes = std::span<const std::uint8_t>(in, n);
      keys.encryption = &enc;
      break;
    }
    default: break;
  }
  joule::FixedVector<joule::meter::Reading, 64> rs;
  joule::meter::Telegram t{rs};
  static std::uint8_t scratch[4096];
  (void)joule::meter::dlms::decode(bytes, t, std::span<std::uint8_t>(scratch, data[0] & 4 ? 64 : sizeof scratch), keys);
  return 0;
}
