// Throughput of the core vocabulary: CRCs over a 1 KiB frame, OBIS and decimal parsing.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>

#include "joule/core/crc.hpp"
#include "joule/core/decimal.hpp"
#include "joule/core/obis.hpp"

namespace {
std::array<std::uint8_t, 1024> frame() {
  std::array<std::uint8_t, 1024> f{};
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return f;
}

void BM_Crc16Arc(benchmark::State& s) {
  const auto f = frame();
  for (auto _ : s) benchmark::DoNotOptimize(joule::crc16_arc(f));
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations()) * static_cast<std::int64_t>(f.size()));
}
BENCHMARK(BM_Crc16Arc);

void BM_Crc16En13757(benchmark::State& s) {
  const auto f = frame();
  for (auto _ : s) benchmark::DoNotOptimize(joule::crc16_en13757(f));
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations()) * static_cast<std::int64_t>(f.size()));
}
BENCHMARK(BM_Crc16En13757);

void BM_ObisParse(benchmark::State& s) {
  for (auto _ : s) benchmark::DoNotOptimize(joule::ObisCode::parse("1-0:21.7.0*255"));
}
BENCHMARK(BM_ObisParse);

void BM_DecimalParse(benchmark::State& s) {
  for (auto _ : s) benchmark::DoNotOptimize(joule::Decimal::parse("001234.567"));
}
BENCHMARK(BM_DecimalParse);
}  // namespace
