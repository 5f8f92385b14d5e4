// JSON face of the carbon calculators: `inputs` of a joule-carbon-testcase/1 document in,
// an object with the layout of its `expected` block out (CLI, C API, Python share it).
#include "joule/carbon/cases.hpp"
#include "joule/carbon/registry.hpp"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "joule/carbon/cfe.hpp"
#include "joule/core/civil.hpp"
#include "joule/carbon/flowtrace.hpp"
#include "joule/carbon/registry.hpp"
#include "joule/carbon/scope2.hpp"
#include "joule/carbon/shift.hpp"

namespace joule::carbon {

namespace {

using json = nlohmann::ordered_json;

// A thrown-and-caught failure inside this file only (never crosses the API).
struct CaseError {
  Error e;
};
[[noreturn]] void bad(const char* msg, const char* field = nullptr) {
  throw CaseError{Error(Errc::malformed, msg, field ? Where::at_field(field) : Where{})};
}

const json& need(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) bad("missing field in case inputs", key);
  return j.at(key);
}
double num(const json& j, const char* field) {
  if (!j.is_number()) bad("expected a number", field);
  return j.get<double>();
}
std::vector<double> nums(const json& j, const char* field) {
  if (!j.is_array()) bad("expected an array of numbers", field);
  std::vector<double> v;
  v.reserve(j.size());
  for (const auto& x : j) v.push_back(num(x, field));
  return v;
}
int small_int(const json& j, const char* field) {
  const double v = num(j, field);
  if (!(v >= -1e6 && v <= 1e6) || v != std::floor(v)) bad("expected a small integer", field);
  return static_cast<int>(v);
}
std::string str(const json& j, const char* field) {
  if (!j.is_string()) bad("expected a string", field);
  return j.get<std::string>();
}
json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

template <class T>
T take(Result<T>&& r) {
  if (!r) throw CaseError{r.error()};
  return std::move(*r);
}

// ---- ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ" <-> seconds ----
std::int64_t parse_iso(const std::string& s, const char* field) {
  int Y, M, D, h, mi, se;
  char z = 0;
  if (s.size() != 20 || std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &Y, &M, &D, &h, &mi, &se, &z) != 7 || z != 'Z' ||
      M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || se > 59)
    bad("expected a UTC time YYYY-MM-DDTHH:MM:SSZ", field);
  return joule::days_from_civil(Y, static_cast<unsigned>(M), static_cast<unsigned>(D)) * 86400 + h * 3600 + mi * 60 + se;
}
std::string format_iso(std::int64_t t) {
  std::int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  const std::int64_t sod = t - days * 86400;
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d), static_cast<long long>(sod / 3600), static_cast<long long>(sod / 60 % 60),
                static_cast<long long>(sod % 60));
  return buf;
}

// ---------------------------------------------------------------- scope2
json run_scope2(const json& in) {
  Scope2Input s;
  s.consumption_kwh = nums(need(in, "consumption_kwh"), "consumption_kwh");
  s.grid_ef_hourly = nums(need(in, "grid_ef_hourly"), "grid_ef_hourly");
  s.grid_ef_annual = num(need(in, "grid_ef_annual"), "grid_ef_annual");
  if (in.contains("residual_mix_ef") && !in["residual_mix_ef"].is_null()) s.residual_mix_ef = num(in["residual_mix_ef"], "residual_mix_ef");
  s.reporter = str(need(in, "reporter"), "reporter");
  s.consumption_market = str(need(in, "consumption_market"), "consumption_market");
  for (const auto& m : need(in, "accepted_markets")) s.accepted_markets.push_back(str(m, "accepted_markets"));
  s.reporting_year = small_int(need(in, "reporting_year"), "reporting_year");
  if (in.contains("vintage_window_years")) s.vintage_window_years = small_int(in["vintage_window_years"], "vintage_window_years");
  if (in.contains("granularity") && in["granularity"] == "hourly") s.granularity = Scope2Granularity::hourly;
  for (const auto& j : need(in, "instruments")) {
    Instrument ins;
    ins.id = str(need(j, "id"), "id");
    const std::string type = str(need(j, "type"), "type");
    if (type == "eac") ins.type = InstrumentType::eac;
    else if (type == "ppa") ins.type = InstrumentType::ppa;
    else if (type == "supplier_specific") ins.type = InstrumentType::supplier_specific;
    else bad("unknown instrument type", "type");
    if (j.contains("hourly_kwh")) ins.hourly_kwh = nums(j["hourly_kwh"], "hourly_kwh");
    else ins.volume_kwh = num(need(j, "volume_kwh"), "volume_kwh");
    if (j.contains("ef_g_per_kwh") && !j["ef_g_per_kwh"].is_null()) ins.ef_g_per_kwh = num(j["ef_g_per_kwh"], "ef_g_per_kwh");
    if (j.contains("market") && j["market"].is_string()) ins.market = j["market"].get<std::string>();
    if (j.contains("vintage_year") && j["vintage_year"].is_number()) ins.vintage_year = small_int(j["vintage_year"], "vintage_year");
    if (j.contains("retired_for") && j["retired_for"].is_string()) ins.retired_for = j["retired_for"].get<std::string>();
    // A PPA conveys attributes only when the buyer's EACs are stated as retained.
    ins.eacs_retained = j.contains("eacs_retained") && j["eacs_retained"].is_boolean() && j["eacs_retained"].get<bool>();
    s.instruments.push_back(std::move(ins));
  }
  const Scope2Result r = take(compute_scope2(s));
  json out;
  out["total_consumption_kwh"] = r.total_consumption_kwh;
  out["location_based_annual_factor_kg"] = r.location_based_annual_factor_kg;
  out["location_based_hourly_factor_kg"] = r.location_based_hourly_factor_kg;
  out["market_based_kg"] = r.market_based_kg;
  json alloc = json::array();
  for (const auto& a : r.allocation)
    alloc.push_back({{"id", a.id}, {"type", instrument_type_name(a.type)}, {"offered_kwh", a.offered_kwh}, {"used_kwh", a.used_kwh},
                     {"surplus_kwh", a.surplus_kwh}, {"ef_g_per_kwh", a.ef_g_per_kwh}, {"emissions_kg", a.emissions_kg}});
  out["market_based_allocation"] = alloc;
  out["residual_kwh"] = r.residual_kwh;
  out["residual_ef_g_per_kwh"] = r.residual_ef_g_per_kwh;
  out["residual_mix_missing"] = r.residual_mix_missing;
  json rej = json::array();
  for (const auto& x : r.rejected) {
    json reasons = json::array();
    for (auto q : x.reasons) reasons.push_back(quality_reason_name(q));
    rej.push_back({{"id", x.id}, {"reasons", reasons}});
  }
  out["rejected_instruments"] = rej;
  return out;
}

// ---------------------------------------------------------------- cfe
json run_cfe(const json& in) {
  CfeInput c;
  c.load_kwh = nums(need(in, "load_kwh"), "load_kwh");
  c.ppa_kwh = nums(need(in, "ppa_kwh"), "ppa_kwh");
  c.grid_cfe_share = nums(need(in, "grid_cfe_share"), "grid_cfe_share");
  if (in.contains("grid_ci_g_per_kwh") && !in["grid_ci_g_per_kwh"].is_null())
    c.grid_ci_g_per_kwh = nums(in["grid_ci_g_per_kwh"], "grid_ci_g_per_kwh");
  if (in.contains("battery") && !in["battery"].is_null()) {
    const auto& b = in["battery"];
    c.battery = CfeBattery{num(need(b, "energy_kwh"), "energy_kwh"), num(need(b, "power_kw"), "power_kw"),
                           num(need(b, "roundtrip_eff"), "roundtrip_eff"), b.contains("soc0_kwh") ? num(b["soc0_kwh"], "soc0_kwh") : 0.0};
  }
  if (in.contains("battery_schedule_kwh") && !in["battery_schedule_kwh"].is_null())
    c.battery_schedule_kwh = nums(in["battery_schedule_kwh"], "battery_schedule_kwh");
  const CfeResult r = take(compute_cfe(c));
  json out;
  out["total_load_kwh"] = r.total_load_kwh;
  out["total_ppa_kwh"] = r.total_ppa_kwh;
  out["annual_volumetric_match"] = r.annual_volumetric_match;
  out["hourly_matched_direct_kwh"] = r.hourly_matched_direct_kwh;
  out["ppa_surplus_kwh"] = r.ppa_surplus_kwh;
  out["battery_charge_kwh"] = r.battery_charge_kwh;
  out["battery_discharge_kwh"] = r.battery_discharge_kwh;
  out["battery_losses_kwh"] = r.battery_losses_kwh;
  out["ppa_spilled_kwh"] = r.ppa_spilled_kwh;
  out["grid_supply_kwh"] = r.grid_supply_kwh;
  out["grid_cfe_kwh"] = r.grid_cfe_kwh;
  out["contracted_hourly_match"] = r.contracted_hourly_match;
  out["cfe_score"] = r.cfe_score;
  json h;
  h["direct_kwh"] = r.hourly.direct_kwh;
  h["charge_kwh"] = r.hourly.charge_kwh;
  h["discharge_kwh"] = r.hourly.discharge_kwh;
  h["grid_kwh"] = r.hourly.grid_kwh;
  h["cfe_kwh"] = r.hourly.cfe_kwh;
  json sc = json::array();
  for (const auto& v : r.hourly.cfe_score) sc.push_back(opt(v));
  h["cfe_score"] = sc;
  out["hourly"] = h;
  json fifo = json::array();
  for (const auto& s : r.sd_gc_fifo)
    fifo.push_back({{"discharge_hour", s.discharge_hour}, {"source_charge_hour", s.source_charge_hour}, {"drawn_kwh", s.drawn_kwh},
                    {"delivered_kwh", s.delivered_kwh}});
  out["sd_gc_fifo"] = fifo;
  if (r.battery_soc_end_kwh) out["battery_soc_end_kwh"] = *r.battery_soc_end_kwh;
  if (r.grid_supply_emissions_kg) out["grid_supply_emissions_kg"] = *r.grid_supply_emissions_kg;
  return out;
}

// ---------------------------------------------------------------- flowtrace
json trace_one(const json& in, bool netting) {
  FlowTraceInput f;
  for (const auto& z : need(in, "zones")) f.zones.push_back(str(z, "zones"));
  const auto& prod = need(in, "production_mwh");
  for (const auto& z : f.zones) {
    std::vector<std::pair<std::string, double>> modes;
    if (prod.contains(z))
      for (const auto& [m, v] : prod.at(z).items()) modes.emplace_back(m, num(v, "production_mwh"));
    f.production_mwh.push_back(std::move(modes));
  }
  for (const auto& [m, v] : need(in, "ef_g_per_kwh").items()) f.ef_g_per_kwh.emplace_back(m, num(v, "ef_g_per_kwh"));
  for (const auto& fl : need(in, "flows"))
    f.flows.push_back({str(need(fl, "from"), "from"), str(need(fl, "to"), "to"), num(need(fl, "mwh"), "mwh")});
  f.netting = netting;
  if (in.contains("storage_charge_mwh"))
    for (const auto& [z, v] : in["storage_charge_mwh"].items()) f.storage_charge_mwh.emplace_back(z, num(v, "storage_charge_mwh"));
  const FlowTraceResult r = take(flow_trace(f));
  json out;
  out["modes"] = r.modes;
  json fu = json::array();
  for (const auto& x : r.flows_used) fu.push_back({{"from", x.from}, {"to", x.to}, {"mwh", x.mwh}});
  out["flows_used"] = fu;
  json zones = json::object();
  json exact = json::object();
  for (const auto& z : r.zones) {
    json o;
    o["production_mwh"] = z.production_mwh;
    o["imports_mwh"] = z.imports_mwh;
    o["exports_mwh"] = z.exports_mwh;
    o["storage_charge_mwh"] = z.storage_charge_mwh;
    o["consumption_mwh"] = z.consumption_mwh;
    o["production_emissions_kg"] = z.production_emissions_kg;
    o["production_intensity_g_per_kwh"] = opt(z.production_intensity_g_per_kwh);
    o["consumption_intensity_g_per_kwh"] = opt(z.consumption_intensity_g_per_kwh);
    o["consumption_emissions_kg"] = opt(z.consumption_emissions_kg);
    o["storage_sunk_emissions_kg"] = opt(z.storage_sunk_emissions_kg);
    json os = json::object();
    for (std::size_t k = 0; k < r.zones.size(); ++k) os[r.zones[k].zone] = opt(z.origin_share[k]);
    o["origin_share"] = os;
    json mix = json::object();
    for (std::size_t m = 0; m < r.modes.size(); ++m) mix[r.modes[m]] = opt(z.consumption_mix_share[m]);
    o["consumption_mix_share"] = mix;
    zones[z.zone] = o;
    exact[z.zone] = z.exact_intensity_fraction ? json(*z.exact_intensity_fraction) : json(nullptr);
  }
  out["zones"] = zones;
  out["total_production_emissions_kg"] = r.total_production_emissions_kg;
  out["total_consumption_plus_sunk_emissions_kg"] = r.total_consumption_plus_sunk_emissions_kg;
  out["exact_consumption_intensity_fraction"] = exact;
  out["gauss_seidel_iterations_to_1e-13"] = r.gauss_seidel_iterations;
  return out;
}

json run_flowtrace(const json& in) {
  if (in.contains("netting")) {
    if (!in["netting"].is_boolean()) bad("netting must be a boolean", "netting");
    return trace_one(in, in["netting"].get<bool>());
  }
  // No netting choice given: report both conventions.
  json out;
  out["net"] = trace_one(in, true);
  out["gross"] = trace_one(in, false);
  return out;
}

// ---------------------------------------------------------------- certificates
std::int64_t whole(const json& j, const char* field) {
  if (j.is_number_integer()) return j.get<std::int64_t>();
  if (j.is_number_float()) {
    const double v = j.get<double>();
    // Non-integer Wh is an invalid volume, not a malformed document: map it to -1 (rejected as INVALID_VOLUME).
    return v == std::floor(v) && std::abs(v) < 9e15 ? static_cast<std::int64_t>(v) : -1;
  }
  bad("expected an integer", field);
}

RegistrySetup parse_registry_setup(const json& setup) {
  RegistrySetup s;
  if (!setup.is_object()) bad("registry setup must be a JSON object", "setup");
  if (setup.contains("accepted_markets")) {
    if (!setup["accepted_markets"].is_object()) bad("expected an object of market lists", "accepted_markets");
    for (const auto& [cm, list] : setup["accepted_markets"].items()) {
      if (!list.is_array()) bad("expected an array of markets", "accepted_markets");
      std::vector<std::string> v;
      for (const auto& x : list) v.push_back(str(x, "accepted_markets"));
      s.accepted_markets.emplace_back(cm, std::move(v));
    }
  }
  if (setup.contains("consumption_wh"))
    for (const auto& c : setup["consumption_wh"])
      s.consumption_wh.push_back({str(need(c, "site"), "site"), parse_iso(str(need(c, "start"), "start"), "start"), whole(need(c, "wh"), "wh")});
  if (setup.contains("storage"))
    for (const auto& st : setup["storage"])
      s.storage.push_back({str(need(st, "id"), "id"), str(need(st, "market"), "market"), num(need(st, "roundtrip_eff"), "roundtrip_eff")});
  if (setup.contains("lifetime_s")) s.lifetime_s = whole(setup["lifetime_s"], "lifetime_s");
  return s;
}

// One registry operation (README "certificates" layout) -> {"i", "op", "ok", "error", "result"}.
json apply_registry_op(Registry& reg, const json& op, std::size_t i) {
  const std::string kind = str(need(op, "op"), "op");
  json row;
  row["i"] = i;
  row["op"] = kind;
  RegistryCode code = RegistryCode::ok;
  json result;
  if (kind == "issue") {
    IssueRequest q{str(need(op, "device"), "device"), str(need(op, "market"), "market"), str(need(op, "technology"), "technology"),
                   parse_iso(str(need(op, "start"), "start"), "start"), parse_iso(str(need(op, "end"), "end"), "end"),
                   whole(need(op, "volume_wh"), "volume_wh"), str(need(op, "owner"), "owner"),
                   op.contains("metered_wh") && !op["metered_wh"].is_null() ? whole(op["metered_wh"], "metered_wh") : -1};
    auto r = reg.issue(q);
    code = r.code;
    if (r.ok()) result = {{"id", r.value}};
  } else if (kind == "transfer") {
    const std::string cid = str(need(op, "cid"), "cid"), to = str(need(op, "to"), "to");
    auto r = reg.transfer(cid, str(need(op, "owner"), "owner"), to);
    code = r.code;
    if (r.ok()) result = {{"id", cid}, {"owner", to}};
  } else if (kind == "split") {
    std::vector<std::int64_t> parts;
    const json& ps = need(op, "parts");
    if (!ps.is_array()) bad("expected an array of Wh", "parts");
    for (const auto& p : ps) parts.push_back(whole(p, "parts"));
    auto r = reg.split(str(need(op, "cid"), "cid"), str(need(op, "owner"), "owner"), parts);
    code = r.code;
    if (r.ok()) result = {{"children", r.value}};
  } else if (kind == "retire") {
    const auto& c = need(op, "claim");
    const std::string type = str(need(c, "type"), "type");
    if (type != "hourly" && type != "annual") bad("claim type must be hourly or annual", "type");
    Claim claim = type == "hourly" ? Claim::hourly(parse_iso(str(need(c, "start"), "start"), "start"), parse_iso(str(need(c, "end"), "end"), "end"))
                                   : Claim::annual(small_int(need(c, "year"), "year"));
    const std::string cid = str(need(op, "cid"), "cid");
    auto r = reg.retire({cid, str(need(op, "owner"), "owner"), str(need(op, "beneficiary"), "beneficiary"),
                         str(need(op, "site"), "site"), str(need(op, "consumption_market"), "consumption_market"), claim});
    code = r.code;
    if (r.ok()) result = {{"id", cid}, {"status", "retired"}};
  } else if (kind == "storage_charge") {
    const std::string cid = str(need(op, "cid"), "cid");
    auto r = reg.storage_charge(cid, str(need(op, "owner"), "owner"), str(need(op, "sid"), "sid"),
                                parse_iso(str(need(op, "charge_start"), "charge_start"), "charge_start"),
                                parse_iso(str(need(op, "charge_end"), "charge_end"), "charge_end"));
    code = r.code;
    if (r.ok()) result = {{"id", cid}, {"status", "cancelled_for_storage"}};
  } else if (kind == "storage_discharge_issue") {
    auto r = reg.storage_discharge_issue(str(need(op, "sid"), "sid"), parse_iso(str(need(op, "start"), "start"), "start"),
                                         parse_iso(str(need(op, "end"), "end"), "end"), whole(need(op, "volume_wh"), "volume_wh"),
                                         str(need(op, "owner"), "owner"), whole(need(op, "metered_discharge_wh"), "metered_discharge_wh"));
    code = r.code;
    if (r.ok()) {
      json issued = json::array();
      for (const auto& x : r.value)
        issued.push_back({{"id", x.id}, {"volume_wh", x.volume_wh}, {"source_cert", x.source_cert},
                          {"source_interval", {format_iso(x.source_start_s), format_iso(x.source_end_s)}}});
      result = {{"issued", issued}};
    }
  } else if (kind == "expire") {
    const std::size_t n = reg.expire(parse_iso(str(need(op, "now"), "now"), "now"));
    result = {{"expired", n}};
  } else {
    bad("unknown registry operation (issue, transfer, split, retire, storage_charge, storage_discharge_issue, expire)", "op");
  }
  row["ok"] = code == RegistryCode::ok;
  row["error"] = code == RegistryCode::ok ? json(nullptr) : json(registry_code_name(code));
  row["result"] = code == RegistryCode::ok ? result : json(nullptr);
  return row;
}

// The registry's state in the README "certificates" layout: final_state and claims_wh.
void registry_state(const Registry& reg, json& out) {
  json certs = json::object();
  std::map<std::string, std::int64_t> by_status, balances;
  for (const auto& c : reg.certificates()) {
    json o;
    o["owner"] = c.owner;
    o["status"] = cert_status_name(c.status);
    o["volume_wh"] = c.volume_wh;
    o["market"] = c.market;
    o["interval"] = {format_iso(c.start_s), format_iso(c.end_s)};
    o["parent"] = c.parent.empty() ? json(nullptr) : json(c.parent);
    o["from_storage"] = c.from_storage.empty() ? json(nullptr) : json(c.from_storage);
    o["source_interval"] = c.source_interval ? json({format_iso(c.source_interval->first), format_iso(c.source_interval->second)}) : json(nullptr);
    certs[c.id] = o;
    if (c.status != CertStatus::split) {
      by_status[cert_status_name(c.status)] += c.volume_wh;
      if (c.status == CertStatus::active) balances[c.owner] += c.volume_wh;
    }
  }
  json fs;
  fs["certificates"] = certs;
  json bs = json::object(), ab = json::object();
  for (const auto& [k, v] : by_status) bs[k] = v;
  for (const auto& [k, v] : balances) ab[k] = v;
  fs["leaf_volume_by_status_wh"] = bs;
  fs["active_balance_by_account_wh"] = ab;
  json st = json::object();
  for (const auto& x : reg.storage_state())
    st[x.id] = {{"charged_wh", x.charged_wh}, {"released_wh", x.released_wh}, {"remaining_charged_wh", x.remaining_charged_wh}};
  fs["storage"] = st;
  out["final_state"] = fs;
  json claims = json::object();
  for (const auto& [k, v] : reg.claims()) claims[k.first + "@" + format_iso(k.second)] = v;
  out["claims_wh"] = claims;
}

json run_certs(const json& in) {
  Registry reg = take(Registry::make(parse_registry_setup(need(in, "setup"))));
  json ops = json::array();
  std::size_t i = 0;
  for (const auto& op : need(in, "operations")) ops.push_back(apply_registry_op(reg, op, i++));
  json out;
  out["operations"] = ops;
  registry_state(reg, out);
  return out;
}

// ---------------------------------------------------------------- shift
json run_shift(const json& in) {
  json out;
  if (in.contains("shifts")) {
    const auto& hours = need(in, "hours");
    json results = json::array();
    for (const auto& s : need(in, "shifts")) {
      const std::string from = str(need(s, "from"), "from"), to = str(need(s, "to"), "to");
      if (!hours.contains(from) || !hours.contains(to)) bad("shift names an hour without factors", "shifts");
      const double kwh = num(need(s, "kwh"), "kwh");
      const double f_avg[2] = {num(need(hours[from], "aef"), "aef"), num(need(hours[to], "aef"), "aef")};
      const double f_mar[2] = {num(need(hours[from], "mef"), "mef"), num(need(hours[to], "mef"), "mef")};
      const double da = take(shift_delta_kg(kwh, 0, 1, f_avg));
      const double dm = take(shift_delta_kg(kwh, 0, 1, f_mar));
      results.push_back({{"from", from}, {"to", to}, {"delta_average_kg", da}, {"delta_marginal_kg", dm},
                         {"signs_disagree", (da < 0) != (dm < 0) && da != 0 && dm != 0}});
    }
    out["results"] = results;
  } else if (in.contains("charge_kwh")) {
    const auto aef = nums(need(in, "aef_g_per_kwh"), "aef_g_per_kwh");
    const auto mef = nums(need(in, "mef_g_per_kwh"), "mef_g_per_kwh");
    if (aef.size() != mef.size()) bad("aef and mef lengths differ", "mef_g_per_kwh");
    const double c = num(need(in, "charge_kwh"), "charge_kwh"), eta = num(need(in, "roundtrip_eff"), "roundtrip_eff");
    auto eval = [&](const std::vector<double>& signal) {
      const StorageCycle cy = take(best_single_cycle(signal, c, eta));
      std::vector<double> sched(aef.size(), 0.0), charge(aef.size(), 0.0);
      sched[cy.charge_hour] = c;
      sched[cy.discharge_hour] = -eta * c;
      charge[cy.charge_hour] = c;
      json o;
      o["charge_hour"] = cy.charge_hour;
      o["discharge_hour"] = cy.discharge_hour;
      o["delta_under_aef_kg"] = take(dispatch_delta_kg(sched, aef));
      o["delta_under_mef_kg"] = take(dispatch_delta_kg(sched, mef));
      o["discharge_attributional_ef_g_per_kwh"] = take(discharge_attributional_ef(charge, aef, eta));
      return o;
    };
    out["aef_optimal"] = eval(aef);
    out["mef_optimal"] = eval(mef);
  } else if (in.contains("generation_kwh")) {
    const auto gen = nums(need(in, "generation_kwh"), "generation_kwh");
    const auto moer_lb = nums(need(in, "moer_lbs_per_mwh"), "moer_lbs_per_mwh");
    const auto aoer = nums(need(in, "aoer_g_per_kwh"), "aoer_g_per_kwh");
    std::vector<double> moer;
    for (double v : moer_lb) moer.push_back(take(to_g_per_kwh(v, IntensityUnit::lb_per_mwh)));
    out["moer_g_per_kwh"] = moer;
    // Avoided emissions of generation: sum g_t x f_t (generation displaces grid withdrawal).
    out["avoided_marginal_kg"] = take(delta_emissions_kg(gen, moer));
    out["avoided_average_kg"] = take(delta_emissions_kg(gen, aoer));
  } else if (in.contains("part1")) {
    const auto& p1 = in["part1"];
    const auto e = nums(need(p1, "energy_kwh"), "energy_kwh"), ci = nums(need(p1, "ci_g_per_kwh"), "ci_g_per_kwh");
    json o1;
    o1["emissions_kg"] = take(delta_emissions_kg(e, ci));
    o1["energy_weighted_ci_g_per_kwh"] = take(energy_weighted_intensity(e, ci));
    double mean = 0;
    for (double v : ci) mean += v;
    o1["unweighted_mean_ci_g_per_kwh_WRONG"] = ci.empty() ? 0.0 : mean / static_cast<double>(ci.size());
    out["part1"] = o1;
    if (in.contains("part2")) {
      const auto& p2 = in["part2"];
      const std::int64_t t0 = parse_iso(str(need(p2, "quarter_hour_start"), "quarter_hour_start"), "quarter_hour_start");
      const auto cons = nums(need(p2, "consumption_kwh"), "consumption_kwh");
      std::map<std::int64_t, double> ci_map;
      for (const auto& [k, v] : need(p2, "hourly_ci_interval_start_labelled").items())
        ci_map[parse_iso(k, "hourly_ci_interval_start_labelled")] = num(v, "hourly_ci_interval_start_labelled");
      if (ci_map.empty()) bad("no hourly intensities", "hourly_ci_interval_start_labelled");
      std::vector<double> civ;
      std::int64_t expect = ci_map.begin()->first;
      for (const auto& [t, v] : ci_map) {
        if (t != expect) bad("hourly intensities must be contiguous", "hourly_ci_interval_start_labelled");
        civ.push_back(v);
        expect += 3600;
      }
      auto energy = take(TimeSeries::make(t0, 900, cons));
      auto factor = take(TimeSeries::make(ci_map.begin()->first, 3600, civ));
      json o2;
      o2["emissions_kg"] = take(delta_emissions_kg(energy, factor));
      out["part2"] = o2;
    }
  } else if (in.contains("delta_kwh")) {
    // Generic form: a change in withdrawal under average and marginal factors.
    const auto d = nums(in["delta_kwh"], "delta_kwh");
    out["delta_average_kg"] = take(delta_emissions_kg(d, nums(need(in, "aef_g_per_kwh"), "aef_g_per_kwh")));
    out["delta_marginal_kg"] = take(delta_emissions_kg(d, nums(need(in, "mef_g_per_kwh"), "mef_g_per_kwh")));
  } else {
    bad("shift inputs of an unknown form");
  }
  return out;
}

}  // namespace

Result<std::string> run_case_json(std::string_view family, std::string_view inputs_json) {
  json doc = json::parse(inputs_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail(Errc::malformed, "input is not a JSON object");
  const json& in = (doc.contains("schema") && doc.contains("inputs")) ? doc["inputs"] : doc;
  try {
    json out;
    if (family == "scope2") out = run_scope2(in);
    else if (family == "cfe") out = run_cfe(in);
    else if (family == "flowtrace" || family == "trace") out = run_flowtrace(in);
    else if (family == "certs" || family == "certificates") out = run_certs(in);
    else if (family == "shift") out = run_shift(in);
    else return fail(Errc::unsupported, "unknown family (scope2, cfe, flowtrace, certs, shift)");
    return out.dump();
  } catch (const CaseError& e) {
    return fail(e.e);
  } catch (const json::exception&) {
    return fail(Errc::malformed, "case inputs have a field of the wrong type");
  }
}

Result<RegistrySetup> registry_setup_from_json(std::string_view setup_json) {
  json doc = json::parse(setup_json, nullptr, false);
  if (doc.is_discarded()) return fail(Errc::malformed, "registry setup is not JSON");
  try {
    return parse_registry_setup(doc);
  } catch (const CaseError& e) {
    return fail(e.e);
  } catch (const json::exception&) {
    return fail(Errc::malformed, "registry setup has a field of the wrong type");
  }
}

Result<std::string> registry_apply_json(Registry& reg, std::string_view op_json) {
  json op = json::parse(op_json, nullptr, false);
  if (op.is_discarded() || !op.is_object()) return fail(Errc::malformed, "registry operation is not a JSON object");
  try {
    json row = apply_registry_op(reg, op, reg.operation_count());
    row.erase("i");
    return row.dump();
  } catch (const CaseError& e) {
    return fail(e.e);
  } catch (const json::exception&) {
    return fail(Errc::malformed, "registry operation has a field of the wrong type");
  }
}

std::string registry_state_json(const Registry& reg) {
  json out;
  registry_state(reg, out);
  return out.dump();
}

Result<std::string> run_case_document(std::string_view case_json) {
  json doc = json::parse(case_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("family") || !doc["family"].is_string())
    return fail(Errc::malformed, "not a case document (needs family and inputs)");
  return run_case_json(doc["family"].get<std::string>(), case_json);
}

}  // namespace joule::carbon
