// Firmware entry point of the battery module: the real-time controller as a
// gateway runs it (one period per meter reading), linked into the no-heap image.
#include <cstdint>

#include "joule/battery/rt_controller.hpp"

extern "C" int joule_fw_battery(volatile const std::uint8_t* input, std::uint32_t n) {
  joule::battery::RtConfig cfg;
  cfg.capacity_kwh = 13.5;
  cfg.soc_min_kwh = 1.35;
  cfg.soc_max_kwh = 13.5;
  cfg.p_charge_max_kw = 5;
  cfg.p_discharge_max_kw = 5;
  cfg.ramp_kw_per_s = 1;
  cfg.fcr_reserve_kw = 1;
  auto ctl = joule::battery::RtController::create(cfg, 6.0);
  if (!ctl) return -1;
  (void)ctl->add_dr_event({0, 100, 3.0});
  int acc = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    joule::battery::RtInput in;
    in.setpoint_kw = (static_cast<int>(input[i]) - 128) / 25.0;
    in.frequency_hz = 49.9 + input[i] / 1280.0;
    in.site_net_load_kw = input[i] / 40.0;
    in.time_s = i;
    const auto out = ctl->step(in);
    acc += static_cast<int>(out.power_kw * 1000.0) + static_cast<int>(out.flags);
  }
  return acc;
}
