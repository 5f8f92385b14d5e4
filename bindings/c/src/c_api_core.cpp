// C API: version, errors, OBIS, CRC, decimals, time series.
#include <cmath>
#include <string>
#include <vector>

#include "c_api_internal.hpp"
#include "joule/core/crc.hpp"
#include "joule/core/decimal.hpp"
#include "joule/core/obis.hpp"
#include "joule/timeseries.hpp"

struct joule_timeseries {
  joule::TimeSeries series;
};

// joule_status (joule/core/status.h, shared by joule.h and the freestanding C headers) must keep the
// numbering of joule::Errc value for value.
static_assert(static_cast<int>(JOULE_OK) == static_cast<int>(joule::Errc::ok));
static_assert(static_cast<int>(JOULE_INVALID_ARGUMENT) == static_cast<int>(joule::Errc::invalid_argument));
static_assert(static_cast<int>(JOULE_OUT_OF_RANGE) == static_cast<int>(joule::Errc::out_of_range));
static_assert(static_cast<int>(JOULE_MALFORMED) == static_cast<int>(joule::Errc::malformed));
static_assert(static_cast<int>(JOULE_CHECKSUM_MISMATCH) == static_cast<int>(joule::Errc::checksum_mismatch));
static_assert(static_cast<int>(JOULE_AUTHENTICATION_FAILED) == static_cast<int>(joule::Errc::authentication_failed));
static_assert(static_cast<int>(JOULE_BUFFER_TOO_SMALL) == static_cast<int>(joule::Errc::buffer_too_small));
static_assert(static_cast<int>(JOULE_INCOMPLETE) == static_cast<int>(joule::Errc::incomplete));
static_assert(static_cast<int>(JOULE_UNSUPPORTED) == static_cast<int>(joule::Errc::unsupported));
static_assert(static_cast<int>(JOULE_INFEASIBLE) == static_cast<int>(joule::Errc::infeasible));
static_assert(static_cast<int>(JOULE_NOT_FOUND) == static_cast<int>(joule::Errc::not_found));
static_assert(static_cast<int>(JOULE_CONFLICT) == static_cast<int>(joule::Errc::conflict));
static_assert(static_cast<int>(JOULE_LIMIT_EXCEEDED) == static_cast<int>(joule::Errc::limit_exceeded));
static_assert(static_cast<int>(JOULE_IO_ERROR) == static_cast<int>(joule::Errc::io_error));
static_assert(static_cast<int>(JOULE_INTERNAL) == static_cast<int>(joule::Errc::internal));
static_assert(static_cast<int>(JOULE_REJECTED) == static_cast<int>(joule::Errc::rejected));
static_assert(static_cast<int>(JOULE_NUMERICAL) == static_cast<int>(joule::Errc::numerical));
static_assert(joule::kErrcCount == 17, "a new Errc needs its joule_status in joule/core/status.h");

namespace joule::capi {

namespace {
thread_local std::string g_last_error;
}

void set_last_error(std::string message) noexcept {
  try {
    g_last_error = std::move(message);
  } catch (...) {
    g_last_error.clear();
  }
}

joule_status report(const Error& e) noexcept {
  std::string m = errc_name(e.code);
  m += ": ";
  m += e.message ? e.message : "";
  switch (e.where.kind) {
    case Where::Kind::byte: m += " (at byte " + std::to_string(e.where.position) + ")"; break;
    case Where::Kind::field: m += std::string(" (field '") + (e.where.field ? e.where.field : "") + "')"; break;
    case Where::Kind::index:
      m += " (at index " + std::to_string(e.where.position);
      if (e.where.field) m += std::string(" of '") + e.where.field + "'";
      m += ")";
      break;
    case Where::Kind::none: break;
  }
  set_last_error(std::move(m));
  return static_cast<joule_status>(e.code);
}

joule_status report(joule_status s, const char* message) noexcept {
  set_last_error(std::string(errc_name(static_cast<Errc>(s))) + ": " + message);
  return s;
}

joule_status ok() noexcept {
  g_last_error.clear();
  return JOULE_OK;
}

}  // namespace joule::capi

using joule::capi::guard;
using joule::capi::ok;
using joule::capi::report;

extern "C" {

const char* joule_version(void) { return JOULE_VERSION_STRING; }

const char* joule_status_name(joule_status status) { return joule::errc_name(static_cast<joule::Errc>(status)); }

const char* joule_last_error(void) { return joule::capi::g_last_error.c_str(); }

joule_status joule_obis_parse(const char* text, size_t len, joule_obis* out) {
  return guard([&] {
    JOULE_C_REQUIRE(text != nullptr || len == 0, "text is NULL");
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    auto r = joule::ObisCode::parse(std::string_view(text ? text : "", len));
    if (!r) return report(r.error());
    *out = joule_obis{r->a(), r->b(), r->c(), r->d(), r->e(), r->f()};
    return ok();
  });
}

joule_status joule_obis_format(const joule_obis* code, char* buf, size_t cap, size_t* len) {
  return guard([&] {
    JOULE_C_REQUIRE(code != nullptr, "code is NULL");
    const joule::ObisCode c(code->a, code->b, code->c, code->d, code->e, code->f);
    char tmp[joule::ObisCode::kMaxChars];
    auto n = c.to_chars(tmp, joule::ObisFormat::compact);
    if (!n) return report(n.error());
    return joule::capi::write_string(std::string_view(tmp, *n), buf, cap, len);
  });
}

joule_status joule_crc16(joule_crc_kind kind, const uint8_t* data, size_t len, uint16_t* out) {
  return guard([&] {
    JOULE_C_REQUIRE(data != nullptr || len == 0, "data is NULL");
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    const std::span<const std::uint8_t> d(data, len);
    switch (kind) {
      case JOULE_CRC16_ARC: *out = joule::crc16_arc(d); break;
      case JOULE_CRC16_X25: *out = joule::crc16_x25(d); break;
      case JOULE_CRC16_MODBUS: *out = joule::crc16_modbus(d); break;
      case JOULE_CRC16_EN13757: *out = joule::crc16_en13757(d); break;
      default: return report(JOULE_INVALID_ARGUMENT, "unknown CRC kind");
    }
    return ok();
  });
}

joule_status joule_crc16_verify(joule_crc_kind kind, const uint8_t* frame, size_t len) {
  return guard([&] {
    JOULE_C_REQUIRE(frame != nullptr || len == 0, "frame is NULL");
    const std::span<const std::uint8_t> d(frame, len);
    using joule::CrcByteOrder;
    joule::Result<void> r;
    switch (kind) {
      case JOULE_CRC16_ARC: r = joule::verify_trailing_crc16<joule::Crc16Kind::arc>(d, CrcByteOrder::little_endian); break;
      case JOULE_CRC16_X25: r = joule::verify_trailing_crc16<joule::Crc16Kind::x25>(d, CrcByteOrder::little_endian); break;
      case JOULE_CRC16_MODBUS:
        r = joule::verify_trailing_crc16<joule::Crc16Kind::modbus>(d, CrcByteOrder::little_endian);
        break;
      case JOULE_CRC16_EN13757:
        r = joule::verify_trailing_crc16<joule::Crc16Kind::en13757>(d, CrcByteOrder::big_endian);
        break;
      default: return report(JOULE_INVALID_ARGUMENT, "unknown CRC kind");
    }
    if (!r) return report(r.error());
    return ok();
  });
}

joule_status joule_mbus_checksum(const uint8_t* data, size_t len, uint8_t* out) {
  return guard([&] {
    JOULE_C_REQUIRE(data != nullptr || len == 0, "data is NULL");
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    *out = joule::mbus_checksum(std::span<const std::uint8_t>(data, len));
    return ok();
  });
}

joule_status joule_decimal_parse(const char* text, size_t len, joule_decimal* out) {
  return guard([&] {
    JOULE_C_REQUIRE(text != nullptr || len == 0, "text is NULL");
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    auto r = joule::Decimal::parse(std::string_view(text ? text : "", len));
    if (!r) return report(r.error());
    *out = joule_decimal{r->mantissa(), r->exponent()};
    return ok();
  });
}

joule_status joule_decimal_format(joule_decimal value, char* buf, size_t cap, size_t* len) {
  return guard([&] {
    auto d = joule::Decimal::make(value.mantissa, value.exponent);
    if (!d) return report(d.error());
    char tmp[joule::Decimal::kMaxChars];
    auto n = d->to_chars(tmp);
    if (!n) return report(n.error());
    return joule::capi::write_string(std::string_view(tmp, *n), buf, cap, len);
  });
}

joule_status joule_decimal_to_double(joule_decimal value, double* out) {
  return guard([&] {
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    auto d = joule::Decimal::make(value.mantissa, value.exponent);
    if (!d) return report(d.error());
    *out = d->to_double();
    return ok();
  });
}

joule_status joule_timeseries_create(int64_t start_s, int64_t step_s, const double* values, size_t n,
                                     joule_timeseries** out) {
  return guard([&] {
    JOULE_C_REQUIRE(values != nullptr || n == 0, "values is NULL");
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    *out = nullptr;
    auto r = joule::TimeSeries::make(start_s, step_s, std::vector<double>(values, values + n));
    if (!r) return report(r.error());
    *out = new joule_timeseries{std::move(*r)};
    return ok();
  });
}

void joule_timeseries_destroy(joule_timeseries* ts) { delete ts; }

joule_status joule_timeseries_info(const joule_timeseries* ts, int64_t* start_s, int64_t* step_s, size_t* n) {
  return guard([&] {
    JOULE_C_REQUIRE(ts != nullptr, "series is NULL");
    if (start_s) *start_s = ts->series.start();
    if (step_s) *step_s = ts->series.step();
    if (n) *n = ts->series.size();
    return ok();
  });
}

joule_status joule_timeseries_values(const joule_timeseries* ts, const double** values, size_t* n) {
  return guard([&] {
    JOULE_C_REQUIRE(ts != nullptr, "series is NULL");
    JOULE_C_REQUIRE(values != nullptr && n != nullptr, "output pointer is NULL");
    *values = ts->series.values().data();
    *n = ts->series.size();
    return ok();
  });
}

joule_status joule_timeseries_resample(const joule_timeseries* ts, int64_t new_step_s, joule_aggregation agg,
                                       joule_timeseries** out) {
  return guard([&] {
    JOULE_C_REQUIRE(ts != nullptr, "series is NULL");
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    JOULE_C_REQUIRE(agg >= JOULE_AGG_MEAN && agg <= JOULE_AGG_LAST, "unknown aggregation");
    *out = nullptr;
    auto r = ts->series.resample(new_step_s, static_cast<joule::Aggregation>(agg));
    if (!r) return report(r.error());
    *out = new joule_timeseries{std::move(*r)};
    return ok();
  });
}

joule_status joule_timeseries_check_finite(const joule_timeseries* ts) {
  return guard([&] {
    JOULE_C_REQUIRE(ts != nullptr, "series is NULL");
    auto r = ts->series.check_finite();
    if (!r) return report(r.error());
    return ok();
  });
}

}  // extern "C"
