// joule/battery/mpc.hpp: value report, receding-horizon control and backtests.
//
// value_report() says what a schedule is worth against the same site without
// a battery. mpc_backtest() replays a horizon step by step: at each step it
// re-solves the exact dispatch over the next `horizon_steps` using forecasts
// (one point path, or several quantile scenarios with weights), applies the
// first step to the true data, and finally compares the realised cost with
// the perfect-foresight optimum. In shrinking-horizon mode an unchanged
// forecast is not re-solved: the kept Plan decides from the measured SoC.
//
// Example:
//   auto rep = joule::battery::value_report(problem, solution.schedule);
//   auto bt = joule::battery::mpc_backtest(problem, forecaster, {.horizon_steps = 96});
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "joule/battery/dispatch.hpp"

namespace joule::battery {

/// Per-step and total value of a schedule against "no battery" (same site, same tariffs).
struct ValueReport {
  std::vector<double> cost;                ///< per step, with the battery [currency]
  std::vector<double> baseline_cost;       ///< per step, without it [currency]
  std::vector<double> self_consumption_kwh;///< PV energy used on site (directly or via the battery)
  std::vector<double> carbon_avoided_kg;   ///< emission-factor weighted import reduction [kg]
  double total_cost = 0, total_baseline_cost = 0;
  double arbitrage_value = 0;              ///< energy-cost savings (imports, exports, carbon) minus degradation
  double demand_charge_savings = 0;        ///< baseline demand charges minus actual
  std::vector<double> peak_reduction_kw;   ///< per demand window
  double self_consumption_kwh_total = 0, baseline_self_consumption_kwh = 0;
  double carbon_avoided_kg_total = 0;
  double throughput_kwh = 0;               ///< AC energy charged + discharged
  double equivalent_full_cycles = 0;       ///< stored energy discharged / usable capacity
};

/// Value of `s` for problem `p` (schedule arrays of length T). Errors: invalid_argument.
Result<ValueReport> value_report(const Problem& p, const Schedule& s);

/// One forecast scenario over steps [t, t + n): empty vectors = take the truth.
struct Scenario {
  std::vector<double> price_import, price_export, load_kw, pv_kw;
  double weight = 1.0;  ///< probability weight (normalised by the controller)
};

/// Forecast provider: scenarios for steps [t, t + n) (one = point forecast).
using Forecaster = std::function<std::vector<Scenario>(std::size_t t, std::size_t n)>;

/// Which first step the controller applies when there are several scenarios.
enum class ScenarioPolicy : std::uint8_t {
  min_expected_cost,  ///< the scenarios' optimal first steps are candidates; each is scored in every
                      ///< scenario (its step cost + that scenario's optimum from the state it leads to)
                      ///< and the one with the least weighted mean wins; candidates infeasible in some
                      ///< scenario are dropped (robust first step)
  most_likely,        ///< the first step of the scenario with the largest weight
};

/// Where each re-optimisation's horizon ends.
enum class HorizonMode : std::uint8_t {
  rolling,    ///< steps [t, t + horizon_steps): the end moves with t
  shrinking,  ///< steps [t, end of the current block of horizon_steps): a day-ahead plan re-optimised within its day
};

/// Receding-horizon options.
struct MpcOptions {
  ScenarioPolicy policy = ScenarioPolicy::min_expected_cost;  ///< see ScenarioPolicy
  std::size_t horizon_steps = 96;  ///< look-ahead per solve (block length in shrinking mode)
  HorizonMode horizon_mode = HorizonMode::rolling;  ///< see HorizonMode
  /// Shrinking mode without demand charges: each scenario's first solve in
  /// the block is kept as a Plan; while that scenario's forecast of the rest
  /// of the block is unchanged, its decision and cost-to-go at the measured
  /// SoC come from one forward step of its Plan (exactly what a new solve
  /// would give), and candidate first steps are scored from the Plans'
  /// cost-to-go instead of new solves. A changed forecast triggers a new Plan
  /// for that scenario. With demand windows (any horizon mode) each solve's
  /// peak search starts from the scenario's previous peaks (SolveOptions::
  /// peak_start_kw): the same optimum with fewer DP passes.
  bool warm_start = true;
  double terminal_value_factor = 1.0;  ///< value of energy left at a horizon end = factor x mean forecast export price x eta_discharge
};

/// Backtest result.
struct MpcResult {
  Schedule realised;                  ///< what was applied to the true data
  double realised_cost = 0;           ///< objective of `realised` on the true problem
  double perfect_foresight_cost = 0;  ///< exact optimum with the true data
  double regret = 0;                  ///< realised - perfect foresight (>= 0 up to the terminal condition)
  std::vector<double> expected_cost;  ///< per solve: weighted mean of the scenarios' optima
  std::vector<double> cost_spread;    ///< per solve: max - min of the scenarios' optima
  std::size_t solves = 0;              ///< decisions taken (one per step)
  std::size_t warm_decisions = 0;      ///< of them, read from a kept Plan without a new solve
  std::size_t candidate_solves = 0;   ///< extra solves that scored candidate first steps
  std::size_t dp_passes = 0;          ///< DP passes of the decision solves (the peak search makes several per solve)
};

/// Replays `truth` with re-optimisation at every step. The realised schedule
/// respects every limit of `truth`; the terminal condition of `truth` is
/// targeted by the last horizons (fixed/min become exact only if reachable).
Result<MpcResult> mpc_backtest(const Problem& truth, const Forecaster& forecast, const MpcOptions& o = {});

/// `{"realised_cost", "perfect_foresight_cost", "regret", "solves",
/// "warm_decisions", "candidate_solves", "expected_cost": [..],
/// "cost_spread": [..], "schedule": {..}}` (the C and Python faces).
std::string mpc_result_to_json(const MpcResult& r);

}  // namespace joule::battery
