// DLMS/COSEM in firmware: a real general-glo-ciphering push (AES-128-GCM, key
// "MYDUMMYGLOBALKEY") framed the way HAN ports send it, in an HDLC type 3 UI frame
// (IEC 62056-46: flag, format, addresses, HCS, LLC E6 E7 00, APDU, FCS, flag) built here
// around the captured APDU; split, checked, deciphered and decoded.
#include <cstdint>
#include <span>

#include "frames_dlms.hpp"
#include "fwdec.hpp"
#include "joule/core/aes.hpp"
#include "joule/core/crc.hpp"
#include "joule/meter/dlms.hpp"

using namespace joule;
using namespace joule::meter;

namespace {
std::uint8_t g_hdlc[300];
std::uint8_t g_frame[300];
std::uint8_t g_scratch[1024];
std::uint8_t g_apdu[300];
std::uint8_t g_plain[300];
board::BssObject<FixedVector<Reading, 32>> g_store;  // see board.hpp

// HDLC frame around `info` (ISO/IEC 13239 frame format type 3; FCS/HCS = CRC-16/X-25, LSB first).
std::size_t hdlc_frame(std::span<const std::uint8_t> apdu) {
  static constexpr std::uint8_t kLlc[3] = {0xE6, 0xE7, 0x00};
  const std::size_t len = 2 + 1 + 1 + 1 + 2 + sizeof kLlc + apdu.size() + 2;  // format .. FCS
  std::size_t i = 0;
  g_hdlc[i++] = 0x7E;
  g_hdlc[i++] = static_cast<std::uint8_t>(0xA0 | ((len >> 8) & 0x07));
  g_hdlc[i++] = static_cast<std::uint8_t>(len & 0xFF);
  g_hdlc[i++] = 0x41;  // destination: client 0x20
  g_hdlc[i++] = 0x03;  // source: server 0x01
  g_hdlc[i++] = 0x13;  // UI frame, P/F set
  const std::uint16_t hcs = crc16_x25(std::span<const std::uint8_t>(g_hdlc + 1, i - 1));
  g_hdlc[i++] = static_cast<std::uint8_t>(hcs & 0xFF);
  g_hdlc[i++] = static_cast<std::uint8_t>(hcs >> 8);
  for (auto b : kLlc) g_hdlc[i++] = b;
  for (auto b : apdu) g_hdlc[i++] = b;
  const std::uint16_t fcs = crc16_x25(std::span<const std::uint8_t>(g_hdlc + 1, i - 1));
  g_hdlc[i++] = static_cast<std::uint8_t>(fcs & 0xFF);
  g_hdlc[i++] = static_cast<std::uint8_t>(fcs >> 8);
  g_hdlc[i++] = 0x7E;
  return i;
}
}  // namespace

extern "C" int joule_fwdec_dlms() {
  int fail = 0;
  auto& readings = g_store.construct();
  const auto apdu = fwdec::file(kDlmsGcm, kDlmsGcm_ends, 0);
  if (apdu.size() + 16 > sizeof g_hdlc) return fwdec::check(false, "dlms test frame too large");
  const std::size_t n = hdlc_frame(apdu);
  static constexpr std::uint8_t kKey[16] = {'M', 'Y', 'D', 'U', 'M', 'M', 'Y', 'G',
                                            'L', 'O', 'B', 'A', 'L', 'K', 'E', 'Y'};
  const Aes128 aes{std::span<const std::uint8_t, 16>(kKey, 16)};
  const AesEncryptor enc(aes);
  dlms::HdlcSplitter split{g_frame};
  int frames = 0;
  feed_all(split, std::span<const std::uint8_t>(g_hdlc, n), [&](std::span<const std::uint8_t> f) {
    ++frames;
    auto h = dlms::parse_hdlc(f);
    fail += fwdec::check(h.has_value() && h->control == 0x13, "hdlc frame checked");
    readings.clear();
    Telegram t{readings};
    // This capture's notification carries a manufacturer-specific octet string, which the
    // decoder reports as unsupported after deciphering and authenticating it.
    auto st = dlms::decode(f, t, g_scratch, {&enc, kKey});
    fail += fwdec::check(!st && st.error().code == Errc::unsupported, "dlms decode: authenticated, body unsupported");
    // The layers one by one: HDLC info -> LLC removed -> ciphered APDU -> plaintext.
    dlms::ApduAssembler assembler{g_apdu};
    auto whole = h ? assembler.add(h->info, h->segmented) : Result<bool>(false);
    fail += fwdec::check(whole.has_value() && *whole, "dlms: apdu assembled");
    auto c = dlms::parse_ciphered(assembler.apdu());
    fail += fwdec::check(c.has_value() && c->tag == 0xDB, "dlms: general-glo-ciphering");
    std::span<const std::uint8_t> plain{};
    if (c) {
      auto p = dlms::decipher(*c, {&enc, kKey}, g_plain);
      if (p) plain = *p;
    }
    fail += fwdec::check(!plain.empty() && plain[0] == 0x0F, "dlms: gcm tag ok, data-notification");
    board::print("dlms (hdlc + aes-128-gcm): system title ");
    if (c) board::print_hex(c->system_title.data(), c->system_title.size());
    board::print(", counter ");
    board::print_int(c ? c->invocation_counter : -1);
    board::print(", ");
    board::print_int(static_cast<std::int64_t>(plain.size()));
    board::print(" plaintext bytes, tag ok\n");
    // A wrong key must fail authentication and yield no readings.
    static constexpr std::uint8_t kWrong[16] = {1};
    const Aes128 wrong_aes{std::span<const std::uint8_t, 16>(kWrong, 16)};
    const AesEncryptor wrong(wrong_aes);
    readings.clear();
    Telegram w{readings};
    auto bad = dlms::decode(f, w, g_scratch, {&wrong, kKey});
    fail += fwdec::check(!bad && bad.error().code == Errc::authentication_failed && readings.empty(),
                         "dlms wrong key rejected");
  }, [&](const Error&) { fail += fwdec::check(false, "hdlc frame dropped"); });
  fail += fwdec::check(frames == 1, "dlms: one frame");
  return fail;
}
