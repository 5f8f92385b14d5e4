// SunSpec models: the compiled table, discovery and decoding of pysunspec2 device images.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "joule/meter/sunspec.hpp"

namespace fs = std::filesystem;
namespace ss = joule::meter::sunspec;
using nlohmann::json;

namespace {
fs::path data() { return fs::path(JOULE_TEST_DATA_DIR) / "meter" / "sunspec"; }
std::vector<std::uint8_t> read_regs(const fs::path& p) {
  std::ifstream f(p);
  std::vector<std::uint8_t> out;
  std::string w;
  while (f >> w) {
    const auto v = static_cast<std::uint16_t>(std::stoul(w, nullptr, 16));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v & 0xFF));
  }
  return out;
}
std::string path_of(const ss::PointValue& p) {
  char buf[128];
  auto n = ss::point_path(p, buf);
  REQUIRE(n);
  return std::string(buf, *n);
}
}  // namespace

TEST_CASE("sunspec: every model definition is compiled in, the required ones by name") {
  CHECK(ss::models().size() == 112);
  const std::pair<int, const char*> want[] = {
      {1, "common"}, {101, "inverter_single_phase"}, {102, "inverter_split_phase"}, {103, "inverter_three_phase"},
      {111, "inverter_single_phase_float"}, {112, "inverter_split_phase_float"}, {113, "inverter_three_phase_float"},
      {120, "nameplate"}, {121, "settings"}, {122, "status"}, {123, "controls"}, {124, "storage_basic"},
      {160, "mppt"}, {201, "ac_meter_an_or_ab"}, {202, "ac_meter_abn"}, {203, "ac_meter_abcn"},
      {204, "ac_meter_abc"}, {802, "battery"}};
  for (const auto& [id, name] : want) {
    const auto* m = ss::find_model(static_cast<std::uint16_t>(id));
    REQUIRE_MESSAGE(m != nullptr, id);
    if (name != nullptr) CHECK_EQ(std::string(m->name), name);
  }
  for (int id = 701; id <= 714; ++id) CHECK(ss::find_model(static_cast<std::uint16_t>(id)) != nullptr);
  CHECK(ss::find_model(9999) == nullptr);
}

TEST_CASE("sunspec: every model decodes from an all-not-implemented image of its static length") {
  std::vector<ss::PointValue> storage(4096);
  for (const auto& m : ss::models()) {
    // Length of one instance of each group (repeating groups once).
    std::function<std::size_t(std::uint16_t)> len = [&](std::uint16_t gi) {
      const auto& g = ss::group_def(gi);
      std::size_t n = g.length;
      for (std::uint16_t c = 0; c < g.n_children; ++c) {
        const auto& ch = ss::group_def(static_cast<std::uint16_t>(g.first_child + c));
        n += (ch.count_kind == ss::CountKind::fixed ? ch.count : 0) * len(static_cast<std::uint16_t>(g.first_child + c));
      }
      return n;
    };
    const std::size_t total = len(m.root);
    std::vector<std::uint8_t> regs(2 * total, 0);
    regs[0] = static_cast<std::uint8_t>(m.id >> 8);
    regs[1] = static_cast<std::uint8_t>(m.id & 0xFF);
    regs[2] = static_cast<std::uint8_t>((total - 2) >> 8);
    regs[3] = static_cast<std::uint8_t>((total - 2) & 0xFF);
    joule::VectorRef<ss::PointValue> out(storage);
    INFO("model ", m.id);
    auto r = ss::decode_model(regs, out);
    CHECK_MESSAGE(r.has_value(), r.error().message);
  }
}

TEST_CASE("sunspec: pysunspec2 device images decode to their values") {
  for (const char* name : {"device_1547", "inverter_123"}) {
    INFO(name);
    const json img = json::parse(std::ifstream(data() / "device-images" / (std::string(name) + ".json")));
    const auto image = read_regs(data() / "registers" / (std::string(name) + ".hex"));
    ss::ModelRef refs[32];
    auto n = ss::list_models(image, refs);
    REQUIRE(n);
    std::size_t models_in_image = 0;
    for (const auto& m : img["models"])
      if (m["ID"].get<int>() != 0xFFFF) ++models_in_image;
    REQUIRE_EQ(*n, models_in_image);
    std::vector<ss::PointValue> storage(1024);
    for (std::size_t k = 0; k < *n; ++k) {
      const json& mj = img["models"][k];
      CHECK_EQ(refs[k].id, mj["ID"].get<int>());
      joule::VectorRef<ss::PointValue> out(storage);
      joule::test::AllocationScope scope;
      auto body = std::span<const std::uint8_t>(image).subspan(2 * refs[k].register_offset, 2 * (refs[k].length + 2U));
      auto r = ss::decode_model(body, out);
      CHECK_EQ(scope.allocations(), 0U);
      REQUIRE_MESSAGE(r.has_value(), r.error().message);
      int checked = 0;
      for (const auto& p : out) {
        if (p.depth != 0) continue;
        const std::string nm = p.def->name;
        if (!mj.contains(nm) || mj[nm].is_null() || nm == "L") continue;
        INFO("point ", nm);
        if (mj[nm].is_string()) {
          CHECK_EQ(std::string(p.text), mj[nm].get<std::string>());
        } else if (p.kind == ss::PointKind::real) {
          CHECK_EQ(p.real, doctest::Approx(mj[nm].get<double>()));
        } else {
          CHECK_EQ(p.number.mantissa(), mj[nm].get<std::int64_t>());
        }
        ++checked;
      }
      CHECK(checked > 0);
    }
  }
}

TEST_CASE("sunspec: scale factors, sentinels and repeating groups") {
  // Model 160 (MPPT): DCA_SF=-2, DCV_SF=-1, DCW_SF=0, DCWH_SF=0, Evt, N=2, TmsPer, then 2 modules of 20.
  const auto* m = ss::find_model(160);
  REQUIRE(m);
  const auto& root = ss::group_def(m->root);
  std::vector<std::uint16_t> regs(2 + root.length - 2 + 0, 0);
  regs.assign(root.length, 0);
  regs[0] = 160;
  auto set = [&](std::vector<std::uint16_t>& r, std::size_t base, const ss::GroupDef& g, const char* name, std::uint16_t v) {
    for (std::uint16_t k = 0; k < g.n_points; ++k) {
      const auto& d = ss::point_def(static_cast<std::uint16_t>(g.first_point + k));
      if (std::string(d.name) == name) {
        r[base + d.offset] = v;
        return;
      }
    }
    FAIL("no point ", name);
  };
  set(regs, 0, root, "DCA_SF", static_cast<std::uint16_t>(-2));
  set(regs, 0, root, "DCV_SF", static_cast<std::uint16_t>(-1));
  set(regs, 0, root, "DCW_SF", 0x8000);  // not implemented
  set(regs, 0, root, "N", 2);
  const auto& mod = ss::group_def(root.first_child);
  for (int i = 0; i < 2; ++i) {
    const std::size_t base = regs.size();
    regs.resize(regs.size() + mod.length, 0);
    set(regs, base, mod, "DCA", static_cast<std::uint16_t>(1234 + i));
    set(regs, base, mod, "DCV", 0xFFFF);  // not implemented
    set(regs, base, mod, "DCW", 500);
  }
  regs[1] = static_cast<std::uint16_t>(regs.size() - 2);
  std::vector<std::uint8_t> bytes;
  for (auto r : regs) {
    bytes.push_back(static_cast<std::uint8_t>(r >> 8));
    bytes.push_back(static_cast<std::uint8_t>(r & 0xFF));
  }
  std::vector<ss::PointValue> storage(256);
  joule::VectorRef<ss::PointValue> out(storage);
  REQUIRE(ss::decode_model(bytes, out));
  int seen = 0;
  for (const auto& p : out) {
    const std::string path = path_of(p);
    if (path == "module[1].DCA") {
      CHECK(p.implemented);
      CHECK_EQ(p.number, joule::Decimal(1235, -2));  // 12.35 A
      ++seen;
    }
    if (path == "module[0].DCV") {
      CHECK_FALSE(p.implemented);
      ++seen;
    }
    if (path == "module[0].DCW") {
      CHECK_FALSE(p.scaled);
      ++seen;
    }
  }
  CHECK_EQ(seen, 3);
  // Truncated model and wrong length.
  joule::VectorRef<ss::PointValue> out2(storage);
  CHECK_EQ(ss::decode_model(std::span<const std::uint8_t>(bytes).first(bytes.size() - 2), out2).error().code,
           joule::Errc::incomplete);
  bytes[3] = static_cast<std::uint8_t>(bytes[3] - 1);
  joule::VectorRef<ss::PointValue> out3(storage);
  CHECK_FALSE(ss::decode_model(std::span<const std::uint8_t>(bytes).first(bytes.size() - 2), out3).has_value());
}
