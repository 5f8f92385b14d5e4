/* joule.h: the C API of joule, for firmware, other languages and FFI.
 *
 * Conventions (the same for every module):
 *  - every fallible function returns joule_status (JOULE_OK = 0);
 *    joule_last_error() then holds a message for this thread;
 *  - outputs come last, arrays are pointer + length;
 *  - strings are written into caller buffers: the function writes at most
 *    `cap` bytes including a terminating NUL, stores the length it needs
 *    (without NUL) in *len and returns JOULE_BUFFER_TOO_SMALL when cap is short;
 *  - objects are typed opaque handles with joule_X_create / joule_X_destroy;
 *  - no C++ exception ever crosses this boundary;
 *  - every enum has a FORCE_INT32_ sentinel, so any int passed from C or an FFI
 *    is a valid value that the library can reject with JOULE_INVALID_ARGUMENT.
 *
 * Example:
 *   joule_obis code;
 *   if (joule_obis_parse("1-0:1.8.0", 9, &code) != JOULE_OK) puts(joule_last_error());
 */
#ifndef JOULE_H
#define JOULE_H

#include <stddef.h>
#include <stdint.h>

#include "joule/core/status.h" /* joule_status, JOULE_API */
#include "joule_version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version string ("0.1.0"); compare with JOULE_VERSION_STRING. */
JOULE_API const char* joule_version(void);
/* Stable lower-case name of a status ("checksum_mismatch"). */
JOULE_API const char* joule_status_name(joule_status status);
/* Message of the last failing call on this thread ("" after success). */
JOULE_API const char* joule_last_error(void);

/* ---- OBIS codes (IEC 62056-6-1) ---- */

/* The six value groups of an OBIS code. */
typedef struct joule_obis {
  uint8_t a, b, c, d, e, f;
} joule_obis;

/* Parses "A-B:C.D.E*F" and reduced forms ("1-0:1.8.0", "1.8.0", "F.F"); missing A/B are 0, F 255. */
JOULE_API joule_status joule_obis_parse(const char* text, size_t len, joule_obis* out);
/* Writes "A-B:C.D.E" (with "*F" when F != 255) into buf. */
JOULE_API joule_status joule_obis_format(const joule_obis* code, char* buf, size_t cap, size_t* len);

/* ---- Checksums of meter protocols ---- */

typedef enum joule_crc_kind {
  JOULE_CRC16_ARC = 0,     /* DSMR P1 */
  JOULE_CRC16_X25 = 1,     /* SML, HDLC */
  JOULE_CRC16_MODBUS = 2,  /* Modbus RTU */
  JOULE_CRC16_EN13757 = 3, /* wireless M-Bus */
  JOULE_CRC_KIND_FORCE_INT32_ = 0x7FFFFFFF
} joule_crc_kind;

/* CRC-16 of data[0..len). data may be NULL only when len == 0. */
JOULE_API joule_status joule_crc16(joule_crc_kind kind, const uint8_t* data, size_t len, uint16_t* out);
/* Checks a frame that ends with its CRC-16 (little-endian for ARC/X25/MODBUS, big-endian for EN13757).
 * JOULE_INCOMPLETE if len < 3, JOULE_CHECKSUM_MISMATCH if it does not match. */
JOULE_API joule_status joule_crc16_verify(joule_crc_kind kind, const uint8_t* frame, size_t len);
/* M-Bus 8-bit sum checksum. */
JOULE_API joule_status joule_mbus_checksum(const uint8_t* data, size_t len, uint8_t* out);

/* ---- Exact decimals ---- */

/* mantissa * 10^exponent, |exponent| <= 40. */
typedef struct joule_decimal {
  int64_t mantissa;
  int32_t exponent;
} joule_decimal;

JOULE_API joule_status joule_decimal_parse(const char* text, size_t len, joule_decimal* out);
JOULE_API joule_status joule_decimal_format(joule_decimal value, char* buf, size_t cap, size_t* len);
JOULE_API joule_status joule_decimal_to_double(joule_decimal value, double* out);

/* ---- Time series ---- */

typedef struct joule_timeseries joule_timeseries;

typedef enum joule_aggregation {
  JOULE_AGG_MEAN = 0,
  JOULE_AGG_SUM = 1,
  JOULE_AGG_MIN = 2,
  JOULE_AGG_MAX = 3,
  JOULE_AGG_FIRST = 4,
  JOULE_AGG_LAST = 5,
  JOULE_AGGREGATION_FORCE_INT32_ = 0x7FFFFFFF
} joule_aggregation;

/* Copies n values into a new series starting at start_s (UTC epoch seconds) with step_s > 0. */
JOULE_API joule_status joule_timeseries_create(int64_t start_s, int64_t step_s, const double* values, size_t n,
                                               joule_timeseries** out);
JOULE_API void joule_timeseries_destroy(joule_timeseries* ts);
/* start, step and length; any output pointer may be NULL. */
JOULE_API joule_status joule_timeseries_info(const joule_timeseries* ts, int64_t* start_s, int64_t* step_s,
                                             size_t* n);
/* Borrowed pointer to the values, valid until the series is destroyed. */
JOULE_API joule_status joule_timeseries_values(const joule_timeseries* ts, const double** values, size_t* n);
/* A new series on another step (see joule::TimeSeries::resample); NaN are skipped. */
JOULE_API joule_status joule_timeseries_resample(const joule_timeseries* ts, int64_t new_step_s,
                                                 joule_aggregation agg, joule_timeseries** out);
/* JOULE_OK if every value is finite, else JOULE_INVALID_ARGUMENT naming the first bad index. */
JOULE_API joule_status joule_timeseries_check_finite(const joule_timeseries* ts);

#ifdef __cplusplus
}
#endif

/* The modules' C APIs. */
#include "joule_meter.h"
#include "joule_forecast.h"
#include "joule_battery.h"
#include "joule_market.h"
#include "joule_carbon.h"

#endif /* JOULE_H */
