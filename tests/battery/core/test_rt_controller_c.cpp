// The firmware C face of the real-time controller (rt_controller_c.h): caller
// storage, no heap. Same set-points as test_rt_controller.cpp, through the
// extern "C" entry points. Runs on the host and on the emulated Cortex-M4.
#include "check.hpp"
#include "joule/battery/rt_controller_c.h"

namespace {
joule_battery_rt_config base_c_config() {
  joule_battery_rt_config c;
  joule_battery_rt_config_default(&c);
  c.capacity_kwh = 10;
  c.soc_min_kwh = 1;
  c.soc_max_kwh = 9;
  c.p_charge_max_kw = 5;
  c.p_discharge_max_kw = 5;
  c.ramp_kw_per_s = 1;
  c.dt_s = 1;
  return c;
}
bool near_c(double a, double b, double tol) { return a - b <= tol && b - a <= tol; }
bool has_text(const char* s) { return s != nullptr && s[0] != '\0'; }
}  // namespace

TEST_CASE("rt C: init validates and a failed storage refuses steps") {
  joule_battery_rt_storage st;
  joule_battery_rt_config c = base_c_config();
  c.soc_max_kwh = 11;  // above capacity
  CHECK(joule_battery_rt_init(&st, &c, 5) == JOULE_INVALID_ARGUMENT);
  CHECK(has_text(joule_battery_rt_error(&st)));
  joule_battery_rt_output o{};
  CHECK(joule_battery_rt_step_inplace(&st, 1, 50, 0, 0, &o) == JOULE_INVALID_ARGUMENT);
  c = base_c_config();
  c.struct_size = 8;
  CHECK(joule_battery_rt_init(&st, &c, 5) == JOULE_INVALID_ARGUMENT);
  CHECK(joule_battery_rt_init(nullptr, &c, 5) == JOULE_INVALID_ARGUMENT);
  CHECK(joule_battery_rt_init(&st, nullptr, 5) == JOULE_INVALID_ARGUMENT);
  c = base_c_config();
  REQUIRE(joule_battery_rt_init(&st, &c, 5) == JOULE_OK);
  CHECK_FALSE(has_text(joule_battery_rt_error(&st)));
  CHECK(joule_battery_rt_step_inplace(&st, 1, 50, 0, 0, nullptr) == JOULE_INVALID_ARGUMENT);
  CHECK(joule_battery_rt_set_soc_inplace(&st, -1) == JOULE_INVALID_ARGUMENT);
  CHECK(has_text(joule_battery_rt_error(&st)));
  CHECK(joule_battery_rt_step_inplace(nullptr, 1, 50, 0, 0, &o) == JOULE_INVALID_ARGUMENT);
}

TEST_CASE("rt C: ramp and power limits") {
  joule_battery_rt_storage st;
  const joule_battery_rt_config c = base_c_config();
  REQUIRE(joule_battery_rt_init(&st, &c, 5) == JOULE_OK);
  joule_battery_rt_output o{};
  REQUIRE(joule_battery_rt_step_inplace(&st, 100, 50, 0, 0, &o) == JOULE_OK);
  CHECK(near_c(o.power_kw, 1.0, 1e-12));
  CHECK((o.flags & JOULE_BATTERY_RT_RAMP_LIMITED) != 0);
  for (int i = 0; i < 10; ++i) REQUIRE(joule_battery_rt_step_inplace(&st, 100, 50, 0, i + 1, &o) == JOULE_OK);
  CHECK(near_c(o.power_kw, 5.0, 1e-12));
  CHECK((o.flags & JOULE_BATTERY_RT_POWER_LIMITED) != 0);
}

TEST_CASE("rt C: FCR droop with reserved headroom") {
  joule_battery_rt_storage st;
  joule_battery_rt_config c = base_c_config();
  c.fcr_reserve_kw = 2;
  REQUIRE(joule_battery_rt_init(&st, &c, 5) == JOULE_OK);
  joule_battery_rt_output o{};
  for (int i = 0; i < 10; ++i) REQUIRE(joule_battery_rt_step_inplace(&st, 5, 50, 0, i, &o) == JOULE_OK);
  CHECK(near_c(o.power_kw, 3.0, 1e-9));  // 2 kW kept back for FCR
  CHECK((o.flags & JOULE_BATTERY_RT_RESERVE_LIMITED) != 0);
  for (int i = 0; i < 5; ++i) REQUIRE(joule_battery_rt_step_inplace(&st, 5, 49.8, 0, 10 + i, &o) == JOULE_OK);
  CHECK(near_c(o.power_kw, 5.0, 1e-9));  // full activation at -200 mHz adds 2 kW
  CHECK(near_c(o.fcr_kw, 2.0, 1e-9));
  CHECK((o.flags & JOULE_BATTERY_RT_FCR_ACTIVE) != 0);
}

TEST_CASE("rt C: demand response caps import") {
  joule_battery_rt_storage st;
  const joule_battery_rt_config c = base_c_config();
  REQUIRE(joule_battery_rt_init(&st, &c, 5) == JOULE_OK);
  CHECK(joule_battery_rt_add_dr_event_inplace(&st, 200, 100, 2.0) == JOULE_INVALID_ARGUMENT);  // ends before it starts
  REQUIRE(joule_battery_rt_add_dr_event_inplace(&st, 100, 200, 2.0) == JOULE_OK);
  joule_battery_rt_output o{};
  for (int i = 0; i < 10; ++i) REQUIRE(joule_battery_rt_step_inplace(&st, -3, 50, 6, 150, &o) == JOULE_OK);
  CHECK(near_c(o.grid_import_kw, 2.0, 1e-9));  // discharges 4 kW instead of charging 3
  CHECK((o.flags & JOULE_BATTERY_RT_DR_ACTIVE) != 0);
  for (int i = 0; i < 10; ++i) REQUIRE(joule_battery_rt_step_inplace(&st, -3, 50, 6, 250, &o) == JOULE_OK);
  CHECK(near_c(o.power_kw, -3.0, 1e-9));
  // the event table is bounded: the ninth pending event is refused
  joule_battery_rt_storage full;
  REQUIRE(joule_battery_rt_init(&full, &c, 5) == JOULE_OK);
  for (int i = 0; i < 8; ++i) REQUIRE(joule_battery_rt_add_dr_event_inplace(&full, 1000 + i, 2000, 1.0) == JOULE_OK);
  CHECK(joule_battery_rt_add_dr_event_inplace(&full, 3000, 4000, 1.0) == JOULE_LIMIT_EXCEEDED);
}

TEST_CASE("rt C: SoC limit holds, with the slow ramp's braking margin") {
  joule_battery_rt_storage st;
  joule_battery_rt_config c = base_c_config();
  c.ramp_kw_per_s = 0.01;
  REQUIRE(joule_battery_rt_init(&st, &c, 1.2) == JOULE_OK);
  joule_battery_rt_output o{};
  double prev = 0;
  bool soc_limited = false;
  int bad = 0;
  for (int i = 0; i < 4000; ++i) {
    if (joule_battery_rt_step_inplace(&st, 5, 50, 0, i, &o) != JOULE_OK) ++bad;
    if (o.soc_kwh < c.soc_min_kwh - 1e-12) ++bad;
    if (o.power_kw - prev > c.ramp_kw_per_s * c.dt_s + 1e-12) ++bad;
    if (prev - o.power_kw > c.ramp_kw_per_s * c.dt_s + 1e-12) ++bad;
    if ((o.flags & JOULE_BATTERY_RT_SOC_LIMITED) != 0) soc_limited = true;
    prev = o.power_kw;
  }
  CHECK_EQ(bad, 0);
  CHECK(soc_limited);
  // a BMS reading replaces the estimate; the storage can be copied bytewise
  REQUIRE(joule_battery_rt_set_soc_inplace(&st, 8.0) == JOULE_OK);
  joule_battery_rt_storage copy = st;
  REQUIRE(joule_battery_rt_step_inplace(&copy, 0, 50, 0, 4000, &o) == JOULE_OK);
  CHECK(o.soc_kwh > 7.0);
}
