/* joule_meter.h: meter telegram decoding from C (DSMR P1, IEC 62056-21, SML, DLMS, M-Bus, ...).
 *
 * One call decodes the first telegram of a buffer into caller-provided structs:
 *
 *   joule_meter_options o; joule_meter_options_init(&o);
 *   joule_meter_telegram t; joule_meter_reading r[128]; char text[4096]; size_t need = 0;
 *   if (joule_meter_decode(bytes, n, &o, &t, r, 128, text, sizeof text, &need) == JOULE_OK)
 *     for (size_t i = 0; i < t.reading_count; ++i) printf("%s %g %s\n", r[i].id, r[i].value, r[i].unit_text);
 *
 * A streaming decoder (joule_meter_decoder) takes chunks from a serial port and hands out
 * completed telegrams one by one. joule_meter_decode_json prints the test-data schema.
 */
#ifndef JOULE_METER_H
#define JOULE_METER_H

#include <stddef.h>
#include <stdint.h>

#include "joule.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Protocols; the values are those of joule::meter::Protocol. */
typedef enum joule_meter_protocol {
  JOULE_METER_AUTO = 0, /* detect from the first bytes */
  JOULE_METER_DSMR_P1 = 1,
  JOULE_METER_IEC62056_21 = 2,
  JOULE_METER_SML = 3,
  JOULE_METER_DLMS_HDLC = 4,
  JOULE_METER_DLMS_MBUS = 5,
  JOULE_METER_DLMS_RAW = 6,
  JOULE_METER_DLMS_P1_ASCII = 7,
  JOULE_METER_DLMS_APDU = 8,
  JOULE_METER_DLMS_GCM = 9,
  JOULE_METER_MBUS_WIRED = 10,
  JOULE_METER_WMBUS = 11,
  JOULE_METER_MODBUS = 12,
  JOULE_METER_SUNSPEC = 13,
  JOULE_METER_PROTOCOL_FORCE_INT32_ = 0x7FFFFFFF
} joule_meter_protocol;

/* What a reading's value is. */
typedef enum joule_meter_value_kind {
  JOULE_METER_VALUE_NONE = 0,    /* empty "()" */
  JOULE_METER_VALUE_NUMBER = 1,  /* number, value, unit */
  JOULE_METER_VALUE_TEXT = 2,    /* text (in the caller's text buffer) */
  JOULE_METER_VALUE_OCTETS = 3,  /* raw bytes (in the caller's text buffer) */
  JOULE_METER_VALUE_TIME = 4,    /* time; its ISO text is also in the text buffer */
  JOULE_METER_VALUE_PROFILE = 5, /* profile buffer with `count` rows; its groups are in the text buffer */
  JOULE_METER_VALUE_KIND_FORCE_INT32_ = 0x7FFFFFFF
} joule_meter_value_kind;

/* A time as the meter sent it. */
typedef struct joule_meter_time {
  int32_t year;
  uint8_t month, day, hour, minute, second;
  uint8_t dst;        /* 0 not sent, 1 winter ("W"), 2 summer ("S") */
  int32_t has_offset; /* offset_min known */
  int32_t offset_min; /* local = UTC + offset [min] */
  int32_t has_utc;
  int64_t utc_s;      /* [s since 1970 UTC] when has_utc */
  char iso[32];       /* "2020-05-12T13:54:09+02:00" (no offset when unknown), NUL-terminated */
} joule_meter_time;

/* One data point. */
typedef struct joule_meter_reading {
  char id[48];                  /* schema id: "1-0:1.8.0", "1-0:1.6.0*01", "record:3", "total_m3" */
  joule_obis obis;              /* the OBIS code when the id is one */
  joule_meter_value_kind kind;
  joule_decimal number;         /* exact value (NUMBER) */
  double value;                 /* number as a double (NUMBER), else NaN */
  int32_t unit;                 /* DLMS unit code (IEC 62056-6-2 Table 4), 0 = none */
  int32_t unit_exponent;        /* SI prefix of unit_text: kWh -> 3 */
  char unit_text[16];           /* unit as sent, NUL-terminated */
  size_t text_offset;           /* TEXT/OCTETS/TIME/PROFILE: value bytes at text + text_offset ... */
  size_t text_len;              /* ... of this length (also NUL-terminated there) */
  joule_meter_time time;        /* TIME */
  int32_t has_capture_time;
  joule_meter_time capture_time;
  uint32_t count;               /* PROFILE rows */
  int32_t group;                /* value index inside a multi-value data set */
  uint64_t storage;             /* M-Bus storage number */
  uint32_t tariff, subunit;     /* M-Bus */
  int32_t function;             /* M-Bus: 0 instantaneous, 1 maximum, 2 minimum, 3 error */
} joule_meter_reading;

/* A decoded telegram. */
typedef struct joule_meter_telegram {
  joule_meter_protocol protocol;
  char identifier[96];          /* identification line / meter id, NUL-terminated (truncated if longer) */
  char version[16];
  int32_t has_timestamp;
  joule_meter_time timestamp;
  int32_t has_crc;
  uint32_t crc;
  size_t reading_count;         /* readings written */
  size_t readings_needed;       /* readings the telegram has (> capacity: JOULE_BUFFER_TOO_SMALL) */
} joule_meter_telegram;

/* Options; call joule_meter_options_init first (it sets `size`). */
typedef struct joule_meter_options {
  size_t size;                  /* sizeof(joule_meter_options) */
  joule_meter_protocol protocol;
  const uint8_t* key;           /* AES-128 key (16 bytes) or NULL */
  size_t key_len;
  const uint8_t* auth_key;      /* DLMS authentication key (16 bytes) or NULL */
  size_t auth_key_len;
  int32_t verify_checksum;      /* nonzero (default): check CRC/BCC */
  int32_t hex_input;            /* nonzero: data is hex text */
} joule_meter_options;

JOULE_API void joule_meter_options_init(joule_meter_options* options);

/* The schema name of a protocol ("dsmr-p1"); "unknown" for others. */
JOULE_API const char* joule_meter_protocol_name(joule_meter_protocol protocol);

/* Decodes the first telegram in data. Readings go to readings[0..capacity), text values to
 * text[0..text_cap) (*text_needed = bytes needed). Errors: JOULE_CHECKSUM_MISMATCH,
 * JOULE_AUTHENTICATION_FAILED, JOULE_MALFORMED, JOULE_UNSUPPORTED, JOULE_BUFFER_TOO_SMALL
 * (telegram->readings_needed / *text_needed say how much), JOULE_INVALID_ARGUMENT. */
JOULE_API joule_status joule_meter_decode(const uint8_t* data, size_t len, const joule_meter_options* options,
                                          joule_meter_telegram* telegram, joule_meter_reading* readings,
                                          size_t capacity, char* text, size_t text_cap, size_t* text_needed);

/* Every telegram in data as JSON (schema joule-meter-expected/1), one object per line, into
 * buf (NUL-terminated; *len = length needed). Frames that fail are skipped. */
JOULE_API joule_status joule_meter_decode_json(const uint8_t* data, size_t len, const joule_meter_options* options,
                                               char* buf, size_t cap, size_t* len_out);

/* ---- streaming ---- */
typedef struct joule_meter_decoder joule_meter_decoder;

JOULE_API joule_status joule_meter_decoder_create(const joule_meter_options* options, joule_meter_decoder** out);
JOULE_API void joule_meter_decoder_destroy(joule_meter_decoder* decoder);
/* Feeds bytes; *completed = telegrams now waiting for joule_meter_decoder_next. *dropped (may be NULL)
 * counts frames dropped so far (bad CRC, torn, wrong key). */
JOULE_API joule_status joule_meter_decoder_feed(joule_meter_decoder* decoder, const uint8_t* data, size_t len,
                                                size_t* completed, size_t* dropped);
/* Takes the oldest waiting telegram (as joule_meter_decode). JOULE_NOT_FOUND when none waits. */
JOULE_API joule_status joule_meter_decoder_next(joule_meter_decoder* decoder, joule_meter_telegram* telegram,
                                                joule_meter_reading* readings, size_t capacity, char* text,
                                                size_t text_cap, size_t* text_needed);

/* ---- declarative meter drivers (wireless M-Bus) ---- */
/* Applies a meter driver to one wM-Bus telegram (CRC-free form, or a wired long frame) and
 * writes its named fields as one JSON object into buf (NUL-terminated; *len_out = length
 * needed): {"driver":..,"id":..,"manufacturer":..,"version":..,"medium":..,"fields":{..}}.
 * driver: "auto" or NULL (match by manufacturer, version, medium), a built-in driver name, or
 * the path of a JSON driver file ending in ".json". driver_json: NULL, or driver JSON text
 * (an object or an array) added to the built-in drivers for this call. key: AES-128 key
 * (16 bytes) or NULL. Errors: JOULE_NOT_FOUND (no driver), JOULE_INVALID_ARGUMENT (bad
 * driver JSON), JOULE_BUFFER_TOO_SMALL, and the decoder's errors. */
JOULE_API joule_status joule_meter_apply_driver(const uint8_t* data, size_t len, const char* driver,
                                                const char* driver_json, const uint8_t* key, size_t key_len,
                                                char* buf, size_t cap, size_t* len_out);


/* ---- IEC 62056-21 mode C session (sans-IO handshake, §6.4.3) ----
 * The session tells the caller what to do on the line; the caller owns the UART:
 *   joule_meter_session* s; joule_meter_session_options o; joule_meter_session_options_init(&o);
 *   o.max_baud = 9600; joule_meter_session_create(&o, &s);
 *   joule_meter_session_step st; joule_meter_session_start(s, &st);
 *   for (;;) {
 *     if (st.action == JOULE_METER_SESSION_SEND) { uart_write(st.bytes, st.bytes_len); joule_meter_session_sent(s, &st); }
 *     else if (st.action == JOULE_METER_SESSION_SET_BAUD) { uart_set_7e1(st.baud); joule_meter_session_baud_set(s, &st); }
 *     else if (st.action == JOULE_METER_SESSION_RECEIVE) {
 *       n = uart_read(buf, st.timeout_ms);
 *       if (n) joule_meter_session_feed(s, buf, n, &st); else joule_meter_session_timeout(s, &st);
 *     } else break;  (DONE: joule_meter_session_readout + joule_meter_decode; FAILED: st.error) */
typedef enum joule_meter_session_action {
  JOULE_METER_SESSION_SEND = 0,     /* write bytes[0..bytes_len) at the current rate, then _sent */
  JOULE_METER_SESSION_SET_BAUD = 1, /* switch the UART to `baud` 7E1, then _baud_set */
  JOULE_METER_SESSION_RECEIVE = 2,  /* read (give up after timeout_ms): _feed or _timeout */
  JOULE_METER_SESSION_DONE = 3,     /* readout complete (mode E: the line now speaks HDLC) */
  JOULE_METER_SESSION_FAILED = 4,   /* `error` says why (message: joule_last_error); _start again to retry */
  JOULE_METER_SESSION_READY = 5,    /* programming mode: send a command with _command */
  JOULE_METER_SESSION_FORCE_INT32_ = 0x7fffffff
} joule_meter_session_action;

typedef struct joule_meter_session_step {
  joule_meter_session_action action;
  const uint8_t* bytes;   /* SEND: valid until the next call on the session */
  size_t bytes_len;
  uint32_t baud;          /* SET_BAUD [bit/s] */
  uint32_t timeout_ms;    /* RECEIVE: response timeout [ms]; SET_BAUD: switch delay [ms] */
  joule_status error;     /* FAILED */
} joule_meter_session_step;

typedef struct joule_meter_session_options {
  size_t size;              /* sizeof(joule_meter_session_options) */
  const char* address;      /* device address for "/?address!" (<= 32 chars) or NULL = any meter */
  uint32_t max_baud;        /* never switch above this rate (default 19200) */
  char mode_control;        /* '0' data readout (default), '1' programming mode */
  int hdlc_if_offered;      /* mode E: select HDLC when the meter offers it (default 0) */
  size_t rx_capacity;       /* receive buffer [bytes] (default 16384) */
} joule_meter_session_options;

/* Programming-mode commands (§6.3.6 Table 3). */
typedef enum joule_meter_command {
  JOULE_METER_CMD_P1 = 0, JOULE_METER_CMD_P2 = 1, JOULE_METER_CMD_W1 = 2, JOULE_METER_CMD_W2 = 3,
  JOULE_METER_CMD_R1 = 4, JOULE_METER_CMD_R2 = 5, JOULE_METER_CMD_B0 = 6,
  JOULE_METER_CMD_FORCE_INT32_ = 0x7fffffff
} joule_meter_command;

typedef struct joule_meter_session joule_meter_session;

JOULE_API void joule_meter_session_options_init(joule_meter_session_options* options);
/* options may be NULL (defaults). Errors: JOULE_INVALID_ARGUMENT (size, address, rx_capacity, mode_control). */
JOULE_API joule_status joule_meter_session_create(const joule_meter_session_options* options,
                                                  joule_meter_session** out);
JOULE_API void joule_meter_session_destroy(joule_meter_session* session);
/* Each returns JOULE_OK and the next instruction in *step (a failed session is a step, not an error). */
JOULE_API joule_status joule_meter_session_start(joule_meter_session* session, joule_meter_session_step* step);
JOULE_API joule_status joule_meter_session_sent(joule_meter_session* session, joule_meter_session_step* step);
JOULE_API joule_status joule_meter_session_baud_set(joule_meter_session* session, joule_meter_session_step* step);
JOULE_API joule_status joule_meter_session_feed(joule_meter_session* session, const uint8_t* data, size_t len,
                                                joule_meter_session_step* step);
JOULE_API joule_status joule_meter_session_timeout(joule_meter_session* session, joule_meter_session_step* step);
/* Programming mode (after READY): data is the command's data set, e.g. "(12345678)" or "1.8.0()"; NULL = none. */
JOULE_API joule_status joule_meter_session_command(joule_meter_session* session, joule_meter_command command,
                                                   const char* data, joule_meter_session_step* step);
/* After DONE: the readout (identification + data message) for joule_meter_decode; valid until the next _start. */
JOULE_API joule_status joule_meter_session_readout(const joule_meter_session* session, const uint8_t** data,
                                                   size_t* len);
/* The identification without "/" and CR LF, e.g. "ISk5MT174-0001" (NUL-terminated; *len = length needed). */
JOULE_API joule_status joule_meter_session_identification(const joule_meter_session* session, char* buf, size_t cap,
                                                          size_t* len);
/* Baud rate agreed for the data message [bit/s]; *hdlc = 1 when mode E was selected (may be NULL). */
JOULE_API joule_status joule_meter_session_data_baud(const joule_meter_session* session, uint32_t* baud, int* hdlc);
/* Programming mode: the last answer's data ("(000285.4*kWh)", "(operand)") into buf. */
JOULE_API joule_status joule_meter_session_reply(const joule_meter_session* session, char* buf, size_t cap,
                                                 size_t* len);

/* Even parity of 7-bit characters in software (IEC 62056-21 §6.3.1 over a link
 * that runs 8N1 and carries the parity in bit 7: USB adapters without 7-bit
 * mode, ser2net/ESP-link TCP bridges). Add it to what goes to the meter, check
 * and strip it from what comes back before joule_meter_session_received(). */
JOULE_API void joule_meter_parity_add_even(uint8_t* bytes, size_t n);
/* Strips bit 7 of every byte in place. JOULE_CHECKSUM_MISMATCH when a byte's
 * parity is odd (*first_bad, if not NULL, receives its index; n when all are even). */
JOULE_API joule_status joule_meter_parity_strip_even(uint8_t* bytes, size_t n, size_t* first_bad);

#ifdef __cplusplus
}
#endif

#endif /* JOULE_METER_H */
