// Randomised simulation of the real-time controller (shared by the core test,
// which also runs on the emulated Cortex-M4, and the year-long benchmark check).
#pragma once

#include <cstdint>

#include "joule/battery/rt_controller.hpp"

namespace joule::battery::test {

struct SimStats {
  std::uint64_t steps = 0;
  std::uint64_t violations = 0;   ///< power, ramp or SoC limit broken
  std::uint64_t dr_violations = 0;  ///< import above an active cap although not flagged unmet
  std::uint64_t fcr_steps = 0, dr_steps = 0, soc_limited = 0;
  double min_soc = 1e300, max_soc = -1e300;
};

/// xorshift64*: deterministic, no heap.
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ULL;
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
};

/// Runs `steps` periods of 1 s with random setpoints, frequency excursions and DR events.
inline SimStats simulate(std::uint64_t steps, std::uint64_t seed) {
  RtConfig cfg;
  cfg.capacity_kwh = 13.5;
  cfg.soc_min_kwh = 1.35;
  cfg.soc_max_kwh = 13.5;
  cfg.p_charge_max_kw = 5;
  cfg.p_discharge_max_kw = 5;
  cfg.ramp_kw_per_s = 0.5;
  cfg.eta_charge = 0.95;
  cfg.eta_discharge = 0.95;
  cfg.dt_s = 1.0;
  cfg.fcr_reserve_kw = 1.0;
  SimStats st;
  auto made = RtController::create(cfg, 6.0);
  if (!made) {
    st.violations = 1;
    return st;
  }
  RtController ctl = *made;
  Rng rng{seed | 1};
  double f = 50.0, setpoint = 0.0, load = 1.0, prev = 0.0;
  std::int64_t t = 0;
  DrEvent ev[8];
  int n_ev = 0;
  for (std::uint64_t i = 0; i < steps; ++i, ++t) {
    // schedule changes every 15 min, with wild values (the controller must clip)
    if (t % 900 == 0) setpoint = (rng.uniform() * 2 - 1) * 8.0;
    if (t % 60 == 0) load = rng.uniform() * 9.0 - 3.0;  // PV surplus down to -3 kW
    // frequency: mean-reverting walk with rare large excursions
    f += (50.0 - f) * 0.01 + (rng.uniform() - 0.5) * 0.004;
    if (rng.uniform() < 1e-4) f = 50.0 + (rng.uniform() - 0.5) * 0.8;
    if (t % 3600 == 0 && rng.uniform() < 0.2) {
      ctl.expire_dr_events(t);
      DrEvent e{t + 60, t + 61 + static_cast<std::int64_t>(rng.uniform() * 3600), rng.uniform() * 4.0};
      if (ctl.add_dr_event(e)) {
        // mirror of the controller's pending events (expired ones dropped the same way)
        int k = 0;
        for (int m = 0; m < n_ev; ++m)
          if (ev[m].end_s > t) ev[k++] = ev[m];
        n_ev = k;
        if (n_ev < 8) ev[n_ev++] = e;
      }
    }
    const double soc0 = ctl.soc_kwh();
    RtInput in{setpoint, f, load, t};
    const RtOutput o = ctl.step(in);
    const double p = o.power_kw;
    bool bad = p > cfg.p_discharge_max_kw + 1e-9 || p < -cfg.p_charge_max_kw - 1e-9;
    bad = bad || p - prev > cfg.ramp_kw_per_s * cfg.dt_s + 1e-9 || prev - p > cfg.ramp_kw_per_s * cfg.dt_s + 1e-9;
    bad = bad || o.soc_kwh < cfg.soc_min_kwh - 1e-9 || o.soc_kwh > cfg.soc_max_kwh + 1e-9;
    // the SoC accounting itself
    const double expect = p >= 0 ? soc0 - p / 3600.0 / cfg.eta_discharge : soc0 - p / 3600.0 * cfg.eta_charge;
    const double diff = expect - o.soc_kwh;
    bad = bad || diff > 1e-9 || diff < -1e-9;
    if (bad) ++st.violations;
    // an active event's cap holds unless the controller flags it as unmet
    double cap = 1e300;
    for (int k = 0; k < n_ev; ++k)
      if (t >= ev[k].start_s && t < ev[k].end_s && ev[k].import_cap_kw < cap) cap = ev[k].import_cap_kw;
    if (cap < 1e299 && !(o.flags & kRtDrUnmet) && o.grid_import_kw > cap + 1e-9) ++st.dr_violations;
    if (cap < 1e299 && !(o.flags & kRtDrActive)) ++st.dr_violations;
    if (o.flags & kRtFcrActive) ++st.fcr_steps;
    if (o.flags & kRtDrActive) ++st.dr_steps;
    if (o.flags & kRtSocLimited) ++st.soc_limited;
    if (o.soc_kwh < st.min_soc) st.min_soc = o.soc_kwh;
    if (o.soc_kwh > st.max_soc) st.max_soc = o.soc_kwh;
    prev = p;
    ++st.steps;
  }
  return st;
}

}  // namespace joule::battery::test
