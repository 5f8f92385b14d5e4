// joule/battery/rt_controller.hpp: the real-time battery controller (freestanding, no heap).
//
// Runs on the gateway at a fixed period (1-10 Hz meter readings). Each call to
// step() turns the dispatch schedule's setpoint, the grid frequency and the
// site's net load into a battery power that never breaks a hard limit:
//   * power: -p_charge_max_kw <= P <= p_discharge_max_kw (P > 0 = discharge);
//   * ramp: |P - P_prev| <= ramp_kw_per_s * dt_s;
//   * state of charge: soc_min_kwh <= soc <= soc_max_kwh, enforced with a
//     braking margin so that the ramp limit can always bring P back to 0
//     before a bound is reached (no limit is ever traded for another);
//   * demand response: grid import <= cap during an event (as far as the
//     battery can help; `flags` says when it cannot);
//   * frequency containment reserve: droop P_fcr = R * clip(-(f - f0)/df_full, -1, 1)
//     outside a +-deadband (EU 2017/1485 SOGL Annex V; Continental Europe:
//     deadband 10 mHz, full activation at 200 mHz), with R * tau of energy held
//     back from the schedule in each direction (limited-energy-reservoir rule).
//
// Example:
//   joule::battery::RtConfig cfg{.capacity_kwh = 10, .soc_min_kwh = 1, .soc_max_kwh = 9,
//                                .p_charge_max_kw = 5, .p_discharge_max_kw = 5,
//                                .ramp_kw_per_s = 1, .dt_s = 1};
//   auto ctl = joule::battery::RtController::create(cfg, 5.0);   // Result<RtController>
//   auto out = ctl->step({.setpoint_kw = 3, .frequency_hz = 49.95, .site_net_load_kw = 2});
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "joule/core/result.hpp"

namespace joule::battery {

/// Controller configuration; validated by RtController::create.
struct RtConfig {
  double capacity_kwh = 0;        ///< > 0
  double soc_min_kwh = 0;         ///< hard lower bound of stored energy [kWh]
  double soc_max_kwh = 0;         ///< hard upper bound [kWh], soc_min_kwh < soc_max_kwh <= capacity_kwh
  double p_charge_max_kw = 0;     ///< > 0, AC side
  double p_discharge_max_kw = 0;  ///< > 0, AC side
  double ramp_kw_per_s = 1e9;     ///< > 0, max change of AC power per second
  double eta_charge = 1.0;        ///< (0, 1]
  double eta_discharge = 1.0;     ///< (0, 1]
  double dt_s = 1.0;              ///< control period [s], > 0
  double fcr_reserve_kw = 0.0;    ///< symmetric FCR capacity R [kW], <= min(p_charge_max, p_discharge_max)
  double fcr_nominal_hz = 50.0;
  double fcr_deadband_hz = 0.010;       ///< no response within +-deadband
  double fcr_full_deviation_hz = 0.200; ///< full activation at this deviation
  double fcr_energy_hours = 0.25;       ///< tau: energy R*tau kept in reserve in each direction [h]
};

/// One control period's measurements and target.
struct RtInput {
  double setpoint_kw = 0;        ///< schedule: > 0 discharge, < 0 charge (AC)
  double frequency_hz = 50.0;    ///< measured grid frequency
  double site_net_load_kw = 0;   ///< load - PV behind the meter, without the battery
  std::int64_t time_s = 0;       ///< UTC seconds (for demand-response windows)
};

/// Flags of RtOutput.
enum RtFlag : std::uint32_t {
  kRtPowerLimited = 1u << 0,  ///< power limit cut the request
  kRtRampLimited = 1u << 1,   ///< ramp limit cut the request
  kRtSocLimited = 1u << 2,    ///< a state-of-charge bound (or its braking margin) cut the request
  kRtDrActive = 1u << 3,      ///< a demand-response event is active
  kRtDrUnmet = 1u << 4,       ///< the import cap could not be met within the battery's limits
  kRtFcrActive = 1u << 5,     ///< frequency outside the deadband
  kRtReserveLimited = 1u << 6 ///< the schedule was cut to keep FCR headroom
};

/// The decision of one period.
struct RtOutput {
  double power_kw = 0;       ///< battery AC power to apply, > 0 discharge
  double fcr_kw = 0;         ///< part of the request from the droop
  double grid_import_kw = 0; ///< resulting site import (negative = export)
  double soc_kwh = 0;        ///< predicted stored energy after the period
  std::uint32_t flags = 0;   ///< RtFlag bits
};

/// A demand-response event: cap grid import over [start_s, end_s).
struct DrEvent {
  std::int64_t start_s = 0;
  std::int64_t end_s = 0;
  double import_cap_kw = 0;
};

/// The controller: fixed storage, no heap, no exceptions.
class RtController {
 public:
  static constexpr std::size_t kMaxDrEvents = 8;

  /// Validates the configuration (named field on error) and the initial stored energy [kWh].
  static Result<RtController> create(const RtConfig& cfg, double soc_kwh) noexcept;

  /// One control period.
  RtOutput step(const RtInput& in) noexcept;

  /// Replaces the SoC estimate by a measurement [kWh] (BMS reading).
  void set_soc_kwh(double soc_kwh) noexcept { soc_ = soc_kwh; }
  /// Current stored-energy estimate [kWh].
  double soc_kwh() const noexcept { return soc_; }
  /// Power applied in the last period [kW].
  double last_power_kw() const noexcept { return prev_; }

  /// Adds a demand-response event; limit_exceeded when kMaxDrEvents are pending.
  Result<void> add_dr_event(const DrEvent& e) noexcept;
  /// Removes events that ended before `now_s`.
  void expire_dr_events(std::int64_t now_s) noexcept;

  /// The droop alone: FCR power [kW] for a frequency (> 0 = discharge on under-frequency).
  double fcr_power_kw(double frequency_hz) const noexcept;

 private:
  explicit RtController(const RtConfig& c, double soc) noexcept : cfg_(c), soc_(soc) {}
  RtConfig cfg_{};
  double soc_ = 0;
  double prev_ = 0;
  std::array<DrEvent, kMaxDrEvents> dr_{};
  std::size_t n_dr_ = 0;
};

}  // namespace joule::battery
