/* Times libmbus (rscada, bundled in the npm package node-mbus 2.2.6) on the M-Bus frames given
 * as .hex files: frame parse + variable data parse + normalised value of every record
 * (mbus_parse_variable_record, what libmbus's golden *.norm.xml files print). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbus-protocol-aux.h"
#include "mbus-protocol.h"

static size_t read_hex(const char* path, unsigned char* out, size_t cap) {
  FILE* f = fopen(path, "r");
  if (!f) return 0;
  size_t n = 0;
  int hi = -1, c;
  while ((c = fgetc(f)) != EOF && n < cap) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (hi < 0) hi = v;
    else { out[n++] = (unsigned char)(hi << 4 | v); hi = -1; }
  }
  fclose(f);
  return n;
}

int main(int argc, char** argv) {
  static unsigned char frames[128][300];
  size_t sizes[128];
  int nf = 0;
  for (int i = 1; i < argc && nf < 128; ++i) {
    sizes[nf] = read_hex(argv[i], frames[nf], 300);
    if (sizes[nf] > 0) ++nf;
  }
  long records = 0;
  const int reps = 400;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int r = 0; r < reps; ++r) {
    for (int i = 0; i < nf; ++i) {
      mbus_frame frame;
      memset(&frame, 0, sizeof frame);
      if (mbus_parse(&frame, frames[i], sizes[i]) != 0) continue;
      mbus_frame_data data;
      memset(&data, 0, sizeof data);
      if (mbus_frame_data_parse(&frame, &data) != 0) continue;
      if (data.type == MBUS_DATA_TYPE_VARIABLE) {
        for (mbus_data_record* rec = data.data_var.record; rec; rec = rec->next) {
          mbus_record* n = mbus_parse_variable_record(rec);
          if (n) { ++records; mbus_record_free(n); }
        }
        if (data.data_var.record) mbus_data_record_free(data.data_var.record);
      }
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  printf("libmbus frames=%d records=%ld frames_per_s=%.0f\n", nf, records / reps, (double)nf * reps / s);
  return 0;
}
