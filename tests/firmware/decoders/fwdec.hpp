// Shared helpers of the per-decoder firmware images (tests/firmware/decoders): each
// dec_<protocol>.cpp defines `extern "C" int joule_fwdec_<protocol>()`, which splits
// and decodes real frames embedded from tests/data/meter, prints a line per frame on
// the console UART and returns the number of failed checks. decoder_main.cpp calls
// whichever hooks an image links, so one image per decoder (and one per issue's
// decoder set) shows that decoder's flash and RAM cost over the bare image.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "board.hpp"
#include "joule/core/decimal.hpp"

namespace fwdec {

inline int check(bool ok, std::string_view what) {
  if (!ok) {
    board::print("  FAILED: ");
    board::print(what);
    board::print("\n");
  }
  return ok ? 0 : 1;
}

// value == mantissa * 10^exponent, exactly.
inline bool equals(const joule::Decimal& d, std::int64_t mantissa, int exponent) {
  auto r = d.rescaled(exponent);
  return r && r->mantissa() == mantissa;
}

inline void print_decimal(const joule::Decimal& d) {
  char buf[joule::Decimal::kMaxChars];
  auto n = d.to_chars(buf);
  if (n) board::write(buf, *n);
}

// Bytes of file `k` of an embedded set (joule_fw_embed's `name` and `name_ends`).
template <std::size_t N, std::size_t M>
std::span<const std::uint8_t> file(const std::uint8_t (&bytes)[N], const std::size_t (&ends)[M], std::size_t k) {
  const std::size_t begin = k == 0 ? 0 : ends[k - 1];
  return {bytes + begin, ends[k] - begin};
}

}  // namespace fwdec
