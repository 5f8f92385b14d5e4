// Exact dispatch of the canonical problem (SPEC §2-§5) by dynamic programming
// on the piecewise-linear cost-to-go of stored energy. See docs/battery.md for
// the proof of exactness; the comments here say which step of it is applied.
#include "joule/battery/dispatch.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include <Eigen/Dense>

#include "pwl.hpp"

namespace joule::battery {

namespace {

using detail::Pwl;
constexpr double kInf = std::numeric_limits<double>::infinity();

enum class Kind : std::uint8_t { exp, cur, imp };
struct Seg {
  double slope, len;
  Kind kind;
};
/// Cost of the net bus requirement x = imp - exp - cur at one step (SPEC §4.1):
/// the inf-convolution of the three resources, as a slope-sorted list.
struct GridBranch {
  double x0 = 0, f0 = 0;  ///< leftmost x (all disposal at its maximum) and its cost [currency/h]
  std::array<Seg, 4> seg;  ///< [0, n) in use; left uninitialised (built per step on the hot path)
  int n = 0;
  double x1() const {
    double x = x0;
    for (int i = 0; i < n; ++i) x += seg[i].len;
    return x;
  }
  double cost(double x) const {
    double f = f0, pos = x0;
    for (int i = 0; i < n; ++i) {
      const double a = std::clamp(x - pos, 0.0, seg[i].len);
      f += a * seg[i].slope;
      pos += seg[i].len;
    }
    return f;
  }
};

/// A few breakpoints in fixed storage (a stage branch has at most 9: no heap per step).
struct Pts {
  std::array<double, 12> x{}, v{};
  std::size_t n = 0;
  bool empty() const noexcept { return n == 0; }
  std::size_t size() const noexcept { return n; }
  double lo() const noexcept { return x[0]; }
  double hi() const noexcept { return x[n - 1]; }
  void clear() noexcept { n = 0; }
  void push(double xi, double vi) noexcept {
    x[n] = xi;
    v[n++] = vi;
  }
};

struct StageBranch {
  Pts h;        ///< cost [currency] of an energy change D [kWh] over the step
  int grid = 0; ///< which GridBranch
};

/// Everything the DP needs, derived once from the Problem.
struct Prepared {
  std::size_t T = 0;
  std::vector<double> dt, net, pimp, pexp, curt_max, gi;  ///< gi: import cap per step (peak search lowers it)
  /// Soft caps (certificate fit only): import above gi up to gi + gx[t] at
  /// the import price plus `mcost` per kWh; empty = hard caps.
  std::vector<double> gx;
  double mcost = 0;
  double ge = 0, pch = 0, pdis = 0, eta_c = 1, eta_d = 1, cdeg = 0;
  double e0 = 0, elo = 0, ehi = 0, tlo = 0, thi = 0, vT = 0;
  double eps_x = 1e-9;
};

double at_or(const std::vector<double>& v, std::size_t t, double d) { return v.empty() ? d : v[t]; }

Prepared prepare(const Problem& p) {
  Prepared q;
  const std::size_t T = p.steps();
  q.T = T;
  q.dt.resize(T);
  q.net.resize(T);
  q.pimp.resize(T);
  q.pexp.resize(T);
  q.curt_max.resize(T);
  q.gi.assign(T, p.grid.import_max_kw);
  for (std::size_t t = 0; t < T; ++t) {
    q.dt[t] = p.dt_hours.size() == 1 ? p.dt_hours[0] : p.dt_hours[t];
    const double pv = at_or(p.pv_kw, t, 0.0);
    q.net[t] = at_or(p.load_kw, t, 0.0) - pv;
    const double ef = at_or(p.emission_factor, t, 0.0);
    // SPEC §2: effective prices include the carbon price on the intensity path
    q.pimp[t] = p.price_import[t] + p.carbon.price_per_kg * ef;
    q.pexp[t] = p.price_export[t] + (p.carbon.credit_exports ? p.carbon.price_per_kg * ef : 0.0);
    q.curt_max[t] = p.pv_curtailable ? pv : 0.0;
  }
  const auto& b = p.battery;
  q.ge = p.grid.export_max_kw;
  q.pch = b.p_charge_max_kw;
  q.pdis = b.p_discharge_max_kw;
  q.eta_c = b.eta_charge;
  q.eta_d = b.eta_discharge;
  q.cdeg = b.degradation_cost_per_kwh;
  q.e0 = b.soc_init * b.capacity_kwh;
  // SPEC §3.4: an out-of-band initial SoC widens the band
  q.elo = std::min(b.soc_min * b.capacity_kwh, q.e0);
  q.ehi = std::max(b.soc_max * b.capacity_kwh, q.e0);
  q.tlo = q.elo;
  q.thi = q.ehi;
  switch (b.terminal.mode) {
    case TerminalMode::fixed: q.tlo = q.thi = b.terminal.soc * b.capacity_kwh; break;
    case TerminalMode::min: q.tlo = std::max(q.elo, b.terminal.soc * b.capacity_kwh); break;
    case TerminalMode::value: q.vT = b.terminal.value_per_kwh; break;
    case TerminalMode::free: break;
  }
  q.eps_x = 1e-10 * std::max(1.0, q.ehi);
  return q;
}

/// Grid branches of step t: one when netting is free (p_exp <= p_imp, SPEC
/// §4.1), else two (import-only, export-only) so that imp*exp = 0 holds.
int grid_branches(const Prepared& q, std::size_t t, std::array<GridBranch, 2>& out) {
  const double C = q.curt_max[t];
  // an infinite limit is replaced by one no schedule can reach at this step
  const double big = std::fabs(q.net[t]) + q.pch + q.pdis + C + 1.0;
  const double gi = std::min(q.gi[t], big), ge = std::min(q.ge, big);
  const double gx = q.gx.empty() ? 0.0 : std::min(q.gx[t], std::max(0.0, big - gi));
  const double pi = q.pimp[t], pe = q.pexp[t];
  auto make = [&](bool with_imp, bool with_exp, GridBranch& g) {
    g.n = 0;
    g.x0 = -C - (with_exp ? ge : 0.0);
    g.f0 = with_exp ? -pe * ge : 0.0;
    if (with_exp && ge > 0) g.seg[g.n++] = {pe, ge, Kind::exp};
    if (C > 0) g.seg[g.n++] = {0.0, C, Kind::cur};
    if (with_imp && gi > 0) g.seg[g.n++] = {pi, gi, Kind::imp};
    if (with_imp && gx > 0) g.seg[g.n++] = {pi + q.mcost, gx, Kind::imp};  // soft cap: above it at a penalty
    for (int i = 1; i < g.n; ++i)  // at most four: insertion sort by slope
      for (int j = i; j > 0 && g.seg[j].slope < g.seg[j - 1].slope; --j) std::swap(g.seg[j], g.seg[j - 1]);
  };
  if (pe <= pi) {
    make(true, true, out[0]);
    return 1;
  }
  make(true, false, out[0]);
  make(false, true, out[1]);
  return 2;
}

/// Stage cost of energy change D [kWh] through one battery direction
/// (complementarity: charge XOR discharge) and one grid branch.
void compose(const Prepared& q, std::size_t t, const GridBranch& g, bool charge, Pts& h) {
  h.clear();
  const double dt = q.dt[t], N = q.net[t];
  const double xa = charge ? N : N - q.pdis;
  const double xb = charge ? N + q.pch : N;
  const double lo = std::max(xa, g.x0), hi = std::min(xb, g.x1());
  if (lo > hi + 1e-12 * (1.0 + std::fabs(hi))) return;
  const double hi2 = std::max(lo, hi);
  auto point = [&](double x) {
    if (charge) {
      const double D = (x - N) * q.eta_c * dt;
      h.push(D, (q.cdeg / q.eta_c) * D + dt * g.cost(x));
    } else {
      const double D = (x - N) * dt / q.eta_d;
      h.push(D, -q.cdeg * q.eta_d * D + dt * g.cost(x));
    }
  };
  point(lo);
  double pos = g.x0;
  for (int i = 0; i < g.n; ++i) {
    pos += g.seg[i].len;
    if (pos > lo && pos < hi2) point(pos);
  }
  if (hi2 > lo) point(hi2);
}

/// Stage branches of step t (at most 4). One convex branch when the charge
/// and discharge pieces join convexly at D = 0 (then nothing is lost by
/// merging them: the min of two convex functions sharing the point 0 with
/// ordered one-sided slopes is their union, which is convex).
int stage(const Prepared& q, std::size_t t, std::array<GridBranch, 2>& gb, std::array<StageBranch, 4>& out) {
  const int ng = grid_branches(q, t, gb);
  int n = 0;
  for (int k = 0; k < ng; ++k) {
    Pts& d = out[n].h;
    Pts& c = out[n + 1].h;
    compose(q, t, gb[k], false, d);
    compose(q, t, gb[k], true, c);
    const bool c0 = !c.empty() && std::fabs(c.lo()) <= q.eps_x;
    const bool d0 = !d.empty() && std::fabs(d.hi()) <= q.eps_x;
    if (c0 && d0) {
      const double sd = d.size() >= 2 ? (d.v[d.n - 1] - d.v[d.n - 2]) / (d.x[d.n - 1] - d.x[d.n - 2]) : -kInf;
      const double sc = c.size() >= 2 ? (c.v[1] - c.v[0]) / (c.x[1] - c.x[0]) : kInf;
      if (sd <= sc + 1e-12 * (1.0 + std::fabs(sd) + std::fabs(sc))) {
        for (std::size_t i = 1; i < c.size(); ++i) d.push(c.x[i], c.v[i]);
        out[n++].grid = k;
        continue;
      }
    }
    if (d.empty()) {
      d = c;
      if (!d.empty()) out[n++].grid = k;
      continue;
    }
    out[n++].grid = k;
    if (!c.empty()) out[n++].grid = k;
  }
  return n;
}

void reflect(const Pts& h, Pwl& phi) {  // phi(z) = h(-z)
  phi.clear();
  for (std::size_t i = h.size(); i-- > 0;) phi.push(-h.x[i], h.v[i]);
}

struct DpOutput {
  double objective = kInf;  ///< without demand charges
  Schedule schedule;
  std::vector<std::size_t> nonconvex_steps;
  std::size_t max_pieces = 0;
  std::size_t infeasible_step = 0;
  bool initial_unreachable = false;
  bool want_values = false;  ///< input: also return every V_t (Bellman certificate)
  std::vector<double> value_x, value_v;
  std::vector<std::size_t> value_off;
};

/// A convex PWL function in slope form: value v0 at x0, then segments of
/// non-decreasing slope s[i] and length l[i] for i in [b, n). This is the
/// representation of the slope-sequence DP (SPEC §5): the infimal convolution
/// with a convex stage cost is a merge of two sorted slope sequences, and the
/// clip to the SoC band only moves the two ends, so a step costs one linear
/// pass over the segments without divisions or allocations (buffers are reused).
struct Slopes {
  double x0 = 0, v0 = 0;
  std::vector<double> s, l;
  std::size_t b = 0, n = 0;
  std::size_t size() const noexcept { return n - b; }
  void reserve(std::size_t m) {
    if (s.size() < m) {
      s.resize(2 * m);
      l.resize(2 * m);
    }
  }
  /// Room for `k` insertions on either side of [b, n): the segments live in
  /// the middle of one buffer like a deque, an insertion shifts the shorter
  /// side and the clips move the ends; re-centred rarely (amortised O(1)).
  void slack(std::size_t k) {
    if (b >= k && s.size() - n >= k) return;
    const std::size_t len = n - b, cap = std::max(s.size(), 2 * (len + k) + 32);
    if (cap > s.size()) {
      s.resize(cap);
      l.resize(cap);
    }
    const std::size_t nb = (cap - len) / 2;
    std::copy(s.begin() + static_cast<std::ptrdiff_t>(b), s.begin() + static_cast<std::ptrdiff_t>(n),
              s.begin() + static_cast<std::ptrdiff_t>(nb));  // memmove: ranges may overlap
    std::copy(l.begin() + static_cast<std::ptrdiff_t>(b), l.begin() + static_cast<std::ptrdiff_t>(n),
              l.begin() + static_cast<std::ptrdiff_t>(nb));
    b = nb;
    n = nb + len;
  }
};

/// Segments of phi(z) = h(-z) for a convex stage branch h given by points.
/// At most 7 segments (compose() yields at most 5 points per direction).
struct PhiSegs {
  double x0 = 0, v0 = 0;
  std::array<double, 12> s{}, l{};
  int m = 0;
};

void phi_of(const Pts& h, PhiSegs& p) {
  const std::size_t k = h.size();
  p.x0 = -h.x[k - 1];
  p.v0 = h.v[k - 1];
  p.m = 0;
  for (std::size_t j = k - 1; j-- > 0;) {  // h segment j, traversed right to left
    const double len = h.x[j + 1] - h.x[j];
    if (len <= 0) continue;
    p.s[p.m] = -(h.v[j + 1] - h.v[j]) / len;
    p.l[p.m++] = len;
  }
}

/// phi of step t straight in slope form when the stage cost is one convex
/// branch (netting allowed, p_exp <= p_imp, and the discharge and charge pieces
/// meeting convexly at D = 0): the same function stage() + phi_of() build from
/// points, without them. Over a grid segment of slope g' the stage cost h(D)
/// has slope eta_d (g' - c_deg) while discharging (x = N + D eta_d / dt) and
/// (g' + c_deg) / eta_c while charging (x = N + D / (eta_c dt)). False when the
/// step needs the general path (two branches, non-convex, or no feasible D).
bool fast_phi(const Prepared& q, std::size_t t, std::array<GridBranch, 2>& gb, PhiSegs& ps) {
  if (grid_branches(q, t, gb) != 1) return false;
  const GridBranch& g = gb[0];
  const double dt = q.dt[t], N = q.net[t], gx1 = g.x1();
  auto region = [](double lo, double hi, double& a, double& b) {
    if (lo > hi + 1e-12 * (1.0 + std::fabs(hi))) return false;
    a = lo;
    b = std::max(lo, hi);
    return true;
  };
  double dlo = 0, dhi = 0, clo = 0, chi = 0;
  const bool dok = region(std::max(N - q.pdis, g.x0), std::min(N, gx1), dlo, dhi);
  const bool cok = region(std::max(N, g.x0), std::min(N + q.pch, gx1), clo, chi);
  if (!dok && !cok) return false;
  // segments of h in increasing D: discharge (x rising to N), then charge
  std::array<double, 12> hs, hl;  // [0, m) written before read
  int m = 0, md = 0;
  auto walk = [&](double lo, double hi, bool charge) {
    double pos = g.x0;
    for (int i = 0; i < g.n; ++i) {
      const double a = std::max(pos, lo), b = std::min(pos + g.seg[i].len, hi);
      pos += g.seg[i].len;
      if (!(b > a)) continue;
      const double gs = g.seg[i].slope;
      if (charge) {
        hs[m] = (gs + q.cdeg) / q.eta_c;
        hl[m++] = (b - a) * q.eta_c * dt;
      } else {
        hs[m] = q.eta_d * (gs - q.cdeg);
        hl[m++] = (b - a) * dt / q.eta_d;
      }
    }
  };
  if (dok) walk(dlo, dhi, false);
  md = m;
  if (cok) walk(clo, chi, true);
  if (md > 0 && m > md && hs[md - 1] > hs[md] + 1e-12 * (1.0 + std::fabs(hs[md - 1]) + std::fabs(hs[md])))
    return false;  // concave kink at D = 0: complementarity can bind (general path)
  double Dr, hr;  // right end of h
  if (cok) {
    Dr = (chi - N) * q.eta_c * dt;
    hr = (q.cdeg / q.eta_c) * Dr + dt * g.cost(chi);
  } else {
    Dr = (dhi - N) * dt / q.eta_d;
    hr = -q.cdeg * q.eta_d * Dr + dt * g.cost(dhi);
  }
  ps.x0 = -Dr;
  ps.v0 = hr;
  ps.m = m;
  for (int j = 0; j < m; ++j) {  // phi(z) = h(-z): reversed, slopes negated
    ps.s[static_cast<std::size_t>(j)] = -hs[static_cast<std::size_t>(m - 1 - j)];
    ps.l[static_cast<std::size_t>(j)] = hl[static_cast<std::size_t>(m - 1 - j)];
  }
  return true;
}

/// V becomes (V box phi) clipped to [lo, hi], in place; collinear neighbours
/// are fused and segments shorter than eps folded into a neighbour. False if
/// the result is empty (no feasible energy level in the band).
///
/// If `rec` is given, it receives per stage segment j (at rec[3j], rec[3j+1]) the interval [lo_j, hi_j]
/// of energy levels (absolute, before clipping) where that segment may start in
/// the merged order: the forward pass reads the optimal split of any energy
/// level e into "stored after the step" + "moved in the step" from them (the
/// inf-convolution's argmin is the prefix of the merged slope sequence up to e,
/// Rockafellar Thm 5.4), so V itself need not be kept. The interval is wider
/// than a point only where a segment of V has the same slope (a tie: any split
/// there is optimal).
///
/// The
/// stage's few segments are inserted into V's sorted slope sequence (each
/// shifts the shorter side of the deque), the clip moves the two ends, so a
/// step costs O(segments inserted x shift) instead of a copy of V.
bool merge_clip_inplace(Slopes& V, const PhiSegs& p, double lo, double hi, double eps, double* rec) {
  const std::size_t m = static_cast<std::size_t>(p.m);
  V.slack(m + 1);
  double* s = V.s.data();
  double* l = V.l.data();
  auto tied = [](double a, double c) { return std::fabs(a - c) <= 1e-13 * (1.0 + std::fabs(a) + std::fabs(c)); };
  const double origin = V.x0 + p.x0;
  std::size_t r = V.b;
  double pre = 0;  // length before position r
  for (std::size_t j = 0; j < m; ++j) {
    const double sj = p.s[j], lj = p.l[j];
    bool last_v = false;
    while (r < V.n && s[r] <= sj) {
      pre += l[r];
      ++r;
      last_v = true;
    }
    if (rec) {
      const double before = last_v && tied(s[r - 1], sj) ? l[r - 1] : 0.0;
      const double after = r < V.n && tied(s[r], sj) ? l[r] : 0.0;
      rec[3 * j] = origin + pre - before;
      rec[3 * j + 1] = origin + pre + after;
      rec[3 * j + 2] = lj;
    }
    if (r > V.b && tied(s[r - 1], sj)) {  // collinear with its left neighbour: lengthen it
      l[r - 1] += lj;
      pre += lj;
      continue;
    }
    if (r - V.b < V.n - r) {  // shift the left part one slot left
      std::copy(s + V.b, s + r, s + V.b - 1);
      std::copy(l + V.b, l + r, l + V.b - 1);
      --V.b;
      s[r - 1] = sj;
      l[r - 1] = lj;
    } else {  // shift the right part one slot right
      std::copy_backward(s + r, s + V.n, s + V.n + 1);
      std::copy_backward(l + r, l + V.n, l + V.n + 1);
      ++V.n;
      s[r] = sj;
      l[r] = lj;
      ++r;
    }
    pre += lj;
  }
  double total = 0, shortest = kInf;
  for (std::size_t i = V.b; i < V.n; ++i) {
    total += l[i];
    shortest = std::min(shortest, l[i]);
  }
  double x0 = origin, v0 = V.v0 + p.v0;
  const double x1 = x0 + total;
  if (x0 > hi + eps || x1 < lo - eps || lo > hi + eps) return false;
  std::size_t b = V.b, k = V.n;
  if (x0 < lo) {  // drop what lies below the band
    double cut = lo - x0;
    while (b < k && l[b] <= cut) {
      v0 += s[b] * l[b];
      cut -= l[b];
      ++b;
    }
    if (b < k) {
      v0 += s[b] * cut;
      l[b] -= cut;
      shortest = std::min(shortest, l[b]);
    }
    x0 = lo;
  }
  if (x1 > hi) {  // and above it
    double cut = x1 - std::max(hi, x0);
    while (k > b && l[k - 1] <= cut) {
      cut -= l[k - 1];
      --k;
    }
    if (k > b) {
      l[k - 1] -= cut;
      shortest = std::min(shortest, l[k - 1]);
    }
  }
  if (shortest <= eps) {
    // fold segments shorter than eps into their right neighbour (the last into its left one)
    std::size_t o = b;
    for (std::size_t i = b; i < k; ++i) {
      if (l[i] <= eps) {
        if (i + 1 < k) {
          l[i + 1] += l[i];
          continue;
        }
        if (o > b) {
          l[o - 1] += l[i];
          continue;
        }
        if (l[i] <= 0) continue;
      }
      s[o] = s[i];
      l[o++] = l[i];
    }
    k = o;
  }
  V.x0 = x0;
  V.v0 = v0;
  V.b = b;
  V.n = k;
  if (k == b + 1 && l[b] <= eps) V.n = b;  // a single point
  return true;
}

void slopes_to_pwl(const Slopes& f, Pwl& out) {
  out.clear();
  double x = f.x0, v = f.v0;
  out.push(x, v);
  for (std::size_t i = f.b; i < f.n; ++i) {
    x += f.l[i];
    v += f.s[i] * f.l[i];
    out.push(x, v);
  }
}

void pwl_to_slopes(const Pwl& f, Slopes& out) {
  out.reserve(f.size() + 2);
  out.x0 = f.x[0];
  out.v0 = f.v[0];
  out.b = 0;
  std::size_t k = 0;
  for (std::size_t i = 0; i + 1 < f.size(); ++i) {
    const double len = f.x[i + 1] - f.x[i];
    if (len <= 0) continue;
    out.s[k] = (f.v[i + 1] - f.v[i]) / len;
    out.l[k++] = len;
  }
  out.n = k;
}

/// The cost-to-go of every step kept for the forward pass: slope form where it
/// is convex (most steps), breakpoints elsewhere.
struct Arena {
  std::vector<double> a, c;  ///< (slope, length) or (x, v) pairs
  std::vector<std::size_t> off, cnt;
  std::vector<double> x0, v0;
  std::vector<std::uint8_t> convex;
  void init(std::size_t T) {  // entries are written before they are read: no clearing
    off.resize(T + 1);
    cnt.resize(T + 1);
    x0.resize(T + 1);
    v0.resize(T + 1);
    convex.resize(T + 1);
    a.clear();
    c.clear();
  }
  void put(std::size_t t, const Slopes& f) {
    off[t] = a.size();
    cnt[t] = f.size();
    x0[t] = f.x0;
    v0[t] = f.v0;
    convex[t] = 1;
    // slopes, and the end position of each segment (binary search in the forward pass)
    a.insert(a.end(), f.s.begin() + static_cast<std::ptrdiff_t>(f.b), f.s.begin() + static_cast<std::ptrdiff_t>(f.n));
    const std::size_t o = c.size();
    c.resize(o + f.size());
    double x = f.x0;
    for (std::size_t i = f.b; i < f.n; ++i) {
      x += f.l[i];
      c[o + i - f.b] = x;
    }
  }
  void put(std::size_t t, const Pwl& f) {
    off[t] = a.size();
    cnt[t] = f.size();
    convex[t] = 0;
    a.insert(a.end(), f.x.begin(), f.x.end());
    c.insert(c.end(), f.v.begin(), f.v.end());
  }
  void get_pwl(std::size_t t, Pwl& out) const {
    out.clear();
    const double* pa = a.data() + off[t];
    const double* pc = c.data() + off[t];
    if (!convex[t]) {
      for (std::size_t i = 0; i < cnt[t]; ++i) out.push(pa[i], pc[i]);
      return;
    }
    double x = x0[t], v = v0[t];
    out.push(x, v);
    for (std::size_t i = 0; i < cnt[t]; ++i) {
      v += pa[i] * (pc[i] - x);
      x = pc[i];
      out.push(x, v);
    }
  }
};

/// Stage branches of every step, kept from the backward pass so that the
/// forward pass does not rebuild them.
struct StageCache {
  std::vector<double> x, v;
  std::vector<std::uint32_t> off;    ///< per (step, branch): first point; 4 branches per step
  std::vector<std::uint8_t> cnt, grid, n;
  void init(std::size_t T) {
    x.clear();
    v.clear();
    off.resize(T * 4);
    cnt.resize(T * 4);
    grid.resize(T * 4);
    n.resize(T);
  }
  void put(std::size_t t, const std::array<StageBranch, 4>& sb, int nb) {
    n[t] = static_cast<std::uint8_t>(nb);
    for (int b = 0; b < nb; ++b) {
      const std::size_t k = t * 4 + static_cast<std::size_t>(b);
      off[k] = static_cast<std::uint32_t>(x.size());
      cnt[k] = static_cast<std::uint8_t>(sb[b].h.size());
      grid[k] = static_cast<std::uint8_t>(sb[b].grid);
      x.insert(x.end(), sb[b].h.x.begin(), sb[b].h.x.begin() + static_cast<std::ptrdiff_t>(sb[b].h.n));
      v.insert(v.end(), sb[b].h.v.begin(), sb[b].h.v.begin() + static_cast<std::ptrdiff_t>(sb[b].h.n));
    }
  }
};

/// argmin over D of h(D) + V(e + D) for a convex stage branch h (points) and a
/// convex V (slope form): walks both slope sequences to where the sum's
/// derivative changes sign; among a flat set of minimisers takes the D closest
/// to 0 (no needless cycling). False if the two domains do not meet.
bool convex_argmin(const double* hx, const double* hv, std::size_t hm, double e, double vx0, const double* vs,
                   const double* vend, std::size_t vn, double eps, double& D) {
  const double vx1 = vn ? vend[vn - 1] : vx0;
  const double ylo = std::max(vx0, e + hx[0]), yhi = std::min(vx1, e + hx[hm - 1]);
  if (ylo > yhi + eps) return false;
  if (yhi <= ylo) {
    D = std::clamp(ylo - e, hx[0], hx[hm - 1]);
    return true;
  }
  // V segment containing ylo (right side): first segment ending after it
  std::size_t i = static_cast<std::size_t>(std::upper_bound(vend, vend + vn, ylo) - vend);
  std::size_t j = 0;  // h segment containing ylo - e
  while (j + 2 < hm && e + hx[j + 1] <= ylo) ++j;
  double y = ylo, ya = yhi, yb = yhi;
  bool have_a = false;
  while (y < yhi) {
    const double sv = i < vn ? vs[i] : 0.0;
    const double hl = hx[j + 1] - hx[j];
    const double sh = hl > 0 ? (hv[j + 1] - hv[j]) / hl : 0.0;
    const double r = sv + sh, tol = 1e-12 * (1.0 + std::fabs(sv) + std::fabs(sh));
    if (!have_a && r >= -tol) {
      ya = y;
      have_a = true;
    }
    if (r > tol) {
      yb = y;
      break;
    }
    const double nv = i < vn ? vend[i] : yhi;
    const double nh = j + 2 < hm ? e + hx[j + 1] : yhi;
    const double ny = std::min({nv, nh, yhi});
    if (ny == nv && i < vn) ++i;
    if (ny == nh && j + 2 < hm) ++j;
    y = ny;
  }
  if (!have_a) ya = yb = yhi;
  D = std::clamp(e, ya, yb) - e;
  D = std::clamp(D, hx[0], hx[hm - 1]);
  return true;
}

/// Per step of the forward pass: how to read the decision. Convex steps keep
/// only the split record of merge_clip (z0 and per stage segment its start
/// interval and length, at most 8 segments); the others keep V_{t+1} (Arena)
/// and their stage branches (StageCache).
struct SplitStore {
  std::vector<double> rec;           ///< per fast step: z0, then (lo_j, hi_j, len_j) per segment
  std::size_t used = 0;              ///< entries of rec in use (rec only grows: no zero-filling per solve)
  std::vector<std::uint32_t> off;    ///< per step: first entry in rec
  std::vector<std::uint8_t> m;       ///< per step: segments; 0xFF = not a fast step
  void init(std::size_t T) {
    used = 0;
    if (rec.size() < T * 8) rec.resize(T * 8);
    off.resize(T);
    m.resize(T);
  }
  /// Room for one step's record (z0 + 3 per segment, at most 12 segments); returns its start.
  double* open(std::size_t t, std::size_t segments) {
    const std::size_t need = used + 1 + 3 * segments;
    if (need > rec.size()) rec.resize(std::max(2 * rec.size(), need + 64));
    off[t] = static_cast<std::uint32_t>(used);
    m[t] = static_cast<std::uint8_t>(segments);
    return rec.data() + used;
  }
};

/// The energy change D of a fast step from the energy level e before it: the
/// stage's share z of e in the merged order (z = -D), chosen closest to 0 among
/// the optimal splits (no needless cycling when slopes tie).
double split_decision(const double* r, std::size_t m, double e) {
  double zlo = r[0], zhi = r[0];
  for (std::size_t j = 0; j < m; ++j) {
    const double lo = r[1 + 3 * j], hi = r[2 + 3 * j], len = r[3 + 3 * j];
    zlo += std::clamp(e - hi, 0.0, len);
    zhi += std::clamp(e - lo, 0.0, len);
  }
  return -std::clamp(0.0, zlo, zhi);
}

/// What the forward pass reads: V_{t+1} of the non-fast steps, their stage
/// branches, and the split records of the fast ones. A solve keeps them in
/// thread-local storage; a Plan owns a copy for later decisions.
struct DpStores {
  Arena arena;
  StageCache cache;
  SplitStore split;
};

/// One forward step: the optimal energy change at step t from stored energy e
/// (minimising stage cost + V_{t+1}), turned into powers. False when no
/// action is feasible.
struct StepOut {
  double ch = 0, dis = 0, imp = 0, exq = 0, cur = 0, e_next = 0;
};
[[gnu::always_inline]] inline bool forward_step(const Prepared& q, const DpStores& st, std::size_t t, double e, StepOut& o,
                                                Pwl& tmp) {
  std::array<GridBranch, 2> gb;
  const double eps = q.eps_x;
  const double eps_e = 1e-9 * std::max(1.0, q.ehi);
  const auto& split = st.split;
  const auto& cache = st.cache;
  const auto& arena = st.arena;
  double bestD = 0;
  int bestb = -1;
  if (split.m[t] != 0xFF) {
    bestD = split_decision(split.rec.data() + split.off[t], split.m[t], e);
    grid_branches(q, t, gb);
    bestb = cache.grid[t * 4];
  } else {
    grid_branches(q, t, gb);
    const int n = cache.n[t];
    auto hx = [&](int b) { return cache.x.data() + cache.off[t * 4 + static_cast<std::size_t>(b)]; };
    auto hv = [&](int b) { return cache.v.data() + cache.off[t * 4 + static_cast<std::size_t>(b)]; };
    auto hn = [&](int b) { return static_cast<std::size_t>(cache.cnt[t * 4 + static_cast<std::size_t>(b)]); };
    if (n == 1 && arena.convex[t + 1]) {
      const std::size_t a = arena.off[t + 1];
      if (convex_argmin(hx(0), hv(0), hn(0), e, arena.x0[t + 1], arena.a.data() + a, arena.c.data() + a,
                        arena.cnt[t + 1], eps_e, bestD))
        bestb = 0;
    } else {
      arena.get_pwl(t + 1, tmp);
      const double* vx = tmp.x.data();
      const double* vv = tmp.v.data();
      const std::size_t vn = tmp.size();
      double best = kInf;
      // candidates: breakpoints of the stage branch (V interpolated) and the
      // breakpoints of V_{t+1} reachable through the branch (h interpolated);
      // the minimum of a sum of two PWL functions sits at one of them
      auto take = [&](int b, double D, double f) {
        if (!std::isfinite(f)) return;
        if (bestb < 0 || f < best - 1e-12 * (1.0 + std::fabs(best)) ||
            (f <= best + 1e-12 * (1.0 + std::fabs(best)) && std::fabs(D) < std::fabs(bestD))) {
          if (bestb < 0 || f < best) best = f;
          bestD = D;
          bestb = b;
        }
      };
      for (int b = 0; b < n; ++b) {
        const double* x = hx(b);
        const double* v = hv(b);
        const std::size_t m = hn(b);
        for (std::size_t j = 0; j < m; ++j) take(b, x[j], v[j] + detail::eval(vx, vv, vn, e + x[j], eps_e));
        const double ylo = e + x[0] - eps, yhi = e + x[m - 1] + eps;
        std::size_t i = static_cast<std::size_t>(std::lower_bound(vx, vx + vn, ylo) - vx);
        for (; i < vn && vx[i] <= yhi; ++i) {
          const double D = std::clamp(vx[i] - e, x[0], x[m - 1]);
          take(b, D, detail::eval(x, v, m, D, eps) + vv[i]);
        }
      }
    }
    if (bestb >= 0) bestb = cache.grid[t * 4 + static_cast<std::size_t>(bestb)];
  }
  if (bestb < 0) return false;
  const double D = bestD;
  const double dt = q.dt[t];
  o = StepOut{};
  if (D > 0) o.ch = std::min(q.pch, D / (q.eta_c * dt));
  if (D < 0) o.dis = std::min(q.pdis, -D * q.eta_d / dt);
  const GridBranch& g = gb[static_cast<std::size_t>(bestb)];
  const double x = std::clamp(q.net[t] + o.ch - o.dis, g.x0, g.x1());
  double pos = g.x0;
  for (int i = 0; i < g.n; ++i) {
    const double used = std::clamp(x - pos, 0.0, g.seg[i].len);
    switch (g.seg[i].kind) {
      case Kind::exp: o.exq = g.seg[i].len - used; break;
      case Kind::cur: o.cur = g.seg[i].len - used; break;
      case Kind::imp: o.imp += used; break;
    }
    pos += g.seg[i].len;
  }
  o.e_next = e + dt * (q.eta_c * o.ch - o.dis / q.eta_d);
  return true;
}

/// Backward DP over t (V_{t}(e) = min_D h_t(D) + V_{t+1}(e + D), domain
/// clipped to the SoC band), then a forward pass recovering the schedule.
/// Convex steps (the common case: energy has a non-negative value) run in
/// slope form; the exact non-convex machinery of pwl.cpp handles the rest.
bool run_dp(const Prepared& q, bool want_schedule, DpOutput& out, DpStores* keep = nullptr) {
  const std::size_t T = q.T;
  thread_local DpStores local;
  DpStores& st = keep ? *keep : local;
  Arena& arena = st.arena;
  StageCache& cache = st.cache;
  SplitStore& split = st.split;
  thread_local Slopes S;
  thread_local Pwl V, W, phi, tmp;
  thread_local std::vector<Pwl> runs, parts;
  // every V_t: for the Bellman certificate, and for a Plan (decisions and
  // cost-to-go at any step later)
  const bool keep_all = want_schedule && (out.want_values || keep != nullptr);
  if (want_schedule) {
    arena.init(T);
    cache.init(T);
    split.init(T);
  }
  const double eps = q.eps_x;
  // V_T: affine on the terminal interval
  bool slope_form = true;  // V (current cost-to-go) lives in S when convex
  S.reserve(8);
  S.x0 = q.tlo;
  S.v0 = -q.vT * q.tlo;
  S.b = 0;
  S.n = 0;
  if (q.thi > q.tlo) {
    S.s[0] = -q.vT;
    S.l[0] = q.thi - q.tlo;
    S.n = 1;
  }
  std::array<GridBranch, 2> gb;
  std::array<StageBranch, 4> sb;
  PhiSegs ps;
  out.nonconvex_steps.clear();
  out.max_pieces = S.size() + 1;
  for (std::size_t t = T; t-- > 0;) {
    const bool fast = slope_form && fast_phi(q, t, gb, ps);
    int n = 1;
    if (!fast) {
      n = stage(q, t, gb, sb);
      if (n == 0) {
        out.infeasible_step = t;
        return false;
      }
      if (n > 1) out.nonconvex_steps.push_back(t);
    }
    if (want_schedule && (keep_all || !fast)) {
      if (slope_form) arena.put(t + 1, S);
      else arena.put(t + 1, V);
    }
    if (!fast && n == 1 && slope_form) {
      phi_of(sb[0].h, ps);  // one convex branch fast_phi() declined (e.g. an export-only step)
      goto convex_step;
    }
    if (fast) {
    convex_step:
      // convex V and convex stage cost: V_t is convex again (inf-convolution preserves convexity)
      double* rec = nullptr;
      if (want_schedule) {
        rec = split.open(t, static_cast<std::size_t>(ps.m));
        rec[0] = ps.x0;
        cache.grid[t * 4] = static_cast<std::uint8_t>(fast ? 0 : sb[0].grid);
      }
      if (!merge_clip_inplace(S, ps, q.elo, q.ehi, eps, rec ? rec + 1 : nullptr)) {
        out.infeasible_step = t;
        return false;
      }
      if (want_schedule) split.used += 1 + 3 * static_cast<std::size_t>(ps.m);
      out.max_pieces = std::max(out.max_pieces, S.size() + 1);
      continue;
    }
    if (want_schedule) {
      cache.put(t, sb, n);
      split.m[t] = 0xFF;
    }
    if (slope_form) slopes_to_pwl(S, V);
    // exact for any V: min over convex runs of V and convex stage branches
    detail::convex_runs(V, runs);
    parts.clear();
    for (int b = 0; b < n; ++b) {
      reflect(sb[b].h, phi);
      for (const auto& r : runs) {
        detail::infconv_convex(r, phi, tmp);
        detail::clip(tmp, q.elo, q.ehi, eps);
        if (!tmp.empty()) parts.push_back(tmp);
      }
    }
    if (!detail::lower_envelope(parts, eps, W)) {
      out.infeasible_step = t;
      return false;
    }
    detail::clip(W, q.elo, q.ehi, eps);
    detail::simplify(W, eps);
    if (W.empty()) {
      out.infeasible_step = t;
      return false;
    }
    V.x.swap(W.x);
    V.v.swap(W.v);
    out.max_pieces = std::max(out.max_pieces, V.size());
    slope_form = detail::is_convex(V);
    if (slope_form) pwl_to_slopes(V, S);
  }
  std::reverse(out.nonconvex_steps.begin(), out.nonconvex_steps.end());
  const double eps_e = 1e-9 * std::max(1.0, q.ehi);
  double obj;
  if (slope_form) {
    // V_0 at e0 straight from the slope form
    obj = kInf;
    if (q.e0 >= S.x0 - eps_e) {
      double x = S.x0, v = S.v0;
      obj = v;
      for (std::size_t i = S.b; i < S.n && x < q.e0; ++i) {
        const double a = std::min(S.l[i], q.e0 - x);
        v += S.s[i] * a;
        x += a;
        obj = v;
      }
      if (q.e0 > x + eps_e) obj = kInf;
    }
  } else {
    obj = detail::eval(V, q.e0, eps_e);
  }
  if (!std::isfinite(obj)) {
    out.initial_unreachable = true;
    return false;
  }
  out.objective = obj;
  if (!want_schedule) return true;
  if (keep != nullptr) {  // V_0 too, so a Plan can evaluate every V_t
    if (slope_form) arena.put(0, S);
    else arena.put(0, V);
  }
  if (out.want_values && keep_all && !out.nonconvex_steps.empty()) {
    if (slope_form) slopes_to_pwl(S, V);
    out.value_x.assign(V.x.begin(), V.x.end());
    out.value_v.assign(V.v.begin(), V.v.end());
    out.value_off.assign(1, 0);
    for (std::size_t t = 1; t <= T; ++t) {
      out.value_off.push_back(out.value_x.size());
      arena.get_pwl(t, tmp);
      out.value_x.insert(out.value_x.end(), tmp.x.begin(), tmp.x.end());
      out.value_v.insert(out.value_v.end(), tmp.v.begin(), tmp.v.end());
    }
    out.value_off.push_back(out.value_x.size());
  }
  // forward pass: at each step pick the energy change minimising stage cost + cost-to-go
  auto& s = out.schedule;
  s.grid_import_kw.resize(T);
  s.grid_export_kw.resize(T);
  s.charge_kw.resize(T);
  s.discharge_kw.resize(T);
  s.pv_curtail_kw.resize(T);
  s.soc_kwh.resize(T + 1);
  s.soc_kwh[0] = q.e0;
  double e = q.e0;
  StepOut so;
  for (std::size_t t = 0; t < T; ++t) {
    if (!forward_step(q, st, t, e, so, tmp)) {
      out.infeasible_step = t;
      return false;
    }
    s.charge_kw[t] = so.ch;
    s.discharge_kw[t] = so.dis;
    s.grid_import_kw[t] = so.imp;
    s.grid_export_kw[t] = so.exq;
    s.pv_curtail_kw[t] = so.cur;
    e = so.e_next;
    s.soc_kwh[t + 1] = e;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------- validation

Result<void> validate(const Problem& p) {
  const std::size_t T = p.steps();
  auto finite = [](double v) { return std::isfinite(v); };
  if (T == 0) return fail(Errc::invalid_argument, "price_import is empty: no steps", Where::at_field("price_import"));
  if (p.price_export.size() != T)
    return fail(Errc::invalid_argument, "price_export must have as many steps as price_import",
                Where::at_field("price_export"));
  if (!(p.dt_hours.size() == 1 || p.dt_hours.size() == T))
    return fail(Errc::invalid_argument, "dt_hours must be one number or one per step", Where::at_field("dt_hours"));
  for (std::size_t t = 0; t < p.dt_hours.size(); ++t)
    if (!(p.dt_hours[t] > 0) || !finite(p.dt_hours[t]))
      return fail(Errc::invalid_argument, "dt_hours must be > 0 and finite", Where::at_index(t, "dt_hours"));
  for (std::size_t t = 0; t < T; ++t) {
    if (!finite(p.price_import[t]))
      return fail(Errc::invalid_argument, "price_import must be finite", Where::at_index(t, "price_import"));
    if (!finite(p.price_export[t]))
      return fail(Errc::invalid_argument, "price_export must be finite", Where::at_index(t, "price_export"));
  }
  struct Opt {
    const std::vector<double>* v;
    const char* name;
    const char* msg_len;
    const char* msg_val;
  };
  const Opt opts[] = {
      {&p.load_kw, "load_kw", "load_kw must be empty or have one entry per step", "load_kw must be finite and >= 0"},
      {&p.pv_kw, "pv_kw", "pv_kw must be empty or have one entry per step", "pv_kw must be finite and >= 0"},
      {&p.emission_factor, "emission_factor", "emission_factor must be empty or have one entry per step",
       "emission_factor must be finite and >= 0"},
  };
  for (const auto& o : opts) {
    if (!o.v->empty() && o.v->size() != T) return fail(Errc::invalid_argument, o.msg_len, Where::at_field(o.name));
    for (std::size_t t = 0; t < o.v->size(); ++t)
      if (!((*o.v)[t] >= 0) || !finite((*o.v)[t])) return fail(Errc::invalid_argument, o.msg_val, Where::at_index(t, o.name));
  }
  const auto& b = p.battery;
  if (!(b.capacity_kwh > 0) || !finite(b.capacity_kwh))
    return fail(Errc::invalid_argument, "capacity_kwh must be > 0", Where::at_field("battery.capacity_kwh"));
  if (!(b.soc_min >= 0 && b.soc_min <= 1))
    return fail(Errc::invalid_argument, "soc_min must be in [0, 1]", Where::at_field("battery.soc_min"));
  if (!(b.soc_max >= b.soc_min && b.soc_max <= 1))
    return fail(Errc::invalid_argument, "soc_max must be in [soc_min, 1]", Where::at_field("battery.soc_max"));
  if (!(b.soc_init >= 0 && b.soc_init <= 1))
    return fail(Errc::invalid_argument, "soc_init must be in [0, 1]", Where::at_field("battery.soc_init"));
  if (!(b.p_charge_max_kw >= 0) || !finite(b.p_charge_max_kw))
    return fail(Errc::invalid_argument, "p_charge_max_kw must be finite and >= 0", Where::at_field("battery.p_charge_max_kw"));
  if (!(b.p_discharge_max_kw >= 0) || !finite(b.p_discharge_max_kw))
    return fail(Errc::invalid_argument, "p_discharge_max_kw must be finite and >= 0",
                Where::at_field("battery.p_discharge_max_kw"));
  if (!(b.eta_charge > 0 && b.eta_charge <= 1))
    return fail(Errc::invalid_argument, "eta_charge must be in (0, 1]", Where::at_field("battery.eta_charge"));
  if (!(b.eta_discharge > 0 && b.eta_discharge <= 1))
    return fail(Errc::invalid_argument, "eta_discharge must be in (0, 1]", Where::at_field("battery.eta_discharge"));
  if (!(b.degradation_cost_per_kwh >= 0) || !finite(b.degradation_cost_per_kwh))
    return fail(Errc::invalid_argument, "degradation_cost_per_kwh must be finite and >= 0",
                Where::at_field("battery.degradation_cost_per_kwh"));
  if ((b.terminal.mode == TerminalMode::fixed || b.terminal.mode == TerminalMode::min) &&
      !(b.terminal.soc >= 0 && b.terminal.soc <= 1))
    return fail(Errc::invalid_argument, "terminal.soc must be in [0, 1]", Where::at_field("battery.terminal.soc"));
  if (b.terminal.mode == TerminalMode::value && !finite(b.terminal.value_per_kwh))
    return fail(Errc::invalid_argument, "terminal.value_per_kwh must be finite",
                Where::at_field("battery.terminal.value_per_kwh"));
  if (!(p.grid.import_max_kw >= 0))
    return fail(Errc::invalid_argument, "import_max_kw must be >= 0", Where::at_field("grid.import_max_kw"));
  if (!(p.grid.export_max_kw >= 0))
    return fail(Errc::invalid_argument, "export_max_kw must be >= 0", Where::at_field("grid.export_max_kw"));
  for (std::size_t k = 0; k < p.demand_charges.size(); ++k) {
    const auto& w = p.demand_charges[k];
    if (!(w.price_per_kw >= 0) || !finite(w.price_per_kw))
      return fail(Errc::invalid_argument, "demand charge price_per_kw must be finite and >= 0",
                  Where::at_index(k, "demand_charges"));
    if (!(w.start < w.end && w.end <= T))
      return fail(Errc::invalid_argument, "demand charge window must satisfy start < end <= T",
                  Where::at_index(k, "demand_charges"));
    if (!(w.prior_peak_kw >= 0) || !finite(w.prior_peak_kw))
      return fail(Errc::invalid_argument, "demand charge prior_peak_kw must be finite and >= 0",
                  Where::at_index(k, "demand_charges"));
  }
  if (!finite(p.carbon.price_per_kg))
    return fail(Errc::invalid_argument, "carbon price_per_kg must be finite", Where::at_field("carbon.price_per_kg"));
  if (p.carbon.price_per_kg != 0 && p.emission_factor.empty())
    return fail(Errc::invalid_argument, "emission_factor is required when carbon price_per_kg != 0",
                Where::at_field("emission_factor"));
  return {};
}

std::vector<Infeasibility> screen(const Problem& p) {
  std::vector<Infeasibility> out;
  if (!validate(p)) return out;
  const Prepared q = prepare(p);
  char buf[256];
  for (std::size_t t = 0; t < q.T; ++t) {
    // SPEC §6: load that neither the grid nor the battery can cover
    const double short_kw = q.net[t] - q.gi[t] - q.pdis;
    if (short_kw > 1e-9) {
      std::snprintf(buf, sizeof buf,
                    "step %zu: load minus PV %.6g kW exceeds import limit %.6g kW + discharge limit %.6g kW by %.6g kW",
                    t, q.net[t], q.gi[t], q.pdis, short_kw);
      out.push_back({t, "load_not_met", short_kw, buf});
    }
    // surplus of non-curtailable PV that neither export nor charging can absorb
    const double surplus = -q.net[t] - q.curt_max[t] - q.ge - q.pch;
    if (surplus > 1e-9) {
      std::snprintf(buf, sizeof buf,
                    "step %zu: PV surplus %.6g kW exceeds export limit %.6g kW + charge limit %.6g kW "
                    "(+ curtailable %.6g kW) by %.6g kW",
                    t, -q.net[t], q.ge, q.pch, q.curt_max[t], surplus);
      out.push_back({t, "pv_surplus", surplus, buf});
    }
  }
  double up = 0, down = 0;
  for (std::size_t t = 0; t < q.T; ++t) {
    up += q.dt[t] * q.eta_c * q.pch;
    down += q.dt[t] * q.pdis / q.eta_d;
  }
  if (q.tlo > q.ehi + 1e-9 || q.thi < q.elo - 1e-9) {
    std::snprintf(buf, sizeof buf, "terminal SoC %.6g kWh lies outside the SoC band [%.6g, %.6g] kWh", q.tlo, q.elo,
                  q.ehi);
    out.push_back({q.T, "terminal_unreachable", std::max(q.tlo - q.ehi, q.elo - q.thi), buf});
  } else if (q.tlo - q.e0 > up + 1e-9) {
    std::snprintf(buf, sizeof buf,
                  "terminal SoC %.6g kWh needs %.6g kWh more than full-power charging over the horizon stores (%.6g kWh)",
                  q.tlo, q.tlo - q.e0 - up, up);
    out.push_back({q.T, "terminal_unreachable", q.tlo - q.e0 - up, buf});
  } else if (q.e0 - q.thi > down + 1e-9) {
    std::snprintf(buf, sizeof buf,
                  "terminal SoC %.6g kWh needs %.6g kWh more discharge than full power over the horizon allows (%.6g kWh)",
                  q.thi, q.e0 - q.thi - down, down);
    out.push_back({q.T, "terminal_unreachable", q.e0 - q.thi - down, buf});
  }
  return out;
}

// ---------------------------------------------------------------- evaluation

Breakdown evaluate(const Problem& p, const Schedule& s, double* objective) {
  Breakdown br;
  const std::size_t T = p.steps();
  const auto& b = p.battery;
  double e = b.soc_init * b.capacity_kwh;
  for (std::size_t t = 0; t < T; ++t) {
    const double dt = p.dt_hours.size() == 1 ? p.dt_hours[0] : p.dt_hours[t];
    const double ef = at_or(p.emission_factor, t, 0.0);
    br.energy_import += dt * p.price_import[t] * s.grid_import_kw[t];
    br.energy_export_revenue += dt * p.price_export[t] * s.grid_export_kw[t];
    br.degradation += dt * b.degradation_cost_per_kwh * (s.charge_kw[t] + s.discharge_kw[t]);
    br.carbon += p.carbon.price_per_kg * dt * ef *
                 (s.grid_import_kw[t] - (p.carbon.credit_exports ? s.grid_export_kw[t] : 0.0));
    e += dt * (b.eta_charge * s.charge_kw[t] - s.discharge_kw[t] / b.eta_discharge);
  }
  for (const auto& w : p.demand_charges) {
    double peak = w.prior_peak_kw;
    for (std::size_t t = w.start; t < w.end && t < T; ++t) peak = std::max(peak, s.grid_import_kw[t]);
    br.demand += w.price_per_kw * peak;
  }
  if (b.terminal.mode == TerminalMode::value) br.terminal_value = b.terminal.value_per_kwh * e;
  if (objective)
    *objective = br.energy_import + br.carbon + br.degradation + br.demand - br.energy_export_revenue - br.terminal_value;
  return br;
}

// ---------------------------------------------------------------- certificate

namespace {

/// Duals by complementary slackness against the primal (a chain in w: equal
/// across steps where the SoC is strictly inside its band). Any values give a
/// valid bound; these make it tight when the LP relaxation is exact.
Certificate make_certificate(const Problem& p, const Prepared& q, const Schedule& s) {
  const std::size_t T = q.T;
  Certificate c;
  c.pi.resize(T);
  c.w.resize(T);
  const double tol = 1e-7;
  // The two rows that tie w to pi: charge r/dt = c + pi - eta_c w (w vs
  // (c + pi)/eta_c), discharge r/dt = c - pi + w/eta_d (w vs eta_d (pi - c)).
  // Per step each is a lower line (w >= a pi + b), an upper line (w <= ...),
  // both, or neither, by the power's bound status: 4 flag bits per step, so
  // the forward pass rebuilds the lines instead of storing them.
  const double ac = 1.0 / q.eta_c, bc = q.cdeg / q.eta_c, ad = q.eta_d, bd = -q.eta_d * q.cdeg;
  enum : std::uint8_t { kChHi = 1, kChLo = 2, kDisLo = 4, kDisHi = 8 };
  struct Lines {
    std::array<double, 2> la, lb, ua, ub;
    int nl = 0, nu = 0;
  };
  auto lines = [&](std::uint8_t f, Lines& L) {
    L.nl = L.nu = 0;
    if (f & kChHi) { L.ua[L.nu] = ac; L.ub[L.nu++] = bc; }
    if (f & kChLo) { L.la[L.nl] = ac; L.lb[L.nl++] = bc; }
    if (f & kDisLo) { L.la[L.nl] = ad; L.lb[L.nl++] = bd; }
    if (f & kDisHi) { L.ua[L.nu] = ad; L.ub[L.nu++] = bd; }
  };
  // per step: pi interval (grid-side variables and line consistency), w interval, line flags
  std::vector<double> plo_v(T), phi_v(T), flo(T), fhi(T);
  std::vector<std::uint8_t> flags(T);
  auto near_lo = [&](double x, double lo) { return x <= lo + tol; };
  auto near_hi = [&](double x, double hi) { return x >= hi - tol; };
  const bool with_windows = !p.demand_charges.empty() && !s.peak_kw.empty();
  for (std::size_t t = 0; t < T; ++t) {
    double plo = -kInf, phi = kInf;
    auto pin = [&](double x, double lo, double hi, double price, bool plus) {
      // reduced cost of a variable with cost coefficient `price` per kWh and
      // balance coefficient +1 (plus: r = price - pi) or -1 (r = price + pi),
      // expressed as a bound on pi
      if (hi - lo <= tol) return;
      const bool atlo = near_lo(x, lo), athi = near_hi(x, hi);
      const double v = plus ? price : -price;
      const bool raise = plus ? athi : atlo;  // this status bounds pi from below
      const bool lower = plus ? atlo : athi;  // and this one from above
      if (raise && !lower) plo = std::max(plo, v);
      else if (lower && !raise) phi = std::min(phi, v);
      else if (!atlo && !athi) { plo = std::max(plo, v); phi = std::min(phi, v); }
    };
    double gi = q.gi[t];
    if (with_windows)
      for (std::size_t w = 0; w < p.demand_charges.size(); ++w) {
        const auto& dw = p.demand_charges[w];
        if (t >= dw.start && t < dw.end) gi = std::min(gi, s.peak_kw[w]);
      }
    if (q.gx.empty() || !(q.gx[t] > 0)) {
      pin(s.grid_import_kw[t], 0, gi, q.pimp[t], true);
    } else {  // soft cap: import up to the cap, and the excess above it at the penalty
      const double base = std::min(s.grid_import_kw[t], gi);
      pin(base, 0, gi, q.pimp[t], true);
      pin(s.grid_import_kw[t] - base, 0, q.gx[t], q.pimp[t] + q.mcost, true);
    }
    pin(s.grid_export_kw[t], 0, q.ge, -q.pexp[t], false);
    pin(s.pv_curtail_kw[t], 0, q.curt_max[t], 0.0, false);
    std::uint8_t f = 0;
    if (q.pch > tol) {
      const bool lo = near_lo(s.charge_kw[t], 0), hi = near_hi(s.charge_kw[t], q.pch);
      if (!hi) f |= kChHi;
      if (!lo) f |= kChLo;
    }
    if (q.pdis > tol) {
      const bool lo = near_lo(s.discharge_kw[t], 0), hi = near_hi(s.discharge_kw[t], q.pdis);
      if (!hi) f |= kDisLo;
      if (!lo) f |= kDisHi;
    }
    flags[t] = f;
    Lines L;
    lines(f, L);
    if (plo > phi) plo = phi = 0.5 * (plo + phi);  // inconsistent: keep a point (bound stays valid)
    // feasible pi interval: every lower line <= every upper line, pi in [plo, phi]
    double a0 = plo, a1 = phi;
    for (int i = 0; i < L.nl; ++i)
      for (int j = 0; j < L.nu; ++j) {
        const double da = L.la[i] - L.ua[j], db = L.ub[j] - L.lb[i];  // da*pi <= db
        if (std::fabs(da) < 1e-15) continue;
        if (da > 0) a1 = std::min(a1, db / da);
        else a0 = std::max(a0, db / da);
      }
    if (a0 > a1) a0 = a1 = 0.5 * (a0 + a1);
    plo_v[t] = a0;
    phi_v[t] = a1;
    double wlo = -kInf, whi = kInf;  // projection on w
    if (L.nl > 0 && std::isfinite(a0))
      for (int i = 0; i < L.nl; ++i) wlo = std::max(wlo, L.la[i] * a0 + L.lb[i]);
    if (L.nu > 0 && std::isfinite(a1))
      for (int j = 0; j < L.nu; ++j) whi = std::min(whi, L.ua[j] * a1 + L.ub[j]);
    flo[t] = wlo;
    fhi[t] = whi;
  }
  // backward: feasible sets of w_t given the SoC bound status of e_{t+1}
  for (std::size_t t = T; t-- > 0;) {
    double lo = flo[t], hi = fhi[t];
    const double e = s.soc_kwh[t + 1];
    double rlo = -kInf, rhi = kInf;  // constraint from r_e = w_t - w_next (or - vT)
    double nlo, nhi, blo, bhi;
    if (t + 1 == T) {
      nlo = nhi = q.vT;
      blo = q.tlo;
      bhi = q.thi;
    } else {
      nlo = flo[t + 1];
      nhi = fhi[t + 1];
      blo = q.elo;
      bhi = q.ehi;
    }
    const bool atlo = e <= blo + 1e-6, athi = e >= bhi - 1e-6;
    if (bhi - blo <= 1e-9) {
    } else if (atlo && !athi) rlo = nlo;        // w_t >= w_next
    else if (athi && !atlo) rhi = nhi;          // w_t <= w_next
    else if (!atlo && !athi) { rlo = nlo; rhi = nhi; }
    double a = std::max(lo, rlo), b = std::min(hi, rhi);
    if (a > b) {  // chain broken (complementarity binds, or tolerance): keep the step's own interval
      a = lo;
      b = hi;
      if (a > b) a = b = 0.5 * (a + b);
    }
    flo[t] = a;
    fhi[t] = b;
  }
  // forward: choose w_t inside its set, as close to the previous choice as allowed
  // (pilo/pihi reuse plo_v/phi_v: each step's entry is read before it is overwritten)
  std::vector<double>& pilo = plo_v;
  std::vector<double>& pihi = phi_v;
  double prev = 0;
  for (std::size_t t = 0; t < T; ++t) {
    double target = t == 0 ? 0.0 : prev;
    if (t == 0) {
      if (std::isfinite(flo[0]) && std::isfinite(fhi[0])) target = 0.5 * (flo[0] + fhi[0]);
      else if (std::isfinite(flo[0])) target = flo[0];
      else if (std::isfinite(fhi[0])) target = fhi[0];
    }
    double w = std::clamp(target, flo[t], std::max(flo[t], fhi[t]));
    if (!std::isfinite(w)) w = 0;
    c.w[t] = w;
    prev = w;
    // pi: inside [plo, phi] and consistent with w
    Lines L;
    lines(flags[t], L);
    double lo = plo_v[t], hi = phi_v[t];
    for (int i = 0; i < L.nl; ++i) hi = std::min(hi, (w - L.lb[i]) / L.la[i]);   // w >= la pi + lb
    for (int j = 0; j < L.nu; ++j) lo = std::max(lo, (w - L.ub[j]) / L.ua[j]);  // w <= ua pi + ub
    double pi;
    if (lo <= hi) {
      pi = std::isfinite(lo) ? (std::isfinite(hi) ? 0.5 * (lo + hi) : lo) : (std::isfinite(hi) ? hi : q.pimp[t]);
    } else {
      pi = std::isfinite(lo) ? lo : hi;
    }
    c.pi[t] = pi;
    pilo[t] = std::min(lo, hi);
    pihi[t] = std::max(lo, hi);
  }
  // Demand rows imp_t <= P_k: nu_t = dt (pi_t - p_imp_t) >= 0 at steps held at
  // the peak (their import sits at the cap, so pi may exceed p_imp). Choose
  // those pi inside their intervals so that sum nu = price (the reduced cost
  // of P_k vanishes), or as close as the intervals allow.
  c.demand_nu.resize(p.demand_charges.size());
  for (std::size_t k = 0; k < p.demand_charges.size(); ++k) {
    const auto& dw = p.demand_charges[k];
    auto& nu = c.demand_nu[k];
    nu.assign(dw.end - dw.start, 0.0);
    const double P = s.peak_kw.empty() ? 0 : s.peak_kw[k];
    std::vector<std::size_t> at;
    for (std::size_t t = dw.start; t < dw.end; ++t)
      if (P > 1e-9 && s.grid_import_kw[t] >= P - 1e-7 && s.grid_import_kw[t] < q.gi[t] - 1e-7) at.push_back(t);
    const bool at_prior = P <= dw.prior_peak_kw + 1e-7;
    double sum = 0;
    for (std::size_t t : at) {
      c.pi[t] = std::max(pilo[t], q.pimp[t]);
      if (c.pi[t] > pihi[t]) c.pi[t] = pihi[t];
      sum += q.dt[t] * std::max(0.0, c.pi[t] - q.pimp[t]);
    }
    double need = dw.price_per_kw - sum;
    if (!at_prior || need < 0) {
      for (std::size_t t : at) {
        if (need <= 0) break;
        const double room = std::isfinite(pihi[t]) ? q.dt[t] * (pihi[t] - c.pi[t]) : kInf;
        const double take = std::min(room, need);
        c.pi[t] += take / q.dt[t];
        need -= take;
      }
    }
    for (std::size_t t : at) nu[t - dw.start] = q.dt[t] * std::max(0.0, c.pi[t] - q.pimp[t]);
  }
  return c;
}

}  // namespace

// ---------------------------------------------------------------- verifier

namespace {

// Lagrangian bound of the LP relaxation (SPEC §4.2 duals): every variable is
// boxed, so LB(pi, w, nu) = const + sum_j min(l_j r_j, u_j r_j) for ANY multipliers.
double lp_bound(const Problem& p, const Prepared& q, const Certificate& c) {
  const std::size_t T = q.T;
  if (c.pi.size() != T || c.w.size() != T || c.demand_nu.size() != p.demand_charges.size()) return -kInf;
  auto term = [](double r, double lo, double hi) {
    if (r == 0) return 0.0;
    const double bnd2 = r > 0 ? lo : hi;
    if (!std::isfinite(bnd2)) return -kInf;
    return r * bnd2;
  };
  double lb = -c.w[0] * q.e0;
  std::vector<double> nu_t(p.demand_charges.empty() ? 0 : T, 0.0);  // peak-row duals per step
  for (std::size_t k = 0; k < p.demand_charges.size(); ++k) {
    const auto& dw = p.demand_charges[k];
    double sum = 0;
    if (c.demand_nu[k].size() != dw.end - dw.start) return -kInf;
    for (std::size_t t = dw.start; t < dw.end; ++t) {
      const double nu = std::max(0.0, c.demand_nu[k][t - dw.start]);  // inequality row: nu >= 0
      nu_t[t] += nu;
      sum += nu;
    }
    // peak variable P_k in [prior, max(prior, import_max)]: P above the import limit is never useful
    lb += term(dw.price_per_kw - sum, dw.prior_peak_kw, std::max(dw.prior_peak_kw, p.grid.import_max_kw));
  }
  for (std::size_t t = 0; t < T; ++t) {
    const double dt = q.dt[t], pi = c.pi[t], w = c.w[t];
    lb += dt * pi * q.net[t];
    const double nu = nu_t.empty() ? 0.0 : nu_t[t];
    lb += term(dt * (q.pimp[t] - pi) + nu, 0, std::min(p.grid.import_max_kw, q.gi[t]));
    if (!q.gx.empty() && q.gx[t] > 0) lb += term(dt * (q.pimp[t] + q.mcost - pi) + nu, 0, q.gx[t]);
    lb += term(dt * (-q.pexp[t] + pi), 0, q.ge);
    lb += term(dt * pi, 0, q.curt_max[t]);
    lb += term(dt * (q.cdeg + pi - q.eta_c * w), 0, q.pch);
    lb += term(dt * (q.cdeg - pi + w / q.eta_d), 0, q.pdis);
    if (t + 1 < T) lb += term(w - c.w[t + 1], q.elo, q.ehi);
    else lb += term(w - q.vT, q.tlo, q.thi);
  }
  return lb;
}

/// One branch of the canonical stage cost for the Bellman check, rebuilt here
/// from the problem data alone (not from the solver's stage()): one battery
/// direction (complementarity) and one grid direction (import-only or
/// export-only; with p_exp <= p_imp their minimum equals the netted cost,
/// SPEC §4.1). Linear between consecutive entries of `d`.
struct CheckBranch {
  std::array<double, 10> d{}, h{};
  int n = 0;
};

bool check_branch(const Prepared& q, std::size_t t, bool charge, bool import, CheckBranch& br) {
  const double dt = q.dt[t], N = q.net[t], C = q.curt_max[t];
  const double gi = q.gi[t], ge = q.ge, pi = q.pimp[t], pe = q.pexp[t];
  // battery power p >= 0 in the chosen direction; bus requirement x = N + p (charge) or N - p
  const double pmax = charge ? q.pch : q.pdis;
  // grid feasibility of x: import-only x in [-C, gi], export-only x in [-(ge + C), 0]
  const double xlo = import ? -C : -(ge + C), xhi = import ? gi : 0.0;
  double plo, phi;
  if (charge) {
    plo = std::max(0.0, xlo - N);
    phi = std::min(pmax, xhi - N);
  } else {
    plo = std::max(0.0, N - xhi);
    phi = std::min(pmax, N - xlo);
  }
  if (plo > phi + 1e-12 * (1.0 + std::fabs(phi))) return false;
  phi = std::max(plo, phi);
  auto cost = [&](double pw) {  // currency over the step, cheapest grid flows for this x
    const double x = charge ? N + pw : N - pw;
    double g;
    if (import) {
      const double imp = pi >= 0 ? std::max(0.0, x) : std::min(gi, x + C);
      g = pi * imp;
    } else {
      const double ex = pe >= 0 ? std::min(ge, -x) : std::max(0.0, -x - C);
      g = -pe * ex;
    }
    return dt * (q.cdeg * pw + g);
  };
  auto to_d = [&](double pw) { return charge ? q.eta_c * pw * dt : -pw * dt / q.eta_d; };
  // kinks of the grid cost in x, as battery powers; plus the ends
  std::array<double, 8> pws{};
  int m = 0;
  pws[m++] = plo;
  pws[m++] = phi;
  const double xk[] = {0.0, gi - C, -ge, -C};
  for (double x : xk) {
    const double pw = charge ? x - N : N - x;
    if (pw > plo && pw < phi) pws[m++] = pw;
  }
  std::sort(pws.begin(), pws.begin() + m);
  br.n = 0;
  for (int i = 0; i < m; ++i) {
    const double D = to_d(pws[i]);
    br.d[br.n] = D;
    br.h[br.n++] = cost(pws[i]);
  }
  if (!charge) {  // increasing D
    std::reverse(br.d.begin(), br.d.begin() + br.n);
    std::reverse(br.h.begin(), br.h.begin() + br.n);
  }
  return true;
}

/// Bellman bound: V_0(e_0) - sum_t delta_t where delta_t is the largest
/// violation of V_t(e) <= h_t(D) + V_{t+1}(e + D) (then V_t - sum_{s>=t} delta_s
/// satisfies the inequality exactly and is a lower bound of the cost-to-go by
/// induction). The difference of the two sides is piecewise linear on the
/// arrangement of the lines e = breakpoint of V_t, D = kink of h_t and
/// e + D = breakpoint of V_{t+1}, so its minimum over the feasible polygon is
/// at a vertex of that arrangement; every vertex is examined. -inf if absent
/// or malformed, or if V_t is +inf where a feasible change reaches V_{t+1}.
double bellman_bound(const Prepared& q, const Certificate& c) {
  const std::size_t T = q.T;
  const auto& off = c.value_offset;
  if (off.size() != T + 2 || c.value_e_kwh.size() != c.value_cost.size() || off.back() != c.value_e_kwh.size())
    return -kInf;
  for (std::size_t t = 0; t <= T; ++t) {
    if (off[t + 1] <= off[t]) return -kInf;
    for (std::size_t i = off[t]; i < off[t + 1]; ++i) {
      if (!std::isfinite(c.value_e_kwh[i]) || !std::isfinite(c.value_cost[i])) return -kInf;
      if (i > off[t] && !(c.value_e_kwh[i] > c.value_e_kwh[i - 1])) return -kInf;
    }
  }
  const double* X = c.value_e_kwh.data();
  const double* Y = c.value_cost.data();
  const double eps = 1e-9 * std::max(1.0, q.ehi);
  auto ev = [&](std::size_t t, double e) { return detail::eval(X + off[t], Y + off[t], off[t + 1] - off[t], e, eps); };
  double total = 0;
  {  // terminal: V_T <= -vT e on [tlo, thi], defined there
    const std::size_t a = off[T], n = off[T + 1] - a;
    if (X[a] > q.tlo + eps || X[a + n - 1] < q.thi - eps) return -kInf;
    double d = std::max(ev(T, q.tlo) + q.vT * q.tlo, ev(T, q.thi) + q.vT * q.thi);
    for (std::size_t i = a; i < a + n; ++i)
      if (X[i] >= q.tlo && X[i] <= q.thi) d = std::max(d, Y[i] + q.vT * X[i]);
    total += std::max(0.0, d);
  }
  for (std::size_t t = 0; t < T; ++t) {
    const std::size_t a0 = off[t], n0 = off[t + 1] - a0, a1 = off[t + 1], n1 = off[t + 2] - a1;
    const double* x = X + a0;  // V_t
    const double* vx = Y + a0;
    const double* y = X + a1;  // V_{t+1}
    const double* vy = Y + a1;
    double worst = 0;  // most negative h + V_{t+1} - V_t seen
    for (int dir = 0; dir < 2; ++dir)
      for (int grid = 0; grid < 2; ++grid) {
        CheckBranch br;
        if (!check_branch(q, t, dir == 0, grid == 0, br)) continue;
        const double dlo = br.d[0], dhi = br.d[br.n - 1];
        // energy levels from which this branch reaches V_{t+1}'s domain, inside the band
        const double elo = std::max(q.elo, y[0] - dhi), ehi = std::min(q.ehi, y[n1 - 1] - dlo);
        if (elo > ehi + eps) continue;
        if (elo < x[0] - eps || ehi > x[n0 - 1] + eps) return -kInf;  // V_t = +inf where a move is feasible
        auto f = [&](double e, double D, double hD) {
          const double r = hD + ev(t + 1, e + D) - ev(t, std::clamp(e, x[0], x[n0 - 1]));
          if (r < worst) worst = r;
        };
        // vertices (e = x_j, D = d_k) and (D = d_k, e + D = y_i)
        for (int k = 0; k < br.n; ++k) {
          const double D = br.d[k];
          for (std::size_t j = 0; j < n0; ++j)
            if (x[j] >= elo - eps && x[j] <= ehi + eps && x[j] + D >= y[0] - eps && x[j] + D <= y[n1 - 1] + eps)
              f(x[j], D, br.h[k]);
          for (std::size_t i = 0; i < n1; ++i) {
            const double e = y[i] - D;
            if (e >= elo - eps && e <= ehi + eps) f(e, D, br.h[k]);
          }
          for (double e : {elo, ehi}) f(e, D, br.h[k]);
        }
        // vertices (e = x_j, e + D = y_i) with D strictly inside a linear piece
        // (d_k, d_{k+1}) of h: min over the window of vy_i + a y_i by a monotone deque
        for (int k = 0; k + 1 < br.n; ++k) {
          const double w = br.d[k + 1] - br.d[k];
          if (w <= 0) continue;
          const double sl = (br.h[k + 1] - br.h[k]) / w;
          std::vector<std::size_t> dq;
          std::size_t head = 0, next = 0;
          for (std::size_t j = 0; j < n0; ++j) {
            if (x[j] < elo - eps || x[j] > ehi + eps) continue;
            const double ya = x[j] + br.d[k], yb = x[j] + br.d[k + 1];
            while (next < n1 && y[next] < yb) {
              const double g = vy[next] + sl * y[next];
              while (dq.size() > head && vy[dq.back()] + sl * y[dq.back()] >= g) dq.pop_back();
              dq.push_back(next++);
            }
            while (head < dq.size() && y[dq[head]] <= ya) ++head;
            if (head < dq.size()) {
              const std::size_t i = dq[head];
              const double r = br.h[k] + sl * (y[i] - x[j] - br.d[k]) + vy[i] - vx[j];
              if (r < worst) worst = r;
            }
          }
        }
      }
    total += -worst;
  }
  const double v0 = ev(0, q.e0);
  if (!std::isfinite(v0)) return -kInf;
  return v0 - total;
}

}  // namespace

Verification verify(const Problem& p, const Schedule& s, const Certificate& c, const VerifyOptions& o) {
  Verification v;
  if (!validate(p)) {
    v.reason = "problem does not validate";
    return v;
  }
  const Prepared q = prepare(p);
  const std::size_t T = q.T;
  auto sized = [&](const std::vector<double>& a, std::size_t n) { return a.size() == n; };
  if (!sized(s.grid_import_kw, T) || !sized(s.grid_export_kw, T) || !sized(s.charge_kw, T) ||
      !sized(s.discharge_kw, T) || !sized(s.pv_curtail_kw, T)) {
    v.reason = "schedule arrays must have T entries";
    return v;
  }
  double bal = 0, bnd = 0, soc = 0, sim = 0;
  double e = q.e0;
  for (std::size_t t = 0; t < T; ++t) {
    const double imp = s.grid_import_kw[t], ex = s.grid_export_kw[t], ch = s.charge_kw[t], dis = s.discharge_kw[t],
                 cur = s.pv_curtail_kw[t];
    bal = std::max(bal, std::fabs(imp - ex - ch + dis - cur - q.net[t]));
    bnd = std::max({bnd, -imp, imp - p.grid.import_max_kw, -ex, ex - q.ge, -ch, ch - q.pch, -dis, dis - q.pdis, -cur,
                    cur - q.curt_max[t]});
    sim = std::max({sim, std::min(ch, dis), std::min(imp, ex)});
    e += q.dt[t] * (q.eta_c * ch - dis / q.eta_d);
    soc = std::max({soc, q.elo - e, e - q.ehi});
  }
  soc = std::max({soc, q.tlo - e, e - q.thi});
  v.max_balance_violation_kw = bal;
  v.max_bound_violation = bnd;
  v.max_soc_violation_kwh = soc;
  v.max_simultaneous_kw = sim;
  v.breakdown = evaluate(p, s, &v.objective);
  if (bal > o.power_abs_kw) v.reason = "power balance violated";
  else if (bnd > o.power_abs_kw) v.reason = "a power bound is violated";
  else if (soc > o.energy_abs_kwh) v.reason = "state of charge leaves its band or misses the terminal condition";
  else if (sim > o.power_abs_kw) v.reason = "charges and discharges (or imports and exports) at the same time";
  v.feasible = v.reason.empty();
  v.lp_bound = lp_bound(p, q, c);
  v.bellman_bound = bellman_bound(q, c);
  v.lower_bound = std::max(v.lp_bound, v.bellman_bound);
  if (v.lower_bound == -kInf && v.reason.empty() && (c.pi.size() != T || c.w.size() != T))
    v.reason = "certificate has the wrong size";
  v.gap = v.objective - v.lower_bound;
  v.proven_optimal = v.feasible && v.gap <= o.gap_rel * std::max(1.0, std::fabs(v.objective));
  if (v.feasible && v.gap < -o.gap_rel * std::max(1.0, std::fabs(v.objective)) - 1e-6) {
    v.feasible = false;
    v.reason = "lower bound above the objective: inconsistent evaluation";
  }
  return v;
}

// ---------------------------------------------------------------- solve

namespace {

Error infeasible_error(const Problem& p, const DpOutput& d) {
  auto issues = screen(p);
  if (!issues.empty()) {
    const auto& i = issues.front();
    if (i.constraint == "load_not_met")
      return Error(Errc::infeasible, "load cannot be met: load - pv exceeds import + discharge limits",
                   Where::at_index(i.step, "load_kw"));
    if (i.constraint == "pv_surplus")
      return Error(Errc::infeasible, "non-curtailable PV surplus exceeds export + charge limits",
                   Where::at_index(i.step, "pv_kw"));
    return Error(Errc::infeasible, "terminal state of charge cannot be reached", Where::at_field("battery.terminal"));
  }
  if (d.initial_unreachable)
    return Error(Errc::infeasible, "from soc_init no schedule reaches the terminal condition within the SoC band",
                 Where::at_field("battery.soc_init"));
  return Error(Errc::infeasible, "no state of charge in the band is feasible from this step on",
               Where::at_index(d.infeasible_step, "soc_kwh"));
}


/// The peak-row fit needs disjoint windows (one cap row per step) whose optimal
/// caps lie below the import limit. `at_prior[k]`: the cap sits on the
/// incumbent peak, where the duals' sum need only stay at or below the price
/// (the peak variable rests on its lower bound); elsewhere it must equal it.
bool demand_windows_fit(const Problem& p, const std::vector<double>& P, std::vector<char>& at_prior) {
  std::vector<std::pair<std::size_t, std::size_t>> iv;
  at_prior.assign(p.demand_charges.size(), 0);
  for (std::size_t k = 0; k < p.demand_charges.size(); ++k) {
    const auto& dw = p.demand_charges[k];
    const double m = 1e-6 * std::max(1.0, P[k]);
    if (!(P[k] < p.grid.import_max_kw - m)) return false;
    at_prior[k] = P[k] <= dw.prior_peak_kw + m;
    iv.emplace_back(dw.start, dw.end);
  }
  std::sort(iv.begin(), iv.end());
  for (std::size_t i = 1; i < iv.size(); ++i)
    if (iv[i].first < iv[i - 1].second) return false;
  return true;
}

/// Peak-row duals that close the gap with demand windows (docs/battery.md,
/// "Certificate with demand windows"). F(P), the optimal cost with the caps
/// P fixed, is convex and piecewise linear in P (parametric LP); at the
/// optimal caps P* the vector of prices lies in its negated subdifferential
/// S = {sum of cap duals per window}. The capped problem's duals at P* + delta d
/// (delta tiny) give the point of S extreme in direction -d (its gradient
/// there). Wolfe's minimum-norm-point algorithm over such points finds the
/// convex combination whose per-window sums equal the prices; the same
/// combination of the full dual vectors (pi, w, nu) is a dual of the demand
/// LP whose Lagrangian bound equals F(P*) + price . P* up to the linearisation
/// error over delta. Returns the certificate's LP bound (written to `out`), or
/// -inf if none could be formed.
double fit_demand_duals(const Problem& p, Prepared& q, const std::vector<double>& gi0, const std::vector<double>& Pstar,
                        const std::vector<char>& at_prior, Certificate& out, int& dp_passes) {
  const std::size_t K = p.demand_charges.size(), T = q.T;
  struct Point {
    std::vector<double> pi, w, nu;  // nu: per step (0 outside the windows)
    Eigen::VectorXd y;              // sum of nu per window minus the price
  };
  std::vector<Point> pts;
  DpOutput d;
  Schedule s;
  std::vector<double> cap(K);
  // Caps are soft here (import above a cap costs `mcost` more per kWh): below
  // the smallest feasible cap the capped problem stays feasible and its duals
  // carry the ray that makes the prices reachable when an optimal cap sits
  // at that edge (the usual case: the battery is empty at the peak). Any
  // (pi, w, nu >= 0) is a dual of the demand LP, so the bound stays valid.
  double pmax = 0, dtmin = kInf;
  for (std::size_t t = 0; t < T; ++t) {
    pmax = std::max({pmax, std::fabs(q.pimp[t]), std::fabs(q.pexp[t])});
    dtmin = std::min(dtmin, q.dt[t]);
  }
  for (const auto& dw : p.demand_charges) pmax = std::max(pmax, dw.price_per_kw);
  q.mcost = 1e3 * (1.0 + pmax + q.cdeg) / dtmin;
  auto oracle = [&](const Eigen::VectorXd& dir, Point& pt) -> bool {
    q.gi = gi0;
    q.gx.assign(T, 0.0);
    for (std::size_t k = 0; k < K; ++k) {
      const auto& dw = p.demand_charges[k];
      // a window on its incumbent peak is probed from above (right derivative: sum <= price)
      const double dk = at_prior[k] ? 1.0 : dir[static_cast<Eigen::Index>(k)];
      cap[k] = Pstar[k] + 1e-6 * std::max(1.0, Pstar[k]) * dk;
      for (std::size_t t = dw.start; t < dw.end; ++t) {
        q.gi[t] = std::min(gi0[t], cap[k]);
        q.gx[t] = gi0[t] - q.gi[t];
      }
    }
    ++dp_passes;
    const bool ok = run_dp(q, true, d);
    if (!ok) return false;
    s = std::move(d.schedule);
    s.peak_kw.clear();  // caps are in q.gi: the capped problem's own duals
    Certificate c = make_certificate(p, q, s);
    pt.pi = std::move(c.pi);
    pt.w = std::move(c.w);
    pt.nu.assign(T, 0.0);
    pt.y.resize(static_cast<Eigen::Index>(K));
    for (std::size_t k = 0; k < K; ++k) {
      const auto& dw = p.demand_charges[k];
      double sum = 0;
      for (std::size_t t = dw.start; t < dw.end; ++t) {
        // the cap binds (below the import limit) and import sits on it: its
        // dual is what the balance price exceeds the import price by
        if (cap[k] < gi0[t] && s.grid_import_kw[t] >= cap[k] - 1e-7 * std::max(1.0, cap[k]))
          pt.nu[t] = q.dt[t] * std::max(0.0, pt.pi[t] - q.pimp[t]);
        sum += pt.nu[t];
      }
      pt.y[static_cast<Eigen::Index>(k)] = at_prior[k] ? 0.0 : sum - p.demand_charges[k].price_per_kw;
    }
    return true;
  };
  const Eigen::Index Ke = static_cast<Eigen::Index>(K);
  Point first;
  if (!oracle(Eigen::VectorXd::Zero(Ke), first)) {
    q.gi = gi0;
    q.gx.clear();
    return -kInf;
  }
  pts.push_back(std::move(first));
  std::vector<double> lam{1.0};
  double scale = 1.0;
  for (const auto& dw : p.demand_charges) scale = std::max(scale, std::fabs(dw.price_per_kw));
  const double tol = 1e-12 * scale;
  auto current = [&]() {
    Eigen::VectorXd x = Eigen::VectorXd::Zero(Ke);
    for (std::size_t i = 0; i < pts.size(); ++i) x += lam[i] * pts[i].y;
    return x;
  };
  // Wolfe (1976), "Finding the nearest point in a polytope": major cycles add
  // the oracle's point, minor cycles keep the corral's affine minimiser inside
  // its convex hull.
  for (int major = 0; major < 8 * static_cast<int>(K) + 16; ++major) {
    Eigen::VectorXd x = current();
    const double xn = x.lpNorm<Eigen::Infinity>();
    if (xn <= tol) break;
    Point np;
    if (!oracle(x / xn, np)) break;  // extreme point in direction -x: caps raised where the duals exceed the price
    if (x.dot(np.y) >= x.squaredNorm() - 1e-12 * (x.squaredNorm() + scale * scale)) break;  // no progress: done
    pts.push_back(std::move(np));
    lam.push_back(0.0);
    for (int minor = 0; minor < 64; ++minor) {
      const Eigen::Index n = static_cast<Eigen::Index>(pts.size());
      Eigen::MatrixXd A = Eigen::MatrixXd::Zero(n + 1, n + 1);
      Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n + 1);
      for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 0; j < n; ++j)
          A(i, j) = pts[static_cast<std::size_t>(i)].y.dot(pts[static_cast<std::size_t>(j)].y);
        A(i, n) = A(n, i) = 1.0;
      }
      rhs[n] = 1.0;
      const Eigen::VectorXd sol = A.completeOrthogonalDecomposition().solve(rhs);
      bool inside = true;
      for (Eigen::Index i = 0; i < n; ++i) inside &= sol[i] > 1e-14;
      if (inside) {
        for (Eigen::Index i = 0; i < n; ++i) lam[static_cast<std::size_t>(i)] = sol[i];
        break;
      }
      double theta = 1.0;
      for (Eigen::Index i = 0; i < n; ++i) {
        const double l = lam[static_cast<std::size_t>(i)], a = sol[i];
        if (a <= 1e-14 && l - a > 0) theta = std::min(theta, l / (l - a));
      }
      for (Eigen::Index i = 0; i < n; ++i) {
        auto& l = lam[static_cast<std::size_t>(i)];
        l = (1 - theta) * l + theta * sol[i];
      }
      for (std::size_t i = pts.size(); i-- > 0;)  // drop the points whose weight reached 0
        if (lam[i] <= 1e-14) {
          pts.erase(pts.begin() + static_cast<std::ptrdiff_t>(i));
          lam.erase(lam.begin() + static_cast<std::ptrdiff_t>(i));
        }
      if (pts.size() <= 1) {
        lam.assign(pts.size(), 1.0);
        break;
      }
    }
  }
  q.gi = gi0;
  q.gx.clear();
  q.mcost = 0;
  double lsum = 0;
  for (double l : lam) lsum += l;
  Certificate c;
  c.pi.assign(T, 0.0);
  c.w.assign(T, 0.0);
  std::vector<double> nu(T, 0.0);
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const double l = lam[i] / lsum;
    for (std::size_t t = 0; t < T; ++t) {
      c.pi[t] += l * pts[i].pi[t];
      c.w[t] += l * pts[i].w[t];
      nu[t] += l * pts[i].nu[t];
    }
  }
  c.demand_nu.resize(K);
  for (std::size_t k = 0; k < K; ++k) {
    const auto& dw = p.demand_charges[k];
    c.demand_nu[k].assign(nu.begin() + static_cast<std::ptrdiff_t>(dw.start), nu.begin() + static_cast<std::ptrdiff_t>(dw.end));
  }
  const double lb = lp_bound(p, q, c);
  out.pi = std::move(c.pi);
  out.w = std::move(c.w);
  out.demand_nu = std::move(c.demand_nu);
  return lb;
}

}  // namespace

Result<Solution> solve(const Problem& p, const SolveOptions& o) {
  JOULE_RETURN_IF_ERROR(validate(p));
  Prepared q = prepare(p);
  const std::size_t K = p.demand_charges.size();
  Solution sol;
  const auto& b = p.battery;
  if (b.soc_init < b.soc_min || b.soc_init > b.soc_max)
    sol.warnings.push_back("soc_init outside [soc_min, soc_max]: band widened to include it (SPEC 3.4)");
  for (std::size_t t = 0; t < q.T; ++t)
    if (q.pexp[t] > q.pimp[t]) {
      sol.warnings.push_back("export price above import price at some steps: import/export exclusivity enforced by branching");
      break;
    }
  DpOutput d;
  std::vector<double> P(K, 0.0);
  const std::vector<double> gi0 = q.gi;
  auto apply_caps = [&]() {
    q.gi = gi0;
    for (std::size_t k = 0; k < K; ++k)
      for (std::size_t t = p.demand_charges[k].start; t < p.demand_charges[k].end; ++t) q.gi[t] = std::min(q.gi[t], P[k]);
  };
  bool nonconvex_seen = false;  // some DP pass met a non-convex stage: keep the global bracket
  auto total = [&](bool sched) -> double {
    apply_caps();
    ++sol.dp_passes;
    const bool ok = run_dp(q, sched, d);
    nonconvex_seen |= !d.nonconvex_steps.empty();
    if (!ok) return kInf;
    double f = d.objective;
    for (std::size_t k = 0; k < K; ++k) f += p.demand_charges[k].price_per_kw * P[k];
    return f;
  };
  if (K > 0) {
    // Outer search over each window's peak cap P_k (SPEC §5: the cost is convex
    // in it when the stage costs are convex): golden section per window, cyclically.
    std::vector<double> lo(K), hi(K);
    for (std::size_t k = 0; k < K; ++k) {
      const auto& w = p.demand_charges[k];
      double need = 0;
      for (std::size_t t = w.start; t < w.end; ++t)
        need = std::max(need, q.net[t] + q.pch + q.curt_max[t]);
      lo[k] = w.prior_peak_kw;
      hi[k] = std::max(lo[k], std::min(p.grid.import_max_kw, need));
      P[k] = hi[k];
    }
    // a start point (e.g. the previous MPC step's peaks), where one is given
    const bool hinted = o.peak_start_kw.size() == K;
    if (hinted)
      for (std::size_t k = 0; k < K; ++k)
        if (std::isfinite(o.peak_start_kw[k])) P[k] = std::clamp(o.peak_start_kw[k], lo[k], hi[k]);
    double best = total(false);
    if (hinted && !std::isfinite(best)) {  // the start is infeasible: from the top
      for (std::size_t k = 0; k < K; ++k) P[k] = hi[k];
      best = total(false);
    }
    if (!std::isfinite(best)) return fail(infeasible_error(p, d));
    for (int round = 0; round < o.max_peak_rounds; ++round) {
      const double before = best;
      for (std::size_t k = 0; k < K; ++k) {
        double a = lo[k], bb = hi[k];
        if (bb - a <= 0) continue;
        const double keep = P[k];
        if (!nonconvex_seen && (round > 0 || hinted)) {
          // Warm bracket: the cost is convex in P_k (every stage convex so far), so
          // steps growing 4x from the current cap bracket its minimum at the first
          // rise; infeasible caps cost +inf and end a step too.
          auto at = [&](double x) {
            P[k] = x;
            return total(false);
          };
          const double h0 = std::max(1e-4 * (bb - a), 8 * std::max(o.peak_tol_kw * std::max(1.0, bb), 1e-12));
          double xl = std::max(a, keep - h0), xr = std::min(bb, keep + h0);
          // downhill from x (cost f) towards `end` until the cost rises: returns
          // the bracket's far end; `back` becomes the point before the last descent
          auto descend = [&](double x, double f, double dir, double end, double& back) {
            for (double h = h0;;) {
              if (dir * (x - end) >= 0) return end;
              h *= 4;
              const double xn = dir > 0 ? std::min(end, x + h) : std::max(end, x - h), fn = at(xn);
              if (!(fn < f)) return xn;
              back = x;
              x = xn;
              f = fn;
            }
          };
          const double fr = xr > keep ? at(xr) : best;
          if (fr < best) {
            xl = keep;
            xr = descend(xr, fr, 1.0, bb, xl);
          } else if (const double fl = xl < keep ? at(xl) : best; fl < best) {
            xr = keep;
            xl = descend(xl, fl, -1.0, a, xr);
          }
          a = xl;
          bb = xr;
          P[k] = keep;
        } else {
          // smallest feasible cap: feasibility is monotone in P
          P[k] = a;
          if (!std::isfinite(total(false))) {
            double fa = a, fb = keep;  // fb feasible
            while (fb - fa > 1e-10 * std::max(1.0, fb)) {
              P[k] = 0.5 * (fa + fb);
              if (std::isfinite(total(false))) fb = P[k];
              else fa = P[k];
            }
            a = fb;
          }
        }
        const double g = 0.5 * (std::sqrt(5.0) - 1.0);
        double x1 = bb - g * (bb - a), x2 = a + g * (bb - a);
        P[k] = x1;
        double f1 = total(false);
        P[k] = x2;
        double f2 = total(false);
        const double tol = std::max(o.peak_tol_kw * std::max(1.0, bb), 1e-12);
        while (bb - a > tol) {
          if (f1 <= f2) {
            bb = x2;
            x2 = x1;
            f2 = f1;
            x1 = bb - g * (bb - a);
            P[k] = x1;
            f1 = total(false);
          } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + g * (bb - a);
            P[k] = x2;
            f2 = total(false);
          }
        }
        double cands[4] = {a, bb, x1, x2};
        double bestx = keep, bestf = best;
        for (double x : cands) {
          P[k] = x;
          const double f = total(false);
          if (f < bestf) {
            bestf = f;
            bestx = x;
          }
        }
        P[k] = bestx;
        best = bestf;
      }
      if (before - best <= 1e-12 * std::max(1.0, std::fabs(best))) break;
    }
  }
  const double f = total(true);
  if (!std::isfinite(f)) return fail(infeasible_error(p, d));
  sol.schedule = std::move(d.schedule);
  sol.nonconvex_steps = d.nonconvex_steps;
  sol.max_pieces = d.max_pieces;
  auto& s = sol.schedule;
  s.peak_kw.assign(K, 0.0);
  for (std::size_t k = 0; k < K; ++k) {
    const auto& w = p.demand_charges[k];
    double pk = w.prior_peak_kw;
    for (std::size_t t = w.start; t < w.end; ++t) pk = std::max(pk, s.grid_import_kw[t]);
    s.peak_kw[k] = pk;
  }
  sol.breakdown = evaluate(p, s, &sol.objective);
  q.gi = gi0;
  sol.certificate = make_certificate(p, q, s);
  sol.pi = sol.certificate.pi;
  sol.w = sol.certificate.w;
  // The schedule is feasible by construction (verify() re-checks it for users);
  // here only the certificate's LP bound is needed, on the prepared data.
  Verification v;
  v.feasible = true;
  v.objective = sol.objective;
  v.lp_bound = lp_bound(p, q, sol.certificate);
  v.lower_bound = v.lp_bound;
  const double tol = 1e-6 * std::max(1.0, std::fabs(sol.objective));
  v.proven_optimal = sol.objective - v.lp_bound <= tol;
  std::vector<char> at_prior;
  if (!v.proven_optimal && K > 0 && demand_windows_fit(p, P, at_prior)) {
    Certificate c;
    const double lb = fit_demand_duals(p, q, gi0, P, at_prior, c, sol.dp_passes);
    if (lb > v.lp_bound) {
      sol.certificate.pi = std::move(c.pi);
      sol.certificate.w = std::move(c.w);
      sol.certificate.demand_nu = std::move(c.demand_nu);
      sol.pi = sol.certificate.pi;
      sol.w = sol.certificate.w;
      v.lp_bound = v.lower_bound = lb;
      v.proven_optimal = sol.objective - v.lp_bound <= tol;
    }
  }
  if (!v.proven_optimal && K == 0 && !d.nonconvex_steps.empty()) {
    // non-convex stages where the LP duals cannot close the gap (the
    // relaxation is below the canonical optimum): the DP's own cost-to-go
    // functions go into the certificate (Bellman certificate, checked by verify())
    DpOutput dv;
    dv.want_values = true;
    ++sol.dp_passes;
    if (run_dp(q, true, dv) && !dv.value_off.empty()) {
      sol.certificate.value_e_kwh = std::move(dv.value_x);
      sol.certificate.value_cost = std::move(dv.value_v);
      sol.certificate.value_offset = std::move(dv.value_off);
      v = verify(p, s, sol.certificate);
    }
  }
  sol.lower_bound = v.lower_bound;
  // exact: the LP duals alone close the gap, so the LP relaxation has the same optimum
  sol.complementarity = v.feasible && v.objective - v.lp_bound <= 1e-6 * std::max(1.0, std::fabs(v.objective))
                            ? Complementarity::exact
                            : Complementarity::nonconvex_dp;
  return sol;
}

// ---------------------------------------------------------------- plan (warm start)

struct Plan::Impl {
  Prepared q;
  DpStores st;
  double objective = 0.0;
};

Plan::Plan() = default;
Plan::Plan(Plan&&) noexcept = default;
Plan& Plan::operator=(Plan&&) noexcept = default;
Plan::~Plan() = default;

Result<Plan> Plan::make(const Problem& p) {
  JOULE_RETURN_IF_ERROR(validate(p));
  if (!p.demand_charges.empty())
    return fail(Errc::unsupported, "a plan cannot carry demand charges (the peak search couples all steps): use solve()",
                Where::at_field("demand_charges"));
  auto impl = std::make_unique<Impl>();
  impl->q = prepare(p);
  DpOutput d;
  if (!run_dp(impl->q, true, d, &impl->st)) return fail(infeasible_error(p, d));
  impl->objective = d.objective;
  Plan plan;
  plan.impl_ = std::move(impl);
  return plan;
}

std::size_t Plan::steps() const noexcept { return impl_ ? impl_->q.T : 0; }
double Plan::objective() const noexcept { return impl_ ? impl_->objective : 0.0; }

Result<double> Plan::cost_to_go(std::size_t t, double soc_kwh) const {
  if (!impl_) return fail(Errc::invalid_argument, "empty plan");
  const Prepared& q = impl_->q;
  if (t > q.T) return fail(Errc::invalid_argument, "step beyond the plan", Where::at_field("t"));
  if (!(soc_kwh >= q.elo - 1e-9 * std::max(1.0, q.ehi) && soc_kwh <= q.ehi + 1e-9 * std::max(1.0, q.ehi)))
    return fail(Errc::invalid_argument, "stored energy outside the plan's SoC band", Where::at_field("soc_kwh"));
  thread_local Pwl f;
  impl_->st.arena.get_pwl(t, f);
  const double v = detail::eval(f, soc_kwh, 1e-9 * std::max(1.0, q.ehi));
  if (!std::isfinite(v))
    return fail(Errc::infeasible, "the terminal condition cannot be met from this stored energy", Where::at_field("soc_kwh"));
  return v;
}

Result<StepDecision> Plan::decide(std::size_t t, double soc_kwh) const {
  if (!impl_) return fail(Errc::invalid_argument, "empty plan");
  if (t >= impl_->q.T) return fail(Errc::invalid_argument, "step beyond the plan", Where::at_field("t"));
  JOULE_TRY(const double v, cost_to_go(t, soc_kwh));
  StepOut o;
  thread_local Pwl tmp;
  if (!forward_step(impl_->q, impl_->st, t, soc_kwh, o, tmp))
    return fail(Errc::infeasible, "no feasible action at this step from this stored energy", Where::at_field("soc_kwh"));
  return StepDecision{o.ch, o.dis, o.imp, o.exq, o.cur, o.e_next, v};
}

}  // namespace joule::battery
