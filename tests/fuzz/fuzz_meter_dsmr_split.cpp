// Fuzzes the DSMR P1 splitter and decoder on a stream fed in fuzzer-chosen chunk sizes.
// Invariants: every input byte is consumed exactly once, frames start with "/", fit the
// buffer, and a CRC-carrying frame that the splitter hands out also passes decode()'s CRC.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "joule/meter/dsmr.hpp"

using namespace joule;
using namespace joule::meter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::span<const std::uint8_t> in(data + 1, size - 1);
  static std::uint8_t buf[2048];
  static FixedVector<Reading, 128> readings;
  dsmr::Splitter split{buf};
  std::size_t consumed = 0;
  while (!in.empty()) {
    auto piece = in.first(std::min(chunk, in.size()));
    in = in.subspan(piece.size());
    while (!piece.empty()) {
      const FeedResult r = split.feed(piece);
      if (r.consumed > piece.size()) std::abort();
      piece = piece.subspan(r.consumed);
      consumed += r.consumed;
      if (r.status == FeedStatus::frame) {
        if (r.frame.empty() || r.frame[0] != '/' || r.frame.size() > sizeof buf) std::abort();
        readings.clear();
        Telegram t{readings};
        auto st = dsmr::decode(r.frame, t);
        if (!st && st.error().code == Errc::checksum_mismatch) std::abort();
      }
      if (r.consumed == 0 && r.status == FeedStatus::need_more) std::abort();
    }
  }
  if (consumed != size - 1) std::abort();
  return 0;
}
