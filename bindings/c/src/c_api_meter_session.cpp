// C API of the IEC 62056-21 mode C session (joule_meter.h, joule_meter_session_*).
#include <string>
#include <vector>

#include "c_api_internal.hpp"
#include "joule/meter/iec62056_21.hpp"
#include "joule/meter/parity.hpp"
#include "joule_meter.h"

using namespace joule;
namespace d0 = joule::meter::iec62056_21;

struct joule_meter_session {
  std::vector<std::uint8_t> rx;
  std::string address;  // the session's options view this
  d0::ModeCSession session;
  joule_meter_session(std::size_t cap, std::string addr, d0::SessionOptions o)
      : rx(cap), address(std::move(addr)), session(rx, (o.address = address, o)) {}
};

namespace {

joule_status put(const d0::Step& s, joule_meter_session_step* out) {
  out->action = static_cast<joule_meter_session_action>(s.action);
  out->bytes = s.bytes.data();
  out->bytes_len = s.bytes.size();
  out->baud = s.baud;
  out->timeout_ms = s.timeout_ms;
  out->error = JOULE_OK;
  if (s.action == d0::Action::failed) {
    out->error = capi::report(s.error);  // the message goes to joule_last_error
    return JOULE_OK;
  }
  return capi::ok();
}

}  // namespace

extern "C" {

void joule_meter_session_options_init(joule_meter_session_options* o) {
  if (o == nullptr) return;
  *o = joule_meter_session_options{};
  o->size = sizeof *o;
  o->max_baud = 19200;
  o->mode_control = '0';
  o->rx_capacity = 16384;
}

joule_status joule_meter_session_create(const joule_meter_session_options* options, joule_meter_session** out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr, "out is NULL");
    *out = nullptr;
    joule_meter_session_options o;
    joule_meter_session_options_init(&o);
    if (options != nullptr) {
      JOULE_C_REQUIRE(options->size >= sizeof o, "joule_meter_session_options.size: call joule_meter_session_options_init");
      o = *options;
    }
    std::string addr = o.address ? o.address : "";
    JOULE_C_REQUIRE(addr.size() <= 32, "address longer than 32 characters (IEC 62056-21 §6.3.1)");
    JOULE_C_REQUIRE(o.mode_control == '0' || o.mode_control == '1', "mode_control must be '0' or '1'");
    JOULE_C_REQUIRE(o.rx_capacity >= 64 && o.rx_capacity <= (std::size_t{1} << 24), "rx_capacity must be 64 B .. 16 MiB");
    JOULE_C_REQUIRE(o.max_baud >= 300, "max_baud below 300");
    d0::SessionOptions so;
    so.max_baud = o.max_baud;
    so.mode_control = o.mode_control;
    so.hdlc_if_offered = o.hdlc_if_offered != 0;
    *out = new joule_meter_session(o.rx_capacity, std::move(addr), so);
    return capi::ok();
  });
}

void joule_meter_session_destroy(joule_meter_session* s) { delete s; }

#define JOULE_SESSION_CALL(expr)                                           \
  return capi::guard([&]() -> joule_status {                               \
    JOULE_C_REQUIRE(s != nullptr && step != nullptr, "session or step is NULL"); \
    return put(expr, step);                                                \
  })

joule_status joule_meter_session_start(joule_meter_session* s, joule_meter_session_step* step) {
  JOULE_SESSION_CALL(s->session.start());
}
joule_status joule_meter_session_sent(joule_meter_session* s, joule_meter_session_step* step) {
  JOULE_SESSION_CALL(s->session.on_sent());
}
joule_status joule_meter_session_baud_set(joule_meter_session* s, joule_meter_session_step* step) {
  JOULE_SESSION_CALL(s->session.on_baud_set());
}
joule_status joule_meter_session_timeout(joule_meter_session* s, joule_meter_session_step* step) {
  JOULE_SESSION_CALL(s->session.on_timeout());
}
joule_status joule_meter_session_feed(joule_meter_session* s, const uint8_t* data, size_t len,
                                      joule_meter_session_step* step) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(s != nullptr && step != nullptr, "session or step is NULL");
    JOULE_C_REQUIRE(data != nullptr || len == 0, "data is NULL");
    return put(s->session.on_received({data, len}), step);
  });
}
joule_status joule_meter_session_command(joule_meter_session* s, joule_meter_command command, const char* data,
                                         joule_meter_session_step* step) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(s != nullptr && step != nullptr, "session or step is NULL");
    JOULE_C_REQUIRE(command >= JOULE_METER_CMD_P1 && command <= JOULE_METER_CMD_B0, "unknown command");
    return put(s->session.command(static_cast<d0::Command>(command), data ? std::string_view(data) : std::string_view{}),
               step);
  });
}

#undef JOULE_SESSION_CALL

joule_status joule_meter_session_readout(const joule_meter_session* s, const uint8_t** data, size_t* len) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(s != nullptr && data != nullptr && len != nullptr, "session, data or len is NULL");
    const auto r = s->session.readout();
    *data = r.data();
    *len = r.size();
    if (r.empty()) return capi::report(JOULE_NOT_FOUND, "no readout: the session is not done");
    return capi::ok();
  });
}

joule_status joule_meter_session_identification(const joule_meter_session* s, char* buf, size_t cap, size_t* len) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(s != nullptr, "session is NULL");
    return capi::write_string(s->session.identification(), buf, cap, len);
  });
}

joule_status joule_meter_session_data_baud(const joule_meter_session* s, uint32_t* baud, int* hdlc) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(s != nullptr && baud != nullptr, "session or baud is NULL");
    *baud = s->session.data_baud();
    if (hdlc) *hdlc = s->session.hdlc_mode() ? 1 : 0;
    return capi::ok();
  });
}

joule_status joule_meter_session_reply(const joule_meter_session* s, char* buf, size_t cap, size_t* len) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(s != nullptr, "session is NULL");
    return capi::write_string(s->session.reply(), buf, cap, len);
  });
}

void joule_meter_parity_add_even(uint8_t* bytes, size_t n) {
  if (bytes != nullptr) meter::parity::add_even(std::span<std::uint8_t>(bytes, n));
}

joule_status joule_meter_parity_strip_even(uint8_t* bytes, size_t n, size_t* first_bad) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(bytes != nullptr || n == 0, "bytes is NULL");
    const std::size_t bad = n == 0 ? 0 : meter::parity::strip_even(std::span<std::uint8_t>(bytes, n));
    if (first_bad) *first_bad = bad;
    if (bad != n) return capi::report(JOULE_CHECKSUM_MISMATCH, "a character failed its even-parity check (7E1, IEC 62056-21 §6.3.1)");
    return capi::ok();
  });
}

}  // extern "C"
