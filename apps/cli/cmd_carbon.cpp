// `joule carbon ...`: the carbon calculators on worked-example JSON files.
#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "format.hpp"
#include "joule/carbon/cases.hpp"
#include "joule/carbon/registry.hpp"

namespace joule::cli {

namespace {

// What one CSV/table row is, per family (docs/cli.md).
std::pair<TableSpec, const char*> rows_of(const std::string& family) {
  if (family == "scope2") return {{{{"/market_based_allocation"}}}, "one row per contractual instrument used"};
  if (family == "cfe") return {{{{"/hourly"}}, {}, "hour"}, "one row per hour (direct, charge, discharge, grid, ...)"};
  if (family == "flowtrace") return {{{{"/zones", "zone"}}}, "one row per zone (flows, intensities, shares)"};
  if (family == "certs") return {{{{"/operations"}}}, "one row per registry operation (op, ok, error)"};
  return {{{{"", "case"}}}, "one row per strategy or case"};
}

void add_family(CLI::App* carbon, const char* name, const char* family, const char* help) {
  auto* cmd = carbon->add_subcommand(name, help);
  auto path = std::make_shared<std::string>();
  auto format = std::make_shared<Format>(Format::json);
  cmd->add_option("--input,-i", *path, "case JSON (a joule-carbon-testcase/1 document or its inputs object)")
      ->required();
  add_format_option(cmd, *format, rows_of(family).second);
  cmd->callback([path, format, family, name] {
    std::string text;
    const std::string context = std::string("carbon ") + name;
    if (!read_file(*path, text, context)) std::exit(kExitInput);
    if (!check_json(text, *path, context)) std::exit(kExitFailure);
    auto out = carbon::run_case_json(family, text);
    if (!out) std::exit(report(out.error(), context));
    emit(*out, *format, rows_of(family).first);
  });
}

}  // namespace

void register_carbon(CLI::App& app) {
  auto* carbon = app.add_subcommand("carbon", "Carbon accounting: Scope 2, 24/7 CFE, flow tracing, certificates, load shifting.");
  carbon->require_subcommand(1);
  add_family(carbon, "scope2", "scope2",
             "Scope 2 location- and market-based (GHG Protocol Scope 2 Guidance).\n"
             "  example: joule carbon scope2 --input scope2_dual_reporting.json");
  add_family(carbon, "cfe", "cfe",
             "Hourly matching and 24/7 CFE score with storage (FIFO certificates).\n"
             "  example: joule carbon cfe --input cfe_day_battery.json");
  add_family(carbon, "trace", "flowtrace",
             "Flow-traced consumption intensity per zone (Tranberg et al. 2019).\n"
             "  example: joule carbon trace --input flowtrace_3zone_loop.json");
  add_family(carbon, "certs", "certs",
             "Replay registry operations (issue, transfer, split, retire, storage) with rejection codes.\n"
             "  example: joule carbon certs --input certs_lifecycle.json");
  add_family(carbon, "shift", "shift",
             "Emissions effect of shifting load or dispatching storage, average vs marginal factors.\n"
             "  example: joule carbon shift --input shift_battery_signal_choice.json");
  auto* verify = carbon->add_subcommand("verify", "Verify the SHA-256 hash chain of a registry log (JSON lines).\n"
                                                  "  example: joule carbon verify --log registry.jsonl");
  auto log = std::make_shared<std::string>();
  verify->add_option("--log", *log, "registry log file")->required();
  verify->callback([log] {
    std::string text;
    if (!read_file(*log, text, "carbon verify")) std::exit(kExitInput);
    auto n = carbon::verify_log(text);
    if (!n) std::exit(report(n.error(), "carbon verify"));
    fmt::print("{{\"ok\": true, \"entries\": {}}}\n", *n);
  });
}

}  // namespace joule::cli
