#include <cstdio>

#include "joule/core/obis.hpp"
#include "joule/timeseries.hpp"
#include "joule/version.hpp"

int main() {
  auto c = joule::ObisCode::parse("1-0:1.8.0");
  auto ts = joule::TimeSeries::make(0, 900, {1, 2, 3, 4});
  auto h = ts->resample(3600, joule::Aggregation::mean);
  std::printf("consumer (static) of joule %s: C=%d mean=%.2f\n", joule::kVersion, c->c(), (*h)[0]);
  return (c && (*h)[0] == 2.5) ? 0 : 1;
}
