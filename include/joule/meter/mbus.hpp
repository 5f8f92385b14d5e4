// joule/meter/mbus.hpp: wired M-Bus, link layer (EN 13757-2) and application layer (EN 13757-3).
//
// Freestanding: no heap, no exceptions. Frames and records are views into the
// caller's bytes; decoded values are exact (`joule::Decimal`), normalised to
// one unit per quantity (Wh, J, m3, kg, s, W, J/h, m3/h, kg/h, degC, K, bar, V, A).
//
// Example:
//   auto frame = joule::meter::mbus::parse_frame(bytes);          // Result<Frame>
//   joule::meter::mbus::VariableData data;
//   auto hdr = joule::meter::mbus::parse_user_data(frame->ci, frame->user_data, data);
//   joule::meter::mbus::Record rec;
//   for (joule::meter::mbus::RecordReader rd(data.records); ;) {
//     auto more = rd.next(rec);                                    // Result<bool>
//     if (!more || !*more) break;
//     double v = rec.value.to_double();  // e.g. Wh when rec.unit == Unit::watt_hour
//   }
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "joule/core/decimal.hpp"
#include "joule/core/result.hpp"
#include "joule/core/units.hpp"
#include "joule/meter/frame.hpp"
#include "joule/meter/reading.hpp"

namespace joule::meter::mbus {

/// The four frame formats of EN 13757-2 §5.2 (IEC 60870-5-2 FT1.2).
enum class FrameType : std::uint8_t {
  ack,      ///< single character 0xE5
  short_,   ///< 0x10 C A CS 0x16
  control,  ///< long frame header with L = 3 (no user data)
  long_,    ///< 0x68 L L 0x68 C A CI data CS 0x16
};

/// One link-layer frame; `user_data` points into the caller's bytes.
struct Frame {
  FrameType type = FrameType::ack;
  std::uint8_t control = 0;   ///< C field (EN 13757-2 §5.4)
  std::uint8_t address = 0;   ///< A field (primary address; 0xFD = secondary addressing)
  std::uint8_t ci = 0;        ///< CI field (control and long frames)
  std::span<const std::uint8_t> user_data{};  ///< bytes after CI up to the checksum
  std::size_t size = 0;       ///< total bytes of the frame on the wire
};

/// Largest frame on the wire: 4 header + L (<= 255) + checksum + stop.
inline constexpr std::size_t kMaxFrameBytes = 4 + 255 + 2;

/// Length of the frame at the start of `bytes` once its header is known:
/// incomplete when more bytes are needed to tell, malformed when the first bytes
/// cannot start a frame (start byte, L fields differ, L < 3).
Result<std::size_t> frame_length(std::span<const std::uint8_t> bytes) noexcept;

/// Parses exactly one frame (trailing bytes are an error). Checks start/stop bytes,
/// the doubled L field and the 8-bit sum (EN 13757-2 §5.3).
/// Errors: incomplete, malformed, checksum_mismatch (Where::byte of the checksum).
Result<Frame> parse_frame(std::span<const std::uint8_t> bytes) noexcept;

/// Sans-IO frame splitter for a byte stream (serial line, TCP gateway), with the
/// common splitter shape of joule/meter/frame.hpp. Bytes are fed in any chunks; a
/// complete frame (E5, short, control or long) is returned as soon as its stop
/// byte arrives. Garbage before a start byte is skipped and counted; a frame with a
/// bad checksum or bad L fields is dropped and the splitter resynchronises at the
/// next start byte after the bad one (so a torn frame does not hide the next one).
/// The buffer should hold kMaxFrameBytes (261) bytes; longer frames are dropped
/// with buffer_too_small.
class Splitter {
 public:
  explicit Splitter(std::span<std::uint8_t> buffer) noexcept : buf_(buffer) {}
  /// See joule/meter/frame.hpp: consumes input up to the end of the first frame.
  FeedResult feed(std::span<const std::uint8_t> input) noexcept;
  /// Drops any partial frame (e.g. after a line timeout).
  void reset() noexcept { len_ = 0; pending_ = false; }

 private:
  bool examine(FeedResult& r) noexcept;  // true when r is final (frame or dropped)
  void resync() noexcept;
  std::span<std::uint8_t> buf_;
  std::size_t len_ = 0;
  bool pending_ = false;  // buf_ holds the frame handed out last time
};

/// Data field coding, DIF bits 0-3 (EN 13757-3 §6.3.2, Table 4).
enum class DataCoding : std::uint8_t {
  none = 0, int8 = 1, int16 = 2, int24 = 3, int32 = 4, real32 = 5, int48 = 6, int64 = 7,
  selection = 8, bcd2 = 9, bcd4 = 10, bcd6 = 11, bcd8 = 12, variable = 13, bcd12 = 14, special = 15,
};

/// Function field, DIF bits 4-5 (EN 13757-3 §6.3.2, Table 5): joule::meter::Function.
using joule::meter::Function;

/// What a record's value is.
enum class RecordKind : std::uint8_t {
  none,      ///< no data (coding 0) or selection for readout
  number,    ///< exact `value` (integers, BCD) scaled to `unit`
  real,      ///< 32-bit IEEE float in `real` (scaled to `unit`)
  date_time, ///< `date_time` (types F, G, I, J)
  text,      ///< ASCII from a variable-length field, in reading order in `text`
  bytes,     ///< raw bytes in `raw` (binary LVAR, special functions, manufacturer data)
  invalid,   ///< BCD with error nibbles A-E (EN 13757-3 Annex B); digits in `raw`
};

/// Which VIF table the primary code came from.
enum class VifTable : std::uint8_t { primary, fd, fb, plain_text, any, manufacturer };

/// What the VIF measures (EN 13757-3 Tables 10, 12, 14). `other` covers codes
/// that only have a description (see `quantity_name`).
enum class Quantity : std::uint8_t {
  other, energy, volume, mass, on_time, operating_time, power, volume_flow, mass_flow,
  flow_temperature, return_temperature, temperature_difference, external_temperature,
  pressure, date, date_time, hca_units, averaging_duration, actuality_duration,
  fabrication_number, enhanced_identification, bus_address, credit, debit, access_number,
  medium, manufacturer, parameter_set_id, model_version, hardware_version, firmware_version,
  software_version, customer_location, customer, error_flags, error_mask, digital_output,
  digital_input, baud_rate, response_delay, retry, storage_interval, duration_since_readout,
  tariff_start, tariff_duration, tariff_period, dimensionless, voltage, current, reset_counter,
  cumulation_counter, control_signal, day_of_week, week_number, special_supplier_info,
  battery_operating_time, battery_change_date, rf_level, remaining_battery_days, reactive_energy,
  reactive_power, apparent_power, relative_humidity, frequency, phase_angle, temperature_limit,
  max_power_count, plain_text, manufacturer_specific, reserved, remote_control, size_of_storage,
  operator_specific, stop_count, security_key, password, access_code, day_change,
};

/// A date/time field (EN 13757-3 Annex A types F, G, I, J). Fields a type does not carry are 0.
struct DateTime {
  std::uint16_t year = 0;
  std::uint8_t month = 0, day = 0, hour = 0, minute = 0, second = 0;
  bool has_date = false, has_time = false;
  bool valid = true;   ///< IV bit clear
  bool summer_time = false;  ///< SU bit
};

/// One data record (DIB + VIB + data) of the variable data structure.
struct Record {
  std::uint8_t dif = 0;
  DataCoding coding = DataCoding::none;
  Function function = Function::instantaneous;
  std::uint64_t storage = 0;  ///< storage number (DIF bit 6 + DIFE bits 0-3)
  std::uint32_t tariff = 0;   ///< DIFE bits 4-5
  std::uint16_t subunit = 0;  ///< DIFE bit 6
  std::uint8_t dife_count = 0;
  std::uint8_t vif = 0;       ///< primary VIF byte as sent (0 for manufacturer-data records)
  VifTable table = VifTable::primary;
  std::uint8_t code = 0;      ///< VIF (or first VIFE for 0xFD/0xFB) without the extension bit
  std::array<std::uint8_t, 10> vife{};  ///< combinable VIFEs after the table code
  std::uint8_t vife_count = 0;
  Quantity quantity = Quantity::other;
  Unit unit = Unit::none;     ///< unit of `value`/`real` (Unit::none when unitless)
  std::string_view plain_unit{};  ///< plain-text VIF (0x7C/0xFC) in reading order (reversed as sent)
  std::array<char, 16> plain_unit_buf{};
  RecordKind kind = RecordKind::none;
  Decimal value{};            ///< kind == number
  double real = 0.0;          ///< kind == real
  DateTime date_time{};       ///< kind == date_time
  std::span<const std::uint8_t> raw{};  ///< the data field bytes as sent
  std::array<char, 192> text_buf{};     ///< kind == text (reversed into reading order)
  std::uint8_t text_len = 0;
  bool manufacturer_data = false;  ///< DIF 0x0F/0x1F: raw = rest of the telegram
  bool more_records_follow = false;  ///< DIF 0x1F (EN 13757-3 §6.3.1): next telegram continues
  bool binary_number = false;        ///< LVAR E0-F6 binary number too long for int64: raw is LSB first
  bool additive_offset = false;      ///< VIFE 0x78-0x7B present: value excludes the offset
  Decimal offset{};                  ///< the additive correction (EN 13757-3 Table 15), same unit
  std::size_t offset_in_data = 0;    ///< byte offset of the DIF in the data block

  std::string_view text() const noexcept { return {text_buf.data(), text_len}; }
};

/// The fixed header of CI 0x72/0x76 (12 bytes) or 0x7A (4 bytes) (EN 13757-3 §6.2).
struct Header {
  bool has_address = false;      ///< long header (ID, manufacturer, version, medium present)
  std::uint32_t id = 0;          ///< identification number as sent: 8 BCD digits read as hex (0x11490378 is "11490378"); printed with %08X, so meters with non-BCD digits ("0500023E") keep them
  std::uint16_t manufacturer = 0;///< EN 13757-3 §6.2.3 / DIN 43863-5 code
  std::uint8_t version = 0;
  std::uint8_t medium = 0;       ///< device type (EN 13757-3 Table 3)
  std::uint8_t access_number = 0;
  std::uint8_t status = 0;       ///< EN 13757-3 Table 6
  std::uint16_t signature = 0;   ///< configuration word (security mode bits)
};

/// The user data of a long frame split into its parts.
struct VariableData {
  Header header{};
  std::span<const std::uint8_t> records{};  ///< data records (variable data structure)
  bool fixed = false;                       ///< CI 0x73/0x77 fixed data structure
  bool msb_first = false;                   ///< CI 0x76/0x77 (mode 2)
};

/// Three letters of a manufacturer code ("KAM"); writes 3 chars into `out`.
void manufacturer_letters(std::uint16_t code, std::span<char, 3> out) noexcept;
/// Device type name ("Water", "Heat: Outlet", ...) of a medium byte.
std::string_view medium_name(std::uint8_t medium) noexcept;
/// A short English name of a quantity ("Energy", "Volume flow").
std::string_view quantity_name(Quantity q) noexcept;

/// Splits the user data behind a CI field. CI 0x72/0x76 (long header), 0x7A (short),
/// 0x78/0x79 (none), 0x73/0x77 (fixed data structure). CI 0x70 (application error,
/// EN 13757-3 §6.5) fails with `rejected` whose message names the error code.
/// Errors: incomplete (header cut short), unsupported (other CI), rejected.
Result<VariableData> parse_user_data(std::uint8_t ci, std::span<const std::uint8_t> user_data) noexcept;

/// Iterates over the data records of a variable data structure without allocating.
class RecordReader {
 public:
  explicit RecordReader(std::span<const std::uint8_t> records, bool msb_first = false) noexcept
      : data_(records), msb_first_(msb_first) {}
  /// Decodes the next record into `out`; false when the data ends (idle fillers 0x2F
  /// are skipped). Errors: incomplete (record cut short), limit_exceeded (more than 10
  /// DIFE/VIFE, EN 13757-3 §6.3.3 / §6.4.2), unsupported (reserved DIF/LVAR codes).
  Result<bool> next(Record& out) noexcept;
  std::size_t position() const noexcept { return pos_; }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  bool msb_first_ = false;
  bool done_ = false;
};

/// One counter of the fixed data structure (EN 13757-3:2004 Annex, CI 0x73).
struct FixedCounter {
  Decimal value{};
  Unit unit = Unit::none;
  Quantity quantity = Quantity::other;
  std::uint8_t unit_code = 0;  ///< 6-bit unit code as sent
  bool stored = false;          ///< status bit 6: historic value
};
/// The two counters of a fixed data structure. `records` of VariableData holds
/// the 12 bytes after the CI (ID, access, status, medium/unit x2, counters).
struct FixedData {
  std::uint32_t id = 0;  ///< as in Header::id
  std::uint8_t access_number = 0, status = 0, medium = 0;
  FixedCounter counter[2]{};
};
/// Decodes the fixed data structure. Errors: incomplete, malformed (bad BCD).
Result<FixedData> decode_fixed(std::span<const std::uint8_t> user_data) noexcept;

/// Decodes a BCD field of `n` bytes (LSB first). Annex B: 'F' in the most
/// significant nibble is a minus sign; other nibbles A-F give nullopt (error).
std::optional<std::int64_t> decode_bcd(std::span<const std::uint8_t> bytes) noexcept;
/// Decodes a date/time field by size: 2 bytes type G, 3 type J, 4 type F, 6 type I.
Result<DateTime> decode_date_time(std::span<const std::uint8_t> bytes, bool date_only) noexcept;

}  // namespace joule::meter::mbus
