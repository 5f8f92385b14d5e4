// STL and MSTL decompositions.
//
// STL follows Cleveland, Cleveland, McRae & Terpenning (1990), "STL: A
// Seasonal-Trend Decomposition Procedure Based on Loess", J. Official
// Statistics 6(1), 3-73: inner loop steps 1-6 of section 2, with the
// defaults R's stats::stl uses (s.degree 0, t.degree = l.degree = 1,
// l.window = nextodd(period), jumps ceil(window / 10), no robustness loop).
// MSTL follows Bandara, Hyndman & Bergmeir (2021), arXiv:2107.13462, as in
// R forecast::mstl (s.window = 7 + 4 i, two iterations).
#include <algorithm>
#include <array>
#include <memory>
#include <cmath>
#include <vector>

#include "detail.hpp"
#include "joule/forecast/forecast.hpp"

namespace joule::forecast {
namespace detail {
struct KernelCache;
}
using detail::KernelCache;
namespace {

std::size_t next_odd(double x) {
  auto v = static_cast<std::size_t>(std::ceil(x));
  return v % 2 == 0 ? v + 1 : v;
}

// Loess estimate at position xs (1-based, as in the paper's notation) from
// y[nleft..nright] (1-based, inclusive). Returns false when all weights vanish.
bool loess_at(const double* y, std::size_t n, std::size_t len, int degree, double xs, double& ys,
              std::size_t nleft, std::size_t nright, double* /*w*/) {
  // One pass over the window accumulating the weighted moments; the same
  // estimate as the two-step form of the paper (normalised tricube weights,
  // then the local-linear correction), with offsets u = j - xs for accuracy.
  const double range = static_cast<double>(n) - 1.0;
  double h = std::max(xs - static_cast<double>(nleft), static_cast<double>(nright) - xs);
  if (len > n) h += static_cast<double>((len - n) / 2);
  const double h9 = 0.999 * h, h1 = 0.001 * h, inv_h = h > 0.0 ? 1.0 / h : 0.0;
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, t0 = 0.0, t1 = 0.0;
  for (std::size_t j = nleft; j <= nright; ++j) {
    const double u = static_cast<double>(j) - xs;
    const double r = std::fabs(u);
    if (r > h9) continue;
    double w = 1.0;
    if (r > h1) {
      const double q = r * inv_h;
      const double t = 1.0 - q * q * q;
      w = t * t * t;
    }
    const double wy = w * y[j - 1];
    s0 += w;
    s1 += w * u;
    s2 += w * u * u;
    t0 += wy;
    t1 += wy * u;
  }
  if (s0 <= 0.0) return false;
  const double a = s1 / s0;  // weighted mean offset
  double est = t0 / s0;
  if (h > 0.0 && degree > 0) {
    const double c = s2 / s0 - a * a;
    if (std::sqrt(std::max(c, 0.0)) > 0.001 * range) est += (-a / c) * (t1 / s0 - a * est);
  }
  ys = est;
  return true;
}

// Interior evaluations of loess_smooth all see the same window shape (xs
// integer, nleft = xs - nsh + 1, nright = nleft + len - 1), so the tricube
// weights and their moments are computed once per call and each estimate
// costs two multiply-adds per window point (same arithmetic as loess_at).
struct LoessKernel {
  std::vector<double> w, wu;  // weight and weight x offset per window position
  double s0 = 0.0, a = 0.0, c = 0.0;
  bool linear = false, valid = false;
  bool can_linear = false;  // h > 0 and degree > 0; `linear` also needs sqrt(c) > 0.001 (n - 1)
};

// Kernel of loess_at for the window [nleft, nright] (1-based) around xs.
LoessKernel make_kernel_at(std::size_t n, std::size_t len, int degree, double xs, std::size_t nleft,
                           std::size_t nright) {
  LoessKernel k;
  const double range = static_cast<double>(n) - 1.0;
  const double lo = static_cast<double>(nleft) - xs;
  double h = std::max(xs - static_cast<double>(nleft), static_cast<double>(nright) - xs);
  if (len > n) h += static_cast<double>((len - n) / 2);
  const double h9 = 0.999 * h, h1 = 0.001 * h, inv_h = h > 0.0 ? 1.0 / h : 0.0;
  const std::size_t width = nright - nleft + 1;
  k.w.assign(width, 0.0);
  k.wu.assign(width, 0.0);
  double s1 = 0.0, s2 = 0.0;
  for (std::size_t j = 0; j < width; ++j) {
    const double u = lo + static_cast<double>(j);
    const double r = std::fabs(u);
    if (r > h9) continue;
    double w = 1.0;
    if (r > h1) {
      const double q = r * inv_h;
      const double t = 1.0 - q * q * q;
      w = t * t * t;
    }
    k.w[j] = w;
    k.wu[j] = w * u;
    k.s0 += w;
    s1 += w * u;
    s2 += w * u * u;
  }
  if (k.s0 <= 0.0) return k;
  k.valid = true;
  k.a = s1 / k.s0;
  if (h > 0.0 && degree > 0) {
    k.c = s2 / k.s0 - k.a * k.a;
    k.can_linear = true;
    k.linear = std::sqrt(std::max(k.c, 0.0)) > 0.001 * range;
  }
  return k;
}

LoessKernel make_kernel(std::size_t n, std::size_t len, int degree, std::size_t nsh) {
  return make_kernel_at(n, len, degree, static_cast<double>(nsh), 1, len);
}

// Estimate at the window starting at y[first] (0-based) with a kernel.
inline double kernel_at(const LoessKernel& k, const double* y, bool linear) {
  // Four independent partial sums so the compiler can keep the multiply-adds
  // in flight (a single strict-order sum is latency bound).
  double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, b0 = 0.0, b1 = 0.0, b2 = 0.0, b3 = 0.0;
  const std::size_t len = k.w.size();
  const double* w = k.w.data();
  const double* wu = k.wu.data();
  std::size_t j = 0;
  for (; j + 4 <= len; j += 4) {
    a0 += w[j] * y[j];
    a1 += w[j + 1] * y[j + 1];
    a2 += w[j + 2] * y[j + 2];
    a3 += w[j + 3] * y[j + 3];
    b0 += wu[j] * y[j];
    b1 += wu[j + 1] * y[j + 1];
    b2 += wu[j + 2] * y[j + 2];
    b3 += wu[j + 3] * y[j + 3];
  }
  for (; j < len; ++j) {
    a0 += w[j] * y[j];
    b0 += wu[j] * y[j];
  }
  const double t0 = (a0 + a1) + (a2 + a3), t1 = (b0 + b1) + (b2 + b3);
  double est = t0 / k.s0;
  if (linear) est += (-k.a / k.c) * (t1 / k.s0 - k.a * est);
  return est;
}
inline double kernel_at(const LoessKernel& k, const double* y) { return kernel_at(k, y, k.linear); }

}  // namespace

// Kernels of the non-interior loess evaluations: the short cycle-subseries
// fits (window >= length) and the windows pinned to an end of the series.
// A kernel depends only on the window's shape relative to the evaluation
// point (offset of nleft, width, padding of a window longer than the
// series), not on the data or on where the series ends, so one cache serves
// every subseries, the inner and MSTL iterations and the decompositions of
// all cross-validation origins of a fit (the n-dependent linear/constant
// switch of loess_at is re-evaluated at each use).
namespace detail {
struct KernelCache {
  // Kernels grouped by (window length and degree, window width), each group
  // indexed by the offset of the evaluation point from the window's start.
  struct Group {
    std::size_t len_deg = 0, width = 0;
    std::vector<LoessKernel> by_offset;
    std::vector<char> built;
  };
  std::vector<Group> groups;
  std::size_t last = 0;
};

std::shared_ptr<KernelCache> make_kernel_cache() { return std::make_shared<KernelCache>(); }
}  // namespace detail

namespace {

// loess_at through the cache (the same estimate up to summation order).
bool cached_loess_at(KernelCache* cache, const double* y, std::size_t n, std::size_t len, int degree, std::size_t xs,
                     double& ys, std::size_t nleft, std::size_t nright, double* work) {
  const std::size_t width = nright - nleft + 1;
  // A window longer than the series is padded by (len - n) / 2 (loess_at):
  // the key then needs width == n to determine the padding.
  if (!cache || (len > n && width != n) || xs + 2 < nleft)
    return loess_at(y, n, len, degree, static_cast<double>(xs), ys, nleft, nright, work);
  const std::size_t len_deg = 2 * len + static_cast<std::size_t>(degree > 0);
  const std::size_t off = xs + 2 - nleft;
  if (off >= width + 4) return loess_at(y, n, len, degree, static_cast<double>(xs), ys, nleft, nright, work);
  KernelCache::Group* g = nullptr;
  if (cache->last < cache->groups.size() && cache->groups[cache->last].len_deg == len_deg &&
      cache->groups[cache->last].width == width) {
    g = &cache->groups[cache->last];
  } else {
    for (std::size_t i = 0; i < cache->groups.size(); ++i)
      if (cache->groups[i].len_deg == len_deg && cache->groups[i].width == width) {
        g = &cache->groups[i];
        cache->last = i;
      }
    if (!g) {
      cache->groups.push_back(KernelCache::Group{len_deg, width, std::vector<LoessKernel>(width + 4),
                                                 std::vector<char>(width + 4, 0)});
      cache->last = cache->groups.size() - 1;
      g = &cache->groups.back();
    }
  }
  if (!g->built[off]) {
    g->by_offset[off] = make_kernel_at(n, len, degree, static_cast<double>(xs), nleft, nright);
    g->built[off] = 1;
  }
  const LoessKernel& k = g->by_offset[off];
  if (!k.valid) return false;
  const double range = static_cast<double>(n) - 1.0;
  ys = kernel_at(k, y + (nleft - 1), k.can_linear && std::sqrt(std::max(k.c, 0.0)) > 0.001 * range);
  return true;
}

// Loess smoothing of y (length n) into ys with window len, evaluated every
// `jump` points and linearly interpolated in between.
void loess_smooth(const double* y, std::size_t n, std::size_t len, int degree, std::size_t jump, double* ys,
                  double* work, KernelCache* cache = nullptr) {
  if (n < 2) {
    ys[0] = y[0];
    return;
  }
  const std::size_t nj = std::min(jump, n - 1);
  if (len >= n) {
    for (std::size_t i = 1; i <= n; i += nj) {
      if (!cached_loess_at(cache, y, n, len, degree, i, ys[i - 1], 1, n, work)) ys[i - 1] = y[i - 1];
    }
  } else if (nj == 1) {
    const std::size_t nsh = (len + 1) / 2;
    std::size_t nleft = 1, nright = len;
    const LoessKernel ker = make_kernel(n, len, degree, nsh);
    for (std::size_t i = 1; i <= n; ++i) {
      if (i > nsh && nright != n) {
        ++nleft;
        ++nright;
      }
      if (ker.valid && i >= nsh && nleft == i - nsh + 1) {
        ys[i - 1] = kernel_at(ker, y + (nleft - 1));
        continue;
      }
      if (!cached_loess_at(cache, y, n, len, degree, i, ys[i - 1], nleft, nright, work)) ys[i - 1] = y[i - 1];
    }
  } else {
    const std::size_t nsh = (len + 1) / 2;
    const LoessKernel ker = make_kernel(n, len, degree, nsh);
    for (std::size_t i = 1; i <= n; i += nj) {
      std::size_t nleft, nright;
      if (i < nsh) {
        nleft = 1;
        nright = len;
      } else if (i >= n - nsh + 1) {
        nleft = n - len + 1;
        nright = n;
      } else {
        nleft = i - nsh + 1;
        nright = len + i - nsh;
        if (ker.valid) {
          ys[i - 1] = kernel_at(ker, y + (nleft - 1));
          continue;
        }
      }
      if (!cached_loess_at(cache, y, n, len, degree, i, ys[i - 1], nleft, nright, work)) ys[i - 1] = y[i - 1];
    }
  }
  if (nj != 1) {
    std::size_t i = 1;
    for (; i + nj <= n; i += nj) {
      const double delta = (ys[i + nj - 1] - ys[i - 1]) / static_cast<double>(nj);
      for (std::size_t j = i + 1; j < i + nj; ++j) ys[j - 1] = ys[i - 1] + delta * static_cast<double>(j - i);
    }
    const std::size_t k = ((n - 1) / nj) * nj + 1;
    if (k != n) {
      const std::size_t nleft = len >= n ? 1 : n - len + 1;
      if (!cached_loess_at(cache, y, n, len, degree, n, ys[n - 1], nleft, n, work)) ys[n - 1] = y[n - 1];
      if (k != n - 1) {
        const double delta = (ys[n - 1] - ys[k - 1]) / static_cast<double>(n - k);
        for (std::size_t j = k + 1; j < n; ++j) ys[j - 1] = ys[k - 1] + delta * static_cast<double>(j - k);
      }
    }
  }
}

void moving_average(const double* x, std::size_t n, std::size_t len, double* out) {
  const std::size_t m = n - len + 1;
  double v = 0.0;
  for (std::size_t i = 0; i < len; ++i) v += x[i];
  const double fl = static_cast<double>(len);
  out[0] = v / fl;
  for (std::size_t j = 1; j < m; ++j) {
    v += x[j + len - 1] - x[j - 1];
    out[j] = v / fl;
  }
}

Result<StlResult> stl_impl(std::span<const double> y, std::size_t period, std::size_t s_window, std::size_t t_window,
                           std::size_t inner, KernelCache& cache) {
  const std::size_t n = y.size();
  if (period < 2) return fail(Errc::invalid_argument, "STL period must be at least 2", Where::at_field("period"));
  if (n <= 2 * period) return fail(Errc::invalid_argument, "STL needs more than two periods of data");
  if (s_window < 3 || s_window % 2 == 0)
    return fail(Errc::invalid_argument, "STL s_window must be odd and >= 3", Where::at_field("s_window"));
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(y[i])) return fail(Errc::invalid_argument, "STL input has NaN or infinity", Where::at_index(i));
  if (inner == 0) inner = 1;
  const std::size_t np = period;
  const std::size_t nt = t_window ? (t_window % 2 ? t_window : t_window + 1)
                                  : next_odd(1.5 * static_cast<double>(np) / (1.0 - 1.5 / static_cast<double>(s_window)));
  const std::size_t nl = next_odd(static_cast<double>(np));
  const std::size_t sjump = (s_window + 9) / 10, tjump = (nt + 9) / 10, ljump = (nl + 9) / 10;

  std::vector<double> trend(n, 0.0), season(n), w1(n + 2 * np), w2(n + 2 * np), w3(n + 2 * np), c(n + 2 * np),
      sub(n / np + 3), subs(n / np + 3), wk(n + 2 * np);
  for (std::size_t it = 0; it < inner; ++it) {
    // Step 1: detrending.
    for (std::size_t i = 0; i < n; ++i) w1[i] = y[i] - trend[i];
    // Step 2: cycle-subseries smoothing, extended one cycle at each end.
    for (std::size_t j = 1; j <= np; ++j) {
      const std::size_t k = (n - j) / np + 1;
      for (std::size_t i = 1; i <= k; ++i) sub[i - 1] = w1[(i - 1) * np + j - 1];
      loess_smooth(sub.data(), k, s_window, 0, sjump, subs.data() + 1, wk.data(), &cache);
      const std::size_t nright = std::min(s_window, k);
      if (!cached_loess_at(&cache, sub.data(), k, s_window, 0, 0, subs[0], 1, nright, wk.data())) subs[0] = subs[1];
      const std::size_t nleft = k >= s_window ? k - s_window + 1 : 1;
      if (!cached_loess_at(&cache, sub.data(), k, s_window, 0, k + 1, subs[k + 1], nleft, k, wk.data()))
        subs[k + 1] = subs[k];
      for (std::size_t m = 1; m <= k + 2; ++m) c[(m - 1) * np + j - 1] = subs[m - 1];
    }
    // Step 3: low-pass filtering of the cycle-subseries (MA np, np, 3, then loess).
    moving_average(c.data(), n + 2 * np, np, w2.data());
    moving_average(w2.data(), n + np + 1, np, w3.data());
    moving_average(w3.data(), n + 2, 3, w2.data());
    loess_smooth(w2.data(), n, nl, 1, ljump, w3.data(), wk.data(), &cache);
    // Step 4: detrending of the smoothed cycle-subseries.
    for (std::size_t i = 0; i < n; ++i) season[i] = c[np + i] - w3[i];
    // Steps 5-6: deseasonalising and trend smoothing.
    for (std::size_t i = 0; i < n; ++i) w1[i] = y[i] - season[i];
    loess_smooth(w1.data(), n, nt, 1, tjump, trend.data(), wk.data(), &cache);
  }
  StlResult r;
  r.remainder.resize(n);
  for (std::size_t i = 0; i < n; ++i) r.remainder[i] = y[i] - season[i] - trend[i];
  r.seasonal = std::move(season);
  r.trend = std::move(trend);
  return r;
}

}  // namespace

Result<StlResult> stl(std::span<const double> y, std::size_t period, std::size_t s_window, std::size_t t_window,
                      std::size_t inner) {
  KernelCache cache;
  return stl_impl(y, period, s_window, t_window, inner, cache);
}

Result<MstlResult> mstl(std::span<const double> y, std::span<const std::size_t> periods, std::size_t iterate) {
  return detail::mstl_inner(y, periods, iterate, 2, nullptr);
}

namespace detail {

Result<MstlResult> mstl_inner(std::span<const double> y, std::span<const std::size_t> periods, std::size_t iterate,
                              std::size_t inner, KernelCache* shared) {
  const std::size_t n = y.size();
  std::vector<std::size_t> ps;
  for (std::size_t p : periods)
    if (p >= 2 && 2 * p < n) ps.push_back(p);  // forecast::mstl drops periods >= n / 2
  std::sort(ps.begin(), ps.end());
  MstlResult out;
  std::vector<double> deseas(y.begin(), y.end());
  out.seasonal.assign(ps.size(), std::vector<double>(n, 0.0));
  if (ps.empty()) {
    out.trend = deseas;
    out.remainder.assign(n, 0.0);
    return out;
  }
  if (iterate == 0) iterate = 1;
  std::vector<double> trend;
  KernelCache local;
  KernelCache& cache = shared ? *shared : local;
  for (std::size_t it = 0; it < iterate; ++it) {
    for (std::size_t i = 0; i < ps.size(); ++i) {
      for (std::size_t t = 0; t < n; ++t) deseas[t] += out.seasonal[i][t];
      JOULE_TRY(auto fit, stl_impl(deseas, ps[i], 7 + 4 * (i + 1), 0, inner, cache));
      out.seasonal[i] = std::move(fit.seasonal);
      trend = std::move(fit.trend);
      for (std::size_t t = 0; t < n; ++t) deseas[t] -= out.seasonal[i][t];
    }
  }
  out.remainder.resize(n);
  for (std::size_t t = 0; t < n; ++t) out.remainder[t] = deseas[t] - trend[t];
  out.trend = std::move(trend);
  return out;
}

}  // namespace detail
}  // namespace joule::forecast
