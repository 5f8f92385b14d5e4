// Fuzzes wireless M-Bus link/ELL/AFL/TPL decoding and decryption (EN 13757-4/-7, OMS 4).
// Byte 0 picks the frame format (no CRC, A, B) and whether a key is used; with format A/B
// the CRCs are fixed up so the fuzzer gets past them. Records are then read to the end.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "joule/core/crc.hpp"
#include "joule/meter/wmbus.hpp"

namespace wmbus = joule::meter::wmbus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t mode = data[0];
  std::vector<std::uint8_t> in(data + 1, data + size);
  wmbus::FrameFormat fmt = wmbus::FrameFormat::no_crc;
  if ((mode & 3) == 1 && in.size() >= 12) {
    // Rebuild as format A with valid CRCs over the fuzz bytes.
    std::vector<std::uint8_t> a;
    std::vector<std::uint8_t> plain(in.begin(), in.begin() + std::min<std::size_t>(in.size(), 256));
    plain[0] = static_cast<std::uint8_t>(plain.size() - 1);
    std::size_t pos = 0, block = 10;
    while (pos < plain.size()) {
      const std::size_t n = std::min(block, plain.size() - pos);
      a.insert(a.end(), plain.begin() + static_cast<long>(pos), plain.begin() + static_cast<long>(pos + n));
      const auto c = joule::crc16_en13757(std::span<const std::uint8_t>(plain.data() + pos, n));
      a.push_back(static_cast<std::uint8_t>(c >> 8));
      a.push_back(static_cast<std::uint8_t>(c & 0xFF));
      pos += n;
      block = 16;
    }
    in = a;
    fmt = wmbus::FrameFormat::a;
  } else if ((mode & 3) == 2) {
    fmt = wmbus::FrameFormat::b;
  }
  static constexpr std::array<std::uint8_t, 16> kKey = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  std::span<const std::uint8_t> key;
  if (mode & 4) key = kKey;
  std::vector<std::uint8_t> scratch(in.size() + 32);
  auto t = wmbus::decode(in, key, scratch, fmt);
  if (!t) return 0;
  const auto& ad = t->application_data;
  if (!ad.empty() && (ad.data() < scratch.data() || ad.data() + ad.size() > scratch.data() + scratch.size())) {
    if (ad.data() < in.data() || ad.data() + ad.size() > in.data() + in.size()) std::abort();
  }
  joule::meter::mbus::RecordReader rd(ad);
  joule::meter::mbus::Record rec;
  for (std::size_t i = 0; i <= ad.size(); ++i) {
    auto more = rd.next(rec);
    if (!more || !*more) return 0;
  }
  std::abort();
}
