// Fuzzes the SML decoder. The first byte selects the mode:
//   even: the data is a whole transport frame (CRC as given: mostly rejected);
//   odd:  the data is the payload, wrapped into a transport frame with a valid
//         CRC so the fuzzer reaches the TLV decoder.
// Decoding must never crash, hang or read out of bounds, whatever it returns. The bare
// messages must decode the same with and without the list-entry fast path of host builds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "joule/core/crc.hpp"
#include "joule/core/fixed_vector.hpp"
#include "joule/meter/sml.hpp"
#include "../meter/text_paths.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 4000) return 0;
  static std::uint8_t frame[4200];
  std::span<const std::uint8_t> f(data + 1, size - 1);
  if (data[0] & 1) {
    std::size_t n = 0;
    for (int i = 0; i < 4; ++i) frame[n++] = 0x1B;
    for (int i = 0; i < 4; ++i) frame[n++] = 0x01;
    for (std::size_t i = 1; i < size; ++i) frame[n++] = data[i];
    std::uint8_t pad = 0;
    while (n % 4) {
      frame[n++] = 0;
      ++pad;
    }
    for (int i = 0; i < 4; ++i) frame[n++] = 0x1B;
    frame[n++] = 0x1A;
    frame[n++] = pad;
    const auto crc = joule::crc16_x25(std::span<const std::uint8_t>(frame, n));
    frame[n++] = static_cast<std::uint8_t>(crc & 0xFF);
    frame[n++] = static_cast<std::uint8_t>(crc >> 8);
    f = std::span<const std::uint8_t>(frame, n);
  }
  joule::FixedVector<joule::meter::Reading, 32> rs;
  joule::meter::Telegram t{rs};
  std::uint8_t scratch[4200];
  auto st = joule::meter::sml::decode(f, t, std::span<std::uint8_t>(scratch, data[0] & 2 ? 16 : sizeof scratch));
  if (st) {
    for (const auto& r : rs)
      if (r.kind == joule::meter::ValueKind::octets && r.text.size() > f.size()) std::abort();
  }
  joule::FixedVector<joule::meter::Reading, 32> rs2;
  joule::meter::Telegram t2{rs2};
  const auto a = joule::meter::sml::decode_messages(std::span<const std::uint8_t>(data + 1, size - 1), t2);
  joule::FixedVector<joule::meter::Reading, 32> rs3;
  joule::meter::Telegram t3{rs3};
  const auto b = joule::meter::sml::detail::decode_messages_general(std::span<const std::uint8_t>(data + 1, size - 1), t3);
  if (a.has_value() != b.has_value() || rs2.size() != rs3.size()) std::abort();
  if (!a && (a.error().code != b.error().code || a.error().where.position != b.error().where.position)) std::abort();
  for (std::size_t i = 0; i < rs2.size(); ++i)
    if (!joule::meter::testing::same_reading(rs2[i], rs3[i])) std::abort();
  if (t2.has_timestamp != t3.has_timestamp || t2.identifier != t3.identifier) std::abort();
  return 0;
}
