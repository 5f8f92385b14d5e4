// Wired M-Bus link layer (EN 13757-2) and application layer (EN 13757-3).
// Freestanding: no heap; records are decoded in place from the caller's bytes.
#include "joule/meter/mbus.hpp"

#include <algorithm>
#include <limits>

#include "joule/core/crc.hpp"

namespace joule::meter::mbus {
namespace {

constexpr std::uint8_t kStartLong = 0x68;
constexpr std::uint8_t kStartShort = 0x10;
constexpr std::uint8_t kAck = 0xE5;
constexpr std::uint8_t kStop = 0x16;

}  // namespace

// EN 13757-2 §5.2: single character E5; short frame 10 C A CS 16; control/long
// frame 68 L L 68 C A CI ... CS 16 with L counting C..last data byte.
Result<std::size_t> frame_length(std::span<const std::uint8_t> b) noexcept {
  if (b.empty()) return fail(Errc::incomplete, "no bytes", Where::byte(0));
  switch (b[0]) {
    case kAck: return std::size_t{1};
    case kStartShort: return std::size_t{5};
    case kStartLong: {
      if (b.size() < 4) return fail(Errc::incomplete, "long frame header needs 4 bytes", Where::byte(b.size()));
      if (b[1] != b[2]) return fail(Errc::malformed, "M-Bus L fields differ (EN 13757-2 5.2)", Where::byte(2));
      if (b[3] != kStartLong) return fail(Errc::malformed, "M-Bus second start byte is not 0x68", Where::byte(3));
      if (b[1] < 3) return fail(Errc::malformed, "M-Bus L field below 3", Where::byte(1));
      return std::size_t{b[1]} + 6U;
    }
    default: return fail(Errc::malformed, "not an M-Bus start byte (E5, 10, 68)", Where::byte(0));
  }
}

Result<Frame> parse_frame(std::span<const std::uint8_t> b) noexcept {
  JOULE_TRY(const std::size_t n, frame_length(b));
  if (b.size() < n) return fail(Errc::incomplete, "M-Bus frame cut short", Where::byte(b.size()));
  if (b.size() > n) return fail(Errc::malformed, "bytes after the M-Bus stop byte", Where::byte(n));
  Frame f;
  f.size = n;
  if (n == 1) {
    f.type = FrameType::ack;
    return f;
  }
  if (b[n - 1] != kStop) return fail(Errc::malformed, "M-Bus stop byte is not 0x16", Where::byte(n - 1));
  if (b[0] == kStartShort) {
    if (mbus_checksum(b.subspan(1, 2)) != b[3]) return fail(Errc::checksum_mismatch, "M-Bus short frame checksum", Where::byte(3));
    f.type = FrameType::short_;
    f.control = b[1];
    f.address = b[2];
    return f;
  }
  // Checksum over C, A, CI and data (EN 13757-2 §5.3).
  if (mbus_checksum(b.subspan(4, n - 6)) != b[n - 2])
    return fail(Errc::checksum_mismatch, "M-Bus long frame checksum", Where::byte(n - 2));
  f.type = b[1] == 3 ? FrameType::control : FrameType::long_;
  f.control = b[4];
  f.address = b[5];
  f.ci = b[6];
  f.user_data = b.subspan(7, n - 9);
  return f;
}

bool Splitter::examine(FeedResult& r) noexcept {
  if (len_ == 0) return false;
  auto len = frame_length(std::span<const std::uint8_t>(buf_.data(), len_));
  if (!len) {
    if (len.error().code == Errc::incomplete) return false;
    r.status = FeedStatus::dropped;
    r.error = len.error();
    resync();
    return true;
  }
  if (*len > buf_.size()) {
    r.status = FeedStatus::dropped;
    r.error = Error(Errc::buffer_too_small, "M-Bus frame longer than the splitter buffer");
    resync();
    return true;
  }
  if (len_ < *len) return false;
  auto f = parse_frame(std::span<const std::uint8_t>(buf_.data(), *len));
  if (!f) {
    r.status = FeedStatus::dropped;
    r.error = f.error();
    resync();
    return true;
  }
  r.status = FeedStatus::frame;
  r.frame = std::span<const std::uint8_t>(buf_.data(), *len);
  pending_ = true;
  return true;
}

// Drops the first byte of a bad frame and everything up to the next start byte.
void Splitter::resync() noexcept {
  std::size_t k = 1;
  while (k < len_ && buf_[k] != kAck && buf_[k] != kStartShort && buf_[k] != kStartLong) ++k;
  std::copy(buf_.begin() + static_cast<std::ptrdiff_t>(k), buf_.begin() + static_cast<std::ptrdiff_t>(len_), buf_.begin());
  len_ -= k;
}

FeedResult Splitter::feed(std::span<const std::uint8_t> input) noexcept {
  FeedResult r;
  if (pending_) {
    pending_ = false;
    len_ = 0;
  }
  // Bytes kept after a resynchronisation may already hold a frame.
  if (examine(r)) return r;
  std::size_t i = 0;
  while (i < input.size()) {
    if (len_ == 0) {
      const std::uint8_t b = input[i];
      if (b != kAck && b != kStartShort && b != kStartLong) {
        ++i;
        ++r.skipped;
        continue;
      }
    }
    // Copy as many bytes as the frame still needs (at least one).
    std::size_t want = 1;
    if (len_ >= 4 || (len_ >= 1 && buf_[0] != kStartLong)) {
      auto len = frame_length(std::span<const std::uint8_t>(buf_.data(), len_));
      if (len && *len > len_) want = *len - len_;
    } else if (len_ > 0) {
      want = 4 - len_;
    }
    want = std::min({want, input.size() - i, buf_.size() - len_});
    if (want == 0) {  // buffer full without a frame
      r.status = FeedStatus::dropped;
      r.error = Error(Errc::buffer_too_small, "M-Bus splitter buffer full");
      len_ = 0;
      r.consumed = i;
      return r;
    }
    std::copy_n(input.begin() + static_cast<std::ptrdiff_t>(i), want, buf_.begin() + static_cast<std::ptrdiff_t>(len_));
    len_ += want;
    i += want;
    if (examine(r)) {
      r.consumed = i;
      return r;
    }
  }
  r.consumed = i;
  return r;
}

}  // namespace joule::meter::mbus

namespace joule::meter::mbus {
namespace {

// Meaning of a VIF code: quantity, unit, decimal exponent and a time factor that
// turns minutes/hours/days into seconds (values are normalised to one unit).
struct VifInfo {
  Quantity quantity = Quantity::other;
  Unit unit = Unit::none;
  int exponent = 0;
  std::uint32_t factor = 1;
  bool date = false;       // type G
  bool date_time = false;  // types F, I, J
  bool known = true;
};

constexpr std::uint32_t kTimeFactor[4] = {1, 60, 3600, 86400};

// Primary VIF table, EN 13757-3:2018 Table 10 (code without extension bit).
constexpr VifInfo primary_vif(std::uint8_t c) noexcept {
  const int n3 = c & 0x07, n2 = c & 0x03;
  if (c <= 0x07) return {Quantity::energy, Unit::watt_hour, n3 - 3};
  if (c <= 0x0F) return {Quantity::energy, Unit::joule, n3};
  if (c <= 0x17) return {Quantity::volume, Unit::cubic_metre, n3 - 6};
  if (c <= 0x1F) return {Quantity::mass, Unit::kilogram, n3 - 3};
  if (c <= 0x23) return {Quantity::on_time, Unit::second, 0, kTimeFactor[n2]};
  if (c <= 0x27) return {Quantity::operating_time, Unit::second, 0, kTimeFactor[n2]};
  if (c <= 0x2F) return {Quantity::power, Unit::watt, n3 - 3};
  if (c <= 0x37) return {Quantity::power, Unit::joule_per_hour, n3};
  if (c <= 0x3F) return {Quantity::volume_flow, Unit::cubic_metre_per_hour, n3 - 6};
  if (c <= 0x47) return {Quantity::volume_flow, Unit::cubic_metre_per_hour, n3 - 7, 60};   // m3/min
  if (c <= 0x4F) return {Quantity::volume_flow, Unit::cubic_metre_per_hour, n3 - 9, 3600}; // m3/s
  if (c <= 0x57) return {Quantity::mass_flow, Unit::other, n3 - 3};  // kg/h
  if (c <= 0x5B) return {Quantity::flow_temperature, Unit::degree_celsius, n2 - 3};
  if (c <= 0x5F) return {Quantity::return_temperature, Unit::degree_celsius, n2 - 3};
  if (c <= 0x63) return {Quantity::temperature_difference, Unit::kelvin, n2 - 3};
  if (c <= 0x67) return {Quantity::external_temperature, Unit::degree_celsius, n2 - 3};
  if (c <= 0x6B) return {Quantity::pressure, Unit::bar, n2 - 3};
  if (c == 0x6C) return {Quantity::date, Unit::none, 0, 1, true, false};
  if (c == 0x6D) return {Quantity::date_time, Unit::none, 0, 1, false, true};
  if (c == 0x6E) return {Quantity::hca_units, Unit::none};
  if (c == 0x6F) return {Quantity::reserved, Unit::none};
  if (c <= 0x73) return {Quantity::averaging_duration, Unit::second, 0, kTimeFactor[n2]};
  if (c <= 0x77) return {Quantity::actuality_duration, Unit::second, 0, kTimeFactor[n2]};
  if (c == 0x78) return {Quantity::fabrication_number, Unit::none};
  if (c == 0x79) return {Quantity::enhanced_identification, Unit::none};
  if (c == 0x7A) return {Quantity::bus_address, Unit::none};
  if (c == 0x7E) return {Quantity::other, Unit::none};  // any VIF (readout selection)
  return {Quantity::manufacturer_specific, Unit::none};
}

// The primary table as a lookup array: meters mix VIFs record by record, and a chain of
// comparisons mispredicts on nearly every record.
constexpr std::array<VifInfo, 128> kPrimaryVif = [] {
  std::array<VifInfo, 128> t{};
  for (unsigned c = 0; c < 128; ++c) t[c] = primary_vif(static_cast<std::uint8_t>(c));
  return t;
}();

// First extension table, VIF 0xFD: EN 13757-3:2018 Table 14.
constexpr VifInfo fd_vif(std::uint8_t c) noexcept {
  const int n2 = c & 0x03;
  if (c <= 0x03) return {Quantity::credit, Unit::currency, n2 - 3};
  if (c <= 0x07) return {Quantity::debit, Unit::currency, n2 - 3};
  if (c >= 0x24 && c <= 0x27) return {Quantity::storage_interval, Unit::second, 0, kTimeFactor[n2]};
  if (c >= 0x2C && c <= 0x2F) return {Quantity::duration_since_readout, Unit::second, 0, kTimeFactor[n2]};
  if (c == 0x30) return {Quantity::tariff_start, Unit::none, 0, 1, false, true};
  if (c >= 0x31 && c <= 0x33) return {Quantity::tariff_duration, Unit::second, 0, kTimeFactor[n2]};
  if (c >= 0x34 && c <= 0x37) return {Quantity::tariff_period, Unit::second, 0, kTimeFactor[n2]};
  if (c >= 0x40 && c <= 0x4F) return {Quantity::voltage, Unit::volt, (c & 0x0F) - 9};
  if (c >= 0x50 && c <= 0x5F) return {Quantity::current, Unit::ampere, (c & 0x0F) - 12};
  if (c >= 0x68 && c <= 0x6B) {
    constexpr Unit u[4] = {Unit::second, Unit::second, Unit::month, Unit::year};
    constexpr std::uint32_t f[4] = {3600, 86400, 1, 1};
    return {Quantity::cumulation_counter, u[n2], 0, f[n2]};
  }
  if (c >= 0x6C && c <= 0x6F) {
    constexpr Unit u[4] = {Unit::second, Unit::second, Unit::month, Unit::year};
    constexpr std::uint32_t f[4] = {3600, 86400, 1, 1};
    return {Quantity::battery_operating_time, u[n2], 0, f[n2]};
  }
  switch (c) {
    case 0x08: return {Quantity::access_number};
    case 0x09: return {Quantity::medium};
    case 0x0A: return {Quantity::manufacturer};
    case 0x0B: return {Quantity::parameter_set_id};
    case 0x0C: return {Quantity::model_version};
    case 0x0D: return {Quantity::hardware_version};
    case 0x0E: return {Quantity::firmware_version};
    case 0x0F: return {Quantity::software_version};
    case 0x10: return {Quantity::customer_location};
    case 0x11: return {Quantity::customer};
    case 0x12: case 0x13: case 0x14: case 0x15: return {Quantity::access_code};
    case 0x16: return {Quantity::password};
    case 0x17: return {Quantity::error_flags};
    case 0x18: return {Quantity::error_mask};
    case 0x19: return {Quantity::security_key};
    case 0x1A: return {Quantity::digital_output};
    case 0x1B: return {Quantity::digital_input};
    case 0x1C: return {Quantity::baud_rate};
    case 0x1D: return {Quantity::response_delay};
    case 0x1E: return {Quantity::retry};
    case 0x1F: return {Quantity::remote_control};
    case 0x20: case 0x21: case 0x22: return {Quantity::size_of_storage};
    case 0x23: return {Quantity::other};  // descriptor for tariff and subunit
    case 0x28: return {Quantity::storage_interval, Unit::month};
    case 0x29: return {Quantity::storage_interval, Unit::year};
    case 0x2A: return {Quantity::operator_specific};
    case 0x2B: return {Quantity::other, Unit::second};  // time point second
    case 0x38: return {Quantity::tariff_period, Unit::month};
    case 0x39: return {Quantity::tariff_period, Unit::year};
    case 0x3A: return {Quantity::dimensionless};
    case 0x60: return {Quantity::reset_counter};
    case 0x61: return {Quantity::cumulation_counter};
    case 0x62: return {Quantity::control_signal};
    case 0x63: return {Quantity::day_of_week};
    case 0x64: return {Quantity::week_number};
    case 0x65: return {Quantity::day_change};
    case 0x66: return {Quantity::other};  // state of parameter activation
    case 0x67: return {Quantity::special_supplier_info};
    case 0x70: return {Quantity::battery_change_date, Unit::none, 0, 1, false, true};
    case 0x71: return {Quantity::rf_level, Unit::dbm};
    case 0x74: return {Quantity::remaining_battery_days, Unit::second, 0, 86400};
    case 0x75: return {Quantity::stop_count};
    default: break;
  }
  VifInfo r{Quantity::reserved};
  r.known = false;
  return r;
}

// Second extension table, VIF 0xFB: EN 13757-3:2018 Table 13.
constexpr VifInfo fb_vif(std::uint8_t c) noexcept {
  const int n1 = c & 0x01, n2 = c & 0x03, n3 = c & 0x07;
  if (c <= 0x01) return {Quantity::energy, Unit::watt_hour, n1 + 5};   // 10^(n-1) MWh
  if (c <= 0x03) return {Quantity::reactive_energy, Unit::var_hour, n1 + 3};
  if (c >= 0x08 && c <= 0x09) return {Quantity::energy, Unit::joule, n1 + 8};  // 10^(n-1) GJ
  if (c >= 0x0C && c <= 0x0F) return {Quantity::energy, Unit::joule, n2 + 5};  // MCal? keep J-order per table
  if (c >= 0x10 && c <= 0x11) return {Quantity::volume, Unit::cubic_metre, n1 + 2};
  if (c >= 0x14 && c <= 0x17) return {Quantity::reactive_power, Unit::var, n2};
  if (c >= 0x18 && c <= 0x19) return {Quantity::mass, Unit::kilogram, n1 + 5};  // 10^(n+2) t
  if (c >= 0x1A && c <= 0x1B) return {Quantity::relative_humidity, Unit::percent, n1 - 1};
  if (c >= 0x28 && c <= 0x29) return {Quantity::power, Unit::watt, n1 + 5};  // 10^(n-1) MW
  if (c == 0x2A) return {Quantity::phase_angle, Unit::degree, -1};
  if (c == 0x2B) return {Quantity::phase_angle, Unit::degree, -1};
  if (c >= 0x2C && c <= 0x2F) return {Quantity::frequency, Unit::hertz, n2 - 3};
  if (c >= 0x30 && c <= 0x31) return {Quantity::power, Unit::joule_per_hour, n1 + 8};  // GJ/h
  if (c >= 0x34 && c <= 0x37) return {Quantity::apparent_power, Unit::volt_ampere, n2};
  if (c >= 0x74 && c <= 0x77) return {Quantity::temperature_limit, Unit::degree_celsius, n2 - 3};
  if (c >= 0x78) return {Quantity::max_power_count, Unit::watt, n3 - 3};
  VifInfo r{Quantity::reserved};
  r.known = false;
  return r;
}

constexpr std::array<VifInfo, 128> kFdVif = [] {
  std::array<VifInfo, 128> t{};
  for (unsigned c = 0; c < 128; ++c) t[c] = fd_vif(static_cast<std::uint8_t>(c));
  return t;
}();
constexpr std::array<VifInfo, 128> kFbVif = [] {
  std::array<VifInfo, 128> t{};
  for (unsigned c = 0; c < 128; ++c) t[c] = fb_vif(static_cast<std::uint8_t>(c));
  return t;
}();

bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  return !__builtin_mul_overflow(a, b, &out);
}

std::int64_t read_int(std::span<const std::uint8_t> d, bool msb_first) noexcept {
  // Type B: signed binary integer, LSB first (EN 13757-3 Annex A).
  std::uint64_t u = 0;
  const std::size_t n = d.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t b = msb_first ? d[i] : d[n - 1 - i];
    u = (u << 8) | b;
  }
  if (n < 8 && (u >> (8 * n - 1)) & 1U) u |= ~std::uint64_t{0} << (8 * n);
  return static_cast<std::int64_t>(u);
}

std::size_t coding_size(DataCoding c) noexcept {
  constexpr std::uint8_t k[16] = {0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, 0, 6, 0};
  return k[static_cast<std::uint8_t>(c)];
}

}  // namespace

std::optional<std::int64_t> decode_bcd(std::span<const std::uint8_t> d) noexcept {
  if (d.empty() || d.size() > 9) return std::nullopt;
  std::int64_t v = 0;
  bool negative = false;
  for (std::size_t i = d.size(); i-- > 0;) {
    const std::uint8_t hi = d[i] >> 4, lo = d[i] & 0x0F;
    if (i == d.size() - 1 && hi == 0x0F) negative = true;  // Annex B: F in the MSD is '-'
    else if (hi > 9) return std::nullopt;
    else v = v * 10 + hi;
    if (lo > 9) return std::nullopt;
    v = v * 10 + lo;
  }
  return negative ? -v : v;
}

// Annex A: type G (date, 2 bytes), J (time, 3 bytes), F (date+time, 4 bytes),
// I (date+time with seconds, 6 bytes).
Result<DateTime> decode_date_time(std::span<const std::uint8_t> b, bool date_only) noexcept {
  DateTime t;
  auto date_at = [&](std::uint8_t lo, std::uint8_t hi) {
    t.has_date = true;
    t.day = lo & 0x1F;
    t.month = hi & 0x0F;
    const unsigned y = ((lo & 0xE0U) >> 5) | ((hi & 0xF0U) >> 1);
    // EN 13757-3 Annex A: years 0..80 are 2000..2080, 81..99 are 1981..1999; 127 = every year.
    t.year = static_cast<std::uint16_t>(y <= 80 ? 2000 + y : 1900 + y);
  };
  switch (b.size()) {
    case 2:
      date_at(b[0], b[1]);
      return t;
    case 3:
      if (date_only) break;
      t.has_time = true;
      t.second = b[0] & 0x3F;
      t.minute = b[1] & 0x3F;
      t.hour = b[2] & 0x1F;
      return t;
    case 4:
      if (date_only) break;
      t.has_time = true;
      t.minute = b[0] & 0x3F;
      t.valid = (b[0] & 0x80) == 0;
      t.hour = b[1] & 0x1F;
      t.summer_time = (b[1] & 0x80) != 0;
      date_at(b[2], b[3]);
      return t;
    case 6:
      if (date_only) break;
      t.has_time = true;
      t.second = b[0] & 0x3F;
      t.summer_time = (b[0] & 0x40) != 0;
      t.minute = b[1] & 0x3F;
      t.valid = (b[1] & 0x80) == 0;
      t.hour = b[2] & 0x1F;
      date_at(b[3], b[4]);
      return t;
    default: break;
  }
  return fail(Errc::unsupported, "date/time field size not of type F, G, I or J");
}

void manufacturer_letters(std::uint16_t code, std::span<char, 3> out) noexcept {
  // EN 13757-3 §6.2.3: three letters, 5 bits each, 'A' = 1.
  out[0] = static_cast<char>(((code >> 10) & 0x1F) + 64);
  out[1] = static_cast<char>(((code >> 5) & 0x1F) + 64);
  out[2] = static_cast<char>((code & 0x1F) + 64);
}

std::string_view medium_name(std::uint8_t m) noexcept {
  // EN 13757-3:2018 Table 3 / EN 13757-7 device types.
  switch (m) {
    case 0x00: return "Other";
    case 0x01: return "Oil";
    case 0x02: return "Electricity";
    case 0x03: return "Gas";
    case 0x04: return "Heat: Outlet";
    case 0x05: return "Steam";
    case 0x06: return "Warm water (30-90 C)";
    case 0x07: return "Water";
    case 0x08: return "Heat Cost Allocator";
    case 0x09: return "Compressed Air";
    case 0x0A: return "Cooling load meter: Outlet";
    case 0x0B: return "Cooling load meter: Inlet";
    case 0x0C: return "Heat: Inlet";
    case 0x0D: return "Heat / Cooling load meter";
    case 0x0E: return "Bus/System";
    case 0x0F: return "Unknown";
    case 0x10: return "Irrigation water";
    case 0x11: return "Water data logger";
    case 0x12: return "Gas data logger";
    case 0x13: return "Gas converter";
    case 0x14: return "Calorific value";
    case 0x15: return "Hot water (>=90 C)";
    case 0x16: return "Cold water";
    case 0x17: return "Dual water";
    case 0x18: return "Pressure";
    case 0x19: return "A/D Converter";
    case 0x1A: return "Smoke detector";
    case 0x1B: return "Room sensor";
    case 0x1C: return "Gas detector";
    case 0x20: return "Breaker (electricity)";
    case 0x21: return "Valve (gas or water)";
    case 0x25: return "Customer unit (display device)";
    case 0x28: return "Waste water";
    case 0x29: return "Garbage";
    case 0x31: return "Communication controller";
    case 0x32: return "Unidirectional repeater";
    case 0x33: return "Bidirectional repeater";
    case 0x36: return "Radio converter (system side)";
    case 0x37: return "Radio converter (meter side)";
    default: return "Reserved";
  }
}

std::string_view quantity_name(Quantity q) noexcept {
  switch (q) {
    case Quantity::energy: return "Energy";
    case Quantity::volume: return "Volume";
    case Quantity::mass: return "Mass";
    case Quantity::on_time: return "On time";
    case Quantity::operating_time: return "Operating time";
    case Quantity::power: return "Power";
    case Quantity::volume_flow: return "Volume flow";
    case Quantity::mass_flow: return "Mass flow";
    case Quantity::flow_temperature: return "Flow temperature";
    case Quantity::return_temperature: return "Return temperature";
    case Quantity::temperature_difference: return "Temperature difference";
    case Quantity::external_temperature: return "External temperature";
    case Quantity::pressure: return "Pressure";
    case Quantity::date: return "Time point (date)";
    case Quantity::date_time: return "Time point (date & time)";
    case Quantity::hca_units: return "H.C.A.";
    case Quantity::averaging_duration: return "Averaging Duration";
    case Quantity::actuality_duration: return "Actuality Duration";
    case Quantity::fabrication_number: return "Fabrication No";
    case Quantity::enhanced_identification: return "(Enhanced) Identification";
    case Quantity::bus_address: return "Bus Address";
    case Quantity::credit: return "Credit";
    case Quantity::debit: return "Debit";
    case Quantity::access_number: return "Access Number";
    case Quantity::medium: return "Medium";
    case Quantity::manufacturer: return "Manufacturer";
    case Quantity::parameter_set_id: return "Parameter set identification";
    case Quantity::model_version: return "Model / Version";
    case Quantity::hardware_version: return "Hardware version";
    case Quantity::firmware_version: return "Firmware version";
    case Quantity::software_version: return "Software version";
    case Quantity::customer_location: return "Customer location";
    case Quantity::customer: return "Customer";
    case Quantity::error_flags: return "Error flags";
    case Quantity::error_mask: return "Error mask";
    case Quantity::digital_output: return "Digital Output";
    case Quantity::digital_input: return "Digital Input";
    case Quantity::baud_rate: return "Baudrate";
    case Quantity::response_delay: return "Response delay time";
    case Quantity::retry: return "Retry";
    case Quantity::storage_interval: return "Storage interval";
    case Quantity::duration_since_readout: return "Duration since last readout";
    case Quantity::tariff_start: return "Start of tariff";
    case Quantity::tariff_duration: return "Duration of tariff";
    case Quantity::tariff_period: return "Period of tariff";
    case Quantity::dimensionless: return "Dimensionless";
    case Quantity::voltage: return "Voltage";
    case Quantity::current: return "Current";
    case Quantity::reset_counter: return "Reset counter";
    case Quantity::cumulation_counter: return "Cumulation counter";
    case Quantity::control_signal: return "Control signal";
    case Quantity::day_of_week: return "Day of week";
    case Quantity::week_number: return "Week number";
    case Quantity::special_supplier_info: return "Special supplier information";
    case Quantity::battery_operating_time: return "Operating time battery";
    case Quantity::battery_change_date: return "Date and time of battery change";
    case Quantity::rf_level: return "RF level";
    case Quantity::remaining_battery_days: return "Remaining battery life time";
    case Quantity::reactive_energy: return "Reactive energy";
    case Quantity::reactive_power: return "Reactive power";
    case Quantity::apparent_power: return "Apparent power";
    case Quantity::relative_humidity: return "Relative humidity";
    case Quantity::frequency: return "Frequency";
    case Quantity::phase_angle: return "Phase angle";
    case Quantity::temperature_limit: return "Temperature limit";
    case Quantity::max_power_count: return "Cumulative count max power";
    case Quantity::plain_text: return "Plain text";
    case Quantity::manufacturer_specific: return "Manufacturer specific";
    case Quantity::reserved: return "Reserved";
    case Quantity::remote_control: return "Remote control";
    case Quantity::size_of_storage: return "Storage";
    case Quantity::operator_specific: return "Operator specific data";
    case Quantity::stop_count: return "Number of times the meter was stopped";
    case Quantity::security_key: return "Security key";
    case Quantity::password: return "Password";
    case Quantity::access_code: return "Access code";
    case Quantity::day_change: return "Time point of day change";
    case Quantity::other: break;
  }
  return "";
}

Result<VariableData> parse_user_data(std::uint8_t ci, std::span<const std::uint8_t> d) noexcept {
  VariableData v;
  auto long_header = [&](bool msb) -> Result<void> {
    if (d.size() < 12) return fail(Errc::incomplete, "M-Bus long header needs 12 bytes (EN 13757-3 6.2)", Where::byte(d.size()));
    v.header.has_address = true;
    v.header.id = msb ? static_cast<std::uint32_t>(d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3])
                      : static_cast<std::uint32_t>(d[0] | d[1] << 8 | d[2] << 16 | static_cast<std::uint32_t>(d[3]) << 24);
    v.header.manufacturer = msb ? static_cast<std::uint16_t>(d[4] << 8 | d[5]) : static_cast<std::uint16_t>(d[4] | d[5] << 8);
    v.header.version = d[6];
    v.header.medium = d[7];
    v.header.access_number = d[8];
    v.header.status = d[9];
    v.header.signature = static_cast<std::uint16_t>(d[10] | d[11] << 8);
    v.records = d.subspan(12);
    return {};
  };
  switch (ci) {
    case 0x72: JOULE_RETURN_IF_ERROR(long_header(false)); return v;
    case 0x76: v.msb_first = true; JOULE_RETURN_IF_ERROR(long_header(true)); return v;
    case 0x7A:
      if (d.size() < 4) return fail(Errc::incomplete, "M-Bus short header needs 4 bytes (EN 13757-3 6.2)", Where::byte(d.size()));
      v.header.access_number = d[0];
      v.header.status = d[1];
      v.header.signature = static_cast<std::uint16_t>(d[2] | d[3] << 8);
      v.records = d.subspan(4);
      return v;
    case 0x78: case 0x79: v.records = d; return v;
    case 0x73: case 0x77:
      if (d.size() < 16) return fail(Errc::incomplete, "M-Bus fixed data structure needs 16 bytes", Where::byte(d.size()));
      v.fixed = true;
      v.msb_first = ci == 0x77;
      v.records = d;
      return v;
    case 0x70:
      // EN 13757-3 §6.5 / Table 20: application errors. Messages per code.
      if (d.empty()) return fail(Errc::rejected, "M-Bus application error: unspecified error");
      switch (d[0]) {
        case 0: return fail(Errc::rejected, "M-Bus application error: unspecified error");
        case 1: return fail(Errc::rejected, "M-Bus application error: unimplemented CI-Field");
        case 2: return fail(Errc::rejected, "M-Bus application error: buffer too long, truncated");
        case 3: return fail(Errc::rejected, "M-Bus application error: too many records");
        case 4: return fail(Errc::rejected, "M-Bus application error: premature end of record");
        case 5: return fail(Errc::rejected, "M-Bus application error: more than 10 DIFEs");
        case 6: return fail(Errc::rejected, "M-Bus application error: more than 10 VIFEs");
        case 7: return fail(Errc::rejected, "M-Bus application error: reserved");
        case 8: return fail(Errc::rejected, "M-Bus application error: application busy");
        case 9: return fail(Errc::rejected, "M-Bus application error: too many readouts");
        default: return fail(Errc::rejected, "M-Bus application error: reserved code");
      }
    default: return fail(Errc::unsupported, "M-Bus CI field not a response with data", Where::byte(0));
  }
}

namespace {
struct FixedUnit { Quantity q; Unit u; int exp; };
// Units of the fixed data structure (EN 1434-3:1997 / EN 13757-3:2004 Annex).
FixedUnit fixed_unit(std::uint8_t c) noexcept {
  if (c >= 0x02 && c <= 0x0A) return {Quantity::energy, Unit::watt_hour, c - 0x02};
  if (c >= 0x0B && c <= 0x13) return {Quantity::energy, Unit::joule, c - 0x0B + 3};
  if (c >= 0x14 && c <= 0x1C) return {Quantity::power, Unit::watt, c - 0x14};
  if (c >= 0x1D && c <= 0x25) return {Quantity::power, Unit::joule_per_hour, c - 0x1D + 3};
  if (c >= 0x26 && c <= 0x2E) return {Quantity::volume, Unit::cubic_metre, c - 0x26 - 6};
  if (c >= 0x2F && c <= 0x37) return {Quantity::volume_flow, Unit::cubic_metre_per_hour, c - 0x2F - 6};
  if (c == 0x38) return {Quantity::flow_temperature, Unit::degree_celsius, -3};
  if (c == 0x39) return {Quantity::hca_units, Unit::none, 0};
  if (c == 0x3E || c == 0x3F) return {Quantity::other, Unit::none, 0};
  return {Quantity::reserved, Unit::none, 0};
}
}  // namespace

Result<FixedData> decode_fixed(std::span<const std::uint8_t> d) noexcept {
  if (d.size() < 16) return fail(Errc::incomplete, "M-Bus fixed data structure needs 16 bytes", Where::byte(d.size()));
  FixedData f;
  f.id = static_cast<std::uint32_t>(d[0] | d[1] << 8 | d[2] << 16 | static_cast<std::uint32_t>(d[3]) << 24);
  f.access_number = d[4];
  f.status = d[5];
  // Medium: two bits in each medium/unit byte (bits 7-6 of both).
  f.medium = static_cast<std::uint8_t>(((d[7] & 0xC0) >> 4) | ((d[6] & 0xC0) >> 6));
  const bool binary = (f.status & 0x80) != 0;  // status bit 7: counters binary, else BCD
  for (int i = 0; i < 2; ++i) {
    const auto bytes = d.subspan(8 + 4 * static_cast<std::size_t>(i), 4);
    std::int64_t raw = 0;
    if (binary) raw = read_int(bytes, false);
    else {
      auto b = decode_bcd(bytes);
      if (!b) return fail(Errc::malformed, "M-Bus fixed counter is not BCD", Where::byte(8 + 4 * static_cast<std::size_t>(i)));
      raw = *b;
    }
    const std::uint8_t uc = d[6 + static_cast<std::size_t>(i)] & 0x3F;
    const FixedUnit fu = fixed_unit(uc);
    f.counter[i].unit_code = uc;
    f.counter[i].unit = fu.u;
    f.counter[i].quantity = fu.q;
    f.counter[i].value = Decimal(raw, fu.exp);
    f.counter[i].stored = (f.status & 0x40) != 0;
  }
  return f;
}

Result<bool> RecordReader::next(Record& r) noexcept {
  const std::size_t n = data_.size();
  // Idle fillers (EN 13757-3 §6.3.1: DIF 0x2F) between or after records.
  while (!done_ && pos_ < n && data_[pos_] == 0x2F) ++pos_;
  if (done_ || pos_ >= n) return false;
  // Reset every field but the large text buffers (written before they are read).
  r.dif = 0; r.coding = DataCoding::none; r.function = Function::instantaneous;
  r.storage = 0; r.tariff = 0; r.subunit = 0; r.dife_count = 0; r.vif = 0;
  r.table = VifTable::primary; r.code = 0; r.vife_count = 0; r.quantity = Quantity::other;
  r.unit = Unit::none; r.plain_unit = {}; r.kind = RecordKind::none; r.value = Decimal{};
  r.real = 0.0; r.raw = {};
  r.date_time.year = 0; r.date_time.month = r.date_time.day = r.date_time.hour = r.date_time.minute = r.date_time.second = 0;
  r.date_time.has_date = r.date_time.has_time = r.date_time.summer_time = false; r.date_time.valid = true; r.text_len = 0; r.manufacturer_data = false;
  r.more_records_follow = false; r.binary_number = false; r.additive_offset = false; r.offset = Decimal{};
  r.offset_in_data = pos_;
  const std::size_t start = pos_;
  const std::uint8_t dif = data_[pos_++];
  r.dif = dif;
  if (dif == 0x0F || dif == 0x1F) {
    // Manufacturer-specific data to the end of the telegram; 0x1F also announces
    // that more records follow in the next telegram (EN 13757-3 §6.3.1, Table 4).
    r.manufacturer_data = true;
    r.more_records_follow = dif == 0x1F;
    r.quantity = Quantity::manufacturer_specific;
    r.coding = DataCoding::special;
    r.raw = data_.subspan(pos_);
    r.kind = RecordKind::bytes;
    pos_ = n;
    done_ = true;
    return true;
  }
  if ((dif & 0x0F) == 0x0F) {
    if (dif == 0x7F) {  // global readout request: no VIB, no data
      r.coding = DataCoding::none;
      r.kind = RecordKind::none;
      return true;
    }
    return fail(Errc::unsupported, "M-Bus reserved special DIF (EN 13757-3 Table 4)", Where::byte(start));
  }
  r.coding = static_cast<DataCoding>(dif & 0x0F);
  r.function = static_cast<Function>((dif >> 4) & 0x03);
  r.storage = (dif >> 6) & 0x01;
  // DIFE chain (§6.3.3): storage bits 0-3, tariff bits 4-5, subunit bit 6; at most 10.
  bool ext = (dif & 0x80) != 0;
  while (ext) {
    if (pos_ >= n) return fail(Errc::incomplete, "M-Bus record ends inside its DIFEs", Where::byte(pos_));
    if (r.dife_count == 10) return fail(Errc::limit_exceeded, "more than 10 DIFEs (EN 13757-3 6.3.3)", Where::byte(pos_));
    const std::uint8_t e = data_[pos_++];
    const unsigned i = r.dife_count++;
    r.storage |= static_cast<std::uint64_t>(e & 0x0F) << (1 + 4 * i);
    r.tariff |= static_cast<std::uint32_t>((e >> 4) & 0x03) << (2 * i);
    r.subunit = static_cast<std::uint16_t>(r.subunit | (((e >> 6) & 0x01U) << i));
    ext = (e & 0x80) != 0;
  }
  // VIB (§6.4).
  if (pos_ >= n) return fail(Errc::incomplete, "M-Bus record ends before its VIF", Where::byte(pos_));
  const std::uint8_t vif = data_[pos_++];
  r.vif = vif;
  ext = (vif & 0x80) != 0;
  // `info` points into a constant table: copying a small struct built byte by byte
  // stalls store forwarding on every record.
  static constexpr VifInfo kPlainText{Quantity::plain_text};
  static constexpr VifInfo kManufacturerVif{Quantity::manufacturer_specific};
  const VifInfo* info = nullptr;
  std::uint8_t base = vif & 0x7F;
  if (vif == 0xFD || vif == 0xFB) {
    if (pos_ >= n) return fail(Errc::incomplete, "M-Bus record ends before its extension VIF", Where::byte(pos_));
    const std::uint8_t c = data_[pos_++];
    r.table = vif == 0xFD ? VifTable::fd : VifTable::fb;
    r.code = c & 0x7F;
    info = vif == 0xFD ? &kFdVif[r.code] : &kFbVif[r.code];
    ext = (c & 0x80) != 0;
  } else {
    r.code = base;
    if (base == 0x7C) {
      r.table = VifTable::plain_text;
      info = &kPlainText;
    } else if (base == 0x7E) {
      r.table = VifTable::any;
      info = &kPrimaryVif[base];
    } else if (base == 0x7F) {
      r.table = VifTable::manufacturer;
      info = &kManufacturerVif;
    } else {
      info = &kPrimaryVif[base];
    }
  }
  // Plain-text VIF: a length byte and ASCII sent last-character-first right after
  // the VIF, before any VIFE (EN 13757-3 §6.4.3; as meters send it).
  if (r.table == VifTable::plain_text) {
    if (pos_ >= n) return fail(Errc::incomplete, "M-Bus plain-text VIF ends before its length", Where::byte(pos_));
    const std::uint8_t len = data_[pos_++];
    if (len > r.plain_unit_buf.size()) return fail(Errc::malformed, "M-Bus plain-text VIF longer than 16 characters", Where::byte(pos_ - 1));
    if (pos_ + len > n) return fail(Errc::incomplete, "M-Bus plain-text VIF cut short", Where::byte(n));
    for (std::size_t i = 0; i < len; ++i) r.plain_unit_buf[i] = static_cast<char>(data_[pos_ + len - 1 - i]);
    r.plain_unit = std::string_view(r.plain_unit_buf.data(), len);
    pos_ += len;
  }
  r.quantity = info->quantity;
  r.unit = info->unit;
  int exponent = info->exponent;
  bool manufacturer_vife = false;
  while (ext) {
    if (pos_ >= n) return fail(Errc::incomplete, "M-Bus record ends inside its VIFEs", Where::byte(pos_));
    if (r.vife_count == 10) return fail(Errc::limit_exceeded, "more than 10 VIFEs (EN 13757-3 6.4.2)", Where::byte(pos_));
    const std::uint8_t e = data_[pos_++];
    r.vife[r.vife_count++] = e;
    ext = (e & 0x80) != 0;
    if (manufacturer_vife) continue;
    const std::uint8_t c = e & 0x7F;
    // Combinable (orthogonal) VIFEs, EN 13757-3:2018 Table 15.
    if (c >= 0x70 && c <= 0x77) exponent += (c & 0x07) - 6;     // multiplicative 10^(nnn-6)
    else if (c == 0x7D) exponent += 3;                           // multiplicative 10^3
    else if (c >= 0x78 && c <= 0x7B) {                           // additive 10^(nn-3) of the unit
      r.additive_offset = true;
      r.offset = Decimal(1, (c & 0x03) - 3);
    } else if (c == 0x7F) manufacturer_vife = true;              // rest is manufacturer specific
  }
  // Data field.
  std::size_t size = coding_size(r.coding);
  std::uint8_t lvar = 0;
  if (r.coding == DataCoding::variable) {
    if (pos_ >= n) return fail(Errc::incomplete, "M-Bus variable-length record ends before LVAR", Where::byte(pos_));
    lvar = data_[pos_++];
    // LVAR (EN 13757-3 Table 7): 00-BF text; C0-C9/D0-D9 +/- BCD of 2n digits;
    // E0-EF binary of n bytes; F0-F4 binary of 4(n-0xEC) bytes; F5 6, F6 8 bytes.
    if (lvar <= 0xBF) size = lvar;
    else if (lvar >= 0xC0 && lvar <= 0xC9) size = lvar - 0xC0U;
    else if (lvar >= 0xD0 && lvar <= 0xD9) size = lvar - 0xD0U;
    else if (lvar >= 0xE0 && lvar <= 0xEF) size = lvar - 0xE0U;
    else if (lvar >= 0xF0 && lvar <= 0xF4) size = 4U * (lvar - 0xECU);
    else if (lvar == 0xF5) size = 6;
    else if (lvar == 0xF6) size = 8;
    else return fail(Errc::unsupported, "M-Bus reserved LVAR code (EN 13757-3 Table 7)", Where::byte(pos_ - 1));
  }
  if (r.coding == DataCoding::special) size = n - pos_;
  if (pos_ + size > n) return fail(Errc::incomplete, "M-Bus record data cut short", Where::byte(n));
  const auto raw = data_.subspan(pos_, size);
  pos_ += size;
  r.raw = raw;

  auto set_number = [&](std::int64_t v) -> Result<void> {
    std::int64_t scaled = v;
    if (info->factor != 1 && !checked_mul(v, info->factor, scaled))
      return fail(Errc::out_of_range, "M-Bus duration overflows seconds", Where::byte(start));
    if (exponent > Decimal::kMaxExponent || exponent < -Decimal::kMaxExponent)
      return fail(Errc::out_of_range, "M-Bus VIF exponent beyond range", Where::byte(start));
    r.kind = RecordKind::number;
    r.value = Decimal(scaled, exponent);
    return {};
  };

  switch (r.coding) {
    case DataCoding::none:
    case DataCoding::selection:
      r.kind = RecordKind::none;
      break;
    case DataCoding::int16:
    case DataCoding::int32:
    case DataCoding::int48:
    case DataCoding::int24:
      if ((info->date && r.coding == DataCoding::int16) ||
          (info->date_time && (r.coding == DataCoding::int32 || r.coding == DataCoding::int48 || r.coding == DataCoding::int24))) {
        auto t = decode_date_time(raw, info->date);
        if (t) {
          r.kind = RecordKind::date_time;
          r.date_time = *t;
          break;
        }
      }
      [[fallthrough]];
    case DataCoding::int8:
    case DataCoding::int64:
      JOULE_RETURN_IF_ERROR(set_number(read_int(raw, msb_first_)));
      break;
    case DataCoding::real32: {
      std::uint32_t u = 0;
      for (std::size_t i = 0; i < 4; ++i) u |= static_cast<std::uint32_t>(raw[msb_first_ ? 3 - i : i]) << (8 * i);
      double x = static_cast<double>(__builtin_bit_cast(float, u));
      double m = 1.0;
      for (int k = 0; k < (exponent < 0 ? -exponent : exponent); ++k) m *= 10.0;
      x = exponent < 0 ? x / m : x * m;
      r.real = x * static_cast<double>(info->factor);
      r.kind = RecordKind::real;
      break;
    }
    case DataCoding::bcd2:
    case DataCoding::bcd4:
    case DataCoding::bcd6:
    case DataCoding::bcd8:
    case DataCoding::bcd12: {
      auto v = decode_bcd(raw);
      if (!v) r.kind = RecordKind::invalid;  // error nibbles A-E: value not available (Annex B)
      else JOULE_RETURN_IF_ERROR(set_number(*v));
      break;
    }
    case DataCoding::variable:
      if (info->date || info->date_time) {
        // A date/time VIF with a variable-length field is the slot of EN 13757-3:2018
        // Annex A type M (date and time with time zone). Its bit layout is not decoded
        // here, so the bytes are kept as sent rather than shown as text or a number,
        // which would be a wrong date.
        r.kind = RecordKind::bytes;
      } else if (lvar <= 0xBF) {
        // Text is sent last character first.
        r.kind = RecordKind::text;
        for (std::size_t i = 0; i < size; ++i) r.text_buf[i] = static_cast<char>(raw[size - 1 - i]);
        r.text_len = static_cast<std::uint8_t>(size);
      } else if (lvar <= 0xD9) {
        auto v = decode_bcd(raw);
        if (!v || size > 9) r.kind = RecordKind::invalid;
        else JOULE_RETURN_IF_ERROR(set_number(lvar >= 0xD0 ? -*v : *v));
      } else if (size <= 8 && (lvar < 0xE0 || lvar > 0xEF || size > 0)) {
        JOULE_RETURN_IF_ERROR(set_number(read_int(raw, msb_first_)));
      } else {
        r.kind = RecordKind::bytes;
        r.binary_number = true;
      }
      break;
    case DataCoding::special:
      r.kind = RecordKind::bytes;
      break;
  }
  if (r.table == VifTable::manufacturer && r.kind != RecordKind::text) {
    // Manufacturer-specific VIF: the unit is unknown; keep the number as sent.
    r.unit = Unit::none;
  }
  return true;
}

}  // namespace joule::meter::mbus
