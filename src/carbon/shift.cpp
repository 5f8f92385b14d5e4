// Marginal vs average: emissions effect of shifting load and of storage dispatch (METHODS.md E).
#include "joule/carbon/shift.hpp"

#include <cmath>
#include <map>

namespace joule::carbon {

Result<double> delta_emissions_kg(std::span<const double> d, std::span<const double> f) noexcept {
  if (d.size() != f.size()) return fail(Errc::invalid_argument, "delta and factor lengths differ");
  double g = 0.0;
  for (std::size_t t = 0; t < d.size(); ++t) {
    if (!std::isfinite(d[t])) return fail(Errc::invalid_argument, "delta must be finite", Where::at_index(t, "delta_kwh"));
    if (!std::isfinite(f[t])) return fail(Errc::invalid_argument, "factor must be finite", Where::at_index(t, "factor"));
    g += d[t] * f[t];
  }
  return g / 1000.0;
}

Result<double> delta_emissions_kg(const TimeSeries& d, const TimeSeries& f) {
  if (d.step() <= 0 || f.step() <= 0) return fail(Errc::invalid_argument, "empty series");
  if (f.step() % d.step() != 0)
    return fail(Errc::invalid_argument, "energy step must divide the factor step", Where::at_field("delta_kwh"));
  // Interval-start labels: energy interval [t, t+step) belongs to the factor interval containing t.
  std::map<std::size_t, double> per_factor;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const std::int64_t t = d.time_at(i);
    if (t < f.start() || t >= f.end())
      return fail(Errc::invalid_argument, "energy interval without a factor", Where::at_index(i, "delta_kwh"));
    if (!std::isfinite(d[i])) return fail(Errc::invalid_argument, "delta must be finite", Where::at_index(i, "delta_kwh"));
    per_factor[static_cast<std::size_t>((t - f.start()) / f.step())] += d[i];
  }
  double g = 0.0;
  for (const auto& [k, e] : per_factor) {
    if (!std::isfinite(f[k])) return fail(Errc::invalid_argument, "factor must be finite", Where::at_index(k, "factor"));
    g += e * f[k];
  }
  return g / 1000.0;
}

Result<double> energy_weighted_intensity(std::span<const double> e, std::span<const double> ci) noexcept {
  if (e.size() != ci.size()) return fail(Errc::invalid_argument, "energy and intensity lengths differ");
  double se = 0.0, sg = 0.0;
  for (std::size_t t = 0; t < e.size(); ++t) {
    if (!std::isfinite(e[t]) || !std::isfinite(ci[t])) return fail(Errc::invalid_argument, "values must be finite", Where::at_index(t));
    se += e[t];
    sg += e[t] * ci[t];
  }
  if (se == 0.0) return fail(Errc::invalid_argument, "total energy is 0: intensity undefined");
  return sg / se;
}

Result<double> shift_delta_kg(double kwh, std::size_t from, std::size_t to, std::span<const double> f) noexcept {
  if (from >= f.size() || to >= f.size()) return fail(Errc::invalid_argument, "hour out of range");
  if (!std::isfinite(kwh) || !std::isfinite(f[from]) || !std::isfinite(f[to]))
    return fail(Errc::invalid_argument, "values must be finite");
  return kwh * (f[to] - f[from]) / 1000.0;
}

Result<StorageCycle> best_single_cycle(std::span<const double> s, double charge_kwh, double eta) noexcept {
  if (s.size() < 2) return fail(Errc::invalid_argument, "need at least two hours");
  if (!(eta > 0.0 && eta <= 1.0)) return fail(Errc::invalid_argument, "eta must be in (0, 1]", Where::at_field("eta"));
  if (!std::isfinite(charge_kwh) || charge_kwh < 0) return fail(Errc::invalid_argument, "charge must be finite and >= 0");
  for (std::size_t t = 0; t < s.size(); ++t)
    if (!std::isfinite(s[t])) return fail(Errc::invalid_argument, "signal must be finite", Where::at_index(t, "signal"));
  bool have = false;
  double best = 0.0;
  StorageCycle c;
  for (std::size_t i = 0; i < s.size(); ++i) {
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      const double v = charge_kwh * s[i] - eta * charge_kwh * s[j];
      if (!have || v < best - 1e-12) {
        have = true;
        best = v;
        c = {i, j};
      }
    }
  }
  return c;
}

Result<double> dispatch_delta_kg(std::span<const double> schedule, std::span<const double> f) noexcept {
  return delta_emissions_kg(schedule, f);
}

Result<double> discharge_attributional_ef(std::span<const double> charge, std::span<const double> aef, double eta) noexcept {
  if (!(eta > 0.0 && eta <= 1.0)) return fail(Errc::invalid_argument, "eta must be in (0, 1]", Where::at_field("eta"));
  if (charge.size() != aef.size()) return fail(Errc::invalid_argument, "charge and factor lengths differ");
  double c = 0.0, g = 0.0;
  for (std::size_t t = 0; t < charge.size(); ++t) {
    if (!std::isfinite(charge[t]) || !std::isfinite(aef[t])) return fail(Errc::invalid_argument, "values must be finite", Where::at_index(t));
    c += charge[t];
    g += charge[t] * aef[t];
  }
  if (c <= 0.0) return fail(Errc::invalid_argument, "nothing charged: intensity undefined");
  return g / (eta * c);
}

Result<TimeSeries> intensity_path(const FactorSource& source, std::string_view zone, std::int64_t start_s,
                                  std::int64_t step_s, std::size_t n) {
  return source.series(zone, start_s, step_s, n);
}

}  // namespace joule::carbon
