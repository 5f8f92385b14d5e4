// Wireless M-Bus in firmware: the OMS example telegram of the unit tests (ID 12345678,
// the project's wM-Bus captures are GPL-licensed and stay out of the tree) is encrypted
// here with security mode 5 (AES-128-CBC, IV from the link header) as a meter does, sent
// with format A block CRCs, then checked, decrypted (0x2F2F check) and its records read.
#include <cstdint>
#include <span>

#include "fwdec.hpp"
#include "joule/core/aes.hpp"
#include "joule/core/crc.hpp"
#include "joule/meter/wmbus.hpp"

using namespace joule;
using namespace joule::meter;

namespace {
// L C M(2) A(6) CI=7A ACC ST CW(2: mode 5, 2 encrypted blocks) 2F2F records... 2F fill
constexpr std::uint8_t kPlain[] = {0x2E, 0x44, 0x93, 0x15, 0x78, 0x56, 0x34, 0x12, 0x33, 0x03, 0x7A, 0x2A, 0x00,
                                   0x20, 0x05, 0x2F, 0x2F, 0x0C, 0x14, 0x27, 0x04, 0x85, 0x02, 0x04, 0x6D, 0x32,
                                   0x37, 0x1F, 0x15, 0x02, 0xFD, 0x17, 0x00, 0x00, 0x2F, 0x2F, 0x2F, 0x2F, 0x2F,
                                   0x2F, 0x2F, 0x2F, 0x2F, 0x2F, 0x2F, 0x2F, 0x2F};
constexpr std::uint8_t kKey[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x11};
std::uint8_t g_tg[sizeof kPlain];
std::uint8_t g_air[sizeof kPlain + 16];
std::uint8_t g_scratch[256];
mbus::Record g_rec;
}  // namespace

extern "C" int joule_fwdec_wmbus() {
  int fail = 0;
  for (std::size_t i = 0; i < sizeof kPlain; ++i) g_tg[i] = kPlain[i];
  const Aes128 aes{std::span<const std::uint8_t, 16>(kKey, 16)};
  std::uint8_t iv[16];
  for (int k = 0; k < 8; ++k) iv[k] = g_tg[2 + k];  // M, A
  for (int k = 8; k < 16; ++k) iv[k] = g_tg[11];    // access number
  std::span<std::uint8_t> enc(g_tg + 15, 32);
  fail += fwdec::check(cbc_encrypt(AesEncryptor(aes), std::span<const std::uint8_t>(iv, 16), enc, enc).has_value(),
                       "wmbus encrypt");
  // Format A on the air: a 10-byte first block, then 16-byte blocks, each + CRC-16/EN-13757.
  std::size_t pos = 0, out = 0, block = 10;
  while (pos < sizeof g_tg) {
    const std::size_t n = sizeof g_tg - pos < block ? sizeof g_tg - pos : block;
    for (std::size_t i = 0; i < n; ++i) g_air[out++] = g_tg[pos + i];
    const std::uint16_t c = crc16_en13757(std::span<const std::uint8_t>(g_tg + pos, n));
    g_air[out++] = static_cast<std::uint8_t>(c >> 8);
    g_air[out++] = static_cast<std::uint8_t>(c & 0xFF);
    pos += n;
    block = 16;
  }
  auto t = wmbus::decode(std::span<const std::uint8_t>(g_air, out), kKey, g_scratch, wmbus::FrameFormat::a);
  fail += fwdec::check(t.has_value() && t->decrypted && t->security == wmbus::Security::mode5, "wmbus mode 5 decode");
  int records = 0;
  bool volume_ok = false;
  if (t) {
    mbus::RecordReader rd(t->application_data);
    for (;;) {
      auto more = rd.next(g_rec);
      if (!more || !*more) break;
      if (records == 0) volume_ok = fwdec::equals(g_rec.value, 2850427, -2);
      ++records;
    }
  }
  fail += fwdec::check(records == 3 && volume_ok, "wmbus: 3 records, volume 28504.27 m3");
  static constexpr std::uint8_t kWrong[16] = {0xFE};
  auto bad = wmbus::decode(std::span<const std::uint8_t>(g_air, out), kWrong, g_scratch, wmbus::FrameFormat::a);
  fail += fwdec::check(!bad && bad.error().code == Errc::authentication_failed, "wmbus wrong key rejected");
  board::print("wmbus (format A, mode 5): id ");
  board::print_int(t ? static_cast<std::int64_t>(t->id) : -1);
  board::print(", ");
  board::print_int(records);
  board::print(" records\n");
  return fail;
}
