// joule/core/units.hpp: physical units as meters name them, and joule's own.
//
// `joule::Unit` is the unit enumeration of the DLMS/COSEM "scaler_unit"
// attribute (IEC 62056-6-2:2017 §4.3.2, Table 4; the same codes SML 1.04 uses
// for its `unit` field and DSMR/M-Bus values are mapped to). Each code has
// its symbol and, where one exists, the affine map to its SI coherent unit.
//
// joule's own quantities are plain doubles with the unit in the name
// (DESIGN.md): power kW, energy kWh, money per kWh, carbon gCO2e/kWh. The
// helpers `to_kw` and `to_kwh` bring a meter value into those units.
//
// Example:
//   joule::unit_symbol(joule::Unit::watt_hour);              // "Wh"
//   joule::to_kwh(1234567.0, joule::Unit::watt_hour);        // Result<double> 1234.567
#pragma once

#include <cstdint>
#include <string_view>

#include "joule/core/result.hpp"

namespace joule {

/// DLMS/COSEM unit codes (IEC 62056-6-2 Table 4). Codes not listed are still
/// representable (any value 0..255 may be cast) and report an empty symbol.
enum class Unit : std::uint8_t {
  none = 0,  ///< not a DLMS code: "no unit given"
  year = 1,
  month = 2,
  week = 3,
  day = 4,
  hour = 5,
  minute = 6,
  second = 7,
  degree = 8,  ///< phase angle
  degree_celsius = 9,
  currency = 10,
  metre = 11,
  metre_per_second = 12,
  cubic_metre = 13,
  cubic_metre_corrected = 14,
  cubic_metre_per_hour = 15,
  cubic_metre_per_hour_corrected = 16,
  cubic_metre_per_day = 17,
  cubic_metre_per_day_corrected = 18,
  litre = 19,
  kilogram = 20,
  newton = 21,
  newton_metre = 22,
  pascal = 23,
  bar = 24,
  joule = 25,
  joule_per_hour = 26,
  watt = 27,
  volt_ampere = 28,
  var = 29,
  watt_hour = 30,
  volt_ampere_hour = 31,
  var_hour = 32,
  ampere = 33,
  coulomb = 34,
  volt = 35,
  volt_per_metre = 36,
  farad = 37,
  ohm = 38,
  ohm_square_metre_per_metre = 39,
  weber = 40,
  tesla = 41,
  ampere_per_metre = 42,
  henry = 43,
  hertz = 44,
  per_watt_hour = 45,
  per_var_hour = 46,
  per_volt_ampere_hour = 47,
  volt_squared_hour = 48,
  ampere_squared_hour = 49,
  kilogram_per_second = 50,
  siemens = 51,
  kelvin = 52,
  per_volt_squared_hour = 53,
  per_ampere_squared_hour = 54,
  per_cubic_metre = 55,
  percent = 56,
  ampere_hour = 57,
  watt_hour_per_cubic_metre = 60,
  joule_per_cubic_metre = 61,
  mole_percent = 62,
  gram_per_cubic_metre = 63,
  pascal_second = 64,
  joule_per_kilogram = 65,
  dbm = 70,
  dbuv = 71,
  decibel = 72,
  other = 254,
  count = 255,  ///< no unit, unitless count
};

/// The unit's symbol as IEC 62056-6-2 writes it ("Wh", "m3", "°C" in UTF-8); "" if unknown.
std::string_view unit_symbol(Unit u) noexcept;

/// Looks a unit up by symbol, accepting the spellings meters use in text
/// protocols ("kWh" is not a DLMS unit: see parse_scaled_unit). Errors: not_found.
Result<Unit> unit_from_symbol(std::string_view symbol) noexcept;

/// A symbol with an SI prefix resolved: "kWh" -> {watt_hour, 3}; "m3" -> {cubic_metre, 0}.
struct ScaledUnit {
  Unit unit = Unit::none;
  int exponent = 0;  ///< power of ten to apply to the value
};
/// Parses unit text of DSMR / IEC 62056-21 / M-Bus tools ("kW", "kWh", "kvarh", "V", "A",
/// "m3", "m^3", "GJ", "MWh", "°C", "C", "s", "h", "%"). Errors: not_found.
Result<ScaledUnit> parse_scaled_unit(std::string_view text) noexcept;

/// Affine map of a unit to its SI coherent unit: si = value * factor + offset.
struct SiConversion {
  std::string_view si_symbol;  ///< e.g. "J" for Wh, "K" for °C, "m3/s" for m3/h
  double factor = 1.0;
  double offset = 0.0;
};
/// The SI conversion of a unit. Errors: unsupported for units with no fixed
/// SI equivalent (month, year, currency, meter constants, dB, count).
Result<SiConversion> to_si(Unit u) noexcept;

/// A meter value in Wh, kWh-by-exponent, J or varh... converted to kWh.
/// Accepts watt_hour, joule, volt_ampere_hour, var_hour (their "kilo" forms come
/// through the caller's exponent). Errors: invalid_argument for other units.
Result<double> to_kwh(double value, Unit u) noexcept;
/// A meter value in W, J/h, VA or var converted to kW. Errors: invalid_argument.
Result<double> to_kw(double value, Unit u) noexcept;

}  // namespace joule
