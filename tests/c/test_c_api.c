/* Tests the C API from a real C99 translation unit. Prints a plain
 * "N passed, N failed" line that CI reads. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "joule.h"
#include "check.h"

int main(void) {
  char buf[64];
  size_t len = 0;
  CHECK(strcmp(joule_version(), JOULE_VERSION_STRING) == 0);
  CHECK(strcmp(joule_status_name(JOULE_CHECKSUM_MISMATCH), "checksum_mismatch") == 0);

  /* OBIS */
  joule_obis code;
  CHECK(joule_obis_parse("1-0:1.8.0*255", 13, &code) == JOULE_OK);
  CHECK(code.a == 1 && code.c == 1 && code.d == 8 && code.f == 255);
  CHECK(joule_obis_format(&code, buf, sizeof buf, &len) == JOULE_OK);
  CHECK(strcmp(buf, "1-0:1.8.0") == 0 && len == 9);
  CHECK(joule_obis_format(&code, buf, 4, &len) == JOULE_BUFFER_TOO_SMALL);
  CHECK(len == 9);
  CHECK(joule_obis_parse("1-0:1.8.0*", 10, &code) == JOULE_MALFORMED);
  CHECK(strstr(joule_last_error(), "malformed") != NULL);
  CHECK(joule_obis_parse(NULL, 3, &code) == JOULE_INVALID_ARGUMENT);
  CHECK(joule_obis_parse("1.8.0", 5, NULL) == JOULE_INVALID_ARGUMENT);

  /* CRC */
  const uint8_t check[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  uint16_t crc = 0;
  CHECK(joule_crc16(JOULE_CRC16_ARC, check, 9, &crc) == JOULE_OK && crc == 0xBB3D);
  CHECK(joule_crc16(JOULE_CRC16_X25, check, 9, &crc) == JOULE_OK && crc == 0x906E);
  CHECK(joule_crc16(JOULE_CRC16_MODBUS, check, 9, &crc) == JOULE_OK && crc == 0x4B37);
  CHECK(joule_crc16(JOULE_CRC16_EN13757, check, 9, &crc) == JOULE_OK && crc == 0xC2B7);
  CHECK(joule_crc16((joule_crc_kind)42, check, 9, &crc) == JOULE_INVALID_ARGUMENT);
  uint8_t sum = 0;
  CHECK(joule_mbus_checksum(check, 9, &sum) == JOULE_OK && sum == 0xDD);
  const uint8_t rtu[] = {0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD};
  CHECK(joule_crc16_verify(JOULE_CRC16_MODBUS, rtu, sizeof rtu) == JOULE_OK);
  CHECK(joule_crc16_verify(JOULE_CRC16_MODBUS, rtu, 7) == JOULE_CHECKSUM_MISMATCH);
  CHECK(joule_crc16_verify(JOULE_CRC16_MODBUS, rtu, 2) == JOULE_INCOMPLETE);

  /* Decimal */
  joule_decimal d;
  CHECK(joule_decimal_parse("001234.567", 10, &d) == JOULE_OK && d.mantissa == 1234567 && d.exponent == -3);
  CHECK(joule_decimal_format(d, buf, sizeof buf, &len) == JOULE_OK && strcmp(buf, "1234.567") == 0);
  double x = 0;
  CHECK(joule_decimal_to_double(d, &x) == JOULE_OK && x == 1234.567);
  CHECK(joule_decimal_parse("12,5", 4, &d) == JOULE_MALFORMED);
  d.exponent = 99;
  CHECK(joule_decimal_format(d, buf, sizeof buf, &len) == JOULE_OUT_OF_RANGE);

  /* Time series */
  const double kw[] = {1.0, 2.0, 3.0, 4.0};
  joule_timeseries* ts = NULL;
  joule_timeseries* hourly = NULL;
  CHECK(joule_timeseries_create(3600, 900, kw, 4, &ts) == JOULE_OK);
  CHECK(joule_timeseries_resample(ts, 3600, JOULE_AGG_MEAN, &hourly) == JOULE_OK);
  const double* v = NULL;
  size_t n = 0;
  CHECK(joule_timeseries_values(hourly, &v, &n) == JOULE_OK && n == 1 && v[0] == 2.5);
  joule_timeseries_destroy(ts);
  ts = NULL;
  CHECK(joule_timeseries_create(0, 0, kw, 4, &ts) == JOULE_INVALID_ARGUMENT);
  CHECK(ts == NULL);
  const double with_nan[] = {1.0, NAN};
  CHECK(joule_timeseries_create(0, 60, with_nan, 2, &ts) == JOULE_OK);
  CHECK(joule_timeseries_check_finite(ts) == JOULE_INVALID_ARGUMENT);
  CHECK(strstr(joule_last_error(), "index 1") != NULL);
  joule_timeseries_destroy(ts);
  joule_timeseries_destroy(hourly);
  joule_timeseries_destroy(NULL);

  return check_report("c api");
}
