// joule/meter/drivers.hpp: declarative meter drivers for (wireless) M-Bus (host).
//
// EN 13757-3 says how a record is coded, not what it means for a given meter: which
// volume record is "the total", which date is the billing date, which manufacturer
// bytes hold the alarm flags. A *driver* says that for one meter model, as data (JSON):
// it matches telegrams by manufacturer, version, device type (medium) and optionally
// the CI field, and maps records (selected by quantity/VIF, storage number, tariff,
// subunit, function, or a manufacturer-specific byte range) to named fields with units
// ("total_m3", "target_date", "current_power_consumption_kw"). A set of drivers is
// compiled into the library (no file is needed at run time); users add their own with
// `Registry::add_json` / `add_file`. The JSON schema is in docs/meter.md, "Meter drivers".
//
// Example:
//   joule::meter::drivers::ApplyOptions o;            // driver "auto", built-in drivers
//   auto r = joule::meter::drivers::apply(telegram_bytes, o);   // Result<DriverFields>
//   if (r) for (const auto& f : r->fields) std::printf("%s\n", f.name.c_str());
//   std::string json = joule::meter::drivers::to_json(*r);
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "joule/core/result.hpp"

namespace joule::meter::drivers {

/// One named field a driver produced.
struct FieldValue {
  std::string name;        ///< field name with its unit suffix ("total_m3", "status")
  std::string unit;        ///< unit of `number` as in the name suffix ("m3", "kwh", "c"); empty for text
  bool is_number = false;  ///< number (in `unit`) or text
  double number = 0.0;     ///< the value converted to `unit` and scaled by the field's `scale`
  std::string text;        ///< text fields: dates "YYYY-MM-DD", date-times "YYYY-MM-DD HH:MM", status words
};

/// What a driver made of one telegram.
struct DriverFields {
  std::string driver;        ///< driver name ("multical21")
  std::string id;            ///< meter identification number ("76348799")
  std::string manufacturer;  ///< three letters ("KAM")
  std::uint8_t version = 0;  ///< version field of the header used for matching
  std::uint8_t medium = 0;   ///< device type (EN 13757-3 Table 3)
  std::vector<FieldValue> fields;
  /// Fields of the driver that the telegram did not carry (no record matched).
  std::vector<std::string> missing;
};

class Driver;  // parsed driver (opaque)

/// A set of drivers. `builtin()` holds the drivers shipped with joule.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(Registry&&) noexcept;
  Registry& operator=(Registry&&) noexcept;
  Registry(const Registry&);
  Registry& operator=(const Registry&);

  /// The drivers compiled into the library (parsed once, thread-safe).
  static const Registry& builtin();

  /// Adds one driver (a JSON object) or several (an array of objects). A driver with the
  /// name of an existing one replaces it. Errors: malformed (not JSON, with the byte
  /// offset), invalid_argument (a bad field of the schema; the message names it).
  Result<void> add_json(std::string_view json_text);
  /// Reads a driver file and adds it (see add_json). Errors: not_found, io_error, and add_json's.
  Result<void> add_file(const std::string& path);

  /// Names of the drivers, in matching order.
  std::vector<std::string> names() const;
  std::size_t size() const noexcept;
  /// The driver of that name, or nullptr.
  const Driver* find(std::string_view name) const noexcept;
  /// The first driver whose match rules accept this header, or nullptr.
  const Driver* match(std::string_view manufacturer, std::uint8_t version, std::uint8_t medium,
                      std::uint8_t ci) const noexcept;
  /// The driver as JSON (normalised), e.g. to start a new driver from a shipped one.
  std::string driver_json(std::string_view name) const;

 private:
  std::vector<std::shared_ptr<const Driver>> drivers_;
};

/// Record layouts of full frames, by format signature, so that compact frames (CI 0x79,
/// OMS 4 §7.2.4: data values only) of the same meters can be read. apply() fills it from every
/// full frame it sees and reads compact frames with it. Not thread-safe; one per receiver.
class FormatCache {
 public:
  /// Remembers the layout of a full frame's records (DIF/VIF bytes and data sizes).
  void add(std::vector<std::uint8_t> headers, std::vector<std::pair<std::size_t, std::size_t>> layout,
           std::uint16_t signature);
  /// Adds the layout of a full frame's application data (EN 13757-3 records); false when it
  /// cannot be compacted (no records, variable-length data, manufacturer data, a record error).
  bool learn(std::span<const std::uint8_t> application_data);
  /// The full application data for a compact frame's values, or empty when unknown.
  std::vector<std::uint8_t> expand(std::uint16_t signature, std::span<const std::uint8_t> values) const;
  std::size_t size() const noexcept { return formats_.size(); }

 private:
  struct Format {
    std::uint16_t signature;
    std::vector<std::uint8_t> headers;                         // DIF/VIF bytes of all records
    std::vector<std::pair<std::size_t, std::size_t>> layout;   // (header bytes, data bytes) per record
  };
  std::vector<Format> formats_;
};

/// Options of apply().
struct ApplyOptions {
  /// "auto" (match by header), a driver name, or a path to a JSON driver file (ends in ".json").
  std::string driver = "auto";
  std::vector<std::uint8_t> key;         ///< AES-128 key for encrypted telegrams (16 bytes) or empty
  const Registry* registry = nullptr;    ///< nullptr: Registry::builtin()
  FormatCache* formats = nullptr;        ///< learn full-frame layouts / read compact frames (optional)
};

/// Decodes one wireless M-Bus telegram (CRC-free form, or a wired long frame) and applies
/// the driver. Errors: those of wmbus::decode and the record reader, not_found (no driver
/// matches / no driver of that name), and add_file's for a driver file; unsupported for a
/// compact frame whose full frame was not seen (no `formats`, or its signature unknown).
Result<DriverFields> apply(std::span<const std::uint8_t> telegram, const ApplyOptions& options = {});

/// A result as one compact JSON object:
/// {"driver":..,"id":..,"manufacturer":..,"version":..,"medium":..,"fields":{name:value,...}}.
std::string to_json(const DriverFields& fields);

/// Every record of a telegram with the selectors a driver uses (quantity, vif, vife,
/// storage, tariff, subunit, function, value in the record's unit, raw bytes), plus the
/// header and the manufacturer payload: the starting point for writing a driver.
/// A compact frame (CI 0x79) is listed with the layout of its full frame when `formats`
/// holds it; full frames seen are added to `formats`.
/// Errors: those of wmbus::decode and the record reader.
Result<std::string> describe(std::span<const std::uint8_t> telegram, std::span<const std::uint8_t> key = {},
                             FormatCache* formats = nullptr);

}  // namespace joule::meter::drivers
