// Fuzzes the IEC 62056-21 splitter, decoder and mode C session. Mode (first byte): bit 0 =
// recompute the BCC after the first ETX so the fuzzer gets past it; bits 1-6 = chunk size.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "joule/meter/iec62056_21.hpp"

using namespace joule;
using namespace joule::meter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool fixup = data[0] & 1;
  const std::size_t chunk = 1 + ((data[0] >> 1) & 63);
  std::vector<std::uint8_t> t(data + 1, data + size);
  if (t.empty()) return 0;
  if (fixup) {
    auto* stx = static_cast<std::uint8_t*>(std::memchr(t.data(), iec62056_21::kStx, t.size()));
    if (stx != nullptr) {
      const std::size_t s = static_cast<std::size_t>(stx - t.data()) + 1;
      auto* etx = static_cast<std::uint8_t*>(std::memchr(t.data() + s, iec62056_21::kEtx, t.size() - s));
      if (etx != nullptr) {
        const std::size_t e = static_cast<std::size_t>(etx - t.data());
        const std::uint8_t b = iec62056_21::bcc(std::span<const std::uint8_t>(t).subspan(s, e - s + 1));
        if (e + 1 < t.size()) t[e + 1] = b;
        else t.push_back(b);
      }
    }
  }
  static std::uint8_t buf[2048];
  static FixedVector<Reading, 128> readings;
  iec62056_21::Splitter split{buf};
  std::span<const std::uint8_t> in(t);
  auto on_frame = [&](std::span<const std::uint8_t> f) {
    readings.clear();
    Telegram tg{readings};
    auto st = iec62056_21::decode(f, tg);
    if (!st && st.error().code == Errc::checksum_mismatch) std::abort();  // the splitter checked it
  };
  for (std::size_t at = 0; at < in.size(); at += chunk)
    feed_all(split, in.subspan(at, std::min(chunk, in.size() - at)), on_frame, [](const Error&) {});
  auto fl = split.flush();
  if (fl.status == FeedStatus::frame) on_frame(fl.frame);
  readings.clear();
  Telegram whole{readings};
  (void)iec62056_21::decode(t, whole);

  // The session, answered with the fuzzer's bytes.
  // One input byte picks readout, programming mode (with commands) or mode E.
  const std::uint8_t mode = in.empty() ? 0 : in[0] % 3;
  static std::uint8_t rx[1024];
  iec62056_21::ModeCSession s{rx, {.max_baud = 9600, .mode_control = mode == 1 ? '1' : '0', .hdlc_if_offered = mode == 2}};
  auto step = s.start();
  int commands = 0;
  for (int guard = 0; guard < 64 && step.action != iec62056_21::Action::done && step.action != iec62056_21::Action::failed;
       ++guard) {
    switch (step.action) {
      case iec62056_21::Action::set_baud: step = s.on_baud_set(); break;
      case iec62056_21::Action::send: step = s.on_sent(); break;
      case iec62056_21::Action::receive:
        if (in.empty()) step = s.on_timeout();
        else {
          const auto piece = in.first(std::min(chunk, in.size()));
          in = in.subspan(piece.size());
          step = s.on_received(piece);
        }
        break;
      case iec62056_21::Action::ready: {
        // Programming mode: read, write, then break.
        static constexpr iec62056_21::Command kOrder[] = {iec62056_21::Command::p1, iec62056_21::Command::r1,
                                                          iec62056_21::Command::w1, iec62056_21::Command::b0};
        const auto c = kOrder[std::min(commands++, 3)];
        step = s.command(c, c == iec62056_21::Command::b0 ? std::string_view{} : std::string_view("1.8.0()"));
        break;
      }
      default: break;
    }
  }
  if (step.action == iec62056_21::Action::done) {
    readings.clear();
    Telegram tg{readings};
    (void)iec62056_21::decode(s.readout(), tg);
  }
  return 0;
}
