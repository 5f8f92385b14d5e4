#pragma once
// Internal: the C face's joule_battery_rt_config as the C++ RtConfig. Shared by the
// freestanding caller-storage functions (src/battery/core/rt_controller_c.cpp) and the host
// C API (bindings/c/src/c_api_battery.cpp), so the two faces read the struct the same way.
// Freestanding: no heap, no exceptions.
#include "joule/battery/rt_controller.hpp"
#include "joule/battery/rt_controller_c.h"

namespace joule::battery::detail {

/// Field-by-field copy (units as in both declarations); validation is RtController::create's.
inline RtConfig rt_config_from_c(const joule_battery_rt_config& c) noexcept {
  RtConfig k;
  k.capacity_kwh = c.capacity_kwh;
  k.soc_min_kwh = c.soc_min_kwh;
  k.soc_max_kwh = c.soc_max_kwh;
  k.p_charge_max_kw = c.p_charge_max_kw;
  k.p_discharge_max_kw = c.p_discharge_max_kw;
  k.ramp_kw_per_s = c.ramp_kw_per_s;
  k.eta_charge = c.eta_charge;
  k.eta_discharge = c.eta_discharge;
  k.dt_s = c.dt_s;
  k.fcr_reserve_kw = c.fcr_reserve_kw;
  k.fcr_nominal_hz = c.fcr_nominal_hz;
  k.fcr_deadband_hz = c.fcr_deadband_hz;
  k.fcr_full_deviation_hz = c.fcr_full_deviation_hz;
  k.fcr_energy_hours = c.fcr_energy_hours;
  return k;
}

}  // namespace joule::battery::detail
