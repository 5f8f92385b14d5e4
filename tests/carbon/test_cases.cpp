// The 15 worked examples of METHODS.md through the C++ API (JSON face and typed calculators).
#include <doctest/doctest.h>

#include <string>

#include "case_compare.hpp"
#include "joule/carbon/cases.hpp"
#include "joule/carbon/cfe.hpp"
#include "joule/carbon/scope2.hpp"

using joule::carbon::test::json_diff;
using joule::carbon::test::read_file;
using json = nlohmann::json;

namespace {
json load_case(const std::string& id) {
  const std::string text = read_file(std::string(JOULE_TEST_DATA_DIR) + "/carbon/" + id + ".json");
  REQUIRE_FALSE(text.empty());
  return json::parse(text);
}
}  // namespace

TEST_CASE("carbon: all 15 worked examples match their expected block (1e-9)") {
  for (const char* id : joule::carbon::test::kCaseIds) {
    CAPTURE(id);
    const json c = load_case(id);
    auto out = joule::carbon::run_case_document(c.dump());
    REQUIRE_MESSAGE(out.has_value(), (out ? "" : out.error().message));
    const json actual = json::parse(*out);
    const double abs_tol = c["tolerance"]["abs"].get<double>(), rel_tol = c["tolerance"]["rel"].get<double>();
    CHECK(abs_tol <= 1e-9);
    CHECK(rel_tol <= 1e-9);
    const std::string diff = json_diff(c["expected"], actual, abs_tol, rel_tol);
    CHECK_MESSAGE(diff.empty(), diff);
  }
}

TEST_CASE("carbon: every expected registry rejection carries its named code") {
  const json c = load_case("certs_lifecycle");
  const json actual = json::parse(*joule::carbon::run_case_document(c.dump()));
  int rejected = 0;
  for (std::size_t i = 0; i < c["expected"]["operations"].size(); ++i) {
    const auto& e = c["expected"]["operations"][i];
    if (e["ok"].get<bool>()) continue;
    ++rejected;
    CHECK_EQ(actual["operations"][i]["error"], e["error"]);
  }
  CHECK_EQ(rejected, 15);
}

TEST_CASE("carbon: scope2 typed API, quality reasons and the attribution report") {
  const json c = load_case("scope2_dual_reporting");
  auto out = json::parse(*joule::carbon::run_case_json("scope2", c["inputs"].dump()));
  CHECK_EQ(out["market_based_kg"].get<double>(), doctest::Approx(484.0));
  // Typed: the attribution report explains every kWh of every hour.
  joule::carbon::Scope2Input in;
  in.consumption_kwh = {100, 200};
  in.grid_ef_hourly = {400, 300};
  in.grid_ef_annual = 350;
  in.residual_mix_ef = 500;
  in.reporter = "ACME";
  in.consumption_market = "DK1";
  in.accepted_markets = {"DK1"};
  in.reporting_year = 2024;
  joule::carbon::Instrument go{"GO-1", joule::carbon::InstrumentType::eac, 150.0, {}, 0.0, "DK1", 2024, "ACME", true};
  joule::carbon::Instrument bad{"GO-2", joule::carbon::InstrumentType::eac, 50.0, {}, std::nullopt, "SE3", 2020, "X", true};
  joule::carbon::Instrument ppa{"PPA", joule::carbon::InstrumentType::ppa, std::nullopt, {120, 10}, 0.0, "DK1", 2024, "ACME", true};
  in.instruments = {ppa, go, bad};
  auto r = joule::carbon::compute_scope2(in);
  REQUIRE(r);
  REQUIRE_EQ(r->rejected.size(), 1u);
  CHECK_EQ(r->rejected[0].reasons.size(), 4u);  // no rate, market, vintage, not retired for reporter
  REQUIRE_EQ(r->allocation.size(), 2u);
  CHECK_EQ(r->allocation[0].id, "GO-1");  // EAC before contract
  CHECK_EQ(r->allocation[1].used_kwh, doctest::Approx(130.0));
  CHECK_EQ(r->residual_kwh, doctest::Approx(20.0));
  double h0 = 0, h1 = 0, kg = 0;
  for (const auto& l : r->attribution) {
    (l.hour == 0 ? h0 : h1) += l.kwh;
    kg += l.emissions_kg;
  }
  CHECK_EQ(h0, doctest::Approx(100.0));
  CHECK_EQ(h1, doctest::Approx(200.0));
  CHECK_EQ(kg, doctest::Approx(r->market_based_kg));
  // Hourly granularity: the PPA can only cover its own hours.
  in.granularity = joule::carbon::Scope2Granularity::hourly;
  auto rh = joule::carbon::compute_scope2(in);
  REQUIRE(rh);
  CHECK_EQ(rh->allocation[1].used_kwh, doctest::Approx(110.0));  // 100 in h0 (cap) + 10 in h1; GO spread after
  CHECK(rh->market_based_kg >= r->market_based_kg - 1e-9);
  // Bad input is an error, not a number.
  in.consumption_kwh[0] = -1;
  CHECK_FALSE(joule::carbon::compute_scope2(in));
}

TEST_CASE("carbon: CFE battery schedule is limited by the claim rules and changes the score") {
  joule::carbon::CfeInput in;
  in.load_kwh = {100, 100, 100, 100};
  in.ppa_kwh = {200, 200, 0, 0};
  in.grid_cfe_share = {0.5, 0.5, 0.5, 0.5};
  in.grid_ci_g_per_kwh = std::vector<double>{300, 300, 500, 500};
  auto base = joule::carbon::compute_cfe(in);
  REQUIRE(base);
  CHECK_EQ(base->cfe_score, doctest::Approx((200 + 100) / 400.0));
  in.battery = joule::carbon::CfeBattery{150, 100, 0.9, 0};
  in.battery_schedule_kwh = std::vector<double>{50, 500, -200, -500};  // asks for more than allowed
  auto s = joule::carbon::compute_cfe(in);
  REQUIRE(s);
  CHECK_EQ(s->hourly.charge_kwh[0], doctest::Approx(50));
  CHECK_EQ(s->hourly.charge_kwh[1], doctest::Approx(100));  // power limit and free capacity 100
  CHECK_EQ(s->hourly.discharge_kwh[2], doctest::Approx(100));  // deficit and power limit
  CHECK_EQ(s->hourly.discharge_kwh[3], doctest::Approx(35));   // eta x remaining 50 - 11.1 ...
  CHECK(s->cfe_score > base->cfe_score);
  CHECK(*s->grid_supply_emissions_kg < *base->grid_supply_emissions_kg);
  // Conservation of the battery: charged = delivered / eta + end state.
  CHECK_EQ(s->battery_charge_kwh, doctest::Approx(s->battery_discharge_kwh / 0.9 + *s->battery_soc_end_kwh));
  in.grid_cfe_share[1] = 1.5;
  CHECK_FALSE(joule::carbon::compute_cfe(in));
}

TEST_CASE("carbon: malformed case input is an error, not a crash") {
  CHECK_FALSE(joule::carbon::run_case_json("scope2", "{"));
  CHECK_FALSE(joule::carbon::run_case_json("scope2", "{}"));
  CHECK_FALSE(joule::carbon::run_case_json("nope", "{}"));
  CHECK_FALSE(joule::carbon::run_case_json("cfe", R"({"load_kwh":[1],"ppa_kwh":["x"],"grid_cfe_share":[0]})"));
  CHECK_FALSE(joule::carbon::run_case_json("cfe", R"({"load_kwh":[0],"ppa_kwh":[1],"grid_cfe_share":[0]})"));
}
