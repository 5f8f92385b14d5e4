/* The real-time controller from C: a minute of 1 s periods with an
 * under-frequency event; checks the power and SoC limits it promises. */
#include <math.h>
#include <stdio.h>

#include "joule.h"

int main(void) {
  joule_battery_rt_config cfg;
  joule_battery_rt* rt = NULL;
  joule_battery_rt_output out;
  int t, violations = 0;
  joule_battery_rt_config_default(&cfg);
  cfg.capacity_kwh = 13.5;
  cfg.soc_min_kwh = 1.35;
  cfg.soc_max_kwh = 13.5;
  cfg.p_charge_max_kw = 5;
  cfg.p_discharge_max_kw = 5;
  cfg.ramp_kw_per_s = 0.5;
  cfg.fcr_reserve_kw = 1.0;
  if (joule_battery_rt_create(&cfg, 6.0, &rt) != JOULE_OK) {
    fprintf(stderr, "%s\n", joule_last_error());
    return 1;
  }
  for (t = 0; t < 60; ++t) {
    double f = (t >= 20 && t < 40) ? 49.85 : 50.0; /* 150 mHz under-frequency */
    if (joule_battery_rt_step(rt, -2.0, f, 1.5, t, &out) != JOULE_OK) return 1;
    if (out.power_kw > cfg.p_discharge_max_kw || out.power_kw < -cfg.p_charge_max_kw) ++violations;
    if (t % 10 == 0) printf("t=%2d f=%.2f Hz power %+.3f kW (fcr %+.3f) soc %.4f kWh\n", t, f, out.power_kw, out.fcr_kw, out.soc_kwh);
  }
  joule_battery_rt_destroy(rt);
  printf("violations: %d\n", violations);
  return violations ? 1 : 0;
}
