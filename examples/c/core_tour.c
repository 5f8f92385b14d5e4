/* A tour of joule's C API: OBIS codes, CRCs, exact decimals, time series. */
#include <stdio.h>

#include "joule.h"

int main(void) {
  joule_obis code;
  char text[32];
  size_t len;
  if (joule_obis_parse("1-0:1.8.0*255", 13, &code) != JOULE_OK) {
    fprintf(stderr, "%s\n", joule_last_error());
    return 1;
  }
  joule_obis_format(&code, text, sizeof text, &len);
  printf("OBIS %s: C=%u D=%u (active energy import)\n", text, code.c, code.d);

  const uint8_t frame[] = {0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD};
  printf("Modbus frame CRC: %s\n", joule_crc16_verify(JOULE_CRC16_MODBUS, frame, sizeof frame) == JOULE_OK ? "ok" : "bad");

  joule_decimal d;
  joule_decimal_parse("001234.567", 10, &d);
  joule_decimal_format(d, text, sizeof text, &len);
  printf("meter text 001234.567 -> %s (mantissa %lld, exponent %d)\n", text, (long long)d.mantissa, (int)d.exponent);

  const double kw[] = {1.0, 2.0, 3.0, 4.0};
  joule_timeseries *ts = NULL, *hourly = NULL;
  joule_timeseries_create(1700000000 - 1700000000 % 3600, 900, kw, 4, &ts);
  joule_timeseries_resample(ts, 3600, JOULE_AGG_MEAN, &hourly);
  const double* v;
  size_t n;
  joule_timeseries_values(hourly, &v, &n);
  printf("hourly mean of 1,2,3,4 kW: %.2f kW\n", v[0]);
  joule_timeseries_destroy(hourly);
  joule_timeseries_destroy(ts);
  return 0;
}
