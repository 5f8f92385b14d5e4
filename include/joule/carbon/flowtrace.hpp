// joule/carbon/flowtrace.hpp: consumption-based (flow-traced) grid carbon intensity.
//
// Proportional sharing (Bialek; Tranberg et al. 2019, Energy Strategy Reviews
// 26:100367; the Electricity Maps balance equation): each zone pools production
// and imports; consumption, exports and storage charge leave with the pool's
// intensity x solving A x = E, A = diag(P + I) - F^T (METHODS.md section C).
// Zones not reachable from a producer are undefined (std::nullopt), never NaN.
// Storage charge is a sink whose carbon is reported as sunk; storage discharge
// is a production mode with a caller-supplied factor (never both: double counting).
//
// Two APIs: `flow_trace` for one step with names, origin shares and the source
// mix of each zone's consumption (dense Eigen LU); `FlowTracer` for long runs on
// a fixed set of borders (a year of hours, hundreds of zones) with a choice of
// solver: dense LU, sparse LU (pattern analysed once), or the default
// strongly-connected-component solver (Tarjan order, direct substitution on
// acyclic parts, Gauss-Seidel inside cycles with a dense-LU fallback).
// The allocation-free firmware variant is joule/carbon/flowtrace_core.hpp.
//
// Example:
//   joule::carbon::FlowTraceInput in;
//   in.zones = {"A", "B"};
//   in.production_mwh = {{{"coal", 400}}, {{"wind", 400}}};
//   in.ef_g_per_kwh = {{"coal", 820}, {"wind", 11}};
//   in.flows = {{"A", "B", 100}, {"B", "A", 30}};
//   auto r = joule::carbon::flow_trace(in);   // r->zones[1].consumption_intensity_g_per_kwh = 131.49
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "joule/core/result.hpp"

namespace joule::carbon {

struct FlowEntry {
  std::string from;
  std::string to;
  double mwh = 0.0;
};

struct FlowTraceInput {
  std::vector<std::string> zones;
  /// Per zone (same order as zones): (mode, MWh) pairs; storage discharge is a mode.
  std::vector<std::vector<std::pair<std::string, double>>> production_mwh;
  std::vector<std::pair<std::string, double>> ef_g_per_kwh;  ///< factor per mode (g/kWh = kg/MWh)
  std::vector<FlowEntry> flows;                              ///< duplicates are summed
  bool netting = true;  ///< net each border to one direction (Electricity Maps convention)
  std::vector<std::pair<std::string, double>> storage_charge_mwh;  ///< zone -> MWh charged
};

struct ZoneTrace {
  std::string zone;
  double production_mwh = 0, imports_mwh = 0, exports_mwh = 0, storage_charge_mwh = 0, consumption_mwh = 0;
  double production_emissions_kg = 0;
  std::optional<double> production_intensity_g_per_kwh;   ///< none if no production
  std::optional<double> consumption_intensity_g_per_kwh;  ///< none if unreachable
  std::optional<double> consumption_emissions_kg;
  std::optional<double> storage_sunk_emissions_kg;
  std::vector<std::optional<double>> origin_share;           ///< per zone (input order)
  std::vector<std::optional<double>> consumption_mix_share;  ///< per mode (FlowTraceResult::modes)
  std::optional<std::string> exact_intensity_fraction;       ///< "num/den" when computable exactly
};

struct FlowTraceResult {
  std::vector<std::string> modes;  ///< sorted
  std::vector<FlowEntry> flows_used;  ///< after netting, sorted by (from, to)
  std::vector<ZoneTrace> zones;
  double total_production_emissions_kg = 0;
  double total_consumption_plus_sunk_emissions_kg = 0;  ///< equals the production total (conservation)
  std::size_t gauss_seidel_iterations = 0;  ///< sweeps of plain Gauss-Seidel to 1e-13 (informative)
};

/// Errors: invalid_argument (unknown zone, negative/non-finite values, negative consumption),
/// not_found (a mode without a factor), numerical (singular reachable system: cannot happen for valid data).
Result<FlowTraceResult> flow_trace(const FlowTraceInput& in);

/// Solver of FlowTracer.
enum class FlowSolver : std::uint8_t { scc = 0, dense_lu = 1, sparse_lu = 2 };

/// Flow tracing of many steps on a fixed zone set and border list (indices).
/// Per step the caller gives production and its emissions per zone, the net flow per border
/// (+ from a to b, - from b to a) and storage charge; the tracer writes intensities and a
/// defined flag (0 = undefined) per zone. No allocation per step after the first.
class FlowTracer {
 public:
  struct Border {
    std::uint32_t a = 0;
    std::uint32_t b = 0;
  };
  FlowTracer();
  FlowTracer(FlowTracer&&) noexcept;
  FlowTracer& operator=(FlowTracer&&) noexcept;
  ~FlowTracer();
  /// Errors: invalid_argument (zone index out of range, a <-> a border, duplicate border).
  static Result<FlowTracer> make(std::size_t zones, std::vector<Border> borders, FlowSolver solver = FlowSolver::scc);
  std::size_t zones() const noexcept;
  std::size_t borders() const noexcept;
  /// One step. Errors: invalid_argument (sizes, negative or non-finite), numerical.
  Result<void> trace_step(std::span<const double> production_mwh, std::span<const double> production_emissions_kg,
                          std::span<const double> border_net_mwh, std::span<double> intensity_g_per_kwh,
                          std::span<std::uint8_t> defined);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace joule::carbon
