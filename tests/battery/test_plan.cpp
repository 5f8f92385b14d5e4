// Plan (kept value functions) and the warm-started shrinking-horizon MPC:
// a Plan's decision at any step from any stored energy equals a new solve of
// the remaining steps from that energy (Bellman's principle), and the warm
// MPC realises exactly the schedule of the cold one with far fewer solves.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "joule/battery/dispatch.hpp"
#include "joule/battery/mpc.hpp"

namespace jb = joule::battery;

namespace {
std::optional<jb::Problem> load_case(const std::string& id) {
  std::filesystem::path p = std::filesystem::path(JOULE_TEST_DATA_DIR) / "battery" / (id + ".json");
  if (!std::filesystem::exists(p)) p = std::filesystem::path(JOULE_SHARED_DIR) / "testdata" / "battery" / (id + ".json");
  if (!std::filesystem::exists(p)) return std::nullopt;
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  auto prob = jb::parse_case_json(ss.str());
  REQUIRE(prob);
  return *prob;
}

// Steps [t, T) of p, starting from stored energy e.
jb::Problem tail(const jb::Problem& p, std::size_t t, double e) {
  jb::Problem q = p;
  auto cut = [t](std::vector<double>& v) {
    if (v.size() > 1) v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(t));
  };
  if (q.dt_hours.size() > 1) cut(q.dt_hours);
  cut(q.price_import);
  cut(q.price_export);
  cut(q.load_kw);
  cut(q.pv_kw);
  cut(q.emission_factor);
  q.battery.soc_init = e / q.battery.capacity_kwh;
  return q;
}
}  // namespace

TEST_CASE("a Plan decides like a new solve of the remaining steps, from any stored energy") {
  int checked = 0;
  for (const char* id : {"home_24h15_double_hump", "home_24h15_negative_midday", "grid_24h15_negative_midday",
                         "grid_24h15_terminal_value", "home_48h_mixed_dt", "home_7d15_mixed"}) {
    auto p = load_case(id);
    if (!p) {
      MESSAGE("skipped: " << id << " not found");
      continue;
    }
    if (!p->demand_charges.empty()) continue;
    auto plan = jb::Plan::make(*p);
    REQUIRE(plan);
    auto sol = jb::solve(*p);
    REQUIRE(sol);
    CHECK(plan->objective() == doctest::Approx(sol->objective).epsilon(1e-9));
    const auto& b = p->battery;
    const double cap = b.capacity_kwh;
    const std::size_t T = p->steps();
    for (std::size_t t : {std::size_t{1}, T / 3, T / 2, T - 1}) {
      for (double frac : {0.0, 0.37, 1.0}) {
        const double e = (b.soc_min + frac * (b.soc_max - b.soc_min)) * cap;
        auto d = plan->decide(t, e);
        auto cold = jb::solve(tail(*p, t, e));
        INFO(id << " t=" << t << " e=" << e);
        if (!cold) {  // e.g. a fixed terminal SoC out of reach from e
          CHECK_FALSE(d);
          continue;
        }
        REQUIRE(d);
        CHECK(d->cost_to_go == doctest::Approx(cold->objective).epsilon(1e-9).scale(1.0));
        CHECK(d->charge_kw == doctest::Approx(cold->schedule.charge_kw[0]).epsilon(1e-9));
        CHECK(d->discharge_kw == doctest::Approx(cold->schedule.discharge_kw[0]).epsilon(1e-9));
        CHECK(d->grid_import_kw == doctest::Approx(cold->schedule.grid_import_kw[0]).epsilon(1e-9));
        CHECK(d->soc_next_kwh == doctest::Approx(cold->schedule.soc_kwh[1]).epsilon(1e-9));
        ++checked;
      }
    }
    // Reading the plan forward from the initial SoC reproduces the solve's schedule.
    double e = b.soc_init * cap;
    for (std::size_t t = 0; t < T; ++t) {
      auto d = plan->decide(t, e);
      REQUIRE(d);
      CHECK(d->charge_kw == sol->schedule.charge_kw[t]);
      CHECK(d->discharge_kw == sol->schedule.discharge_kw[t]);
      e = d->soc_next_kwh;
    }
  }
  MESSAGE("plan decisions checked against new solves: " << checked);
}

TEST_CASE("a Plan refuses demand charges, bad steps and energy outside the band") {
  auto p = load_case("commercial_24h15_demand");
  if (p) {
    auto plan = jb::Plan::make(*p);
    REQUIRE_FALSE(plan);
    CHECK(plan.error().code == joule::Errc::unsupported);
  }
  auto h = load_case("home_24h15_double_hump");
  if (!h) return;
  auto plan = jb::Plan::make(*h);
  REQUIRE(plan);
  CHECK(plan->decide(h->steps(), 1.0).error().code == joule::Errc::invalid_argument);
  CHECK(plan->decide(0, h->battery.capacity_kwh * 2).error().where.field == std::string("soc_kwh"));
  auto v0 = plan->cost_to_go(0, h->battery.soc_init * h->battery.capacity_kwh);
  REQUIRE(v0);
  CHECK(*v0 == doctest::Approx(plan->objective()).epsilon(1e-12));
  CHECK(plan->cost_to_go(h->steps() + 1, 0.0).error().code == joule::Errc::invalid_argument);
}

/// The same backtest without and with warm starts (both must succeed).
template <class F>
std::pair<jb::MpcResult, jb::MpcResult> cold_and_warm(const jb::Problem& truth, F fc, jb::MpcOptions o) {
  o.warm_start = false;
  auto cold = jb::mpc_backtest(truth, fc, o);
  REQUIRE(cold);
  o.warm_start = true;
  auto warm = jb::mpc_backtest(truth, fc, o);
  REQUIRE(warm);
  return {std::move(*cold), std::move(*warm)};
}

TEST_CASE("warm-started shrinking-horizon MPC realises the cold schedule with one solve per forecast") {
  auto p = load_case("home_7d15_mixed");
  if (!p) {
    MESSAGE("skipped: home_7d15_mixed not found");
    return;
  }
  const jb::Problem truth = *p;
  // A day-ahead point forecast issued once per day: the truth with a
  // deterministic error, unchanged within the day, so the measured SoC drifts
  // from the plan and each decision is read from a state the plan did not visit.
  std::vector<double> fl(truth.load_kw), fp(truth.pv_kw);
  for (std::size_t k = 0; k < fl.size(); ++k) {
    fl[k] *= 1.0 + 0.15 * std::sin(0.37 * static_cast<double>(k));
    if (!fp.empty()) fp[k] *= 1.0 + 0.2 * std::cos(0.23 * static_cast<double>(k));
  }
  auto fc = [&](std::size_t t, std::size_t n) {
    jb::Scenario s;
    s.load_kw.assign(fl.begin() + static_cast<std::ptrdiff_t>(t), fl.begin() + static_cast<std::ptrdiff_t>(t + n));
    if (!fp.empty())
      s.pv_kw.assign(fp.begin() + static_cast<std::ptrdiff_t>(t), fp.begin() + static_cast<std::ptrdiff_t>(t + n));
    return std::vector<jb::Scenario>{s};
  };
  jb::MpcOptions o;
  o.horizon_steps = 96;
  o.horizon_mode = jb::HorizonMode::shrinking;
  auto [cold, warm] = cold_and_warm(truth, fc, o);
  CHECK(cold.warm_decisions == 0);
  const std::size_t T = truth.steps(), days = (T + 95) / 96;
  CHECK(warm.warm_decisions == T - days);  // one Plan per day, every other step read from it
  CHECK(warm.realised_cost == doctest::Approx(cold.realised_cost).epsilon(1e-9));
  for (std::size_t t = 0; t < T; ++t) {
    CHECK(warm.realised.charge_kw[t] == doctest::Approx(cold.realised.charge_kw[t]).epsilon(1e-9).scale(1.0));
    CHECK(warm.realised.discharge_kw[t] == doctest::Approx(cold.realised.discharge_kw[t]).epsilon(1e-9).scale(1.0));
  }
  // the forecast error costs something against perfect foresight, and the drift is real
  CHECK(warm.regret > 0);
  // a forecast that changes at every step gets a new Plan every step
  auto moving = [&](std::size_t t, std::size_t n) {
    auto sc = fc(t, n);
    for (double& v : sc[0].load_kw) v *= 1.0 + 1e-3 * static_cast<double>(t % 2);
    return sc;
  };
  auto fresh = jb::mpc_backtest(truth, moving, o);
  REQUIRE(fresh);
  CHECK(fresh->warm_decisions < T / 2 + days);
}

TEST_CASE("warm starts with forecast scenarios: one Plan per scenario, the cold decisions and scores") {
  auto p = load_case("home_7d15_mixed");
  if (!p) {
    MESSAGE("skipped: home_7d15_mixed not found");
    return;
  }
  const jb::Problem truth = *p;
  const std::size_t T = truth.steps(), days = (T + 95) / 96;
  // three load quantile paths issued once a day, unequal weights
  auto fc = [&](std::size_t t, std::size_t n) {
    std::vector<jb::Scenario> sc;
    const double scale[3] = {0.85, 1.0, 1.2}, weight[3] = {0.25, 0.5, 0.25};
    for (int k = 0; k < 3; ++k) {
      jb::Scenario s;
      s.weight = weight[k];
      for (std::size_t i = t; i < t + n; ++i)
        s.load_kw.push_back(truth.load_kw[i] * scale[k] * (1.0 + 0.1 * std::sin(0.37 * static_cast<double>(i))));
      sc.push_back(std::move(s));
    }
    return sc;
  };
  for (auto policy : {jb::ScenarioPolicy::min_expected_cost, jb::ScenarioPolicy::most_likely}) {
    jb::MpcOptions o;
    o.policy = policy;
    o.horizon_steps = 96;
    o.horizon_mode = jb::HorizonMode::shrinking;
    auto [cold, warm] = cold_and_warm(truth, fc, o);
    CHECK(warm.warm_decisions == T - days);
    // candidate first steps are scored from the Plans: no extra solves
    CHECK(warm.candidate_solves == 0);
    if (policy == jb::ScenarioPolicy::min_expected_cost) CHECK(cold.candidate_solves > 0);
    CHECK(warm.realised_cost == doctest::Approx(cold.realised_cost).epsilon(1e-9));
    for (std::size_t t = 0; t < T; ++t) {
      CHECK(warm.realised.charge_kw[t] == doctest::Approx(cold.realised.charge_kw[t]).epsilon(1e-9).scale(1.0));
      CHECK(warm.realised.discharge_kw[t] == doctest::Approx(cold.realised.discharge_kw[t]).epsilon(1e-9).scale(1.0));
      CHECK(warm.expected_cost[t] == doctest::Approx(cold.expected_cost[t]).epsilon(1e-9).scale(1.0));
      CHECK(warm.cost_spread[t] == doctest::Approx(cold.cost_spread[t]).epsilon(1e-9).scale(1.0));
    }
    CHECK(warm.cost_spread[T / 2] > 0);
  }
}

TEST_CASE("warm peak search: a start point gives the same optimum with fewer DP passes, also inside MPC") {
  auto p = load_case("commercial_24h15_demand");
  if (!p) {
    MESSAGE("skipped: commercial_24h15_demand not found");
    return;
  }
  auto cold = jb::solve(*p);
  REQUIRE(cold);
  jb::SolveOptions so;
  so.peak_start_kw = cold->schedule.peak_kw;
  auto warm = jb::solve(*p, so);
  REQUIRE(warm);
  CHECK(warm->objective == doctest::Approx(cold->objective).epsilon(1e-9));
  CHECK(warm->dp_passes < cold->dp_passes / 2);
  // a start far off (or infeasible: below the smallest feasible cap) still finds it
  for (double start : {0.0, 1e6}) {
    so.peak_start_kw = {start};
    auto far = jb::solve(*p, so);
    REQUIRE(far);
    CHECK(far->objective == doctest::Approx(cold->objective).epsilon(1e-9));
  }
  // MPC with the demand window: each solve starts from the previous step's peaks
  const jb::Problem truth = *p;
  auto fc = [&](std::size_t t, std::size_t n) {
    jb::Scenario s;
    for (std::size_t i = t; i < t + n; ++i)
      s.load_kw.push_back(truth.load_kw[i] * (1.0 + 0.1 * std::sin(0.37 * static_cast<double>(i))));
    return std::vector<jb::Scenario>{s};
  };
  jb::MpcOptions o;
  o.horizon_steps = 32;
  auto [mc, mw] = cold_and_warm(truth, fc, o);
  CHECK(mw.realised_cost == doctest::Approx(mc.realised_cost).epsilon(1e-6));
  CHECK(mw.dp_passes < mc.dp_passes * 3 / 4);
  MESSAGE("MPC with a demand window: " << mc.dp_passes << " DP passes cold, " << mw.dp_passes << " warm");
}
