// Flow tracing (Tranberg et al. 2019; METHODS.md C): one named step with origin
// shares and source mix (dense Eigen LU), and a multi-step tracer for large systems.
#include "joule/carbon/flowtrace.hpp"

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <Eigen/SparseLU>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>
#include <unordered_map>

namespace joule::carbon {

namespace {

bool ok_energy(double v) { return std::isfinite(v) && v >= 0.0; }

// ---- exact rational solve (informative "num/den" of each intensity) ----
__extension__ typedef __int128 i128;

bool to_rational(double v, i128& num, i128& den) {
  // Values given with up to 6 decimals are taken as exact decimals.
  i128 scale = 1;
  for (int k = 0; k <= 6; ++k) {
    const double s = v * static_cast<double>(scale);
    if (std::abs(s) > 1e15) return false;
    if (s == std::floor(s)) {
      num = static_cast<i128>(s);
      den = scale;
      return true;
    }
    scale *= 10;
  }
  return false;
}

i128 gcd128(i128 a, i128 b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b != 0) {
    const i128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

bool mul_ok(i128 a, i128 b, i128& out) { return !__builtin_mul_overflow(a, b, &out); }
bool sub_ok(i128 a, i128 b, i128& out) { return !__builtin_sub_overflow(a, b, &out); }
bool add_ok(i128 a, i128 b, i128& out) { return !__builtin_add_overflow(a, b, &out); }

// Bareiss fraction-free determinant of an integer matrix (row-major n x n).
bool bareiss_det(std::vector<i128> m, std::size_t n, i128& det) {
  i128 prev = 1;
  int sign = 1;
  for (std::size_t k = 0; k + 1 < n; ++k) {
    if (m[k * n + k] == 0) {
      std::size_t p = k + 1;
      while (p < n && m[p * n + k] == 0) ++p;
      if (p == n) {
        det = 0;
        return true;
      }
      for (std::size_t j = 0; j < n; ++j) std::swap(m[k * n + j], m[p * n + j]);
      sign = -sign;
    }
    for (std::size_t i = k + 1; i < n; ++i) {
      for (std::size_t j = k + 1; j < n; ++j) {
        i128 a, b, c;
        if (!mul_ok(m[i * n + j], m[k * n + k], a) || !mul_ok(m[i * n + k], m[k * n + j], b) || !sub_ok(a, b, c))
          return false;
        m[i * n + j] = c / prev;  // exact by Sylvester's identity
      }
    }
    prev = m[k * n + k];
  }
  det = sign * m[(n - 1) * n + (n - 1)];
  return true;
}

std::string i128_str(i128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  std::string s;
  while (v != 0) {
    int d = static_cast<int>(v % 10);
    if (d < 0) d = -d;
    s.push_back(static_cast<char>('0' + d));
    v /= 10;
  }
  if (neg) s.push_back('-');
  std::reverse(s.begin(), s.end());
  return s;
}

// Exact x = A^-1 E on the reachable zones by Cramer's rule with Bareiss determinants.
// A_ij entries and E_i come as rationals with common denominators dA and dE.
std::vector<std::optional<std::string>> exact_solve(const std::vector<std::vector<i128>>& A, i128 dA,
                                                    const std::vector<i128>& E, i128 dE) {
  const std::size_t n = A.size();
  std::vector<std::optional<std::string>> out(n);
  if (n == 0 || n > 12) return out;
  std::vector<i128> m(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) m[i * n + j] = A[i][j];
  i128 det = 0;
  if (!bareiss_det(m, n, det) || det == 0) return out;
  for (std::size_t c = 0; c < n; ++c) {
    std::vector<i128> mc = m;
    for (std::size_t i = 0; i < n; ++i) mc[i * n + c] = E[i];
    i128 dc = 0;
    if (!bareiss_det(mc, n, dc)) continue;
    // x_c = (dc / det) * (dA / dE)
    i128 num, den;
    const i128 g1 = gcd128(dc, det), g2 = gcd128(dA, dE);
    i128 a = dc / (g1 == 0 ? 1 : g1), b = det / (g1 == 0 ? 1 : g1);
    i128 cA = dA / g2, cE = dE / g2;
    const i128 g3 = gcd128(a, cE), g4 = gcd128(cA, b);
    a /= (g3 == 0 ? 1 : g3);
    cE /= (g3 == 0 ? 1 : g3);
    cA /= (g4 == 0 ? 1 : g4);
    b /= (g4 == 0 ? 1 : g4);
    if (!mul_ok(a, cA, num) || !mul_ok(b, cE, den)) continue;
    if (den < 0) {
      num = -num;
      den = -den;
    }
    const i128 g = gcd128(num, den);
    if (g > 1) {
      num /= g;
      den /= g;
    }
    out[c] = i128_str(num) + "/" + i128_str(den);
  }
  return out;
}

struct Prepared {
  std::size_t n = 0;
  std::vector<std::string> modes;
  Eigen::MatrixXd Pm;  // n x modes
  Eigen::VectorXd efv, P, E, S;
  std::vector<FlowEntry> flows_used;                       // sorted
  std::vector<std::tuple<std::size_t, std::size_t, double>> fl_in_order;  // insertion order (Gauss-Seidel mimic)
  Eigen::MatrixXd F;  // F(j, i) = flow j -> i
  std::vector<bool> reach;
};

std::vector<bool> reachable(std::size_t n, const Eigen::VectorXd& P, const Eigen::MatrixXd& F) {
  std::vector<bool> seen(n);
  std::vector<std::size_t> stack;
  for (std::size_t i = 0; i < n; ++i)
    if (P(static_cast<Eigen::Index>(i)) > 0) {
      seen[i] = true;
      stack.push_back(i);
    }
  while (!stack.empty()) {
    const std::size_t j = stack.back();
    stack.pop_back();
    for (std::size_t i = 0; i < n; ++i)
      if (F(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) > 0 && !seen[i]) {
        seen[i] = true;
        stack.push_back(i);
      }
  }
  return seen;
}

}  // namespace

Result<FlowTraceResult> flow_trace(const FlowTraceInput& in) {
  const std::size_t n = in.zones.size();
  if (in.production_mwh.size() != n)
    return fail(Errc::invalid_argument, "production_mwh needs one entry per zone", Where::at_field("production_mwh"));
  std::unordered_map<std::string, std::size_t> idx;
  for (std::size_t i = 0; i < n; ++i)
    if (!idx.emplace(in.zones[i], i).second) return fail(Errc::invalid_argument, "duplicate zone", Where::at_index(i, "zones"));
  std::map<std::string, double> ef;
  for (const auto& [m, v] : in.ef_g_per_kwh) {
    if (!ok_energy(v)) return fail(Errc::invalid_argument, "factor must be finite and >= 0", Where::at_field("ef_g_per_kwh"));
    ef[m] = v;
  }
  Prepared p;
  p.n = n;
  {
    std::map<std::string, int> modes;
    for (const auto& z : in.production_mwh)
      for (const auto& [m, v] : z) modes[m] = 0;
    for (auto& [m, k] : modes) {
      k = static_cast<int>(p.modes.size());
      p.modes.push_back(m);
    }
    const auto M = static_cast<Eigen::Index>(p.modes.size());
    p.Pm = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), M);
    p.efv = Eigen::VectorXd::Zero(M);
    for (std::size_t i = 0; i < n; ++i)
      for (const auto& [m, v] : in.production_mwh[i]) {
        if (!ok_energy(v)) return fail(Errc::invalid_argument, "production must be finite and >= 0", Where::at_index(i, "production_mwh"));
        p.Pm(static_cast<Eigen::Index>(i), modes[m]) += v;
      }
    for (const auto& [m, k] : modes) {
      auto it = ef.find(m);
      if (it == ef.end()) return fail(Errc::not_found, "a production mode has no emission factor", Where::at_field("ef_g_per_kwh"));
      p.efv(k) = it->second;
    }
  }
  p.P = p.Pm.rowwise().sum();
  p.E = p.Pm * p.efv;  // MWh x g/kWh = kg
  // Flows: net per unordered border (default) or gross per direction; duplicates summed.
  std::vector<std::pair<std::pair<std::size_t, std::size_t>, double>> acc;  // insertion order
  auto find_acc = [&](std::size_t a, std::size_t b) -> double* {
    for (auto& [k, v] : acc)
      if (k.first == a && k.second == b) return &v;
    acc.push_back({{a, b}, 0.0});
    return &acc.back().second;
  };
  for (std::size_t k = 0; k < in.flows.size(); ++k) {
    const auto& f = in.flows[k];
    auto ia = idx.find(f.from), ib = idx.find(f.to);
    if (ia == idx.end() || ib == idx.end()) return fail(Errc::invalid_argument, "flow names an unknown zone", Where::at_index(k, "flows"));
    if (!ok_energy(f.mwh)) return fail(Errc::invalid_argument, "flow must be finite and >= 0", Where::at_index(k, "flows"));
    if (ia->second == ib->second) return fail(Errc::invalid_argument, "flow from a zone to itself", Where::at_index(k, "flows"));
    if (in.netting) {
      // Key = sorted pair of names (Electricity Maps "A->B" with A < B); + when A exports.
      const bool fwd = f.from < f.to;
      const std::size_t a = fwd ? ia->second : ib->second, b = fwd ? ib->second : ia->second;
      *find_acc(a, b) += fwd ? f.mwh : -f.mwh;
    } else {
      *find_acc(ia->second, ib->second) += f.mwh;
    }
  }
  p.F = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  for (const auto& [k, v] : acc) {
    if (v > 0) p.fl_in_order.emplace_back(k.first, k.second, v);
    else if (v < 0) p.fl_in_order.emplace_back(k.second, k.first, -v);
  }
  for (const auto& [a, b, v] : p.fl_in_order) {
    p.F(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) += v;
    p.flows_used.push_back({in.zones[a], in.zones[b], v});
  }
  std::sort(p.flows_used.begin(), p.flows_used.end(),
            [](const FlowEntry& x, const FlowEntry& y) { return x.from != y.from ? x.from < y.from : x.to < y.to; });
  p.S = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n));
  for (const auto& [z, v] : in.storage_charge_mwh) {
    auto it = idx.find(z);
    if (it == idx.end()) return fail(Errc::invalid_argument, "storage charge names an unknown zone", Where::at_field("storage_charge_mwh"));
    if (!ok_energy(v)) return fail(Errc::invalid_argument, "storage charge must be finite and >= 0", Where::at_field("storage_charge_mwh"));
    p.S(static_cast<Eigen::Index>(it->second)) += v;
  }
  const Eigen::VectorXd imports = p.F.colwise().sum().transpose();
  const Eigen::VectorXd exports = p.F.rowwise().sum();
  const Eigen::VectorXd consumption = p.P + imports - exports - p.S;
  for (std::size_t i = 0; i < n; ++i) {
    const double c = consumption(static_cast<Eigen::Index>(i));
    const double scale = std::max(1.0, p.P(static_cast<Eigen::Index>(i)) + imports(static_cast<Eigen::Index>(i)));
    if (c < -1e-9 * scale)
      return fail(Errc::invalid_argument, "consumption would be negative (exports + storage > production + imports)",
                  Where::at_index(i, "zones"));
  }
  p.reach = reachable(n, p.P, p.F);
  std::vector<Eigen::Index> ai;
  for (std::size_t i = 0; i < n; ++i)
    if (p.reach[i]) ai.push_back(static_cast<Eigen::Index>(i));
  const auto r = static_cast<Eigen::Index>(ai.size());
  const auto M = static_cast<Eigen::Index>(p.modes.size());
  Eigen::MatrixXd Ar(r, r);
  Eigen::MatrixXd rhs(r, 1 + r + M);  // [E | diag(P) | Pm]
  rhs.setZero();
  for (Eigen::Index a = 0; a < r; ++a) {
    const Eigen::Index i = ai[static_cast<std::size_t>(a)];
    for (Eigen::Index b = 0; b < r; ++b) {
      const Eigen::Index j = ai[static_cast<std::size_t>(b)];
      Ar(a, b) = (i == j ? p.P(i) + imports(i) : 0.0) - p.F(j, i);
    }
    rhs(a, 0) = p.E(i);
    rhs(a, 1 + a) = p.P(i);
    rhs.block(a, 1 + r, 1, M) = p.Pm.row(i);
  }
  Eigen::MatrixXd sol(r, 1 + r + M);
  if (r > 0) {
    Eigen::PartialPivLU<Eigen::MatrixXd> lu(Ar);
    sol = lu.solve(rhs);
    if (!sol.allFinite()) return fail(Errc::numerical, "flow-tracing system is singular");
  }
  // Exact fractions on the reachable system.
  std::vector<std::optional<std::string>> exact(n);
  {
    bool ok = true;
    std::vector<i128> pn(n), pd(n);
    // A entries are sums of production and flows; bring all to a common denominator.
    i128 dA = 1, dE = 1;
    auto lcm = [&](i128 a, i128 b, i128& out) {
      i128 t;
      if (!mul_ok(a / gcd128(a, b), b, t)) return false;
      out = t;
      return true;
    };
    std::vector<std::pair<i128, i128>> prod_r, flow_r, ef_r;
    for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(n) && ok; ++i)
      for (Eigen::Index m = 0; m < M && ok; ++m) {
        i128 a, b;
        ok = to_rational(p.Pm(i, m), a, b) && lcm(dA, b, dA);
      }
    for (const auto& t : p.fl_in_order) {
      i128 a, b;
      if (!ok) break;
      ok = to_rational(std::get<2>(t), a, b) && lcm(dA, b, dA);
    }
    i128 dEf = 1;
    for (Eigen::Index m = 0; m < M && ok; ++m) {
      i128 a, b;
      ok = to_rational(p.efv(m), a, b) && lcm(dEf, b, dEf);
    }
    if (ok) ok = mul_ok(dA, dEf, dE);
    if (ok && r > 0 && r <= 12) {
      auto scaled = [&](double v, i128 d, i128& out) {
        i128 a, b, t;
        if (!to_rational(v, a, b)) return false;
        if (!mul_ok(a, d / b, t)) return false;
        out = t;
        return true;
      };
      std::vector<std::vector<i128>> A(static_cast<std::size_t>(r), std::vector<i128>(static_cast<std::size_t>(r), 0));
      std::vector<i128> E(static_cast<std::size_t>(r), 0);
      for (Eigen::Index a = 0; a < r && ok; ++a) {
        const Eigen::Index i = ai[static_cast<std::size_t>(a)];
        i128 diag = 0;
        for (Eigen::Index m = 0; m < M && ok; ++m) {
          i128 v;
          ok = scaled(p.Pm(i, m), dA, v) && add_ok(diag, v, diag);
          i128 pv, ev, e2;
          if (ok) ok = scaled(p.Pm(i, m), dA, pv) && scaled(p.efv(m), dEf, ev) && mul_ok(pv, ev, e2) &&
                       add_ok(E[static_cast<std::size_t>(a)], e2, E[static_cast<std::size_t>(a)]);
        }
        for (const auto& [fa, fb, v] : p.fl_in_order) {
          if (!ok) break;
          if (static_cast<Eigen::Index>(fb) != i) continue;
          i128 fv;
          ok = scaled(v, dA, fv) && add_ok(diag, fv, diag);
          if (!ok || !p.reach[fa]) continue;
          auto pos = std::find(ai.begin(), ai.end(), static_cast<Eigen::Index>(fa)) - ai.begin();
          ok = sub_ok(A[static_cast<std::size_t>(a)][static_cast<std::size_t>(pos)], fv,
                      A[static_cast<std::size_t>(a)][static_cast<std::size_t>(pos)]);
        }
        A[static_cast<std::size_t>(a)][static_cast<std::size_t>(a)] += diag;
      }
      if (ok) {
        auto xs = exact_solve(A, dA, E, dE);
        for (Eigen::Index a = 0; a < r; ++a) exact[static_cast<std::size_t>(ai[static_cast<std::size_t>(a)])] = xs[static_cast<std::size_t>(a)];
      }
    }
  }

  FlowTraceResult out;
  out.modes = p.modes;
  out.flows_used = p.flows_used;
  out.zones.resize(n);
  std::vector<Eigen::Index> pos(n, -1);
  for (Eigen::Index a = 0; a < r; ++a) pos[static_cast<std::size_t>(ai[static_cast<std::size_t>(a)])] = a;
  double total_e = 0.0, total_cs = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto ii = static_cast<Eigen::Index>(i);
    ZoneTrace& z = out.zones[i];
    z.zone = in.zones[i];
    z.production_mwh = p.P(ii);
    z.imports_mwh = imports(ii);
    z.exports_mwh = exports(ii);
    z.storage_charge_mwh = p.S(ii);
    z.consumption_mwh = consumption(ii);
    z.production_emissions_kg = p.E(ii);
    if (p.P(ii) > 0) z.production_intensity_g_per_kwh = p.E(ii) / p.P(ii);
    total_e += p.E(ii);
    z.origin_share.assign(n, std::nullopt);
    z.consumption_mix_share.assign(p.modes.size(), std::nullopt);
    z.exact_intensity_fraction = exact[i];
    if (pos[i] >= 0) {
      const Eigen::Index a = pos[i];
      const double x = sol(a, 0);
      z.consumption_intensity_g_per_kwh = x;
      z.consumption_emissions_kg = x * z.consumption_mwh;
      z.storage_sunk_emissions_kg = x * z.storage_charge_mwh;
      total_cs += x * z.consumption_mwh + x * z.storage_charge_mwh;
      for (std::size_t k = 0; k < n; ++k) z.origin_share[k] = pos[k] >= 0 ? sol(a, 1 + pos[k]) : 0.0;
      for (Eigen::Index m = 0; m < M; ++m) z.consumption_mix_share[static_cast<std::size_t>(m)] = sol(a, 1 + r + m);
    }
  }
  out.total_production_emissions_kg = total_e;
  out.total_consumption_plus_sunk_emissions_kg = total_cs;

  // Plain Gauss-Seidel sweeps to 1e-13 in zone order (informative; the cross-check of METHODS.md).
  {
    std::vector<double> Pz(n, 0.0), Ez(n, 0.0), x(n, 0.0);
    std::vector<std::unordered_map<std::string, double>> ef_lookup;
    for (std::size_t i = 0; i < n; ++i)
      for (const auto& [m, v] : in.production_mwh[i]) {
        Pz[i] += v;
        Ez[i] += v * ef[m];
      }
    std::vector<std::vector<std::pair<std::size_t, double>>> imp(n);
    for (const auto& [a, b, v] : p.fl_in_order) imp[b].push_back({a, v});
    std::size_t it = 0;
    for (; it < 100000; ++it) {
      double delta = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        double inflow = Pz[i];
        for (const auto& [a, v] : imp[i]) inflow += v;
        if (inflow <= 0 || !p.reach[i]) {
          x[i] = std::nan("");
          continue;
        }
        double sum = Ez[i];
        for (const auto& [a, v] : imp[i]) sum += v * x[a];
        const double nx = sum / inflow;
        const double d = std::abs(nx - x[i]);
        if (d > delta) delta = d;
        x[i] = nx;
      }
      if (delta < 1e-13) {
        ++it;
        break;
      }
    }
    out.gauss_seidel_iterations = it;
  }
  return out;
}

// ---------------------------------------------------------------- FlowTracer

struct FlowTracer::Impl {
  std::size_t n = 0;
  std::vector<Border> borders;
  FlowSolver solver = FlowSolver::scc;
  // per step work arrays
  std::vector<double> inflow;
  std::vector<std::uint8_t> reach;
  std::vector<std::uint32_t> stack;
  // CSR of incident borders per zone (for in/out adjacency with the step's signs)
  std::vector<std::uint32_t> inc_start, inc_border;
  // SCC (Tarjan, iterative)
  std::vector<std::int32_t> index, low, comp;
  std::vector<std::uint8_t> on_stack;
  std::vector<std::uint32_t> tstack, order;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> call;  // (node, next incident position)
  // sparse LU
  Eigen::SparseMatrix<double> A;
  Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>> slu;
  bool analysed = false;
  std::vector<double*> diag_ptr;
  std::vector<std::pair<double*, double*>> border_ptr;  // (A(b,a) entry, A(a,b) entry)
  Eigen::VectorXd rhs, sol;
  Eigen::MatrixXd dense;
  std::vector<std::uint32_t> members, local;
};

FlowTracer::FlowTracer() = default;
FlowTracer::FlowTracer(FlowTracer&&) noexcept = default;
FlowTracer& FlowTracer::operator=(FlowTracer&&) noexcept = default;
FlowTracer::~FlowTracer() = default;

Result<FlowTracer> FlowTracer::make(std::size_t zones, std::vector<Border> borders, FlowSolver solver) {
  if (zones == 0 || zones > 0x7fffffff) return fail(Errc::invalid_argument, "zone count out of range", Where::at_field("zones"));
  std::vector<std::pair<std::uint32_t, std::uint32_t>> keys;
  for (std::size_t k = 0; k < borders.size(); ++k) {
    const auto& b = borders[k];
    if (b.a >= zones || b.b >= zones || b.a == b.b)
      return fail(Errc::invalid_argument, "border zone index out of range or a self-border", Where::at_index(k, "borders"));
    keys.emplace_back(std::min(b.a, b.b), std::max(b.a, b.b));
  }
  std::sort(keys.begin(), keys.end());
  if (std::adjacent_find(keys.begin(), keys.end()) != keys.end())
    return fail(Errc::invalid_argument, "duplicate border", Where::at_field("borders"));
  FlowTracer t;
  t.impl_ = std::make_unique<Impl>();
  Impl& m = *t.impl_;
  m.n = zones;
  m.borders = std::move(borders);
  m.solver = solver;
  m.inflow.resize(zones);
  m.reach.resize(zones);
  m.stack.reserve(zones);
  m.inc_start.assign(zones + 1, 0);
  for (const auto& b : m.borders) {
    ++m.inc_start[b.a + 1];
    ++m.inc_start[b.b + 1];
  }
  for (std::size_t i = 0; i < zones; ++i) m.inc_start[i + 1] += m.inc_start[i];
  m.inc_border.resize(m.inc_start[zones]);
  {
    std::vector<std::uint32_t> fill(m.inc_start.begin(), m.inc_start.end() - 1);
    for (std::uint32_t k = 0; k < m.borders.size(); ++k) {
      m.inc_border[fill[m.borders[k].a]++] = k;
      m.inc_border[fill[m.borders[k].b]++] = k;
    }
  }
  m.index.resize(zones);
  m.low.resize(zones);
  m.comp.resize(zones);
  m.on_stack.resize(zones);
  m.tstack.reserve(zones);
  m.order.reserve(zones);
  m.call.reserve(zones);
  m.members.reserve(zones);
  m.local.assign(zones, 0);
  if (solver == FlowSolver::sparse_lu) {
    // Fixed pattern: diagonal plus both directions of every border (explicit zeros kept).
    std::vector<Eigen::Triplet<double>> trip;
    for (std::size_t i = 0; i < zones; ++i) trip.emplace_back(static_cast<int>(i), static_cast<int>(i), 1.0);
    for (const auto& b : m.borders) {
      trip.emplace_back(static_cast<int>(b.b), static_cast<int>(b.a), 1.0);
      trip.emplace_back(static_cast<int>(b.a), static_cast<int>(b.b), 1.0);
    }
    m.A.resize(static_cast<Eigen::Index>(zones), static_cast<Eigen::Index>(zones));
    m.A.setFromTriplets(trip.begin(), trip.end());
    m.A.makeCompressed();
    m.diag_ptr.resize(zones);
    for (std::size_t i = 0; i < zones; ++i) m.diag_ptr[i] = &m.A.coeffRef(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i));
    for (const auto& b : m.borders)
      m.border_ptr.emplace_back(&m.A.coeffRef(static_cast<Eigen::Index>(b.b), static_cast<Eigen::Index>(b.a)),
                                &m.A.coeffRef(static_cast<Eigen::Index>(b.a), static_cast<Eigen::Index>(b.b)));
    m.slu.analyzePattern(m.A);
    m.analysed = true;
  }
  m.rhs.resize(static_cast<Eigen::Index>(zones));
  m.sol.resize(static_cast<Eigen::Index>(zones));
  return t;
}

std::size_t FlowTracer::zones() const noexcept { return impl_ ? impl_->n : 0; }
std::size_t FlowTracer::borders() const noexcept { return impl_ ? impl_->borders.size() : 0; }

Result<void> FlowTracer::trace_step(std::span<const double> P, std::span<const double> E, std::span<const double> flow,
                                    std::span<double> x, std::span<std::uint8_t> defined) {
  if (!impl_) return fail(Errc::invalid_argument, "tracer not initialised (use FlowTracer::make)");
  Impl& m = *impl_;
  const std::size_t n = m.n;
  if (P.size() != n || E.size() != n || x.size() != n || defined.size() != n || flow.size() != m.borders.size())
    return fail(Errc::invalid_argument, "array sizes do not match the tracer");
  for (std::size_t i = 0; i < n; ++i) {
    if (!ok_energy(P[i])) return fail(Errc::invalid_argument, "production must be finite and >= 0", Where::at_index(i, "production_mwh"));
    if (!ok_energy(E[i])) return fail(Errc::invalid_argument, "emissions must be finite and >= 0", Where::at_index(i, "production_emissions_kg"));
    m.inflow[i] = P[i];
  }
  for (std::size_t k = 0; k < flow.size(); ++k) {
    if (!std::isfinite(flow[k])) return fail(Errc::invalid_argument, "flow must be finite", Where::at_index(k, "border_net_mwh"));
    const auto& b = m.borders[k];
    if (flow[k] > 0) m.inflow[b.b] += flow[k];
    else if (flow[k] < 0) m.inflow[b.a] -= flow[k];
  }
  // Source of border k towards zone i with positive flow, or UINT32_MAX if none.
  auto source_into = [&](std::uint32_t k, std::uint32_t i, double& v) -> std::uint32_t {
    const auto& b = m.borders[k];
    const double f = flow[k];
    if (f > 0 && b.b == i) {
      v = f;
      return b.a;
    }
    if (f < 0 && b.a == i) {
      v = -f;
      return b.b;
    }
    return UINT32_MAX;
  };
  auto target_from = [&](std::uint32_t k, std::uint32_t j) -> std::uint32_t {
    const auto& b = m.borders[k];
    const double f = flow[k];
    if (f > 0 && b.a == j) return b.b;
    if (f < 0 && b.b == j) return b.a;
    return UINT32_MAX;
  };
  // Reachability from producers (METHODS.md C.2).
  m.stack.clear();
  for (std::uint32_t i = 0; i < n; ++i) {
    m.reach[i] = P[i] > 0;
    if (m.reach[i]) m.stack.push_back(i);
  }
  while (!m.stack.empty()) {
    const std::uint32_t j = m.stack.back();
    m.stack.pop_back();
    for (std::uint32_t s = m.inc_start[j]; s < m.inc_start[j + 1]; ++s) {
      const std::uint32_t t = target_from(m.inc_border[s], j);
      if (t != UINT32_MAX && !m.reach[t]) {
        m.reach[t] = 1;
        m.stack.push_back(t);
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    defined[i] = m.reach[i];
    x[i] = 0.0;
  }

  if (m.solver == FlowSolver::sparse_lu || m.solver == FlowSolver::dense_lu) {
    // Unreachable rows become identity (x = 0; their pool holds no production).
    if (m.solver == FlowSolver::sparse_lu) {
      for (std::size_t i = 0; i < n; ++i) *m.diag_ptr[i] = m.reach[i] ? m.inflow[i] : 1.0;
      for (std::size_t k = 0; k < m.borders.size(); ++k) {
        const auto& b = m.borders[k];
        *m.border_ptr[k].first = (flow[k] > 0 && m.reach[b.b] && m.reach[b.a]) ? -flow[k] : 0.0;   // row b, col a
        *m.border_ptr[k].second = (flow[k] < 0 && m.reach[b.a] && m.reach[b.b]) ? flow[k] : 0.0;   // row a, col b
      }
      for (std::size_t i = 0; i < n; ++i) m.rhs(static_cast<Eigen::Index>(i)) = m.reach[i] ? E[i] : 0.0;
      m.slu.factorize(m.A);
      if (m.slu.info() != Eigen::Success) return fail(Errc::numerical, "sparse LU factorisation failed");
      m.sol = m.slu.solve(m.rhs);
    } else {
      const auto N = static_cast<Eigen::Index>(n);
      m.dense.setZero(N, N);
      for (std::size_t i = 0; i < n; ++i) {
        m.dense(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i)) = m.reach[i] ? m.inflow[i] : 1.0;
        m.rhs(static_cast<Eigen::Index>(i)) = m.reach[i] ? E[i] : 0.0;
      }
      for (std::size_t k = 0; k < m.borders.size(); ++k) {
        const auto& b = m.borders[k];
        if (!m.reach[b.a] || !m.reach[b.b]) continue;
        if (flow[k] > 0) m.dense(b.b, b.a) -= flow[k];
        else if (flow[k] < 0) m.dense(b.a, b.b) += flow[k];
      }
      m.sol = m.dense.partialPivLu().solve(m.rhs);
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!m.reach[i]) continue;
      const double v = m.sol(static_cast<Eigen::Index>(i));
      if (!std::isfinite(v)) return fail(Errc::numerical, "flow-tracing solve failed", Where::at_index(i, "zones"));
      x[i] = v;
    }
    return {};
  }

  // SCC solver: Tarjan over reachable zones along positive flows (source -> target). Tarjan emits
  // components in reverse topological order of the condensation; solving them in reverse emission
  // order means every import comes from an already solved zone or from the same component.
  std::fill(m.index.begin(), m.index.end(), -1);
  std::fill(m.on_stack.begin(), m.on_stack.end(), 0);
  m.tstack.clear();
  m.order.clear();  // zones in emission order, components contiguous
  std::vector<std::uint32_t>& comp_start = m.members;  // reuse: start offsets into order
  comp_start.clear();
  std::int32_t counter = 0;
  for (std::uint32_t root = 0; root < n; ++root) {
    if (!m.reach[root] || m.index[root] >= 0) continue;
    m.call.clear();
    m.call.emplace_back(root, m.inc_start[root]);
    m.index[root] = m.low[root] = counter++;
    m.tstack.push_back(root);
    m.on_stack[root] = 1;
    while (!m.call.empty()) {
      auto& [v, pos] = m.call.back();
      bool descended = false;
      while (pos < m.inc_start[v + 1]) {
        const std::uint32_t w = target_from(m.inc_border[pos], v);
        ++pos;
        if (w == UINT32_MAX) continue;
        if (m.index[w] < 0) {
          m.index[w] = m.low[w] = counter++;
          m.tstack.push_back(w);
          m.on_stack[w] = 1;
          m.call.emplace_back(w, m.inc_start[w]);
          descended = true;
          break;
        }
        if (m.on_stack[w]) m.low[v] = std::min(m.low[v], m.index[w]);
      }
      if (descended) continue;
      const std::uint32_t vv = v;
      if (m.low[vv] == m.index[vv]) {
        comp_start.push_back(static_cast<std::uint32_t>(m.order.size()));
        std::uint32_t w;
        do {
          w = m.tstack.back();
          m.tstack.pop_back();
          m.on_stack[w] = 0;
          m.comp[w] = static_cast<std::int32_t>(comp_start.size() - 1);
          m.order.push_back(w);
        } while (w != vv);
      }
      m.call.pop_back();
      if (!m.call.empty()) {
        const std::uint32_t parent = m.call.back().first;
        m.low[parent] = std::min(m.low[parent], m.low[vv]);
      }
    }
  }
  comp_start.push_back(static_cast<std::uint32_t>(m.order.size()));
  auto update = [&](std::uint32_t i) {
    double acc = E[i];
    for (std::uint32_t s = m.inc_start[i]; s < m.inc_start[i + 1]; ++s) {
      double v = 0;
      const std::uint32_t src = source_into(m.inc_border[s], i, v);
      if (src != UINT32_MAX && m.reach[src]) acc += v * x[src];
    }
    return acc / m.inflow[i];
  };
  for (std::size_t c = comp_start.size() - 1; c-- > 0;) {
    const std::uint32_t b0 = comp_start[c], b1 = comp_start[c + 1];
    if (b1 - b0 == 1) {
      const std::uint32_t i = m.order[b0];
      x[i] = update(i);
      continue;
    }
    // A cycle: Gauss-Seidel inside the component (diagonally dominant M-matrix block).
    bool converged = false;
    for (int sweep = 0; sweep < 2000 && !converged; ++sweep) {
      double worst = 0.0;
      for (std::uint32_t q = b1; q-- > b0;) {
        const std::uint32_t i = m.order[q];
        const double nx = update(i);
        const double ch = std::abs(nx - x[i]) / std::max(1.0, std::abs(nx));
        worst = std::max(worst, ch);
        x[i] = nx;
      }
      converged = worst <= 1e-14;
    }
    if (!converged) {
      // Slowly mixing cycle: dense LU of the block.
      const std::uint32_t sz = b1 - b0;
      for (std::uint32_t q = 0; q < sz; ++q) m.local[m.order[b0 + q]] = q;
      Eigen::MatrixXd blk = Eigen::MatrixXd::Zero(sz, sz);
      Eigen::VectorXd r(sz);
      for (std::uint32_t q = 0; q < sz; ++q) {
        const std::uint32_t i = m.order[b0 + q];
        blk(q, q) = m.inflow[i];
        double acc = E[i];
        for (std::uint32_t s = m.inc_start[i]; s < m.inc_start[i + 1]; ++s) {
          double v = 0;
          const std::uint32_t src = source_into(m.inc_border[s], i, v);
          if (src == UINT32_MAX || !m.reach[src]) continue;
          if (m.comp[src] == static_cast<std::int32_t>(c)) blk(q, m.local[src]) -= v;
          else acc += v * x[src];
        }
        r(q) = acc;
      }
      Eigen::VectorXd xs = blk.partialPivLu().solve(r);
      for (std::uint32_t q = 0; q < sz; ++q) x[m.order[b0 + q]] = xs(q);
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (m.reach[i] && !std::isfinite(x[i])) return fail(Errc::numerical, "flow tracing produced a non-finite value", Where::at_index(i, "zones"));
  return {};
}

}  // namespace joule::carbon
