// joule's DSMR P1 / IEC 62056-21 splitter + decoder vs a plain memchr line scan of the same
// bytes (the physical floor: find every line and its "("), in one process. The smartmeter-obis
// side runs in node (compare_dsmr.js); compare_dsmr.sh prints the ratios.
//   compare_dsmr FILE...   (files under dsmr/ decode as DSMR, others as IEC 62056-21)
#include <ctime>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "joule/meter/dsmr.hpp"
#include "joule/meter/iec62056_21.hpp"

using namespace joule;
using namespace joule::meter;

namespace {
struct Input {
  std::vector<std::uint8_t> bytes;
  bool d0;
};
volatile std::size_t g_sink = 0;

// CPU time of this process (the machine may be shared: wall time would measure the load).
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <class F>
double seconds_per_round(F&& round) {
  round();  // warm up
  std::size_t rounds = 0;
  const double t0 = cpu_seconds();
  double elapsed = 0;
  do {
    round();
    ++rounds;
    elapsed = cpu_seconds() - t0;
  } while (elapsed < 1.0);
  return elapsed / static_cast<double>(rounds);
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<Input> inputs;
  std::size_t total = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    Input in{{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()},
             std::string(argv[i]).find("iec62056-21") != std::string::npos};
    total += in.bytes.size();
    inputs.push_back(std::move(in));
  }
  static std::uint8_t buf[16384];
  static FixedVector<Reading, 512> readings;
  std::size_t values = 0;
  const double joule_s = seconds_per_round([&] {
    values = 0;
    for (const auto& in : inputs) {
      auto on_frame = [&](std::span<const std::uint8_t> frame) {
        readings.clear();
        Telegram t{readings};
        const bool ok = in.d0 ? iec62056_21::decode(frame, t, {.verify_bcc = false}).has_value()  // checked by the splitter
                              : dsmr::decode(frame, t, {.verify_crc = false}).has_value();  // the splitter checked it
        if (ok) values += readings.size();
      };
      if (in.d0) {
        iec62056_21::Splitter s{buf, false};
        feed_all(s, in.bytes, on_frame, [](const Error&) {});
        auto r = s.flush();
        if (r.status == FeedStatus::frame) on_frame(r.frame);
      } else {
        dsmr::Splitter s{buf};
        feed_all(s, in.bytes, on_frame, [](const Error&) {});
      }
    }
    g_sink = g_sink + values;
  });
  std::size_t lines = 0;
  const double memchr_s = seconds_per_round([&] {
    lines = 0;
    for (const auto& in : inputs) {
      const auto* p = in.bytes.data();
      const auto* end = p + in.bytes.size();
      while (p < end) {
        const auto* nl = static_cast<const std::uint8_t*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        const auto* line_end = nl ? nl : end;
        if (std::memchr(p, '(', static_cast<std::size_t>(line_end - p)) != nullptr) ++lines;
        p = line_end + 1;
      }
    }
    g_sink = g_sink + lines;
  });
  std::printf("joule telegrams=%zu values=%zu bytes=%zu seconds_per_pass=%.9f mb_per_s=%.2f\n", inputs.size(), values,
              total, joule_s, static_cast<double>(total) / joule_s / 1e6);
  std::printf("memchr lines=%zu seconds_per_pass=%.9f mb_per_s=%.2f\n", lines, memchr_s,
              static_cast<double>(total) / memchr_s / 1e6);
  return values > 0 ? 0 : 1;
}
