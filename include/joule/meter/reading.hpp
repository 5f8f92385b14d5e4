// joule/meter/reading.hpp: what every meter decoder produces.
//
// A decoder turns one frame into a `Telegram`: the protocol, the meter's
// identifier, the telegram's own timestamp and a list of `Reading`s written
// into a caller-provided `VectorRef<Reading>`. A Reading names its quantity
// (an OBIS code for DSMR, IEC 62056-21, SML and DLMS; a record index for wired
// M-Bus `record:N`; a text id for wireless M-Bus driver fields and SunSpec
// `model.point`) and carries an exact value: a `Decimal` with its DLMS unit
// and the unit text as sent, or text/octets as a view into the frame (or a
// scratch buffer the caller handed the decoder). Everything here is plain,
// trivially destructible data: no heap, valid as long as the frame bytes are.
//
// Example:
//   joule::FixedVector<joule::meter::Reading, 64> readings;
//   joule::meter::Telegram t{readings};
//   auto st = joule::meter::dsmr::decode(frame, t);        // Result<void>
//   for (const auto& r : t.readings)
//     if (r.is_number()) use(r.obis, r.number.to_double(), r.unit_text);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "joule/core/civil.hpp"
#include "joule/core/decimal.hpp"
#include "joule/core/fixed_vector.hpp"
#include "joule/core/obis.hpp"
#include "joule/core/units.hpp"

namespace joule::meter {

/// The protocol (and framing variant) a telegram arrived in. The names are
/// those of the test-data schema (`protocol_name`).
enum class Protocol : std::uint8_t {
  unknown = 0,
  dsmr_p1,        ///< "dsmr-p1": DSMR P1 2.2 .. 5.0.2, e-MUCS, plaintext ASCII telegrams
  iec62056_21,    ///< "iec62056-21": IEC 62056-21 (D0) data messages
  sml,            ///< "sml": SML 1.04 transport frames
  dlms_hdlc,      ///< "dlms-hdlc": DLMS/COSEM in HDLC frames (IEC 62056-46)
  dlms_mbus,      ///< "dlms-mbus": DLMS/COSEM in M-Bus long frames
  dlms_raw,       ///< "dlms-raw": DLMS/COSEM wrapper or bare APDU
  dlms_p1_ascii,  ///< "dlms-p1-ascii": DLMS push as hex text
  dlms_apdu,      ///< "dlms-apdu": a bare xDLMS APDU
  dlms_gcm,       ///< "dlms-gcm": general-glo/ded-ciphering APDU (encrypted P1, HAN)
  mbus_wired,     ///< "mbus-wired": EN 13757-2/-3 long frames
  wmbus,          ///< "wmbus": EN 13757-4 / OMS telegrams
  modbus,         ///< "modbus": Modbus RTU/TCP register reads
  sunspec,        ///< "sunspec": SunSpec models over Modbus
};

/// Stable schema name of a protocol ("dsmr-p1"); "unknown" for Protocol::unknown.
constexpr std::string_view protocol_name(Protocol p) noexcept {
  switch (p) {
    case Protocol::unknown: return "unknown";
    case Protocol::dsmr_p1: return "dsmr-p1";
    case Protocol::iec62056_21: return "iec62056-21";
    case Protocol::sml: return "sml";
    case Protocol::dlms_hdlc: return "dlms-hdlc";
    case Protocol::dlms_mbus: return "dlms-mbus";
    case Protocol::dlms_raw: return "dlms-raw";
    case Protocol::dlms_p1_ascii: return "dlms-p1-ascii";
    case Protocol::dlms_apdu: return "dlms-apdu";
    case Protocol::dlms_gcm: return "dlms-gcm";
    case Protocol::mbus_wired: return "mbus-wired";
    case Protocol::wmbus: return "wmbus";
    case Protocol::modbus: return "modbus";
    case Protocol::sunspec: return "sunspec";
  }
  return "unknown";
}

/// A point in time as a meter sends it: civil fields, the DST flag or UTC
/// deviation when the protocol carries one, and UTC seconds when they can be
/// known from what was sent (a deviation or a DST flag of a CET/CEST meter).
struct Timestamp {
  /// Daylight-saving information as sent.
  enum class Dst : std::uint8_t {
    not_sent = 0,  ///< no flag (DSMR 2.2/3.0 gas, IEC 62056-21): local time of unknown offset
    winter,        ///< DSMR "W" (normal time)
    summer,        ///< DSMR "S" (summer time)
  };
  CivilTime civil{};
  Dst dst = Dst::not_sent;
  /// `offset_min` is known: sent as a deviation (DLMS date-time, M-Bus type I) or implied by
  /// the DSMR W/S flag (CET/CEST, DSMR 5.0.2 P1 §6.4: "W" = +01:00, "S" = +02:00).
  bool has_offset = false;
  std::int16_t offset_min = 0;     ///< local = UTC + offset [minutes] (DLMS sends the opposite sign; decoders normalise)
  bool has_utc = false;            ///< `utc_s` is known
  std::int64_t utc_s = 0;          ///< [s since 1970-01-01 UTC]
  std::uint8_t clock_status = 0xFF;  ///< DLMS clock status byte as sent; 0xFF when not sent

  /// UTC offset [s]; 0 when unknown (check has_offset).
  constexpr std::int32_t utc_offset_s() const noexcept { return has_offset ? offset_min * 60 : 0; }
};

/// What kind of identifier a reading has.
enum class IdKind : std::uint8_t {
  obis,    ///< `obis` (DSMR, IEC 62056-21, SML, DLMS)
  record,  ///< `record` index (wired M-Bus "record:N", Modbus register)
  text,    ///< `name` (wM-Bus driver field, SunSpec "model.point")
};

/// What kind of value a reading has.
enum class ValueKind : std::uint8_t {
  none = 0,  ///< empty (e.g. DSMR "()" with no unit) -- `text` is ""
  number,    ///< `number` (+ `unit`, `unit_text`)
  text,      ///< `text`: printable characters as sent ("0002", a message)
  octets,    ///< `text` holds raw bytes (DLMS/SML octet strings, M-Bus manufacturer data)
  time,      ///< `time` is the value (DSMR 0-0:1.0.0, DLMS clock)
  profile,   ///< a profile-generic buffer (DSMR power-failure log, e-MUCS monthly peaks): `count` rows in `raw`
};

/// The M-Bus function field (EN 13757-3 §6.3.2, DIF bits 4-5).
enum class Function : std::uint8_t { instantaneous = 0, maximum = 1, minimum = 2, error = 3 };

/// One data point of a telegram.
struct Reading {
  // --- identity
  IdKind id_kind = IdKind::obis;
  ObisCode obis{};             ///< valid when id_kind == obis
  std::uint32_t record = 0;    ///< valid when id_kind == record
  std::string_view name{};     ///< valid when id_kind == text
  std::uint8_t group = 0;      ///< value-group index on a line with several groups (IEC 62056-21), else 0

  // --- value
  ValueKind kind = ValueKind::none;
  Decimal number{};                   ///< exact value, already scaled (SML raw*10^scaler, DSMR as written)
  Unit unit = Unit::none;             ///< DLMS unit of `number` as written: kWh is watt_hour with `unit_exponent` 3
  std::int8_t unit_exponent = 0;      ///< SI prefix of `unit_text` (kWh -> 3): value in `unit` = number * 10^unit_exponent
  std::string_view unit_text{};       ///< the unit as sent ("kWh", "m3", "*V"-less); empty when none
  std::string_view text{};            ///< text/octets value (kind text/octets); view into the frame or a scratch buffer
  Timestamp time{};                   ///< the value when kind == time
  std::uint32_t count = 0;            ///< rows of a profile buffer (kind == profile)

  // --- context
  bool has_capture_time = false;
  Timestamp capture_time{};           ///< when the value was captured (DSMR M-Bus channels, DLMS profile rows)
  std::string_view raw{};             ///< text protocols: every "(...)" group of the object exactly as sent
  std::int8_t scaler = 0;             ///< SML/DLMS scaler as sent (number is already scaled)
  bool has_raw_integer = false;
  std::int64_t raw_integer = 0;       ///< SML/DLMS/M-Bus unscaled integer as sent
  std::uint32_t status = 0;           ///< SML status word / DLMS status, 0 when not sent
  bool has_status = false;

  // --- M-Bus record semantics (EN 13757-3 §6.3)
  std::uint64_t storage = 0;
  std::uint32_t tariff = 0;
  std::uint32_t subunit = 0;
  Function function = Function::instantaneous;

  constexpr bool is_number() const noexcept { return kind == ValueKind::number; }
  constexpr bool is_text() const noexcept { return kind == ValueKind::text || kind == ValueKind::none; }
};

/// A decoded frame. The readings go into storage the caller owns:
///   joule::FixedVector<Reading, 64> buf;  Telegram t{buf};
struct Telegram {
  explicit constexpr Telegram(VectorRef<Reading>& out) noexcept : readings(out) {}

  Protocol protocol = Protocol::unknown;
  std::string_view identifier{};   ///< DSMR/D0 identification line without "/" (e.g. "ISk5\2MT382-1000"), M-Bus/DLMS id
  std::string_view manufacturer{}; ///< 3-letter manufacturer code where sent (DSMR/D0 "ISk", M-Bus "KAM")
  std::string_view version{};      ///< protocol version as sent (DSMR 1-3:0.2.8 "50"), empty if none
  bool has_timestamp = false;
  Timestamp timestamp{};           ///< the telegram's own time (DSMR 0-0:1.0.0, SML act time, DLMS push time)
  bool has_crc = false;            ///< a CRC/BCC was present (and verified, else the decode failed)
  std::uint16_t crc = 0;           ///< its value as sent
  std::string_view crc_text{};     ///< the checksum as printed (DSMR: 1..4 hex digits), empty for binary ones
  VectorRef<Reading>& readings;    ///< the readings, in frame order

  /// The first reading with this OBIS code (nullptr if none).
  const Reading* find(const ObisCode& code) const noexcept {
    for (const auto& r : readings)
      if (r.id_kind == IdKind::obis && r.obis == code) return &r;
    return nullptr;
  }
};

}  // namespace joule::meter
