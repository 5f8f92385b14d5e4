// SunSpec in firmware: the model chain of a real device's register image (pysunspec2's
// "inverter 123": common model 1 and model 129) discovered from the "SunS" marker and
// every model decoded by name with its scale factors, from the flash-resident model table.
#include <cstdint>
#include <span>

#include "frames_sunspec.hpp"
#include "fwdec.hpp"
#include "joule/meter/sunspec.hpp"

using namespace joule;
using namespace joule::meter;
namespace ss = joule::meter::sunspec;

namespace {
board::BssObject<FixedVector<ss::PointValue, 256>> g_store;  // see board.hpp
}  // namespace

extern "C" int joule_fwdec_sunspec() {
  int fail = 0;
  auto& points = g_store.construct();
  const auto image = fwdec::file(kSunspec, kSunspec_ends, 0);
  ss::ModelRef refs[8];
  auto n = ss::list_models(image, refs);
  fail += fwdec::check(n.has_value() && *n == 2, "sunspec: 2 models");
  if (!n) return fail;
  for (std::size_t k = 0; k < *n; ++k) {
    const std::size_t at = 2 * refs[k].register_offset;
    const std::size_t len = 2 * (refs[k].length + 2u);
    points.clear();
    auto r = ss::decode_model(image.subspan(at, len), points);
    fail += fwdec::check(r.has_value(), "sunspec: decode model");
    const ss::ModelDef* def = ss::find_model(refs[k].id);
    board::print("sunspec model ");
    board::print_int(refs[k].id);
    board::print(" (");
    board::print(def != nullptr ? def->name : "?");
    board::print("): ");
    board::print_int(static_cast<std::int64_t>(points.size()));
    board::print(" points");
    for (const auto& p : points) {
      if (p.depth != 0 || p.def == nullptr || p.kind != ss::PointKind::text) continue;
      if (std::string_view(p.def->name) != "Md") continue;
      board::print(", Md \"");
      board::print(p.text);
      board::print("\"");
      fail += fwdec::check(p.text == "Inverter 123", "sunspec: Md");
    }
    board::print("\n");
  }
  fail += fwdec::check(refs[0].id == 1 && refs[1].id == 129, "sunspec: models 1 and 129");
  return fail;
}
