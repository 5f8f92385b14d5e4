// joule/forecast/price.hpp: day-ahead electricity prices and their volatility.
//
// Prices can be negative and spike, so nothing here takes a logarithm. The
// price model is a robust (Huber M-estimator, Huber 1964) linear regression
// on hour-of-day and weekday dummies, the price one day and one week
// earlier, and any load/renewable regressors; quantiles come from the
// empirical residual quantiles per hour of day. Volatility is a GARCH(1,1)
// (Bollerslev 1986) fitted by Gaussian maximum likelihood; with
// `garch_intervals` the model fits it to its own residuals and scales the
// quantile offsets by the GARCH h-step standard deviation relative to the
// in-sample average, so intervals widen after volatile days and narrow
// after calm ones.
//
// Example:
//   auto g = joule::forecast::fit_garch11(price_changes);
//   auto var = joule::forecast::garch11_forecast(*g, 24);   // variance 1..24 steps ahead
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/forecast/forecast.hpp"

namespace joule::forecast {

/// GARCH(1,1): r_t = mu + e_t, e_t = sigma_t z_t, sigma_t^2 = omega + alpha e_{t-1}^2 + beta sigma_{t-1}^2.
struct Garch11 {
  double mu = 0.0;
  double omega = 0.0;
  double alpha = 0.0;
  double beta = 0.0;
  double log_likelihood = 0.0;   ///< Gaussian, at the estimate
  std::vector<double> sigma2;    ///< conditional variances, one per observation
  double last_residual = 0.0;    ///< e_n
};

/// Fits by maximum likelihood (sigma_1^2 = sample variance; alpha + beta < 1).
/// Errors: invalid_argument (fewer than 10 values, NaN), numerical.
Result<Garch11> fit_garch11(std::span<const double> returns);
/// Gaussian log-likelihood of the parameters on `returns` (for checks and profile likelihoods).
double garch11_log_likelihood(std::span<const double> returns, double mu, double omega, double alpha, double beta);
/// Conditional variance forecasts for steps 1..horizon after the sample.
std::vector<double> garch11_forecast(const Garch11& fit, std::size_t horizon);

/// Options of the day-ahead price model.
struct PriceModelOptions {
  std::size_t period = 24;       ///< steps per day (24 hourly, 96 quarter-hourly)
  double huber_k = 1.345;        ///< Huber tuning constant in robust sd units
  double ridge_lambda = 1e-3;    ///< small ridge penalty for stability
  /// Scale each quantile's offset from the hour's median residual by
  /// sqrt(sigma2_{n+h} / mean in-sample sigma2) of a GARCH(1,1) fitted to the
  /// model's residuals (h-step variance by the GARCH recursion).
  bool garch_intervals = false;
};

/// The GARCH(1,1) of a price model fitted with `garch_intervals` and the
/// residuals it was fitted to (time order, complete rows only).
struct PriceVolatility {
  Garch11 garch;
  std::vector<double> residuals;
  double mean_sigma2 = 0.0;  ///< average in-sample conditional variance (the scale of the unscaled quantiles)
};

/// The volatility model of a fitted price model. Errors: invalid_argument
/// (not a price model, not fitted, or fitted without garch_intervals).
Result<PriceVolatility> price_volatility(const Model& price_model);

/// A robust day-ahead price model with the common Model interface
/// (regressors optional; when given at fit they are needed at predict).
Result<std::unique_ptr<Model>> make_price_model(const PriceModelOptions& options = {});

}  // namespace joule::forecast
