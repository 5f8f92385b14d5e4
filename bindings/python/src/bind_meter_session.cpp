// joule._joule.meter.ModeCSession / read_mode_c: the IEC 62056-21 mode C session for Python
// (the sans-IO state machine, and the host serial driver of joule/meter/serial.hpp).
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bind_common.hpp"
#include "joule/meter/iec62056_21.hpp"
#include "joule/meter/serial.hpp"

namespace joule::py {
namespace {

namespace d0 = joule::meter::iec62056_21;

const char* action_name(d0::Action a) {
  switch (a) {
    case d0::Action::send: return "send";
    case d0::Action::set_baud: return "set_baud";
    case d0::Action::receive: return "receive";
    case d0::Action::done: return "done";
    case d0::Action::failed: return "failed";
    case d0::Action::ready: return "ready";
  }
  return "failed";
}

using d0::reply_name;

d0::Command command_of(const std::string& cmd) {
  d0::Command c{};
  if (!d0::parse_command(cmd, c))
    raise_error(Error(Errc::invalid_argument, "command must be one of P1 P2 W1 W2 R1 R2 B0"));
  return c;
}

meter::serial::Parity parity_of(const std::string& parity) {
  if (parity == "software") return meter::serial::Parity::software;
  if (parity != "hardware")
    raise_error(Error(Errc::invalid_argument, "parity must be hardware or software", Where::at_field("parity")));
  return meter::serial::Parity::hardware;
}

d0::SessionOptions session_options(const std::string& address, std::uint32_t max_baud, const std::string& mode,
                                   bool hdlc) {
  if (address.size() > 32) raise_error(Error(Errc::invalid_argument, "address longer than 32 characters"));
  if (mode != "readout" && mode != "programming")
    raise_error(Error(Errc::invalid_argument, "mode must be 'readout' or 'programming'"));
  if (max_baud < 300) raise_error(Error(Errc::invalid_argument, "max_baud below 300"));
  d0::SessionOptions o;
  o.max_baud = max_baud;
  o.mode_control = mode == "programming" ? '1' : '0';
  o.hdlc_if_offered = hdlc;
  return o;
}

class PyModeCSession {
 public:
  PyModeCSession(const std::string& address, std::uint32_t max_baud, const std::string& mode, bool hdlc,
                 std::size_t rx_capacity)
      : address_(address), rx_(check_capacity(rx_capacity)), s_(rx_, with_address(session_options(address, max_baud, mode, hdlc))) {}

  pyb::dict start() { return step(s_.start()); }
  pyb::dict on_sent() { return step(s_.on_sent()); }
  pyb::dict on_baud_set() { return step(s_.on_baud_set()); }
  pyb::dict on_received(const pyb::bytes& data) {
    const std::string b = data;
    return step(s_.on_received({reinterpret_cast<const std::uint8_t*>(b.data()), b.size()}));
  }
  pyb::dict on_timeout() { return step(s_.on_timeout()); }
  pyb::dict command(const std::string& cmd, const std::string& data) { return step(s_.command(command_of(cmd), data)); }
  pyb::bytes readout() const {
    const auto r = s_.readout();
    return pyb::bytes(reinterpret_cast<const char*>(r.data()), r.size());
  }
  std::string identification() const { return std::string(s_.identification()); }
  std::uint32_t data_baud() const { return s_.data_baud(); }
  bool hdlc_mode() const { return s_.hdlc_mode(); }
  std::string reply() const { return std::string(s_.reply()); }
  std::string reply_kind() const { return reply_name(s_.reply_kind()); }

 private:
  static std::size_t check_capacity(std::size_t n) {
    if (n < 64 || n > (std::size_t{1} << 24)) raise_error(Error(Errc::invalid_argument, "rx_capacity must be 64 B .. 16 MiB"));
    return n;
  }
  d0::SessionOptions with_address(d0::SessionOptions o) const {
    o.address = address_;
    return o;
  }
  static pyb::dict step(const d0::Step& s) {
    pyb::dict d;
    d["action"] = action_name(s.action);
    d["bytes"] = pyb::bytes(reinterpret_cast<const char*>(s.bytes.data()), s.bytes.size());
    d["baud"] = s.baud;
    d["timeout_ms"] = s.timeout_ms;
    if (s.action == d0::Action::failed) {
      d["error"] = errc_name(s.error.code);
      d["message"] = s.error.message ? s.error.message : "";
    } else {
      d["error"] = pyb::none();
      d["message"] = pyb::none();
    }
    return d;
  }
  std::string address_;
  std::vector<std::uint8_t> rx_;
  d0::ModeCSession s_;
};

}  // namespace

void init_meter_session(pyb::module_& m) {
  pyb::class_<PyModeCSession>(m, "ModeCSession")
      .def(pyb::init<const std::string&, std::uint32_t, const std::string&, bool, std::size_t>(),
           pyb::arg("address") = "", pyb::arg("max_baud") = 19200, pyb::arg("mode") = "readout",
           pyb::arg("hdlc_if_offered") = false, pyb::arg("rx_capacity") = 16384)
      .def("start", &PyModeCSession::start)
      .def("on_sent", &PyModeCSession::on_sent)
      .def("on_baud_set", &PyModeCSession::on_baud_set)
      .def("on_received", &PyModeCSession::on_received, pyb::arg("data"))
      .def("on_timeout", &PyModeCSession::on_timeout)
      .def("command", &PyModeCSession::command, pyb::arg("command"), pyb::arg("data") = "")
      .def_property_readonly("readout", &PyModeCSession::readout)
      .def_property_readonly("identification", &PyModeCSession::identification)
      .def_property_readonly("data_baud", &PyModeCSession::data_baud)
      .def_property_readonly("hdlc_mode", &PyModeCSession::hdlc_mode)
      .def_property_readonly("reply", &PyModeCSession::reply)
      .def_property_readonly("reply_kind", &PyModeCSession::reply_kind);
  m.def(
      "read_mode_c",
      [](const std::string& port, const std::string& address, std::uint32_t max_baud, std::size_t rx_capacity,
         const std::string& parity) {
        auto o = session_options(address, max_baud, "readout", false);
        o.address = address;
        const auto par = parity_of(parity);
        Result<meter::serial::ModeCReadout> r = fail(Errc::internal, "unset");
        {
          pyb::gil_scoped_release nogil;
          r = meter::serial::read_mode_c(port, o, rx_capacity, par);
        }
        auto v = unwrap(std::move(r));
        return pyb::make_tuple(v.identification, v.data_baud,
                               pyb::bytes(reinterpret_cast<const char*>(v.readout.data()), v.readout.size()));
      },
      pyb::arg("port"), pyb::arg("address") = "", pyb::arg("max_baud") = 19200, pyb::arg("rx_capacity") = 16384,
      pyb::arg("parity") = "hardware",
      "Mode C readout over a serial device; returns (identification, data baud, readout bytes).");
  m.def(
      "program_mode_c",
      [](const std::string& port, const std::vector<std::pair<std::string, std::string>>& commands,
         const std::string& address, std::uint32_t max_baud, const std::string& parity) {
        auto o = session_options(address, max_baud, "programming", false);
        o.address = address;
        const auto par = parity_of(parity);
        std::vector<meter::serial::ProgrammingCommand> cmds;
        for (const auto& [c, d] : commands) cmds.push_back({command_of(c), d});
        Result<meter::serial::ProgrammingResult> r = fail(Errc::internal, "unset");
        {
          pyb::gil_scoped_release nogil;
          r = meter::serial::program(port, o, cmds, par);
        }
        auto v = unwrap(std::move(r));
        pyb::list replies;
        for (std::size_t i = 0; i < v.replies.size(); ++i)
          replies.append(pyb::make_tuple(commands[i].first, commands[i].second, reply_name(v.replies[i].kind), v.replies[i].data));
        pyb::dict out;
        out["identification"] = v.identification;
        out["data_baud"] = v.data_baud;
        out["operand"] = v.operand;
        out["replies"] = replies;
        return out;
      },
      pyb::arg("port"), pyb::arg("commands"), pyb::arg("address") = "", pyb::arg("max_baud") = 19200,
      pyb::arg("parity") = "hardware",
      "Programming mode over a serial device: the commands [(name, data)] in order, then B0; returns a dict.");
}

}  // namespace joule::py
