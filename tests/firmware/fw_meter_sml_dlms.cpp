// Firmware hook of the SML and DLMS decoders (and AES-GCM): splits and decodes bytes from a
// receive buffer so the linker keeps the code and the image size shows its cost.
#include <cstdint>
#include <span>

#include "joule/core/aes.hpp"
#include "joule/core/fixed_vector.hpp"
#include "joule/meter/dlms.hpp"
#include "joule/meter/sml.hpp"

extern "C" int joule_fw_meter_sml_dlms(volatile const std::uint8_t* input, std::uint32_t n) {
  static std::uint8_t rx[512];
  static std::uint8_t frame_buf[512];
  static std::uint8_t scratch[1024];
  static joule::FixedVector<joule::meter::Reading, 24> readings;
  if (n > sizeof rx) n = sizeof rx;
  for (std::uint32_t i = 0; i < n; ++i) rx[i] = input[i];
  const std::span<const std::uint8_t> bytes(rx, n);
  int count = 0;
  joule::meter::sml::Splitter sml_split{frame_buf};
  auto r = sml_split.feed(bytes);
  if (r.status == joule::meter::FeedStatus::frame) {
    readings.clear();
    joule::meter::Telegram t{readings};
    if (joule::meter::sml::decode_verified(r.frame, t, scratch)) count += static_cast<int>(readings.size());
  }
  joule::meter::dlms::HdlcSplitter hdlc{frame_buf};
  auto h = hdlc.feed(bytes);
  const std::uint8_t key[16] = {rx[0], rx[1], rx[2], rx[3]};
  const joule::Aes128 aes(key);
  const joule::AesEncryptor enc(aes);
  const std::uint8_t ak[16] = {};
  if (h.status == joule::meter::FeedStatus::frame) {
    readings.clear();
    joule::meter::Telegram t{readings};
    if (joule::meter::dlms::decode(h.frame, t, scratch, {&enc, ak})) count += static_cast<int>(readings.size());
  }
  return count;
}
