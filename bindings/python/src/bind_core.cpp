// Python binding of the core vocabulary: OBIS codes, CRCs, decimals, units,
// time series (numpy in and out without copies).
#include <pybind11/stl.h>

#include <cstring>
#include <string>
#include <vector>

#include "bind_common.hpp"
#include "joule/core/crc.hpp"
#include "joule/core/decimal.hpp"
#include "joule/core/obis.hpp"
#include "joule/core/units.hpp"
#include "joule/time_zone.hpp"
#include "joule/timeseries.hpp"

namespace joule::py {

namespace {

std::string obis_text(const ObisCode& c, ObisFormat f) {
  char buf[ObisCode::kMaxChars];
  auto n = unwrap(c.to_chars(buf, f));
  return std::string(buf, n);
}

std::span<const std::uint8_t> bytes_view(const pyb::bytes& b) {
  char* data = nullptr;
  pyb::ssize_t len = 0;
  PyBytes_AsStringAndSize(b.ptr(), &data, &len);
  return {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(len)};
}

Aggregation parse_aggregation(const std::string& s) {
  if (s == "mean") return Aggregation::mean;
  if (s == "sum") return Aggregation::sum;
  if (s == "min") return Aggregation::min;
  if (s == "max") return Aggregation::max;
  if (s == "first") return Aggregation::first;
  if (s == "last") return Aggregation::last;
  raise_error(Error(Errc::invalid_argument, "aggregation must be mean, sum, min, max, first or last",
                    Where::at_field("how")));
}

}  // namespace

void init_core(pyb::module_& m) {
  pyb::class_<ObisCode>(m, "ObisCode", R"doc(
An OBIS code (IEC 62056-6-1): six value groups A-F.

ObisCode("1-0:1.8.0") parses full and reduced forms ("1.8.0", "F.F");
ObisCode(1, 0, 1, 8, 0) builds one from groups. str() gives "A-B:C.D.E"
with "*F" only when F != 255. Raises joule.DecodeError on malformed text.)doc")
      .def(pyb::init([](const std::string& text) { return unwrap(ObisCode::parse(text)); }), pyb::arg("text"))
      .def(pyb::init([](int a, int b, int c, int d, int e, int f) {
             for (int v : {a, b, c, d, e, f})
               if (v < 0 || v > 255) raise_error(Error(Errc::out_of_range, "OBIS groups are 0..255"));
             return ObisCode(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b), static_cast<std::uint8_t>(c),
                             static_cast<std::uint8_t>(d), static_cast<std::uint8_t>(e), static_cast<std::uint8_t>(f));
           }),
           pyb::arg("a"), pyb::arg("b"), pyb::arg("c"), pyb::arg("d"), pyb::arg("e"), pyb::arg("f") = 255)
      .def_static("from_bytes", [](const pyb::bytes& b) { return unwrap(ObisCode::from_bytes(bytes_view(b))); },
                  pyb::arg("data"), "From the 6 raw bytes of a DLMS/SML octet string.")
      .def_property_readonly("a", &ObisCode::a)
      .def_property_readonly("b", &ObisCode::b)
      .def_property_readonly("c", &ObisCode::c)
      .def_property_readonly("d", &ObisCode::d)
      .def_property_readonly("e", &ObisCode::e)
      .def_property_readonly("f", &ObisCode::f)
      .def(
          "format",
          [](const ObisCode& c, const std::string& style) {
            if (style == "full") return obis_text(c, ObisFormat::full);
            if (style == "as_parsed") return obis_text(c, ObisFormat::as_parsed);
            if (style == "compact") return obis_text(c, ObisFormat::compact);
            raise_error(Error(Errc::invalid_argument, "style must be compact, full or as_parsed", Where::at_field("style")));
          },
          pyb::arg("style") = "compact", "Text form: 'compact' (default), 'full' (always *F) or 'as_parsed'.")
      .def("__str__", [](const ObisCode& c) { return obis_text(c, ObisFormat::compact); })
      .def("__repr__", [](const ObisCode& c) { return "ObisCode('" + obis_text(c, ObisFormat::full) + "')"; })
      .def("__eq__", [](const ObisCode& x, const ObisCode& y) { return x == y; })
      .def("__lt__", [](const ObisCode& x, const ObisCode& y) { return x < y; })
      .def("__hash__", [](const ObisCode& c) { return static_cast<std::size_t>(c.packed()); });

  m.def(
      "crc16",
      [](const pyb::bytes& data, const std::string& kind) -> int {
        const auto d = bytes_view(data);
        if (kind == "arc") return crc16_arc(d);
        if (kind == "x25") return crc16_x25(d);
        if (kind == "modbus") return crc16_modbus(d);
        if (kind == "en13757") return crc16_en13757(d);
        raise_error(Error(Errc::invalid_argument, "kind must be arc, x25, modbus or en13757", Where::at_field("kind")));
      },
      pyb::arg("data"), pyb::arg("kind") = "arc",
      "CRC-16 of data: 'arc' (DSMR P1), 'x25' (SML, HDLC), 'modbus' (Modbus RTU), 'en13757' (wireless M-Bus).");
  m.def(
      "crc16_verify",
      [](const pyb::bytes& frame, const std::string& kind) {
        const auto d = bytes_view(frame);
        Result<void> r;
        if (kind == "arc") r = verify_trailing_crc16<Crc16Kind::arc>(d, CrcByteOrder::little_endian);
        else if (kind == "x25") r = verify_trailing_crc16<Crc16Kind::x25>(d, CrcByteOrder::little_endian);
        else if (kind == "modbus") r = verify_trailing_crc16<Crc16Kind::modbus>(d, CrcByteOrder::little_endian);
        else if (kind == "en13757") r = verify_trailing_crc16<Crc16Kind::en13757>(d, CrcByteOrder::big_endian);
        else raise_error(Error(Errc::invalid_argument, "kind must be arc, x25, modbus or en13757", Where::at_field("kind")));
        unwrap(std::move(r));
      },
      pyb::arg("frame"), pyb::arg("kind") = "modbus",
      "Checks a frame ending in its CRC-16; raises joule.ChecksumError or joule.IncompleteError.");
  m.def(
      "mbus_checksum", [](const pyb::bytes& data) { return mbus_checksum(bytes_view(data)); }, pyb::arg("data"),
      "M-Bus 8-bit sum checksum (EN 13757-2).");

  m.def(
      "_parse_decimal",
      [](const std::string& text) {
        auto d = unwrap(Decimal::parse(text));
        return pyb::make_tuple(d.mantissa(), d.exponent());
      },
      pyb::arg("text"));
  m.def(
      "_format_decimal",
      [](std::int64_t mantissa, int exponent) {
        auto d = unwrap(Decimal::make(mantissa, exponent));
        char buf[Decimal::kMaxChars];
        return std::string(buf, unwrap(d.to_chars(buf)));
      },
      pyb::arg("mantissa"), pyb::arg("exponent"));

  m.def("unit_symbol", [](int code) {
    if (code < 0 || code > 255) raise_error(Error(Errc::out_of_range, "DLMS unit codes are 0..255"));
    return std::string(unit_symbol(static_cast<Unit>(code)));
  }, pyb::arg("code"), "Symbol of a DLMS/COSEM unit code (IEC 62056-6-2 Table 4), '' if unknown.");
  m.def("parse_unit", [](const std::string& text) {
    auto u = unwrap(parse_scaled_unit(text));
    return pyb::make_tuple(static_cast<int>(u.unit), u.exponent);
  }, pyb::arg("text"), "('kWh') -> (DLMS unit code, power-of-ten exponent), e.g. (30, 3).");

  pyb::class_<TimeSeries>(m, "TimeSeries", R"doc(
A regular time series: start (UTC epoch seconds), step (seconds) and float64 values.

TimeSeries(start, step, values) takes any float64 array-like; a C-contiguous
float64 numpy array is used in place, without a copy. `.values` is a read-only
numpy view of the series' memory (no copy).)doc")
      .def(pyb::init([](std::int64_t start, std::int64_t step, pyb::object values) {
             auto arr = pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>::ensure(values);
             if (!arr) raise_error(Error(Errc::invalid_argument, "values must be convertible to float64", Where::at_field("values")));
             if (arr.ndim() != 1) raise_error(Error(Errc::invalid_argument, "values must be one-dimensional", Where::at_field("values")));
             auto* owner = new pyb::object(arr);
             std::shared_ptr<void> keep(owner, [](void* p) {
               pyb::gil_scoped_acquire gil;
               delete static_cast<pyb::object*>(p);
             });
             auto* data = const_cast<double*>(arr.data());
             return unwrap(TimeSeries::adopt(start, step, std::span<double>(data, static_cast<std::size_t>(arr.size())),
                                             std::move(keep)));
           }),
           pyb::arg("start"), pyb::arg("step"), pyb::arg("values"))
      .def_property_readonly("start", &TimeSeries::start, "Start of the first interval [UTC epoch s].")
      .def_property_readonly("step", &TimeSeries::step, "Interval length [s].")
      .def_property_readonly("end", &TimeSeries::end, "End of the last interval (exclusive) [UTC epoch s].")
      .def_property_readonly(
          "values",
          [](pyb::object self) {
            const auto& ts = self.cast<const TimeSeries&>();
            return readonly_view(ts.values().data(), ts.size(), self);
          },
          "Read-only float64 numpy view of the values (no copy).")
      .def("__len__", &TimeSeries::size)
      .def("nan_count", &TimeSeries::nan_count, "Number of NaN values.")
      .def(
          "check_finite", [](const TimeSeries& ts) { unwrap(ts.check_finite()); },
          "Raises joule.InvalidArgumentError at the first NaN or infinite value.")
      .def(
          "resample",
          [](const TimeSeries& ts, std::int64_t step, const std::string& how, bool skip_nan) {
            const Aggregation agg = parse_aggregation(how);
            pyb::gil_scoped_release release;
            auto r = ts.resample(step, agg, skip_nan ? NanPolicy::skip : NanPolicy::propagate);
            pyb::gil_scoped_acquire gil;
            return unwrap(std::move(r));
          },
          pyb::arg("step"), pyb::arg("how") = "mean", pyb::arg("skip_nan") = true,
          "Series on another step: coarser by aggregation ('mean', 'sum', 'min', 'max', 'first', 'last'), finer by "
          "splitting ('sum') or repeating.")
      .def("slice", [](const TimeSeries& ts, std::int64_t from, std::int64_t to) { return unwrap(ts.slice(from, to)); },
           pyb::arg("start"), pyb::arg("end"), "The intervals within [start, end), rounded outward to the grid.")
      .def("interpolate_gaps", &TimeSeries::interpolate_gaps, pyb::arg("max_gap"),
           "Copy with NaN runs of at most max_gap values filled linearly.")
      .def("__repr__", [](const TimeSeries& ts) {
        return "TimeSeries(start=" + std::to_string(ts.start()) + ", step=" + std::to_string(ts.step()) +
               ", n=" + std::to_string(ts.size()) + ")";
      });

  m.def("align", [](const TimeSeries& a, const TimeSeries& b) { return unwrap(align(a, b)); }, pyb::arg("a"),
        pyb::arg("b"), "Both series cut to their common span; raises on different steps or offset grids.");

  m.def(
      "day_length_s",
      [](const std::string& zone, int year, unsigned month, unsigned day) {
        auto tz = unwrap(TimeZone::load(zone));
        return unwrap(tz.day_length_s(year, month, day));
      },
      pyb::arg("zone"), pyb::arg("year"), pyb::arg("month"), pyb::arg("day"),
      "Length of a local day in an IANA zone [s]: 82800/86400/90000 around DST changes.");
}

}  // namespace joule::py
