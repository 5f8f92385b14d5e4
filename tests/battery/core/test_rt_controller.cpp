// Real-time controller: limits, droop, demand response, randomized simulation.
// Runs on the host and on the emulated Cortex-M4 (check.hpp macros only).
#include "check.hpp"
#include "joule/battery/rt_controller.hpp"
#include "rt_sim.hpp"

using namespace joule::battery;

namespace {
RtConfig base_config() {
  RtConfig c;
  c.capacity_kwh = 10;
  c.soc_min_kwh = 1;
  c.soc_max_kwh = 9;
  c.p_charge_max_kw = 5;
  c.p_discharge_max_kw = 5;
  c.ramp_kw_per_s = 1;
  c.dt_s = 1;
  return c;
}
bool near(double a, double b, double tol) { return a - b <= tol && b - a <= tol; }
}  // namespace

TEST_CASE("rt: configuration errors name the field") {
  RtConfig c = base_config();
  c.soc_max_kwh = 11;
  auto r = RtController::create(c, 5);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == joule::Errc::invalid_argument);
  c = base_config();
  c.fcr_reserve_kw = 6;
  CHECK_FALSE(RtController::create(c, 5));
  c = base_config();
  c.fcr_reserve_kw = 3;
  c.ramp_kw_per_s = 0.05;  // 30 s * 0.05 = 1.5 kW < 3 kW
  CHECK_FALSE(RtController::create(c, 5));
  CHECK(RtController::create(base_config(), 5));
}

TEST_CASE("rt: ramp and power limits") {
  auto ctl = RtController::create(base_config(), 5);
  REQUIRE(ctl);
  RtInput in;
  in.setpoint_kw = 100;
  auto o = ctl->step(in);
  CHECK(near(o.power_kw, 1.0, 1e-12));  // ramp 1 kW/s
  CHECK((o.flags & kRtRampLimited) != 0);
  for (int i = 0; i < 10; ++i) o = ctl->step(in);
  CHECK(near(o.power_kw, 5.0, 1e-12));
  CHECK((o.flags & kRtPowerLimited) != 0);
}

TEST_CASE("rt: droop with deadband and full activation") {
  RtConfig c = base_config();
  c.fcr_reserve_kw = 2;
  auto ctl = RtController::create(c, 5);
  REQUIRE(ctl);
  CHECK(ctl->fcr_power_kw(50.005) == 0.0);   // inside +-10 mHz
  CHECK(near(ctl->fcr_power_kw(49.9), 1.0, 1e-9));    // half of 200 mHz
  CHECK(near(ctl->fcr_power_kw(49.7), 2.0, 1e-12));   // saturated
  CHECK(near(ctl->fcr_power_kw(50.3), -2.0, 1e-12));
  // the schedule keeps R of headroom: setpoint 5 kW is cut to 3 kW
  RtInput in;
  in.setpoint_kw = 5;
  RtOutput o{};
  for (int i = 0; i < 10; ++i) o = ctl->step(in);
  CHECK(near(o.power_kw, 3.0, 1e-9));
  CHECK((o.flags & kRtReserveLimited) != 0);
  in.frequency_hz = 49.8;  // full activation adds 2 kW
  for (int i = 0; i < 5; ++i) o = ctl->step(in);
  CHECK(near(o.power_kw, 5.0, 1e-9));
  CHECK((o.flags & kRtFcrActive) != 0);
}

TEST_CASE("rt: demand response caps import") {
  auto ctl = RtController::create(base_config(), 5);
  REQUIRE(ctl);
  REQUIRE(ctl->add_dr_event({100, 200, 2.0}));
  RtInput in;
  in.site_net_load_kw = 6;
  in.setpoint_kw = -3;  // schedule wants to charge
  in.time_s = 150;
  RtOutput o{};
  for (int i = 0; i < 10; ++i) o = ctl->step(in);
  CHECK(near(o.grid_import_kw, 2.0, 1e-9));  // discharges 4 kW instead
  CHECK((o.flags & kRtDrActive) != 0);
  in.time_s = 250;  // after the event the schedule resumes (ramping back)
  for (int i = 0; i < 10; ++i) o = ctl->step(in);
  CHECK(near(o.power_kw, -3.0, 1e-9));
}

TEST_CASE("rt: never leaves the SoC band, braking within the ramp") {
  RtConfig c = base_config();
  c.ramp_kw_per_s = 0.01;  // slow ramp: braking distance matters
  auto ctl = RtController::create(c, 1.2);
  REQUIRE(ctl);
  RtInput in;
  in.setpoint_kw = 5;
  double prev = 0;
  for (int i = 0; i < 4000; ++i) {
    auto o = ctl->step(in);
    CHECK(o.soc_kwh >= c.soc_min_kwh - 1e-12);
    CHECK(o.power_kw - prev <= c.ramp_kw_per_s * c.dt_s + 1e-12);
    CHECK(prev - o.power_kw <= c.ramp_kw_per_s * c.dt_s + 1e-12);
    prev = o.power_kw;
  }
}

TEST_CASE("rt: randomized simulation never violates a limit") {
#ifdef JOULE_TEST_TARGET
  const std::uint64_t steps = 20000;  // emulated Cortex-M4 (soft double)
#else
  const std::uint64_t steps = 7ull * 86400;  // a week at 1 s; the full year runs in bench_battery
#endif
  const auto st = test::simulate(steps, 12345);
  CHECK_EQ(st.violations, 0u);
  CHECK_EQ(st.dr_violations, 0u);
  CHECK(st.fcr_steps > 0u);
  CHECK(st.dr_steps > 0u);
  CHECK_EQ(st.steps, steps);
  CHECK(st.min_soc >= 1.35 - 1e-9);
  CHECK(st.max_soc <= 13.5 + 1e-9);
}
