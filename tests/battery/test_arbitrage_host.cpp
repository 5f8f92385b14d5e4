// The freestanding arbitrage DP reproduces the grid reference cases.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "joule/battery/arbitrage.hpp"
#include "joule/battery/dispatch.hpp"

TEST_CASE("core arbitrage DP matches the grid reference cases") {
  // grid_1y1h and the *_negative_midday cases have steps where burning energy
  // pays (SPEC 4.2): the core DP refuses them (checked below), the host solver does them.
  for (const char* id : {"grid_24h15_double_hump", "grid_24h15_terminal_value", "grid_7d15_spikes", "grid_1y1h"}) {
    const bool refuse = std::string(id) == "grid_1y1h";
    std::ifstream f(std::filesystem::path(JOULE_TEST_DATA_DIR) / "battery" / (std::string(id) + ".json"));
    REQUIRE(f);
    std::stringstream ss;
    ss << f.rdbuf();
    auto prob = joule::battery::parse_case_json(ss.str());
    REQUIRE(prob);
    const auto j = nlohmann::json::parse(ss.str());
    const double ref = j["solution"]["objective"].get<double>();
    const auto& b = prob->battery;
    const std::size_t T = prob->steps();
    joule::battery::ArbitrageParams p;
    p.soc_min_kwh = b.soc_min * b.capacity_kwh;
    p.soc_max_kwh = b.soc_max * b.capacity_kwh;
    p.soc_init_kwh = b.soc_init * b.capacity_kwh;
    if (b.terminal.mode == joule::battery::TerminalMode::fixed) p.terminal_min_kwh = p.terminal_max_kwh = b.terminal.soc * b.capacity_kwh;
    if (b.terminal.mode == joule::battery::TerminalMode::min) p.terminal_min_kwh = b.terminal.soc * b.capacity_kwh;
    if (b.terminal.mode == joule::battery::TerminalMode::value) p.terminal_value_per_kwh = b.terminal.value_per_kwh;
    p.p_charge_max_kw = std::min(b.p_charge_max_kw, prob->grid.import_max_kw);
    p.p_discharge_max_kw = std::min(b.p_discharge_max_kw, prob->grid.export_max_kw);
    p.eta_charge = b.eta_charge;
    p.eta_discharge = b.eta_discharge;
    p.degradation_cost_per_kwh = b.degradation_cost_per_kwh;
    std::vector<double> dt(T, prob->dt_hours[0]), ch(T), dis(T), soc(T + 1), work(T * 129 + 512);
    if (prob->dt_hours.size() == T) dt = prob->dt_hours;
    auto r = joule::battery::arbitrage_dispatch(p, dt, prob->price_import, prob->price_export, ch, dis, soc, work);
    if (refuse) {
      REQUIRE_FALSE(r);
      CHECK(r.error().code == joule::Errc::unsupported);
      continue;
    }
    if (!r) FAIL(std::string(id) << ": " << std::string(r.error().message) << " at " << r.error().where.position);
    INFO(id << " core " << *r << " ref " << ref);
    CHECK(std::fabs(*r - ref) <= 1e-6 * std::max(1.0, std::fabs(ref)));
    // the schedule re-evaluates to the objective
    joule::battery::Schedule s;
    s.charge_kw = ch;
    s.discharge_kw = dis;
    s.pv_curtail_kw.assign(T, 0.0);
    for (std::size_t t = 0; t < T; ++t) {
      s.grid_import_kw.push_back(std::max(0.0, ch[t] - dis[t]));
      s.grid_export_kw.push_back(std::max(0.0, dis[t] - ch[t]));
    }
    double obj = 0;
    joule::battery::evaluate(*prob, s, &obj);
    CHECK(std::fabs(obj - ref) <= 1e-6 * std::max(1.0, std::fabs(ref)));
  }
}
