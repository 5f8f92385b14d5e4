// Firmware entry point of the battery module: the real-time controller as a
// gateway runs it (one period per meter reading), through the freestanding C
// face (caller storage, rt_controller_c.h), linked into the no-heap image.
#include <cstdint>

#include "joule/battery/rt_controller_c.h"

extern "C" int joule_fw_battery(volatile const std::uint8_t* input, std::uint32_t n) {
  static joule_battery_rt_storage rt;  // the controller's memory: static, no heap
  joule_battery_rt_config cfg;
  joule_battery_rt_config_default(&cfg);
  cfg.capacity_kwh = 13.5;
  cfg.soc_min_kwh = 1.35;
  cfg.soc_max_kwh = 13.5;
  cfg.p_charge_max_kw = 5;
  cfg.p_discharge_max_kw = 5;
  cfg.ramp_kw_per_s = 1;
  cfg.fcr_reserve_kw = 1;
  if (joule_battery_rt_init(&rt, &cfg, 6.0) != JOULE_OK) return -1;
  (void)joule_battery_rt_add_dr_event_inplace(&rt, 0, 100, 3.0);
  int acc = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    joule_battery_rt_output out;
    if (joule_battery_rt_step_inplace(&rt, (static_cast<int>(input[i]) - 128) / 25.0, 49.9 + input[i] / 1280.0,
                                      input[i] / 40.0, i, &out) != JOULE_OK)
      return -2;
    acc += static_cast<int>(out.power_kw * 1000.0) + static_cast<int>(out.flags);
  }
  return acc;
}
