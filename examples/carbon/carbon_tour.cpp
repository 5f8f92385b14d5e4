// A site-day: hourly CFE score with and without a battery, then the certificates of one
// hour issued, sold, retired and the registry log verified.
#include <cstdio>

#include "joule/carbon/cfe.hpp"
#include "joule/carbon/registry.hpp"

int main() {
  joule::carbon::CfeInput in;
  in.load_kwh = {100, 100, 100, 100};
  in.ppa_kwh = {40, 180, 160, 0};
  in.grid_cfe_share = {0.4, 0.5, 0.5, 0.3};
  in.grid_ci_g_per_kwh = std::vector<double>{350, 250, 250, 450};
  auto plain = joule::carbon::compute_cfe(in);
  in.battery = joule::carbon::CfeBattery{120, 60, 0.85, 0};
  auto with = joule::carbon::compute_cfe(in);
  if (!plain || !with) return 1;
  std::printf("CFE score %.3f -> %.3f with battery; grid emissions %.1f -> %.1f kg\n", plain->cfe_score,
              with->cfe_score, *plain->grid_supply_emissions_kg, *with->grid_supply_emissions_kg);

  joule::carbon::RegistrySetup setup;
  setup.accepted_markets = {{"DK1", {"DK1"}}};
  setup.consumption_wh = {{"SITE-1", 1717236000, 40000}};
  auto reg = joule::carbon::Registry::make(setup);
  if (!reg) return 1;
  auto gc = reg->issue({"WIND-1", "DK1", "wind", 1717236000, 1717239600, 50000, "PROD", 52000});
  reg->transfer(gc.value, "PROD", "ACME");
  auto parts = reg->split(gc.value, "ACME", {40000, 10000});
  auto ret = reg->retire({parts.value[0], "ACME", "ACME", "SITE-1", "DK1", joule::carbon::Claim::hourly(1717236000, 1717239600)});
  auto twice = reg->retire({parts.value[1], "ACME", "ACME", "SITE-1", "DK1", joule::carbon::Claim::hourly(1717236000, 1717239600)});
  std::printf("retired %s: %s; second claim on the same hour: %s\n", parts.value[0].c_str(),
              joule::carbon::registry_code_name(ret.code), joule::carbon::registry_code_name(twice.code));
  auto n = joule::carbon::verify_log(reg->log_text());
  if (!n) return 1;
  std::printf("log verified: %zu entries, head %s\n", *n, reg->head_hash().c_str());
  return 0;
}
