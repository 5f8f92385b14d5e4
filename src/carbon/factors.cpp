// Emission-factor sources, unit conversion, the built-in IPCC AR5 medians and
// the run-time loaders of the share-alike country tables.
#include "joule/carbon/factors.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "joule/core/civil.hpp"

namespace joule::carbon {

namespace {
bool finite(double v) { return std::isfinite(v); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Year of a UTC instant (proleptic Gregorian), days-from-civil inverse.
int utc_year(std::int64_t t) {
  std::int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
}

std::int64_t year_start(int y) {
  // days from civil for y-01-01
  const std::int64_t yy = y - 1;  // January: m <= 2
  const std::int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  const std::int64_t yoe = yy - era * 400;
  const std::int64_t doy = (153 * (1 + 9) + 2) / 5;  // month 1 -> mp 10
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (era * 146097 + doe - 719468) * 86400;
}
}  // namespace

Result<double> to_g_per_kwh(double value, IntensityUnit unit) noexcept {
  if (!finite(value)) return fail(Errc::invalid_argument, "intensity must be finite", Where::at_field("value"));
  switch (unit) {
    case IntensityUnit::g_per_kwh:
    case IntensityUnit::kg_per_mwh: return value;
    case IntensityUnit::lb_per_mwh: return value * kPoundKg;  // lb/MWh -> kg/MWh == g/kWh
    case IntensityUnit::t_per_mwh:
    case IntensityUnit::kg_per_kwh: return value * 1000.0;
  }
  return fail(Errc::invalid_argument, "unknown intensity unit", Where::at_field("unit"));
}

Result<double> from_g_per_kwh(double g, IntensityUnit unit) noexcept {
  if (!finite(g)) return fail(Errc::invalid_argument, "intensity must be finite", Where::at_field("value"));
  switch (unit) {
    case IntensityUnit::g_per_kwh:
    case IntensityUnit::kg_per_mwh: return g;
    case IntensityUnit::lb_per_mwh: return g / kPoundKg;
    case IntensityUnit::t_per_mwh:
    case IntensityUnit::kg_per_kwh: return g / 1000.0;
  }
  return fail(Errc::invalid_argument, "unknown intensity unit", Where::at_field("unit"));
}

Result<IntensityUnit> parse_intensity_unit(std::string_view text) noexcept {
  std::string t;
  for (char c : text)
    if (c != ' ') t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  // Drop the gas label: "gco2e/kwh", "gco2eq/kwh", "lbco2/mwh", "kgco2/mwh".
  for (const char* gas : {"co2eq", "co2e", "co2"}) {
    const auto p = t.find(gas);
    if (p != std::string::npos) {
      t.erase(p, std::char_traits<char>::length(gas));
      break;
    }
  }
  if (t == "g/kwh") return IntensityUnit::g_per_kwh;
  if (t == "kg/mwh") return IntensityUnit::kg_per_mwh;
  if (t == "lb/mwh" || t == "lbs/mwh") return IntensityUnit::lb_per_mwh;
  if (t == "t/mwh") return IntensityUnit::t_per_mwh;
  if (t == "kg/kwh") return IntensityUnit::kg_per_kwh;
  return fail(Errc::unsupported, "unknown intensity unit (g/kWh, kg/MWh, lb/MWh, t/MWh, kg/kWh)");
}

Result<TimeSeries> FactorSource::series(std::string_view zone, std::int64_t start_s, std::int64_t step_s,
                                        std::size_t n) const {
  if (step_s <= 0) return fail(Errc::invalid_argument, "step must be > 0", Where::at_field("step_s"));
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto f = at(zone, start_s + static_cast<std::int64_t>(i) * step_s);
    if (!f) return fail(f.error().code, f.error().message, Where::at_index(i, "series"));
    v[i] = f->g_per_kwh;
  }
  return TimeSeries::make(start_s, step_s, std::move(v));
}

Result<ConstantFactor> ConstantFactor::make(double value, IntensityUnit unit, FactorMeta meta) {
  auto g = to_g_per_kwh(value, unit);
  if (!g) return fail(g.error());
  ConstantFactor c;
  c.f_ = EmissionFactor{*g, std::move(meta)};
  return c;
}

Result<EmissionFactor> ConstantFactor::at(std::string_view, std::int64_t t) const {
  if (t < f_.meta.valid_from_s || t >= f_.meta.valid_to_s)
    return fail(Errc::out_of_range, "time outside the factor's validity interval");
  return f_;
}

Result<AnnualFactorTable> AnnualFactorTable::make(std::vector<Row> rows, IntensityUnit unit, FactorMeta meta,
                                                  bool latest_fallback) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].year <= 0) return fail(Errc::invalid_argument, "year must be > 0", Where::at_index(i, "rows"));
    auto g = to_g_per_kwh(rows[i].g_per_kwh, unit);
    if (!g) return fail(Errc::invalid_argument, "factor must be finite", Where::at_index(i, "rows"));
    rows[i].g_per_kwh = *g;
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.zone != b.zone ? a.zone < b.zone : a.year < b.year; });
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i].zone == rows[i - 1].zone && rows[i].year == rows[i - 1].year)
      return fail(Errc::conflict, "duplicate zone and year", Where::at_index(i, "rows"));
  AnnualFactorTable t;
  t.rows_ = std::move(rows);
  t.meta_ = std::move(meta);
  t.latest_fallback_ = latest_fallback;
  return t;
}

Result<EmissionFactor> AnnualFactorTable::for_year(std::string_view zone, int year) const {
  auto lo = std::lower_bound(rows_.begin(), rows_.end(), zone,
                             [](const Row& r, std::string_view z) { return std::string_view(r.zone) < z; });
  const Row* best = nullptr;
  for (auto it = lo; it != rows_.end() && it->zone == zone; ++it) {
    if (it->year == year) {
      best = &*it;
      break;
    }
    if (latest_fallback_ && it->year < year) best = &*it;
  }
  if (lo == rows_.end() || lo->zone != zone) return fail(Errc::not_found, "zone not in the factor table");
  if (!best) return fail(Errc::not_found, "no factor for this zone and year");
  EmissionFactor f{best->g_per_kwh, meta_};
  f.meta.zone = best->zone;
  f.meta.vintage_year = best->year;
  f.meta.valid_from_s = year_start(best->year);
  f.meta.valid_to_s = year_start(best->year + 1);
  return f;
}

Result<EmissionFactor> AnnualFactorTable::at(std::string_view zone, std::int64_t t) const {
  return for_year(zone, utc_year(t));
}

Result<FactorSeries> FactorSeries::make(TimeSeries values, IntensityUnit unit, FactorMeta meta) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto g = to_g_per_kwh(values[i], unit);
    if (!g) return fail(Errc::invalid_argument, "factor must be finite", Where::at_index(i, "values"));
    values.values()[i] = *g;
  }
  FactorSeries s;
  s.meta_ = std::move(meta);
  s.meta_.valid_from_s = values.start();
  s.meta_.valid_to_s = values.end();
  s.series_ = std::move(values);
  return s;
}

Result<EmissionFactor> FactorSeries::at(std::string_view zone, std::int64_t t) const {
  if (!meta_.zone.empty() && zone != meta_.zone) return fail(Errc::not_found, "series is for another zone");
  auto v = series_.at_time(t);
  if (!v) return fail(Errc::out_of_range, "time outside the factor series");
  EmissionFactor f{*v, meta_};
  f.meta.valid_from_s = series_.start() + (t - series_.start()) / series_.step() * series_.step();
  f.meta.valid_to_s = f.meta.valid_from_s + series_.step();
  if (f.meta.vintage_year == 0) f.meta.vintage_year = utc_year(t);
  return f;
}

// IPCC AR5 WGIII Annex III, Table A.III.2 (Schloemer et al. 2014), lifecycle gCO2eq/kWh.
// Only numbers verified against a retrieved source are shipped (shared/data/carbon PROVENANCE.md,
// column verified_in_session); unverified min/max are NaN, the unverified CCS and ocean rows are absent.
namespace {
constexpr double kNa = std::numeric_limits<double>::quiet_NaN();
constexpr Ar5Entry kAr5[] = {
    {"Coal - PC", "coal", 820, 740, 910, 760},
    {"Gas - Combined Cycle", "gas", 490, 410, 650, 370},
    {"Biomass - cofiring", "", 740, kNa, kNa, kNa},
    {"Biomass - dedicated", "biomass", 230, 130, 420, kNa},
    {"Geothermal", "geothermal", 38, 6.0, 79, 0},
    {"Hydropower", "hydro", 24, 1.0, 2200, 0},
    {"Nuclear", "nuclear", 12, 3.7, 110, 0},
    {"Concentrated Solar Power", "", 27, kNa, kNa, kNa},
    {"Solar PV - rooftop", "", 41, kNa, kNa, kNa},
    {"Solar PV - utility", "solar", 48, 18, 180, 0},
    {"Wind onshore", "wind", 11, 7.0, 56, 0},
    {"Wind offshore", "", 12, kNa, kNa, kNa},
};
}  // namespace

std::span<const Ar5Entry> ipcc_ar5_table() noexcept { return kAr5; }

Result<EmissionFactor> ipcc_ar5_lifecycle(std::string_view key) {
  const std::string k = lower(key);
  for (const auto& e : kAr5) {
    if ((e.mode[0] != '\0' && k == e.mode) || k == lower(e.technology)) {
      EmissionFactor f;
      f.g_per_kwh = e.median_g_per_kwh;
      f.meta.gas = Gas::co2e;
      f.meta.basis = Basis::lifecycle;
      f.meta.boundary = Boundary::production;
      f.meta.kind = FactorKind::average;
      f.meta.zone = e.mode[0] != '\0' ? e.mode : e.technology;
      f.meta.vintage_year = 2014;
      f.meta.source = "IPCC AR5 WGIII Annex III, Table A.III.2 (Schloemer et al. 2014), lifecycle median";
      return f;
    }
  }
  return fail(Errc::not_found, "technology not among the verified IPCC AR5 entries");
}

// ---- CSV loaders (run time; the tables are share-alike and not compiled in) ----
namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = b + s.size();
  auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e && std::isfinite(out);
}

Result<AnnualFactorTable> load_table(const std::string& path, const char* zone_col, const char* year_col,
                                     int fixed_year, const char* value_col, FactorMeta meta) {
  std::ifstream f(path);
  if (!f) return fail(Errc::io_error, "cannot open the factor table");
  std::string line;
  if (!std::getline(f, line)) return fail(Errc::malformed, "factor table is empty");
  const auto header = split_csv_line(line);
  auto col = [&](const char* name) -> int {
    if (name == nullptr) return -1;
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    return -2;
  };
  const int zc = col(zone_col), yc = col(year_col), vc = col(value_col);
  if (zc < 0 || vc < 0 || yc == -2) return fail(Errc::malformed, "factor table lacks an expected column");
  std::vector<AnnualFactorTable::Row> rows;
  std::size_t lineno = 1;
  while (std::getline(f, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    const auto cells = split_csv_line(line);
    if (cells.size() != header.size()) return fail(Errc::malformed, "wrong number of cells", Where::at_index(lineno, "line"));
    double v = 0;
    if (!parse_double(cells[static_cast<std::size_t>(vc)], v)) continue;  // empty = not available
    int year = fixed_year;
    if (yc >= 0) {
      double y = 0;
      if (!parse_double(cells[static_cast<std::size_t>(yc)], y))
        return fail(Errc::malformed, "bad year", Where::at_index(lineno, "line"));
      year = static_cast<int>(y);
    }
    rows.push_back({cells[static_cast<std::size_t>(zc)], year, v});
  }
  return AnnualFactorTable::make(std::move(rows), IntensityUnit::g_per_kwh, std::move(meta), true);
}

}  // namespace

Result<AnnualFactorTable> load_ember_average_csv(const std::string& path) {
  FactorMeta m;
  m.gas = Gas::co2e;
  m.basis = Basis::lifecycle;
  m.boundary = Boundary::production;
  m.kind = FactorKind::average;
  m.source = "Ember, via The Green Web Foundation CO2.js";
  m.licence = "CC-BY-SA-4.0";
  return load_table(path, "key", "data_year", 0, "gco2_per_kwh", std::move(m));
}

Result<AnnualFactorTable> load_ifi_operating_margin_csv(const std::string& path) {
  FactorMeta m;
  m.gas = Gas::co2;
  m.basis = Basis::direct;
  m.boundary = Boundary::production;
  m.kind = FactorKind::marginal;
  m.source = "IFI Harmonised Default Grid Emission Factors 2021 (UNFCCC), via The Green Web Foundation CO2.js";
  m.licence = "CC-BY-SA-4.0";
  return load_table(path, "key", nullptr, 2021, "operating_margin_gco2_per_kwh", std::move(m));
}

Result<AnnualFactorTable> load_electricitymaps_yearly_csv(const std::string& path) {
  FactorMeta m;
  m.gas = Gas::co2e;
  m.basis = Basis::lifecycle;
  m.boundary = Boundary::consumption;
  m.kind = FactorKind::average;
  m.source = "Electricity Maps (yearly, flow-traced lifecycle), via The Green Web Foundation CO2.js";
  m.licence = "ODbL-1.0";
  return load_table(path, "zone", "year", 0, "carbon_intensity_gco2eq_per_kwh", std::move(m));
}

}  // namespace joule::carbon
