// SunSpec model decoding over the compiled-in model table.
#include "joule/meter/sunspec.hpp"

#include <algorithm>
#include <bit>

namespace joule::meter::sunspec {
namespace {

using detail::kTables;

std::uint16_t reg(std::span<const std::uint8_t> b, std::size_t i) noexcept {
  return static_cast<std::uint16_t>(b[2 * i] << 8 | b[2 * i + 1]);
}
std::uint64_t regs_value(std::span<const std::uint8_t> b, std::size_t i, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t k = 0; k < n; ++k) v = (v << 16) | reg(b, i + k);
  return v;
}

// Registers one instance of group g occupies when its nested counts are static.
std::size_t static_length(const GroupDef& g) noexcept {
  std::size_t n = g.length;
  for (std::uint16_t c = 0; c < g.n_children; ++c) {
    const GroupDef& ch = kTables.groups[g.first_child + c];
    const std::size_t k = ch.count_kind == CountKind::fixed ? ch.count : 1;
    n += k * static_length(ch);
  }
  return n;
}

struct Frame {
  std::uint16_t group;
  std::size_t base;  // register index of this instance
};

struct Walker {
  std::span<const std::uint8_t> regs;
  std::size_t end;  // registers in the model (2 + L)
  VectorRef<PointValue>& out;
  std::array<Frame, 6> stack{};
  std::array<std::uint16_t, 4> index{};
  std::uint8_t depth = 0;

  // Register index of point p in the innermost enclosing instance of its group.
  bool locate(std::uint16_t p, std::size_t& at) const noexcept {
    const PointDef& d = kTables.points[p];
    for (int k = depth; k >= 0; --k)
      if (stack[static_cast<std::size_t>(k)].group == d.group) {
        at = stack[static_cast<std::size_t>(k)].base + d.offset;
        return at + d.size <= end;
      }
    return false;
  }

  Result<void> decode_point(const PointDef& d, std::size_t at) noexcept {
    if (d.type == PointType::pad) return {};
    PointValue v;
    v.def = &d;
    v.group = &kTables.groups[d.group];
    v.index = index;
    v.depth = depth;
    const std::size_t n = d.size;
    if (at + n > end) return fail(Errc::malformed, "SunSpec point beyond the model length", Where::at_index(at));
    switch (d.type) {
      case PointType::string: {
        const char* p = reinterpret_cast<const char*>(regs.data() + 2 * at);
        std::size_t len = 0;
        while (len < 2 * n && p[len] != '\0') ++len;
        v.text = std::string_view(p, len);
        v.kind = PointKind::text;
        v.implemented = len > 0;  // all-NUL string = not implemented
        break;
      }
      case PointType::float32: {
        const auto u = static_cast<std::uint32_t>(regs_value(regs, at, 2));
        v.raw = u;
        const float f = std::bit_cast<float>(u);
        v.real = static_cast<double>(f);
        v.kind = PointKind::real;
        v.implemented = f == f;  // NaN = not implemented
        break;
      }
      case PointType::float64: {
        const std::uint64_t u = regs_value(regs, at, 4);
        v.raw = u;
        v.real = std::bit_cast<double>(u);
        v.kind = PointKind::real;
        v.implemented = v.real == v.real;
        break;
      }
      case PointType::ipv6addr:
      case PointType::eui48:
      case PointType::ipaddr: {
        bool any = false;
        for (std::size_t k = 0; k < 2 * n; ++k) any = any || regs[2 * at + k] != 0;
        v.text = std::string_view(reinterpret_cast<const char*>(regs.data() + 2 * at), 2 * n);
        v.kind = PointKind::text;
        v.implemented = any;
        if (n <= 4) v.raw = regs_value(regs, at, n);
        break;
      }
      default: {
        const std::uint64_t u = regs_value(regs, at, n);
        v.raw = u;
        std::int64_t s = static_cast<std::int64_t>(u);
        // Not-implemented sentinels (SunSpec Information Model §5.2, Table "Data types").
        switch (d.type) {
          case PointType::int16: s = static_cast<std::int16_t>(u); v.implemented = u != 0x8000; break;
          case PointType::sunssf: s = static_cast<std::int16_t>(u); v.implemented = u != 0x8000; break;
          case PointType::int32: s = static_cast<std::int32_t>(u); v.implemented = u != 0x80000000U; break;
          case PointType::int64: v.implemented = u != 0x8000000000000000ULL; break;
          case PointType::uint16: case PointType::enum16: case PointType::bitfield16: case PointType::count:
            v.implemented = u != 0xFFFF; break;
          case PointType::uint32: case PointType::enum32: case PointType::bitfield32:
            v.implemented = u != 0xFFFFFFFFU; break;
          case PointType::uint64: v.implemented = u != 0xFFFFFFFFFFFFFFFFULL;
            if (u > 0x7FFFFFFFFFFFFFFFULL) v.implemented = false;
            break;
          case PointType::acc16: case PointType::acc32: case PointType::acc64: v.implemented = u != 0; break;
          default: v.implemented = true; break;
        }
        v.kind = PointKind::number;
        int sf = 0;
        if (d.sf_point == -2) {
          sf = d.sf_const;
        } else if (d.sf_point >= 0) {
          std::size_t sat = 0;
          if (!locate(static_cast<std::uint16_t>(d.sf_point), sat)) {
            v.scaled = false;
          } else {
            const std::uint16_t r = reg(regs, sat);
            if (r == 0x8000) v.scaled = false;
            else sf = static_cast<std::int16_t>(r);
          }
          if (sf > 10 || sf < -10) v.scaled = false, sf = 0;  // SunSpec limits SF to -10..10
        }
        v.sf = static_cast<std::int8_t>(sf);
        v.number = Decimal(s, sf);
        break;
      }
    }
    return out.push_back(v);
  }

  // Decodes one instance of group gi at register `base`; returns registers used.
  Result<std::size_t> instance(std::uint16_t gi, std::size_t base) noexcept {
    const GroupDef& g = kTables.groups[gi];
    if (depth >= stack.size()) return fail(Errc::unsupported, "SunSpec groups nested too deeply");
    stack[depth] = Frame{gi, base};
    if (base + g.length > end) return fail(Errc::malformed, "SunSpec group beyond the model length", Where::at_index(base));
    for (std::uint16_t p = 0; p < g.n_points; ++p) {
      const PointDef& d = kTables.points[g.first_point + p];
      JOULE_RETURN_IF_ERROR(decode_point(d, base + d.offset));
    }
    std::size_t used = g.length;
    for (std::uint16_t c = 0; c < g.n_children; ++c) {
      const std::uint16_t ci = static_cast<std::uint16_t>(g.first_child + c);
      const GroupDef& ch = kTables.groups[ci];
      std::size_t count = 1;
      if (ch.count_kind == CountKind::fixed) {
        count = ch.count;
      } else if (ch.count_kind == CountKind::point) {
        std::size_t at = 0;
        if (!locate(ch.count, at)) return fail(Errc::malformed, "SunSpec count point outside the model");
        count = reg(regs, at);
        if (count == 0xFFFF) count = 0;
      } else {
        const std::size_t len = static_length(ch);
        const std::size_t left = end - std::min(end, base + used);
        count = len == 0 ? 0 : left / len;
      }
      for (std::size_t k = 0; k < count; ++k) {
        if (depth + 1 >= static_cast<int>(index.size())) return fail(Errc::unsupported, "SunSpec groups nested too deeply");
        ++depth;
        index[depth] = static_cast<std::uint16_t>(k);
        auto r = instance(ci, base + used);
        --depth;
        if (!r) return fail(r.error());
        used += *r;
      }
      if (depth + 1U < index.size()) index[depth + 1U] = 0;
    }
    return used;
  }
};

}  // namespace

std::span<const ModelDef> models() noexcept { return kTables.models; }

const ModelDef* find_model(std::uint16_t id) noexcept {
  const auto m = kTables.models;
  auto it = std::lower_bound(m.begin(), m.end(), id, [](const ModelDef& d, std::uint16_t v) { return d.id < v; });
  return it != m.end() && it->id == id ? &*it : nullptr;
}
const GroupDef& group_def(std::uint16_t i) noexcept { return kTables.groups[i]; }
const PointDef& point_def(std::uint16_t i) noexcept { return kTables.points[i]; }

Result<void> decode_model(std::span<const std::uint8_t> regs, VectorRef<PointValue>& out) noexcept {
  if (regs.size() % 2 != 0) return fail(Errc::malformed, "SunSpec register bytes with odd count");
  if (regs.size() < 4) return fail(Errc::incomplete, "SunSpec model needs ID and L", Where::byte(regs.size()));
  const std::uint16_t id = reg(regs, 0);
  const std::size_t len = reg(regs, 1);
  if (regs.size() < 2 * (len + 2)) return fail(Errc::incomplete, "SunSpec model shorter than its length L", Where::byte(regs.size()));
  const ModelDef* m = find_model(id);
  if (m == nullptr) return fail(Errc::not_found, "SunSpec model id not in the compiled definitions", Where::at_index(id));
  Walker w{regs, len + 2, out};
  JOULE_TRY(const std::size_t used, w.instance(m->root, 0));
  if (used != len + 2) {
    // A fixed model must match L exactly (Information Model §4.2.3); repeating groups fill it.
    return fail(Errc::malformed, "SunSpec model length L differs from its definition", Where::at_index(len));
  }
  return {};
}

Result<std::size_t> point_path(const PointValue& p, std::span<char> buf) noexcept {
  std::size_t n = 0;
  auto put = [&](std::string_view s) -> bool {
    if (n + s.size() > buf.size()) return false;
    std::copy(s.begin(), s.end(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    n += s.size();
    return true;
  };
  // Group chain from the model root down to the point's group.
  std::array<const GroupDef*, 6> chain{};
  std::size_t depth = 0;
  for (const GroupDef* g = p.group; g != nullptr && g->parent >= 0 && depth < chain.size();
       g = &kTables.groups[static_cast<std::size_t>(g->parent)])
    chain[depth++] = g;
  for (std::size_t k = depth; k-- > 0;) {
    const std::size_t level = depth - k;  // 1..depth
    char num[8];
    std::size_t nl = 0;
    unsigned v = level < p.index.size() ? p.index[level] : 0;
    do {
      num[nl++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0 && nl < sizeof num);
    std::reverse(num, num + nl);
    if (!put(chain[k]->name) || !put("[") || !put(std::string_view(num, nl)) || !put("]."))
      return fail(Errc::buffer_too_small, "SunSpec point path buffer");
  }
  if (!put(p.def->name)) return fail(Errc::buffer_too_small, "SunSpec point path buffer");
  return n;
}

Result<std::size_t> list_models(std::span<const std::uint8_t> image, std::span<ModelRef> out) noexcept {
  if (!is_marker(image)) return fail(Errc::malformed, "no SunSpec marker \"SunS\"", Where::byte(0));
  std::size_t at = 2, n = 0;  // registers
  while (2 * (at + 2) <= image.size()) {
    const std::uint16_t id = reg(image, at);
    const std::uint16_t len = reg(image, at + 1);
    if (id == kEndModelId) return n;
    if (2 * (at + 2 + len) > image.size()) return fail(Errc::incomplete, "SunSpec model runs past the image", Where::at_index(at));
    if (n == out.size()) return fail(Errc::buffer_too_small, "SunSpec model list buffer");
    out[n++] = ModelRef{id, len, at};
    at += 2 + len;
  }
  return n;
}

}  // namespace joule::meter::sunspec
