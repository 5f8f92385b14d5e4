// joule/battery/arbitrage.hpp: exact pure-arbitrage dispatch, freestanding (no heap).
//
// The slope-sequence dynamic programme of the battery spec (§5) for a battery
// trading against prices with no load or PV: the cost-to-go of stored energy
// is convex piecewise linear, and one backward step inserts two segments
// (charge at (p_imp + c)/eta_c per stored kWh, discharge at (p_exp - c) eta_d)
// into its sorted slope sequence, then clips to the SoC band. Exact whenever
// every step's stage cost is convex ((p_imp + c)/eta_c >= (p_exp - c) eta_d);
// otherwise charge/discharge complementarity could bind and the function
// refuses (Errc::unsupported) rather than return the LP relaxation (SPEC §4.4.6).
// The host solver (dispatch.hpp) handles those steps exactly.
//
// Example (T = 96, work of 8192 doubles: value functions of up to ~40 pieces):
//   double ch[96], dis[96], soc[97], work[8192];
//   auto obj = joule::battery::arbitrage_dispatch(params, dt, p_imp, p_exp, ch, dis, soc, work);
#pragma once

#include <cstddef>
#include <span>

#include "joule/core/result.hpp"

namespace joule::battery {

/// Battery and grid for pure arbitrage (energies kWh, powers kW, AC side).
struct ArbitrageParams {
  double soc_min_kwh = 0;            ///< lower bound of stored energy
  double soc_max_kwh = 0;            ///< upper bound
  double soc_init_kwh = 0;           ///< stored energy before step 0 (band widened to include it)
  double terminal_min_kwh = 0;       ///< stored energy at the end >= this
  double terminal_max_kwh = 1e300;   ///< stored energy at the end <= this
  double terminal_value_per_kwh = 0; ///< objective gets - value * soc[T]
  double p_charge_max_kw = 0;        ///< min of battery and grid import limit
  double p_discharge_max_kw = 0;     ///< min of battery and grid export limit
  double eta_charge = 1;             ///< (0, 1]
  double eta_discharge = 1;          ///< (0, 1]
  double degradation_cost_per_kwh = 0;  ///< on charged + discharged AC energy
};

/// Solves pure arbitrage over T steps. dt_h, price_import, price_export: T
/// entries [h, currency/kWh]; outputs charge_kw, discharge_kw (T) and soc_kwh
/// (T+1); `work` is scratch (buffer_too_small if the value functions do not
/// fit). Returns the optimal objective [currency].
Result<double> arbitrage_dispatch(const ArbitrageParams& p, std::span<const double> dt_h,
                                  std::span<const double> price_import, std::span<const double> price_export,
                                  std::span<double> charge_kw, std::span<double> discharge_kw,
                                  std::span<double> soc_kwh, std::span<double> work) noexcept;

}  // namespace joule::battery
