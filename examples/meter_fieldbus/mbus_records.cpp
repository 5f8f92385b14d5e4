// Reads a wired M-Bus long frame (hex text, as a file) and prints every record with its
// storage number, tariff and exact value. Usage: example_mbus_records FRAME.hex
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "joule/meter/mbus.hpp"

namespace mbus = joule::meter::mbus;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FRAME.hex\n", argv[0]);
    return 2;
  }
  std::ifstream f(argv[1]);
  std::stringstream ss;
  ss << f.rdbuf();
  std::vector<std::uint8_t> bytes;
  unsigned v = 0;
  std::istringstream hex(ss.str());
  while (hex >> std::hex >> v) bytes.push_back(static_cast<std::uint8_t>(v));
  auto frame = mbus::parse_frame(bytes);
  if (!frame) return std::fprintf(stderr, "frame: %s\n", frame.error().message), 1;
  auto ud = mbus::parse_user_data(frame->ci, frame->user_data);
  if (!ud) return std::fprintf(stderr, "user data: %s\n", ud.error().message), 1;
  char m[3];
  mbus::manufacturer_letters(ud->header.manufacturer, m);
  std::printf("meter %08X %.3s medium %s\n", ud->header.id, m, std::string(mbus::medium_name(ud->header.medium)).c_str());
  mbus::RecordReader rd(ud->records, ud->msb_first);
  mbus::Record rec;
  for (int i = 0;; ++i) {
    auto more = rd.next(rec);
    if (!more) return std::fprintf(stderr, "record %d: %s\n", i, more.error().message), 1;
    if (!*more) break;
    const std::string q(mbus::quantity_name(rec.quantity));
    if (rec.kind == mbus::RecordKind::number) {
      char num[64];
      auto n = rec.value.to_chars(num);
      std::printf("record %d: %s storage %llu tariff %u = %.*s %s\n", i, q.c_str(),
                  static_cast<unsigned long long>(rec.storage), rec.tariff, n ? static_cast<int>(*n) : 0, num,
                  std::string(joule::unit_symbol(rec.unit)).c_str());
    } else {
      std::printf("record %d: %s (non-numeric)\n", i, q.c_str());
    }
  }
  return 0;
}
