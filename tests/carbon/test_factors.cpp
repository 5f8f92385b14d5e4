// Emission factors: units, vintages, built-in AR5 medians, run-time share-alike tables.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "joule/carbon/factors.hpp"
#include "joule/carbon/shift.hpp"

using namespace joule::carbon;

TEST_CASE("carbon: intensity units are converted, not guessed") {
  CHECK_EQ(*to_g_per_kwh(1000.0, IntensityUnit::lb_per_mwh), doctest::Approx(453.59237).epsilon(1e-15));
  CHECK_EQ(*to_g_per_kwh(0.4, IntensityUnit::t_per_mwh), doctest::Approx(400.0));
  CHECK_EQ(*to_g_per_kwh(0.233, IntensityUnit::kg_per_kwh), doctest::Approx(233.0));
  CHECK_EQ(*to_g_per_kwh(512, IntensityUnit::kg_per_mwh), 512.0);
  CHECK_EQ(*from_g_per_kwh(453.59237, IntensityUnit::lb_per_mwh), doctest::Approx(1000.0));
  CHECK_EQ(*parse_intensity_unit("lbs CO2/MWh"), IntensityUnit::lb_per_mwh);
  CHECK_EQ(*parse_intensity_unit("gCO2e/kWh"), IntensityUnit::g_per_kwh);
  CHECK_EQ(*parse_intensity_unit("kgCO2eq/MWh"), IntensityUnit::kg_per_mwh);
  CHECK_FALSE(parse_intensity_unit("g/MJ"));
  CHECK_FALSE(to_g_per_kwh(std::nan(""), IntensityUnit::g_per_kwh));
}

TEST_CASE("carbon: built-in IPCC AR5 medians are the verified ones only") {
  CHECK_EQ(ipcc_ar5_lifecycle("coal")->g_per_kwh, 820.0);
  CHECK_EQ(ipcc_ar5_lifecycle("gas")->g_per_kwh, 490.0);
  CHECK_EQ(ipcc_ar5_lifecycle("wind")->g_per_kwh, 11.0);
  CHECK_EQ(ipcc_ar5_lifecycle("solar")->g_per_kwh, 48.0);
  CHECK_EQ(ipcc_ar5_lifecycle("Wind offshore")->g_per_kwh, 12.0);
  CHECK_FALSE(ipcc_ar5_lifecycle("CCS - Coal - PC"));  // not verified: not shipped
  CHECK_FALSE(ipcc_ar5_lifecycle("Ocean (tidal and wave)"));
  for (const auto& e : ipcc_ar5_table()) CHECK(e.median_g_per_kwh > 0);
  CHECK(std::isnan(ipcc_ar5_table()[2].min_g_per_kwh));  // biomass cofiring: only the median verified
}

TEST_CASE("carbon: annual tables carry vintage and fall back to the latest year") {
  auto t = AnnualFactorTable::make({{"DK1", 2023, 150}, {"DK1", 2024, 120}, {"SE3", 2022, 20}}, IntensityUnit::g_per_kwh, {});
  REQUIRE(t);
  auto f = t->for_year("DK1", 2024);
  REQUIRE(f);
  CHECK_EQ(f->g_per_kwh, 120.0);
  auto g = t->at("SE3", 1717236000);  // 2024 -> latest 2022
  REQUIRE(g);
  CHECK_EQ(g->meta.vintage_year, 2022);
  CHECK_FALSE(t->at("XX", 0));
  CHECK_FALSE(AnnualFactorTable::make({{"A", 2020, 1}, {"A", 2020, 2}}, IntensityUnit::g_per_kwh, {}));
}

TEST_CASE("carbon: marginal series in lb/MWh feeds the battery optimiser as g/kWh") {
  auto ts = joule::TimeSeries::make(1717200000, 3600, {1100, 1000, 0});
  FactorMeta m;
  m.kind = FactorKind::marginal;
  m.gas = Gas::co2;
  m.zone = "CAISO_NORTH";
  auto s = FactorSeries::make(std::move(*ts), IntensityUnit::lb_per_mwh, m);
  REQUIRE(s);
  auto path = intensity_path(*s, "CAISO_NORTH", 1717200000, 3600, 3);
  REQUIRE(path);
  CHECK_EQ((*path)[1], doctest::Approx(453.59237));
  CHECK_EQ(s->at("CAISO_NORTH", 1717200000 + 3599)->meta.valid_to_s, 1717203600);
  CHECK_FALSE(intensity_path(*s, "CAISO_NORTH", 1717200000, 3600, 4));  // beyond the series
  CHECK_FALSE(s->at("OTHER", 1717200000));
}

TEST_CASE("carbon: share-alike tables load at run time with attribution and licence") {
  const std::string dir = std::string(JOULE_TEST_DATA_DIR) + "/../../data/carbon/";
  if (!std::filesystem::exists(dir + "ember_average_intensity.csv")) {
    MESSAGE("skipped: data/carbon tables not present");
    return;
  }
  auto ember = load_ember_average_csv(dir + "ember_average_intensity.csv");
  REQUIRE(ember);
  CHECK(ember->size() > 200);
  auto deu = ember->for_year("DEU", 2024);
  REQUIRE(deu);
  CHECK_EQ(deu->g_per_kwh, doctest::Approx(342.06));
  CHECK_EQ(deu->meta.licence, "CC-BY-SA-4.0");
  auto em = load_electricitymaps_yearly_csv(dir + "electricitymaps_yearly_2021_2025.csv");
  REQUIRE(em);
  CHECK_EQ(em->for_year("DE", 2024)->g_per_kwh, doctest::Approx(341));
  CHECK_EQ(em->meta().boundary, Boundary::consumption);
  CHECK_EQ(em->meta().licence, "ODbL-1.0");
  auto ifi = load_ifi_operating_margin_csv(dir + "ifi_operating_margin_2021.csv");
  REQUIRE(ifi);
  CHECK_EQ(ifi->meta().kind, FactorKind::marginal);
  CHECK_EQ(ifi->meta().gas, Gas::co2);
  CHECK_FALSE(load_ember_average_csv(dir + "does_not_exist.csv"));
}
