// C API of the declarative meter drivers (joule_meter.h, "declarative meter drivers").
#include <string>

#include "c_api_internal.hpp"
#include "joule/meter/drivers.hpp"
#include "joule_meter.h"

using namespace joule;

joule_status joule_meter_apply_driver(const uint8_t* data, size_t len, const char* driver, const char* driver_json,
                                      const uint8_t* key, size_t key_len, char* buf, size_t cap, size_t* len_out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(data != nullptr || len == 0, "data is NULL");
    JOULE_C_REQUIRE(key != nullptr || key_len == 0, "key is NULL with a non-zero length");
    meter::drivers::ApplyOptions o;
    if (driver != nullptr) o.driver = driver;
    if (key != nullptr) o.key.assign(key, key + key_len);
    meter::drivers::Registry reg;
    if (driver_json != nullptr) {
      reg = meter::drivers::Registry::builtin();
      auto added = reg.add_json(driver_json);
      if (!added) return capi::report(added.error());
      o.registry = &reg;
    }
    auto r = meter::drivers::apply({data, len}, o);
    if (!r) return capi::report(r.error());
    return capi::write_string(meter::drivers::to_json(*r), buf, cap, len_out);
  });
}
