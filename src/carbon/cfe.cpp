// Hourly matching and the 24/7 CFE score with FIFO storage lots (METHODS.md B).
#include "joule/carbon/cfe.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

namespace joule::carbon {

namespace {
bool ok_energy(double v) { return std::isfinite(v) && v >= 0.0; }
}  // namespace

Result<CfeResult> compute_cfe(const CfeInput& in) {
  const std::size_t T = in.load_kwh.size();
  if (in.ppa_kwh.size() != T) return fail(Errc::invalid_argument, "ppa_kwh length differs from load", Where::at_field("ppa_kwh"));
  if (in.grid_cfe_share.size() != T)
    return fail(Errc::invalid_argument, "grid_cfe_share length differs from load", Where::at_field("grid_cfe_share"));
  if (in.grid_ci_g_per_kwh && in.grid_ci_g_per_kwh->size() != T)
    return fail(Errc::invalid_argument, "grid_ci length differs from load", Where::at_field("grid_ci_g_per_kwh"));
  if (in.battery_schedule_kwh && in.battery_schedule_kwh->size() != T)
    return fail(Errc::invalid_argument, "battery schedule length differs from load", Where::at_field("battery_schedule_kwh"));
  if (in.battery_schedule_kwh && !in.battery)
    return fail(Errc::invalid_argument, "a battery schedule needs a battery", Where::at_field("battery_schedule_kwh"));
  for (std::size_t t = 0; t < T; ++t) {
    if (!ok_energy(in.load_kwh[t])) return fail(Errc::invalid_argument, "load must be finite and >= 0", Where::at_index(t, "load_kwh"));
    if (!ok_energy(in.ppa_kwh[t])) return fail(Errc::invalid_argument, "ppa must be finite and >= 0", Where::at_index(t, "ppa_kwh"));
    const double s = in.grid_cfe_share[t];
    if (!(s >= 0.0 && s <= 1.0))
      return fail(Errc::invalid_argument, "grid CFE share must be within 0..1", Where::at_index(t, "grid_cfe_share"));
    if (in.grid_ci_g_per_kwh && !std::isfinite((*in.grid_ci_g_per_kwh)[t]))
      return fail(Errc::invalid_argument, "grid CI must be finite", Where::at_index(t, "grid_ci_g_per_kwh"));
    if (in.battery_schedule_kwh && !std::isfinite((*in.battery_schedule_kwh)[t]))
      return fail(Errc::invalid_argument, "schedule must be finite", Where::at_index(t, "battery_schedule_kwh"));
  }
  if (in.battery) {
    const auto& b = *in.battery;
    if (!ok_energy(b.energy_kwh)) return fail(Errc::invalid_argument, "battery energy must be >= 0", Where::at_field("energy_kwh"));
    if (!ok_energy(b.power_kw)) return fail(Errc::invalid_argument, "battery power must be >= 0", Where::at_field("power_kw"));
    if (!(b.roundtrip_eff > 0.0 && b.roundtrip_eff <= 1.0))
      return fail(Errc::invalid_argument, "round-trip efficiency must be in (0, 1]", Where::at_field("roundtrip_eff"));
    if (!(ok_energy(b.soc0_kwh) && b.soc0_kwh <= b.energy_kwh))
      return fail(Errc::invalid_argument, "initial charge must be within 0..energy_kwh", Where::at_field("soc0_kwh"));
  }

  CfeResult r;
  auto& h = r.hourly;
  h.direct_kwh.assign(T, 0.0);
  h.charge_kwh.assign(T, 0.0);
  h.discharge_kwh.assign(T, 0.0);
  h.grid_kwh.assign(T, 0.0);
  h.cfe_kwh.assign(T, 0.0);
  h.cfe_score.assign(T, std::nullopt);
  std::vector<double> surplus(T), deficit(T);
  for (std::size_t t = 0; t < T; ++t) {
    const double L = in.load_kwh[t], P = in.ppa_kwh[t];
    h.direct_kwh[t] = std::min(L, P);
    surplus[t] = std::max(P - L, 0.0);
    deficit[t] = std::max(L - P, 0.0);
  }
  if (in.battery) {
    const auto& b = *in.battery;
    double soc = b.soc0_kwh;
    struct Lot {
      int hour;
      double kwh;
    };
    std::deque<Lot> lots;  // FIFO of charged kWh by charge hour
    if (soc > 0) lots.push_back({-1, soc});
    for (std::size_t t = 0; t < T; ++t) {
      const double req = in.battery_schedule_kwh ? (*in.battery_schedule_kwh)[t] : 0.0;
      const bool sched = in.battery_schedule_kwh.has_value();
      if (surplus[t] > 0) {
        // Charge only from contracted surplus (clean lots), limited by power and free capacity.
        double e = std::min({surplus[t], b.power_kw, b.energy_kwh - soc});
        if (sched) e = std::min(e, std::max(req, 0.0));
        if (e > 0) {
          h.charge_kwh[t] = e;
          soc += e;
          lots.push_back({static_cast<int>(t), e});
        }
      } else if (deficit[t] > 0 && soc > 0) {
        double d = std::min({deficit[t], b.power_kw, b.roundtrip_eff * soc});
        if (sched) d = std::min(d, std::max(-req, 0.0));
        if (d > 0) {
          h.discharge_kwh[t] = d;
          double need = d / b.roundtrip_eff;  // losses at discharge: charged kWh drawn
          soc -= need;
          while (need > 1e-12 && !lots.empty()) {
            Lot& lot = lots.front();
            const double take = std::min(lot.kwh, need);
            r.sd_gc_fifo.push_back({static_cast<int>(t), lot.hour, take, take * b.roundtrip_eff});
            lot.kwh -= take;
            need -= take;
            if (lot.kwh <= 1e-12) lots.pop_front();
          }
        }
      }
    }
  }
  double sumL = 0, sumP = 0, sumDirect = 0, sumSurplus = 0, sumCharge = 0, sumDis = 0, sumGrid = 0, sumGridCfe = 0,
         sumCfe = 0, emis_g = 0;
  for (std::size_t t = 0; t < T; ++t) {
    const double L = in.load_kwh[t];
    const double grid = L - h.direct_kwh[t] - h.discharge_kwh[t];
    const double gcfe = in.grid_cfe_share[t] * grid;
    h.grid_kwh[t] = grid;
    h.cfe_kwh[t] = h.direct_kwh[t] + h.discharge_kwh[t] + gcfe;
    if (L > 0) h.cfe_score[t] = h.cfe_kwh[t] / L;
    sumL += L;
    sumP += in.ppa_kwh[t];
    sumDirect += h.direct_kwh[t];
    sumSurplus += surplus[t];
    sumCharge += h.charge_kwh[t];
    sumDis += h.discharge_kwh[t];
    sumGrid += grid;
    sumGridCfe += gcfe;
    sumCfe += h.cfe_kwh[t];
    if (in.grid_ci_g_per_kwh) emis_g += grid * (*in.grid_ci_g_per_kwh)[t];
  }
  if (!(sumL > 0)) return fail(Errc::invalid_argument, "total load is 0: scores are undefined", Where::at_field("load_kwh"));
  r.total_load_kwh = sumL;
  r.total_ppa_kwh = sumP;
  r.annual_volumetric_match = std::min(sumP, sumL) / sumL;
  r.hourly_matched_direct_kwh = sumDirect;
  r.ppa_surplus_kwh = sumSurplus;
  r.battery_charge_kwh = sumCharge;
  r.battery_discharge_kwh = sumDis;
  r.ppa_spilled_kwh = sumSurplus - sumCharge;
  r.grid_supply_kwh = sumGrid;
  r.grid_cfe_kwh = sumGridCfe;
  r.contracted_hourly_match = (sumDirect + sumDis) / sumL;
  r.cfe_score = sumCfe / sumL;
  if (in.battery) {
    const double eta = in.battery->roundtrip_eff;
    r.battery_losses_kwh = sumDis / eta - sumDis;
    r.battery_soc_end_kwh = in.battery->soc0_kwh + sumCharge - sumDis / eta;
  }
  if (in.grid_ci_g_per_kwh) r.grid_supply_emissions_kg = emis_g / 1000.0;
  return r;
}

}  // namespace joule::carbon
