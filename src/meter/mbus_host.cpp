// Host stream decoders for wired M-Bus, wireless M-Bus, Modbus (RTU/TCP) and SunSpec:
// split the input with the core splitters, decode each frame with the core decoders and
// map the records to `Reading`s (the host decode() / `joule decode` / Python / C faces).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "decode_internal.hpp"
#include "joule/meter/drivers.hpp"
#include "joule/meter/mbus.hpp"
#include "joule/meter/modbus.hpp"
#include "joule/meter/sunspec.hpp"
#include "joule/meter/wmbus.hpp"

namespace joule::meter::detail {
namespace {

// Bump allocator over a decoder's scratch bytes (text the readings point to).
class Scratch {
 public:
  explicit Scratch(std::span<std::uint8_t> s) : s_(s) {}
  Result<std::string_view> put(std::string_view text) {
    if (used_ + text.size() > s_.size()) return fail(Errc::buffer_too_small, "decoder scratch full");
    char* p = reinterpret_cast<char*>(s_.data() + used_);
    std::copy(text.begin(), text.end(), p);
    used_ += text.size();
    return std::string_view(p, text.size());
  }

 private:
  std::span<std::uint8_t> s_;
  std::size_t used_ = 0;
};

// A float as an exact Decimal with 7 significant digits (what a 32-bit float carries).
Decimal decimal_from_double(double x) {
  if (x == 0.0 || !std::isfinite(x)) return Decimal(0, 0);
  const int mag = static_cast<int>(std::floor(std::log10(std::fabs(x))));
  int e = mag - 6;
  const double m = std::round(x / std::pow(10.0, e));
  auto d = Decimal(static_cast<std::int64_t>(m), e).normalized();
  return d;
}

std::string_view mbus_unit_text(const mbus::Record& r) {
  if (r.table == mbus::VifTable::plain_text) return r.plain_unit;
  if (r.quantity == mbus::Quantity::mass_flow) return "kg/h";
  return {};
}

Result<void> add_mbus_record(const mbus::Record& rec, std::uint32_t index, Scratch& sc, Telegram& t) {
  Reading r;
  r.id_kind = IdKind::record;
  r.record = index;
  r.storage = rec.storage;
  r.tariff = rec.tariff;
  r.subunit = rec.subunit;
  r.function = rec.function;
  r.unit = rec.unit;
  if (auto u = mbus_unit_text(rec); !u.empty()) {
    JOULE_TRY(r.unit_text, sc.put(u));
  }
  switch (rec.kind) {
    case mbus::RecordKind::number:
      r.kind = ValueKind::number;
      r.number = rec.value;
      break;
    case mbus::RecordKind::real:
      r.kind = ValueKind::number;
      r.number = decimal_from_double(rec.real);
      break;
    case mbus::RecordKind::date_time: {
      const auto& d = rec.date_time;
      if (d.valid && (!d.has_date || (d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31))) {
        r.kind = ValueKind::time;
        r.time.civil = CivilTime{d.has_date ? d.year : 1970, static_cast<std::uint8_t>(d.has_date ? d.month : 1),
                                 static_cast<std::uint8_t>(d.has_date ? d.day : 1), d.hour, d.minute, d.second};
      } else {
        r.kind = ValueKind::text;
        JOULE_TRY(r.text, sc.put("invalid"));
      }
      break;
    }
    case mbus::RecordKind::text: {
      r.kind = ValueKind::text;
      JOULE_TRY(r.text, sc.put(rec.text()));
      break;
    }
    case mbus::RecordKind::bytes:
    case mbus::RecordKind::invalid:
      r.kind = ValueKind::octets;
      r.text = std::string_view(reinterpret_cast<const char*>(rec.raw.data()), rec.raw.size());
      break;
    case mbus::RecordKind::none:
      r.kind = ValueKind::none;
      break;
  }
  return t.readings.push_back(r);
}

Result<void> set_header(const mbus::Header& h, std::uint16_t manufacturer, std::uint32_t id, std::uint8_t version,
                        Scratch& sc, Telegram& t) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08X", id);
  JOULE_TRY(t.identifier, sc.put(buf));
  char m[3];
  mbus::manufacturer_letters(manufacturer, m);
  JOULE_TRY(t.manufacturer, sc.put(std::string_view(m, 3)));
  std::snprintf(buf, sizeof buf, "%u", unsigned{version});
  JOULE_TRY(t.version, sc.put(buf));
  (void)h;
  return {};
}

Result<void> decode_records(std::span<const std::uint8_t> data, bool msb, Scratch& sc, Telegram& t,
                            bool wireless = false) {
  mbus::RecordReader rd(data, msb);
  mbus::Record rec;
  std::uint32_t i = 0;
  for (;;) {
    auto next = rd.next(rec);
    // Wireless only: one or two bytes after the last record that do not form a record are the
    // CRC of the last block some receivers leave in place (EN 13757-4 §12.5.2); ignored, as in
    // the driver layer. Wired frames have an exact length (EN 13757-2 L field): no tolerance.
    if (wireless && !next && rec.offset_in_data + 2 >= data.size()) break;
    JOULE_TRY(const bool more, std::move(next));
    if (!more) break;
    JOULE_RETURN_IF_ERROR(add_mbus_record(rec, i++, sc, t));
  }
  return {};
}

Result<void> decode_mbus_frame(std::span<const std::uint8_t> frame, std::span<std::uint8_t> scratch, Telegram& t) {
  Scratch sc(scratch);
  t.protocol = Protocol::mbus_wired;
  JOULE_TRY(const mbus::Frame f, mbus::parse_frame(frame));
  if (f.type != mbus::FrameType::long_) return fail(Errc::unsupported, "M-Bus frame without user data (ack, short or control frame)");
  JOULE_TRY(const mbus::VariableData vd, mbus::parse_user_data(f.ci, f.user_data));
  if (vd.fixed) {
    JOULE_TRY(const mbus::FixedData fx, mbus::decode_fixed(f.user_data));
    JOULE_RETURN_IF_ERROR(set_header(vd.header, 0, fx.id, 0, sc, t));
    t.manufacturer = {};
    for (std::uint32_t k = 0; k < 2; ++k) {
      Reading r;
      r.id_kind = IdKind::record;
      r.record = k;
      r.kind = ValueKind::number;
      r.number = fx.counter[k].value;
      r.unit = fx.counter[k].unit;
      JOULE_RETURN_IF_ERROR(t.readings.push_back(r));
    }
    return {};
  }
  if (vd.header.has_address)
    JOULE_RETURN_IF_ERROR(set_header(vd.header, vd.header.manufacturer, vd.header.id, vd.header.version, sc, t));
  return decode_records(vd.records, vd.msb_first, sc, t);
}

Result<void> decode_wmbus_telegram(std::span<const std::uint8_t> frame, std::span<std::uint8_t> scratch,
                                   std::span<const std::uint8_t> key, drivers::FormatCache* formats, Telegram& t) {
  // Decrypted data goes to the first part of scratch, text after it.
  const std::size_t work = frame.size() + 16;
  if (scratch.size() < work) return fail(Errc::internal, "wM-Bus scratch too small");
  JOULE_TRY(const wmbus::Telegram w, wmbus::decode(frame, key, scratch.first(work)));
  std::span<const std::uint8_t> data = w.application_data;
  auto rest = scratch.subspan(work);
  if (w.compact) {
    // OMS 4 §7.2.4: the DIF/VIF of a compact frame are those of an earlier full frame with the
    // same format signature; the values are rebuilt into full records in the scratch space.
    if (formats == nullptr) return fail(Errc::unsupported, "wM-Bus compact frame (CI 0x79) needs a format cache");
    const auto full = formats->expand(w.format_signature, w.application_data);
    if (full.empty())
      return fail(Errc::unsupported, "wM-Bus compact frame (CI 0x79): no full frame with its format signature seen yet");
    if (full.size() + 256 > rest.size()) return fail(Errc::limit_exceeded, "wM-Bus compact frame expands beyond the scratch space");
    std::copy(full.begin(), full.end(), rest.begin());
    data = rest.first(full.size());
    rest = rest.subspan(full.size());
  }
  if (w.manufacturer_ci)  // no EN 13757-3 records: the manufacturer's layout is read by a meter driver
    return fail(Errc::unsupported, "wM-Bus manufacturer CI (0xA0-0xB7): its payload is read by a meter driver");
  Scratch sc(rest);
  t.protocol = Protocol::wmbus;
  if (w.tpl.has_address) JOULE_RETURN_IF_ERROR(set_header(w.tpl, w.tpl.manufacturer, w.tpl.id, w.tpl.version, sc, t));
  else JOULE_RETURN_IF_ERROR(set_header(w.tpl, w.manufacturer, w.id, w.version, sc, t));
  JOULE_RETURN_IF_ERROR(decode_records(data, false, sc, t, true));
  if (formats != nullptr && !w.compact) (void)formats->learn(data);  // for later compact frames
  return {};
}

// Length of the Modbus frame at the start of b: TCP when the MBAP header fits, else RTU
// by the PDU's own length rules, confirmed by the CRC.
std::size_t modbus_frame_length(std::span<const std::uint8_t> b, bool& tcp) {
  tcp = false;
  if (b.size() >= 8 && b[2] == 0 && b[3] == 0) {
    const std::size_t n = 6U + static_cast<std::size_t>(b[4] << 8 | b[5]);
    if (n >= 8 && n <= b.size() && n <= modbus::kMaxTcpAdu) {
      tcp = true;
      return n;
    }
  }
  if (b.size() < 4) return 0;
  const std::uint8_t fc = b[1];
  std::size_t cands[4] = {0, 0, 0, 0};
  if (fc & 0x80) cands[0] = 5;
  else if (fc <= 4 || fc == 23) {
    if (b.size() >= 3) cands[0] = 5U + b[2];  // response with byte count
    cands[1] = 8;                               // request
    if (fc == 23 && b.size() >= 11) cands[2] = 13U + b[10];
  } else if (fc == 5 || fc == 6) {
    cands[0] = 8;
  } else if (fc == 15 || fc == 16) {
    cands[0] = 8;
    if (b.size() >= 7) cands[1] = 9U + b[6];
  }
  for (std::size_t n : cands)
    if (n >= 4 && n <= b.size() && modbus::parse_rtu(b.first(n))) return n;
  return 0;
}

Result<void> decode_modbus_frame(std::span<const std::uint8_t> frame, std::span<std::uint8_t> scratch, Telegram& t) {
  Scratch sc(scratch);
  t.protocol = Protocol::modbus;
  bool tcp = false;
  (void)modbus_frame_length(frame, tcp);
  std::span<const std::uint8_t> pdu;
  std::uint8_t unit = 0;
  if (tcp) {
    JOULE_TRY(const modbus::TcpFrame f, modbus::parse_tcp(frame));
    pdu = f.pdu;
    unit = f.unit;
  } else {
    JOULE_TRY(const modbus::RtuFrame f, modbus::parse_rtu(frame));
    pdu = f.pdu;
    unit = f.unit;
  }
  char buf[8];
  std::snprintf(buf, sizeof buf, "%u", unsigned{unit});
  JOULE_TRY(t.identifier, sc.put(buf));
  const auto fc = static_cast<modbus::Function>(pdu[0] & 0x7F);
  JOULE_TRY(const modbus::Response rsp, modbus::parse_response(pdu, fc));
  JOULE_RETURN_IF_ERROR(modbus::check_exception(rsp));
  if (fc == modbus::Function::read_coils || fc == modbus::Function::read_discrete_inputs) {
    for (std::uint32_t i = 0; i < rsp.data.size() * 8; ++i) {
      Reading r;
      r.id_kind = IdKind::record;
      r.record = i;
      r.kind = ValueKind::number;
      r.number = Decimal((rsp.data[i / 8] >> (i % 8)) & 1, 0);
      JOULE_RETURN_IF_ERROR(t.readings.push_back(r));
    }
    return {};
  }
  if (rsp.data.empty()) {  // write echoes: address and value
    Reading r;
    r.id_kind = IdKind::record;
    r.record = rsp.address;
    r.kind = ValueKind::number;
    r.number = Decimal(rsp.value, 0);
    return t.readings.push_back(r);
  }
  for (std::uint32_t i = 0; i < rsp.register_count(); ++i) {
    JOULE_TRY(const std::uint16_t v, modbus::read_u16(rsp.data, i));
    Reading r;
    r.id_kind = IdKind::record;
    r.record = i;
    r.kind = ValueKind::number;
    r.number = Decimal(v, 0);
    JOULE_RETURN_IF_ERROR(t.readings.push_back(r));
  }
  return {};
}

Unit sunspec_unit(std::string_view u, int& exp) {
  exp = 0;
  if (u == "W") return Unit::watt;
  if (u == "Wh") return Unit::watt_hour;
  if (u == "kWh") { exp = 3; return Unit::watt_hour; }
  if (u == "VA") return Unit::volt_ampere;
  if (u == "var" || u == "VAr") return Unit::var;
  if (u == "varh" || u == "VArh") return Unit::var_hour;
  if (u == "VAh") return Unit::volt_ampere_hour;
  if (u == "A") return Unit::ampere;
  if (u == "V") return Unit::volt;
  if (u == "Hz") return Unit::hertz;
  if (u == "C") return Unit::degree_celsius;
  if (u == "Pct" || u == "%") return Unit::percent;
  if (u == "Ah") return Unit::ampere_hour;
  if (u == "S" || u == "Secs") return Unit::second;
  return Unit::none;
}

Result<void> decode_sunspec_model(std::span<const std::uint8_t> f, std::span<std::uint8_t> scratch, Telegram& t) {
  Scratch sc(scratch);
  t.protocol = Protocol::sunspec;
  std::vector<sunspec::PointValue> pts(4096);
  VectorRef<sunspec::PointValue> pv{std::span<sunspec::PointValue>(pts)};
  JOULE_RETURN_IF_ERROR(sunspec::decode_model(f, pv));
  const auto* m = sunspec::find_model(static_cast<std::uint16_t>(f[0] << 8 | f[1]));
  JOULE_TRY(t.identifier, sc.put(m->name));
  for (const auto& p : pv) {
    if (!p.implemented) continue;
    char path[160];
    const std::size_t ml = std::strlen(m->name);
    std::copy_n(m->name, ml, path);
    path[ml] = '.';
    JOULE_TRY(const std::size_t pl, sunspec::point_path(p, std::span<char>(path + ml + 1, sizeof path - ml - 1)));
    Reading r;
    r.id_kind = IdKind::text;
    JOULE_TRY(r.name, sc.put(std::string_view(path, ml + 1 + pl)));
    int exp = 0;
    r.unit = sunspec_unit(p.def->units, exp);
    JOULE_TRY(r.unit_text, sc.put(p.def->units));
    switch (p.kind) {
      case sunspec::PointKind::number:
        r.kind = ValueKind::number;
        r.number = p.scaled ? p.number : Decimal(p.number.mantissa(), 0);
        r.has_raw_integer = true;
        r.raw_integer = p.number.mantissa();
        r.scaler = p.sf;
        break;
      case sunspec::PointKind::real:
        r.kind = ValueKind::number;
        r.number = decimal_from_double(p.real);
        break;
      case sunspec::PointKind::text:
        r.kind = p.def->type == sunspec::PointType::string ? ValueKind::text : ValueKind::octets;
        r.text = p.text;
        break;
      case sunspec::PointKind::none:
        continue;
    }
    JOULE_RETURN_IF_ERROR(t.readings.push_back(r));
  }
  return {};
}
}  // namespace

Result<void> decode_stream_mbus(std::span<const std::uint8_t> bytes, const DecodeOptions& o, DecodeOutput& out) {
  std::vector<std::uint8_t> buf(mbus::kMaxFrameBytes);
  mbus::Splitter sp(buf);
  std::size_t offset = 0;
  while (!bytes.empty()) {
    const FeedResult r = sp.feed(bytes);
    bytes = bytes.subspan(r.consumed);
    offset += r.consumed;
    if (r.status == FeedStatus::dropped) {
      if (!o.keep_going) return fail(r.error);
      out.errors.push_back({offset, r.error});
    } else if (r.status == FeedStatus::frame) {
      if (r.frame.size() < 6) continue;  // E5 acknowledgements and short frames carry no readings
      JOULE_RETURN_IF_ERROR(decode_one_frame(r.frame, offset - r.frame.size(), 512, o, out,
                                             [](auto frame, auto scratch, Telegram& t) { return decode_mbus_frame(frame, scratch, t); }));
    } else if (r.consumed == 0) {
      break;
    }
  }
  return {};
}

Result<void> decode_stream_wmbus(std::span<const std::uint8_t> bytes, const DecodeOptions& o, DecodeOutput& out) {
  // Telegrams back to back, each as long as its L field (or a wired 0x68 frame).
  std::size_t offset = 0;
  drivers::FormatCache local;
  drivers::FormatCache* formats = o.formats ? o.formats.get() : &local;
  while (offset < bytes.size()) {
    const auto rest = bytes.subspan(offset);
    std::size_t n = std::size_t{rest[0]} + 1;
    if (rest[0] == 0x68) {
      auto len = mbus::frame_length(rest);
      n = len ? *len : rest.size();
    }
    // A single telegram whose L field is off (captures): take the whole input.
    if (offset == 0 && n != rest.size() && (n > rest.size() || rest.size() - n < 12)) n = rest.size();
    n = std::min(n, rest.size());
    const auto frame = rest.first(n);
    // Scratch: decryption copy, a compact frame rebuilt with its DIF/VIF (at most a few times
    // the values), and text.
    JOULE_RETURN_IF_ERROR(decode_one_frame(frame, offset, 8 * frame.size() + 16 + 1024, o, out,
                                           [&o, formats](auto f, auto scratch, Telegram& t) {
                                             return decode_wmbus_telegram(f, scratch, o.key, formats, t);
                                           }));
    offset += n;
  }
  return {};
}

Result<void> decode_stream_modbus(std::span<const std::uint8_t> bytes, const DecodeOptions& o, DecodeOutput& out) {
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    bool tcp = false;
    const std::size_t n = modbus_frame_length(bytes.subspan(offset), tcp);
    if (n == 0) {
      const Error e(Errc::malformed, "no Modbus RTU/TCP frame at this offset", Where::byte(offset));
      if (!o.keep_going || out.telegrams.empty()) return fail(e);
      out.errors.push_back({offset, e});
      break;
    }
    JOULE_RETURN_IF_ERROR(decode_one_frame(bytes.subspan(offset, n), offset, 64, o, out,
                                           [](auto f, auto scratch, Telegram& t) { return decode_modbus_frame(f, scratch, t); }));
    offset += n;
  }
  return {};
}

Result<void> decode_stream_sunspec(std::span<const std::uint8_t> bytes, const DecodeOptions& o, DecodeOutput& out) {
  // A register image starting at "SunS": one telegram per model.
  std::vector<sunspec::ModelRef> refs(256);
  JOULE_TRY(const std::size_t n, sunspec::list_models(bytes, refs));
  for (std::size_t k = 0; k < n; ++k) {
    const auto body = bytes.subspan(2 * refs[k].register_offset, 2 * (refs[k].length + 2U));
    JOULE_RETURN_IF_ERROR(decode_one_frame(body, 2 * refs[k].register_offset, 64 * 1024, o, out,
                                           [](auto f, auto scratch, Telegram& t) { return decode_sunspec_model(f, scratch, t); }));
  }
  return {};
}

}  // namespace joule::meter::detail
