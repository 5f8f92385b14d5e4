#include "joule/core/units.hpp"

#include <cstddef>

namespace joule {

namespace {

struct UnitInfo {
  Unit unit;
  const char* symbol;
};

// IEC 62056-6-2:2017 Table 4 symbols.
constexpr UnitInfo kUnits[] = {
    {Unit::year, "a"},
    {Unit::month, "mo"},
    {Unit::week, "wk"},
    {Unit::day, "d"},
    {Unit::hour, "h"},
    {Unit::minute, "min"},
    {Unit::second, "s"},
    {Unit::degree, "\xC2\xB0"},
    {Unit::degree_celsius, "\xC2\xB0" "C"},
    {Unit::currency, "currency"},
    {Unit::metre, "m"},
    {Unit::metre_per_second, "m/s"},
    {Unit::cubic_metre, "m3"},
    {Unit::cubic_metre_corrected, "m3"},
    {Unit::cubic_metre_per_hour, "m3/h"},
    {Unit::cubic_metre_per_hour_corrected, "m3/h"},
    {Unit::cubic_metre_per_day, "m3/d"},
    {Unit::cubic_metre_per_day_corrected, "m3/d"},
    {Unit::litre, "l"},
    {Unit::kilogram, "kg"},
    {Unit::newton, "N"},
    {Unit::newton_metre, "Nm"},
    {Unit::pascal, "Pa"},
    {Unit::bar, "bar"},
    {Unit::joule, "J"},
    {Unit::joule_per_hour, "J/h"},
    {Unit::watt, "W"},
    {Unit::volt_ampere, "VA"},
    {Unit::var, "var"},
    {Unit::watt_hour, "Wh"},
    {Unit::volt_ampere_hour, "VAh"},
    {Unit::var_hour, "varh"},
    {Unit::ampere, "A"},
    {Unit::coulomb, "C"},
    {Unit::volt, "V"},
    {Unit::volt_per_metre, "V/m"},
    {Unit::farad, "F"},
    {Unit::ohm, "\xCE\xA9"},
    {Unit::ohm_square_metre_per_metre, "\xCE\xA9m2/m"},
    {Unit::weber, "Wb"},
    {Unit::tesla, "T"},
    {Unit::ampere_per_metre, "A/m"},
    {Unit::henry, "H"},
    {Unit::hertz, "Hz"},
    {Unit::per_watt_hour, "1/(Wh)"},
    {Unit::per_var_hour, "1/(varh)"},
    {Unit::per_volt_ampere_hour, "1/(VAh)"},
    {Unit::volt_squared_hour, "V2h"},
    {Unit::ampere_squared_hour, "A2h"},
    {Unit::kilogram_per_second, "kg/s"},
    {Unit::siemens, "S"},
    {Unit::kelvin, "K"},
    {Unit::per_volt_squared_hour, "1/(V2h)"},
    {Unit::per_ampere_squared_hour, "1/(A2h)"},
    {Unit::per_cubic_metre, "1/m3"},
    {Unit::percent, "%"},
    {Unit::ampere_hour, "Ah"},
    {Unit::watt_hour_per_cubic_metre, "Wh/m3"},
    {Unit::joule_per_cubic_metre, "J/m3"},
    {Unit::mole_percent, "Mol %"},
    {Unit::gram_per_cubic_metre, "g/m3"},
    {Unit::pascal_second, "Pa s"},
    {Unit::joule_per_kilogram, "J/kg"},
    {Unit::dbm, "dBm"},
    {Unit::dbuv, "dB\xC2\xB5V"},
    {Unit::decibel, "dB"},
    {Unit::other, "other"},
    {Unit::count, ""},
};

bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string_view unit_symbol(Unit u) noexcept {
  for (const auto& info : kUnits)
    if (info.unit == u) return info.symbol;
  return {};
}

Result<Unit> unit_from_symbol(std::string_view symbol) noexcept {
  if (symbol.empty()) return fail(Errc::not_found, "empty unit symbol");
  for (const auto& info : kUnits)
    if (symbol == info.symbol) return info.unit;  // exact first: "C" coulomb vs "c"
  return fail(Errc::not_found, "unknown unit symbol");
}

Result<ScaledUnit> parse_scaled_unit(std::string_view text) noexcept {
  // Spellings seen in DSMR, IEC 62056-21 and libmbus/wmbusmeters output.
  struct Alias {
    const char* text;
    Unit unit;
    int exponent;
  };
  static constexpr Alias kAliases[] = {
      {"kWh", Unit::watt_hour, 3},     {"MWh", Unit::watt_hour, 6},       {"GWh", Unit::watt_hour, 9},
      {"kW", Unit::watt, 3},           {"MW", Unit::watt, 6},             {"kvarh", Unit::var_hour, 3},
      {"kvar", Unit::var, 3},          {"kVAh", Unit::volt_ampere_hour, 3}, {"kVA", Unit::volt_ampere, 3},
      {"kJ", Unit::joule, 3},          {"MJ", Unit::joule, 6},            {"GJ", Unit::joule, 9},
      {"m^3", Unit::cubic_metre, 0},   {"m\xC2\xB3", Unit::cubic_metre, 0}, {"m3/h", Unit::cubic_metre_per_hour, 0},
      {"m^3/h", Unit::cubic_metre_per_hour, 0}, {"l/h", Unit::cubic_metre_per_hour, -3},
      {"C", Unit::degree_celsius, 0},  {"degC", Unit::degree_celsius, 0}, {"kA", Unit::ampere, 3},
      {"mA", Unit::ampere, -3},        {"kV", Unit::volt, 3},
  };
  for (const auto& a : kAliases)
    if (text == a.text) return ScaledUnit{a.unit, a.exponent};
  for (const auto& info : kUnits)
    if (text == info.symbol && info.unit != Unit::count) return ScaledUnit{info.unit, 0};
  // Case-insensitive second pass for the common energy units ("KWH", "kwh").
  for (const auto& a : kAliases)
    if (iequal(text, a.text) && a.unit != Unit::degree_celsius)
      return ScaledUnit{a.unit, a.exponent};
  return fail(Errc::not_found, "unknown unit text");
}

Result<SiConversion> to_si(Unit u) noexcept {
  switch (u) {
    case Unit::week: return SiConversion{"s", 604800.0, 0.0};
    case Unit::day: return SiConversion{"s", 86400.0, 0.0};
    case Unit::hour: return SiConversion{"s", 3600.0, 0.0};
    case Unit::minute: return SiConversion{"s", 60.0, 0.0};
    case Unit::second: return SiConversion{"s", 1.0, 0.0};
    case Unit::degree: return SiConversion{"rad", 3.14159265358979323846 / 180.0, 0.0};
    case Unit::degree_celsius: return SiConversion{"K", 1.0, 273.15};
    case Unit::metre: return SiConversion{"m", 1.0, 0.0};
    case Unit::metre_per_second: return SiConversion{"m/s", 1.0, 0.0};
    case Unit::cubic_metre:
    case Unit::cubic_metre_corrected: return SiConversion{"m3", 1.0, 0.0};
    case Unit::cubic_metre_per_hour:
    case Unit::cubic_metre_per_hour_corrected: return SiConversion{"m3/s", 1.0 / 3600.0, 0.0};
    case Unit::cubic_metre_per_day:
    case Unit::cubic_metre_per_day_corrected: return SiConversion{"m3/s", 1.0 / 86400.0, 0.0};
    case Unit::litre: return SiConversion{"m3", 1e-3, 0.0};
    case Unit::kilogram: return SiConversion{"kg", 1.0, 0.0};
    case Unit::newton: return SiConversion{"N", 1.0, 0.0};
    case Unit::newton_metre: return SiConversion{"J", 1.0, 0.0};
    case Unit::pascal: return SiConversion{"Pa", 1.0, 0.0};
    case Unit::bar: return SiConversion{"Pa", 1e5, 0.0};
    case Unit::joule: return SiConversion{"J", 1.0, 0.0};
    case Unit::joule_per_hour: return SiConversion{"W", 1.0 / 3600.0, 0.0};
    case Unit::watt: return SiConversion{"W", 1.0, 0.0};
    case Unit::volt_ampere: return SiConversion{"VA", 1.0, 0.0};
    case Unit::var: return SiConversion{"var", 1.0, 0.0};
    case Unit::watt_hour: return SiConversion{"J", 3600.0, 0.0};
    case Unit::volt_ampere_hour: return SiConversion{"VAs", 3600.0, 0.0};
    case Unit::var_hour: return SiConversion{"vars", 3600.0, 0.0};
    case Unit::ampere: return SiConversion{"A", 1.0, 0.0};
    case Unit::coulomb: return SiConversion{"C", 1.0, 0.0};
    case Unit::volt: return SiConversion{"V", 1.0, 0.0};
    case Unit::volt_per_metre: return SiConversion{"V/m", 1.0, 0.0};
    case Unit::farad: return SiConversion{"F", 1.0, 0.0};
    case Unit::ohm: return SiConversion{"\xCE\xA9", 1.0, 0.0};
    case Unit::weber: return SiConversion{"Wb", 1.0, 0.0};
    case Unit::tesla: return SiConversion{"T", 1.0, 0.0};
    case Unit::ampere_per_metre: return SiConversion{"A/m", 1.0, 0.0};
    case Unit::henry: return SiConversion{"H", 1.0, 0.0};
    case Unit::hertz: return SiConversion{"Hz", 1.0, 0.0};
    case Unit::kilogram_per_second: return SiConversion{"kg/s", 1.0, 0.0};
    case Unit::siemens: return SiConversion{"S", 1.0, 0.0};
    case Unit::kelvin: return SiConversion{"K", 1.0, 0.0};
    case Unit::ampere_hour: return SiConversion{"C", 3600.0, 0.0};
    case Unit::watt_hour_per_cubic_metre: return SiConversion{"J/m3", 3600.0, 0.0};
    case Unit::joule_per_cubic_metre: return SiConversion{"J/m3", 1.0, 0.0};
    case Unit::gram_per_cubic_metre: return SiConversion{"kg/m3", 1e-3, 0.0};
    case Unit::pascal_second: return SiConversion{"Pa s", 1.0, 0.0};
    case Unit::joule_per_kilogram: return SiConversion{"J/kg", 1.0, 0.0};
    default: break;
  }
  return fail(Errc::unsupported, "unit has no fixed SI equivalent");
}

Result<double> to_kwh(double value, Unit u) noexcept {
  switch (u) {
    case Unit::watt_hour:
    case Unit::volt_ampere_hour:
    case Unit::var_hour: return value / 1000.0;
    case Unit::joule: return value / 3.6e6;
    default: break;
  }
  return fail(Errc::invalid_argument, "unit is not an energy unit", Where::at_field("unit"));
}

Result<double> to_kw(double value, Unit u) noexcept {
  switch (u) {
    case Unit::watt:
    case Unit::volt_ampere:
    case Unit::var: return value / 1000.0;
    case Unit::joule_per_hour: return value / 3.6e6;
    default: break;
  }
  return fail(Errc::invalid_argument, "unit is not a power unit", Where::at_field("unit"));
}

}  // namespace joule
