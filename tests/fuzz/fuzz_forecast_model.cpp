// Fuzzes model fitting and anomaly detection with arbitrary values (NaN,
// infinities, huge magnitudes, constant runs): every call must return a
// Result, never crash or hang. Byte 0 picks the model, byte 1 the step; the
// rest are doubles (8 bytes each, at most 1500).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "joule/forecast/anomaly.hpp"
#include "joule/forecast/forecast.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  namespace fc = joule::forecast;
  const fc::ModelKind kinds[] = {fc::ModelKind::automatic, fc::ModelKind::seasonal_naive, fc::ModelKind::ets,
                                 fc::ModelKind::dshw,      fc::ModelKind::mstl,           fc::ModelKind::ridge};
  const std::int64_t steps[] = {1800, 3600, 900, 7200};
  const fc::ModelKind kind = kinds[data[0] % 6];
  const std::int64_t step = steps[data[1] % 4];
  std::vector<double> y;
  for (std::size_t i = 2; i + 8 <= size && y.size() < 1500; i += 8) {
    double v;
    std::memcpy(&v, data + i, 8);
    y.push_back(v);
  }
  auto ts = joule::TimeSeries::make(0, step, y);
  if (!ts) return 0;
  const double lv[] = {0.1, 0.9};
  fc::ModelOptions o{.kind = kind, .calibration_origins = 3};
  auto f = fc::fit_predict(*ts, 8, lv, o);
  if (f && f->mean.size() != 8) __builtin_trap();
  auto a = fc::detect_anomalies(*ts, {.period = 4});
  (void)a;
  return 0;
}
