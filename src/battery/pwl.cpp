#include "pwl.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace joule::battery::detail {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

double slope(const Pwl& f, std::size_t i) {  // slope of segment i (between points i and i+1)
  const double dx = f.x[i + 1] - f.x[i];
  return dx > 0 ? (f.v[i + 1] - f.v[i]) / dx : 0.0;
}

bool slope_less(double a, double b) {  // a < b beyond rounding
  return a < b - 1e-10 * (1.0 + std::fabs(a) + std::fabs(b));
}
}  // namespace

double eval(const double* x, const double* v, std::size_t n, double at, double eps) {
  if (n == 0) return kInf;
  if (at < x[0]) return at < x[0] - eps ? kInf : v[0];
  if (at > x[n - 1]) return at > x[n - 1] + eps ? kInf : v[n - 1];
  if (n == 1) return v[0];
  std::size_t i = static_cast<std::size_t>(std::upper_bound(x, x + n, at) - x);
  if (i >= n) return v[n - 1];
  if (i == 0) return v[0];
  const double dx = x[i] - x[i - 1];
  if (dx <= 0) return std::min(v[i], v[i - 1]);
  const double a = (at - x[i - 1]) / dx;
  return v[i - 1] + a * (v[i] - v[i - 1]);
}

bool is_convex(const Pwl& f) {
  for (std::size_t i = 0; i + 2 < f.size(); ++i)
    if (slope_less(slope(f, i + 1), slope(f, i))) return false;
  return true;
}

void infconv_convex(const Pwl& f, const Pwl& g, Pwl& out) {
  out.clear();
  if (f.empty() || g.empty()) return;
  out.x.reserve(f.size() + g.size());
  out.v.reserve(f.size() + g.size());
  double x = f.x[0] + g.x[0];
  double v = f.v[0] + g.v[0];
  out.push(x, v);
  std::size_t i = 0, j = 0;
  const std::size_t nf = f.size() - 1, ng = g.size() - 1;
  while (i < nf || j < ng) {
    bool take_f;
    if (i >= nf) take_f = false;
    else if (j >= ng) take_f = true;
    else take_f = slope(f, i) <= slope(g, j);
    double dx, dv;
    if (take_f) {
      dx = f.x[i + 1] - f.x[i];
      dv = f.v[i + 1] - f.v[i];
      ++i;
    } else {
      dx = g.x[j + 1] - g.x[j];
      dv = g.v[j + 1] - g.v[j];
      ++j;
    }
    if (dx <= 0) continue;
    x += dx;
    v += dv;
    out.push(x, v);
  }
}

void clip(Pwl& f, double lo, double hi, double eps) {
  if (f.empty()) return;
  if (f.x.front() > hi + eps || f.x.back() < lo - eps || lo > hi + eps) {
    f.clear();
    return;
  }
  lo = std::max(lo, f.x.front());
  hi = std::min(hi, f.x.back());
  if (hi < lo) hi = lo;  // touching within eps
  if (lo <= f.x.front() && hi >= f.x.back()) return;
  // in place: the points <= lo collapse into one (lo), those >= hi into one (hi)
  const double vlo = eval(f, lo, eps), vhi = eval(f, hi, eps);
  const std::size_t n = f.size();
  std::size_t w = 0;
  f.x[w] = lo;
  f.v[w++] = vlo;
  for (std::size_t i = 0; i < n; ++i)
    if (f.x[i] > lo && f.x[i] < hi) {
      f.x[w] = f.x[i];
      f.v[w++] = f.v[i];
    }
  if (hi > lo) {
    if (w < n) {
      f.x[w] = hi;
      f.v[w++] = vhi;
    } else {
      f.push(hi, vhi);
      ++w;
    }
  }
  f.x.resize(w);
  f.v.resize(w);
}

void simplify(Pwl& f, double eps_x) {
  if (f.size() < 2) return;
  std::size_t n = 1;
  for (std::size_t i = 1; i < f.size(); ++i) {
    const bool last = (i + 1 == f.size());
    if (f.x[i] - f.x[n - 1] <= eps_x) {
      // (near-)duplicate: keep the endpoint, drop the interior one
      if (last) {
        if (n >= 2) {
          f.x[n - 1] = f.x[i];
          f.v[n - 1] = f.v[i];
        } else {
          f.x[n] = f.x[i];
          f.v[n] = f.v[i];
          ++n;
        }
      }
      continue;
    }
    if (n >= 2) {  // collinear with the previous kept segment: replace the middle point
      // Collinear = the middle point lies on the chord of its neighbours to
      // rounding (relative 1e-13 of the values): comparing the two slopes
      // instead misses collinear points that are close together (the slopes'
      // rounding grows as 1/length), and the lower envelope of many convex
      // runs, which puts a point at every breakpoint of every run, then keeps
      // them all and the piece count doubles step after step.
      const double x0 = f.x[n - 2], x1 = f.x[n - 1], x2 = f.x[i];
      const double chord = f.v[n - 2] + (f.v[i] - f.v[n - 2]) * ((x1 - x0) / (x2 - x0));
      const double scale = std::fabs(f.v[n - 2]) + std::fabs(f.v[n - 1]) + std::fabs(f.v[i]);
      if (std::fabs(f.v[n - 1] - chord) <= 1e-13 * (1.0 + scale)) {
        f.x[n - 1] = f.x[i];
        f.v[n - 1] = f.v[i];
        continue;
      }
    }
    f.x[n] = f.x[i];
    f.v[n] = f.v[i];
    ++n;
  }
  f.x.resize(n);
  f.v.resize(n);
  if (n == 2 && f.x[1] - f.x[0] <= eps_x) {
    f.x.resize(1);
    f.v[0] = std::min(f.v[0], f.v[1]);
    f.v.resize(1);
  }
}

void convex_runs(const Pwl& f, std::vector<Pwl>& runs) {
  runs.clear();
  if (f.empty()) return;
  Pwl cur;
  cur.push(f.x[0], f.v[0]);
  for (std::size_t i = 1; i < f.size(); ++i) {
    if (i >= 2 && slope_less(slope(f, i - 1), slope(f, i - 2))) {
      runs.push_back(cur);
      cur.clear();
      cur.push(f.x[i - 1], f.v[i - 1]);
    }
    cur.push(f.x[i], f.v[i]);
  }
  runs.push_back(std::move(cur));
}

bool lower_envelope(const std::vector<Pwl>& fs, double eps, Pwl& out) {
  out.clear();
  std::vector<double> xs;
  double lo = kInf, hi = -kInf;
  for (const auto& f : fs) {
    if (f.empty()) continue;
    xs.insert(xs.end(), f.x.begin(), f.x.end());
    lo = std::min(lo, f.lo());
    hi = std::max(hi, f.hi());
  }
  if (xs.empty()) return true;
  std::sort(xs.begin(), xs.end());
  std::size_t n = 1;
  for (std::size_t i = 1; i < xs.size(); ++i)
    if (xs[i] - xs[n - 1] > eps) xs[n++] = xs[i];
  xs.resize(n);
  if (n == 1) {
    double best = kInf;
    for (const auto& f : fs) best = std::min(best, eval(f, xs[0], eps));
    out.push(xs[0], best);
    return std::isfinite(best);
  }
  struct Line {
    double v0, s;
  };
  std::vector<Line> lines;
  for (std::size_t k = 0; k + 1 < n; ++k) {
    const double p = xs[k], q = xs[k + 1], w = q - p;
    lines.clear();
    for (const auto& f : fs) {
      if (f.empty() || f.lo() > p + eps || f.hi() < q - eps) continue;
      const double a = eval(f, p, eps), b = eval(f, q, eps);
      lines.push_back({a, (b - a) / w});
    }
    if (lines.empty()) return false;
    // walk the lower envelope of the lines on [p, q]
    std::size_t cur = 0;
    for (std::size_t i = 1; i < lines.size(); ++i)
      if (lines[i].v0 < lines[cur].v0 || (lines[i].v0 == lines[cur].v0 && lines[i].s < lines[cur].s)) cur = i;
    double at = 0.0;  // offset from p
    out.push(p, lines[cur].v0);
    for (;;) {
      double next = w;
      std::size_t who = cur;
      const double vc = lines[cur].v0 + lines[cur].s * at;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].s >= lines[cur].s) continue;
        const double vi = lines[i].v0 + lines[i].s * at;
        const double dx = (vi - vc) / (lines[cur].s - lines[i].s);  // where line i drops below
        const double xc = at + std::max(dx, 0.0);
        if (xc < next - 1e-15 * w) {
          next = xc;
          who = i;
        }
      }
      if (who == cur || next >= w - eps) break;
      at = next;
      cur = who;
      if (at > eps) out.push(p + at, lines[cur].v0 + lines[cur].s * at);
    }
  }
  double best = kInf;
  for (const auto& f : fs) best = std::min(best, eval(f, xs[n - 1], eps));
  out.push(xs[n - 1], best);
  (void)lo;
  (void)hi;
  return true;
}

}  // namespace joule::battery::detail
