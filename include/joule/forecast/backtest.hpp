// joule/forecast/backtest.hpp: forecast accuracy metrics and rolling-origin backtests.
//
// Metrics follow Hyndman & Koehler (2006) for MAPE and MASE, Gneiting &
// Raftery (2007) for the pinball (quantile) loss, and Winkler (1972) for the
// interval score: width + (2 / alpha) x exceedance.
//
// Example:
//   auto r = joule::forecast::backtest(load, {.kind = ModelKind::automatic},
//                                      {.initial = 2688, .horizon = 48, .stride = 48});
//   std::printf("MAPE %.2f %%, 80%% coverage %.1f %%\n", r->mape, r->intervals[1].coverage);
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/forecast/forecast.hpp"
#include "joule/timeseries.hpp"

namespace joule::forecast {

/// Mean absolute percentage error [%] over pairs with actual != 0. Errors: invalid_argument (length, none valid).
Result<double> mape(std::span<const double> actual, std::span<const double> forecast);
/// Mean absolute scaled error: MAE / in-sample MAE of the seasonal naive with period m.
Result<double> mase(std::span<const double> actual, std::span<const double> forecast, std::span<const double> insample,
                    std::size_t m);
/// Mean pinball loss of a quantile path at level tau in (0, 1).
Result<double> pinball(std::span<const double> actual, std::span<const double> quantile, double tau);
/// Share of actual values inside [lo, hi] [%].
Result<double> coverage(std::span<const double> actual, std::span<const double> lo, std::span<const double> hi);
/// Mean Winkler score of the central (1 - alpha) interval [lo, hi].
Result<double> winkler(std::span<const double> actual, std::span<const double> lo, std::span<const double> hi,
                       double alpha);

/// Rolling-origin (expanding window) backtest settings.
struct BacktestOptions {
  std::size_t initial = 0;      ///< first origin: training length in steps (> 0)
  std::size_t horizon = 1;      ///< steps forecast from each origin
  std::size_t stride = 1;       ///< steps between origins
  std::size_t max_origins = 0;  ///< 0: as many as fit in the series
  std::vector<double> levels{0.025, 0.1, 0.9, 0.975};  ///< quantile levels (pairs make central intervals)
  std::size_t mase_period = 0;  ///< seasonal naive period for MASE (0: the model's longest period or 1)
};

/// Scores of one central interval (levels[j], levels[last - j]).
struct IntervalScore {
  double nominal = 0.0;   ///< nominal coverage [%]
  double coverage = 0.0;  ///< empirical coverage [%]
  double winkler = 0.0;   ///< mean Winkler score (units of y)
};

/// Backtest outcome, pooled over all (origin, step) pairs.
struct BacktestResult {
  std::vector<std::size_t> origins;   ///< training lengths used
  double mape = 0.0;                  ///< [%]
  double mase = 0.0;                  ///< mean over origins
  std::vector<double> pinball;        ///< per level
  std::vector<IntervalScore> intervals;
  std::vector<Forecast> forecasts;    ///< one per origin
};

/// Refits the model at each origin on all data before it and scores the forecasts.
/// Errors: invalid_argument (no origin fits, bad options), model errors.
Result<BacktestResult> backtest(const TimeSeries& y, const ModelOptions& model, const BacktestOptions& options);

}  // namespace joule::forecast
