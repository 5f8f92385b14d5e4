// Site LP on COIN-OR CLP (Debian coinor-libclp-dev): several batteries, EV
// sessions, deferrable loads, shared grid caps. The formulation extends SPEC §3
// asset by asset; comments name the row families.
#include <ClpSimplex.hpp>
#include <CoinPackedMatrix.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "joule/battery/site.hpp"

namespace joule::battery {

namespace {
double at_or(const std::vector<double>& v, std::size_t t, double d) { return v.empty() ? d : v[t]; }

Result<void> validate_site(const Site& s) {
  // the series, grid, windows and carbon follow the canonical rules; check
  // them through a canonical problem with each battery in turn
  Problem p;
  p.dt_hours = s.dt_hours;
  p.price_import = s.price_import;
  p.price_export = s.price_export;
  p.load_kw = s.load_kw;
  p.pv_kw = s.pv_kw;
  p.emission_factor = s.emission_factor;
  p.grid = s.grid;
  p.demand_charges = s.demand_charges;
  p.carbon = s.carbon;
  p.battery.capacity_kwh = 1.0;
  JOULE_RETURN_IF_ERROR(validate(p));
  for (std::size_t i = 0; i < s.batteries.size(); ++i) {
    p.battery = s.batteries[i];
    auto r = validate(p);
    if (!r) return fail(r.error().code, r.error().message, Where::at_index(i, "batteries"));
  }
  const std::size_t T = s.price_import.size();
  for (std::size_t i = 0; i < s.evs.size(); ++i) {
    const auto& e = s.evs[i];
    if (!(e.arrival_step < e.departure_step && e.departure_step <= T))
      return fail(Errc::invalid_argument, "EV session needs arrival_step < departure_step <= T", Where::at_index(i, "evs"));
    if (!(e.energy_kwh >= 0 && e.p_max_kw >= 0 && e.eta > 0 && e.eta <= 1))
      return fail(Errc::invalid_argument, "EV session needs energy_kwh >= 0, p_max_kw >= 0, eta in (0, 1]",
                  Where::at_index(i, "evs"));
  }
  for (std::size_t i = 0; i < s.deferrable.size(); ++i) {
    const auto& d = s.deferrable[i];
    if (!(d.earliest_step < d.end_step && d.end_step <= T))
      return fail(Errc::invalid_argument, "deferrable load needs earliest_step < end_step <= T",
                  Where::at_index(i, "deferrable"));
    if (!(d.energy_kwh >= 0 && d.p_max_kw >= 0))
      return fail(Errc::invalid_argument, "deferrable load needs energy_kwh >= 0 and p_max_kw >= 0",
                  Where::at_index(i, "deferrable"));
  }
  return {};
}
}  // namespace

bool site_lp_available() noexcept { return true; }

Site site_from_problem(const Problem& p) {
  Site s;
  s.dt_hours = p.dt_hours;
  s.price_import = p.price_import;
  s.price_export = p.price_export;
  s.load_kw = p.load_kw;
  s.pv_kw = p.pv_kw;
  s.emission_factor = p.emission_factor;
  s.batteries = {p.battery};
  s.grid = p.grid;
  s.pv_curtailable = p.pv_curtailable;
  s.demand_charges = p.demand_charges;
  s.carbon = p.carbon;
  return s;
}

Result<SiteSolution> solve_site_lp(const Site& s) {
  JOULE_RETURN_IF_ERROR(validate_site(s));
  const std::size_t T = s.price_import.size();
  const std::size_t B = s.batteries.size(), V = s.evs.size(), D = s.deferrable.size(), K = s.demand_charges.size();
  const double inf = COIN_DBL_MAX;
  auto dt = [&](std::size_t t) { return s.dt_hours.size() == 1 ? s.dt_hours[0] : s.dt_hours[t]; };
  // columns
  const std::size_t cImp = 0, cExp = T, cCur = 2 * T, cBat = 3 * T;  // battery b: ch, dis, e at cBat + b*3T
  const std::size_t cEv = cBat + 3 * T * B, cDef = cEv + T * V, cPeak = cDef + T * D;
  const std::size_t ncol = cPeak + K;
  std::vector<double> obj(ncol, 0.0), clo(ncol, 0.0), cup(ncol, 0.0);
  std::vector<int> ri, ci;
  std::vector<double> el;
  std::vector<double> rlo, rup;
  auto add = [&](std::size_t r, std::size_t c, double v) {
    ri.push_back(static_cast<int>(r));
    ci.push_back(static_cast<int>(c));
    el.push_back(v);
  };
  auto row = [&](double lo, double up) {
    rlo.push_back(lo);
    rup.push_back(up);
    return rlo.size() - 1;
  };
  for (std::size_t t = 0; t < T; ++t) {
    const double ef = at_or(s.emission_factor, t, 0.0);
    obj[cImp + t] = dt(t) * (s.price_import[t] + s.carbon.price_per_kg * ef);
    obj[cExp + t] = -dt(t) * (s.price_export[t] + (s.carbon.credit_exports ? s.carbon.price_per_kg * ef : 0.0));
    cup[cImp + t] = std::isfinite(s.grid.import_max_kw) ? s.grid.import_max_kw : inf;
    cup[cExp + t] = std::isfinite(s.grid.export_max_kw) ? s.grid.export_max_kw : inf;
    cup[cCur + t] = s.pv_curtailable ? at_or(s.pv_kw, t, 0.0) : 0.0;
  }
  std::vector<double> elo(B), ehi(B), e0(B), tlo(B), thi(B);
  for (std::size_t b = 0; b < B; ++b) {
    const auto& bt = s.batteries[b];
    e0[b] = bt.soc_init * bt.capacity_kwh;
    elo[b] = std::min(bt.soc_min * bt.capacity_kwh, e0[b]);  // SPEC §3.4 widening
    ehi[b] = std::max(bt.soc_max * bt.capacity_kwh, e0[b]);
    tlo[b] = elo[b];
    thi[b] = ehi[b];
    if (bt.terminal.mode == TerminalMode::fixed) tlo[b] = thi[b] = bt.terminal.soc * bt.capacity_kwh;
    if (bt.terminal.mode == TerminalMode::min) tlo[b] = std::max(elo[b], bt.terminal.soc * bt.capacity_kwh);
    const std::size_t base = cBat + b * 3 * T;
    for (std::size_t t = 0; t < T; ++t) {
      obj[base + t] = obj[base + T + t] = dt(t) * bt.degradation_cost_per_kwh;
      cup[base + t] = bt.p_charge_max_kw;
      cup[base + T + t] = bt.p_discharge_max_kw;
      clo[base + 2 * T + t] = t + 1 == T ? tlo[b] : elo[b];
      cup[base + 2 * T + t] = t + 1 == T ? thi[b] : ehi[b];
    }
    if (bt.terminal.mode == TerminalMode::value) obj[base + 3 * T - 1] -= bt.terminal.value_per_kwh;
  }
  for (std::size_t v = 0; v < V; ++v)
    for (std::size_t t = s.evs[v].arrival_step; t < s.evs[v].departure_step; ++t) cup[cEv + v * T + t] = s.evs[v].p_max_kw;
  for (std::size_t d = 0; d < D; ++d)
    for (std::size_t t = s.deferrable[d].earliest_step; t < s.deferrable[d].end_step; ++t)
      cup[cDef + d * T + t] = s.deferrable[d].p_max_kw;
  for (std::size_t k = 0; k < K; ++k) {
    obj[cPeak + k] = s.demand_charges[k].price_per_kw;
    clo[cPeak + k] = s.demand_charges[k].prior_peak_kw;
    cup[cPeak + k] = inf;
  }
  // balance rows (one meter): imp - exp - cur - sum ch + sum dis - sum ev - sum deferrable = load - pv
  for (std::size_t t = 0; t < T; ++t) {
    const double rhs = at_or(s.load_kw, t, 0.0) - at_or(s.pv_kw, t, 0.0);
    const std::size_t r = row(rhs, rhs);
    add(r, cImp + t, 1);
    add(r, cExp + t, -1);
    add(r, cCur + t, -1);
    for (std::size_t b = 0; b < B; ++b) {
      add(r, cBat + b * 3 * T + t, -1);
      add(r, cBat + b * 3 * T + T + t, 1);
    }
    for (std::size_t v = 0; v < V; ++v) add(r, cEv + v * T + t, -1);
    for (std::size_t d = 0; d < D; ++d) add(r, cDef + d * T + t, -1);
  }
  // SoC rows per battery: e_t - e_{t-1} - dt eta_c ch + dt dis / eta_d = (e0 at t = 0)
  for (std::size_t b = 0; b < B; ++b) {
    const auto& bt = s.batteries[b];
    const std::size_t base = cBat + b * 3 * T;
    for (std::size_t t = 0; t < T; ++t) {
      const double rhs = t == 0 ? e0[b] : 0.0;
      const std::size_t r = row(rhs, rhs);
      add(r, base + 2 * T + t, 1);
      if (t > 0) add(r, base + 2 * T + t - 1, -1);
      add(r, base + t, -dt(t) * bt.eta_charge);
      add(r, base + T + t, dt(t) / bt.eta_discharge);
    }
  }
  // EV energy targets and deferrable energies
  for (std::size_t v = 0; v < V; ++v) {
    const std::size_t r = row(s.evs[v].energy_kwh, inf);
    for (std::size_t t = s.evs[v].arrival_step; t < s.evs[v].departure_step; ++t) add(r, cEv + v * T + t, dt(t) * s.evs[v].eta);
  }
  for (std::size_t d = 0; d < D; ++d) {
    const std::size_t r = row(s.deferrable[d].energy_kwh, s.deferrable[d].energy_kwh);
    for (std::size_t t = s.deferrable[d].earliest_step; t < s.deferrable[d].end_step; ++t) add(r, cDef + d * T + t, dt(t));
  }
  // demand rows: imp_t - P_k <= 0
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t t = s.demand_charges[k].start; t < s.demand_charges[k].end; ++t) {
      const std::size_t r = row(-inf, 0.0);
      add(r, cImp + t, 1);
      add(r, cPeak + k, -1);
    }
  const std::size_t nrow = rlo.size();
  CoinPackedMatrix m(true, ri.data(), ci.data(), el.data(), static_cast<CoinBigIndex>(el.size()));
  m.setDimensions(static_cast<int>(nrow), static_cast<int>(ncol));
  ClpSimplex lp;
  lp.setLogLevel(0);
  lp.loadProblem(m, clo.data(), cup.data(), obj.data(), rlo.data(), rup.data());
  lp.initialSolve();
  if (lp.isProvenPrimalInfeasible())
    return fail(Errc::infeasible, "site LP is infeasible (check EV targets, deferrable energies and grid caps)");
  if (!lp.isProvenOptimal()) return fail(Errc::numerical, "CLP did not reach a proven optimum");
  const double* x = lp.primalColumnSolution();
  const double* y = lp.dualRowSolution();
  SiteSolution out;
  out.objective = lp.objectiveValue();
  out.grid_import_kw.assign(x + cImp, x + cImp + T);
  out.grid_export_kw.assign(x + cExp, x + cExp + T);
  out.pv_curtail_kw.assign(x + cCur, x + cCur + T);
  for (std::size_t b = 0; b < B; ++b) {
    const std::size_t base = cBat + b * 3 * T;
    out.charge_kw.emplace_back(x + base, x + base + T);
    out.discharge_kw.emplace_back(x + base + T, x + base + 2 * T);
    std::vector<double> soc{e0[b]};
    soc.insert(soc.end(), x + base + 2 * T, x + base + 3 * T);
    out.soc_kwh.push_back(std::move(soc));
    const double rt = s.batteries[b].eta_charge * s.batteries[b].eta_discharge;
    for (std::size_t t = 0; t < T; ++t) {
      const double ch = x[base + t], dis = x[base + T + t];
      out.burned_kwh += dt(t) * std::min(ch, dis / rt) * (1.0 - rt);  // SPEC §4.4 relax-mode report
    }
  }
  // Exclusivity by post-processing (SPEC §4.1 netting, §4.3 local repair):
  // neither changes the SoC path, both lower (or keep) the cost and every peak.
  for (std::size_t t = 0; t < T; ++t) {
    const double pimp = obj[cImp + t] / dt(t), pexp = -obj[cExp + t] / dt(t);
    double& imp = out.grid_import_kw[t];
    double& ex = out.grid_export_kw[t];
    double& cur = out.pv_curtail_kw[t];
    for (std::size_t b = 0; b < B; ++b) {
      double& ch = out.charge_kw[b][t];
      double& dis = out.discharge_kw[b][t];
      if (std::min(ch, dis) <= 1e-9) continue;
      const auto& bt = s.batteries[b];
      const double rt = bt.eta_charge * bt.eta_discharge;
      const double a = std::min(ch, dis / rt);
      double surplus = a * (1.0 - rt);  // kW freed on the bus
      // absorb it at this step: less import (if import has a non-negative price),
      // more curtailment, more export (if export earns)
      const double d_imp = pimp >= 0 ? std::min(surplus, imp) : 0.0;
      surplus -= d_imp;
      const double d_cur = std::min(surplus, std::max(0.0, cup[cCur + t] - cur));
      surplus -= d_cur;
      const double d_exp = pexp >= 0 ? std::min(surplus, std::max(0.0, cup[cExp + t] - ex)) : 0.0;
      surplus -= d_exp;
      if (surplus > 1e-9 * (1.0 + a)) continue;  // the step really burns energy: left as the LP has it
      ch -= a;
      dis -= rt * a;
      imp -= d_imp;
      cur += d_cur;
      ex += d_exp;
      out.objective -= dt(t) * (pimp * d_imp + pexp * d_exp + bt.degradation_cost_per_kwh * (1.0 + rt) * a);
      ++out.repaired_steps;
    }
    if (pexp <= pimp && std::min(imp, ex) > 0) {  // netting is free when export earns no more than import costs
      const double both = std::min(imp, ex);
      imp -= both;
      ex -= both;
      out.objective -= dt(t) * both * (pimp - pexp);
    }
  }
  out.burned_kwh = 0;
  for (std::size_t b = 0; b < B; ++b) {
    const double rt = s.batteries[b].eta_charge * s.batteries[b].eta_discharge;
    for (std::size_t t = 0; t < T; ++t) {
      const double ch = out.charge_kw[b][t], dis = out.discharge_kw[b][t];
      if (std::min(ch, dis) > 1e-9) ++out.simultaneous_steps;
      out.burned_kwh += dt(t) * std::min(ch, dis / rt) * (1.0 - rt);
    }
  }
  for (std::size_t v = 0; v < V; ++v) out.ev_kw.emplace_back(x + cEv + v * T, x + cEv + (v + 1) * T);
  for (std::size_t d = 0; d < D; ++d) out.deferrable_kw.emplace_back(x + cDef + d * T, x + cDef + (d + 1) * T);
  out.peak_kw.assign(x + cPeak, x + cPeak + K);
  out.pi.resize(T);
  for (std::size_t t = 0; t < T; ++t) out.pi[t] = y[t] / dt(t);
  return out;
}

}  // namespace joule::battery
