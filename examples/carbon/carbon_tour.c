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

  /* A certificate registry: issue an hour of wind, transfer it, try to issue the hour twice. */
  {
    const int64_t t0 = 1717236000; /* 2024-06-01T10:00:00Z */
    joule_carbon_issue_request q = {"WIND-1", "DK1", "wind", 0, 0, 50000, "PROD", 52000};
    joule_carbon_registry* reg = NULL;
    joule_carbon_registry_code code = JOULE_CARBON_REG_OK;
    char id[32], hash[65];
    size_t n = 0;
    q.start_s = t0;
    q.end_s = t0 + 3600;
    if (joule_carbon_registry_create("{\"accepted_markets\":{\"DK1\":[\"DK1\"]}}", (size_t)-1, &reg) != JOULE_OK) return 1;
    if (joule_carbon_registry_issue(reg, &q, &code, id, sizeof id, &n) != JOULE_OK) return 1;
    if (joule_carbon_registry_transfer(reg, id, "PROD", "ACME", &code) != JOULE_OK) return 1;
    if (joule_carbon_registry_issue(reg, &q, &code, id, sizeof id, &n) == JOULE_REJECTED)
      printf("second issuance of the hour refused: %s\n", joule_carbon_registry_code_name(code));
    joule_carbon_registry_head_hash(reg, hash);
    printf("registry head %.16s...\n", hash);
    joule_carbon_registry_destroy(reg);
  }
  return 0;
}
