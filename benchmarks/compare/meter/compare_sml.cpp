// Times joule's SML splitter + decoder and libsml (through libsml_harness.c) on
// the same SML streams in one run, and prints frames/s, MB/s and ratio= lines.
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "joule/core/fixed_vector.hpp"
#include "joule/meter/sml.hpp"

extern "C" std::size_t libsml_decode_frames(const unsigned char* bytes, const std::size_t* offsets,
                                            const std::size_t* lengths, std::size_t n, double* checksum);

namespace {
// CPU time of this process: the machine may be shared, and wall time would measure the load.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Corpus {
  std::vector<std::uint8_t> bytes;
  std::vector<std::size_t> offsets, lengths;
};

// joule over the whole byte stream: split (find frames, check CRC) and decode each frame.
std::size_t joule_decode(const Corpus& c, double* checksum, std::size_t* frames) {
  static std::uint8_t buf[4096];
  static std::uint8_t scratch[1024];
  joule::meter::sml::Splitter split{buf};
  joule::FixedVector<joule::meter::Reading, 64> rs;
  std::size_t values = 0;
  double sum = 0;
  std::span<const std::uint8_t> in(c.bytes);
  *frames = 0;
  while (!in.empty()) {
    const auto r = split.feed(in);
    in = in.subspan(r.consumed);
    if (r.status != joule::meter::FeedStatus::frame) continue;
    rs.clear();
    joule::meter::Telegram t{rs};
    if (!joule::meter::sml::decode_verified(r.frame, t, scratch)) continue;  // the splitter checked the CRC
    ++*frames;
    for (const auto& x : rs)
      if (x.kind == joule::meter::ValueKind::number) {
        sum += x.number.to_double();
        ++values;
      }
  }
  *checksum = sum;
  return values;
}
}  // namespace

int main(int argc, char** argv) {
  Corpus c;
  for (int i = 1; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    std::vector<std::uint8_t> b{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    c.bytes.insert(c.bytes.end(), b.begin(), b.end());
  }
  // Frame offsets for the libsml side (joule finds them itself while timing).
  {
    static std::uint8_t buf[4096];
    joule::meter::sml::Splitter split{buf};
    std::size_t pos = 0;
    while (pos < c.bytes.size()) {
      const auto r = split.feed(std::span<const std::uint8_t>(c.bytes).subspan(pos));
      pos += r.consumed;
      if (r.status == joule::meter::FeedStatus::frame) {
        c.offsets.push_back(pos - r.frame.size());
        c.lengths.push_back(r.frame.size());
      }
    }
  }
  const std::size_t n = c.offsets.size();
  std::printf("corpus: %zu bytes, %zu SML frames\n", c.bytes.size(), n);
  double cs_j = 0, cs_l = 0;
  std::size_t frames_j = 0;
  const std::size_t vals_j = joule_decode(c, &cs_j, &frames_j);
  const std::size_t vals_l = libsml_decode_frames(c.bytes.data(), c.offsets.data(), c.lengths.data(), n, &cs_l);
  std::printf("values: joule %zu (sum %.1f) libsml %zu (sum %.1f), joule frames %zu\n", vals_j, cs_j, vals_l, cs_l, frames_j);
  if (vals_j != vals_l || frames_j != n) {
    std::printf("MISMATCH between joule and libsml\n");
    return 1;
  }
  auto time = [&](auto fn) {
    double best = 1e30;
    for (int rep = 0; rep < 7; ++rep) {
      const double t0 = cpu_seconds();
      int iters = 0;
      do {
        fn();
        ++iters;
      } while (cpu_seconds() - t0 < 0.3);
      best = std::min(best, (cpu_seconds() - t0) / iters);
    }
    return best;
  };
  volatile double sink = 0;
  const double tj = time([&] {
    double s;
    std::size_t fr;
    joule_decode(c, &s, &fr);
    sink = sink + s;
  });
  const double tl = time([&] {
    double s;
    libsml_decode_frames(c.bytes.data(), c.offsets.data(), c.lengths.data(), n, &s);
    sink = sink + s;
  });
  const double mb = static_cast<double>(c.bytes.size()) / 1e6;
  std::printf("joule  : %10.0f frames/s %8.1f MB/s (split + CRC + decode)\n", n / tj, mb / tj);
  std::printf("libsml : %10.0f frames/s %8.1f MB/s (CRC + parse of pre-split frames)\n", n / tl, mb / tl);
  std::printf("ratio=%.1f (joule frames/s / libsml frames/s, target >= 10)\n", tl / tj);
  return 0;
}
