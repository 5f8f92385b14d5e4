/* Decodes a meter telegram file with the C API and prints its numeric readings.
 *   example_c_meter telegram.txt */
#include <stdio.h>
#include <stdlib.h>

#include "joule.h"

int main(int argc, char** argv) {
  static unsigned char data[65536];
  static joule_meter_reading readings[256];
  static char text[65536];
  joule_meter_options options;
  joule_meter_telegram t;
  size_t n, i, text_needed = 0;
  FILE* f;
  if (argc < 2 || !(f = fopen(argv[1], "rb"))) {
    fprintf(stderr, "usage: example_c_meter FILE\n");
    return 2;
  }
  n = fread(data, 1, sizeof data, f);
  fclose(f);
  joule_meter_options_init(&options); /* protocol auto-detected, CRC checked */
  if (joule_meter_decode(data, n, &options, &t, readings, 256, text, sizeof text, &text_needed) != JOULE_OK) {
    fprintf(stderr, "decode failed: %s\n", joule_last_error());
    return 1;
  }
  printf("%s telegram from %s, %zu readings\n", joule_meter_protocol_name(t.protocol), t.identifier, t.reading_count);
  for (i = 0; i < t.reading_count; ++i)
    if (readings[i].kind == JOULE_METER_VALUE_NUMBER)
      printf("%s = %g %s\n", readings[i].id, readings[i].value, readings[i].unit_text);
  return 0;
}
