// Throughput of the meter splitters and decoders on the real frames of the test data:
// per protocol, the splitter over the whole byte stream (frame boundaries + CRC/BCC) and
// the decoder over the frames it handed out (readings with exact values), in bytes/s.
//   bench_meter [--benchmark_filter=Sml]
// DLMS HAN frames come from a source-available collection that is not copied into the
// repository: those benchmarks read ../shared/testdata/meter/dlms/han next to the source
// tree and say so (SkipWithError) when it is absent.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "joule/core/fixed_vector.hpp"
#include "joule/meter/dlms.hpp"
#include "joule/meter/dsmr.hpp"
#include "joule/meter/iec62056_21.hpp"
#include "joule/meter/mbus.hpp"
#include "joule/meter/sml.hpp"

namespace {
namespace fs = std::filesystem;
namespace meter = joule::meter;
using Bytes = std::vector<std::uint8_t>;

const fs::path kData = fs::path(JOULE_SOURCE_DIR) / "tests" / "data" / "meter";
const fs::path kShared = fs::path(JOULE_SOURCE_DIR).parent_path() / "shared" / "testdata" / "meter";

std::vector<fs::path> files(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

Bytes read_binary(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// The test data's .hex form: hex digit pairs, any separators.
Bytes read_hex(const fs::path& p) {
  Bytes b;
  int hi = -1;
  for (char c : read_binary(p)) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (hi < 0) {
      hi = v;
    } else {
      b.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return b;
}

// All files of a directory as one stream (what a serial port would deliver, back to back).
Bytes stream_of(const std::vector<fs::path>& paths) {
  Bytes all;
  for (const auto& p : paths) {
    const Bytes b = read_binary(p);
    all.insert(all.end(), b.begin(), b.end());
  }
  return all;
}

std::size_t total_size(const std::vector<Bytes>& frames) {
  std::size_t n = 0;
  for (const auto& f : frames) n += f.size();
  return n;
}

// Splits `stream` once (outside the timing) and keeps copies of the frames.
template <class Splitter>
std::vector<Bytes> split_all(Splitter& s, const Bytes& stream) {
  std::vector<Bytes> out;
  meter::feed_all(
      s, stream, [&](std::span<const std::uint8_t> f) { out.emplace_back(f.begin(), f.end()); },
      [](const joule::Error&) {});
  return out;
}

template <class Splitter>
void run_split(benchmark::State& state, Splitter& s, const Bytes& stream) {
  std::size_t frames = 0;
  for (auto _ : state) {
    s.reset();
    frames = 0;
    meter::feed_all(
        s, stream, [&](std::span<const std::uint8_t>) { ++frames; }, [](const joule::Error&) {});
    benchmark::DoNotOptimize(frames);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
  state.counters["frames"] = static_cast<double>(frames);
}

template <class Decode>
void run_decode(benchmark::State& state, const std::vector<Bytes>& frames, Decode&& decode) {
  static joule::FixedVector<meter::Reading, 512> readings;
  std::size_t values = 0;
  for (auto _ : state) {
    values = 0;
    for (const auto& f : frames) {
      readings.clear();
      meter::Telegram t{readings};
      if (decode(std::span<const std::uint8_t>(f), t)) values += readings.size();
    }
    benchmark::DoNotOptimize(values);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_size(frames)));
  state.counters["readings"] = static_cast<double>(values);
  state.counters["readings/s"] =
      benchmark::Counter(static_cast<double>(values), benchmark::Counter::kIsIterationInvariantRate);
}

// ------------------------------------------------------------------ DSMR P1

const Bytes& dsmr_stream() {
  static const Bytes b = stream_of(files(kData / "dsmr", ".txt"));
  return b;
}

void BM_DsmrSplit(benchmark::State& state) {
  static std::uint8_t buf[16384];
  meter::dsmr::Splitter s{buf};
  run_split(state, s, dsmr_stream());
}
BENCHMARK(BM_DsmrSplit);

void BM_DsmrDecode(benchmark::State& state) {
  static std::uint8_t buf[16384];
  meter::dsmr::Splitter s{buf};
  const auto frames = split_all(s, dsmr_stream());
  run_decode(state, frames, [](std::span<const std::uint8_t> f, meter::Telegram& t) {
    return meter::dsmr::decode(f, t).has_value();  // CRC verified again: decode() on its own
  });
}
BENCHMARK(BM_DsmrDecode);

// ------------------------------------------------------------------ IEC 62056-21 (D0)

const Bytes& d0_stream() {
  static const Bytes b = stream_of(files(kData / "iec62056-21", ".txt"));
  return b;
}

void BM_D0Split(benchmark::State& state) {
  static std::uint8_t buf[16384];
  meter::iec62056_21::Splitter s{buf};
  run_split(state, s, d0_stream());
}
BENCHMARK(BM_D0Split);

void BM_D0Decode(benchmark::State& state) {
  static std::uint8_t buf[16384];
  meter::iec62056_21::Splitter s{buf};
  auto frames = split_all(s, d0_stream());
  auto last = s.flush();  // a readout without ETX/BCC at the very end
  if (last.status == meter::FeedStatus::frame) frames.emplace_back(last.frame.begin(), last.frame.end());
  run_decode(state, frames, [](std::span<const std::uint8_t> f, meter::Telegram& t) {
    return meter::iec62056_21::decode(f, t).has_value();
  });
}
BENCHMARK(BM_D0Decode);

// ------------------------------------------------------------------ SML

const Bytes& sml_stream() {
  static const Bytes b = [] {
    auto paths = files(kShared / "sml" / "streams", ".bin");  // the full 1,398-frame corpus when present
    if (paths.empty()) paths = files(kData / "sml" / "streams", ".bin");
    return stream_of(paths);
  }();
  return b;
}

void BM_SmlSplit(benchmark::State& state) {
  static std::uint8_t buf[4096];
  meter::sml::Splitter s{buf};
  run_split(state, s, sml_stream());
}
BENCHMARK(BM_SmlSplit);

void BM_SmlDecode(benchmark::State& state) {
  static std::uint8_t buf[4096];
  meter::sml::Splitter s{buf};
  const auto frames = split_all(s, sml_stream());
  run_decode(state, frames, [](std::span<const std::uint8_t> f, meter::Telegram& t) {
    static std::uint8_t scratch[1024];
    return meter::sml::decode_verified(f, t, scratch).has_value();  // the splitter checked the CRC
  });
}
BENCHMARK(BM_SmlDecode);

// ------------------------------------------------------------------ DLMS/COSEM (HDLC, HAN ports)

const std::vector<Bytes>& han_units() {
  static const std::vector<Bytes> units = [] {
    std::vector<Bytes> out;
    for (const auto& p : files(kShared / "dlms" / "han", ".hex")) out.push_back(read_hex(p));
    return out;
  }();
  return units;
}

void BM_DlmsHdlcSplit(benchmark::State& state) {
  if (han_units().empty()) return state.SkipWithError("skipped: ../shared/testdata/meter/dlms/han not present");
  Bytes stream;
  for (const auto& u : han_units())
    if (!u.empty() && u[0] == 0x7E) stream.insert(stream.end(), u.begin(), u.end());
  static std::uint8_t buf[4096];
  meter::dlms::HdlcSplitter s{buf};
  run_split(state, s, stream);
}
BENCHMARK(BM_DlmsHdlcSplit);

void BM_DlmsDecode(benchmark::State& state) {
  if (han_units().empty()) return state.SkipWithError("skipped: ../shared/testdata/meter/dlms/han not present");
  run_decode(state, han_units(), [](std::span<const std::uint8_t> f, meter::Telegram& t) {
    static std::uint8_t scratch[4096];
    return meter::dlms::decode(f, t, scratch).has_value();  // unencrypted units; the rest fail fast
  });
}
BENCHMARK(BM_DlmsDecode);

// ------------------------------------------------------------------ wired M-Bus

void BM_MbusDecode(benchmark::State& state) {
  static const std::vector<Bytes> frames = [] {
    std::vector<Bytes> out;
    for (const auto& p : files(kData / "mbus" / "frames", ".hex")) out.push_back(read_hex(p));
    return out;
  }();
  std::size_t records = 0;
  for (auto _ : state) {
    records = 0;
    for (const auto& fr : frames) {
      auto f = meter::mbus::parse_frame(fr);
      if (!f) continue;
      auto ud = meter::mbus::parse_user_data(f->ci, f->user_data);
      if (!ud || ud->fixed) continue;
      meter::mbus::RecordReader rd(ud->records, ud->msb_first);
      meter::mbus::Record rec;
      for (;;) {
        auto more = rd.next(rec);
        if (!more || !*more) break;
        ++records;
      }
    }
    benchmark::DoNotOptimize(records);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_size(frames)));
  state.counters["records"] = static_cast<double>(records);
}
BENCHMARK(BM_MbusDecode);

}  // namespace
