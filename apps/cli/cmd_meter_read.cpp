// `joule meter read`: an IEC 62056-21 mode C readout over a serial device (optical head),
// printed as one JSON object in the schema joule-meter-expected/1.
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "joule/meter/decode.hpp"
#include "joule/meter/serial.hpp"

namespace joule::cli {
namespace {

struct ReadArgs {
  std::string port;
  std::string address;
  std::uint32_t max_baud = 19200;
  std::string parity = "hardware";
  bool raw = false;
  std::string password;             // programming mode: P1 with "(password)"
  std::vector<std::string> reads;   // programming mode: R1 "address()" each
};

// Programming mode: password (if any), one R1 per --read, B0; one JSON object.
int run_program(const ReadArgs& a, meter::serial::Parity par) {
  meter::iec62056_21::SessionOptions o;
  o.address = a.address;
  o.max_baud = a.max_baud;
  std::vector<meter::serial::ProgrammingCommand> cmds;
  if (!a.password.empty()) cmds.push_back({meter::iec62056_21::Command::p1, "(" + a.password + ")"});
  for (const auto& r : a.reads) cmds.push_back({meter::iec62056_21::Command::r1, r + "()"});
  auto r = meter::serial::program(a.port, o, cmds, par);
  if (!r) return report(r.error(), a.port);
  nlohmann::ordered_json out = {{"identification", r->identification},
                                {"data_baud", r->data_baud},
                                {"operand", r->operand},
                                {"replies", nlohmann::ordered_json::array()}};
  for (std::size_t i = 0; i < r->replies.size(); ++i) {
    const bool pw = !a.password.empty() && i == 0;
    out["replies"].push_back({{"command", pw ? "P1" : "R1"},
                              {"address", pw ? std::string() : a.reads[i - (a.password.empty() ? 0 : 1)]},
                              {"reply", meter::iec62056_21::reply_name(r->replies[i].kind)},
                              {"data", r->replies[i].data}});
  }
  std::fputs((out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n").c_str(), stdout);
  return kExitOk;
}

int run_read(const ReadArgs& a) {
  meter::iec62056_21::SessionOptions o;
  o.address = a.address;
  o.max_baud = a.max_baud;
  const auto par = a.parity == "software" ? meter::serial::Parity::software : meter::serial::Parity::hardware;
  if (!a.password.empty() || !a.reads.empty()) return run_program(a, par);
  auto r = meter::serial::read_mode_c(a.port, o, 16384, par);
  if (!r) return report(r.error(), a.port);
  std::fprintf(stderr, "joule: %s at %u baud, %zu bytes\n", r->identification.c_str(), static_cast<unsigned>(r->data_baud),
               r->readout.size());
  if (a.raw) {
    std::fwrite(r->readout.data(), 1, r->readout.size(), stdout);
    return kExitOk;
  }
  meter::DecodeOptions d;
  d.protocol = meter::Protocol::iec62056_21;
  auto t = meter::decode(r->readout, d);
  if (!t) return report(t.error(), a.port);
  for (const auto& x : t->telegrams) std::fputs((meter::to_json(x) + "\n").c_str(), stdout);
  return kExitOk;
}

}  // namespace

void register_meter_read(CLI::App& app) {
  auto* meter_cmd = app.add_subcommand("meter", "Talk to a meter over a serial line (see also `joule decode`).");
  meter_cmd->require_subcommand(1);
  auto* cmd = meter_cmd->add_subcommand(
      "read",
      "IEC 62056-21 mode C readout over a serial device: sends the request \"/?!\" at 300 baud 7E1,\n"
      "acknowledges the identification, switches to the rate the meter offers (at most --max-baud),\n"
      "checks the data message's BCC and prints one JSON object (schema joule-meter-expected/1).\n"
      "Exit 1 when the meter stays silent (1.5 s), the BCC is wrong or the port cannot be used.\n"
      "  example: joule meter read --port /dev/ttyUSB0\n"
      "  example: joule meter read --port /dev/ttyUSB0 --max-baud 9600 --address 12345678\n"
      "  example: joule meter read --port /dev/ttyUSB0 --raw > readout.txt && joule decode readout.txt\n"
      "  example: joule meter read --port /dev/ttyUSB1 --parity software   # 8N1 adapter or TCP bridge\n"
      "  example: joule meter read --port /dev/ttyUSB0 --password 00000000 --read 1.8.0 --read 0.9.1\n"
      "           (programming mode, §6.3.5-6.3.7: P1 password, R1 per address, B0; prints the replies)");
  static ReadArgs args;
  cmd->add_option("--port", args.port, "serial device (optical head, USB adapter, pseudo-terminal)")->required();
  cmd->add_option("--address", args.address, "device address for \"/?address!\" (at most 32 characters; default: any)")
      ->check(CLI::Validator([](std::string& s) { return s.size() > 32 ? std::string("longer than 32 characters") : std::string(); },
                             "ADDRESS"));
  cmd->add_option("--max-baud", args.max_baud, "never switch above this rate")
      ->check(CLI::IsMember({300, 600, 1200, 2400, 4800, 9600, 19200}));
  cmd->add_option("--parity", args.parity,
                  "hardware: the UART makes and checks 7E1 (default); software: the line runs 8N1 and joule "
                  "adds and checks the even parity in bit 7 (adapters without 7-bit mode, ser2net bridges)")
      ->check(CLI::IsMember({"hardware", "software"}));
  cmd->add_flag("--raw", args.raw, "print the readout bytes as received instead of JSON");
  cmd->add_option("--password", args.password, "programming mode: send P1 with this password first");
  cmd->add_option("--read", args.reads, "programming mode: read this data-set address with R1 (repeatable)")
      ->check(CLI::Validator([](std::string& s) {
        for (char c : s)
          if (static_cast<unsigned char>(c) < 0x20 || c == '(' || c == ')') return std::string("not a data-set address");
        return std::string();
      }, "ADDRESS"));
  cmd->callback([] { std::exit(run_read(args)); });
}

}  // namespace joule::cli
