/* joule_battery.h: battery dispatch (exact optimum from a JSON case) and the
 * real-time controller, from C99.
 *
 * Example:
 *   size_t len = 0;
 *   joule_battery_optimize_json(case_text, strlen(case_text), NULL, 0, &len);   (asks the size)
 *   char* out = malloc(len + 1);
 *   if (joule_battery_optimize_json(case_text, strlen(case_text), out, len + 1, &len) != JOULE_OK)
 *     fprintf(stderr, "%s\n", joule_last_error());
 */
#ifndef JOULE_BATTERY_H
#define JOULE_BATTERY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Solves a joule.battery.case/1 JSON case exactly and writes the result JSON
 * ({"objective", "breakdown", "schedule", "certificate", "verification"}) into
 * buf (cap bytes incl. NUL); *len receives the length needed. Errors:
 * JOULE_MALFORMED (bad JSON), JOULE_INVALID_ARGUMENT (field named in
 * joule_last_error()), JOULE_INFEASIBLE (step and constraint named),
 * JOULE_BUFFER_TOO_SMALL (call again with *len + 1 bytes). */
JOULE_API joule_status joule_battery_optimize_json(const char* case_json, size_t case_len, char* buf, size_t cap,
                                                   size_t* len);

/* Solves a site (several batteries, EV sessions, deferrable loads, shared
 * grid caps; the case schema with "batteries", "evs", "deferrable" arrays, see
 * docs/battery.md) with the COIN-OR CLP LP and writes the result JSON
 * ({"objective", "grid_import_kw", ..., "charge_kw": [[...] per battery],
 * "burned_kwh", "repaired_steps", "simultaneous_steps"}) into buf (cap bytes
 * incl. NUL); *len receives the length needed. Errors as
 * joule_battery_optimize_json, plus JOULE_UNSUPPORTED when built without CLP. */
JOULE_API joule_status joule_battery_site_json(const char* site_json, size_t site_len, char* buf, size_t cap,
                                               size_t* len);

/* Objective [currency] of the optimum of a JSON case (one call, no output buffer). */
JOULE_API joule_status joule_battery_objective_json(const char* case_json, size_t case_len, double* objective);

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
  double power_kw;       /* > 0 discharge */
  double fcr_kw;
  double grid_import_kw;
  double soc_kwh;
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

typedef struct joule_battery_rt joule_battery_rt;

/* Creates a controller with the initial stored energy [kWh]. */
JOULE_API joule_status joule_battery_rt_create(const joule_battery_rt_config* cfg, double soc_kwh,
                                               joule_battery_rt** out);
JOULE_API void joule_battery_rt_destroy(joule_battery_rt* rt);
/* One period: schedule setpoint [kW, > 0 discharge], frequency [Hz], site net load [kW], time [UTC s]. */
JOULE_API joule_status joule_battery_rt_step(joule_battery_rt* rt, double setpoint_kw, double frequency_hz,
                                             double site_net_load_kw, int64_t time_s, joule_battery_rt_output* out);
/* Caps grid import at import_cap_kw over [start_s, end_s). */
JOULE_API joule_status joule_battery_rt_add_dr_event(joule_battery_rt* rt, int64_t start_s, int64_t end_s,
                                                     double import_cap_kw);
/* Replaces the SoC estimate by a measurement [kWh]. */
JOULE_API joule_status joule_battery_rt_set_soc(joule_battery_rt* rt, double soc_kwh);

#ifdef __cplusplus
}
#endif

#endif /* JOULE_BATTERY_H */
