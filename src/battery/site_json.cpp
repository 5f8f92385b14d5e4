// JSON face of the site LP: `joule.battery.site/1` in (the case schema with
// `batteries`, `evs`, `deferrable` arrays), the LP optimum out.
#include <nlohmann/json.hpp>
#include <string>

#include "joule/battery/site.hpp"

namespace joule::battery {

namespace {
using nlohmann::json;

Result<double> req_num(const json& o, const char* key, const char* field) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_number()) return fail(Errc::malformed, "missing or non-numeric field", Where::at_field(field));
  return it->get<double>();
}

Result<std::size_t> req_step(const json& o, const char* key, const char* field) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_number_unsigned())
    return fail(Errc::malformed, "missing or negative step index", Where::at_field(field));
  return it->get<std::size_t>();
}
}  // namespace

Result<Site> parse_site_json(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return fail(Errc::malformed, "not valid JSON");
  if (!j.is_object()) return fail(Errc::malformed, "site must be a JSON object");
  auto bit = j.find("batteries");
  if (bit != j.end() && !bit->is_array()) return fail(Errc::malformed, "expected an array", Where::at_field("batteries"));
  // series, grid, demand charges and carbon share the case schema: parse them
  // through it (with the first battery, or a 1 kWh stand-in that is dropped below when there is none)
  json base = j;
  base.erase("batteries");
  base.erase("evs");
  base.erase("deferrable");
  const bool any = bit != j.end() && !bit->empty();
  base["battery"] = any ? (*bit)[0] : json{{"capacity_kwh", 1.0}, {"soc_init", 0.0}};
  JOULE_TRY(auto p, parse_case_json(base.dump()));
  Site s = site_from_problem(p);
  s.batteries.clear();
  if (any) {
    // each battery through the same parser, on a one-step case
    json one = {{"dt_hours", 1.0}, {"series", {{"price_import", {0.0}}, {"price_export", {0.0}}}}};
    for (std::size_t b = 0; b < bit->size(); ++b) {
      one["battery"] = (*bit)[b];
      auto pb = parse_case_json(one.dump());
      if (!pb) return fail(pb.error().code, pb.error().message, Where::at_index(b, "batteries"));
      s.batteries.push_back(pb->battery);
    }
  }
  if (auto it = j.find("evs"); it != j.end()) {
    if (!it->is_array()) return fail(Errc::malformed, "expected an array", Where::at_field("evs"));
    for (const auto& e : *it) {
      EvSession v;
      JOULE_TRY(v.arrival_step, req_step(e, "arrival_step", "evs.arrival_step"));
      JOULE_TRY(v.departure_step, req_step(e, "departure_step", "evs.departure_step"));
      JOULE_TRY(v.energy_kwh, req_num(e, "energy_kwh", "evs.energy_kwh"));
      JOULE_TRY(v.p_max_kw, req_num(e, "p_max_kw", "evs.p_max_kw"));
      if (e.contains("eta")) {
        JOULE_TRY(v.eta, req_num(e, "eta", "evs.eta"));
      }
      s.evs.push_back(v);
    }
  }
  if (auto it = j.find("deferrable"); it != j.end()) {
    if (!it->is_array()) return fail(Errc::malformed, "expected an array", Where::at_field("deferrable"));
    for (const auto& e : *it) {
      DeferrableLoad d;
      JOULE_TRY(d.earliest_step, req_step(e, "earliest_step", "deferrable.earliest_step"));
      JOULE_TRY(d.end_step, req_step(e, "end_step", "deferrable.end_step"));
      JOULE_TRY(d.energy_kwh, req_num(e, "energy_kwh", "deferrable.energy_kwh"));
      JOULE_TRY(d.p_max_kw, req_num(e, "p_max_kw", "deferrable.p_max_kw"));
      s.deferrable.push_back(d);
    }
  }
  return s;
}

std::string site_solution_to_json(const SiteSolution& s) {
  json out = {{"objective", s.objective},
              {"grid_import_kw", s.grid_import_kw},
              {"grid_export_kw", s.grid_export_kw},
              {"pv_curtail_kw", s.pv_curtail_kw},
              {"charge_kw", s.charge_kw},
              {"discharge_kw", s.discharge_kw},
              {"soc_kwh", s.soc_kwh},
              {"ev_kw", s.ev_kw},
              {"deferrable_kw", s.deferrable_kw},
              {"peak_kw", s.peak_kw},
              {"pi", s.pi},
              {"burned_kwh", s.burned_kwh},
              {"repaired_steps", s.repaired_steps},
              {"simultaneous_steps", s.simultaneous_steps}};
  return out.dump();
}

}  // namespace joule::battery
