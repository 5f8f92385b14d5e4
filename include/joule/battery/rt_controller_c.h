/* joule/battery/rt_controller_c.h: the real-time battery controller from C, for firmware.
 *
 * Freestanding C99 (only <stddef.h> and <stdint.h>): no heap, no handle to
 * destroy. The caller owns the memory of the controller, a
 * joule_battery_rt_storage (a static, a global or a stack variable), and these
 * functions live in joule_core, the library a firmware image links. The host
 * library (joule.h / joule_battery.h) includes this header and adds the
 * heap-handle API (joule_battery_rt_create ...) on top.
 *
 * Example (one control period per meter reading):
 *   static joule_battery_rt_storage rt;
 *   joule_battery_rt_config cfg;
 *   joule_battery_rt_config_default(&cfg);
 *   cfg.capacity_kwh = 10; cfg.soc_min_kwh = 1; cfg.soc_max_kwh = 9;
 *   cfg.p_charge_max_kw = 5; cfg.p_discharge_max_kw = 5; cfg.ramp_kw_per_s = 1;
 *   if (joule_battery_rt_init(&rt, &cfg, 5.0) != JOULE_OK) log(joule_battery_rt_error(&rt));
 *   joule_battery_rt_output out;
 *   joule_battery_rt_step_inplace(&rt, 3.0, 49.95, 2.0, now_s, &out);   (apply out.power_kw)
 */
#ifndef JOULE_BATTERY_RT_CONTROLLER_C_H
#define JOULE_BATTERY_RT_CONTROLLER_C_H

#include <stddef.h>
#include <stdint.h>

#include "joule/core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Real-time controller configuration (units in the names; see rt_controller.hpp).
 * struct_size must be sizeof(joule_battery_rt_config). */
typedef struct joule_battery_rt_config {
  size_t struct_size;
  double capacity_kwh, soc_min_kwh, soc_max_kwh;
  double p_charge_max_kw, p_discharge_max_kw, ramp_kw_per_s;
  double eta_charge, eta_discharge, dt_s;
  double fcr_reserve_kw, fcr_nominal_hz, fcr_deadband_hz, fcr_full_deviation_hz, fcr_energy_hours;
} joule_battery_rt_config;

/* Fills cfg with the defaults (eta 1, dt 1 s, no FCR, 50 Hz, 10 mHz deadband, 200 mHz full activation, 0.25 h). */
JOULE_API void joule_battery_rt_config_default(joule_battery_rt_config* cfg);

/* Output of one control period; flags are JOULE_BATTERY_RT_* bits. */
typedef struct joule_battery_rt_output {
  double power_kw;       /* battery AC power to apply [kW], > 0 discharge */
  double fcr_kw;         /* part of it from the frequency droop [kW] */
  double grid_import_kw; /* resulting site import [kW], < 0 export */
  double soc_kwh;        /* predicted stored energy after the period [kWh] */
  uint32_t flags;
} joule_battery_rt_output;

enum {
  JOULE_BATTERY_RT_POWER_LIMITED = 1,
  JOULE_BATTERY_RT_RAMP_LIMITED = 2,
  JOULE_BATTERY_RT_SOC_LIMITED = 4,
  JOULE_BATTERY_RT_DR_ACTIVE = 8,
  JOULE_BATTERY_RT_DR_UNMET = 16,
  JOULE_BATTERY_RT_FCR_ACTIVE = 32,
  JOULE_BATTERY_RT_RESERVE_LIMITED = 64
};

/* Bytes of a joule_battery_rt_storage; the library checks at compile time that
 * the C++ controller (and its bookkeeping) fits and is suitably aligned. */
#define JOULE_BATTERY_RT_STORAGE_SIZE 448

/* Caller-provided memory of one controller: opaque, aligned for double, int64_t
 * and pointers. Initialise with joule_battery_rt_init before any other call;
 * it may be copied bytewise (no pointer into itself). */
typedef struct joule_battery_rt_storage {
  union {
    double align_double_;
    int64_t align_int64_;
    void* align_pointer_;
    unsigned char bytes_[JOULE_BATTERY_RT_STORAGE_SIZE];
  } opaque_;
} joule_battery_rt_storage;

/* Validates cfg and the initial stored energy soc_kwh [kWh] and builds the
 * controller in *storage. JOULE_INVALID_ARGUMENT on a bad field (named by
 * joule_battery_rt_error(storage)); the storage then refuses every step. */
JOULE_API joule_status joule_battery_rt_init(joule_battery_rt_storage* storage, const joule_battery_rt_config* cfg,
                                             double soc_kwh);
/* One period: schedule setpoint [kW, > 0 discharge], frequency [Hz], site net
 * load (load - PV, without the battery) [kW], time [UTC s]. */
JOULE_API joule_status joule_battery_rt_step_inplace(joule_battery_rt_storage* storage, double setpoint_kw,
                                                     double frequency_hz, double site_net_load_kw, int64_t time_s,
                                                     joule_battery_rt_output* out);
/* Caps grid import at import_cap_kw [kW] over [start_s, end_s) (UTC s); JOULE_LIMIT_EXCEEDED when 8 are pending. */
JOULE_API joule_status joule_battery_rt_add_dr_event_inplace(joule_battery_rt_storage* storage, int64_t start_s,
                                                             int64_t end_s, double import_cap_kw);
/* Replaces the SoC estimate by a measurement [kWh] (BMS reading), >= 0. */
JOULE_API joule_status joule_battery_rt_set_soc_inplace(joule_battery_rt_storage* storage, double soc_kwh);
/* Message (static string) of the last failing call on this storage, "" if none. */
JOULE_API const char* joule_battery_rt_error(const joule_battery_rt_storage* storage);

#ifdef __cplusplus
}
#endif

#endif /* JOULE_BATTERY_RT_CONTROLLER_C_H */
