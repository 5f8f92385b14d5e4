// joule: command-line face of the SDK. `joule --help` lists the commands.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "format.hpp"
#include "joule/core/crc.hpp"
#include "joule/core/obis.hpp"
#include "joule/version.hpp"

namespace joule::cli {

int report(const Error& e, const std::string& context) {
  std::string where;
  switch (e.where.kind) {
    case Where::Kind::byte: where = fmt::format(" (at byte {})", e.where.position); break;
    case Where::Kind::field: where = fmt::format(" (field '{}')", e.where.field ? e.where.field : ""); break;
    case Where::Kind::index: where = fmt::format(" (at index {})", e.where.position); break;
    case Where::Kind::none: break;
  }
  fmt::print(stderr, "joule: {}{}: {}{}\n", context.empty() ? "" : context + ": ", errc_name(e.code),
             e.message ? e.message : "", where);
  return kExitFailure;
}

namespace {

std::vector<std::uint8_t> parse_hex(const std::string& s, bool& ok) {
  std::vector<std::uint8_t> out;
  int hi = -1;
  ok = true;
  for (char c : s) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ' || c == ':' || c == '_' || c == '\n' || c == '\r' || c == '\t') continue;
    else {
      ok = false;
      return out;
    }
    if (hi < 0) hi = v;
    else {
      out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
      hi = -1;
    }
  }
  if (hi >= 0) ok = false;
  return out;
}

}  // namespace

void register_core(CLI::App& app) {
  auto* obis = app.add_subcommand("obis", "Parse an OBIS code (IEC 62056-6-1) and print its six groups.");
  obis->footer("example: joule obis 1-0:1.8.0\n  {\"obis\": \"1-0:1.8.0*255\", \"a\": 1, ...}\n"
               "example: joule obis --format table 1-0:1.8.0");
  static std::string obis_text;
  static Format obis_format = Format::json;
  obis->add_option("code", obis_text, "OBIS code text, e.g. 1-0:1.8.0 or 1.8.0")->required();
  add_format_option(obis, obis_format, "one row: obis, a..f");
  obis->callback([] {
    auto c = ObisCode::parse(obis_text);
    if (!c) std::exit(report(c.error(), "obis '" + obis_text + "'"));
    char buf[ObisCode::kMaxChars];
    auto n = c->to_chars(buf, ObisFormat::full);
    emit(fmt::format("{{\"obis\": \"{}\", \"a\": {}, \"b\": {}, \"c\": {}, \"d\": {}, \"e\": {}, \"f\": {}}}",
                     std::string(buf, *n), c->a(), c->b(), c->c(), c->d(), c->e(), c->f()),
         obis_format);
  });

  auto* crc = app.add_subcommand("crc", "CRC-16 of hex bytes (plain hex by default).");
  crc->footer("example: joule crc --kind modbus 01030000000A\n  CDC5\nexample: joule crc --kind x25 --format json 0102");
  static std::string crc_kind = "arc", crc_hex, crc_format;
  crc->add_option("--format", crc_format, "json | csv | table (one row: kind, crc); default: the CRC in hex")
      ->check(CLI::IsMember({"json", "csv", "table"}));
  crc->add_option("--kind", crc_kind, "arc | x25 | modbus | en13757")
      ->check(CLI::IsMember({"arc", "x25", "modbus", "en13757"}));
  crc->add_option("hex", crc_hex, "bytes in hex")->required();
  crc->callback([] {
    bool ok = false;
    const auto bytes = parse_hex(crc_hex, ok);
    if (!ok)
      std::exit(report(Error(Errc::malformed, "not a hex string: use pairs of 0-9/A-F digits (spaces, ':' and '_' are ignored)"), "crc"));
    std::uint16_t v = 0;
    if (crc_kind == "arc") v = crc16_arc(bytes);
    else if (crc_kind == "x25") v = crc16_x25(bytes);
    else if (crc_kind == "modbus") v = crc16_modbus(bytes);
    else v = crc16_en13757(bytes);
    if (crc_format.empty()) {
      fmt::print("{:04X}\n", v);
    } else {
      emit(fmt::format("{{\"kind\": \"{}\", \"crc\": \"{:04X}\", \"value\": {}}}", crc_kind, v, v),
           crc_format == "json" ? Format::json : crc_format == "csv" ? Format::csv : Format::table);
    }
  });
}

namespace {

// Commands describe themselves as "summary\n  example: ...". The command list of `joule --help`
// shows the summary; the examples move to the command's own help (its footer).
void examples_to_footer(CLI::App* app) {
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) {
    const std::string d = sub->get_description();
    std::string summary, examples;
    std::istringstream in(d);
    for (std::string line; std::getline(in, line);) {
      const auto p = line.find_first_not_of(' ');
      const bool example = p != std::string::npos && (line.compare(p, 8, "example:") == 0 || line.compare(p, 6, "input:") == 0);
      if (example || !examples.empty()) examples += (p == std::string::npos ? line : line.substr(p)) + "\n";
      else summary += (summary.empty() ? "" : "\n") + line;
    }
    if (!examples.empty()) {
      sub->description(summary);
      const std::string old = sub->get_footer();
      sub->footer(examples + (old.empty() ? "" : "\n" + old));
    }
    examples_to_footer(sub);
  }
}

}  // namespace

}  // namespace joule::cli

int main(int argc, char** argv) {
  CLI::App app{"joule: energy intelligence from the command line (meters, forecasts, batteries, markets, carbon)."};
  app.fallthrough();
  app.add_flag("--quiet,-q", joule::cli::globals().quiet, "no progress bars or notes on stderr (errors still)");
  app.add_flag("--no-progress", joule::cli::globals().no_progress, "no progress bars");
  app.set_version_flag("--version", std::string("joule ") + joule::kVersion);
  app.require_subcommand(0, 1);
  joule::cli::register_core(app);
  if (joule::cli::register_meter) joule::cli::register_meter(app);
  if (joule::cli::register_forecast) joule::cli::register_forecast(app);
  if (joule::cli::register_battery) joule::cli::register_battery(app);
  if (joule::cli::register_market) joule::cli::register_market(app);
  if (joule::cli::register_carbon) joule::cli::register_carbon(app);
  joule::cli::examples_to_footer(&app);
  // Set after the commands exist: CLI11 copies the parent's footer into subcommands made later.
  app.footer(
      "Examples:\n"
      "  joule decode telegram.txt                         decode a DSMR P1 telegram (JSON per telegram)\n"
      "  joule decode --format csv frames/*.bin            one CSV row per reading\n"
      "  joule forecast --input load.csv --horizon 48      day-ahead forecast with quantiles\n"
      "  joule battery optimize -i case.json --format table\n"
      "  joule market clear --input auction.json\n"
      "  joule carbon cfe --input cfe_day.json\n"
      "  joule <command> --help                            options and a worked example\n"
      "\n"
      "Output: --format json|csv|table on every command that prints data (JSON by default;\n"
      "forecast and anomalies default to CSV). Progress bars go to stderr when it is a terminal\n"
      "and the work takes over a second (--no-progress or --quiet turn them off).\n"
      "\n"
      "Exit codes:\n"
      "  0  ok\n"
      "  1  the input was read and a problem found (decode error, infeasible case, invalid JSON\n"
      "     or field; the message on stderr says what and where)\n"
      "  2  bad command line (unknown option, missing argument, value not allowed)\n"
      "  3  a file could not be read or written (the message names the path)\n"
      "\n"
      "Docs: docs/cli.md, docs/index.md");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : joule::cli::kExitUsage;
  }
  if (argc == 1) {
    std::fputs(app.help().c_str(), stdout);
  }
  return joule::cli::kExitOk;
}
