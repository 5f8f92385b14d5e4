// Exact dispatch of a joule.battery.case/1 file, its certificate and its value.
//   example_battery_dispatch tests/data/battery/home_24h15_double_hump.json
#include <cstdio>
#include <fstream>
#include <sstream>

#include "joule/battery/dispatch.hpp"
#include "joule/battery/mpc.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CASE.json\n", argv[0]);
    return 2;
  }
  std::ifstream f(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  auto prob = joule::battery::parse_case_json(ss.str());
  if (!prob) {
    std::fprintf(stderr, "invalid case: %s\n", prob.error().message);
    return 1;
  }
  auto sol = joule::battery::solve(*prob);
  if (!sol) {
    for (const auto& i : joule::battery::screen(*prob)) std::fprintf(stderr, "%s\n", i.message.c_str());
    return 1;
  }
  const auto ver = joule::battery::verify(*prob, sol->schedule, sol->certificate);
  auto value = joule::battery::value_report(*prob, sol->schedule);
  std::printf("objective %.6f, lower bound %.6f, proven optimal: %s\n", sol->objective, ver.lower_bound,
              ver.proven_optimal ? "yes" : "no");
  if (value)
    std::printf("saves %.4f vs no battery; %.2f equivalent full cycles; self-consumption %.2f -> %.2f kWh\n",
                value->total_baseline_cost - value->total_cost, value->equivalent_full_cycles,
                value->baseline_self_consumption_kwh, value->self_consumption_kwh_total);
  return 0;
}
