// DSMR P1 in firmware: a real DSMR 5 telegram (Iskra AM550 with two M-Bus sub-meters) fed
// to the splitter in 7-byte chunks and decoded; then encrypted P1 (general-glo-ciphering,
// AES-128-GCM, as Luxembourg/Austrian meters send it): a real ciphered frame decrypted
// and its tag verified, and the same frame with one bit flipped rejected.
#include <cstdint>
#include <span>

#include "frames_dsmr.hpp"
#include "frames_dsmr_gcm.hpp"
#include "fwdec.hpp"
#include "joule/core/aes.hpp"
#include "joule/meter/dsmr.hpp"

using namespace joule;
using namespace joule::meter;

namespace {
std::uint8_t g_frame[1024];
std::uint8_t g_plain[256];
std::uint8_t g_tampered[256];
board::BssObject<FixedVector<Reading, 48>> g_store;  // see board.hpp

// The AES hook as a port plugs in its AES peripheral (docs/firmware.md); here the block
// function forwards to the software cipher so the hook path itself runs on the target.
void board_aes_encrypt(const void* context, const std::uint8_t* in, std::uint8_t* out) noexcept {
  static_cast<const Aes128*>(context)->encrypt_block(in, out);
}
}  // namespace

extern "C" int joule_fwdec_dsmr() {
  int fail = 0;
  auto& readings = g_store.construct();
  const auto telegram = fwdec::file(kDsmrP1, kDsmrP1_ends, 0);
  dsmr::Splitter split{g_frame};
  int frames = 0;
  for (std::size_t at = 0; at < telegram.size(); at += 7) {
    const std::size_t n = telegram.size() - at < 7 ? telegram.size() - at : 7;
    feed_all(split, telegram.subspan(at, n), [&](std::span<const std::uint8_t> f) {
      ++frames;
      readings.clear();
      Telegram t{readings};
      fail += fwdec::check(dsmr::decode(f, t).has_value(), "dsmr decode");
      const Reading* e = t.find(ObisCode(1, 0, 1, 8, 1, 255));
      const Reading* p = t.find(ObisCode(1, 0, 1, 7, 0, 255));
      fail += fwdec::check(readings.size() == 38, "dsmr: 38 readings");
      fail += fwdec::check(e != nullptr && fwdec::equals(e->number, 2130115, -3), "dsmr 1-0:1.8.1 = 2130.115 kWh");
      fail += fwdec::check(p != nullptr && fwdec::equals(p->number, 111, -3), "dsmr 1-0:1.7.0 = 0.111 kW");
      board::print("dsmr p1: ");
      board::print_int(static_cast<std::int64_t>(readings.size()));
      board::print(" readings, 1-0:1.8.1 = ");
      if (e != nullptr) fwdec::print_decimal(e->number);
      board::print(" kWh\n");
    }, [&](const Error&) { fail += fwdec::check(false, "dsmr frame dropped"); });
  }
  fail += fwdec::check(frames == 1, "dsmr: one telegram");

  // Encrypted P1: key "MYDUMMYGLOBALKEY" (EK = AK), from the frame's expected file.
  const auto ciphered = fwdec::file(kDsmrGcm, kDsmrGcm_ends, 0);
  static constexpr std::uint8_t kKey[16] = {'M', 'Y', 'D', 'U', 'M', 'M', 'Y', 'G',
                                            'L', 'O', 'B', 'A', 'L', 'K', 'E', 'Y'};
  const Aes128 aes{std::span<const std::uint8_t, 16>(kKey, 16)};
  dsmr::EncryptedSplitter esplit{g_frame};
  int enc_frames = 0;
  feed_all(esplit, ciphered, [&](std::span<const std::uint8_t> f) {
    ++enc_frames;
    const AesEncryptor hook(&board_aes_encrypt, &aes);  // GCM needs only the forward cipher
    auto plain = dsmr::decrypt(f, hook, kKey, g_plain);
    fail += fwdec::check(plain.has_value() && !plain->empty() && (*plain)[0] == 0x0F,
                         "encrypted p1: tag verified, plaintext is a data-notification");
    board::print("encrypted p1 (aes-128-gcm): ");
    board::print_int(plain ? static_cast<std::int64_t>(plain->size()) : -1);
    board::print(" plaintext bytes, tag ok\n");
    if (f.size() > sizeof g_tampered) return;
    for (std::size_t i = 0; i < f.size(); ++i) g_tampered[i] = f[i];
    g_tampered[f.size() - 20] ^= 0x01;
    auto bad = dsmr::decrypt(std::span<const std::uint8_t>(g_tampered, f.size()), AesEncryptor(aes), kKey, g_plain);
    fail += fwdec::check(!bad && bad.error().code == Errc::authentication_failed, "tampered frame rejected");
  }, [&](const Error&) { fail += fwdec::check(false, "encrypted frame dropped"); });
  fail += fwdec::check(enc_frames == 1, "encrypted p1: one frame");
  return fail;
}
