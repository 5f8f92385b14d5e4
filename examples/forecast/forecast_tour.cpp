// Forecast half-hourly load with the automatic model, then backtest it.
#include <cmath>
#include <cstdio>
#include <vector>

#include "joule/forecast/backtest.hpp"
#include "joule/forecast/forecast.hpp"

int main() {
  namespace fc = joule::forecast;
  std::vector<double> y(48 * 28);
  for (std::size_t t = 0; t < y.size(); ++t)
    y[t] = 30000.0 + 5000.0 * std::sin(2 * M_PI * static_cast<double>(t % 48) / 48.0) - ((t / 48) % 7 >= 5 ? 3000.0 : 0.0) +
           300.0 * std::sin(static_cast<double>(t) / 97.0);
  auto series = joule::TimeSeries::make(1700000000, 1800, y);
  const double levels[] = {0.1, 0.5, 0.9};
  auto model = fc::make_model({.kind = fc::ModelKind::automatic});
  if (!model || !(*model)->fit(*series)) return 1;
  auto f = (*model)->predict(48, levels);
  if (!f) return 1;
  std::printf("model %s\n", (*model)->description().c_str());
  for (std::size_t h = 0; h < 48; h += 12)
    std::printf("step %2zu: mean %.0f, 80%% interval [%.0f, %.0f]\n", h, f->mean[h], f->quantiles[0][h], f->quantiles[2][h]);
  auto bt = fc::backtest(*series, {.kind = fc::ModelKind::mstl}, {.initial = 48 * 21, .horizon = 48, .stride = 48});
  if (!bt) return 1;
  std::printf("backtest: %zu origins, MAPE %.2f %%, 80%% coverage %.1f %%\n", bt->origins.size(), bt->mape,
              bt->intervals[1].coverage);
  return 0;
}
