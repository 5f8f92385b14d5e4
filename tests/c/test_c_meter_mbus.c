/* C API of the wired M-Bus decoder: every libmbus golden frame against its expected values
 * (flattened to tests/data/meter/mbus/expected_values.tsv by scripts/gen_mbus_expected_tsv.py). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joule.h"
#include "check.h"

#define MAX_READINGS 256
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
  buf[*n] = 0;
  fclose(f);
  return buf;
}

/* A compact wM-Bus frame (CI 0x79) carries only the signature of its layout: it decodes when the
 * full frame (CI 0x78/0x7A) of the same meter comes first in the same input, and is unsupported
 * alone (EN 13757-3 / OMS Vol. 2 compact profile). The telegrams are GPL-3.0, read from ../shared. */
static void test_compact_frame(void) {
  char path[1024];
  unsigned char *full, *compact, *both;
  size_t nf = 0, nc = 0, needed = 0, len = 0, lines = 0;
  joule_meter_options o;
  joule_meter_telegram t;
  static char json[1 << 16];
  const char *second;
  char* p;
  snprintf(path, sizeof path, "%s/testdata/meter/wmbus/omnipower-01.hex", JOULE_SHARED_DIR);
  full = read_file(path, &nf);
  snprintf(path, sizeof path, "%s/testdata/meter/wmbus/omnipower-02.hex", JOULE_SHARED_DIR);
  compact = read_file(path, &nc);
  if (!full || !compact) {
    printf("meter_mbus: skipped the compact-frame test: wM-Bus telegrams (GPL-3.0) are read from ../shared and are not present\n");
    free(full);
    free(compact);
    return;
  }
  joule_meter_options_init(&o);
  o.protocol = JOULE_METER_WMBUS;
  o.hex_input = 1;
  CHECK(joule_meter_decode(compact, nc, &o, &t, readings, MAX_READINGS, text, sizeof text, &needed) ==
        JOULE_UNSUPPORTED);
  both = (unsigned char*)malloc(nf + nc + 2);
  memcpy(both, full, nf);
  both[nf] = '\n';
  memcpy(both + nf + 1, compact, nc);
  CHECK(joule_meter_decode_json(both, nf + nc + 1, &o, json, sizeof json, &len) == JOULE_OK);
  for (p = json; *p; ++p) lines += *p == '\n';
  CHECK(lines == 2);
  second = strchr(json, '\n');
  /* wmbusmeters reports 7.94 kWh for this compact frame: the energy record in Wh */
  CHECK(second != NULL && strstr(second, "\"unit\":\"Wh\",\"unit_code\":30,\"value\":7940}") != NULL);
  free(both);
  free(full);
  free(compact);
}

int main(void) {
  char path[1024], line[2048], current[256] = "";
  joule_meter_telegram t;
  joule_meter_options o;
  size_t needed = 0, count = 0;
  int numbers = 0, strings = 0, raw_numbers = 0;
  FILE* tsv;
  snprintf(path, sizeof path, "%s/meter/mbus/expected_values.tsv", JOULE_TEST_DATA_DIR);
  tsv = fopen(path, "r");
  if (!tsv) {
    fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  joule_meter_options_init(&o);
  o.protocol = JOULE_METER_MBUS_WIRED;
  o.hex_input = 1;
  while (fgets(line, sizeof line, tsv)) {
    char* file = strtok(line, "\t");
    char* idx = strtok(NULL, "\t");
    char* kind = strtok(NULL, "\t");
    char* value = strtok(NULL, "\n");
    size_t i;
    const joule_meter_reading* r;
    if (!file || !idx || !kind) continue;
    if (!value) value = "";
    if (strcmp(file, current) != 0) {
      unsigned char* data;
      size_t n = 0;
      joule_status st;
      snprintf(path, sizeof path, "%s/meter/mbus/frames/%s", JOULE_TEST_DATA_DIR, file);
      data = read_file(path, &n);
      CHECK(data != NULL);
      if (!data) continue;
      st = joule_meter_decode(data, n, &o, &t, readings, MAX_READINGS, text, sizeof text, &needed);
      free(data);
      CHECK(st == JOULE_OK);
      if (st != JOULE_OK) fprintf(stderr, "  frame %s: status %d\n", file, (int)st);
      count = t.reading_count;
      snprintf(current, sizeof current, "%s", file);
    }
    i = (size_t)strtoul(idx, NULL, 10);
    CHECK(i < count);
    if (i >= count) continue;
    r = &readings[i];
    if (kind[0] == 'N') {
      const double want = strtod(value, NULL);
      if (r->kind == JOULE_METER_VALUE_NUMBER) {
        const double tol = fmax(5.1e-7 * fmax(1.0, fabs(want)), 1e-9 * fabs(want));
        if (!(fabs(r->value - want) <= tol)) fprintf(stderr, "  %s record %zu: %.9g != %.9g\n", file, i, r->value, want);
        CHECK(fabs(r->value - want) <= tol);
        ++numbers;
      } else {
        /* BCD with error nibbles / manufacturer data: joule returns the raw bytes. */
        CHECK(r->kind == JOULE_METER_VALUE_OCTETS);
        ++raw_numbers;
      }
    } else {
      const char* got = text + r->text_offset;
      if (r->kind == JOULE_METER_VALUE_TIME) {
        CHECK(strncmp(r->time.iso, value, strlen(value) == 10 ? 10 : 16) == 0);
      } else if (r->kind == JOULE_METER_VALUE_TEXT) {
        if (strcmp(got, "invalid") == 0) CHECK(strstr(value, "-00") != NULL);
        else {
          size_t gl = strlen(got);
          while (gl > 0 && got[gl - 1] == ' ') --gl;
          CHECK(strncmp(got, value, gl) == 0 && strlen(value) == gl);
        }
      } else if (r->kind == JOULE_METER_VALUE_OCTETS) {
        /* Hex text "02 78 04 ..." against the raw bytes. */
        size_t k = 0;
        const char* p = value;
        int ok = 1;
        while (*p && k < r->text_len) {
          unsigned v = 0;
          if (sscanf(p, "%2x", &v) != 1) break;
          if ((unsigned char)got[k] != v && (unsigned char)got[r->text_len - 1 - k] != v) ok = 0;
          ++k;
          p += 2;
          while (*p == ' ') ++p;
        }
        CHECK(ok);
      } else {
        CHECK(r->kind == JOULE_METER_VALUE_NONE && value[0] == '\0');
      }
      ++strings;
    }
  }
  fclose(tsv);
  CHECK(numbers > 700);
  CHECK(raw_numbers < 12);
  printf("meter_mbus: %d numbers, %d strings, %d raw (error-nibble BCD / manufacturer data)\n", numbers, strings,
         raw_numbers);
  test_compact_frame();
  return check_report("meter_mbus");
}
