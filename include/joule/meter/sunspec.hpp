// joule/meter/sunspec.hpp: SunSpec models over Modbus (SunSpec Information Model
// Specification 1.1 / Modbus interface spec), freestanding.
//
// Every model definition of the SunSpec models repository (JSON, compiled into
// the library by scripts/gen_sunspec_models.py) is available by id. A device
// holds "SunS" (0x5375 0x6E53) at register 0, 40000 or 50000, then a chain of
// models (ID, length L, L registers) ended by ID 0xFFFF. `decode_model` turns
// one model's registers into named points: scale factors applied exactly
// (value * 10^SF as a Decimal), not-implemented sentinels reported, repeating
// groups expanded ("module[2].DCA").
//
// Example:
//   joule::FixedVector<joule::meter::sunspec::PointValue, 256> pts;
//   auto r = joule::meter::sunspec::decode_model(model_regs, pts);   // regs from ID on
//   for (auto& p : pts) if (p.implemented) use(p.def->name, p.number.to_double(), p.def->units);
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "joule/core/decimal.hpp"
#include "joule/core/fixed_vector.hpp"
#include "joule/core/result.hpp"

namespace joule::meter::sunspec {

/// Point types of the SunSpec information model.
enum class PointType : std::uint8_t {
  int16, uint16, count, acc16, enum16, bitfield16, pad, int32, uint32, acc32, enum32, bitfield32,
  ipaddr, int64, uint64, acc64, ipv6addr, float32, float64, string, sunssf, eui48,
};
/// How many instances a group has: one fixed number, as many as fit in the model
/// length ("count": 0), or the value of a point of an enclosing group.
enum class CountKind : std::uint8_t { fixed, fill, point };

/// One point definition. `offset` is relative to its group instance [registers].
struct PointDef {
  const char* name;
  const char* units;      ///< "W", "Wh", "V", "" when none
  PointType type;
  std::uint16_t offset;
  std::uint16_t size;     ///< [registers]
  std::int16_t sf_point;  ///< index of the scale-factor point, -1 none, -2 constant `sf_const`
  std::int8_t sf_const;
  std::uint16_t group;    ///< index of the owning group
};
/// One group definition (a model's top-level group or a nested/repeating group).
struct GroupDef {
  const char* name;
  std::uint16_t first_point, n_points;
  std::uint16_t first_child, n_children;
  std::int16_t parent;    ///< -1 for a model's top-level group
  CountKind count_kind;
  std::uint16_t count;    ///< fixed count, or the index of the count point
  std::uint16_t length;   ///< registers of the group's own points
};
/// One model: id, name ("inverter_single_phase") and its top-level group.
struct ModelDef {
  std::uint16_t id;
  const char* name;
  std::uint16_t root;
};

namespace detail {
struct Tables {
  std::span<const PointDef> points;
  std::span<const GroupDef> groups;
  std::span<const ModelDef> models;
};
extern const Tables kTables;
}  // namespace detail

/// All compiled-in model definitions, sorted by id.
std::span<const ModelDef> models() noexcept;
/// The definition of model `id`, or nullptr.
const ModelDef* find_model(std::uint16_t id) noexcept;
const GroupDef& group_def(std::uint16_t index) noexcept;
const PointDef& point_def(std::uint16_t index) noexcept;

/// Register addresses where a device's "SunS" marker may be (SunSpec Modbus §4.2).
inline constexpr std::uint16_t kBaseAddresses[3] = {40000, 50000, 0};
/// True when two registers (4 bytes, big-endian) hold "SunS".
constexpr bool is_marker(std::span<const std::uint8_t> b) noexcept {
  return b.size() >= 4 && b[0] == 'S' && b[1] == 'u' && b[2] == 'n' && b[3] == 'S';
}
/// The model end marker (ID 0xFFFF).
inline constexpr std::uint16_t kEndModelId = 0xFFFF;

/// What a decoded point holds.
enum class PointKind : std::uint8_t { none, number, real, text };

/// One decoded point.
struct PointValue {
  const PointDef* def = nullptr;
  const GroupDef* group = nullptr;
  std::array<std::uint16_t, 4> index{};  ///< instance index (0-based) per group depth
  std::uint8_t depth = 0;                ///< 0 = model's top-level group
  bool implemented = false;              ///< false for the not-implemented sentinel
  bool scaled = true;                    ///< false when its scale factor is not implemented
  PointKind kind = PointKind::none;
  std::uint64_t raw = 0;                 ///< register value as an unsigned integer
  Decimal number{};                      ///< integers: raw (signed) * 10^sf, exact
  std::int8_t sf = 0;
  double real = 0.0;                     ///< float32/float64 points
  std::string_view text{};               ///< strings (view into the registers), trailing NULs removed
};

/// Decodes one model. `regs` are big-endian register bytes starting at the model's
/// ID register and holding ID, L and L registers. Writes one PointValue per point
/// (pads skipped). Errors: not_found (unknown model id: decode_model still needs a
/// definition), incomplete (fewer registers than L), malformed (length not matching
/// the definition), buffer_too_small (`out` full).
Result<void> decode_model(std::span<const std::uint8_t> regs, VectorRef<PointValue>& out) noexcept;

/// Writes the point's path ("W", "module[1].DCA", "curve[0].pt[3].V") into `buf`;
/// returns its length. Errors: buffer_too_small.
Result<std::size_t> point_path(const PointValue& p, std::span<char> buf) noexcept;

/// One model found in a register image.
struct ModelRef {
  std::uint16_t id = 0;
  std::uint16_t length = 0;      ///< L [registers]
  std::size_t register_offset = 0;  ///< of the ID register, from the start of the image
};
/// Walks the model chain of a register image that starts at the "SunS" marker.
/// Writes the models found (until ID 0xFFFF or the image ends). Errors: malformed
/// (no marker), incomplete (a model runs past the image), buffer_too_small.
Result<std::size_t> list_models(std::span<const std::uint8_t> image, std::span<ModelRef> out) noexcept;

}  // namespace joule::meter::sunspec
