// Value report and receding-horizon backtests over the exact dispatch.
#include "joule/battery/mpc.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

namespace joule::battery {

namespace {
double at_or(const std::vector<double>& v, std::size_t t, double d) { return v.empty() ? d : v[t]; }
double dt_at(const Problem& p, std::size_t t) { return p.dt_hours.size() == 1 ? p.dt_hours[0] : p.dt_hours[t]; }

struct Flows {
  double imp = 0, exp = 0, cur = 0;
};
/// Cheapest grid flows for a bus requirement x [kW] at step t (no battery decision):
/// import what is missing, dispose of a surplus by export or curtailment, whichever pays.
Flows grid_flows(const Problem& p, std::size_t t, double x) {
  Flows f;
  if (x >= 0) {
    f.imp = x;
    return f;
  }
  const double s = -x;
  const double cmax = p.pv_curtailable ? at_or(p.pv_kw, t, 0.0) : 0.0;
  const double ef = at_or(p.emission_factor, t, 0.0);
  const double pe = p.price_export[t] + (p.carbon.credit_exports ? p.carbon.price_per_kg * ef : 0.0);
  if (pe >= 0) {
    f.exp = std::min(p.grid.export_max_kw, s);
    f.cur = std::min(cmax, s - f.exp);
    f.exp = s - f.cur;  // anything left must go out (may exceed the limit: reported by the verifier)
  } else {
    f.cur = std::min(cmax, s);
    f.exp = s - f.cur;
  }
  return f;
}
}  // namespace

Result<ValueReport> value_report(const Problem& p, const Schedule& s) {
  JOULE_RETURN_IF_ERROR(validate(p));
  const std::size_t T = p.steps();
  if (s.grid_import_kw.size() != T || s.grid_export_kw.size() != T || s.charge_kw.size() != T ||
      s.discharge_kw.size() != T || s.pv_curtail_kw.size() != T)
    return fail(Errc::invalid_argument, "schedule arrays must have T entries", Where::at_field("schedule"));
  ValueReport r;
  r.cost.resize(T);
  r.baseline_cost.resize(T);
  r.self_consumption_kwh.resize(T);
  r.carbon_avoided_kg.resize(T);
  const auto& b = p.battery;
  std::vector<double> base_imp(T);
  double degr = 0, energy = 0, base_energy = 0;
  for (std::size_t t = 0; t < T; ++t) {
    const double dt = dt_at(p, t), load = at_or(p.load_kw, t, 0.0), pv = at_or(p.pv_kw, t, 0.0);
    const double ef = at_or(p.emission_factor, t, 0.0), cp = p.carbon.price_per_kg;
    const double cr = p.carbon.credit_exports ? 1.0 : 0.0;
    const Flows bf = grid_flows(p, t, load - pv);
    base_imp[t] = bf.imp;
    const double imp = s.grid_import_kw[t], ex = s.grid_export_kw[t];
    const double e_cost = dt * (p.price_import[t] * imp - p.price_export[t] * ex + cp * ef * (imp - cr * ex));
    const double b_cost = dt * (p.price_import[t] * bf.imp - p.price_export[t] * bf.exp + cp * ef * (bf.imp - cr * bf.exp));
    const double d_cost = dt * b.degradation_cost_per_kwh * (s.charge_kw[t] + s.discharge_kw[t]);
    r.cost[t] = e_cost + d_cost;
    r.baseline_cost[t] = b_cost;
    energy += e_cost;
    base_energy += b_cost;
    degr += d_cost;
    r.self_consumption_kwh[t] = dt * std::max(0.0, std::min(pv - s.pv_curtail_kw[t], load + s.charge_kw[t]));
    r.self_consumption_kwh_total += r.self_consumption_kwh[t];
    r.baseline_self_consumption_kwh += dt * std::min(pv, load);
    r.carbon_avoided_kg[t] = ef * dt * ((bf.imp - imp) - cr * (bf.exp - ex));
    r.carbon_avoided_kg_total += r.carbon_avoided_kg[t];
    r.throughput_kwh += dt * (s.charge_kw[t] + s.discharge_kw[t]);
    r.equivalent_full_cycles += dt * s.discharge_kw[t] / b.eta_discharge;
  }
  const double usable = (b.soc_max - b.soc_min) * b.capacity_kwh;
  r.equivalent_full_cycles = usable > 0 ? r.equivalent_full_cycles / usable : 0.0;
  double demand = 0, base_demand = 0;
  for (const auto& w : p.demand_charges) {
    double pk = w.prior_peak_kw, bpk = w.prior_peak_kw;
    for (std::size_t t = w.start; t < w.end; ++t) {
      pk = std::max(pk, s.grid_import_kw[t]);
      bpk = std::max(bpk, base_imp[t]);
    }
    r.peak_reduction_kw.push_back(bpk - pk);
    demand += w.price_per_kw * pk;
    base_demand += w.price_per_kw * bpk;
  }
  r.arbitrage_value = base_energy - energy - degr;
  r.demand_charge_savings = base_demand - demand;
  r.total_cost = energy + degr + demand;
  r.total_baseline_cost = base_energy + base_demand;
  return r;
}

namespace {
/// Cost of applying (charge, discharge) at step 0 of `q` and acting optimally
/// afterwards: step 0's own cost (cheapest grid flows for the resulting bus
/// requirement) plus the optimum of steps 1.. from the SoC it leads to, with
/// step 0's import counted in each demand window's incumbent peak. +inf if
/// the step breaks a limit or leaves the rest infeasible.
/// Step 0's own cost of (charge, discharge) in `q` (cheapest grid flows for
/// the resulting bus requirement), the stored energy it leads to and its
/// flows; +inf if it breaks a limit.
double step0_cost(const Problem& q, double ch, double dis, double& e1, Flows& f) {
  const auto& b = q.battery;
  const double dt = dt_at(q, 0), cap = b.capacity_kwh;
  const double e0 = b.soc_init * cap;
  e1 = e0 + dt * (b.eta_charge * ch - dis / b.eta_discharge);
  const double elo = std::min(b.soc_min * cap, e0), ehi = std::max(b.soc_max * cap, e0);
  if (e1 < elo - 1e-9 * cap || e1 > ehi + 1e-9 * cap) return INFINITY;
  const double x = at_or(q.load_kw, 0, 0.0) - at_or(q.pv_kw, 0, 0.0) + ch - dis;
  f = grid_flows(q, 0, x);
  if (f.imp > q.grid.import_max_kw + 1e-9 || f.exp > q.grid.export_max_kw + 1e-9) return INFINITY;
  const double ef = at_or(q.emission_factor, 0, 0.0), cp = q.carbon.price_per_kg;
  return dt * (q.price_import[0] * f.imp - q.price_export[0] * f.exp +
               cp * ef * (f.imp - (q.carbon.credit_exports ? f.exp : 0.0)) + b.degradation_cost_per_kwh * (ch + dis));
}

double first_step_cost(const Problem& q, double ch, double dis) {
  const auto& b = q.battery;
  const double cap = b.capacity_kwh;
  double e1 = 0;
  Flows f{};
  double cost = step0_cost(q, ch, dis, e1, f);
  if (!std::isfinite(cost)) return INFINITY;
  const std::size_t n = q.steps();
  if (n == 1) {
    // the horizon's own end: terminal condition or value
    const auto& tm = b.terminal;
    if (tm.mode == TerminalMode::fixed && std::fabs(e1 - tm.soc * cap) > 1e-6 * std::max(1.0, cap)) return INFINITY;
    if (tm.mode == TerminalMode::min && e1 < tm.soc * cap - 1e-6 * std::max(1.0, cap)) return INFINITY;
    if (tm.mode == TerminalMode::value) cost -= tm.value_per_kwh * e1;
    for (const auto& w : q.demand_charges) cost += w.price_per_kw * std::max(w.prior_peak_kw, f.imp);
    return cost;
  }
  Problem r = q;
  auto drop = [](std::vector<double>& v) {
    if (v.size() > 1) v.erase(v.begin());
  };
  if (r.dt_hours.size() > 1) drop(r.dt_hours);
  drop(r.price_import);
  drop(r.price_export);
  drop(r.load_kw);
  drop(r.pv_kw);
  drop(r.emission_factor);
  r.battery.soc_init = std::clamp(e1 / cap, 0.0, 1.0);
  r.demand_charges.clear();
  for (const auto& w : q.demand_charges) {
    DemandWindow d = w;
    if (w.start == 0) d.prior_peak_kw = std::max(w.prior_peak_kw, f.imp);
    if (w.end <= 1) {  // the window is step 0 only: its charge is settled here
      cost += w.price_per_kw * d.prior_peak_kw;
      continue;
    }
    d.start = w.start == 0 ? 0 : w.start - 1;
    d.end = w.end - 1;
    r.demand_charges.push_back(d);
  }
  auto sol = solve(r);
  if (!sol) return INFINITY;
  return cost + sol->objective;
}

/// A kept Plan of one scenario (shrinking mode): the step it starts at and
/// the horizon problem it was solved on.
struct PlanSlot {
  std::optional<Plan> plan;
  std::size_t t0 = 0;
  Problem q;
};

/// first_step_cost() read from the scenario's Plan instead of a new solve:
/// step 0's cost plus V_{k+1} at the energy it leads to (Bellman: the same
/// number, as the Plan's horizon problem is the current one's super-problem).
double plan_first_step_cost(const Problem& q, const PlanSlot& ps, std::size_t t, double ch, double dis) {
  double e1 = 0;
  Flows f{};
  const double cost = step0_cost(q, ch, dis, e1, f);
  if (!std::isfinite(cost)) return INFINITY;
  auto v = ps.plan->cost_to_go(t - ps.t0 + 1, e1);
  return v ? cost + *v : INFINITY;
}
}  // namespace

Result<MpcResult> mpc_backtest(const Problem& truth, const Forecaster& forecast, const MpcOptions& o) {
  JOULE_RETURN_IF_ERROR(validate(truth));
  if (o.horizon_steps == 0) return fail(Errc::invalid_argument, "horizon_steps must be > 0", Where::at_field("horizon_steps"));
  if (!(o.terminal_value_factor >= 0))
    return fail(Errc::invalid_argument, "terminal_value_factor must be >= 0", Where::at_field("terminal_value_factor"));
  const std::size_t T = truth.steps();
  MpcResult res;
  JOULE_TRY(auto perfect, solve(truth));
  res.perfect_foresight_cost = perfect.objective;
  const auto& b = truth.battery;
  const double cap = b.capacity_kwh;
  const double e0 = b.soc_init * cap;
  const double elo = std::min(b.soc_min * cap, e0), ehi = std::max(b.soc_max * cap, e0);
  auto& R = res.realised;
  R.grid_import_kw.assign(T, 0);
  R.grid_export_kw.assign(T, 0);
  R.charge_kw.assign(T, 0);
  R.discharge_kw.assign(T, 0);
  R.pv_curtail_kw.assign(T, 0);
  R.soc_kwh.assign(T + 1, e0);
  double e = e0;
  auto slice = [](const std::vector<double>& v, std::size_t t, std::size_t n) {
    return v.empty() ? std::vector<double>{} : std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(t),
                                                                   v.begin() + static_cast<std::ptrdiff_t>(t + n));
  };
  const bool shrinking = o.horizon_mode == HorizonMode::shrinking;
  // Warm start (shrinking mode): per scenario the block's Plan, the step it
  // starts at and the forecast it was solved on.
  std::vector<PlanSlot> plans;
  // Warm start with demand windows: per scenario and window of `truth`, the
  // peak of the scenario's last solve, where the next solve's peak search starts.
  std::vector<std::vector<double>> last_peak;
  double block_terminal = -1.0;  // terminal value of the current block (shrinking mode)
  for (std::size_t t = 0; t < T; ++t) {
    const std::size_t end = shrinking ? std::min(T, (t / o.horizon_steps + 1) * o.horizon_steps)
                                      : std::min(T, t + o.horizon_steps);
    const std::size_t n = end - t;
    if (shrinking && t % o.horizon_steps == 0) {
      block_terminal = -1.0;
      plans.clear();
    }
    std::vector<Scenario> sc = forecast ? forecast(t, n) : std::vector<Scenario>{};
    if (sc.empty()) sc.push_back(Scenario{});
    double wsum = 0, exp_cost = 0, lo = INFINITY, hi = -INFINITY, best_w = -1;
    double ch = 0, dis = 0;
    const bool plan_mode = shrinking && o.warm_start && truth.demand_charges.empty();
    if (plan_mode && plans.size() != sc.size()) {
      plans.clear();
      plans.resize(sc.size());
    }
    bool all_warm = plan_mode;        // every scenario decided by a kept Plan
    std::vector<Problem> probs;        // per feasible scenario: its horizon problem
    std::vector<double> weights;       // its weight
    std::vector<std::array<double, 2>> cands;  // its optimal first step (charge, discharge)
    std::vector<const PlanSlot*> slots;        // its Plan, if one decided
    for (std::size_t si = 0; si < sc.size(); ++si) {
      const Scenario& s = sc[si];
      Problem q;
      q.dt_hours = truth.dt_hours.size() == 1 ? truth.dt_hours : slice(truth.dt_hours, t, n);
      auto pick = [&](const std::vector<double>& f, const std::vector<double>& tv) {
        return f.size() == n ? f : slice(tv, t, n);
      };
      q.price_import = pick(s.price_import, truth.price_import);
      q.price_export = pick(s.price_export, truth.price_export);
      q.load_kw = pick(s.load_kw, truth.load_kw);
      q.pv_kw = pick(s.pv_kw, truth.pv_kw);
      q.emission_factor = slice(truth.emission_factor, t, n);
      q.battery = b;
      q.battery.soc_init = std::clamp(e / cap, 0.0, 1.0);
      q.grid = truth.grid;
      q.pv_curtailable = truth.pv_curtailable;
      q.carbon = truth.carbon;
      if (t + n < T) {
        // energy left at the horizon end is worth what it would sell for later
        // (in shrinking mode fixed at the block's start, so later solves of the
        // block are sub-problems of its first)
        double mean = 0;
        for (double v : q.price_export) mean += v;
        mean /= static_cast<double>(n);
        double value = o.terminal_value_factor * std::max(0.0, mean) * b.eta_discharge;
        if (shrinking) {
          if (block_terminal < 0) block_terminal = value;
          value = block_terminal;
        }
        q.battery.terminal = {TerminalMode::value, 0.0, value};
      }
      std::vector<std::size_t> win;  // the truth window of each of q's windows
      for (std::size_t wi = 0; wi < truth.demand_charges.size(); ++wi) {
        const auto& w = truth.demand_charges[wi];
        if (w.end <= t || w.start >= t + n) continue;
        win.push_back(wi);
        DemandWindow dw = w;
        double prior = w.prior_peak_kw;
        for (std::size_t k = w.start; k < t && k < w.end; ++k) prior = std::max(prior, R.grid_import_kw[k]);
        dw.prior_peak_kw = prior;  // the incumbent peak of the billing period (SPEC §3.3)
        dw.start = std::max(w.start, t) - t;
        dw.end = std::min(w.end, t + n) - t;
        q.demand_charges.push_back(dw);
      }
      double obj = 0, c0 = 0, c1 = 0;
      const PlanSlot* used = nullptr;
      if (plan_mode) {
        // Same forecast for the rest of the block as when the Plan was made:
        // its value functions decide (Bellman: a new solve would agree).
        PlanSlot& ps = plans[si];
        const std::size_t k = t - ps.t0;
        auto same = [&](const std::vector<double>& a, const std::vector<double>& full) {
          if (a.empty() && full.empty()) return true;  // e.g. no PV at all
          if (a.size() + k != full.size()) return false;
          for (std::size_t i = 0; i < a.size(); ++i)
            if (a[i] != full[k + i]) return false;
          return true;
        };
        const bool reuse = ps.plan && t > ps.t0 && same(q.price_import, ps.q.price_import) &&
                           same(q.price_export, ps.q.price_export) && same(q.load_kw, ps.q.load_kw) &&
                           same(q.pv_kw, ps.q.pv_kw) &&
                           q.battery.terminal.value_per_kwh == ps.q.battery.terminal.value_per_kwh;
        if (!reuse) {
          all_warm = false;
          auto made = Plan::make(q);
          if (made) {
            ps.plan = std::move(*made);
            ps.t0 = t;
            ps.q = q;
          } else {
            ps.plan.reset();
          }
        }
        if (ps.plan) {
          auto d = ps.plan->decide(t - ps.t0, e);
          if (d) {
            obj = d->cost_to_go;
            c0 = d->charge_kw;
            c1 = d->discharge_kw;
            used = &ps;
          } else {
            ps.plan.reset();  // e.g. the measured SoC left the plan's band: solve anew
          }
        }
      }
      if (!used) {
        all_warm = false;
        SolveOptions so;
        const bool hint = o.warm_start && !win.empty();
        if (hint) {
          if (last_peak.size() != sc.size())
            last_peak.assign(sc.size(), std::vector<double>(truth.demand_charges.size(), NAN));
          for (std::size_t wi : win) so.peak_start_kw.push_back(last_peak[si][wi]);
        }
        auto sol = solve(q, so);
        if (!sol) continue;
        res.dp_passes += static_cast<std::size_t>(sol->dp_passes);
        if (hint)
          for (std::size_t j = 0; j < win.size(); ++j) last_peak[si][win[j]] = sol->schedule.peak_kw[j];
        obj = sol->objective;
        c0 = sol->schedule.charge_kw[0];
        c1 = sol->schedule.discharge_kw[0];
      }
      const double w = s.weight > 0 ? s.weight : 0.0;
      wsum += w;
      exp_cost += w * obj;
      lo = std::min(lo, obj);
      hi = std::max(hi, obj);
      if (w > best_w) {  // the most likely scenario's first step
        best_w = w;
        ch = c0;
        dis = c1;
      }
      probs.push_back(std::move(q));
      weights.push_back(w);
      cands.push_back({c0, c1});
      slots.push_back(used);
    }
    if (all_warm && !probs.empty()) ++res.warm_decisions;
    if (o.policy == ScenarioPolicy::min_expected_cost && probs.size() > 1) {
      double best = INFINITY;
      for (const auto& c : cands) {
        double score = 0;
        for (std::size_t k = 0; k < probs.size() && std::isfinite(score); ++k) {
          double f;
          if (slots[k]) {
            f = plan_first_step_cost(probs[k], *slots[k], t, c[0], c[1]);
          } else {
            f = first_step_cost(probs[k], c[0], c[1]);
            res.candidate_solves += probs[k].steps() > 1 ? 1 : 0;
          }
          score += weights[k] * f;
        }
        if (score < best) {
          best = score;
          ch = c[0];
          dis = c[1];
        }
      }
    }
    ++res.solves;
    res.expected_cost.push_back(wsum > 0 ? exp_cost / wsum : NAN);
    res.cost_spread.push_back(hi >= lo ? hi - lo : NAN);
    // apply to the truth, keeping every limit
    const double dt = dt_at(truth, t);
    const double N = at_or(truth.load_kw, t, 0.0) - at_or(truth.pv_kw, t, 0.0);
    ch = std::clamp(ch, 0.0, std::min(b.p_charge_max_kw, std::max(0.0, (ehi - e) / (b.eta_charge * dt))));
    dis = std::clamp(dis, 0.0, std::min(b.p_discharge_max_kw, std::max(0.0, (e - elo) * b.eta_discharge / dt)));
    double x = N + ch - dis;
    if (x > truth.grid.import_max_kw) {  // forecast error: cover the load
      const double d = x - truth.grid.import_max_kw;
      const double less = std::min(ch, d);
      ch -= less;
      dis = std::min(dis + (d - less), std::min(b.p_discharge_max_kw, std::max(0.0, (e - elo) * b.eta_discharge / dt)));
      x = N + ch - dis;
    }
    const double cmax = truth.pv_curtailable ? at_or(truth.pv_kw, t, 0.0) : 0.0;
    if (x < -(truth.grid.export_max_kw + cmax)) {  // surplus that cannot leave: charge it
      const double d = -(truth.grid.export_max_kw + cmax) - x;
      const double less = std::min(dis, d);
      dis -= less;
      ch = std::min(ch + (d - less), std::min(b.p_charge_max_kw, std::max(0.0, (ehi - e) / (b.eta_charge * dt))));
      x = N + ch - dis;
    }
    const Flows f = grid_flows(truth, t, x);
    R.charge_kw[t] = ch;
    R.discharge_kw[t] = dis;
    R.grid_import_kw[t] = f.imp;
    R.grid_export_kw[t] = f.exp;
    R.pv_curtail_kw[t] = f.cur;
    e += dt * (b.eta_charge * ch - dis / b.eta_discharge);
    R.soc_kwh[t + 1] = e;
  }
  R.peak_kw.clear();
  for (const auto& w : truth.demand_charges) {
    double pk = w.prior_peak_kw;
    for (std::size_t k = w.start; k < w.end; ++k) pk = std::max(pk, R.grid_import_kw[k]);
    R.peak_kw.push_back(pk);
  }
  evaluate(truth, R, &res.realised_cost);
  res.regret = res.realised_cost - res.perfect_foresight_cost;
  return res;
}

}  // namespace joule::battery
