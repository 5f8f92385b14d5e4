#include <stdio.h>
#include <string.h>

#include "joule.h"

int main(void) {
  joule_obis code;
  int ok = joule_obis_parse("1-0:2.8.0", 9, &code) == JOULE_OK && code.c == 2;
  printf("consumer (shared, C) of joule %s: %s\n", joule_version(), ok ? "ok" : "FAILED");
  return ok && strcmp(joule_version(), JOULE_VERSION_STRING) == 0 ? 0 : 1;
}
