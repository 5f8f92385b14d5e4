// Piecewise-linear functions of stored energy for the dispatch DP (internal).
//
// A Pwl is a continuous function on [x.front(), x.back()] given by its
// breakpoints; one point = a function defined at a single energy level.
// Only what the exact DP needs: evaluation, infimal convolution of convex
// functions (merge of slope sequences: the epigraph of an inf-convolution is
// the Minkowski sum of the epigraphs, Rockafellar, Convex Analysis, Thm 5.4),
// clipping to an interval, and the lower envelope of several functions (the
// min over branches of a non-convex stage cost).
#pragma once

#include <cstddef>
#include <vector>

namespace joule::battery::detail {

struct Pwl {
  std::vector<double> x;
  std::vector<double> v;

  bool empty() const noexcept { return x.empty(); }
  std::size_t size() const noexcept { return x.size(); }
  double lo() const noexcept { return x.front(); }
  double hi() const noexcept { return x.back(); }
  void clear() noexcept {
    x.clear();
    v.clear();
  }
  void push(double xi, double vi) {
    x.push_back(xi);
    v.push_back(vi);
  }
};

/// Value at `at` (clamped into the domain if within `eps` of it); +inf outside.
double eval(const double* x, const double* v, std::size_t n, double at, double eps);
inline double eval(const Pwl& f, double at, double eps) { return eval(f.x.data(), f.v.data(), f.size(), at, eps); }
/// True if slopes never decrease (up to a relative tolerance).
bool is_convex(const Pwl& f);
/// (f box g)(z) = min_{x+y=z} f(x) + g(y) for convex f, g.
void infconv_convex(const Pwl& f, const Pwl& g, Pwl& out);
/// Restricts f to [lo, hi]; empty if they do not meet.
void clip(Pwl& f, double lo, double hi, double eps);
/// Drops collinear and (near-)duplicate breakpoints.
void simplify(Pwl& f, double eps_x);
/// Lower envelope of functions whose domains cover an interval. False if the union has a gap.
bool lower_envelope(const std::vector<Pwl>& fs, double eps, Pwl& out);
/// Splits f at its concave kinks into convex runs.
void convex_runs(const Pwl& f, std::vector<Pwl>& runs);

}  // namespace joule::battery::detail
