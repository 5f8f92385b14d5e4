// joule._joule.meter: the meter decoders for Python. Telegrams cross as JSON text in the
// test-data schema (joule-meter-expected/1); joule/meter.py turns them into dicts/DataFrames.
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "bind_common.hpp"
#include "joule/meter/decode.hpp"
#include "joule/meter/drivers.hpp"
#include "joule/meter/frame.hpp"
#include "joule/meter/modbus_client.hpp"

namespace joule::py {
namespace {

meter::DecodeOptions make_options(const std::string& protocol, const pyb::object& key, const pyb::object& auth_key,
                                  bool hex, bool verify, bool keep_going) {
  meter::DecodeOptions o;
  o.protocol = unwrap(meter::protocol_from_name(protocol));
  if (!key.is_none()) {
    const std::string k = key.cast<std::string>();
    o.key.assign(k.begin(), k.end());
  }
  if (!auth_key.is_none()) {
    const std::string k = auth_key.cast<std::string>();
    o.auth_key.assign(k.begin(), k.end());
  }
  o.hex_input = hex;
  o.verify_checksum = verify;
  o.keep_going = keep_going;
  return o;
}

// (telegram JSON texts, [(frame offset, errc name, message)])
using Out = std::pair<std::vector<std::string>, std::vector<pyb::tuple>>;

Out convert(const meter::DecodeOutput& d) {
  Out out;
  for (const auto& t : d.telegrams) out.first.push_back(meter::to_json(t));
  for (const auto& e : d.errors)
    out.second.push_back(pyb::make_tuple(e.frame_offset, errc_name(e.error.code), e.error.message ? e.error.message : ""));
  return out;
}

class PyStreamDecoder {
 public:
  PyStreamDecoder(const std::string& protocol, const pyb::object& key, const pyb::object& auth_key, bool verify)
      : d_(unwrap(meter::StreamDecoder::create(make_options(protocol, key, auth_key, false, verify, true)))) {}
  Out feed(const pyb::bytes& data) {
    const std::string s = data;
    Result<meter::DecodeOutput> r = fail(Errc::internal, "unset");
    {
      pyb::gil_scoped_release nogil;
      r = d_.feed({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
    }
    return convert(unwrap(std::move(r)));
  }
  Out finish() { return convert(unwrap(d_.finish())); }
  std::string protocol() const { return std::string(meter::protocol_name(d_.protocol())); }

 private:
  meter::StreamDecoder d_;
};

}  // namespace

void init_meter_session(pyb::module_& m);  // bind_meter_session.cpp

void init_meter(pyb::module_& m) {
  m.doc() = "Meter protocol decoders (use joule.meter).";
  init_meter_session(m);
  m.def(
      "decode",
      [](const pyb::bytes& data, const std::string& protocol, const pyb::object& key, const pyb::object& auth_key,
         bool hex, bool verify, bool keep_going) {
        const auto o = make_options(protocol, key, auth_key, hex, verify, keep_going);
        const std::string s = data;
        Result<meter::DecodeOutput> r = fail(Errc::internal, "unset");
        {
          pyb::gil_scoped_release nogil;
          r = meter::decode({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}, o);
        }
        return convert(unwrap(std::move(r)));
      },
      pyb::arg("data"), pyb::arg("protocol") = "auto", pyb::arg("key") = pyb::none(), pyb::arg("auth_key") = pyb::none(),
      pyb::arg("hex") = false, pyb::arg("verify") = true, pyb::arg("keep_going") = false,
      "Decodes all frames in data; returns (telegram JSON texts, frame errors).");
  m.def(
      "detect",
      [](const pyb::bytes& data) {
        const std::string s = data;
        const auto d = meter::detect({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
        return pyb::make_tuple(std::string(meter::protocol_name(d.protocol)), d.offset);
      },
      pyb::arg("data"), "Protocol name and frame offset guessed from the first bytes.");
  pyb::class_<PyStreamDecoder>(m, "StreamDecoder")
      .def(pyb::init<const std::string&, const pyb::object&, const pyb::object&, bool>(), pyb::arg("protocol") = "auto",
           pyb::arg("key") = pyb::none(), pyb::arg("auth_key") = pyb::none(), pyb::arg("verify") = true)
      .def("feed", &PyStreamDecoder::feed, pyb::arg("data"))
      .def("finish", &PyStreamDecoder::finish)
      .def_property_readonly("protocol", &PyStreamDecoder::protocol);
  // Declarative meter drivers (wM-Bus).
  pyb::class_<meter::drivers::FormatCache, std::shared_ptr<meter::drivers::FormatCache>>(
      m, "FormatCache",
      "Record layouts of the full wM-Bus frames seen, so that compact frames (CI 0x79) of the same meters "
      "can be read. Pass the same cache to every apply_driver call of one receiver. Not thread-safe.")
      .def(pyb::init<>())
      .def("__len__", &meter::drivers::FormatCache::size);
  m.def(
      "apply_driver",
      [](const pyb::bytes& data, const std::string& driver, const pyb::object& key, const std::vector<std::string>& driver_json,
         meter::drivers::FormatCache* formats) {
        const std::string s = data;
        meter::drivers::ApplyOptions o;
        o.driver = driver;
        o.formats = formats;
        if (!key.is_none()) {
          const std::string k = pyb::bytes(key);
          o.key.assign(k.begin(), k.end());
        }
        meter::drivers::Registry reg;
        if (!driver_json.empty()) {
          reg = meter::drivers::Registry::builtin();
          for (const auto& j : driver_json) unwrap(reg.add_json(j));
          o.registry = &reg;
        }
        Result<meter::drivers::DriverFields> r = fail(Errc::internal, "unset");
        const std::span<const std::uint8_t> bytes{reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
        if (formats != nullptr) {
          // a shared cache is not thread-safe: keep the GIL so two threads cannot update it at once
          r = meter::drivers::apply(bytes, o);
        } else {
          pyb::gil_scoped_release nogil;
          r = meter::drivers::apply(bytes, o);
        }
        return meter::drivers::to_json(unwrap(std::move(r)));
      },
      pyb::arg("data"), pyb::arg("driver") = "auto", pyb::arg("key") = pyb::none(),
      pyb::arg("driver_json") = std::vector<std::string>{}, pyb::arg("formats") = nullptr,
      "Applies a meter driver to one wM-Bus telegram; returns the driver fields as JSON text.");
  m.def(
      "describe_records",
      [](const pyb::bytes& data, const pyb::object& key) {
        const std::string s = data;
        std::string k;
        if (!key.is_none()) k = pyb::bytes(key);
        return unwrap(meter::drivers::describe({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()},
                                               {reinterpret_cast<const std::uint8_t*>(k.data()), k.size()}));
      },
      pyb::arg("data"), pyb::arg("key") = pyb::none(), "Every record with its driver selectors, as JSON text.");
  m.def(
      "driver_names", [] { return meter::drivers::Registry::builtin().names(); }, "Names of the built-in drivers.");
  m.def(
      "driver_json", [](const std::string& name) { return meter::drivers::Registry::builtin().driver_json(name); },
      pyb::arg("name"), "A built-in driver as JSON text ('' when unknown).");
  // SunSpec over Modbus TCP.
  m.def(
      "read_sunspec_image",
      [](const std::string& host, int port, int unit, int timeout_ms) {
        if (port < 1 || port > 65535) raise_error(Error(Errc::invalid_argument, "port must be 1-65535", Where::at_field("port")));
        if (unit < 0 || unit > 255) raise_error(Error(Errc::invalid_argument, "unit must be 0-255", Where::at_field("unit")));
        Result<meter::sunspec::Device> r = fail(Errc::internal, "unset");
        {
          pyb::gil_scoped_release nogil;
          r = meter::sunspec::read_device(host, static_cast<std::uint16_t>(port), static_cast<std::uint8_t>(unit), timeout_ms);
        }
        auto d = unwrap(std::move(r));
        return pyb::make_tuple(d.base_address, pyb::bytes(reinterpret_cast<const char*>(d.image.data()), d.image.size()));
      },
      pyb::arg("host"), pyb::arg("port"), pyb::arg("unit") = 1, pyb::arg("timeout_ms") = 3000,
      "Reads a SunSpec device over Modbus TCP: (base address, register image bytes from 'SunS').");
}

}  // namespace joule::py
