// joule/carbon/factors.hpp: emission factors that carry their meaning.
//
// A factor is never a bare number here (METHODS.md section 0): it carries its
// value in gCO2e/kWh after a checked unit conversion (g/kWh, kg/MWh, lb/MWh,
// t/MWh), the gas (CO2 or CO2e), the basis (lifecycle or direct), the boundary
// (production or consumption/flow-traced), the kind (average, marginal,
// residual, supplier, contract), zone, vintage year, validity interval and
// source. Sources answer "which factor applies to zone Z at time t".
//
// Built in: the IPCC AR5 Annex III lifecycle medians (Table A.III.2) for the
// technologies whose values were verified. The Ember and IFI country tables
// (CC BY-SA 4.0) and the Electricity Maps yearly table (ODbL) are share-alike:
// joule ships them as optional data files (data/carbon/) loaded at run time.
//
// Example:
//   auto moer = joule::carbon::to_g_per_kwh(1000.0, joule::carbon::IntensityUnit::lb_per_mwh); // 453.59237
//   auto coal = joule::carbon::ipcc_ar5_lifecycle("coal");                                      // 820 g/kWh
//   auto ember = joule::carbon::load_ember_average_csv("data/carbon/ember_average_intensity.csv");
//   auto dk = ember->at("DNK", t);                                                               // vintage carried
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/timeseries.hpp"

namespace joule::carbon {

/// Units in which intensities are published.
enum class IntensityUnit : std::uint8_t {
  g_per_kwh,   ///< gCO2(e)/kWh (= kg/MWh)
  kg_per_mwh,  ///< kgCO2(e)/MWh (= g/kWh)
  lb_per_mwh,  ///< lb CO2/MWh (WattTime MOER): x 0.45359237 gives g/kWh
  t_per_mwh,   ///< tCO2(e)/MWh (IFI, CDM tools): x 1000 gives g/kWh
  kg_per_kwh,  ///< kgCO2(e)/kWh (DEFRA style): x 1000 gives g/kWh
};

/// 1 lb = 0.45359237 kg exactly (international avoirdupois pound).
inline constexpr double kPoundKg = 0.45359237;

/// Converts an intensity to gCO2(e)/kWh. Errors: invalid_argument for NaN/inf.
Result<double> to_g_per_kwh(double value, IntensityUnit unit) noexcept;
/// Converts gCO2(e)/kWh to `unit`. Errors: invalid_argument for NaN/inf.
Result<double> from_g_per_kwh(double g_per_kwh, IntensityUnit unit) noexcept;
/// Parses "g/kWh", "gCO2e/kWh", "kg/MWh", "lb/MWh", "lbs/MWh", "t/MWh", "kg/kWh" (case-insensitive).
/// Errors: unsupported for an unknown unit text.
Result<IntensityUnit> parse_intensity_unit(std::string_view text) noexcept;

enum class Gas : std::uint8_t { co2, co2e };
enum class Basis : std::uint8_t { lifecycle, direct };
enum class Boundary : std::uint8_t { production, consumption };
enum class FactorKind : std::uint8_t { average, marginal, residual, supplier, contract };

/// What a factor means and where it came from.
struct FactorMeta {
  Gas gas = Gas::co2e;
  Basis basis = Basis::lifecycle;
  Boundary boundary = Boundary::production;
  FactorKind kind = FactorKind::average;
  std::string zone;                       ///< bidding zone, country (ISO3) or technology key
  int vintage_year = 0;                   ///< data year; 0 = not stated
  std::int64_t valid_from_s = INT64_MIN;  ///< UTC seconds, inclusive
  std::int64_t valid_to_s = INT64_MAX;    ///< UTC seconds, exclusive
  std::string source;                     ///< citation / attribution text
  std::string licence;                    ///< licence of the data ("CC-BY-SA-4.0", "ODbL-1.0", ...)
};

/// A factor value (gCO2(e)/kWh) with its meaning.
struct EmissionFactor {
  double g_per_kwh = 0.0;
  FactorMeta meta;
};

/// Anything that answers "the factor for zone Z at time t".
class FactorSource {
 public:
  virtual ~FactorSource() = default;
  /// The factor for `zone` valid at UTC second `t`. Errors: not_found, out_of_range.
  virtual Result<EmissionFactor> at(std::string_view zone, std::int64_t t) const = 0;
  /// Hourly (or `step_s`) series of g/kWh for zone over [start, start + n*step) (interval-start labels).
  Result<TimeSeries> series(std::string_view zone, std::int64_t start_s, std::int64_t step_s, std::size_t n) const;
};

/// One factor for every zone and time.
class ConstantFactor final : public FactorSource {
 public:
  /// value in `unit`; errors: invalid_argument for a non-finite value.
  static Result<ConstantFactor> make(double value, IntensityUnit unit, FactorMeta meta);
  Result<EmissionFactor> at(std::string_view zone, std::int64_t t) const override;

 private:
  EmissionFactor f_;
};

/// Annual factors by zone/country and year (Ember, IFI, Electricity Maps yearly, national inventories).
/// at() picks the year of t (UTC); with `latest_fallback` the latest earlier year is used and its
/// vintage reported (the tables give the latest year per country).
class AnnualFactorTable final : public FactorSource {
 public:
  struct Row {
    std::string zone;
    int year = 0;
    double g_per_kwh = 0.0;
  };
  AnnualFactorTable() = default;
  /// rows in `unit`; errors: invalid_argument (non-finite value, year <= 0), conflict (duplicate zone/year).
  static Result<AnnualFactorTable> make(std::vector<Row> rows, IntensityUnit unit, FactorMeta meta,
                                        bool latest_fallback = true);
  Result<EmissionFactor> at(std::string_view zone, std::int64_t t) const override;
  /// The factor of a zone for a given year.
  Result<EmissionFactor> for_year(std::string_view zone, int year) const;
  std::size_t size() const noexcept { return rows_.size(); }
  const FactorMeta& meta() const noexcept { return meta_; }

 private:
  std::vector<Row> rows_;  // sorted by zone, year
  FactorMeta meta_;
  bool latest_fallback_ = true;
};

/// An hourly (or any step) series of factors for one zone, average or marginal.
class FactorSeries final : public FactorSource {
 public:
  /// values in `unit` (converted to g/kWh), NaN not allowed. kind = average or marginal.
  static Result<FactorSeries> make(TimeSeries values, IntensityUnit unit, FactorMeta meta);
  Result<EmissionFactor> at(std::string_view zone, std::int64_t t) const override;
  const TimeSeries& g_per_kwh() const noexcept { return series_; }

 private:
  TimeSeries series_;
  FactorMeta meta_;
};

/// An IPCC AR5 Annex III (Table A.III.2) lifecycle entry that joule ships.
struct Ar5Entry {
  const char* technology;   ///< as in the table ("Coal - PC")
  const char* mode;         ///< joule mode key ("coal"), "" if none
  double median_g_per_kwh;  ///< lifecycle median (gCO2eq/kWh, incl. albedo)
  double min_g_per_kwh;     ///< NaN where not verified
  double max_g_per_kwh;     ///< NaN where not verified
  double direct_g_per_kwh;  ///< direct-emission median, NaN where not verified
};
/// The built-in verified AR5 entries (medians of the commercial technologies).
std::span<const Ar5Entry> ipcc_ar5_table() noexcept;
/// Lifecycle median by joule mode key ("coal", "gas", "biomass", "geothermal", "hydro", "nuclear",
/// "solar", "wind") or by technology name. Errors: not_found.
Result<EmissionFactor> ipcc_ar5_lifecycle(std::string_view mode_or_technology);

/// Ember country averages (co2.js export; CC BY-SA 4.0): columns key, iso3, country_or_region,
/// data_year, gco2_per_kwh. Zone key = `key` (ISO3 or region name). Errors: io_error, malformed.
Result<AnnualFactorTable> load_ember_average_csv(const std::string& path);
/// IFI 2021 operating margin (CC BY-SA 4.0), kind marginal, CO2 only; zone key = `key`.
Result<AnnualFactorTable> load_ifi_operating_margin_csv(const std::string& path);
/// Electricity Maps yearly (ODbL), consumption-based lifecycle; zone key = Electricity Maps zone.
Result<AnnualFactorTable> load_electricitymaps_yearly_csv(const std::string& path);

}  // namespace joule::carbon
