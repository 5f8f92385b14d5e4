/* C API of the battery module: exact dispatch from JSON and the real-time controller. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joule.h"
#include "check.h"

static const char* kCase =
    "{\"dt_hours\": 1.0, \"series\": {\"price_import\": [0.1, 0.5, 0.1, 0.5], \"price_export\": [0.1, 0.5, 0.1, 0.5]},"
    " \"battery\": {\"capacity_kwh\": 1.0, \"soc_min\": 0.0, \"soc_max\": 1.0, \"soc_init\": 0.0,"
    " \"terminal\": {\"mode\": \"free\"}, \"p_charge_max_kw\": 1.0, \"p_discharge_max_kw\": 1.0,"
    " \"eta_charge\": 1.0, \"eta_discharge\": 1.0}, \"grid\": {\"import_max_kw\": 5, \"export_max_kw\": 5}}";

/* Peak shaving: 4 kWh stored flattens the 5 and 6 kW hours to 3.5 kW; the
   certificate proves it (the peak row's duals sum to the demand price). */
static const char* kDemandCase =
    "{\"dt_hours\": 1.0, \"series\": {\"price_import\": [0.2, 0.2, 0.2, 0.2], \"price_export\": [0, 0, 0, 0],"
    " \"load_kw\": [2, 5, 6, 3]}, \"battery\": {\"capacity_kwh\": 4.0, \"soc_min\": 0.0, \"soc_max\": 1.0,"
    " \"soc_init\": 1.0, \"terminal\": {\"mode\": \"free\"}, \"p_charge_max_kw\": 3.0, \"p_discharge_max_kw\": 3.0,"
    " \"eta_charge\": 1.0, \"eta_discharge\": 1.0}, \"grid\": {\"import_max_kw\": 10, \"export_max_kw\": 0},"
    " \"demand_charges\": [{\"price_per_kw\": 10.0, \"start\": 0, \"end\": 4, \"prior_peak_kw\": 0.0}]}";

/* The case's own prices as the forecast (a perfect point forecast). */
static int truth_forecast(void* user, size_t t, size_t n, double* pi, double* pe, double* load, double* pv) {
  static const double price[4] = {0.1, 0.5, 0.1, 0.5};
  size_t k;
  int* calls = (int*)user;
  ++*calls;
  (void)pv;
  for (k = 0; k < n; ++k) {
    pi[k] = price[t + k];
    pe[k] = price[t + k];
    load[k] = 0.0;
  }
  return 0;
}

/* Two price scenarios: the truth (weight 0.75) and one with the evening
   price lower (weight 0.25). */
static int two_scenarios(void* user, size_t t, size_t n, size_t k, double* weight, double* pi, double* pe,
                         double* load, double* pv) {
  static const double price[4] = {0.1, 0.5, 0.1, 0.5};
  size_t i;
  int* calls = (int*)user;
  ++*calls;
  (void)pv;
  *weight = k == 0 ? 0.75 : 0.25;
  for (i = 0; i < n; ++i) {
    const double p = price[t + i] * (k == 1 && price[t + i] > 0.3 ? 0.5 : 1.0);
    pi[i] = p;
    pe[i] = p;
    load[i] = 0.0;
  }
  return 0;
}

int main(void) {
  double obj = 0;
  CHECK(joule_battery_objective_json(kCase, strlen(kCase), &obj) == JOULE_OK);
  /* buy 1 kWh at 0.1, sell at 0.5, twice */
  CHECK(fabs(obj - (-0.8)) < 1e-9);

  size_t len = 0;
  CHECK(joule_battery_optimize_json(kCase, strlen(kCase), NULL, 0, &len) == JOULE_BUFFER_TOO_SMALL);
  char* buf = (char*)malloc(len + 1);
  CHECK(joule_battery_optimize_json(kCase, strlen(kCase), buf, len + 1, &len) == JOULE_OK);
  CHECK(strstr(buf, "\"objective\"") != NULL && strstr(buf, "\"certificate\"") != NULL);
  CHECK(strstr(buf, "\"proven_optimal\":true") != NULL);
  free(buf);

  /* demand charge: 0.2 x (2 + 3.5 + 3.5 + 3) + 10 x 3.5, proven optimal */
  CHECK(joule_battery_objective_json(kDemandCase, strlen(kDemandCase), &obj) == JOULE_OK);
  CHECK(fabs(obj - 37.4) < 1e-6);
  CHECK(joule_battery_optimize_json(kDemandCase, strlen(kDemandCase), NULL, 0, &len) == JOULE_BUFFER_TOO_SMALL);
  buf = (char*)malloc(len + 1);
  CHECK(joule_battery_optimize_json(kDemandCase, strlen(kDemandCase), buf, len + 1, &len) == JOULE_OK);
  CHECK(strstr(buf, "\"proven_optimal\":true") != NULL);
  free(buf);

  /* A plan answers any step from any stored energy. */
  {
    joule_battery_plan* plan = NULL;
    joule_battery_step st;
    joule_battery_mpc_options mo;
    int calls = 0;
    char* mbuf;
    size_t mlen = 0;
    CHECK(joule_battery_plan_create_json(kCase, strlen(kCase), &plan) == JOULE_OK);
    CHECK(joule_battery_plan_steps(plan) == 4);
    CHECK(joule_battery_plan_decide(plan, 0, 0.0, &st) == JOULE_OK);
    CHECK(fabs(st.charge_kw - 1.0) < 1e-9 && fabs(st.cost_to_go - (-0.8)) < 1e-9);
    CHECK(joule_battery_plan_decide(plan, 2, 0.5, &st) == JOULE_OK); /* top up 0.5 at 0.1, sell 1 at 0.5 */
    CHECK(fabs(st.charge_kw - 0.5) < 1e-9 && fabs(st.soc_next_kwh - 1.0) < 1e-9);
    CHECK(fabs(st.cost_to_go - (0.05 - 0.5)) < 1e-9);
    CHECK(joule_battery_plan_decide(plan, 1, 0.0, &st) == JOULE_OK); /* empty at a dear step: wait */
    CHECK(st.charge_kw == 0.0 && st.discharge_kw == 0.0 && fabs(st.cost_to_go - (-0.4)) < 1e-9);
    CHECK(joule_battery_plan_decide(plan, 4, 0.0, &st) == JOULE_INVALID_ARGUMENT);
    CHECK(joule_battery_plan_decide(plan, 0, 2.0, &st) == JOULE_INVALID_ARGUMENT);
    joule_battery_plan_destroy(plan);

    /* Shrinking horizon of 2 steps with a perfect forecast: the optimum, and
       the second step of each block is read from the block's plan. */
    joule_battery_mpc_options_init(&mo);
    mo.horizon_steps = 2;
    mo.horizon_mode = JOULE_BATTERY_HORIZON_SHRINKING;
    CHECK(joule_battery_mpc_backtest_json(kCase, strlen(kCase), &mo, truth_forecast, &calls, NULL, 0, &mlen) ==
          JOULE_BUFFER_TOO_SMALL);
    mbuf = (char*)malloc(mlen + 1);
    CHECK(joule_battery_mpc_backtest_json(kCase, strlen(kCase), &mo, truth_forecast, &calls, mbuf, mlen + 1, &mlen) ==
          JOULE_OK);
    CHECK(calls == 8); /* 4 steps, twice */
    CHECK(strstr(mbuf, "\"warm_decisions\":2") != NULL);
    CHECK(strstr(mbuf, "\"realised_cost\":-0.8") != NULL);
    free(mbuf);
    /* Demand window, rolling horizon of 3 steps, perfect foresight: each
       solve's peak search starts from the previous step's peak when warm. */
    {
      double passes[2] = {0, 0}, cost[2] = {0, 0};
      int warm;
      for (warm = 0; warm < 2; ++warm) {
        char out[8192];
        const char* at;
        joule_battery_mpc_options_init(&mo);
        mo.horizon_steps = 3;
        mo.warm_start = warm;
        CHECK(joule_battery_mpc_backtest_json(kDemandCase, strlen(kDemandCase), &mo, NULL, NULL, out, sizeof out,
                                              &mlen) == JOULE_OK);
        at = strstr(out, "\"dp_passes\":");
        CHECK(at != NULL);
        if (at) passes[warm] = strtod(at + strlen("\"dp_passes\":"), NULL);
        at = strstr(out, "\"realised_cost\":");
        CHECK(at != NULL);
        if (at) cost[warm] = strtod(at + strlen("\"realised_cost\":"), NULL);
      }
      CHECK(passes[1] > 0 && passes[1] < passes[0]);
      CHECK(fabs(cost[1] - cost[0]) <= 1e-6 * fabs(cost[0]));
    }
    /* Two weighted scenarios per step, shrinking horizon of 2 with warm
       starts: each scenario keeps its plan, so only the block starts solve;
       the spread of the scenarios' optima is reported per step. */
    {
      char out[8192];
      const char* at;
      int policy;
      for (policy = 0; policy < 2; ++policy) {
        calls = 0;
        joule_battery_mpc_options_init(&mo);
        mo.horizon_steps = 2;
        mo.horizon_mode = JOULE_BATTERY_HORIZON_SHRINKING;
        CHECK(joule_battery_mpc_backtest_scenarios_json(kCase, strlen(kCase), &mo, 2,
                                                        (joule_battery_scenario_policy)policy, two_scenarios, &calls,
                                                        out, sizeof out, &mlen) == JOULE_OK);
        CHECK(calls == 8); /* 4 steps x 2 scenarios */
        CHECK(strstr(out, "\"warm_decisions\":2") != NULL);
        CHECK(strstr(out, "\"candidate_solves\":0") != NULL);
        at = strstr(out, "\"cost_spread\":[");
        CHECK(at != NULL);
        /* step 0: the block's optima differ (buy at 0.1 and sell at 0.5, against
           keeping the energy for its salvage value of 0.3 when the evening pays 0.25) */
        if (at) CHECK(fabs(strtod(at + strlen("\"cost_spread\":["), NULL) - 0.2) < 1e-9);
        CHECK(strstr(out, "\"realised_cost\":-0.8") != NULL);
      }
      CHECK(joule_battery_mpc_backtest_scenarios_json(kCase, strlen(kCase), &mo, 0, JOULE_BATTERY_POLICY_MOST_LIKELY,
                                                      two_scenarios, &calls, out, sizeof out, &mlen) ==
            JOULE_INVALID_ARGUMENT);
      CHECK(joule_battery_mpc_backtest_scenarios_json(kCase, strlen(kCase), &mo, 2, (joule_battery_scenario_policy)7,
                                                      two_scenarios, &calls, out, sizeof out, &mlen) ==
            JOULE_INVALID_ARGUMENT);
      CHECK(joule_battery_mpc_backtest_scenarios_json(kCase, strlen(kCase), &mo, 2, JOULE_BATTERY_POLICY_MOST_LIKELY,
                                                      NULL, NULL, out, sizeof out, &mlen) == JOULE_INVALID_ARGUMENT);
    }
    mo.struct_size = 3;
    CHECK(joule_battery_mpc_backtest_json(kCase, strlen(kCase), &mo, NULL, NULL, NULL, 0, &mlen) == JOULE_INVALID_ARGUMENT);
  }

  const char* bad = "{\"dt_hours\": 1.0, \"series\": {\"price_import\": [0.1], \"price_export\": [0.1]},"
                    " \"battery\": {\"capacity_kwh\": -1, \"soc_init\": 0, \"p_charge_max_kw\": 1, \"p_discharge_max_kw\": 1}}";
  CHECK(joule_battery_objective_json(bad, strlen(bad), &obj) == JOULE_INVALID_ARGUMENT);
  CHECK(strstr(joule_last_error(), "capacity_kwh") != NULL);

  /* site LP: two batteries and an EV behind one meter (CLP; skipped without it) */
  const char* site =
      "{\"dt_hours\": 1.0, \"series\": {\"price_import\": [0.1, 0.1, 0.4, 0.4], \"price_export\": [0.05, 0.05, 0.05, 0.05],"
      " \"load_kw\": [1, 1, 1, 1]}, \"grid\": {\"import_max_kw\": 20, \"export_max_kw\": 0},"
      " \"batteries\": [{\"capacity_kwh\": 4, \"soc_init\": 0, \"p_charge_max_kw\": 2, \"p_discharge_max_kw\": 2},"
      " {\"capacity_kwh\": 2, \"soc_init\": 0, \"p_charge_max_kw\": 1, \"p_discharge_max_kw\": 1}],"
      " \"evs\": [{\"arrival_step\": 0, \"departure_step\": 2, \"energy_kwh\": 3, \"p_max_kw\": 2}]}";
  size_t slen = 0;
  joule_status st = joule_battery_site_json(site, strlen(site), NULL, 0, &slen);
  if (st == JOULE_UNSUPPORTED) {
    printf("site LP skipped: built without CLP\n");
  } else {
    CHECK(st == JOULE_BUFFER_TOO_SMALL);
    char* sbuf = (char*)malloc(slen + 1);
    CHECK(joule_battery_site_json(site, strlen(site), sbuf, slen + 1, &slen) == JOULE_OK);
    CHECK(strstr(sbuf, "\"repaired_steps\"") != NULL && strstr(sbuf, "\"ev_kw\"") != NULL);
    free(sbuf);
  }
  const char* badsite = "{\"dt_hours\": 1.0, \"series\": {\"price_import\": [0.1], \"price_export\": [0.1]}, \"batteries\": 3}";
  CHECK(joule_battery_site_json(badsite, strlen(badsite), NULL, 0, &slen) == JOULE_MALFORMED);
  CHECK(strstr(joule_last_error(), "batteries") != NULL);

  joule_battery_rt_config cfg;
  joule_battery_rt_config_default(&cfg);
  cfg.capacity_kwh = 10;
  cfg.soc_min_kwh = 1;
  cfg.soc_max_kwh = 9;
  cfg.p_charge_max_kw = 5;
  cfg.p_discharge_max_kw = 5;
  cfg.ramp_kw_per_s = 1;
  joule_battery_rt* rt = NULL;
  CHECK(joule_battery_rt_create(&cfg, 5.0, &rt) == JOULE_OK);
  joule_battery_rt_output out;
  CHECK(joule_battery_rt_step(rt, 10.0, 50.0, 0.0, 0, &out) == JOULE_OK);
  CHECK(fabs(out.power_kw - 1.0) < 1e-12);
  CHECK((out.flags & JOULE_BATTERY_RT_RAMP_LIMITED) != 0);
  CHECK(joule_battery_rt_add_dr_event(rt, 10, 5, 1.0) == JOULE_INVALID_ARGUMENT);
  joule_battery_rt_destroy(rt);
  cfg.soc_max_kwh = 20;
  CHECK(joule_battery_rt_create(&cfg, 5.0, &rt) == JOULE_INVALID_ARGUMENT);

  /* The firmware face: caller storage, no heap (same set-points as the C++ controller tests). */
  {
    joule_battery_rt_storage st;
    joule_battery_rt_output o;
    int i;
    joule_battery_rt_config_default(&cfg);
    cfg.capacity_kwh = 10;
    cfg.soc_min_kwh = 1;
    cfg.soc_max_kwh = 9;
    cfg.p_charge_max_kw = 5;
    cfg.p_discharge_max_kw = 5;
    cfg.ramp_kw_per_s = 1;
    cfg.soc_max_kwh = 11; /* above capacity */
    CHECK(joule_battery_rt_init(&st, &cfg, 5.0) == JOULE_INVALID_ARGUMENT);
    CHECK(strstr(joule_battery_rt_error(&st), "soc_max_kwh") != NULL);
    CHECK(joule_battery_rt_step_inplace(&st, 1.0, 50.0, 0.0, 0, &o) == JOULE_INVALID_ARGUMENT);
    cfg.soc_max_kwh = 9;

    /* FCR droop: 2 kW reserve keeps the 5 kW schedule at 3 kW; full activation at 49.8 Hz adds 2 kW */
    cfg.fcr_reserve_kw = 2;
    CHECK(joule_battery_rt_init(&st, &cfg, 5.0) == JOULE_OK);
    for (i = 0; i < 10; ++i) CHECK(joule_battery_rt_step_inplace(&st, 5.0, 50.0, 0.0, i, &o) == JOULE_OK);
    CHECK(fabs(o.power_kw - 3.0) < 1e-9);
    CHECK((o.flags & JOULE_BATTERY_RT_RESERVE_LIMITED) != 0);
    for (i = 0; i < 5; ++i) CHECK(joule_battery_rt_step_inplace(&st, 5.0, 49.8, 0.0, 10 + i, &o) == JOULE_OK);
    CHECK(fabs(o.power_kw - 5.0) < 1e-9);
    CHECK(fabs(o.fcr_kw - 2.0) < 1e-9);
    CHECK((o.flags & JOULE_BATTERY_RT_FCR_ACTIVE) != 0);
    cfg.fcr_reserve_kw = 0;

    /* DR cap: import capped at 2 kW over [100, 200) with 6 kW of load: discharge 4 kW */
    CHECK(joule_battery_rt_init(&st, &cfg, 5.0) == JOULE_OK);
    CHECK(joule_battery_rt_add_dr_event_inplace(&st, 100, 200, 2.0) == JOULE_OK);
    for (i = 0; i < 10; ++i) CHECK(joule_battery_rt_step_inplace(&st, -3.0, 50.0, 6.0, 150, &o) == JOULE_OK);
    CHECK(fabs(o.grid_import_kw - 2.0) < 1e-9);
    CHECK((o.flags & JOULE_BATTERY_RT_DR_ACTIVE) != 0);
    for (i = 0; i < 10; ++i) CHECK(joule_battery_rt_step_inplace(&st, -3.0, 50.0, 6.0, 250, &o) == JOULE_OK);
    CHECK(fabs(o.power_kw + 3.0) < 1e-9);

    /* SoC limit: discharging from 1.2 kWh with a slow ramp stops at soc_min_kwh */
    {
      int bad = 0, limited = 0;
      cfg.ramp_kw_per_s = 0.01;
      CHECK(joule_battery_rt_init(&st, &cfg, 1.2) == JOULE_OK);
      for (i = 0; i < 4000; ++i) {
        if (joule_battery_rt_step_inplace(&st, 5.0, 50.0, 0.0, i, &o) != JOULE_OK) ++bad;
        if (o.soc_kwh < 1.0 - 1e-12) ++bad;
        if (o.flags & JOULE_BATTERY_RT_SOC_LIMITED) limited = 1;
      }
      CHECK(bad == 0);
      CHECK(limited);
      CHECK(o.soc_kwh < 1.01);
    }
    CHECK(joule_battery_rt_set_soc_inplace(&st, -1.0) == JOULE_INVALID_ARGUMENT);
    CHECK(joule_battery_rt_set_soc_inplace(&st, 4.0) == JOULE_OK);
  }

  return check_report("battery");
}
