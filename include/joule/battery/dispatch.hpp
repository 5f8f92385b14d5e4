// joule/battery/dispatch.hpp: optimal battery dispatch behind one grid meter.
//
// The canonical problem of the battery spec (one battery, PV, an inflexible
// load, a bidirectional meter, T steps of any duration; charge and discharge
// never at the same time) solved exactly by dynamic programming on the
// piecewise-linear cost-to-go of stored energy (docs/battery.md proves why it
// is exact), with demand charges by an outer search over each window's peak.
// Every solution carries a dual certificate that `verify()` checks without
// trusting the solver: primal feasibility and a Lagrangian lower bound.
//
// Example:
//   joule::battery::Problem p;
//   p.dt_hours = {0.25, 0.25};  p.price_import = {0.1, 0.3};  p.price_export = {0.05, 0.25};
//   p.battery = {.capacity_kwh = 10, .soc_init = 0.5, .p_charge_max_kw = 5, .p_discharge_max_kw = 5};
//   p.grid = {.import_max_kw = 10, .export_max_kw = 10};
//   auto sol = joule::battery::solve(p);           // Result<Solution>
//   if (sol) use(sol->objective, sol->schedule.soc_kwh);
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "joule/core/result.hpp"

namespace joule::battery {

/// How the stored energy at the end of the horizon is constrained or valued.
enum class TerminalMode : std::uint8_t {
  fixed,  ///< soc[T] == soc * capacity
  min,    ///< soc[T] >= soc * capacity
  value,  ///< objective gets - value_per_kwh * soc[T]
  free,   ///< no condition
};

/// Terminal condition (SPEC §3.2).
struct Terminal {
  TerminalMode mode = TerminalMode::free;
  double soc = 0.0;            ///< fraction of capacity (fixed, min)
  double value_per_kwh = 0.0;  ///< currency/kWh (value)
};

/// The battery: AC-side power limits, efficiencies mapping AC to stored energy.
struct BatterySpec {
  double capacity_kwh = 0.0;              ///< > 0
  double soc_min = 0.0;                   ///< fraction, 0 <= soc_min <= soc_max <= 1
  double soc_max = 1.0;                   ///< fraction
  double soc_init = 0.5;                  ///< fraction in [0,1]; may lie outside [soc_min, soc_max] (SPEC §3.4)
  Terminal terminal{};                    ///< end condition
  double p_charge_max_kw = 0.0;           ///< >= 0, AC side
  double p_discharge_max_kw = 0.0;        ///< >= 0, AC side
  double eta_charge = 1.0;                ///< (0,1]
  double eta_discharge = 1.0;             ///< (0,1]
  double degradation_cost_per_kwh = 0.0;  ///< >= 0, on charged + discharged AC energy
};

/// Grid connection limits [kW]; 0 export = no export allowed.
struct GridSpec {
  double import_max_kw = std::numeric_limits<double>::infinity();
  double export_max_kw = std::numeric_limits<double>::infinity();
};

/// A demand-charge window: price x max(prior_peak, max import over steps [start, end)).
struct DemandWindow {
  double price_per_kw = 0.0;   ///< currency/kW, >= 0
  std::size_t start = 0;       ///< first step
  std::size_t end = 0;         ///< one past the last step
  double prior_peak_kw = 0.0;  ///< incumbent peak of the billing period [kW]
};

/// Carbon price on the emission-factor path (SPEC §2).
struct CarbonSpec {
  double price_per_kg = 0.0;    ///< currency/kg CO2e
  bool credit_exports = false;  ///< exports earn the carbon price too
};

/// The canonical problem (SPEC §2). Series have T entries (empty = all zero
/// for load, PV and emission factor); `dt_hours` has T entries or one.
struct Problem {
  std::vector<double> dt_hours;         ///< step durations [h]
  std::vector<double> price_import;     ///< currency/kWh, any sign
  std::vector<double> price_export;     ///< currency/kWh, any sign
  std::vector<double> load_kw;          ///< >= 0
  std::vector<double> pv_kw;            ///< >= 0, available PV
  std::vector<double> emission_factor;  ///< kg/kWh, required if carbon.price_per_kg != 0
  BatterySpec battery{};
  GridSpec grid{};
  bool pv_curtailable = true;
  std::vector<DemandWindow> demand_charges;
  CarbonSpec carbon{};

  /// Number of steps T.
  std::size_t steps() const noexcept { return price_import.size(); }
};

/// Checks every field; the error names the field (Where::at_field) or the
/// step (Where::at_index with the array name).
Result<void> validate(const Problem& p);

/// One reason why a problem has no feasible schedule (SPEC §6).
struct Infeasibility {
  std::size_t step = 0;         ///< step index (T for the terminal condition)
  std::string constraint;       ///< "load_not_met", "pv_surplus", "terminal_unreachable", "soc_unreachable"
  double amount = 0.0;          ///< by how much [kW for power, kWh for energy]
  std::string message;          ///< one sentence for humans
};

/// Quick screens before solving: load that cannot be met, non-curtailable PV
/// surplus that cannot go anywhere, terminal SoC out of reach. Empty = none found.
std::vector<Infeasibility> screen(const Problem& p);

/// A schedule: powers are step averages [kW], soc_kwh has T+1 entries.
struct Schedule {
  std::vector<double> grid_import_kw, grid_export_kw, charge_kw, discharge_kw, pv_curtail_kw;
  std::vector<double> soc_kwh;  ///< soc_kwh[0] = initial, soc_kwh[t+1] after step t
  std::vector<double> peak_kw;  ///< one per demand window
};

/// Objective split (currency); objective = energy_import + carbon + degradation
/// + demand - energy_export_revenue - terminal_value.
struct Breakdown {
  double energy_import = 0, energy_export_revenue = 0, degradation = 0, carbon = 0, demand = 0, terminal_value = 0;
};

/// Optimality certificate. Two independent parts, either may be empty:
///
/// * LP duals (pi, w, demand_nu): any values give a valid lower bound of the
///   LP relaxation (all variables are boxed); the solver's give a tight one
///   when the relaxation is exact.
/// * Bellman functions (value_*): piecewise-linear functions V_t of stored
///   energy, t = 0..T, given by breakpoints. If V_T is below the terminal cost
///   and V_t(e) <= h_t(D) + V_{t+1}(e + D) for every energy level e and
///   feasible change D (h_t = the canonical stage cost WITH complementarity),
///   then V_0(e_0) is a lower bound of the canonical problem itself, tight
///   when the V_t are the exact costs-to-go. This proves optimality where no
///   LP dual can (complementarity binding: the relaxation is strictly
///   below). The solver fills it whenever some stage is non-convex and no
///   demand window couples the steps.
struct Certificate {
  std::vector<double> pi;                       ///< balance duals [currency/kWh], T entries
  std::vector<double> w;                        ///< value of stored energy [currency/kWh], T entries
  std::vector<std::vector<double>> demand_nu;   ///< per window, per step in it: peak-row duals [currency/kW]
  std::vector<double> value_e_kwh;              ///< Bellman breakpoints: stored energy [kWh], increasing per t
  std::vector<double> value_cost;               ///< Bellman values at those breakpoints [currency]
  std::vector<std::size_t> value_offset;        ///< T+2 entries: V_t is [value_offset[t], value_offset[t+1])
};

/// What `verify` found.
struct Verification {
  bool feasible = false;             ///< bounds, balance, SoC, terminal, complementarity within tolerance
  double objective = 0.0;            ///< re-evaluated from the schedule
  Breakdown breakdown{};             ///< re-evaluated
  double lower_bound = 0.0;          ///< best bound from the certificate (<= any feasible objective)
  double lp_bound = 0.0;             ///< Lagrangian bound of the LP relaxation from pi, w, demand_nu
  double bellman_bound = 0.0;        ///< V_0(e_0) minus the largest Bellman violation per step (-inf if absent)
  double gap = 0.0;                  ///< objective - lower_bound (>= 0 up to rounding)
  bool proven_optimal = false;       ///< gap <= tol * max(1, |objective|)
  double max_balance_violation_kw = 0, max_bound_violation = 0, max_soc_violation_kwh = 0;
  double max_simultaneous_kw = 0;    ///< max min(charge, discharge) and min(import, export)
  std::string reason;                ///< first failed check, empty if feasible
};

/// Tolerances of the verifier (the README's).
struct VerifyOptions {
  double power_abs_kw = 1e-5;
  double energy_abs_kwh = 1e-3;
  double gap_rel = 1e-6;
};

/// Independent check of a schedule against the problem and of the certificate's bound.
Verification verify(const Problem& p, const Schedule& s, const Certificate& c, const VerifyOptions& o = {});

/// Objective and breakdown of a schedule (no feasibility check); SoC recomputed from powers.
Breakdown evaluate(const Problem& p, const Schedule& s, double* objective);

/// Complementarity path (SPEC §4.4): the DP never charges and discharges at once.
enum class Complementarity : std::uint8_t {
  exact,         ///< the certificate closes the gap: also optimal for the LP relaxation
  nonconvex_dp,  ///< some steps' stage cost is non-convex (energy has negative value); the DP handled them exactly
};

/// Solver options.
struct SolveOptions {
  double peak_tol_kw = 1e-9;  ///< outer peak search stops when the bracket is this narrow (relative to the limit)
  int max_peak_rounds = 8;    ///< cyclic passes over several demand windows
  /// Optional start of the outer peak search, one cap [kW] per demand window
  /// (NaN: none for that window), e.g. the previous MPC step's peaks. While
  /// every stage is convex the search then brackets the minimum from there
  /// (steps growing 4x) instead of over the whole cap range: the same optimum
  /// with fewer DP passes. Later rounds of the cyclic search always do.
  std::vector<double> peak_start_kw;
};

/// The optimum.
struct Solution {
  double objective = 0.0;           ///< currency
  Breakdown breakdown{};
  Schedule schedule{};
  Certificate certificate{};
  std::vector<double> pi;           ///< marginal cost of energy at the meter [currency/kWh] (= certificate.pi)
  std::vector<double> w;            ///< marginal value of stored energy after each step [currency/kWh]
  std::vector<std::size_t> nonconvex_steps;  ///< steps whose stage cost is not convex (complementarity can bind)
  Complementarity complementarity = Complementarity::exact;
  double lower_bound = 0.0;         ///< certificate bound (LP relaxation value when tight)
  std::vector<std::string> warnings;  ///< e.g. initial SoC outside [soc_min, soc_max]
  std::size_t max_pieces = 0;       ///< largest number of linear pieces of a value function
  int dp_passes = 0;                ///< dynamic programmes run (1 + peak search)
};

/// Solves the canonical problem exactly. Errors: invalid_argument (field named),
/// infeasible (step and constraint named; see screen() for amounts).
Result<Solution> solve(const Problem& p, const SolveOptions& o = {});

/// The optimal action of one step, read from a Plan.
struct StepDecision {
  double charge_kw = 0, discharge_kw = 0;
  double grid_import_kw = 0, grid_export_kw = 0, pv_curtail_kw = 0;
  double soc_next_kwh = 0;  ///< stored energy after the step
  double cost_to_go = 0;    ///< optimal cost of the steps [t, T) from the given stored energy [currency]
};

/// A solved horizon kept for warm starts (model-predictive control). The DP's
/// cost-to-go functions V_t answer "what is optimal at step t from stored
/// energy e" for any t and any e in the SoC band with one forward step: by
/// Bellman's principle the answer is what a new solve of steps [t, T) from e
/// with the same data would choose, and cost_to_go is that solve's objective.
/// Problems with demand charges are refused (their peak search couples the
/// steps: use solve()). Thread-compatible: decide() is const.
class Plan {
 public:
  /// Solves `p` and keeps its value functions. Errors: as solve(); unsupported with demand charges.
  static Result<Plan> make(const Problem& p);
  Plan(Plan&&) noexcept;
  Plan& operator=(Plan&&) noexcept;
  ~Plan();
  std::size_t steps() const noexcept;  ///< T
  double objective() const noexcept;   ///< V_0 at the problem's initial SoC [currency]
  /// Optimal action at step t (0 <= t < T) from `soc_kwh` stored.
  /// Errors: invalid_argument (t, or energy outside the band), infeasible (terminal unreachable).
  Result<StepDecision> decide(std::size_t t, double soc_kwh) const;
  /// V_t(soc_kwh), t <= T. Errors as decide().
  Result<double> cost_to_go(std::size_t t, double soc_kwh) const;

 private:
  Plan();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Parses a `joule.battery.case/1` JSON document (the reference-case schema).
Result<Problem> parse_case_json(std::string_view json);

/// `{"objective":..,"breakdown":{..},"schedule":{..},"certificate":{..},"verification":{..}}`.
std::string solution_to_json(const Problem& p, const Solution& s, const Verification& v);

}  // namespace joule::battery
