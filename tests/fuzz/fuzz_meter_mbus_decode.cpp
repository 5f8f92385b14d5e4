// Fuzzes the M-Bus application layer (EN 13757-3): the input is user data behind a CI field.
// First byte selects the CI (0x72, 0x7A, 0x78, 0x73, 0x76) so the header checks are passed;
// every record read must lie inside the data, and the reader must end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "joule/meter/mbus.hpp"

namespace mbus = joule::meter::mbus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::uint8_t kCi[] = {0x72, 0x7A, 0x78, 0x73, 0x76, 0x70};
  const std::uint8_t ci = kCi[data[0] % sizeof kCi];
  std::span<const std::uint8_t> ud(data + 1, size - 1);
  auto vd = mbus::parse_user_data(ci, ud);
  if (!vd) return 0;
  if (vd->fixed) {
    (void)mbus::decode_fixed(ud);
    return 0;
  }
  mbus::RecordReader rd(vd->records, vd->msb_first);
  mbus::Record rec;
  for (std::size_t i = 0; i <= vd->records.size(); ++i) {
    auto more = rd.next(rec);
    if (!more || !*more) return 0;
    if (rec.raw.size() > 0 && (rec.raw.data() < vd->records.data() ||
                               rec.raw.data() + rec.raw.size() > vd->records.data() + vd->records.size()))
      std::abort();
    if (rec.kind == mbus::RecordKind::number) (void)rec.value.to_double();
  }
  std::abort();  // more records than bytes: the reader did not advance
}
