// Site LP when joule is built without COIN-OR CLP.
#include "joule/battery/site.hpp"

namespace joule::battery {

bool site_lp_available() noexcept { return false; }

Result<SiteSolution> solve_site_lp(const Site&) {
  return fail(Errc::unsupported, "joule was built without COIN-OR CLP (coinor-libclp-dev): site LP unavailable");
}

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

}  // namespace joule::battery
