// Scope 2 dual reporting (GHG Protocol Scope 2 Guidance 2015; METHODS.md A).
#include "joule/carbon/scope2.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace joule::carbon {

const char* instrument_type_name(InstrumentType t) noexcept {
  switch (t) {
    case InstrumentType::eac: return "eac";
    case InstrumentType::ppa: return "ppa";
    case InstrumentType::supplier_specific: return "supplier_specific";
  }
  return "unknown";
}

const char* quality_reason_name(QualityReason r) noexcept {
  switch (r) {
    case QualityReason::contract_without_attributes: return "CONTRACT_WITHOUT_ATTRIBUTES";
    case QualityReason::no_emission_rate: return "NO_EMISSION_RATE";
    case QualityReason::market_boundary: return "MARKET_BOUNDARY";
    case QualityReason::vintage: return "VINTAGE";
    case QualityReason::not_retired_for_reporter: return "NOT_RETIRED_FOR_REPORTER";
  }
  return "UNKNOWN";
}

namespace {
bool ok_energy(double v) { return std::isfinite(v) && v >= 0.0; }
}  // namespace

Result<Scope2Result> compute_scope2(const Scope2Input& in) {
  const std::size_t T = in.consumption_kwh.size();
  if (in.grid_ef_hourly.size() != T)
    return fail(Errc::invalid_argument, "grid_ef_hourly must have one value per consumption interval",
                Where::at_field("grid_ef_hourly"));
  for (std::size_t t = 0; t < T; ++t) {
    if (!ok_energy(in.consumption_kwh[t]))
      return fail(Errc::invalid_argument, "consumption must be finite and >= 0", Where::at_index(t, "consumption_kwh"));
    if (!ok_energy(in.grid_ef_hourly[t]))
      return fail(Errc::invalid_argument, "grid factor must be finite and >= 0", Where::at_index(t, "grid_ef_hourly"));
  }
  if (!ok_energy(in.grid_ef_annual))
    return fail(Errc::invalid_argument, "grid_ef_annual must be finite and >= 0", Where::at_field("grid_ef_annual"));
  if (in.residual_mix_ef && !ok_energy(*in.residual_mix_ef))
    return fail(Errc::invalid_argument, "residual_mix_ef must be finite and >= 0", Where::at_field("residual_mix_ef"));
  if (in.vintage_window_years < 0)
    return fail(Errc::invalid_argument, "vintage_window_years must be >= 0", Where::at_field("vintage_window_years"));

  Scope2Result r;
  // Location-based (Guidance ch. 6): total x annual factor, and sum c_t x ef_t.
  double total = 0.0, lb_hourly_g = 0.0;
  for (std::size_t t = 0; t < T; ++t) {
    total += in.consumption_kwh[t];
    lb_hourly_g += in.consumption_kwh[t] * in.grid_ef_hourly[t];
  }
  r.total_consumption_kwh = total;
  r.location_based_annual_factor_kg = total * in.grid_ef_annual / 1000.0;
  r.location_based_hourly_factor_kg = lb_hourly_g / 1000.0;

  // Quality criteria (Guidance ch. 7.1, Table 7.1) as rules; all failing reasons, fixed order.
  struct Valid {
    std::size_t index;
    double volume;
  };
  std::vector<Valid> valid;
  for (std::size_t k = 0; k < in.instruments.size(); ++k) {
    const Instrument& ins = in.instruments[k];
    double volume = 0.0;
    if (!ins.hourly_kwh.empty()) {
      if (ins.hourly_kwh.size() != T)
        return fail(Errc::invalid_argument, "instrument hourly profile length differs from consumption",
                    Where::at_index(k, "instruments"));
      for (double v : ins.hourly_kwh) {
        if (!ok_energy(v))
          return fail(Errc::invalid_argument, "instrument volume must be finite and >= 0", Where::at_index(k, "instruments"));
        volume += v;
      }
    } else if (ins.volume_kwh) {
      if (!ok_energy(*ins.volume_kwh))
        return fail(Errc::invalid_argument, "instrument volume must be finite and >= 0", Where::at_index(k, "instruments"));
      volume = *ins.volume_kwh;
    } else {
      return fail(Errc::invalid_argument, "instrument has neither volume_kwh nor hourly_kwh", Where::at_index(k, "instruments"));
    }
    if (ins.ef_g_per_kwh && !ok_energy(*ins.ef_g_per_kwh))
      return fail(Errc::invalid_argument, "instrument factor must be finite and >= 0", Where::at_index(k, "instruments"));
    std::vector<QualityReason> reasons;
    if (ins.type == InstrumentType::ppa && !ins.eacs_retained) reasons.push_back(QualityReason::contract_without_attributes);
    if (!ins.ef_g_per_kwh) reasons.push_back(QualityReason::no_emission_rate);
    if (ins.type != InstrumentType::supplier_specific) {
      if (std::find(in.accepted_markets.begin(), in.accepted_markets.end(), ins.market) == in.accepted_markets.end())
        reasons.push_back(QualityReason::market_boundary);
      if (std::abs(static_cast<long long>(ins.vintage_year) - in.reporting_year) > in.vintage_window_years)
        reasons.push_back(QualityReason::vintage);
      if (ins.retired_for != in.reporter) reasons.push_back(QualityReason::not_retired_for_reporter);
    }
    if (!reasons.empty()) r.rejected.push_back({ins.id, std::move(reasons)});
    else valid.push_back({k, volume});
  }
  // Hierarchy (Table 6.3): EAC, then contracts, then supplier-specific; input order within a type.
  std::stable_sort(valid.begin(), valid.end(), [&](const Valid& a, const Valid& b) {
    return static_cast<int>(in.instruments[a.index].type) < static_cast<int>(in.instruments[b.index].type);
  });

  const double residual_ef = in.residual_mix_ef ? *in.residual_mix_ef : in.grid_ef_annual;
  r.residual_mix_missing = !in.residual_mix_ef;
  r.residual_ef_g_per_kwh = residual_ef;

  // Uncovered consumption per hour, for the attribution report (and hourly matching).
  std::vector<double> open(in.consumption_kwh);
  std::vector<std::vector<double>> per_hour(valid.size(), std::vector<double>(T, 0.0));
  double covered = 0.0, emissions_g = 0.0;

  auto spread = [&](std::size_t slot, double amount) {
    // Spread `amount` over hours in proportion to what is still uncovered.
    double remaining_total = std::accumulate(open.begin(), open.end(), 0.0);
    if (amount <= 0.0 || remaining_total <= 0.0) return;
    const double frac = std::min(1.0, amount / remaining_total);
    for (std::size_t t = 0; t < T; ++t) {
      const double take = open[t] * frac;
      per_hour[slot][t] += take;
      open[t] -= take;
    }
  };

  if (in.granularity == Scope2Granularity::hourly) {
    // Hourly profiles first, hour by hour, in hierarchy order; then volume instruments on the rest.
    std::vector<double> used(valid.size(), 0.0);
    for (std::size_t s = 0; s < valid.size(); ++s) {
      const Instrument& ins = in.instruments[valid[s].index];
      if (ins.hourly_kwh.empty()) continue;
      for (std::size_t t = 0; t < T; ++t) {
        const double take = std::min(ins.hourly_kwh[t], open[t]);
        per_hour[s][t] = take;
        open[t] -= take;
        used[s] += take;
      }
    }
    for (std::size_t s = 0; s < valid.size(); ++s) {
      const Instrument& ins = in.instruments[valid[s].index];
      if (!ins.hourly_kwh.empty()) continue;
      const double remaining = std::accumulate(open.begin(), open.end(), 0.0);
      used[s] = std::min(valid[s].volume, remaining);
      spread(s, used[s]);
    }
    for (std::size_t s = 0; s < valid.size(); ++s) {
      const Instrument& ins = in.instruments[valid[s].index];
      const double ef = *ins.ef_g_per_kwh;
      covered += used[s];
      emissions_g += used[s] * ef;
      r.allocation.push_back({ins.id, ins.type, valid[s].volume, used[s], valid[s].volume - used[s], ef, used[s] * ef / 1000.0});
    }
  } else {
    for (std::size_t s = 0; s < valid.size(); ++s) {
      const Instrument& ins = in.instruments[valid[s].index];
      const double ef = *ins.ef_g_per_kwh;
      // Capped so the cumulative claim never exceeds consumption (no negative emissions).
      const double used = std::min(valid[s].volume, total - covered);
      covered += used;
      emissions_g += used * ef;
      spread(s, used);
      r.allocation.push_back({ins.id, ins.type, valid[s].volume, used, valid[s].volume - used, ef, used * ef / 1000.0});
    }
  }
  r.residual_kwh = total - covered;
  emissions_g += r.residual_kwh * residual_ef;
  r.market_based_kg = emissions_g / 1000.0;

  const char* rest_name = in.residual_mix_ef ? "residual" : "grid-average";
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t s = 0; s < valid.size(); ++s) {
      if (per_hour[s][t] <= 0.0) continue;
      const double ef = *in.instruments[valid[s].index].ef_g_per_kwh;
      r.attribution.push_back({t, in.instruments[valid[s].index].id, per_hour[s][t], ef, per_hour[s][t] * ef / 1000.0});
    }
    if (open[t] > 0.0) r.attribution.push_back({t, rest_name, open[t], residual_ef, open[t] * residual_ef / 1000.0});
  }
  return r;
}

}  // namespace joule::carbon
