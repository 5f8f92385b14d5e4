/* C API of the SML and DLMS decoders: every SML frame and the 520 frames of the copied
 * streams against their libsml reference values (flattened to tests/data/meter/expected-sml.tsv
 * by tests/meter/make_expected_sml_tsv.py), streaming, errors; DLMS HDLC frames (synthetic, and
 * the HAN port captures of ../shared when present: active power against the golden master). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joule.h"
#include "check.h"

#define MAX_READINGS 128
static joule_meter_reading readings[MAX_READINGS];
static char text[16384];

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

static const joule_meter_reading* find(const joule_meter_telegram* t, const char* id) {
  size_t i;
  for (i = 0; i < t->reading_count; ++i)
    if (strcmp(readings[i].id, id) == 0) return &readings[i];
  return NULL;
}

static int same_value(const joule_meter_reading* r, const char* kind, const char* want) {
  if (strcmp(kind, "number") == 0) {
    double w = atof(want);
    double tol = 1e-9 * (fabs(w) > 1 ? fabs(w) : 1);
    return r->kind == JOULE_METER_VALUE_NUMBER && fabs(r->value - w) <= tol;
  } else {
    char hex[512];
    size_t i;
    const unsigned char* b = (const unsigned char*)text + r->text_offset;
    if (r->kind != JOULE_METER_VALUE_OCTETS || r->text_len * 2 + 1 > sizeof hex) return 0;
    for (i = 0; i < r->text_len; ++i) sprintf(hex + 2 * i, "%02X", b[i]);
    hex[2 * r->text_len] = 0;
    return strcmp(hex, want) == 0;
  }
}

/* SML: every line of the TSV. */
static void test_sml(void) {
  char path[1024], line[1024], current[512] = "";
  size_t n = 0, need = 0, done, dropped;
  FILE* tsv;
  unsigned char* data = NULL;
  joule_meter_telegram t;
  joule_meter_options o;
  joule_meter_decoder* dec = NULL;
  long frame = -1;
  int frames_checked = 0, values_checked = 0;
  snprintf(path, sizeof path, "%s/meter/expected-sml.tsv", JOULE_TEST_DATA_DIR);
  tsv = fopen(path, "r");
  CHECK(tsv != NULL);
  if (!tsv) return;
  while (fgets(line, sizeof line, tsv)) {
    char *src = strtok(line, "\t"), *idx = strtok(NULL, "\t"), *id = strtok(NULL, "\t"), *kind = strtok(NULL, "\t"),
         *value = strtok(NULL, "\t\n");
    const joule_meter_reading* r;
    if (!value) continue;
    if (strcmp(src, current) != 0 || (strncmp(src, "frames/", 7) != 0 && atol(idx) != frame)) {
      joule_status s;
      if (strcmp(src, current) != 0) {
        strcpy(current, src);
        free(data);
        if (dec) joule_meter_decoder_destroy(dec);
        dec = NULL;
        snprintf(path, sizeof path, "%s/meter/sml/%s", JOULE_TEST_DATA_DIR, src);
        data = read_file(path, &n);
        CHECK(data != NULL);
        if (!data) continue;
        joule_meter_options_init(&o);
        o.protocol = JOULE_METER_SML;
        if (strncmp(src, "streams/", 8) == 0) {
          size_t off;
          CHECK(joule_meter_decoder_create(&o, &dec) == JOULE_OK);
          for (off = 0; off < n; off += 97)
            CHECK(joule_meter_decoder_feed(dec, data + off, n - off < 97 ? n - off : 97, &done, &dropped) == JOULE_OK);
        }
        frame = -1;
      }
      if (strcmp(kind, "error") == 0) {
        o.hex_input = 1;
        s = joule_meter_decode(data, n, &o, &t, readings, MAX_READINGS, text, sizeof text, &need);
        CHECK(s == JOULE_CHECKSUM_MISMATCH || (strstr(src, "18b4032a") && s == JOULE_MALFORMED));
        if (s != JOULE_CHECKSUM_MISMATCH) fprintf(stderr, "  %s: status %d: %s\n", src, (int)s, joule_last_error());
        ++frames_checked;
        continue;
      }
      if (dec) {
        /* Frames of a stream come in order; skip to the line's frame index. */
        while (frame < atol(idx)) {
          s = joule_meter_decoder_next(dec, &t, readings, MAX_READINGS, text, sizeof text, &need);
          CHECK(s == JOULE_OK);
          if (s != JOULE_OK) break;
          ++frame;
        }
      } else {
        o.hex_input = 1;
        s = joule_meter_decode(data, n, &o, &t, readings, MAX_READINGS, text, sizeof text, &need);
        CHECK(s == JOULE_OK);
        CHECK(t.protocol == JOULE_METER_SML);
        frame = 0;
      }
      ++frames_checked;
    }
    r = find(&t, id);
    CHECK(r != NULL);
    if (r) {
      int ok = same_value(r, kind, value);
      CHECK(ok);
      if (!ok) fprintf(stderr, "  %s frame %s %s: want %s\n", src, idx, id, value);
    }
    ++values_checked;
  }
  fclose(tsv);
  free(data);
  if (dec) joule_meter_decoder_destroy(dec);
  CHECK(frames_checked == 10 + 520);
  CHECK(values_checked > 2000);
}

static int hexval(int c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

/* DLMS: a segmented HDLC push (two frames sharing a flag) with scaler_unit structures. */
static void test_dlms_synthetic(void) {
  static const char* hex =
      "7EA832410883133CDCE6E7000F40000001000205020309060100020700FF05FFFFFF9C02020F00161B0203090601000108B5"
      "7E7EA055410883130B6C00FF15000001000000000002020FFD161E020209060000600100FF0A034142430203090601002007"
      "00FF10FFF602020FFF1623020209060000010000FF090C07E801020203040500FFC40099A97E";
  unsigned char buf[512];
  size_t n = 0, need = 0, i;
  joule_meter_telegram t;
  joule_meter_options o;
  joule_status s;
  const joule_meter_reading* r;
  for (i = 0; hex[i] && hex[i + 1]; i += 2) buf[n++] = (unsigned char)(hexval(hex[i]) << 4 | hexval(hex[i + 1]));
  joule_meter_options_init(&o);
  s = joule_meter_decode(buf, n, &o, &t, readings, MAX_READINGS, text, sizeof text, &need);
  CHECK(s == JOULE_OK);
  if (s != JOULE_OK) {
    fprintf(stderr, "  dlms synthetic: %s\n", joule_last_error());
    return;
  }
  CHECK(t.protocol == JOULE_METER_DLMS_HDLC);
  r = find(&t, "1-0:2.7.0");
  CHECK(r && r->value == -100.0 && r->unit == 27);
  r = find(&t, "1-0:32.7.0");
  CHECK(r && r->value == -1.0 && r->unit == 35);
  r = find(&t, "0-0:96.1.0");
  CHECK(r && r->kind == JOULE_METER_VALUE_TEXT && strncmp(text + r->text_offset, "ABC", 3) == 0);
  CHECK(t.has_timestamp && t.timestamp.has_utc);
  /* One flipped bit: the FCS catches it. */
  buf[20] ^= 0x04;
  CHECK(joule_meter_decode(buf, n, &o, &t, readings, MAX_READINGS, text, sizeof text, &need) == JOULE_CHECKSUM_MISMATCH);
}

/* DLMS HAN captures of ../shared (source-available, read in place): active power 1-0:1.7.0. */
static void test_dlms_han(void) {
  static const char* files[] = {"aidon-gh1119-1", "aidon-gh143-2",  "kaifa-gh180-2",      "kaifa-gh539-4",
                                "kamstrup-gh175-2", "iskraemeco-gh615-1", "landis-gyr-gh740", "sagemcom-gh867-2"};
  size_t k;
  int compared = 0;
  for (k = 0; k < sizeof files / sizeof files[0]; ++k) {
    char path[1024];
    size_t n = 0, m = 0, need = 0;
    unsigned char *data, *json;
    joule_meter_telegram t;
    joule_meter_options o;
    const joule_meter_reading* r;
    const char* p;
    double want;
    snprintf(path, sizeof path, "%s/testdata/meter/dlms/han/%s.hex", JOULE_SHARED_DIR, files[k]);
    data = read_file(path, &n);
    if (!data) {
      printf("skipped: %s not present (../shared/testdata/meter/dlms/han is source-available)\n", path);
      return;
    }
    snprintf(path, sizeof path, "%s/testdata/meter/dlms/han/%s.expected.json", JOULE_SHARED_DIR, files[k]);
    json = read_file(path, &m);
    joule_meter_options_init(&o);
    o.hex_input = 1;
    CHECK(joule_meter_decode(data, n, &o, &t, readings, MAX_READINGS, text, sizeof text, &need) == JOULE_OK);
    p = json ? strstr((const char*)json, "\"id\": \"1-0:1.7.0\"") : NULL;
    p = p ? strstr(p, "\"value\": ") : NULL;
    CHECK(p != NULL);
    if (p) {
      want = atof(p + 9);
      r = find(&t, "1-0:1.7.0");
      if (!r) r = find(&t, "1-1:1.7.0"); /* Kamstrup sends B = 1 */
      CHECK(r != NULL && fabs(r->value - want) < 0.01);
      ++compared;
    }
    free(data);
    free(json);
  }
  CHECK(compared == 8);
}

int main(void) {
  test_sml();
  test_dlms_synthetic();
  test_dlms_han();
  return check_report("meter_sml_dlms");
}
