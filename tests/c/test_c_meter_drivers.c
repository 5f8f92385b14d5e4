/* C API of the declarative meter drivers: a user driver, auto matching, errors, sizing. */
#include <stdio.h>
#include <string.h>

#include "joule.h"
#include "check.h"

/* wM-Bus water meter (ELS, medium 7): volume 1234 l, date/time, stored volume and date, flags. */
static const uint8_t kWater[] = {0x25, 0x44, 0x93, 0x15, 0x78, 0x56, 0x34, 0x12, 0x33, 0x07, 0x78,
                                 0x04, 0x13, 0xD2, 0x04, 0x00, 0x00, 0x04, 0x6D, 0x0B, 0x2A, 0xB7, 0x21,
                                 0x44, 0x13, 0xE8, 0x03, 0x00, 0x00, 0x42, 0x6C, 0x9F, 0x2C,
                                 0x02, 0xFD, 0x17, 0x04, 0x00};
static const char* kDriver =
    "{\"name\": \"mywater\", \"match\": [{\"manufacturer\": \"ELS\", \"medium\": 7}],"
    " \"fields\": [{\"name\": \"total_m3\", \"record\": {\"quantity\": \"volume\"}},"
    " {\"name\": \"target_date\", \"format\": \"date\", \"record\": {\"quantity\": \"date\", \"storage\": 1}}]}";

int main(void) {
  char buf[1024];
  size_t n = 0;
  joule_status s = joule_meter_apply_driver(kWater, sizeof kWater, "auto", kDriver, NULL, 0, buf, sizeof buf, &n);
  CHECK(s == JOULE_OK);
  CHECK(strstr(buf, "\"driver\":\"mywater\"") != NULL);
  CHECK(strstr(buf, "\"total_m3\":1.234") != NULL);
  CHECK(strstr(buf, "\"target_date\":\"2020-12-31\"") != NULL);
  CHECK(n == strlen(buf));
  /* too small: the needed length is reported */
  s = joule_meter_apply_driver(kWater, sizeof kWater, "mywater", kDriver, NULL, 0, buf, 8, &n);
  CHECK(s == JOULE_BUFFER_TOO_SMALL);
  CHECK(n > 8);
  /* no driver of that name; bad driver JSON; no data */
  CHECK(joule_meter_apply_driver(kWater, sizeof kWater, "nosuchdriver", NULL, NULL, 0, buf, sizeof buf, &n) == JOULE_NOT_FOUND);
  CHECK(joule_meter_apply_driver(kWater, sizeof kWater, NULL, "{\"name\": 1}", NULL, 0, buf, sizeof buf, &n) == JOULE_INVALID_ARGUMENT);
  CHECK(joule_meter_apply_driver(NULL, 5, NULL, NULL, NULL, 0, buf, sizeof buf, &n) == JOULE_INVALID_ARGUMENT);
  /* a truncated telegram fails cleanly */
  CHECK(joule_meter_apply_driver(kWater, 12, "mywater", kDriver, NULL, 0, buf, sizeof buf, &n) != JOULE_OK);
  return check_report("meter_drivers");
}
