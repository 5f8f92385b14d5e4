// joule/battery/site.hpp: general LP for richer sites (COIN-OR CLP backend).
//
// Several batteries, EV charging sessions with arrival/departure/energy
// targets, deferrable loads and one shared grid connection (import and
// export caps shared by every asset) behind one meter. Solved as a linear
// programme by COIN-OR CLP when joule was built with it (`site_lp_available()`).
// The LP may charge and discharge a battery at once (SPEC §4.2); the result is
// post-processed by SPEC §4.3's local repair (the freed energy lowers import,
// raises curtailment or export at the same step), which keeps the SoC path and
// never raises the cost, and imports/exports are netted where that is free
// (§4.1). Whenever energy keeps a non-negative value at the meter (prices >= 0)
// every simultaneous step is repaired and the result is the canonical optimum;
// steps that genuinely burn energy (negative prices, no free disposal) stay as
// the LP has them and are counted in `simultaneous_steps` / `burned_kwh`
// (SPEC §4.4 "relax" mode: the objective is then a lower bound of the
// canonical one; the exact DP of dispatch.hpp handles a single battery).
//
// Example:
//   joule::battery::Site s;  s.dt_hours = {1.0};  s.price_import = {...};  s.price_export = {...};
//   s.batteries.push_back({.capacity_kwh = 10, .soc_init = 0.5, .p_charge_max_kw = 5, .p_discharge_max_kw = 5});
//   s.evs.push_back({.arrival_step = 18, .departure_step = 24, .energy_kwh = 20, .p_max_kw = 11});
//   auto sol = joule::battery::solve_site_lp(s);
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "joule/battery/dispatch.hpp"

namespace joule::battery {

/// An EV charging session: at least `energy_kwh` delivered (to the car, after
/// `eta`) over steps [arrival_step, departure_step), at most `p_max_kw` AC.
struct EvSession {
  std::size_t arrival_step = 0;
  std::size_t departure_step = 0;
  double energy_kwh = 0;
  double p_max_kw = 0;
  double eta = 1.0;
};

/// A deferrable load: exactly `energy_kwh` over steps [earliest_step, end_step), at most `p_max_kw`.
struct DeferrableLoad {
  std::size_t earliest_step = 0;
  std::size_t end_step = 0;
  double energy_kwh = 0;
  double p_max_kw = 0;
};

/// A site: the canonical problem's series and grid, with any number of assets.
struct Site {
  std::vector<double> dt_hours, price_import, price_export, load_kw, pv_kw, emission_factor;
  std::vector<BatterySpec> batteries;
  std::vector<EvSession> evs;
  std::vector<DeferrableLoad> deferrable;
  GridSpec grid{};  ///< shared by all assets
  bool pv_curtailable = true;
  std::vector<DemandWindow> demand_charges;
  CarbonSpec carbon{};
};

/// The LP optimum of a site.
struct SiteSolution {
  double objective = 0;  ///< currency
  std::vector<double> grid_import_kw, grid_export_kw, pv_curtail_kw;
  std::vector<std::vector<double>> charge_kw, discharge_kw, soc_kwh;  ///< per battery; soc has T+1 entries
  std::vector<std::vector<double>> ev_kw, deferrable_kw;              ///< per session / load
  std::vector<double> peak_kw;
  std::vector<double> pi;                 ///< balance duals [currency/kWh]
  double burned_kwh = 0;                  ///< energy dissipated by simultaneous charge/discharge left after repair
  std::size_t repaired_steps = 0;         ///< (battery, step) pairs made exclusive by the local repair
  std::size_t simultaneous_steps = 0;     ///< (battery, step) pairs still charging and discharging at once
};

/// True if this build has the COIN-OR CLP backend.
bool site_lp_available() noexcept;

/// Solves the site LP. Errors: invalid_argument (field named), infeasible,
/// unsupported (built without CLP), numerical (solver failure).
Result<SiteSolution> solve_site_lp(const Site& s);

/// The canonical problem as a one-battery site (for cross-checks).
Site site_from_problem(const Problem& p);

/// Parses a site: the `joule.battery.case/1` schema with `batteries` (an array
/// of battery objects) instead of `battery`, plus `evs` ({arrival_step,
/// departure_step, energy_kwh, p_max_kw, eta}) and `deferrable` ({earliest_step,
/// end_step, energy_kwh, p_max_kw}) arrays. Errors name the field.
Result<Site> parse_site_json(std::string_view json);

/// The solution as JSON: objective, grid/PV arrays, per-battery charge_kw,
/// discharge_kw, soc_kwh, ev_kw, deferrable_kw, peak_kw, pi, burned_kwh,
/// repaired_steps, simultaneous_steps.
std::string site_solution_to_json(const SiteSolution& s);

}  // namespace joule::battery
