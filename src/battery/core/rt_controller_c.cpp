// The freestanding C face of the real-time controller (rt_controller_c.h):
// the controller lives in caller-provided storage, so firmware needs no heap.
#include "joule/battery/rt_controller_c.h"

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <new>  // placement new only: constructs in the caller's storage, never allocates

#include "joule/battery/rt_controller.hpp"
#include "joule/battery/detail/rt_config_c.hpp"

namespace {

using joule::battery::RtController;

// What the storage holds: the controller, a state word and the message of the
// last failure (a string literal, so copying the storage bytewise stays valid).
struct Slot {
  RtController ctl;
  std::uint32_t state;
  const char* error;
};

constexpr std::uint32_t kReady = 0x4a42'5254u;   // "JBRT": initialised successfully
constexpr std::uint32_t kFailed = 0x4a42'4641u;  // init failed: every later call is refused

static_assert(sizeof(Slot) <= sizeof(joule_battery_rt_storage),
              "JOULE_BATTERY_RT_STORAGE_SIZE is too small for the C++ controller");
static_assert(alignof(Slot) <= alignof(joule_battery_rt_storage),
              "joule_battery_rt_storage is not aligned enough for the C++ controller");
static_assert(sizeof(RtController) + 64 <= JOULE_BATTERY_RT_STORAGE_SIZE, "keep headroom for later fields");

// The C status values are joule::Errc's: joule_status comes from joule/core/status.h, checked against joule::Errc in the C API (c_api_core.cpp).

Slot* slot_of(joule_battery_rt_storage* s) noexcept { return reinterpret_cast<Slot*>(s->opaque_.bytes_); }
const Slot* slot_of(const joule_battery_rt_storage* s) noexcept {
  return reinterpret_cast<const Slot*>(s->opaque_.bytes_);
}

// The live controller, or nullptr (with the reason recorded when possible).
Slot* ready(joule_battery_rt_storage* s) noexcept {
  if (s == nullptr) return nullptr;
  Slot* slot = slot_of(s);
  if (slot->state != kReady) return nullptr;
  return slot;
}

joule_status to_status(joule::Errc e) noexcept { return static_cast<joule_status>(static_cast<int>(e)); }

}  // namespace

extern "C" {

JOULE_API void joule_battery_rt_config_default(joule_battery_rt_config* cfg) {
  if (cfg == nullptr) return;
  const joule::battery::RtConfig d;
  *cfg = joule_battery_rt_config{sizeof(joule_battery_rt_config),
                                 d.capacity_kwh, d.soc_min_kwh, d.soc_max_kwh, d.p_charge_max_kw,
                                 d.p_discharge_max_kw, d.ramp_kw_per_s, d.eta_charge, d.eta_discharge, d.dt_s,
                                 d.fcr_reserve_kw, d.fcr_nominal_hz, d.fcr_deadband_hz, d.fcr_full_deviation_hz,
                                 d.fcr_energy_hours};
}

JOULE_API joule_status joule_battery_rt_init(joule_battery_rt_storage* storage, const joule_battery_rt_config* c,
                                             double soc_kwh) {
  if (storage == nullptr) return JOULE_INVALID_ARGUMENT;
  // Mark the storage failed first: a rejected init leaves no usable controller behind.
  Slot* slot = slot_of(storage);
  slot->state = kFailed;
  if (c == nullptr) {
    slot->error = "cfg is NULL";
    return JOULE_INVALID_ARGUMENT;
  }
  if (c->struct_size != sizeof(joule_battery_rt_config)) {
    slot->error = "struct_size must be sizeof(joule_battery_rt_config)";
    return JOULE_INVALID_ARGUMENT;
  }
  const joule::battery::RtConfig k = joule::battery::detail::rt_config_from_c(*c);
  auto ctl = RtController::create(k, soc_kwh);
  if (!ctl) {
    slot->error = ctl.error().message;
    return to_status(ctl.error().code);
  }
  // RtController is trivially destructible: overwriting a previous one needs no destructor call.
  static_assert(std::is_trivially_destructible_v<RtController>);
  ::new (static_cast<void*>(&slot->ctl)) RtController(*ctl);
  slot->error = "";
  slot->state = kReady;
  return JOULE_OK;
}

JOULE_API joule_status joule_battery_rt_step_inplace(joule_battery_rt_storage* storage, double setpoint_kw,
                                                     double frequency_hz, double site_net_load_kw, int64_t time_s,
                                                     joule_battery_rt_output* out) {
  Slot* slot = ready(storage);
  if (slot == nullptr || out == nullptr) return JOULE_INVALID_ARGUMENT;
  joule::battery::RtInput in;
  in.setpoint_kw = setpoint_kw;
  in.frequency_hz = frequency_hz;
  in.site_net_load_kw = site_net_load_kw;
  in.time_s = time_s;
  const auto o = slot->ctl.step(in);
  *out = joule_battery_rt_output{o.power_kw, o.fcr_kw, o.grid_import_kw, o.soc_kwh, o.flags};
  return JOULE_OK;
}

JOULE_API joule_status joule_battery_rt_add_dr_event_inplace(joule_battery_rt_storage* storage, int64_t start_s,
                                                             int64_t end_s, double import_cap_kw) {
  Slot* slot = ready(storage);
  if (slot == nullptr) return JOULE_INVALID_ARGUMENT;
  auto r = slot->ctl.add_dr_event({start_s, end_s, import_cap_kw});
  if (!r) {
    slot->error = r.error().message;
    return to_status(r.error().code);
  }
  return JOULE_OK;
}

JOULE_API joule_status joule_battery_rt_set_soc_inplace(joule_battery_rt_storage* storage, double soc_kwh) {
  Slot* slot = ready(storage);
  if (slot == nullptr) return JOULE_INVALID_ARGUMENT;
  if (!(soc_kwh >= 0)) {  // also rejects NaN
    slot->error = "soc_kwh must be >= 0";
    return JOULE_INVALID_ARGUMENT;
  }
  slot->ctl.set_soc_kwh(soc_kwh);
  return JOULE_OK;
}

JOULE_API const char* joule_battery_rt_error(const joule_battery_rt_storage* storage) {
  if (storage == nullptr) return "storage is NULL";
  const Slot* slot = slot_of(storage);
  if (slot->state != kReady && slot->state != kFailed) return "storage not initialised by joule_battery_rt_init";
  return slot->error;
}

}  // extern "C"
