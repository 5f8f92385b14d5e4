// Exact pure-arbitrage DP (freestanding): see arbitrage.hpp.
#include "joule/battery/arbitrage.hpp"

#include <algorithm>

namespace joule::battery {

namespace {
/// A convex PWL function stored as n breakpoints x[0..n), v[0..n) inside a caller buffer.
struct View {
  double* x;
  double* v;
  std::size_t n;
};

double eval(const double* x, const double* v, std::size_t n, double at) {
  if (at <= x[0]) return v[0];
  if (at >= x[n - 1]) return v[n - 1];
  std::size_t i = static_cast<std::size_t>(std::upper_bound(x, x + n, at) - x);
  const double dx = x[i] - x[i - 1];
  return dx > 0 ? v[i - 1] + (at - x[i - 1]) / dx * (v[i] - v[i - 1]) : v[i];
}
}  // namespace

Result<double> arbitrage_dispatch(const ArbitrageParams& p, std::span<const double> dt_h,
                                  std::span<const double> price_import, std::span<const double> price_export,
                                  std::span<double> charge_kw, std::span<double> discharge_kw,
                                  std::span<double> soc_kwh, std::span<double> work) noexcept {
  const std::size_t T = dt_h.size();
  if (T == 0) return fail(Errc::invalid_argument, "no steps", Where::at_field("dt_h"));
  if (price_import.size() != T || price_export.size() != T)
    return fail(Errc::invalid_argument, "price arrays must have T entries", Where::at_field("price_import"));
  if (charge_kw.size() < T || discharge_kw.size() < T || soc_kwh.size() < T + 1)
    return fail(Errc::buffer_too_small, "outputs need T, T and T+1 entries", Where::at_field("soc_kwh"));
  if (!(p.eta_charge > 0 && p.eta_charge <= 1)) return fail(Errc::invalid_argument, "eta_charge must be in (0, 1]", Where::at_field("eta_charge"));
  if (!(p.eta_discharge > 0 && p.eta_discharge <= 1))
    return fail(Errc::invalid_argument, "eta_discharge must be in (0, 1]", Where::at_field("eta_discharge"));
  if (!(p.soc_min_kwh >= 0 && p.soc_min_kwh <= p.soc_max_kwh))
    return fail(Errc::invalid_argument, "need 0 <= soc_min_kwh <= soc_max_kwh", Where::at_field("soc_min_kwh"));
  if (!(p.p_charge_max_kw >= 0 && p.p_discharge_max_kw >= 0 && p.degradation_cost_per_kwh >= 0))
    return fail(Errc::invalid_argument, "powers and degradation cost must be >= 0", Where::at_field("p_charge_max_kw"));
  for (std::size_t t = 0; t < T; ++t) {
    if (!(dt_h[t] > 0)) return fail(Errc::invalid_argument, "dt_h must be > 0", Where::at_index(t, "dt_h"));
    const double a = (price_import[t] + p.degradation_cost_per_kwh) / p.eta_charge;
    const double b = (price_export[t] - p.degradation_cost_per_kwh) * p.eta_discharge;
    // SPEC §4.2 condition 1: otherwise complementarity can bind at this step
    if (b > a) return fail(Errc::unsupported, "non-convex step: energy may be worth burning; use the host solver",
                           Where::at_index(t, "price_export"));
  }
  const double e0 = p.soc_init_kwh;
  const double elo = std::min(p.soc_min_kwh, e0), ehi = std::max(p.soc_max_kwh, e0);  // SPEC §3.4
  const double tlo = std::max(elo, p.terminal_min_kwh), thi = std::min(ehi, p.terminal_max_kwh);
  if (tlo > thi) return fail(Errc::infeasible, "terminal interval outside the SoC band", Where::at_field("terminal_min_kwh"));
  const double eps = 1e-10 * (ehi > 1 ? ehi : 1.0);
  // work layout: two scratch functions of M points each at the front, then the
  // arena of stored value functions written backward from the end
  const std::size_t M = 64;
  if (work.size() < 4 * M + 8) return fail(Errc::buffer_too_small, "work too small", Where::at_field("work"));
  View cur{work.data(), work.data() + M, 0}, nxt{work.data() + 2 * M, work.data() + 3 * M, 0};
  double* arena_lo = work.data() + 4 * M;
  double* cursor = work.data() + work.size();
  cur.x[0] = tlo;
  cur.v[0] = -p.terminal_value_per_kwh * tlo;
  cur.n = 1;
  if (thi > tlo + eps) {
    cur.x[1] = thi;
    cur.v[1] = -p.terminal_value_per_kwh * thi;
    cur.n = 2;
  }
  for (std::size_t t = T; t-- > 0;) {
    // store V_{t+1} as [n, x..., v...]
    const std::size_t rec = 1 + 2 * cur.n;
    if (static_cast<std::size_t>(cursor - arena_lo) < rec)
      return fail(Errc::buffer_too_small, "work too small for the value functions", Where::at_field("work"));
    cursor -= rec;
    cursor[0] = static_cast<double>(cur.n);
    std::copy(cur.x, cur.x + cur.n, cursor + 1);
    std::copy(cur.v, cur.v + cur.n, cursor + 1 + cur.n);
    // inf-convolution with phi(z) = h(-z): segments (slope -a, length U) and (slope -b, length L)
    const double U = p.eta_charge * p.p_charge_max_kw * dt_h[t];
    const double L = p.p_discharge_max_kw * dt_h[t] / p.eta_discharge;
    const double a = (price_import[t] + p.degradation_cost_per_kwh) / p.eta_charge;
    const double b = (price_export[t] - p.degradation_cost_per_kwh) * p.eta_discharge;
    const double seg_s[2] = {-a, -b}, seg_l[2] = {U, L};
    double x = cur.x[0] - U, v = cur.v[0] + a * U;
    std::size_t n = 0, i = 0, j = 0;
    nxt.x[n] = x;
    nxt.v[n++] = v;
    while (i + 1 < cur.n || j < 2) {
      double s, l;
      const double sv = i + 1 < cur.n ? (cur.v[i + 1] - cur.v[i]) / (cur.x[i + 1] - cur.x[i]) : 0.0;
      if (j < 2 && (i + 1 >= cur.n || seg_s[j] <= sv)) {
        s = seg_s[j];
        l = seg_l[j];
        ++j;
      } else {
        s = sv;
        l = cur.x[i + 1] - cur.x[i];
        ++i;
      }
      if (l <= eps) continue;
      if (n >= M) return fail(Errc::buffer_too_small, "value function has more than 64 pieces", Where::at_index(t, "work"));
      x += l;
      v += s * l;
      nxt.x[n] = x;
      nxt.v[n++] = v;
    }
    // clip to the SoC band (in place)
    const double lo = std::max(elo, nxt.x[0]), hi = std::min(ehi, nxt.x[n - 1]);
    if (lo > hi + eps) return fail(Errc::infeasible, "no feasible state of charge from this step on", Where::at_index(t, "soc_kwh"));
    const double vlo = eval(nxt.x, nxt.v, n, lo), vhi = eval(nxt.x, nxt.v, n, hi);
    std::size_t w = 0;
    cur.x[w] = lo;
    cur.v[w++] = vlo;
    for (std::size_t k = 0; k < n; ++k)
      if (nxt.x[k] > lo + eps && nxt.x[k] < hi - eps) {
        cur.x[w] = nxt.x[k];
        cur.v[w++] = nxt.v[k];
      }
    if (hi > lo + eps) {
      cur.x[w] = hi;
      cur.v[w++] = vhi;
    }
    cur.n = w;
  }
  if (e0 < cur.x[0] - 1e-9 || e0 > cur.x[cur.n - 1] + 1e-9)
    return fail(Errc::infeasible, "terminal condition unreachable from soc_init_kwh", Where::at_field("soc_init_kwh"));
  const double objective = eval(cur.x, cur.v, cur.n, e0);
  // forward pass over the stored functions (V_1 first)
  double e = e0;
  soc_kwh[0] = e;
  const double* rec = cursor;
  for (std::size_t t = 0; t < T; ++t) {
    const std::size_t n = static_cast<std::size_t>(rec[0]);
    const double* vx = rec + 1;
    const double* vv = rec + 1 + n;
    const double U = p.eta_charge * p.p_charge_max_kw * dt_h[t];
    const double L = p.p_discharge_max_kw * dt_h[t] / p.eta_discharge;
    const double a = (price_import[t] + p.degradation_cost_per_kwh) / p.eta_charge;
    const double b = (price_export[t] - p.degradation_cost_per_kwh) * p.eta_discharge;
    const double ylo = std::max(e - L, vx[0]), yhi = std::min(e + U, vx[n - 1]);
    double best = 1e300, by = e;
    auto consider = [&](double y) {
      y = std::clamp(y, ylo, yhi);
      const double D = y - e;
      const double f = (D >= 0 ? a * D : b * D) + eval(vx, vv, n, y);
      if (f < best - 1e-12 * (1 + (best < 0 ? -best : best)) ||
          (f <= best + 1e-12 * (1 + (best < 0 ? -best : best)) && (D < 0 ? -D : D) < (by - e < 0 ? e - by : by - e))) {
        if (f < best) best = f;
        by = y;
      }
    };
    consider(e);
    consider(ylo);
    consider(yhi);
    for (std::size_t k = 0; k < n; ++k)
      if (vx[k] > ylo && vx[k] < yhi) consider(vx[k]);
    const double D = by - e;
    charge_kw[t] = D > 0 ? D / (p.eta_charge * dt_h[t]) : 0.0;
    discharge_kw[t] = D < 0 ? -D * p.eta_discharge / dt_h[t] : 0.0;
    e = by;
    soc_kwh[t + 1] = e;
    rec += 1 + 2 * n;
  }
  return objective;
}

}  // namespace joule::battery
