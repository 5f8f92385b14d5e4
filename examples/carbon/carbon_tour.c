/* WattTime MOER in lb/MWh to g/kWh, and a flow-traced 4-zone grid through the C API. */
#include <stdio.h>

#include "joule.h"

int main(void) {
  double g = 0;
  uint32_t a[3] = {0, 1, 3}, b[3] = {2, 2, 1};
  double production[4] = {1100, 1000, 500, 800};        /* MWh */
  double emissions[4] = {755100, 13200, 156600, 16600};   /* kg */
  double flows[3] = {300, 200, 150};                      /* MWh, + from a to b */
  double x[4];
  uint8_t defined[4];
  joule_carbon_flowtracer* t = NULL;
  if (joule_carbon_to_g_per_kwh(1000.0, JOULE_CARBON_LB_PER_MWH, &g) != JOULE_OK) return 1;
  printf("1000 lb/MWh = %.5f g/kWh\n", g);
  if (joule_carbon_flowtracer_create(4, a, b, 3, JOULE_CARBON_SOLVER_SCC, &t) != JOULE_OK) return 1;
  if (joule_carbon_flowtracer_step(t, production, emissions, flows, x, defined) != JOULE_OK) {
    puts(joule_last_error());
    return 1;
  }
  printf("zone C consumes at %.2f g/kWh (produces at %.2f)\n", x[2], emissions[2] / production[2]);
  joule_carbon_flowtracer_destroy(t);
  return 0;
}
