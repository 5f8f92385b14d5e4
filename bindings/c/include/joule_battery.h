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

/* The real-time controller's configuration, output, flags and the
 * heap-free (caller storage) functions firmware links from joule_core. */
#include "joule/battery/rt_controller_c.h"

/* Host handle of a controller (heap); firmware uses joule_battery_rt_storage instead. */
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
