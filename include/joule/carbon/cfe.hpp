// joule/carbon/cfe.hpp: hourly matching, 24/7 carbon-free energy score, storage.
//
// Per hour: contracted carbon-free supply (PPAs, on-site generation) used in
// the same hour, grid supply credited with the grid's carbon-free share, and
// optional storage that charges only from contracted surplus and discharges
// only into deficit, with round-trip losses at discharge and first-in-first-
// out lots that give each storage-discharge certificate its source hour
// (METHODS.md section B; Google "24/7 CFE: Methodologies and Metrics" 2021;
// EnergyTag Granular Certificate Scheme Standard, storage records).
//
// Example:
//   joule::carbon::CfeInput in;
//   in.load_kwh = {100, 100}; in.ppa_kwh = {150, 20}; in.grid_cfe_share = {0.4, 0.4};
//   in.battery = joule::carbon::CfeBattery{300, 100, 0.8, 0};
//   auto r = joule::carbon::compute_cfe(in);   // r->cfe_score, r->sd_gc_fifo
#pragma once

#include <optional>
#include <vector>

#include "joule/core/result.hpp"

namespace joule::carbon {

/// Contracted storage behind the consumer's claim.
struct CfeBattery {
  double energy_kwh = 0.0;     ///< capacity in charged kWh
  double power_kw = 0.0;       ///< max charge and max delivered discharge per hour (kWh/h)
  double roundtrip_eff = 1.0;  ///< (0, 1]; losses taken at discharge
  double soc0_kwh = 0.0;       ///< charged kWh at the start (treated as a lot of hour -1)
};

struct CfeInput {
  std::vector<double> load_kwh;        ///< per hour
  std::vector<double> ppa_kwh;         ///< contracted carbon-free supply per hour
  std::vector<double> grid_cfe_share;  ///< 0..1 per hour
  std::optional<std::vector<double>> grid_ci_g_per_kwh;  ///< for grid-supply emissions
  std::optional<CfeBattery> battery;
  /// Optional battery schedule (e.g. from the battery optimiser), kWh per hour: + charge, - delivered
  /// discharge. Without it the battery charges all surplus and discharges into every deficit. With it
  /// each hour's request is further limited by the claim rules (charge only from surplus, discharge
  /// only into deficit, power, capacity, state of charge).
  std::optional<std::vector<double>> battery_schedule_kwh;
};

/// One storage-discharge certificate slice (FIFO).
struct SdGcSlice {
  int discharge_hour = 0;
  int source_charge_hour = 0;  ///< -1 for the initial state of charge
  double drawn_kwh = 0.0;      ///< charged kWh drawn from the lot
  double delivered_kwh = 0.0;  ///< drawn x eff
};

struct CfeHourly {
  std::vector<double> direct_kwh, charge_kwh, discharge_kwh, grid_kwh, cfe_kwh;
  std::vector<std::optional<double>> cfe_score;  ///< none where load is 0
};

struct CfeResult {
  double total_load_kwh = 0, total_ppa_kwh = 0, annual_volumetric_match = 0, hourly_matched_direct_kwh = 0;
  double ppa_surplus_kwh = 0, battery_charge_kwh = 0, battery_discharge_kwh = 0, battery_losses_kwh = 0;
  double ppa_spilled_kwh = 0, grid_supply_kwh = 0, grid_cfe_kwh = 0, contracted_hourly_match = 0, cfe_score = 0;
  CfeHourly hourly;
  std::vector<SdGcSlice> sd_gc_fifo;
  std::optional<double> battery_soc_end_kwh;       ///< when a battery is given
  std::optional<double> grid_supply_emissions_kg;  ///< when grid CI is given
};

/// Errors: invalid_argument (length mismatch, negative or non-finite values, share outside 0..1,
/// battery parameters), invalid_argument when the total load is 0 (scores undefined).
Result<CfeResult> compute_cfe(const CfeInput& in);

}  // namespace joule::carbon
