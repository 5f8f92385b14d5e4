// `joule decode`: meter frames in, one JSON object per telegram out (schema joule-meter-expected/1).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "commands.hpp"
#include "format.hpp"
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
  Format format = Format::json;
};

// A directory stands for its regular files (sorted), e.g. a fuzz corpus.
std::vector<std::string> expand_dirs(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& f : in) {
    std::error_code ec;
    if (f != "-" && std::filesystem::is_directory(f, ec)) {
      std::vector<std::string> d;
      for (const auto& e : std::filesystem::directory_iterator(f, ec))
        if (e.is_regular_file(ec)) d.push_back(e.path().string());
      std::sort(d.begin(), d.end());
      out.insert(out.end(), d.begin(), d.end());
    } else {
      out.push_back(f);
    }
  }
  return out;
}

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
  const auto files = expand_dirs(a.files);
  Progress progress("decode", files.size());
  OutputTable rows;  // csv/table: one row per reading
  std::size_t telegram = 0;
  for (const auto& file : files) {
    progress.advance();
    std::vector<std::uint8_t> bytes;
    if (!read_input(file, bytes)) {
      fmt::print(stderr, "joule: decode: cannot read '{}' (check the path)\n", file);
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
    for (const auto& t : r->telegrams) {
      if (a.format == Format::json) {
        std::fputs((meter::to_json(t) + "\n").c_str(), stdout);
        continue;
      }
      append_rows(rows, meter::to_json(t), TableSpec{{{"/values"}}, {"raw"}, {}, {"protocol", "identifier"}},
                  {{"file", text_cell(file)}, {"telegram", int_cell(static_cast<std::int64_t>(telegram++))}});
    }
    for (const auto& e : r->errors) {
      report(e.error, fmt::format("{} (frame at byte {})", file, e.frame_offset));
      if (rc == kExitOk) rc = kExitFailure;
    }
  }
  progress.finish();
  if (a.format != Format::json) emit(rows, a.format);
  std::fflush(stdout);
  return rc;
}

}  // namespace

void register_meter_read(CLI::App& app);  // cmd_meter_read.cpp

void register_meter(CLI::App& app) {
  register_meter_read(app);
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
  add_format_option(cmd, args.format,
                    "one row per reading (json: one object per telegram, JSON lines) "
                    "with file, telegram, protocol, identifier, id, value, unit, timestamp, ...");
  cmd->add_flag("--strict", args.strict, "stop at the first frame that fails");
  cmd->add_option("--driver", args.driver,
                  "wM-Bus: apply a meter driver and print its named fields: auto (match by manufacturer,\n"
                  "version, medium), a built-in driver name, or a JSON driver file (one telegram per file)");
  cmd->add_flag("--describe", args.describe,
                "wM-Bus: print every record with the selectors a driver uses (to write a driver)");
  cmd->add_option("files", args.files, "input files or directories of files ('-' = stdin)")->required();
  cmd->callback([] { std::exit(run_decode(args)); });
}

}  // namespace joule::cli
