// Times joule's wired M-Bus decode (link layer + application layer, every record's value)
// on the same .hex frames as libmbus_bench.c.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "joule/meter/mbus.hpp"

namespace mbus = joule::meter::mbus;

int main(int argc, char** argv) {
  std::vector<std::vector<std::uint8_t>> frames;
  for (int i = 1; i < argc; ++i) {
    std::ifstream f(argv[i]);
    std::stringstream ss;
    ss << f.rdbuf();
    std::vector<std::uint8_t> b;
    int hi = -1;
    for (char c : ss.str()) {
      int v = -1;
      if (c >= '0' && c <= '9') v = c - '0';
      else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
      else continue;
      if (hi < 0) hi = v;
      else { b.push_back(static_cast<std::uint8_t>(hi << 4 | v)); hi = -1; }
    }
    frames.push_back(b);
  }
  const int reps = 4000;
  long records = 0;
  double sink = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) {
    for (const auto& fr : frames) {
      auto f = mbus::parse_frame(fr);
      if (!f) continue;
      auto ud = mbus::parse_user_data(f->ci, f->user_data);
      if (!ud || ud->fixed) continue;
      mbus::RecordReader rd(ud->records, ud->msb_first);
      mbus::Record rec;
      for (;;) {
        auto more = rd.next(rec);
        if (!more || !*more) break;
        ++records;
        if (rec.kind == mbus::RecordKind::number) sink += static_cast<double>(rec.value.mantissa());
      }
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("joule frames=%zu records=%ld frames_per_s=%.0f (sink %g)\n", frames.size(), records / reps,
              static_cast<double>(frames.size()) * reps / s, sink);
  return 0;
}
