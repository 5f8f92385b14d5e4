// joule/carbon/scope2.hpp: GHG Protocol Scope 2, location-based and market-based.
//
// Dual reporting per the GHG Protocol Scope 2 Guidance (2015): location-based
// with grid-average factors (ch. 6.2, annual or hourly), market-based with the
// contractual instruments in the market-based hierarchy (Table 6.3: EACs,
// contracts with conveyed attributes, supplier-specific rates, then the
// residual mix), each instrument validated against the Scope 2 Quality
// Criteria (ch. 7.1) and capped at the consumption it covers; surplus is
// reported, never claimed (no negative emissions). METHODS.md section A.
//
// Example:
//   joule::carbon::Scope2Input in;
//   in.consumption_kwh = {100, 120}; in.grid_ef_hourly = {400, 380}; in.grid_ef_annual = 390;
//   in.residual_mix_ef = 520; in.reporter = "ACME"; in.consumption_market = "DK1";
//   in.accepted_markets = {"DK1"}; in.reporting_year = 2024;
//   auto r = joule::carbon::compute_scope2(in);   // r->market_based_kg, r->rejected
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "joule/core/result.hpp"

namespace joule::carbon {

/// Instrument types in market-based hierarchy order (Scope 2 Guidance Table 6.3).
enum class InstrumentType : std::uint8_t { eac = 0, ppa = 1, supplier_specific = 2 };
const char* instrument_type_name(InstrumentType t) noexcept;

/// A contractual instrument. Volume: `volume_kwh`, or an hourly profile (volume = its sum).
struct Instrument {
  std::string id;
  InstrumentType type = InstrumentType::eac;
  std::optional<double> volume_kwh;
  std::vector<double> hourly_kwh;      ///< same length as the consumption when given
  std::optional<double> ef_g_per_kwh;  ///< conveyed emission rate; none = criterion 1 fails
  std::string market;                  ///< EAC/PPA: market (bidding zone, country, domain)
  int vintage_year = 0;                ///< EAC/PPA: production year
  std::string retired_for;             ///< EAC/PPA: entity the certificates were cancelled for
  bool eacs_retained = true;           ///< PPA: attributes conveyed to (and kept by) the buyer
};

/// Quality-criteria failures, reported in this order (METHODS.md A.2).
enum class QualityReason : std::uint8_t {
  contract_without_attributes,  ///< PPA whose certificates went to someone else
  no_emission_rate,             ///< criterion 1: conveys no emission rate
  market_boundary,              ///< criterion 5: market not accepted for the consumption market
  vintage,                      ///< criterion 4: |vintage - reporting year| > window
  not_retired_for_reporter,     ///< criteria 2-3: not cancelled on behalf of the reporter
};
/// "CONTRACT_WITHOUT_ATTRIBUTES", "NO_EMISSION_RATE", ...
const char* quality_reason_name(QualityReason r) noexcept;

/// How instruments are matched to consumption.
enum class Scope2Granularity : std::uint8_t {
  annual,  ///< volumes against the period total (Scope 2 Guidance default)
  hourly,  ///< hourly profiles matched hour by hour, then volume instruments on the rest
};

struct Scope2Input {
  std::vector<double> consumption_kwh;  ///< per interval (hourly)
  std::vector<double> grid_ef_hourly;   ///< g/kWh per interval (location-based hourly)
  double grid_ef_annual = 0.0;          ///< g/kWh (location-based annual)
  std::optional<double> residual_mix_ef;
  std::vector<Instrument> instruments;
  std::string reporter;
  std::string consumption_market;
  std::vector<std::string> accepted_markets;
  int reporting_year = 0;
  int vintage_window_years = 0;
  Scope2Granularity granularity = Scope2Granularity::annual;
};

struct Scope2Allocation {
  std::string id;
  InstrumentType type = InstrumentType::eac;
  double offered_kwh = 0.0;
  double used_kwh = 0.0;
  double surplus_kwh = 0.0;  ///< reported, never claimed
  double ef_g_per_kwh = 0.0;
  double emissions_kg = 0.0;
};

struct Scope2Rejection {
  std::string id;
  std::vector<QualityReason> reasons;
};

/// One line of the attribution report: `kwh` of interval `hour` attributed to `source`
/// (an instrument id, or "residual" / "grid-average" for the rest) at `ef_g_per_kwh`.
struct Scope2AttributionLine {
  std::size_t hour = 0;
  std::string source;
  double kwh = 0.0;
  double ef_g_per_kwh = 0.0;
  double emissions_kg = 0.0;
};

struct Scope2Result {
  double total_consumption_kwh = 0.0;
  double location_based_annual_factor_kg = 0.0;
  double location_based_hourly_factor_kg = 0.0;
  double market_based_kg = 0.0;
  std::vector<Scope2Allocation> allocation;  ///< in applied order
  double residual_kwh = 0.0;
  double residual_ef_g_per_kwh = 0.0;
  bool residual_mix_missing = false;  ///< residual mix absent: grid average used (disclose)
  std::vector<Scope2Rejection> rejected;  ///< input order
  /// Explains every kWh: the lines of each hour sum to its consumption. Annual granularity
  /// spreads volume instruments over hours in proportion to the consumption still uncovered.
  std::vector<Scope2AttributionLine> attribution;
};

/// Errors: invalid_argument (negative/non-finite numbers, length mismatch, unknown market list).
Result<Scope2Result> compute_scope2(const Scope2Input& in);

}  // namespace joule::carbon
