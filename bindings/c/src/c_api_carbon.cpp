// C API of the carbon module.
#include <cmath>
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

}  // extern "C"
