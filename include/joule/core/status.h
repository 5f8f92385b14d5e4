/* joule/core/status.h: the status codes of joule's C faces, in one place.
 *
 * The C API (joule.h) and the freestanding C headers for firmware (e.g.
 * joule/battery/rt_controller_c.h, which cannot include joule.h) share this
 * declaration. C99 and freestanding (an enum and a macro, no includes).
 * The values are those of joule::Errc (checked at compile time in the C API).
 */
#ifndef JOULE_CORE_STATUS_H
#define JOULE_CORE_STATUS_H

#ifndef JOULE_API
#if defined(_WIN32)
#define JOULE_API
#elif defined(__GNUC__)
#define JOULE_API __attribute__((visibility("default")))
#else
#define JOULE_API
#endif
#endif

/* Status codes: the numeric values of joule::Errc. */
typedef enum joule_status {
  JOULE_OK = 0,
  JOULE_INVALID_ARGUMENT = 1,
  JOULE_OUT_OF_RANGE = 2,
  JOULE_MALFORMED = 3,
  JOULE_CHECKSUM_MISMATCH = 4,
  JOULE_AUTHENTICATION_FAILED = 5,
  JOULE_BUFFER_TOO_SMALL = 6,
  JOULE_INCOMPLETE = 7,
  JOULE_UNSUPPORTED = 8,
  JOULE_INFEASIBLE = 9,
  JOULE_NOT_FOUND = 10,
  JOULE_CONFLICT = 11,
  JOULE_LIMIT_EXCEEDED = 12,
  JOULE_IO_ERROR = 13,
  JOULE_INTERNAL = 14,
  JOULE_REJECTED = 15,
  JOULE_NUMERICAL = 16,
  JOULE_STATUS_FORCE_INT32_ = 0x7FFFFFFF /* keeps every int value a valid enum value */
} joule_status;

#endif /* JOULE_CORE_STATUS_H */
