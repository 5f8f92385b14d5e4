// joule/carbon/shift.hpp: emissions effect of shifting load or dispatching storage,
// under average (attributional) and marginal (consequential) factors.
//
// dE = sum_t d_t x f_t / 1000 for a change d_t in grid withdrawal (kWh; + more, - less)
// and a factor f (g/kWh). Average factors (AEF) re-allocate; marginal factors
// (MEF/MOER) estimate the consequence; the two can disagree in sign (METHODS.md
// section E; Siler-Evans et al. 2012). Series are joule::TimeSeries with
// interval-start labels: a value labelled T covers [T, T+step).
//
// Example:
//   auto d = joule::carbon::delta_emissions_kg(delta_kwh, mef_g_per_kwh);   // TimeSeries in, kg out
//   auto path = joule::carbon::intensity_path(source, "DK1", start, 3600, 24);  // for the battery optimiser
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

#include "joule/carbon/factors.hpp"
#include "joule/core/result.hpp"
#include "joule/timeseries.hpp"

namespace joule::carbon {

/// sum d_t x f_t / 1000 (kg). Errors: invalid_argument (sizes, non-finite).
Result<double> delta_emissions_kg(std::span<const double> delta_kwh, std::span<const double> factor_g_per_kwh) noexcept;
/// Time-aligned version: the energy series may be finer than the factor series (sub-hourly energy is
/// summed into the containing factor interval). Errors: invalid_argument when a step of the energy
/// series does not divide the factor step or an energy interval has no factor.
Result<double> delta_emissions_kg(const TimeSeries& delta_kwh, const TimeSeries& factor_g_per_kwh);
/// Energy-weighted intensity sum(E_t I_t) / sum(E_t) (never the plain mean). Errors: invalid_argument
/// (sizes, non-finite, total energy 0).
Result<double> energy_weighted_intensity(std::span<const double> energy_kwh, std::span<const double> intensity_g_per_kwh) noexcept;

/// Emissions effect of moving `kwh` from hour `from` to hour `to` under one factor series (kg).
Result<double> shift_delta_kg(double kwh, std::size_t from, std::size_t to, std::span<const double> factor_g_per_kwh) noexcept;

/// One storage cycle: charge `charge_kwh` in hour i, deliver eta x charge in hour j > i.
struct StorageCycle {
  std::size_t charge_hour = 0;
  std::size_t discharge_hour = 0;
};
/// The single cycle minimising charge x s_i - eta x charge x s_j (ties: smallest i, then j).
/// Errors: invalid_argument (fewer than 2 hours, eta outside (0,1], non-finite).
Result<StorageCycle> best_single_cycle(std::span<const double> signal_g_per_kwh, double charge_kwh, double eta) noexcept;
/// Emissions effect of a battery schedule (+ charge kWh drawn from the grid, - delivered kWh that
/// replace grid withdrawal) under a factor series: sum schedule_t x f_t / 1000.
Result<double> dispatch_delta_kg(std::span<const double> schedule_kwh, std::span<const double> factor_g_per_kwh) noexcept;
/// Attributional intensity of discharged energy: sum(charge_t x AEF_t) / (eta x sum charge_t).
Result<double> discharge_attributional_ef(std::span<const double> charge_kwh, std::span<const double> aef_g_per_kwh,
                                          double eta) noexcept;

/// The carbon-intensity path the battery optimiser takes directly: n values of g/kWh on
/// [start, start + n*step) from any factor source (average or marginal, as the caller chooses).
Result<TimeSeries> intensity_path(const FactorSource& source, std::string_view zone, std::int64_t start_s,
                                  std::int64_t step_s, std::size_t n);

}  // namespace joule::carbon
