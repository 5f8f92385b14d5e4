// joule/battery/site.hpp: general LP for richer sites (COIN-OR CLP backend).
//
// Several batteries, EV charging sessions with arrival/departure/energy
// targets, deferrable loads and one shared grid connection (import and
// export caps shared by every asset) behind one meter. Solved as a linear
// programme by COIN-OR CLP when joule was built with it (`site_lp_available()`);
// the battery flows are the LP relaxation (SPEC §4.4 "relax" mode): the
// result reports the energy burned by simultaneous charge and discharge,
// which is zero whenever energy has a non-negative value at the meter.
//
// Example:
//   joule::battery::Site s;  s.dt_hours = {1.0};  s.price_import = {...};  s.price_export = {...};
//   s.batteries.push_back({.capacity_kwh = 10, .soc_init = 0.5, .p_charge_max_kw = 5, .p_discharge_max_kw = 5});
//   s.evs.push_back({.arrival_step = 18, .departure_step = 24, .energy_kwh = 20, .p_max_kw = 11});
//   auto sol = joule::battery::solve_site_lp(s);
#pragma once

#include <cstddef>
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
  double burned_kwh = 0;                  ///< energy dissipated by simultaneous charge/discharge (relaxation)
};

/// True if this build has the COIN-OR CLP backend.
bool site_lp_available() noexcept;

/// Solves the site LP. Errors: invalid_argument (field named), infeasible,
/// unsupported (built without CLP), numerical (solver failure).
Result<SiteSolution> solve_site_lp(const Site& s);

/// The canonical problem as a one-battery site (for cross-checks).
Site site_from_problem(const Problem& p);

}  // namespace joule::battery
