// C API of the carbon module.
#include <cmath>
#include <cstring>
#include <string>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "c_api_internal.hpp"
#include "joule/carbon/cases.hpp"
#include "joule/carbon/cfe.hpp"
#include "joule/carbon/factors.hpp"
#include "joule/carbon/flowtrace.hpp"
#include "joule/carbon/registry.hpp"
#include "joule/carbon/shift.hpp"

struct joule_carbon_flowtracer {
  joule::carbon::FlowTracer tracer;
};
struct joule_carbon_registry {
  joule::carbon::Registry reg;
};

namespace {
std::string_view c_text(const char* s, size_t len) { return len == static_cast<size_t>(-1) ? std::string_view(s) : std::string_view(s, len); }

// A rejection: JOULE_REJECTED with the code named in the last error.
joule_status rejected(joule::carbon::RegistryCode c, joule_carbon_registry_code* code) {
  if (code) *code = static_cast<joule_carbon_registry_code>(c);
  if (c == joule::carbon::RegistryCode::ok) return joule::capi::ok();
  joule::capi::set_last_error(std::string("rejected: ") + joule::carbon::registry_code_name(c));
  return JOULE_REJECTED;
}
}  // namespace

using joule::capi::guard;
using joule::capi::ok;
using joule::capi::report;

extern "C" {

JOULE_API joule_status joule_carbon_to_g_per_kwh(double value, joule_carbon_unit unit, double* out) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    JOULE_C_REQUIRE(unit >= JOULE_CARBON_G_PER_KWH && unit <= JOULE_CARBON_KG_PER_KWH, "unknown unit");
    auto r = joule::carbon::to_g_per_kwh(value, static_cast<joule::carbon::IntensityUnit>(unit));
    if (!r) return report(r.error());
    *out = *r;
    return ok();
  });
}

JOULE_API joule_status joule_carbon_ipcc_ar5_median(const char* mode, double* out) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(mode != nullptr && out != nullptr, "mode or out is NULL");
    auto r = joule::carbon::ipcc_ar5_lifecycle(mode);
    if (!r) return report(r.error());
    *out = r->g_per_kwh;
    return ok();
  });
}

JOULE_API joule_status joule_carbon_run_case(const char* family, const char* json, size_t json_len, char* buf, size_t cap,
                                             size_t* len) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(family != nullptr, "family is NULL");
    JOULE_C_REQUIRE(json != nullptr || json_len == 0, "json is NULL");
    auto r = joule::carbon::run_case_json(family, std::string_view(json ? json : "", json_len));
    if (!r) return report(r.error());
    return joule::capi::write_string(*r, buf, cap, len);
  });
}

JOULE_API joule_status joule_carbon_cfe(const double* load, const double* ppa, const double* share, const double* ci, size_t n,
                                        const joule_carbon_battery* battery, const double* schedule, double* cfe_kwh,
                                        joule_carbon_cfe_summary* out) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    JOULE_C_REQUIRE(n == 0 || (load && ppa && share), "load, ppa or share is NULL");
    joule::carbon::CfeInput in;
    in.load_kwh.assign(load, load + n);
    in.ppa_kwh.assign(ppa, ppa + n);
    in.grid_cfe_share.assign(share, share + n);
    if (ci) in.grid_ci_g_per_kwh = std::vector<double>(ci, ci + n);
    if (battery) in.battery = joule::carbon::CfeBattery{battery->energy_kwh, battery->power_kw, battery->roundtrip_eff, battery->soc0_kwh};
    if (schedule) in.battery_schedule_kwh = std::vector<double>(schedule, schedule + n);
    auto r = joule::carbon::compute_cfe(in);
    if (!r) return report(r.error());
    *out = {r->cfe_score, r->contracted_hourly_match, r->annual_volumetric_match, r->grid_supply_kwh, r->grid_cfe_kwh,
            r->battery_charge_kwh, r->battery_discharge_kwh, r->battery_losses_kwh, r->ppa_spilled_kwh,
            r->grid_supply_emissions_kg.value_or(std::numeric_limits<double>::quiet_NaN())};
    if (cfe_kwh)
      for (size_t t = 0; t < n; ++t) cfe_kwh[t] = r->hourly.cfe_kwh[t];
    return ok();
  });
}

JOULE_API joule_status joule_carbon_delta_emissions_kg(const double* d, const double* f, size_t n, double* out) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr && (n == 0 || (d && f)), "NULL argument");
    auto r = joule::carbon::delta_emissions_kg(std::span<const double>(d, n), std::span<const double>(f, n));
    if (!r) return report(r.error());
    *out = *r;
    return ok();
  });
}

JOULE_API joule_status joule_carbon_energy_weighted_intensity(const double* e, const double* i, size_t n, double* out) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr && (n == 0 || (e && i)), "NULL argument");
    auto r = joule::carbon::energy_weighted_intensity(std::span<const double>(e, n), std::span<const double>(i, n));
    if (!r) return report(r.error());
    *out = *r;
    return ok();
  });
}

JOULE_API joule_status joule_carbon_flowtracer_create(size_t zones, const uint32_t* a, const uint32_t* b, size_t borders,
                                                      joule_carbon_solver solver, joule_carbon_flowtracer** out) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    *out = nullptr;
    JOULE_C_REQUIRE(borders == 0 || (a && b), "border arrays are NULL");
    JOULE_C_REQUIRE(solver >= JOULE_CARBON_SOLVER_SCC && solver <= JOULE_CARBON_SOLVER_SPARSE_LU, "unknown solver");
    std::vector<joule::carbon::FlowTracer::Border> bs(borders);
    for (size_t k = 0; k < borders; ++k) bs[k] = {a[k], b[k]};
    auto t = joule::carbon::FlowTracer::make(zones, std::move(bs), static_cast<joule::carbon::FlowSolver>(solver));
    if (!t) return report(t.error());
    *out = new joule_carbon_flowtracer{std::move(*t)};
    return ok();
  });
}

JOULE_API void joule_carbon_flowtracer_destroy(joule_carbon_flowtracer* t) { delete t; }

JOULE_API joule_status joule_carbon_flowtracer_step(joule_carbon_flowtracer* t, const double* p, const double* e, const double* f,
                                                    double* x, uint8_t* defined) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(t != nullptr, "tracer is NULL");
    const size_t n = t->tracer.zones(), nb = t->tracer.borders();
    JOULE_C_REQUIRE(p && e && x && defined && (nb == 0 || f), "NULL argument");
    auto r = t->tracer.trace_step(std::span<const double>(p, n), std::span<const double>(e, n), std::span<const double>(f, nb),
                                  std::span<double>(x, n), std::span<uint8_t>(defined, n));
    if (!r) return report(r.error());
    return ok();
  });
}

JOULE_API joule_status joule_carbon_verify_log(const char* log, size_t len, size_t* entries) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(log != nullptr || len == 0, "log is NULL");
    auto r = joule::carbon::verify_log(std::string_view(log ? log : "", len));
    if (!r) return report(r.error());
    if (entries) *entries = *r;
    return ok();
  });
}

JOULE_API const char* joule_carbon_registry_code_name(joule_carbon_registry_code code) {
  if (code < JOULE_CARBON_REG_OK || code > JOULE_CARBON_REG_EXPIRED) return "UNKNOWN";
  return joule::carbon::registry_code_name(static_cast<joule::carbon::RegistryCode>(code));
}

JOULE_API joule_status joule_carbon_registry_create(const char* setup_json, size_t len, joule_carbon_registry** out) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    *out = nullptr;
    auto setup = joule::carbon::registry_setup_from_json(setup_json ? c_text(setup_json, len) : std::string_view("{}"));
    if (!setup) return report(setup.error());
    auto reg = joule::carbon::Registry::make(*setup);
    if (!reg) return report(reg.error());
    *out = new joule_carbon_registry{std::move(*reg)};
    return ok();
  });
}

JOULE_API joule_status joule_carbon_registry_load(const char* setup_json, size_t len, const char* path, joule_carbon_registry** out) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr && path != nullptr, "out or path is NULL");
    *out = nullptr;
    auto setup = joule::carbon::registry_setup_from_json(setup_json ? c_text(setup_json, len) : std::string_view("{}"));
    if (!setup) return report(setup.error());
    auto reg = joule::carbon::Registry::load(*setup, path);
    if (!reg) return report(reg.error());
    *out = new joule_carbon_registry{std::move(*reg)};
    return ok();
  });
}

JOULE_API void joule_carbon_registry_destroy(joule_carbon_registry* reg) { delete reg; }

JOULE_API joule_status joule_carbon_registry_issue(joule_carbon_registry* reg, const joule_carbon_issue_request* q,
                                                   joule_carbon_registry_code* code, char* id_buf, size_t cap, size_t* id_len) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(reg != nullptr && q != nullptr, "reg or request is NULL");
    JOULE_C_REQUIRE(q->device && q->market && q->technology && q->owner, "device, market, technology and owner are required");
    auto r = reg->reg.issue({q->device, q->market, q->technology, q->start_s, q->end_s, q->volume_wh, q->owner, q->metered_wh});
    if (!r.ok()) return rejected(r.code, code);
    if (code) *code = JOULE_CARBON_REG_OK;
    return joule::capi::write_string(r.value, id_buf, cap, id_len);
  });
}

JOULE_API joule_status joule_carbon_registry_transfer(joule_carbon_registry* reg, const char* cid, const char* owner, const char* to,
                                                      joule_carbon_registry_code* code) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(reg && cid && owner && to, "NULL argument");
    return rejected(reg->reg.transfer(cid, owner, to).code, code);
  });
}

JOULE_API joule_status joule_carbon_registry_retire(joule_carbon_registry* reg, const joule_carbon_retire_request* q,
                                                    joule_carbon_registry_code* code) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(reg != nullptr && q != nullptr, "reg or request is NULL");
    JOULE_C_REQUIRE(q->cid && q->owner && q->beneficiary && q->site && q->consumption_market,
                    "cid, owner, beneficiary, site and consumption_market are required");
    const auto claim = q->hourly ? joule::carbon::Claim::hourly(q->claim_start_s, q->claim_end_s)
                                 : joule::carbon::Claim::annual(q->claim_year);
    return rejected(reg->reg.retire({q->cid, q->owner, q->beneficiary, q->site, q->consumption_market, claim}).code, code);
  });
}

JOULE_API joule_status joule_carbon_registry_apply(joule_carbon_registry* reg, const char* op_json, size_t len, char* buf, size_t cap,
                                                   size_t* out_len) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(reg != nullptr && op_json != nullptr, "reg or op_json is NULL");
    auto r = joule::carbon::registry_apply_json(reg->reg, c_text(op_json, len));
    if (!r) return report(r.error());
    return joule::capi::write_string(*r, buf, cap, out_len);
  });
}

JOULE_API joule_status joule_carbon_registry_state(const joule_carbon_registry* reg, char* buf, size_t cap, size_t* len) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(reg != nullptr, "reg is NULL");
    return joule::capi::write_string(joule::carbon::registry_state_json(reg->reg), buf, cap, len);
  });
}

JOULE_API joule_status joule_carbon_registry_log(const joule_carbon_registry* reg, char* buf, size_t cap, size_t* len) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(reg != nullptr, "reg is NULL");
    return joule::capi::write_string(reg->reg.log_text(), buf, cap, len);
  });
}

JOULE_API joule_status joule_carbon_registry_head_hash(const joule_carbon_registry* reg, char hash_hex[65]) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(reg != nullptr && hash_hex != nullptr, "reg or hash_hex is NULL");
    const std::string h = reg->reg.head_hash();
    std::memcpy(hash_hex, h.data(), 64);
    hash_hex[64] = '\0';
    return ok();
  });
}

JOULE_API joule_status joule_carbon_registry_save(const joule_carbon_registry* reg, const char* path) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(reg != nullptr && path != nullptr, "reg or path is NULL");
    auto r = reg->reg.save(path);
    if (!r) return report(r.error());
    return ok();
  });
}

JOULE_API joule_status joule_carbon_registry_totals(const joule_carbon_registry* reg, int64_t* issued_wh, int64_t* sd_issued_wh,
                                                    size_t* operations) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(reg != nullptr, "reg is NULL");
    if (issued_wh) *issued_wh = reg->reg.issued_wh();
    if (sd_issued_wh) *sd_issued_wh = reg->reg.sd_issued_wh();
    if (operations) *operations = reg->reg.operation_count();
    return ok();
  });
}

}  // extern "C"
