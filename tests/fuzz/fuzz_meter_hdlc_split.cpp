// Fuzzes the DLMS HDLC splitter and frame parser: chunked feeding with sizes
// from the data; every frame handed out must parse (HCS/FCS verified) and lie
// inside the splitter's buffer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "joule/meter/dlms.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::span<const std::uint8_t> in(data + 1, size - 1);
  std::uint8_t buf[600];
  joule::meter::dlms::HdlcSplitter split{buf};
  while (!in.empty()) {
    auto part = in.first(in.size() < chunk ? in.size() : chunk);
    while (!part.empty()) {
      const auto r = split.feed(part);
      if (r.consumed > part.size() || r.consumed == 0) std::abort();
      part = part.subspan(r.consumed);
      in = in.subspan(r.consumed);
      if (r.status == joule::meter::FeedStatus::frame) {
        if (r.frame.data() < buf || r.frame.data() + r.frame.size() > buf + sizeof buf) std::abort();
        if (!joule::meter::dlms::parse_hdlc(r.frame)) std::abort();
      }
    }
  }
  (void)joule::meter::dlms::parse_hdlc(std::span<const std::uint8_t>(data, size));
  return 0;
}
