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

/* A solved horizon kept for warm starts (joule::battery::Plan): the optimal
 * action of any step from any stored energy, as a new solve of the remaining
 * steps from that energy would choose, at the cost of one forward step. */
typedef struct joule_battery_plan joule_battery_plan;

/* One step's optimal action. */
typedef struct joule_battery_step {
  double charge_kw, discharge_kw, grid_import_kw, grid_export_kw, pv_curtail_kw;
  double soc_next_kwh; /* stored energy after the step */
  double cost_to_go;   /* optimal cost of steps [t, T) from the given energy [currency] */
} joule_battery_step;

/* Solves a JSON case and keeps its value functions. Errors as
 * joule_battery_optimize_json, plus JOULE_UNSUPPORTED for demand charges. */
JOULE_API joule_status joule_battery_plan_create_json(const char* case_json, size_t case_len,
                                                      joule_battery_plan** out);
JOULE_API void joule_battery_plan_destroy(joule_battery_plan* plan);
/* Number of steps T (0 for NULL). */
JOULE_API size_t joule_battery_plan_steps(const joule_battery_plan* plan);
/* Optimal action at step t (< T) from soc_kwh stored. Errors: JOULE_INVALID_ARGUMENT
 * (t, or energy outside the SoC band), JOULE_INFEASIBLE (terminal condition out of reach). */
JOULE_API joule_status joule_battery_plan_decide(const joule_battery_plan* plan, size_t t, double soc_kwh,
                                                 joule_battery_step* out);

/* Receding-horizon backtest (joule::battery::mpc_backtest). */
typedef enum joule_battery_horizon_mode {
  JOULE_BATTERY_HORIZON_ROLLING = 0,   /* steps [t, t + horizon_steps) */
  JOULE_BATTERY_HORIZON_SHRINKING = 1, /* steps [t, end of the current block of horizon_steps) */
  JOULE_BATTERY_HORIZON_FORCE_INT32_ = 0x7FFFFFFF
} joule_battery_horizon_mode;

typedef struct joule_battery_mpc_options {
  size_t struct_size; /* sizeof(joule_battery_mpc_options) */
  size_t horizon_steps;                    /* default 96 */
  joule_battery_horizon_mode horizon_mode; /* default rolling */
  int warm_start;                          /* 1 (default): shrinking mode reuses each scenario's plan while its forecast is unchanged; demand windows start each peak search from the previous peaks */
  double terminal_value_factor;            /* default 1: energy left at a horizon end is worth factor x mean export price x eta */
} joule_battery_mpc_options;

JOULE_API void joule_battery_mpc_options_init(joule_battery_mpc_options* options);

/* Point forecast of steps [t, t + n): write n values into each array (pv_kw
 * is NULL when the case has no PV). Return 0; nonzero means "no forecast":
 * the true values are used for this call. */
typedef int (*joule_battery_forecast_fn)(void* user, size_t t, size_t n, double* price_import,
                                         double* price_export, double* load_kw, double* pv_kw);

/* Replays the case step by step, re-optimising with the forecasts of
 * `forecast` (NULL: perfect foresight) and applying each first step to the
 * true data; writes {"realised_cost", "perfect_foresight_cost", "regret",
 * "solves", "warm_decisions", "candidate_solves", "dp_passes", "expected_cost",
 * "cost_spread", "schedule"} into buf (cap bytes incl. NUL; *len gets the length needed).
 * options NULL: defaults. Errors as joule_battery_optimize_json. */
JOULE_API joule_status joule_battery_mpc_backtest_json(const char* case_json, size_t case_len,
                                                       const joule_battery_mpc_options* options,
                                                       joule_battery_forecast_fn forecast, void* user, char* buf,
                                                       size_t cap, size_t* len);

/* Which first step the controller applies when there are several scenarios. */
typedef enum joule_battery_scenario_policy {
  JOULE_BATTERY_POLICY_MIN_EXPECTED_COST = 0, /* the candidate first step with the lowest weighted cost over all scenarios */
  JOULE_BATTERY_POLICY_MOST_LIKELY = 1,       /* the first step of the scenario with the largest weight */
  JOULE_BATTERY_POLICY_FORCE_INT32_ = 0x7FFFFFFF
} joule_battery_scenario_policy;

/* Scenario k (0 <= k < m) of steps [t, t + n), e.g. a quantile path or an
 * ensemble member: write its weight (> 0) and n values into each array
 * (pv_kw is NULL when the case has no PV). Return 0; nonzero leaves this
 * scenario out of this call (all left out: the true values are used). */
typedef int (*joule_battery_scenario_fn)(void* user, size_t t, size_t n, size_t k, double* weight,
                                         double* price_import, double* price_export, double* load_kw,
                                         double* pv_kw);

/* joule_battery_mpc_backtest_json with m >= 1 forecast scenarios per step and
 * the policy choosing the applied first step; "expected_cost" and
 * "cost_spread" (per step: weighted mean and max - min of the scenarios'
 * optima) describe the spread. With warm_start in shrinking mode each
 * scenario keeps its own plan. Errors as joule_battery_mpc_backtest_json;
 * JOULE_INVALID_ARGUMENT for m == 0, a NULL callback or an unknown policy. */
JOULE_API joule_status joule_battery_mpc_backtest_scenarios_json(const char* case_json, size_t case_len,
                                                                 const joule_battery_mpc_options* options, size_t m,
                                                                 joule_battery_scenario_policy policy,
                                                                 joule_battery_scenario_fn scenario, void* user,
                                                                 char* buf, size_t cap, size_t* len);

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
