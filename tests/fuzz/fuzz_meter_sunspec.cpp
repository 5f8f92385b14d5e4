// Fuzzes SunSpec model discovery and decoding: the input is a register image; byte 0
// picks a compiled model id that is written into the first model's ID so the decoder
// walks real definitions (repeating groups, count points, scale factors).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "joule/meter/sunspec.hpp"

namespace ss = joule::meter::sunspec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto models = ss::models();
  const auto id = models[data[0] % models.size()].id;
  std::vector<std::uint8_t> regs(data + 1, data + size);
  if (regs.size() % 2) regs.pop_back();
  if (regs.size() >= 4) {
    regs[0] = static_cast<std::uint8_t>(id >> 8);
    regs[1] = static_cast<std::uint8_t>(id & 0xFF);
  }
  static ss::PointValue storage[2048];
  joule::VectorRef<ss::PointValue> out{std::span<ss::PointValue>(storage)};
  if (ss::decode_model(regs, out)) {
    char path[256];
    for (const auto& p : out) {
      if (!ss::point_path(p, path)) std::abort();
      if (p.kind == ss::PointKind::number) (void)p.number.to_double();
    }
  }
  std::vector<std::uint8_t> img = {'S', 'u', 'n', 'S'};
  img.insert(img.end(), regs.begin(), regs.end());
  ss::ModelRef refs[64];
  (void)ss::list_models(img, refs);
  return 0;
}
