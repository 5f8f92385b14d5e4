// C API of the battery module (joule_battery.h).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "c_api_internal.hpp"
#include "joule/battery/detail/rt_config_c.hpp"
#include "joule/battery/dispatch.hpp"
#include "joule/battery/mpc.hpp"
#include "joule/battery/site.hpp"
#include "joule/battery/rt_controller.hpp"
#include "joule.h"

struct joule_battery_rt {
  joule::battery::RtController ctl;
};

using joule::capi::guard;
using joule::capi::report;

extern "C" {

JOULE_API joule_status joule_battery_optimize_json(const char* case_json, size_t case_len, char* buf, size_t cap,
                                                   size_t* len) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(case_json != nullptr, "case_json is NULL");
    JOULE_C_REQUIRE(len != nullptr, "len is NULL");
    auto prob = joule::battery::parse_case_json(std::string_view(case_json, case_len));
    if (!prob) return report(prob.error());
    auto sol = joule::battery::solve(*prob);
    if (!sol) return report(sol.error());
    const auto ver = joule::battery::verify(*prob, sol->schedule, sol->certificate);
    return joule::capi::write_string(joule::battery::solution_to_json(*prob, *sol, ver), buf, cap, len);
  });
}

struct joule_battery_plan {
  joule::battery::Plan plan;
};

JOULE_API joule_status joule_battery_plan_create_json(const char* case_json, size_t case_len,
                                                      joule_battery_plan** out) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(case_json != nullptr && out != nullptr, "NULL argument");
    *out = nullptr;
    auto prob = joule::battery::parse_case_json(std::string_view(case_json, case_len));
    if (!prob) return report(prob.error());
    auto plan = joule::battery::Plan::make(*prob);
    if (!plan) return report(plan.error());
    *out = new joule_battery_plan{std::move(*plan)};
    return joule::capi::ok();
  });
}

JOULE_API void joule_battery_plan_destroy(joule_battery_plan* plan) { delete plan; }

JOULE_API size_t joule_battery_plan_steps(const joule_battery_plan* plan) {
  return plan == nullptr ? 0 : plan->plan.steps();
}

JOULE_API joule_status joule_battery_plan_decide(const joule_battery_plan* plan, size_t t, double soc_kwh,
                                                 joule_battery_step* out) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(plan != nullptr && out != nullptr, "NULL argument");
    auto d = plan->plan.decide(t, soc_kwh);
    if (!d) return report(d.error());
    *out = joule_battery_step{d->charge_kw,     d->discharge_kw, d->grid_import_kw, d->grid_export_kw,
                              d->pv_curtail_kw, d->soc_next_kwh, d->cost_to_go};
    return joule::capi::ok();
  });
}

JOULE_API void joule_battery_mpc_options_init(joule_battery_mpc_options* o) {
  if (o == nullptr) return;
  const joule::battery::MpcOptions d;
  o->struct_size = sizeof(joule_battery_mpc_options);
  o->horizon_steps = d.horizon_steps;
  o->horizon_mode = JOULE_BATTERY_HORIZON_ROLLING;
  o->warm_start = d.warm_start ? 1 : 0;
  o->terminal_value_factor = d.terminal_value_factor;
}

namespace {
/// MpcOptions from the C options (NULL: defaults); false after reporting a bad field.
bool mpc_options_from_c(const joule_battery_mpc_options* options, joule::battery::MpcOptions& o, joule_status& st) {
  if (options == nullptr) return true;
  if (options->struct_size < sizeof(joule_battery_mpc_options)) {
    st = report(JOULE_INVALID_ARGUMENT, "joule_battery_mpc_options.struct_size too small: call joule_battery_mpc_options_init");
    return false;
  }
  if (options->horizon_mode != JOULE_BATTERY_HORIZON_ROLLING && options->horizon_mode != JOULE_BATTERY_HORIZON_SHRINKING) {
    st = report(JOULE_INVALID_ARGUMENT, "unknown joule_battery_horizon_mode");
    return false;
  }
  o.horizon_steps = options->horizon_steps;
  o.horizon_mode = options->horizon_mode == JOULE_BATTERY_HORIZON_SHRINKING ? joule::battery::HorizonMode::shrinking
                                                                             : joule::battery::HorizonMode::rolling;
  o.warm_start = options->warm_start != 0;
  o.terminal_value_factor = options->terminal_value_factor;
  return true;
}

/// A scenario with n-step series for the case's fields.
joule::battery::Scenario blank_scenario(std::size_t n, bool has_pv) {
  joule::battery::Scenario s;
  s.price_import.resize(n);
  s.price_export.resize(n);
  s.load_kw.resize(n);
  if (has_pv) s.pv_kw.resize(n);
  return s;
}

joule_status run_mpc(const char* case_json, size_t case_len, const joule::battery::MpcOptions& o,
                     const std::function<joule::battery::Forecaster(bool has_pv)>& make_forecaster, char* buf,
                     size_t cap, size_t* len) {
  auto prob = joule::battery::parse_case_json(std::string_view(case_json, case_len));
  if (!prob) return report(prob.error());
  auto r = joule::battery::mpc_backtest(*prob, make_forecaster(!prob->pv_kw.empty()), o);
  if (!r) return report(r.error());
  return joule::capi::write_string(joule::battery::mpc_result_to_json(*r), buf, cap, len);
}
}  // namespace

JOULE_API joule_status joule_battery_mpc_backtest_json(const char* case_json, size_t case_len,
                                                       const joule_battery_mpc_options* options,
                                                       joule_battery_forecast_fn forecast, void* user, char* buf,
                                                       size_t cap, size_t* len) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(case_json != nullptr && len != nullptr, "NULL argument");
    joule::battery::MpcOptions o;
    joule_status st = JOULE_OK;
    if (!mpc_options_from_c(options, o, st)) return st;
    return run_mpc(case_json, case_len, o, [&](bool has_pv) -> joule::battery::Forecaster {
      if (forecast == nullptr) return {};
      return [&, has_pv](std::size_t t, std::size_t n) {
        auto s = blank_scenario(n, has_pv);
        if (forecast(user, t, n, s.price_import.data(), s.price_export.data(), s.load_kw.data(),
                     has_pv ? s.pv_kw.data() : nullptr) != 0)
          return std::vector<joule::battery::Scenario>{};
        return std::vector<joule::battery::Scenario>{std::move(s)};
      };
    }, buf, cap, len);
  });
}

JOULE_API joule_status joule_battery_mpc_backtest_scenarios_json(const char* case_json, size_t case_len,
                                                                 const joule_battery_mpc_options* options, size_t m,
                                                                 joule_battery_scenario_policy policy,
                                                                 joule_battery_scenario_fn scenario, void* user,
                                                                 char* buf, size_t cap, size_t* len) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(case_json != nullptr && len != nullptr, "NULL argument");
    JOULE_C_REQUIRE(scenario != nullptr, "scenario callback is NULL");
    JOULE_C_REQUIRE(m >= 1, "m must be >= 1");
    if (policy != JOULE_BATTERY_POLICY_MIN_EXPECTED_COST && policy != JOULE_BATTERY_POLICY_MOST_LIKELY)
      return report(JOULE_INVALID_ARGUMENT, "unknown joule_battery_scenario_policy");
    joule::battery::MpcOptions o;
    joule_status st = JOULE_OK;
    if (!mpc_options_from_c(options, o, st)) return st;
    o.policy = policy == JOULE_BATTERY_POLICY_MOST_LIKELY ? joule::battery::ScenarioPolicy::most_likely
                                                          : joule::battery::ScenarioPolicy::min_expected_cost;
    return run_mpc(case_json, case_len, o, [&](bool has_pv) -> joule::battery::Forecaster {
      return [&, has_pv](std::size_t t, std::size_t n) {
        std::vector<joule::battery::Scenario> out;
        for (std::size_t k = 0; k < m; ++k) {
          auto s = blank_scenario(n, has_pv);
          double w = 1.0;
          if (scenario(user, t, n, k, &w, s.price_import.data(), s.price_export.data(), s.load_kw.data(),
                       has_pv ? s.pv_kw.data() : nullptr) != 0)
            continue;
          s.weight = w;
          out.push_back(std::move(s));
        }
        return out;
      };
    }, buf, cap, len);
  });
}

JOULE_API joule_status joule_battery_site_json(const char* site_json, size_t site_len, char* buf, size_t cap,
                                               size_t* len) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(site_json != nullptr, "site_json is NULL");
    JOULE_C_REQUIRE(len != nullptr, "len is NULL");
    auto site = joule::battery::parse_site_json(std::string_view(site_json, site_len));
    if (!site) return report(site.error());
    auto sol = joule::battery::solve_site_lp(*site);
    if (!sol) return report(sol.error());
    return joule::capi::write_string(joule::battery::site_solution_to_json(*sol), buf, cap, len);
  });
}

JOULE_API joule_status joule_battery_objective_json(const char* case_json, size_t case_len, double* objective) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(case_json != nullptr && objective != nullptr, "NULL argument");
    auto prob = joule::battery::parse_case_json(std::string_view(case_json, case_len));
    if (!prob) return report(prob.error());
    auto sol = joule::battery::solve(*prob);
    if (!sol) return report(sol.error());
    *objective = sol->objective;
    return joule::capi::ok();
  });
}

// joule_battery_rt_config_default and the caller-storage functions are in joule_core
// (src/battery/core/rt_controller_c.cpp) so that firmware links them.

JOULE_API joule_status joule_battery_rt_create(const joule_battery_rt_config* c, double soc_kwh, joule_battery_rt** out) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(c != nullptr && out != nullptr, "NULL argument");
    JOULE_C_REQUIRE(c->struct_size == sizeof(joule_battery_rt_config), "struct_size must be sizeof(joule_battery_rt_config)");
    const joule::battery::RtConfig k = joule::battery::detail::rt_config_from_c(*c);
    auto ctl = joule::battery::RtController::create(k, soc_kwh);
    if (!ctl) return report(ctl.error());
    *out = new joule_battery_rt{*ctl};
    return joule::capi::ok();
  });
}

JOULE_API void joule_battery_rt_destroy(joule_battery_rt* rt) { delete rt; }

JOULE_API joule_status joule_battery_rt_step(joule_battery_rt* rt, double setpoint_kw, double frequency_hz,
                                             double site_net_load_kw, int64_t time_s, joule_battery_rt_output* out) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(rt != nullptr && out != nullptr, "NULL argument");
    joule::battery::RtInput in;
    in.setpoint_kw = setpoint_kw;
    in.frequency_hz = frequency_hz;
    in.site_net_load_kw = site_net_load_kw;
    in.time_s = time_s;
    const auto o = rt->ctl.step(in);
    *out = joule_battery_rt_output{o.power_kw, o.fcr_kw, o.grid_import_kw, o.soc_kwh, o.flags};
    return joule::capi::ok();
  });
}

JOULE_API joule_status joule_battery_rt_add_dr_event(joule_battery_rt* rt, int64_t start_s, int64_t end_s,
                                                     double import_cap_kw) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(rt != nullptr, "NULL argument");
    auto r = rt->ctl.add_dr_event({start_s, end_s, import_cap_kw});
    if (!r) return report(r.error());
    return joule::capi::ok();
  });
}

JOULE_API joule_status joule_battery_rt_set_soc(joule_battery_rt* rt, double soc_kwh) {
  return guard([&]() -> joule_status {
    JOULE_C_REQUIRE(rt != nullptr, "NULL argument");
    JOULE_C_REQUIRE(soc_kwh >= 0, "soc_kwh must be >= 0");
    rt->ctl.set_soc_kwh(soc_kwh);
    return joule::capi::ok();
  });
}

}  // extern "C"
