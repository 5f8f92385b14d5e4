// Numerical helpers: Nelder-Mead, normal and t quantiles, robust statistics, AR by Yule-Walker.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "detail.hpp"

namespace joule::forecast::detail {

std::vector<double> nelder_mead(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x0,
                                double step, std::size_t max_iter, double tol) {
  const std::size_t d = x0.size();
  if (d == 0) return x0;
  std::vector<std::vector<double>> s(d + 1, x0);
  std::vector<double> fv(d + 1);
  for (std::size_t i = 0; i < d; ++i) s[i + 1][i] += step;
  for (std::size_t i = 0; i <= d; ++i) fv[i] = f(s[i]);
  std::vector<std::size_t> idx(d + 1);
  std::vector<double> c(d), xr(d), xe(d), xc(d);
  for (std::size_t it = 0; it < max_iter; ++it) {
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return fv[a] < fv[b]; });
    const std::size_t best = idx[0], worst = idx[d], second = idx[d - 1];
    if (std::fabs(fv[worst] - fv[best]) <= tol * (std::fabs(fv[best]) + tol)) break;
    std::fill(c.begin(), c.end(), 0.0);
    for (std::size_t i = 0; i <= d; ++i)
      if (i != worst)
        for (std::size_t k = 0; k < d; ++k) c[k] += s[i][k] / static_cast<double>(d);
    for (std::size_t k = 0; k < d; ++k) xr[k] = c[k] + (c[k] - s[worst][k]);
    const double fr = f(xr);
    if (fr < fv[best]) {
      for (std::size_t k = 0; k < d; ++k) xe[k] = c[k] + 2.0 * (c[k] - s[worst][k]);
      const double fe = f(xe);
      if (fe < fr) {
        s[worst] = xe;
        fv[worst] = fe;
      } else {
        s[worst] = xr;
        fv[worst] = fr;
      }
    } else if (fr < fv[second]) {
      s[worst] = xr;
      fv[worst] = fr;
    } else {
      const bool outside = fr < fv[worst];
      for (std::size_t k = 0; k < d; ++k)
        xc[k] = outside ? c[k] + 0.5 * (xr[k] - c[k]) : c[k] + 0.5 * (s[worst][k] - c[k]);
      const double fc = f(xc);
      if (fc < std::min(fr, fv[worst])) {
        s[worst] = xc;
        fv[worst] = fc;
      } else {
        for (std::size_t i = 0; i <= d; ++i) {
          if (i == best) continue;
          for (std::size_t k = 0; k < d; ++k) s[i][k] = s[best][k] + 0.5 * (s[i][k] - s[best][k]);
          fv[i] = f(s[i]);
        }
      }
    }
  }
  std::size_t b = 0;
  for (std::size_t i = 1; i <= d; ++i)
    if (fv[i] < fv[b]) b = i;
  return s[b];
}

double normal_quantile(double p) {
  if (p <= 0.0) return -std::numeric_limits<double>::infinity();
  if (p >= 1.0) return std::numeric_limits<double>::infinity();
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - 0.02425) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Newton (Halley) refinement step.
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

double t_quantile(double p, double df) {
  // Hill (1970) for the two-sided tail probability, then the sign.
  if (df >= 1e6) return normal_quantile(p);
  const bool upper = p > 0.5;
  const double pp = 2.0 * (upper ? 1.0 - p : p);
  const double n = df;
  double t;
  if (n == 2.0) {
    t = std::sqrt(2.0 / (pp * (2.0 - pp)) - 2.0);
  } else if (n == 1.0) {
    const double a = pp * M_PI / 2.0;
    t = std::cos(a) / std::sin(a);
  } else {
    const double a = 1.0 / (n - 0.5), b = 48.0 / (a * a);
    double c = ((20700.0 * a / b - 98.0) * a - 16.0) * a + 96.36;
    const double d = ((94.5 / (b + c) - 3.0) / b + 1.0) * std::sqrt(a * M_PI / 2.0) * n;
    double x = d * pp, y = std::pow(x, 2.0 / n);
    if (y > 0.05 + a) {
      x = normal_quantile(pp * 0.5);
      y = x * x;
      if (n < 5) c += 0.3 * (n - 4.5) * (x + 0.6);
      c = (((0.05 * d * x - 5.0) * x - 7.0) * x - 2.0) * x + b + c;
      y = (((((0.4 * y + 6.3) * y + 36.0) * y + 94.5) / c - y - 3.0) / b + 1.0) * x;
      y = a * y * y;
      y = y > 0.002 ? std::exp(y) - 1.0 : 0.5 * y * y + y;
    } else {
      y = ((1.0 / (((n + 6.0) / (n * y) - 0.089 * d - 0.822) * (n + 2.0) * 3.0) + 0.5 / (n + 4.0)) * y - 1.0) *
              (n + 1.0) / (n + 2.0) +
          1.0 / y;
    }
    t = std::sqrt(n * y);
  }
  return upper ? t : -t;
}

double quantile_sorted(std::span<const double> s, double p) {
  if (s.empty()) return kNaN;
  const double h = (static_cast<double>(s.size()) - 1.0) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (h - static_cast<double>(lo)) * (s[hi] - s[lo]);
}

double median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return kNaN;
  const std::size_t m = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m), v.end());
  double hi = v[m];
  if (v.size() % 2 == 1) return hi;
  const double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m));
  return 0.5 * (lo + hi);
}

double mad(const std::vector<double>& v, double med) {
  std::vector<double> d;
  d.reserve(v.size());
  for (double x : v)
    if (!std::isnan(x)) d.push_back(std::fabs(x - med));
  return 1.4826 * median(std::move(d));
}

ArFit ar_yule_walker(std::span<const double> x, std::size_t p) {
  ArFit r;
  const std::size_t n = x.size();
  if (n == 0) return r;
  r.mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
  p = std::min(p, n > 1 ? n - 1 : 0);
  std::vector<double> acf(p + 1, 0.0);
  for (std::size_t k = 0; k <= p; ++k) {
    double s = 0.0;
    for (std::size_t t = k; t < n; ++t) s += (x[t] - r.mean) * (x[t - k] - r.mean);
    acf[k] = s / static_cast<double>(n);
  }
  r.phi.assign(p, 0.0);
  if (acf[0] <= 1e-12 * (1.0 + r.mean * r.mean)) {  // constant series: nothing to model
    r.sigma2 = 0.0;
    return r;
  }
  // Levinson-Durbin recursion.
  std::vector<double> a(p + 1, 0.0), prev(p + 1, 0.0);
  double v = acf[0];
  for (std::size_t k = 1; k <= p; ++k) {
    double s = acf[k];
    for (std::size_t j = 1; j < k; ++j) s -= prev[j] * acf[k - j];
    const double kk = s / v;
    a[k] = kk;
    for (std::size_t j = 1; j < k; ++j) a[j] = prev[j] - kk * prev[k - j];
    v *= (1.0 - kk * kk);
    prev = a;
  }
  for (std::size_t j = 0; j < p; ++j) r.phi[j] = a[j + 1];
  r.sigma2 = v * static_cast<double>(n) / static_cast<double>(n > p + 1 ? n - p - 1 : 1);
  return r;
}

void ar_forecast(const ArFit& ar, std::span<const double> x, std::span<double> out) {
  const std::size_t p = ar.phi.size();
  std::vector<double> hist;
  hist.reserve(p + out.size());
  const std::size_t n = x.size();
  for (std::size_t i = n >= p ? n - p : 0; i < n; ++i) hist.push_back(x[i] - ar.mean);
  while (hist.size() < p) hist.insert(hist.begin(), 0.0);
  for (std::size_t h = 0; h < out.size(); ++h) {
    double v = 0.0;
    const std::size_t L = hist.size();
    for (std::size_t j = 0; j < p; ++j) v += ar.phi[j] * hist[L - 1 - j];
    hist.push_back(v);
    out[h] = v + ar.mean;
  }
}

std::vector<double> ar_psi(const ArFit& ar, std::size_t h) {
  std::vector<double> psi(h, 0.0);
  if (h == 0) return psi;
  psi[0] = 1.0;
  for (std::size_t j = 1; j < h; ++j) {
    double s = 0.0;
    for (std::size_t k = 1; k <= ar.phi.size() && k <= j; ++k) s += ar.phi[k - 1] * psi[j - k];
    psi[j] = s;
  }
  return psi;
}

}  // namespace joule::forecast::detail
