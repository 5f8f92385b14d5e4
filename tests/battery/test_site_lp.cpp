// Site LP (COIN-OR CLP) as a cross-check of the exact DP, and richer sites.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "joule/battery/dispatch.hpp"
#include "joule/battery/site.hpp"

namespace jb = joule::battery;

TEST_CASE("site LP agrees with the exact DP where the relaxation is exact") {
  if (!jb::site_lp_available()) {
    MESSAGE("skipped: built without COIN-OR CLP");
    return;
  }
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  int compared = 0, proven = 0;
  for (int i = 0; i < 2000; ++i) {  // with the 1200 HiGHS MILP cases of the Python suite: thousands
    jb::Problem p;
    const std::size_t T = 2 + static_cast<std::size_t>(u(rng) * 10);
    p.dt_hours = {u(rng) < 0.5 ? 0.25 : 1.0};
    for (std::size_t t = 0; t < T; ++t) {
      const double pi = std::round((u(rng) * 0.5 - 0.1) * 1000) / 1000;  // some negative prices
      p.price_import.push_back(pi);
      p.price_export.push_back(pi - std::round(u(rng) * 50) / 1000);
      p.load_kw.push_back(std::round(u(rng) * 400) / 100);
      p.pv_kw.push_back(u(rng) < 0.5 ? 0.0 : std::round(u(rng) * 500) / 100);
    }
    p.battery.capacity_kwh = 5;
    p.battery.soc_min = 0.1;
    p.battery.soc_max = 0.9;
    p.battery.soc_init = std::round(u(rng) * 100) / 100;
    p.battery.p_charge_max_kw = 0.5 + std::round(u(rng) * 30) / 10;
    p.battery.p_discharge_max_kw = 0.5 + std::round(u(rng) * 30) / 10;
    p.battery.eta_charge = u(rng) < 0.3 ? 1.0 : 0.9;
    p.battery.eta_discharge = u(rng) < 0.3 ? 1.0 : 0.92;
    p.battery.degradation_cost_per_kwh = u(rng) < 0.5 ? 0.0 : 0.01;
    p.grid = {10.0, u(rng) < 0.2 ? 0.0 : 6.0};
    if (u(rng) < 0.3) p.demand_charges.push_back({0.5, 0, T, 1.0});
    auto dp = jb::solve(p);
    auto lp = jb::solve_site_lp(jb::site_from_problem(p));
    REQUIRE(static_cast<bool>(dp) == static_cast<bool>(lp));
    if (!dp) continue;
    ++compared;
    // the LP relaxation is a lower bound of the canonical optimum ...
    CHECK(lp->objective <= dp->objective + 1e-7 * std::max(1.0, std::fabs(dp->objective)));
    // the repaired flows still balance at every step and keep the SoC path
    bool nonneg = true;
    for (std::size_t t = 0; t < T; ++t) {
      const double bal = lp->grid_import_kw[t] - lp->grid_export_kw[t] - lp->charge_kw[0][t] + lp->discharge_kw[0][t] -
                         lp->pv_curtail_kw[t] - (p.load_kw[t] - p.pv_kw[t]);
      CHECK(std::fabs(bal) <= 1e-7);
      CHECK(lp->grid_import_kw[t] >= -1e-9);
      CHECK(lp->grid_export_kw[t] >= -1e-9);
      if (p.price_import[t] < 0 || p.price_export[t] < 0) nonneg = false;
      if (p.price_export[t] <= p.price_import[t]) CHECK(std::min(lp->grid_import_kw[t], lp->grid_export_kw[t]) <= 1e-9);
    }
    // with non-negative prices energy never has a negative value: the repair
    // removes every simultaneous charge/discharge (SPEC §4.3)
    if (nonneg) CHECK(lp->simultaneous_steps == 0);
    // ... and equal to it when the relaxation burns nothing (SPEC §4.2)
    if (lp->burned_kwh <= 1e-9) {
      ++proven;
      INFO("case " << i << " dp " << dp->objective << " lp " << lp->objective);
      CHECK(std::fabs(lp->objective - dp->objective) <= 1e-6 * std::max(1.0, std::fabs(dp->objective)));
    }
  }
  CHECK(compared > 1500);
  CHECK(proven > 1000);
  MESSAGE("site LP vs DP: " << compared << " feasible cases, " << proven << " with an exact relaxation (objectives equal)");
}

TEST_CASE("site LP: two batteries, an EV session and a deferrable load under a shared export cap") {
  if (!jb::site_lp_available()) {
    MESSAGE("skipped: built without COIN-OR CLP");
    return;
  }
  jb::Site s;
  s.dt_hours = {1.0};
  s.price_import = {0.30, 0.10, 0.10, 0.40, 0.40, 0.30};
  s.price_export = {0.05, 0.05, 0.05, 0.05, 0.05, 0.05};
  s.load_kw = {1, 1, 1, 1, 1, 1};
  s.pv_kw = {0, 8, 8, 0, 0, 0};
  s.grid = {20.0, 2.0};  // export capped at 2 kW for the whole site
  jb::BatterySpec b;
  b.capacity_kwh = 5;
  b.soc_init = 0.2;
  b.p_charge_max_kw = 2;
  b.p_discharge_max_kw = 2;
  s.batteries = {b, b};
  s.evs.push_back({1, 5, 6.0, 3.0, 1.0});       // 6 kWh between steps 1 and 5
  s.deferrable.push_back({0, 6, 2.0, 1.0});     // 2 kWh anywhere
  auto sol = jb::solve_site_lp(s);
  REQUIRE(sol);
  double ev = 0, def = 0;
  for (std::size_t t = 0; t < 6; ++t) {
    ev += sol->ev_kw[0][t];
    def += sol->deferrable_kw[0][t];
    CHECK(sol->grid_export_kw[t] <= 2.0 + 1e-9);
  }
  CHECK(ev >= 6.0 - 1e-7);
  CHECK(def == doctest::Approx(2.0));
  CHECK(sol->ev_kw[0][0] == doctest::Approx(0.0));  // not plugged in yet
  CHECK(sol->charge_kw.size() == 2);
  // an impossible EV target is reported as infeasible
  s.evs[0].energy_kwh = 100;
  auto bad = jb::solve_site_lp(s);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == joule::Errc::infeasible);
}
