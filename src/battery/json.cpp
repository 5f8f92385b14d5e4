// JSON faces of the dispatch model: the `joule.battery.case/1` schema of the
// reference cases in, `{"objective", "schedule", "certificate", ...}` out.
#include <cmath>
#include <nlohmann/json.hpp>

#include "joule/battery/mpc.hpp"
#include <string>

#include "joule/battery/dispatch.hpp"

namespace joule::battery {

namespace {
using nlohmann::json;

Result<std::vector<double>> num_array(const json& j, const char* field) {
  if (!j.is_array()) return fail(Errc::malformed, "expected an array of numbers", Where::at_field(field));
  std::vector<double> v;
  v.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_number()) return fail(Errc::malformed, "expected a number", Where::at_index(i, field));
    v.push_back(j[i].get<double>());
  }
  return v;
}

Result<double> num(const json& obj, const char* key, const char* field, const double* def) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (def) return *def;
    return fail(Errc::malformed, "missing required number", Where::at_field(field));
  }
  if (!it->is_number()) return fail(Errc::malformed, "expected a number", Where::at_field(field));
  return it->get<double>();
}
}  // namespace

Result<Problem> parse_case_json(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return fail(Errc::malformed, "not valid JSON");
  if (!j.is_object()) return fail(Errc::malformed, "case must be a JSON object");
  Problem p;
  auto sit = j.find("series");
  if (sit == j.end() || !sit->is_object()) return fail(Errc::malformed, "missing object", Where::at_field("series"));
  const json& s = *sit;
  struct F {
    const char* key;
    const char* field;
    std::vector<double>* dst;
    bool required;
  };
  const F fs[] = {{"price_import", "series.price_import", &p.price_import, true},
                  {"price_export", "series.price_export", &p.price_export, true},
                  {"load_kw", "series.load_kw", &p.load_kw, false},
                  {"pv_kw", "series.pv_kw", &p.pv_kw, false},
                  {"emission_factor", "series.emission_factor", &p.emission_factor, false}};
  for (const auto& f : fs) {
    auto it = s.find(f.key);
    if (it == s.end() || it->is_null()) {
      if (f.required) return fail(Errc::malformed, "missing required series", Where::at_field(f.field));
      continue;
    }
    JOULE_TRY(auto v, num_array(*it, f.field));
    *f.dst = std::move(v);
  }
  auto dit = j.find("dt_hours");
  if (dit == j.end()) return fail(Errc::malformed, "missing dt_hours", Where::at_field("dt_hours"));
  if (dit->is_number()) p.dt_hours = {dit->get<double>()};
  else {
    JOULE_TRY(auto v, num_array(*dit, "dt_hours"));
    p.dt_hours = std::move(v);
  }
  auto bit = j.find("battery");
  if (bit == j.end() || !bit->is_object()) return fail(Errc::malformed, "missing object", Where::at_field("battery"));
  const json& b = *bit;
  const double zero = 0.0, one = 1.0;
  JOULE_TRY(p.battery.capacity_kwh, num(b, "capacity_kwh", "battery.capacity_kwh", nullptr));
  JOULE_TRY(p.battery.soc_min, num(b, "soc_min", "battery.soc_min", &zero));
  JOULE_TRY(p.battery.soc_max, num(b, "soc_max", "battery.soc_max", &one));
  JOULE_TRY(p.battery.soc_init, num(b, "soc_init", "battery.soc_init", nullptr));
  JOULE_TRY(p.battery.p_charge_max_kw, num(b, "p_charge_max_kw", "battery.p_charge_max_kw", nullptr));
  JOULE_TRY(p.battery.p_discharge_max_kw, num(b, "p_discharge_max_kw", "battery.p_discharge_max_kw", nullptr));
  JOULE_TRY(p.battery.eta_charge, num(b, "eta_charge", "battery.eta_charge", &one));
  JOULE_TRY(p.battery.eta_discharge, num(b, "eta_discharge", "battery.eta_discharge", &one));
  JOULE_TRY(p.battery.degradation_cost_per_kwh,
            num(b, "degradation_cost_per_kwh", "battery.degradation_cost_per_kwh", &zero));
  auto tit = b.find("terminal");
  if (tit != b.end() && !tit->is_null()) {
    if (!tit->is_object() || !tit->contains("mode") || !(*tit)["mode"].is_string())
      return fail(Errc::malformed, "terminal must be an object with a mode", Where::at_field("battery.terminal"));
    const std::string mode = (*tit)["mode"].get<std::string>();
    auto& term = p.battery.terminal;
    if (mode == "fixed" || mode == "min") {
      term.mode = mode == "fixed" ? TerminalMode::fixed : TerminalMode::min;
      JOULE_TRY(term.soc, num(*tit, "soc", "battery.terminal.soc", nullptr));
    } else if (mode == "value") {
      term.mode = TerminalMode::value;
      JOULE_TRY(term.value_per_kwh, num(*tit, "value_per_kwh", "battery.terminal.value_per_kwh", nullptr));
    } else if (mode == "free") {
      term.mode = TerminalMode::free;
    } else {
      return fail(Errc::malformed, "terminal mode must be fixed, min, value or free",
                  Where::at_field("battery.terminal.mode"));
    }
  }
  auto git = j.find("grid");
  if (git != j.end() && git->is_object()) {
    const double inf = INFINITY;
    JOULE_TRY(p.grid.import_max_kw, num(*git, "import_max_kw", "grid.import_max_kw", &inf));
    JOULE_TRY(p.grid.export_max_kw, num(*git, "export_max_kw", "grid.export_max_kw", &inf));
  }
  if (auto it = j.find("pv_curtailable"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return fail(Errc::malformed, "expected true or false", Where::at_field("pv_curtailable"));
    p.pv_curtailable = it->get<bool>();
  }
  if (auto it = j.find("demand_charges"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return fail(Errc::malformed, "expected an array", Where::at_field("demand_charges"));
    for (std::size_t k = 0; k < it->size(); ++k) {
      const json& w = (*it)[k];
      if (!w.is_object() || !w.contains("price_per_kw") || !w.contains("start") || !w.contains("end") ||
          !w["price_per_kw"].is_number() || !w["start"].is_number_integer() || !w["end"].is_number_integer() ||
          w["start"].get<long long>() < 0 || w["end"].get<long long>() < 0)
        return fail(Errc::malformed, "window needs price_per_kw and integer start, end >= 0",
                    Where::at_index(k, "demand_charges"));
      DemandWindow dw;
      dw.price_per_kw = w["price_per_kw"].get<double>();
      dw.start = w["start"].get<std::size_t>();
      dw.end = w["end"].get<std::size_t>();
      if (w.contains("prior_peak_kw") && w["prior_peak_kw"].is_number()) dw.prior_peak_kw = w["prior_peak_kw"].get<double>();
      p.demand_charges.push_back(dw);
    }
  }
  if (auto it = j.find("carbon"); it != j.end() && it->is_object()) {
    JOULE_TRY(p.carbon.price_per_kg, num(*it, "price_per_kg", "carbon.price_per_kg", &zero));
    if (it->contains("credit_exports") && (*it)["credit_exports"].is_boolean())
      p.carbon.credit_exports = (*it)["credit_exports"].get<bool>();
  }
  JOULE_RETURN_IF_ERROR(validate(p));
  return p;
}

namespace {
json schedule_json(const Schedule& sc) {
  return {{"grid_import_kw", sc.grid_import_kw}, {"grid_export_kw", sc.grid_export_kw},
          {"charge_kw", sc.charge_kw},           {"discharge_kw", sc.discharge_kw},
          {"pv_curtail_kw", sc.pv_curtail_kw},   {"soc_kwh", sc.soc_kwh},
          {"peak_kw", sc.peak_kw}};
}
}  // namespace

std::string solution_to_json(const Problem& p, const Solution& s, const Verification& v) {
  (void)p;
  auto num_or_null = [](double x) -> json { return std::isfinite(x) ? json(x) : json(nullptr); };
  json br = {{"energy_import", s.breakdown.energy_import},
             {"energy_export_revenue", s.breakdown.energy_export_revenue},
             {"degradation", s.breakdown.degradation},
             {"carbon", s.breakdown.carbon},
             {"demand", s.breakdown.demand},
             {"terminal_value", s.breakdown.terminal_value}};
  const json sched = schedule_json(s.schedule);
  json cert = {{"pi", s.certificate.pi},
               {"w", s.certificate.w},
               {"demand_nu", s.certificate.demand_nu},
               {"lower_bound", num_or_null(v.lower_bound)},
               {"lp_bound", num_or_null(v.lp_bound)},
               {"bellman_bound", num_or_null(v.bellman_bound)},
               {"gap", num_or_null(v.gap)},
               {"proven_optimal", v.proven_optimal},
               {"nonconvex_steps", s.nonconvex_steps},
               {"complementarity", s.complementarity == Complementarity::exact ? "exact" : "nonconvex_dp"}};
  if (!s.certificate.value_offset.empty())
    cert["bellman"] = {{"e_kwh", s.certificate.value_e_kwh},
                       {"cost", s.certificate.value_cost},
                       {"offset", s.certificate.value_offset}};
  json ver = {{"feasible", v.feasible},
              {"objective", v.objective},
              {"max_balance_violation_kw", v.max_balance_violation_kw},
              {"max_bound_violation", v.max_bound_violation},
              {"max_soc_violation_kwh", v.max_soc_violation_kwh},
              {"max_simultaneous_kw", v.max_simultaneous_kw},
              {"reason", v.reason}};
  json out = {{"objective", s.objective},
              {"breakdown", br},
              {"schedule", sched},
              {"certificate", cert},
              {"verification", ver},
              {"warnings", s.warnings},
              {"stats", {{"max_pieces", s.max_pieces}, {"dp_passes", s.dp_passes}}}};
  return out.dump();
}

std::string mpc_result_to_json(const MpcResult& r) {
  auto nums = [](const std::vector<double>& v) {
    json a = json::array();
    for (double x : v) a.push_back(std::isfinite(x) ? json(x) : json(nullptr));
    return a;
  };
  const json sched = schedule_json(r.realised);
  json out = {{"realised_cost", r.realised_cost},
              {"perfect_foresight_cost", r.perfect_foresight_cost},
              {"regret", r.regret},
              {"solves", r.solves},
              {"warm_decisions", r.warm_decisions},
              {"dp_passes", r.dp_passes},
              {"candidate_solves", r.candidate_solves},
              {"expected_cost", nums(r.expected_cost)},
              {"cost_spread", nums(r.cost_spread)},
              {"schedule", sched}};
  return out.dump();
}

}  // namespace joule::battery
