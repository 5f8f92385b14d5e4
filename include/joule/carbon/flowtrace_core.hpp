// joule/carbon/flowtrace_core.hpp: allocation-free flow tracing for firmware.
//
// Consumption-based carbon intensity of each zone of a grid for one time step
// (proportional sharing, Tranberg et al. 2019; METHODS.md section C): every
// zone pools its production and imports, and everything that leaves the pool
// (consumption, exports, storage charge) carries the pool's intensity x_i:
//     x_i (P_i + I_i) - sum_j F_ji x_j = E_i.
// Zones not reachable from a producing zone along positive flows (no inflow,
// or a loop circulating without production) are reported as undefined
// (`defined[i] == false`, intensity 0), never NaN (METHODS.md C.2).
//
// The solver is Gauss-Seidel on incoming flows stored in fixed arrays: the
// matrix is a weakly diagonally dominant M-matrix on the reachable zones, so
// the iteration converges; no heap, no exceptions, freestanding.
//
// Example:
//   joule::carbon::FixedFlowTracer<8, 16> tracer;
//   const double p[] = {1100, 1000, 500, 800};            // MWh
//   const double e[] = {755100, 13200, 156600, 16600};     // kg
//   const joule::carbon::CoreFlow f[] = {{0, 2, 300}, {1, 2, 200}, {3, 1, 150}};
//   double x[4]; bool ok[4];
//   auto r = tracer.trace(p, e, f, x, ok);                // x[2] = 365.37 g/kWh
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "joule/core/result.hpp"

namespace joule::carbon {

/// One directed, already netted flow between zone indices (MWh in the step, >= 0).
struct CoreFlow {
  std::uint16_t from = 0;
  std::uint16_t to = 0;
  double mwh = 0.0;
};

/// Outcome of one trace: sweeps used and how many zones have a defined intensity.
struct CoreTraceInfo {
  std::size_t sweeps = 0;
  std::size_t defined_zones = 0;
};

/// Flow tracer with capacity for MaxZones zones and MaxFlows flows (no heap).
template <std::size_t MaxZones, std::size_t MaxFlows>
class FixedFlowTracer {
  static_assert(MaxZones > 0 && MaxZones <= 65535, "zone indices are 16-bit");

 public:
  /// Traces one step.
  /// production_mwh[i] >= 0, production_emissions_kg[i] >= 0 (MWh x g/kWh),
  /// flows: directed, mwh >= 0 (a border in both directions is allowed: gross flows).
  /// Outputs intensity_g_per_kwh[i] (0 where undefined) and defined[i].
  /// Errors: invalid_argument (sizes, negative or non-finite values, zone index),
  /// limit_exceeded (more than MaxZones/MaxFlows), numerical (no convergence in max_sweeps).
  /// tolerance: relative change of every intensity in the last sweep.
  Result<CoreTraceInfo> trace(std::span<const double> production_mwh, std::span<const double> production_emissions_kg,
                              std::span<const CoreFlow> flows, std::span<double> intensity_g_per_kwh,
                              std::span<bool> defined, double tolerance = 1e-13,
                              std::size_t max_sweeps = 100000) noexcept {
    const std::size_t n = production_mwh.size();
    if (n > MaxZones) return fail(Errc::limit_exceeded, "more zones than the tracer's capacity");
    if (flows.size() > MaxFlows) return fail(Errc::limit_exceeded, "more flows than the tracer's capacity");
    if (production_emissions_kg.size() != n || intensity_g_per_kwh.size() != n || defined.size() != n)
      return fail(Errc::invalid_argument, "array sizes differ from the number of zones");
    if (!(tolerance > 0.0)) return fail(Errc::invalid_argument, "tolerance must be > 0", Where::at_field("tolerance"));
    for (std::size_t i = 0; i < n; ++i) {
      if (!finite_nonneg(production_mwh[i]))
        return fail(Errc::invalid_argument, "production must be finite and >= 0", Where::at_index(i, "production_mwh"));
      if (!finite_nonneg(production_emissions_kg[i]))
        return fail(Errc::invalid_argument, "emissions must be finite and >= 0",
                    Where::at_index(i, "production_emissions_kg"));
    }
    // Incoming flows grouped by destination (counting sort): in_src_/in_mwh_ in CSR form.
    for (std::size_t i = 0; i <= n; ++i) in_start_[i] = 0;
    for (std::size_t k = 0; k < flows.size(); ++k) {
      const auto& f = flows[k];
      if (f.from >= n || f.to >= n || f.from == f.to)
        return fail(Errc::invalid_argument, "flow zone index out of range or a self-flow", Where::at_index(k, "flows"));
      if (!finite_nonneg(f.mwh))
        return fail(Errc::invalid_argument, "flow must be finite and >= 0", Where::at_index(k, "flows"));
      ++in_start_[f.to + 1];
    }
    for (std::size_t i = 0; i < n; ++i) in_start_[i + 1] += in_start_[i];
    for (std::size_t i = 0; i < n; ++i) fill_[i] = in_start_[i];
    for (const auto& f : flows) {
      const std::size_t slot = fill_[f.to]++;
      in_src_[slot] = f.from;
      in_mwh_[slot] = f.mwh;
    }
    // Reachability from producers along positive flows (METHODS.md C.2). Outgoing
    // adjacency is scanned through the flow list: O(n * flows) worst case, fine for MaxZones.
    std::size_t top = 0;
    for (std::size_t i = 0; i < n; ++i) {
      reach_[i] = production_mwh[i] > 0.0;
      if (reach_[i]) stack_[top++] = static_cast<std::uint16_t>(i);
    }
    while (top > 0) {
      const std::uint16_t j = stack_[--top];
      for (const auto& f : flows) {
        if (f.from == j && f.mwh > 0.0 && !reach_[f.to]) {
          reach_[f.to] = true;
          stack_[top++] = f.to;
        }
      }
    }
    std::size_t count = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double inflow = production_mwh[i];
      for (std::size_t s = in_start_[i]; s < in_start_[i + 1]; ++s) inflow += in_mwh_[s];
      inflow_[i] = inflow;
      intensity_g_per_kwh[i] = 0.0;
      defined[i] = reach_[i] && inflow > 0.0;
      if (defined[i]) ++count;
    }
    CoreTraceInfo info{0, count};
    for (std::size_t sweep = 1; sweep <= max_sweeps; ++sweep) {
      double worst = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        if (!defined[i]) continue;
        double acc = production_emissions_kg[i];
        // An undefined neighbour holds 0: its pool has no production behind it.
        for (std::size_t s = in_start_[i]; s < in_start_[i + 1]; ++s) acc += in_mwh_[s] * intensity_g_per_kwh[in_src_[s]];
        const double next = acc / inflow_[i];
        const double change = abs_(next - intensity_g_per_kwh[i]) / (abs_(next) > 1.0 ? abs_(next) : 1.0);
        if (change > worst) worst = change;
        intensity_g_per_kwh[i] = next;
      }
      info.sweeps = sweep;
      if (worst <= tolerance) return info;
    }
    return fail(Errc::numerical, "Gauss-Seidel flow tracing did not converge", Where::at_field("max_sweeps"));
  }

 private:
  static constexpr bool finite_nonneg(double v) noexcept { return v >= 0.0 && v <= 1.7976931348623157e308; }
  static constexpr double abs_(double v) noexcept { return v < 0.0 ? -v : v; }

  std::size_t in_start_[MaxZones + 1]{};
  std::size_t fill_[MaxZones]{};
  std::uint16_t in_src_[MaxFlows > 0 ? MaxFlows : 1]{};
  double in_mwh_[MaxFlows > 0 ? MaxFlows : 1]{};
  double inflow_[MaxZones]{};
  bool reach_[MaxZones]{};
  std::uint16_t stack_[MaxZones]{};
};

}  // namespace joule::carbon
