// A tour of joule's C++ core vocabulary: Result, OBIS, Decimal, CRC, TimeSeries.
#include <cstdio>
#include <string_view>

#include "joule/core/crc.hpp"
#include "joule/core/decimal.hpp"
#include "joule/core/obis.hpp"
#include "joule/time_zone.hpp"
#include "joule/timeseries.hpp"

int main() {
  auto code = joule::ObisCode::parse("1-0:1.8.0*255");
  if (!code) {
    std::printf("error: %s\n", code.error().message);
    return 1;
  }
  char buf[32];
  auto n = code->to_chars(buf);
  std::printf("OBIS %.*s\n", static_cast<int>(*n), buf);

  auto bad = joule::ObisCode::parse("1-0:1.8.0*");
  std::printf("malformed OBIS -> %s: %s at byte %llu\n", joule::errc_name(bad.error().code), bad.error().message,
              static_cast<unsigned long long>(bad.error().where.position));

  auto reading = joule::Decimal::parse("001234.567");
  std::printf("exact reading %.3f kWh\n", reading->to_double());

  const std::uint8_t frame[] = {0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD};
  auto crc = joule::verify_trailing_crc16<joule::Crc16Kind::modbus>(frame, joule::CrcByteOrder::little_endian);
  std::printf("Modbus CRC %s\n", crc ? "ok" : "bad");

  auto load = joule::TimeSeries::make(1699999200, 900, {1.0, 2.0, 3.0, 4.0});
  auto hourly = load->resample(3600, joule::Aggregation::mean);
  std::printf("hourly mean %.2f kW\n", (*hourly)[0]);

  auto tz = joule::TimeZone::load("Europe/Amsterdam");
  if (tz) std::printf("2024-10-27 in Amsterdam lasts %lld h\n", static_cast<long long>(*tz->day_length_s(2024, 10, 27) / 3600));
  return 0;
}
