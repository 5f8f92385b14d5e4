// joule: command-line face of the SDK. `joule --help` lists the commands.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "commands.hpp"
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
  auto* obis = app.add_subcommand("obis", "Parse an OBIS code and print its six groups.\n"
                                          "  example: joule obis 1-0:1.8.0");
  static std::string obis_text;
  obis->add_option("code", obis_text, "OBIS code text")->required();
  obis->callback([] {
    auto c = ObisCode::parse(obis_text);
    if (!c) std::exit(report(c.error(), "obis"));
    char buf[ObisCode::kMaxChars];
    auto n = c->to_chars(buf, ObisFormat::full);
    fmt::print("{{\"obis\": \"{}\", \"a\": {}, \"b\": {}, \"c\": {}, \"d\": {}, \"e\": {}, \"f\": {}}}\n",
               std::string(buf, *n), c->a(), c->b(), c->c(), c->d(), c->e(), c->f());
  });

  auto* crc = app.add_subcommand("crc", "CRC-16 of hex bytes.\n  example: joule crc --kind modbus 01030000000A");
  static std::string crc_kind = "arc", crc_hex;
  crc->add_option("--kind", crc_kind, "arc | x25 | modbus | en13757")
      ->check(CLI::IsMember({"arc", "x25", "modbus", "en13757"}));
  crc->add_option("hex", crc_hex, "bytes in hex")->required();
  crc->callback([] {
    bool ok = false;
    const auto bytes = parse_hex(crc_hex, ok);
    if (!ok) std::exit(report(Error(Errc::malformed, "not a hex string"), "crc"));
    std::uint16_t v = 0;
    if (crc_kind == "arc") v = crc16_arc(bytes);
    else if (crc_kind == "x25") v = crc16_x25(bytes);
    else if (crc_kind == "modbus") v = crc16_modbus(bytes);
    else v = crc16_en13757(bytes);
    fmt::print("{:04X}\n", v);
  });
}

}  // namespace joule::cli

int main(int argc, char** argv) {
  CLI::App app{"joule: energy intelligence from the command line (meters, forecasts, batteries, markets, carbon)."};
  app.footer(
      "Exit codes: 0 ok, 1 the input was processed and a problem found (message on stderr),\n"
      "            2 bad command line, 3 an input file could not be read.\n"
      "Docs: docs/index.md");
  app.set_version_flag("--version", std::string("joule ") + joule::kVersion);
  app.require_subcommand(0, 1);
  joule::cli::register_core(app);
  if (joule::cli::register_meter) joule::cli::register_meter(app);
  if (joule::cli::register_forecast) joule::cli::register_forecast(app);
  if (joule::cli::register_battery) joule::cli::register_battery(app);
  if (joule::cli::register_market) joule::cli::register_market(app);
  if (joule::cli::register_carbon) joule::cli::register_carbon(app);
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
