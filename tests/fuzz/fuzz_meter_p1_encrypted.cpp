// Fuzzes encrypted P1: the splitter and decrypt() on arbitrary bytes (must never authenticate
// garbage), and, in mode 1, a round trip: the fuzzer's bytes are encrypted as a plaintext
// telegram, split at a fuzzer-chosen chunk size, decrypted and must come back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "joule/core/aes.hpp"
#include "joule/meter/dsmr.hpp"

using namespace joule;
using namespace joule::meter;

namespace {
const std::uint8_t kKey[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
const std::uint8_t kAk[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static const Aes128 aes{std::span<const std::uint8_t, 16>(kKey, 16)};
  static std::uint8_t buf[2048], plain[2048];
  const std::size_t chunk = 1 + data[1] % 32;
  std::vector<std::uint8_t> stream;
  std::vector<std::uint8_t> expect;
  if (data[0] & 1) {
    expect.assign(data + 2, data + std::min<std::size_t>(size, 1500));
    std::uint8_t iv[12] = {'T', 'E', 'S', 'T', 1, 2, 3, 4, 0, 0, 0, 7};
    std::uint8_t aad[17];
    aad[0] = 0x30;
    std::memcpy(aad + 1, kAk, 16);
    std::vector<std::uint8_t> ct(expect.size());
    std::uint8_t tag[12];
    if (!gcm_encrypt(AesEncryptor(aes), iv, aad, expect, ct, tag)) std::abort();
    const std::size_t len = 5 + ct.size() + 12;
    stream = {0xDB, 0x08, 'T', 'E', 'S', 'T', 1, 2, 3, 4, 0x82, static_cast<std::uint8_t>(len >> 8),
              static_cast<std::uint8_t>(len), 0x30, 0, 0, 0, 7};
    stream.insert(stream.end(), ct.begin(), ct.end());
    stream.insert(stream.end(), tag, tag + 12);
  } else {
    stream.assign(data + 2, data + size);
  }
  dsmr::EncryptedSplitter split{buf};
  int ok = 0;
  std::span<const std::uint8_t> in(stream);
  for (std::size_t at = 0; at < in.size(); at += chunk)
    feed_all(split, in.subspan(at, std::min(chunk, in.size() - at)), [&](std::span<const std::uint8_t> f) {
      auto p = dsmr::decrypt(f, AesEncryptor(aes), {}, plain);
      if (p) {
        if (!(data[0] & 1)) std::abort();  // random bytes never carry a valid 96-bit tag in practice
        if (p->size() != expect.size() ||
            (!expect.empty() && std::memcmp(p->data(), expect.data(), expect.size()) != 0))
          std::abort();
        ++ok;
      }
    }, [](const Error&) {});
  if ((data[0] & 1) && ok != 1) std::abort();
  return 0;
}
