// `joule battery ...`: exact dispatch of a joule.battery.case/1 JSON case.
#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "format.hpp"
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
  static Format format = Format::json;
  opt->add_option("--input,-i", input, "case JSON file ('-' = stdin)")->required();
  add_format_option(opt, format,
                    "one row per step (step, charge_kw, discharge_kw, grid_export_kw, grid_import_kw, "
                    "pv_curtail_kw, soc_kwh at the end of the step, pi and w in currency/kWh)");
  opt->add_option("--output,-o", output, "write the result here instead of stdout");
  opt->add_flag("--timing", timing, "print the solve time to stderr");
  opt->callback([] {
    std::string text;
    if (!read_file(input, text, "battery optimize")) std::exit(kExitInput);
    if (!check_json(text, input, "battery optimize")) std::exit(kExitFailure);
    auto prob = battery::parse_case_json(text);
    if (!prob) std::exit(report(prob.error(), "battery optimize"));
    const auto t0 = std::chrono::steady_clock::now();
    Progress progress(fmt::format("battery optimize: {} steps", prob->steps()), 0);
    auto sol = battery::solve(*prob);
    progress.finish();
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
    const TableSpec steps{{{"/schedule"}, {"/schedule/soc_kwh", "soc_kwh", 1}, {"/certificate/pi"}, {"/certificate/w"}},
                          {"peak_kw", "soc_kwh"}, "step"};
    if (output.empty()) {
      emit(json, format, steps);
    } else {
      std::FILE* f = std::fopen(output.c_str(), "wb");
      if (!f) {
        fmt::print(stderr, "joule: battery optimize: cannot write '{}' (check the directory exists)\n", output);
        std::exit(kExitInput);
      }
      emit(json, format, steps, f);
      std::fclose(f);
    }
    if (!ver.feasible) std::exit(report(Error(Errc::internal, "verifier rejected the schedule"), "battery optimize"));
  });

  auto* scr = bat->add_subcommand("screen",
                                  "List reasons a case is infeasible (step, constraint, amount).\n"
                                  "  example: joule battery screen --input case.json");
  static std::string sinput;
  static Format sformat = Format::json;
  scr->add_option("--input,-i", sinput, "case JSON file")->required();
  add_format_option(scr, sformat, "one row per issue (step, constraint, amount)");
  scr->callback([] {
    std::string text;
    if (!read_file(sinput, text, "battery screen")) std::exit(kExitInput);
    if (!check_json(text, sinput, "battery screen")) std::exit(kExitFailure);
    auto prob = battery::parse_case_json(text);
    if (!prob) std::exit(report(prob.error(), "battery screen"));
    const auto issues = battery::screen(*prob);
    std::string out = "[";
    for (std::size_t i = 0; i < issues.size(); ++i)
      out += fmt::format("{}{{\"step\": {}, \"constraint\": \"{}\", \"amount\": {}}}", i ? ", " : "", issues[i].step,
                         issues[i].constraint, issues[i].amount);
    emit(out + "]", sformat);
    if (!issues.empty()) std::exit(kExitFailure);
  });
}

}  // namespace joule::cli
