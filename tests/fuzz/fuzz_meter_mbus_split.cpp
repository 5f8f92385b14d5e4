// Fuzzes the wired M-Bus splitter (EN 13757-2) with chunk sizes taken from the data.
// Every frame handed out must parse (start/stop bytes, L fields, checksum) and lie in the buffer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "joule/meter/mbus.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::span<const std::uint8_t> in(data + 1, size - 1);
  std::uint8_t buf[joule::meter::mbus::kMaxFrameBytes];
  joule::meter::mbus::Splitter split{buf};
  int idle = 0;
  while (!in.empty()) {
    auto part = in.first(in.size() < chunk ? in.size() : chunk);
    const auto r = split.feed(part);
    if (r.consumed > part.size()) std::abort();
    in = in.subspan(r.consumed);
    if (r.status == joule::meter::FeedStatus::frame) {
      if (r.frame.data() < buf || r.frame.data() + r.frame.size() > buf + sizeof buf) std::abort();
      if (!joule::meter::mbus::parse_frame(r.frame)) std::abort();
    }
    idle = r.consumed == 0 && r.status == joule::meter::FeedStatus::need_more ? idle + 1 : 0;
    if (idle > 2) std::abort();  // no progress
  }
  return 0;
}
