// `joule battery ...`: exact dispatch of a joule.battery.case/1 JSON case.
#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "joule/battery/dispatch.hpp"

namespace joule::cli {

void register_battery(CLI::App& app) {
  auto* bat = app.add_subcommand("battery", "Battery dispatch: exact optimum, certificate, infeasibility screens.");
  bat->require_subcommand(1);

  auto* opt = bat->add_subcommand(
      "optimize",
      "Solve a joule.battery.case/1 JSON case exactly and print\n"
      "{\"objective\", \"breakdown\", \"schedule\", \"certificate\", \"verification\"} as JSON.\n"
      "  example: joule battery optimize --input home_24h15_double_hump.json --output result.json");
  static std::string input, output;
  static bool timing = false;
  opt->add_option("--input,-i", input, "case JSON file ('-' = stdin)")->required();
  opt->add_option("--output,-o", output, "write the result here instead of stdout");
  opt->add_flag("--timing", timing, "print the solve time to stderr");
  opt->callback([] {
    std::string text;
    if (input == "-") {
      std::stringstream ss;
      ss << std::cin.rdbuf();
      text = ss.str();
    } else {
      std::ifstream f(input, std::ios::binary);
      if (!f) {
        fmt::print(stderr, "joule: io_error: cannot read {}\n", input);
        std::exit(kExitInput);
      }
      std::stringstream ss;
      ss << f.rdbuf();
      text = ss.str();
    }
    auto prob = battery::parse_case_json(text);
    if (!prob) std::exit(report(prob.error(), "battery optimize"));
    const auto t0 = std::chrono::steady_clock::now();
    auto sol = battery::solve(*prob);
    const auto t1 = std::chrono::steady_clock::now();
    if (!sol) {
      // explain infeasibility: every screen hit, with step and amount
      for (const auto& i : battery::screen(*prob)) fmt::print(stderr, "joule: infeasible: {}\n", i.message);
      std::exit(report(sol.error(), "battery optimize"));
    }
    const auto ver = battery::verify(*prob, sol->schedule, sol->certificate);
    if (timing)
      fmt::print(stderr, "solve_s={:.6f} steps={} dp_passes={}\n", std::chrono::duration<double>(t1 - t0).count(),
                 prob->steps(), sol->dp_passes);
    const std::string json = battery::solution_to_json(*prob, *sol, ver);
    if (output.empty()) {
      fmt::print("{}\n", json);
    } else {
      std::ofstream f(output, std::ios::binary);
      if (!f) {
        fmt::print(stderr, "joule: io_error: cannot write {}\n", output);
        std::exit(kExitInput);
      }
      f << json << "\n";
    }
    if (!ver.feasible) std::exit(report(Error(Errc::internal, "verifier rejected the schedule"), "battery optimize"));
  });

  auto* scr = bat->add_subcommand("screen",
                                  "List reasons a case is infeasible (step, constraint, amount).\n"
                                  "  example: joule battery screen --input case.json");
  static std::string sinput;
  scr->add_option("--input,-i", sinput, "case JSON file")->required();
  scr->callback([] {
    std::ifstream f(sinput, std::ios::binary);
    if (!f) {
      fmt::print(stderr, "joule: io_error: cannot read {}\n", sinput);
      std::exit(kExitInput);
    }
    std::stringstream ss;
    ss << f.rdbuf();
    auto prob = battery::parse_case_json(ss.str());
    if (!prob) std::exit(report(prob.error(), "battery screen"));
    const auto issues = battery::screen(*prob);
    fmt::print("[");
    for (std::size_t i = 0; i < issues.size(); ++i)
      fmt::print("{}{{\"step\": {}, \"constraint\": \"{}\", \"amount\": {}}}", i ? ", " : "", issues[i].step,
                 issues[i].constraint, issues[i].amount);
    fmt::print("]\n");
    if (!issues.empty()) std::exit(kExitFailure);
  });
}

}  // namespace joule::cli
