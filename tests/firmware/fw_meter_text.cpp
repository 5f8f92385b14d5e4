// Firmware hook of DSMR P1 (plain and encrypted) and IEC 62056-21: splits and decodes the
// bytes a UART would deliver, as a gateway does, so the image contains these decoders and
// `make firmware` reports their size. Called from joule_fw_meter (fw_meter.cpp).
#include <cstdint>
#include <span>

#include "joule/core/aes.hpp"
#include "joule/meter/dsmr.hpp"
#include "joule/meter/iec62056_21.hpp"

using namespace joule;
using namespace joule::meter;

namespace {
std::uint8_t g_frame[1024];
std::uint8_t g_plain[1024];
FixedVector<Reading, 48> g_readings;
}  // namespace

extern "C" int joule_fw_meter_text(volatile const std::uint8_t* input, std::uint32_t n) {
  std::uint8_t chunk[64];
  const std::uint32_t len = n < sizeof chunk ? n : static_cast<std::uint32_t>(sizeof chunk);
  for (std::uint32_t i = 0; i < len; ++i) chunk[i] = input[i];
  const std::span<const std::uint8_t> in(chunk, len);
  int values = 0;
  auto count = [&](std::span<const std::uint8_t> frame, bool d0) {
    g_readings.clear();
    Telegram t{g_readings};
    const bool ok = d0 ? iec62056_21::decode(frame, t).has_value() : dsmr::decode(frame, t).has_value();
    if (ok) values += static_cast<int>(g_readings.size());
  };
  dsmr::Splitter p1{g_frame};
  feed_all(p1, in, [&](std::span<const std::uint8_t> f) { count(f, false); }, [](const Error&) {});
  iec62056_21::Splitter d0{g_frame};
  feed_all(d0, in, [&](std::span<const std::uint8_t> f) { count(f, true); }, [](const Error&) {});

  // Encrypted P1 with a key from the (here: input) configuration.
  std::uint8_t key[16];
  for (int i = 0; i < 16; ++i) key[i] = chunk[i % (len == 0 ? 1 : len)];
  const Aes128 aes{std::span<const std::uint8_t, 16>(key, 16)};
  dsmr::EncryptedSplitter enc{g_frame};
  feed_all(enc, in, [&](std::span<const std::uint8_t> f) {
    auto p = dsmr::decrypt(f, AesEncryptor(aes), {}, g_plain);
    if (p) count(*p, false);
  }, [](const Error&) {});

  // The mode C handshake, answered with the input.
  iec62056_21::ModeCSession s{g_plain};
  auto step = s.start();
  step = s.on_baud_set();
  step = s.on_sent();
  step = s.on_received(in);
  return values + static_cast<int>(step.action);
}
