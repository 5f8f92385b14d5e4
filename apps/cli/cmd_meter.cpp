// `joule decode`: meter frames in, one JSON object per telegram out (schema joule-meter-expected/1).
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "commands.hpp"
#include "joule/meter/decode.hpp"
#include "joule/meter/drivers.hpp"

namespace joule::cli {
namespace {

struct DecodeArgs {
  std::string protocol = "auto";
  std::string key_hex;
  std::string auth_key_hex;
  bool hex = false;
  bool no_verify = false;
  bool strict = false;
  std::string driver;   // wM-Bus: auto | NAME | FILE.json
  bool describe = false;
  std::vector<std::string> files;
};

bool read_input(const std::string& name, std::vector<std::uint8_t>& out) {
  if (name == "-") {
    out.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream f(name, std::ios::binary);
  if (!f) return false;
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

int run_decode(const DecodeArgs& a) {
  meter::DecodeOptions o;
  auto p = meter::protocol_from_name(a.protocol);
  if (!p) return report(p.error(), "decode --protocol") == kExitFailure ? kExitUsage : kExitUsage;
  o.protocol = *p;
  o.hex_input = a.hex;
  o.verify_checksum = !a.no_verify;
  o.keep_going = !a.strict;
  if (!a.key_hex.empty()) {
    auto k = meter::parse_hex(a.key_hex);
    if (!k) return report(k.error(), "decode --key"), kExitUsage;
    o.key = *k;
  }
  if (!a.auth_key_hex.empty()) {
    auto k = meter::parse_hex(a.auth_key_hex);
    if (!k) return report(k.error(), "decode --auth-key"), kExitUsage;
    o.auth_key = *k;
  }
  int rc = kExitOk;
  for (const auto& file : a.files) {
    std::vector<std::uint8_t> bytes;
    if (!read_input(file, bytes)) {
      fmt::print(stderr, "joule: decode: cannot read '{}'\n", file);
      rc = kExitInput;
      continue;
    }
    if (!a.driver.empty() || a.describe) {
      // Driver mode: each file holds one wM-Bus telegram (binary, or hex with --hex).
      if (a.hex) {
        auto b = meter::parse_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        if (!b) {
          report(b.error(), file);
          rc = kExitInput;
          continue;
        }
        bytes = std::move(*b);
      }
      if (a.describe) {
        auto d = meter::drivers::describe(bytes, o.key);
        if (!d) {
          report(d.error(), file);
          if (rc == kExitOk) rc = kExitFailure;
          continue;
        }
        std::fputs((*d + "\n").c_str(), stdout);
        continue;
      }
      meter::drivers::ApplyOptions ao;
      ao.driver = a.driver;
      ao.key = o.key;
      auto r = meter::drivers::apply(bytes, ao);
      if (!r) {
        report(r.error(), file);
        if (rc == kExitOk) rc = kExitFailure;
        continue;
      }
      std::fputs((meter::drivers::to_json(*r) + "\n").c_str(), stdout);
      continue;
    }
    auto r = meter::decode(bytes, o);
    if (!r) {
      report(r.error(), file);
      if (rc == kExitOk) rc = kExitFailure;
      continue;
    }
    for (const auto& t : r->telegrams) std::fputs((meter::to_json(t) + "\n").c_str(), stdout);
    for (const auto& e : r->errors) {
      report(e.error, fmt::format("{} (frame at byte {})", file, e.frame_offset));
      if (rc == kExitOk) rc = kExitFailure;
    }
  }
  std::fflush(stdout);
  return rc;
}

}  // namespace

void register_meter(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "decode",
      "Decode meter frames (DSMR P1, IEC 62056-21, SML, DLMS/COSEM, M-Bus, ...) and print one JSON object\n"
      "per telegram (schema joule-meter-expected/1). Exit 1 when a frame fails (CRC, tag, format).\n"
      "  example: joule decode telegram.txt\n"
      "  example: joule decode --protocol dsmr --key 000102030405060708090A0B0C0D0E0F smarty.bin\n"
      "  example: joule decode --hex frame.hex\n"
      "  example: joule decode --protocol wmbus --hex --driver auto telegram.hex\n"
      "  example: cat /dev/ttyUSB0 | joule decode --protocol dsmr -");
  static DecodeArgs args;
  cmd->add_option("--protocol,-p", args.protocol,
                  "auto | dsmr | iec62056-21 | sml | dlms | mbus | wmbus | ... (a schema protocol name)");
  cmd->add_option("--key,-k", args.key_hex, "AES-128 key in hex (encrypted P1, DLMS, wM-Bus)");
  cmd->add_option("--auth-key", args.auth_key_hex, "DLMS authentication key in hex (default: the Smarty P1 key)");
  cmd->add_flag("--hex", args.hex, "input files are hex text (whitespace, '_' and '|' ignored)");
  cmd->add_flag("--no-verify", args.no_verify, "do not check CRC/BCC (read frames known to carry a wrong one)");
  cmd->add_flag("--strict", args.strict, "stop at the first frame that fails");
  cmd->add_option("--driver", args.driver,
                  "wM-Bus: apply a meter driver and print its named fields: auto (match by manufacturer,\n"
                  "version, medium), a built-in driver name, or a JSON driver file (one telegram per file)");
  cmd->add_flag("--describe", args.describe,
                "wM-Bus: print every record with the selectors a driver uses (to write a driver)");
  cmd->add_option("files", args.files, "input files ('-' = stdin)")->required();
  cmd->callback([] { std::exit(run_decode(args)); });
}

}  // namespace joule::cli
