// joule/forecast/forecast.hpp: probabilistic forecasting models with one interface.
//
// Every model is fitted on a regular `joule::TimeSeries` (NaN allowed: short
// gaps are interpolated, the model reports nothing silently) and predicts a
// point path plus quantile paths. Intervals are analytic where the model has
// a closed form (seasonal naive, ETS classes 1-2, AR remainders) and otherwise
// come from split-conformal calibration: the fitted model is re-run from
// rolling origins inside the training data and the empirical quantiles of its
// h-step errors (pooled over neighbouring leads) become the interval offsets.
//
// Models: seasonal naive (any period), ETS (A|M,N|A|Ad,N|A|M) by maximum
// likelihood, Taylor (2003) double-seasonal Holt-Winters with AR(1) error
// adjustment, MSTL decomposition (Bandara, Hyndman & Bergmeir 2021; STL of
// Cleveland et al. 1990) plus a remainder model, ridge and quantile
// regression on calendar/Fourier/weather features, and `automatic`, which
// chooses among candidates by rolling-origin cross-validation.
//
// Example:
//   auto y = joule::TimeSeries::make(t0, 1800, load_mw);            // half-hourly
//   auto m = joule::forecast::make_model({.kind = joule::forecast::ModelKind::automatic});
//   JOULE_RETURN_IF_ERROR((*m)->fit(*y));
//   auto fc = (*m)->predict(48, std::vector<double>{0.1, 0.5, 0.9});
//   // fc->mean[h], fc->quantiles[j][h] for level fc->levels[j]
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/timeseries.hpp"

namespace joule::forecast {

/// A probabilistic forecast: a point path and one path per quantile level.
struct Forecast {
  std::int64_t start_s = 0;                  ///< start of the first forecast interval (UTC s)
  std::int64_t step_s = 0;                   ///< step [s]
  std::vector<double> mean;                  ///< point forecast, one value per step
  std::vector<double> levels;                ///< quantile levels in (0, 1), ascending
  std::vector<std::vector<double>> quantiles;  ///< quantiles[j][h] at levels[j]

  /// The path of one quantile level (exact match within 1e-9). Errors: not_found.
  Result<std::span<const double>> quantile(double level) const;
};

/// Regressors (features) as columns of equal length, one row per time step.
struct Features {
  std::vector<std::string> names;            ///< column names
  std::vector<std::vector<double>> columns;  ///< columns[c][row]
  /// Number of rows (0 when there are no columns).
  std::size_t rows() const noexcept { return columns.empty() ? 0 : columns.front().size(); }
};

/// Which model.
enum class ModelKind : std::uint8_t {
  seasonal_naive,       ///< value one season ago (period = periods.back())
  ets,                  ///< exponential smoothing (additive or multiplicative error/season), form by AICc
  dshw,                 ///< Taylor (2003) double-seasonal Holt-Winters with AR(1) error adjustment
  mstl,                 ///< MSTL decomposition + remainder model (see Remainder)
  ridge,                ///< ridge regression on calendar, Fourier and user features
  quantile_regression,  ///< linear quantile regression (one fit per level) on the same features
  automatic,            ///< rolling-origin cross-validation over mstl variants and seasonal naive
};

/// Model of the seasonally adjusted series in `mstl`.
enum class Remainder : std::uint8_t {
  naive,     ///< last value (random walk), as forecast::stlf's ETS(A,N,N) with alpha near 1
  ar,        ///< AR(ar_order) by Yule-Walker: mean reverting
  ets,       ///< ETS(A,N,N)/(A,Ad,N) by maximum likelihood, AICc choice
  combined,  ///< average of the naive and AR forecasts
};

/// How prediction intervals are made.
enum class Intervals : std::uint8_t {
  automatic,  ///< conformal for automatic/mstl/dshw, analytic where the model has them otherwise
  analytic,   ///< Gaussian from the model's h-step variance (error when the model has none)
  conformal,  ///< empirical h-step error quantiles from rolling origins inside the training data
};

/// Options of every model (aggregate with defaults; validated by make_model).
struct ModelOptions {
  ModelKind kind = ModelKind::automatic;
  /// Seasonal periods in steps, ascending (e.g. {48, 336} for half-hourly
  /// load). Empty: one day and one week of the series' step when the step
  /// divides a day, else none.
  std::vector<std::size_t> periods;
  Remainder remainder = Remainder::combined;  ///< mstl only
  std::size_t ar_order = 10;                  ///< AR order of the remainder model
  bool ets_allow_trend = true;                ///< ets: also try (A,A,N) and (A,Ad,N)
  bool ets_seasonal = false;                  ///< ets: additive seasonality with periods.front()
  /// ets: the forms to try, as R's forecast::ets(model =): error A|M|Z,
  /// trend N|A|Ad|Z, season N|A|M|Z (Z: choose by AICc), e.g. "ZZZ", "MAdM"
  /// or "M,Ad,M"; seasonality uses periods.front(). Multiplicative forms need
  /// strictly positive data; additive error with multiplicative season is
  /// refused (infinite variance). Empty: from ets_allow_trend/ets_seasonal.
  std::string ets_form;
  double ridge_lambda = 1.0;                  ///< ridge penalty (features are standardised)
  std::size_t fourier_k = 6;                  ///< Fourier harmonics per period (regression models)
  Intervals intervals = Intervals::automatic;
  std::size_t calibration_origins = 12;       ///< rolling origins for conformal calibration / CV
  std::size_t calibration_horizon = 0;        ///< 0: the largest period (one week for load)
  bool non_negative = false;                  ///< clip mean and quantiles at 0 (PV, load)
  std::size_t max_gap = 0;                    ///< longest NaN run interpolated (0: periods.front())
};

/// A forecasting model: fit on history, predict a horizon with quantiles.
/// Thread-compatible: predict() is const and may run concurrently.
class Model {
 public:
  virtual ~Model() = default;
  /// Fits on `y` (regular series; NaN gaps up to max_gap interpolated, longer
  /// gaps are an error at their first index). `x`: regressors aligned with y
  /// (regression models only; others ignore it). Errors: invalid_argument,
  /// numerical.
  virtual Status fit(const TimeSeries& y, const Features* x = nullptr) = 0;
  /// Forecast `horizon` steps after the end of the fitted series with the
  /// given quantile levels (each in (0, 1)). `future`: regressors for the
  /// horizon (required when the model was fitted with regressors).
  /// Errors: invalid_argument (not fitted, bad level, missing regressors).
  virtual Result<Forecast> predict(std::size_t horizon, std::span<const double> levels,
                                   const Features* future = nullptr) const = 0;
  /// Model name with its chosen form ("mstl+ar(10)", "ets(A,Ad,N)").
  virtual std::string description() const = 0;
  /// An independent copy (fitted state included).
  virtual std::unique_ptr<Model> clone() const = 0;
};

/// Creates a model. Errors: invalid_argument for a bad option field.
Result<std::unique_ptr<Model>> make_model(const ModelOptions& options);

/// Parses "auto", "snaive", "ets", "dshw", "mstl", "ridge", "qreg". Errors: invalid_argument.
Result<ModelKind> parse_model_kind(std::string_view name);

/// As parse_model_kind, and also "ets(FORM)" (sets kind = ets and ets_form,
/// e.g. "ets(M,Ad,M)", "ets(ZZZ)"). Errors: invalid_argument.
Status parse_model(std::string_view name, ModelOptions& options);

/// One-call helper: fit `options` on y and predict.
Result<Forecast> fit_predict(const TimeSeries& y, std::size_t horizon, std::span<const double> levels,
                             const ModelOptions& options = {}, const Features* x = nullptr,
                             const Features* future = nullptr);

/// Batch over many series of equal length on one time grid (rows of a
/// row-major matrix `values` of n_series x n_steps). Output: means
/// (n_series x horizon) and quantiles (n_series x levels x horizon), row-major.
/// Uses `threads` worker threads (0: hardware concurrency). A series that
/// fails leaves NaN in its rows and its index in `failed`.
struct BatchResult {
  std::vector<double> mean;
  std::vector<double> quantiles;
  std::vector<std::size_t> failed;
};
Result<BatchResult> forecast_batch(std::span<const double> values, std::size_t n_series, std::int64_t start_s,
                                   std::int64_t step_s, std::size_t horizon, std::span<const double> levels,
                                   const ModelOptions& options = {}, std::size_t threads = 1);

/// STL decomposition (Cleveland et al. 1990, the algorithm of R's stats::stl
/// with robust = FALSE): seasonal and trend of `y` (no NaN) for one period.
/// `s_window` odd >= 3; t_window 0 = R's default nextodd(1.5 p / (1 - 1.5 / s_window)).
struct StlResult {
  std::vector<double> seasonal, trend, remainder;
};
Result<StlResult> stl(std::span<const double> y, std::size_t period, std::size_t s_window,
                      std::size_t t_window = 0, std::size_t inner = 2);

/// MSTL (Bandara, Hyndman & Bergmeir 2021; R forecast::mstl): one seasonal
/// component per period (ascending), iterated `iterate` times; s.window 7 + 4i.
struct MstlResult {
  std::vector<std::vector<double>> seasonal;  ///< one per period
  std::vector<double> trend, remainder;
};
Result<MstlResult> mstl(std::span<const double> y, std::span<const std::size_t> periods, std::size_t iterate = 2);

}  // namespace joule::forecast
