// Wired M-Bus in firmware: a real long frame (Elvaco CMa10, libmbus test data) split in
// 5-byte chunks, checked (EN 13757-2) and its records read (EN 13757-3).
#include <cstdint>
#include <span>

#include "frames_mbus.hpp"
#include "fwdec.hpp"
#include "joule/meter/mbus.hpp"

using namespace joule;
using namespace joule::meter;

namespace {
std::uint8_t g_frame[mbus::kMaxFrameBytes];
mbus::Record g_rec;
}  // namespace

extern "C" int joule_fwdec_mbus() {
  int fail = 0;
  const auto bytes = fwdec::file(kMbus, kMbus_ends, 0);
  mbus::Splitter split{g_frame};
  int frames = 0;
  for (std::size_t at = 0; at < bytes.size(); at += 5) {
    const std::size_t n = bytes.size() - at < 5 ? bytes.size() - at : 5;
    feed_all(split, bytes.subspan(at, n), [&](std::span<const std::uint8_t> f) {
      ++frames;
      auto fr = mbus::parse_frame(f);
      fail += fwdec::check(fr.has_value() && fr->type == mbus::FrameType::long_, "mbus long frame");
      if (!fr) return;
      auto ud = mbus::parse_user_data(fr->ci, fr->user_data);
      fail += fwdec::check(ud.has_value(), "mbus user data");
      if (!ud) return;
      char man[3];
      mbus::manufacturer_letters(ud->header.manufacturer, man);
      mbus::RecordReader rd(ud->records, ud->msb_first);
      int records = 0;
      bool second_ok = false;
      for (;;) {
        auto more = rd.next(g_rec);
        if (!more) {
          fail += fwdec::check(false, "mbus record");
          break;
        }
        if (!*more) break;
        if (records == 1) second_ok = fwdec::equals(g_rec.value, 541, -1);
        ++records;
      }
      fail += fwdec::check(records == 13, "mbus: 13 records");
      fail += fwdec::check(second_ok, "mbus record 1 = 54.1");
      board::print("mbus: ");
      board::write(man, 3);
      board::print(" medium ");
      board::print(mbus::medium_name(ud->header.medium));
      board::print(", ");
      board::print_int(records);
      board::print(" records\n");
    }, [&](const Error&) { fail += fwdec::check(false, "mbus frame dropped"); });
  }
  fail += fwdec::check(frames == 1, "mbus: one frame");
  return fail;
}
