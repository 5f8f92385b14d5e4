// Internal helpers of the forecast module (not installed).
#pragma once

#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "joule/forecast/forecast.hpp"

namespace joule::forecast::detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Nelder-Mead minimisation of f over R^d (unconstrained; callers map
/// bounded parameters through a logistic). Returns the best point.
std::vector<double> nelder_mead(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x0,
                                double step = 0.5, std::size_t max_iter = 400, double tol = 1e-8);

inline double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double logit(double p) { return std::log(p / (1.0 - p)); }

/// Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9 after one Newton step).
double normal_quantile(double p);
/// Standard normal CDF.
inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
/// Student t quantile with df degrees of freedom (Hill 1970, ACM Alg. 396).
double t_quantile(double p, double df);

/// Empirical quantile with linear interpolation (R type 7) of sorted data.
double quantile_sorted(std::span<const double> sorted, double p);
/// Median of a copy of v (NaN ignored; NaN when empty).
double median(std::vector<double> v);
/// Median absolute deviation scaled by 1.4826 (consistent for the normal).
double mad(const std::vector<double>& v, double med);

/// AR(p) by Yule-Walker (Levinson-Durbin) on x - mean. phi has p entries.
struct ArFit {
  double mean = 0.0;
  std::vector<double> phi;
  double sigma2 = 0.0;  ///< innovation variance
};
ArFit ar_yule_walker(std::span<const double> x, std::size_t p);
/// h-step AR forecasts from the end of x.
void ar_forecast(const ArFit& ar, std::span<const double> x, std::span<double> out);
/// psi weights of the MA(inf) form (psi_0 = 1), for h-step variances.
std::vector<double> ar_psi(const ArFit& ar, std::size_t h);

/// Loess kernels of the edge and short-subseries STL evaluations, shared by
/// decompositions (not thread-safe: one per fit).
struct KernelCache;
std::shared_ptr<KernelCache> make_kernel_cache();
/// MSTL with a chosen number of STL inner passes (mstl() uses 2, as R's stl)
/// and an optional kernel cache. The cross-validation of `automatic` uses
/// cheaper settings.
Result<MstlResult> mstl_inner(std::span<const double> y, std::span<const std::size_t> periods, std::size_t iterate,
                              std::size_t inner, KernelCache* cache);

}  // namespace joule::forecast::detail
