/* C API of the meter decoders: every DSMR / IEC 62056-21 test frame against its expected
 * values (flattened to tests/data/meter/expected-dsmr-d0.tsv), buffer sizing, streaming. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joule.h"
#include "check.h"

#define MAX_READINGS 512
static joule_meter_reading readings[MAX_READINGS];
static char text[65536];

static unsigned char* read_file(const char* path, size_t* n) {
  FILE* f = fopen(path, "rb");
  unsigned char* buf;
  long len;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  len = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = (unsigned char*)malloc((size_t)len + 1);
  *n = fread(buf, 1, (size_t)len, f);
  fclose(f);
  return buf;
}

static const char* trim(char* s) {
  char* e;
  while (*s == ' ') ++s;
  e = s + strlen(s);
  while (e > s && e[-1] == ' ') *--e = '\0';
  return s;
}

/* Decodes one frame file; returns the number of readings or -1. */
static long decode_file(const char* folder, const char* file, int verify, joule_meter_telegram* t) {
  char path[1024];
  size_t n = 0, need = 0;
  unsigned char* data;
  joule_meter_options o;
  joule_status s;
  snprintf(path, sizeof path, "%s/meter/%s/%s", JOULE_TEST_DATA_DIR, folder, file);
  data = read_file(path, &n);
  if (!data) return -1;
  joule_meter_options_init(&o);
  o.verify_checksum = verify;
  s = joule_meter_decode(data, n, &o, t, readings, MAX_READINGS, text, sizeof text, &need);
  free(data);
  if (s != JOULE_OK) {
    fprintf(stderr, "%s: %s\n", file, joule_last_error());
    return -1;
  }
  return (long)t->reading_count;
}

static void test_expected_values(void) {
  char path[1024], line[8192], current[256] = "";
  FILE* f;
  long count = 0;
  int frames = 0, values = 0;
  joule_meter_telegram t;
  snprintf(path, sizeof path, "%s/meter/expected-dsmr-d0.tsv", JOULE_TEST_DATA_DIR);
  f = fopen(path, "r");
  CHECK(f != NULL);
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    char* fields[8];
    int k = 0;
    char* p = line;
    long i;
    const joule_meter_reading* r = NULL;
    line[strcspn(line, "\n")] = '\0';
    for (k = 0; k < 8; ++k) {
      fields[k] = p;
      p = strchr(p, '\t');
      if (!p) break;
      *p++ = '\0';
    }
    CHECK(k == 7);
    if (k != 7) continue;
    if (strcmp(current, fields[1]) != 0) {
      snprintf(current, sizeof current, "%s", fields[1]);
      count = decode_file(fields[0], fields[1], atoi(fields[2]), &t);
      CHECK(count > 0);
      ++frames;
    }
    for (i = 0; i < count; ++i)
      if (strcmp(readings[i].id, fields[3]) == 0) {
        r = &readings[i];
        break;
      }
    if (r == NULL) {
      fprintf(stderr, "%s: missing %s\n", fields[1], fields[3]);
      CHECK(0);
      continue;
    }
    ++values;
    if (fields[4][0] == 'n') {
      const double want = atof(fields[5]);
      const double tol = 1e-9 * (fabs(want) > 1.0 ? fabs(want) : 1.0);
      CHECK(r->kind == JOULE_METER_VALUE_NUMBER);
      if (fabs(r->value - want) > tol) fprintf(stderr, "%s %s: %.17g != %.17g\n", fields[1], fields[3], r->value, want);
      CHECK(fabs(r->value - want) <= tol);
    } else if (fields[4][0] == 's') {
      char got[4096];
      const char* want = strcmp(fields[5], "-") == 0 ? "" : fields[5];
      snprintf(got, sizeof got, "%.*s", (int)r->text_len, text + r->text_offset);
      if (strcmp(trim(got), want) != 0) fprintf(stderr, "%s %s: '%s' != '%s'\n", fields[1], fields[3], got, want);
      CHECK(strcmp(trim(got), want) == 0);
    }
    if (strcmp(fields[6], "-") != 0) CHECK(strcmp(r->unit_text, fields[6]) == 0);
    if (strcmp(fields[7], "-") != 0) {
      CHECK(r->has_capture_time);
      CHECK(strcmp(r->capture_time.iso, fields[7]) == 0);
    }
  }
  fclose(f);
  CHECK(frames == 17);
  CHECK(values > 600);
}

static void test_sizes_and_errors(void) {
  const char* tg = "/XYZ5 test\r\n\r\n1-0:1.8.0(000123.456*kWh)\r\n0-0:96.13.0(48656C6C6F)\r\n!\r\n";
  joule_meter_options o;
  joule_meter_telegram t;
  size_t need = 0, len = 0;
  char small[8], json[1024];
  joule_meter_options_init(&o);
  o.protocol = JOULE_METER_DSMR_P1;
  CHECK(joule_meter_decode((const uint8_t*)tg, strlen(tg), &o, &t, readings, 1, text, sizeof text, &need) ==
        JOULE_BUFFER_TOO_SMALL);
  CHECK(t.readings_needed == 2);
  CHECK(joule_meter_decode((const uint8_t*)tg, strlen(tg), &o, &t, readings, 4, small, 4, &need) ==
        JOULE_BUFFER_TOO_SMALL);
  CHECK(need == 11);
  CHECK(joule_meter_decode((const uint8_t*)tg, strlen(tg), &o, &t, readings, 4, text, sizeof text, &need) == JOULE_OK);
  CHECK(readings[0].number.mantissa == 123456 && readings[0].number.exponent == -3);
  CHECK(readings[0].unit == 30 && readings[0].unit_exponent == 3);
  CHECK(readings[0].obis.c == 1 && readings[0].obis.d == 8);
  CHECK(strcmp(text + readings[1].text_offset, "48656C6C6F") == 0);
  CHECK(strcmp(joule_meter_protocol_name(t.protocol), "dsmr-p1") == 0);
  CHECK(joule_meter_decode_json((const uint8_t*)tg, strlen(tg), &o, json, sizeof json, &len) == JOULE_OK);
  CHECK(strstr(json, "\"1-0:1.8.0\"") != NULL && len == strlen(json));
  {
    char bad[256];
    snprintf(bad, sizeof bad, "%s", "/XYZ5 x\r\n\r\n1-0:1.8.0(1*kWh)\r\n!0000\r\n");
    CHECK(joule_meter_decode((const uint8_t*)bad, strlen(bad), &o, &t, readings, 4, text, sizeof text, &need) ==
          JOULE_CHECKSUM_MISMATCH);
    CHECK(strlen(joule_last_error()) > 0);
  }
  o.key = (const uint8_t*)"short";
  o.key_len = 5;
  CHECK(joule_meter_decode((const uint8_t*)tg, strlen(tg), &o, &t, readings, 4, text, sizeof text, &need) ==
        JOULE_INVALID_ARGUMENT);
}

static void test_streaming(void) {
  char path[1024];
  size_t n = 0, done = 0, dropped = 0, i, need = 0;
  unsigned char* data;
  joule_meter_decoder* d = NULL;
  joule_meter_options o;
  joule_meter_telegram t;
  int got = 0;
  snprintf(path, sizeof path, "%s/meter/dsmr/dsmr42-kaifa.txt", JOULE_TEST_DATA_DIR);
  data = read_file(path, &n);
  CHECK(data != NULL);
  if (!data) return;
  joule_meter_options_init(&o);
  CHECK(joule_meter_decoder_create(&o, &d) == JOULE_OK);
  for (i = 0; i < n; i += 5) CHECK(joule_meter_decoder_feed(d, data + i, n - i < 5 ? n - i : 5, &done, &dropped) == JOULE_OK);
  for (i = 0; i < n; ++i) CHECK(joule_meter_decoder_feed(d, data + i, 1, &done, &dropped) == JOULE_OK);
  CHECK(done == 2 && dropped == 0);
  while (joule_meter_decoder_next(d, &t, readings, MAX_READINGS, text, sizeof text, &need) == JOULE_OK) {
    CHECK(t.protocol == JOULE_METER_DSMR_P1 && t.has_crc && t.reading_count > 20);
    ++got;
  }
  CHECK(got == 2);
  joule_meter_decoder_destroy(d);
  free(data);
}

int main(void) {
  test_expected_values();
  test_sizes_and_errors();
  test_streaming();
  return check_report("meter");
}
