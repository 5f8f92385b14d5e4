// Fuzzes the SML transport splitter: input bytes in chunk sizes taken from the
// data itself. Every frame handed out must pass check_frame (start, end escape,
// CRC) and lie inside the splitter's buffer; consumed never exceeds the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "joule/meter/sml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::span<const std::uint8_t> in(data + 1, size - 1);
  std::uint8_t buf[512];
  joule::meter::sml::Splitter split{buf};
  while (!in.empty()) {
    auto part = in.first(in.size() < chunk ? in.size() : chunk);
    while (!part.empty()) {
      const auto r = split.feed(part);
      if (r.consumed > part.size() || r.consumed == 0) std::abort();
      part = part.subspan(r.consumed);
      in = in.subspan(r.consumed);
      if (r.status == joule::meter::FeedStatus::frame) {
        if (r.frame.data() < buf || r.frame.data() + r.frame.size() > buf + sizeof buf) std::abort();
        if (!joule::meter::sml::check_frame(r.frame)) std::abort();
      }
    }
  }
  return 0;
}
