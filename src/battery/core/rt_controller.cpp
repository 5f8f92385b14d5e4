// Real-time battery controller (freestanding): see rt_controller.hpp.
#include "joule/battery/rt_controller.hpp"

#include <algorithm>

namespace joule::battery {

Result<RtController> RtController::create(const RtConfig& c, double soc_kwh) noexcept {
  if (!(c.capacity_kwh > 0)) return fail(Errc::invalid_argument, "capacity_kwh must be > 0", Where::at_field("capacity_kwh"));
  if (!(c.soc_min_kwh >= 0 && c.soc_min_kwh < c.soc_max_kwh))
    return fail(Errc::invalid_argument, "need 0 <= soc_min_kwh < soc_max_kwh", Where::at_field("soc_min_kwh"));
  if (!(c.soc_max_kwh <= c.capacity_kwh))
    return fail(Errc::invalid_argument, "soc_max_kwh must be <= capacity_kwh", Where::at_field("soc_max_kwh"));
  if (!(c.p_charge_max_kw > 0 && c.p_charge_max_kw < 1e12))
    return fail(Errc::invalid_argument, "p_charge_max_kw must be > 0", Where::at_field("p_charge_max_kw"));
  if (!(c.p_discharge_max_kw > 0 && c.p_discharge_max_kw < 1e12))
    return fail(Errc::invalid_argument, "p_discharge_max_kw must be > 0", Where::at_field("p_discharge_max_kw"));
  if (!(c.ramp_kw_per_s > 0)) return fail(Errc::invalid_argument, "ramp_kw_per_s must be > 0", Where::at_field("ramp_kw_per_s"));
  if (!(c.eta_charge > 0 && c.eta_charge <= 1))
    return fail(Errc::invalid_argument, "eta_charge must be in (0, 1]", Where::at_field("eta_charge"));
  if (!(c.eta_discharge > 0 && c.eta_discharge <= 1))
    return fail(Errc::invalid_argument, "eta_discharge must be in (0, 1]", Where::at_field("eta_discharge"));
  if (!(c.dt_s > 0 && c.dt_s <= 3600)) return fail(Errc::invalid_argument, "dt_s must be in (0, 3600]", Where::at_field("dt_s"));
  if (!(c.fcr_reserve_kw >= 0 && c.fcr_reserve_kw <= std::min(c.p_charge_max_kw, c.p_discharge_max_kw)))
    return fail(Errc::invalid_argument, "fcr_reserve_kw must be in [0, min(p_charge_max_kw, p_discharge_max_kw)]",
                Where::at_field("fcr_reserve_kw"));
  if (!(c.fcr_deadband_hz >= 0 && c.fcr_full_deviation_hz > c.fcr_deadband_hz))
    return fail(Errc::invalid_argument, "need 0 <= fcr_deadband_hz < fcr_full_deviation_hz",
                Where::at_field("fcr_full_deviation_hz"));
  if (!(c.fcr_energy_hours >= 0)) return fail(Errc::invalid_argument, "fcr_energy_hours must be >= 0", Where::at_field("fcr_energy_hours"));
  // SOGL Annex V: full activation within 30 s; a slower ramp cannot deliver it.
  if (c.fcr_reserve_kw > 0 && c.ramp_kw_per_s * 30.0 < c.fcr_reserve_kw)
    return fail(Errc::invalid_argument, "ramp_kw_per_s too slow for full FCR activation within 30 s",
                Where::at_field("ramp_kw_per_s"));
  const double need = c.fcr_reserve_kw * c.fcr_energy_hours;
  if (need / c.eta_discharge + need * c.eta_charge > c.soc_max_kwh - c.soc_min_kwh)
    return fail(Errc::invalid_argument, "FCR energy reserve does not fit in the SoC band", Where::at_field("fcr_energy_hours"));
  if (!(soc_kwh >= 0 && soc_kwh <= c.capacity_kwh))
    return fail(Errc::invalid_argument, "initial soc_kwh must be in [0, capacity_kwh]", Where::at_field("soc_kwh"));
  return RtController(c, soc_kwh);
}

Result<void> RtController::add_dr_event(const DrEvent& e) noexcept {
  if (!(e.end_s > e.start_s)) return fail(Errc::invalid_argument, "demand-response event must have end_s > start_s", Where::at_field("end_s"));
  if (!(e.import_cap_kw >= 0)) return fail(Errc::invalid_argument, "import_cap_kw must be >= 0", Where::at_field("import_cap_kw"));
  if (n_dr_ >= kMaxDrEvents) return fail(Errc::limit_exceeded, "too many pending demand-response events");
  dr_[n_dr_++] = e;
  return {};
}

void RtController::expire_dr_events(std::int64_t now_s) noexcept {
  std::size_t k = 0;
  for (std::size_t i = 0; i < n_dr_; ++i)
    if (dr_[i].end_s > now_s) dr_[k++] = dr_[i];
  n_dr_ = k;
}

double RtController::fcr_power_kw(double f) const noexcept {
  const double R = cfg_.fcr_reserve_kw;
  if (R <= 0) return 0.0;
  const double dev = f - cfg_.fcr_nominal_hz;
  if (dev <= cfg_.fcr_deadband_hz && dev >= -cfg_.fcr_deadband_hz) return 0.0;
  if (!(f == f)) return 0.0;  // NaN reading: no activation
  // linear from 0 at the deadband edge is not the SOGL shape: the droop is
  // measured from nominal frequency and merely suppressed inside the band.
  const double a = std::clamp(-dev / cfg_.fcr_full_deviation_hz, -1.0, 1.0);
  return R * a;
}

RtOutput RtController::step(const RtInput& in) noexcept {
  const RtConfig& c = cfg_;
  RtOutput out;
  const double dt_h = c.dt_s / 3600.0;
  const double R = c.fcr_reserve_kw;
  double setpoint = in.setpoint_kw;
  if (!(setpoint == setpoint)) setpoint = 0.0;  // NaN: hold
  const double fcr = fcr_power_kw(in.frequency_hz);
  if (fcr != 0.0) out.flags |= kRtFcrActive;

  // 1. schedule part, inside the headroom left for FCR (power and energy)
  double base_lo = -(c.p_charge_max_kw - R), base_hi = c.p_discharge_max_kw - R;
  const double e_res_dis = R * c.fcr_energy_hours / c.eta_discharge;  // stored kWh kept for up-regulation
  const double e_res_ch = R * c.fcr_energy_hours * c.eta_charge;      // room kept for down-regulation
  const double dis_room = (soc_ - (c.soc_min_kwh + e_res_dis)) * c.eta_discharge / dt_h;
  const double ch_room = (c.soc_max_kwh - e_res_ch - soc_) / (c.eta_charge * dt_h);
  base_hi = std::min(base_hi, std::max(0.0, dis_room));
  base_lo = std::max(base_lo, -std::max(0.0, ch_room));
  double base = std::clamp(setpoint, base_lo, base_hi);
  if (setpoint > c.p_discharge_max_kw || setpoint < -c.p_charge_max_kw) out.flags |= kRtPowerLimited;
  else if (base != setpoint) out.flags |= kRtReserveLimited;

  // 2. demand response: import = net load - P <= cap  =>  P >= net load - cap
  double dr_min = -1e300;
  for (std::size_t i = 0; i < n_dr_; ++i)
    if (in.time_s >= dr_[i].start_s && in.time_s < dr_[i].end_s) {
      out.flags |= kRtDrActive;
      dr_min = std::max(dr_min, in.site_net_load_kw - dr_[i].import_cap_kw);
    }
  double target = base + fcr;
  if (target < dr_min) target = dr_min;

  // 3. hard limits. SoC bounds carry a braking margin: with k = dt + P_max/ramp
  // (seconds), |P| <= E_avail/k guarantees that the ramp can bring P to 0
  // before the bound (E_avail in kW*s), so the ramp and SoC limits never conflict.
  const double k_dis = c.dt_s + c.p_discharge_max_kw / c.ramp_kw_per_s;
  const double k_ch = c.dt_s + c.p_charge_max_kw / c.ramp_kw_per_s;
  const double e_dis = std::max(0.0, (soc_ - c.soc_min_kwh) * c.eta_discharge) * 3600.0;  // kW*s at AC
  const double e_ch = std::max(0.0, (c.soc_max_kwh - soc_) / c.eta_charge) * 3600.0;
  const double soc_hi = e_dis / k_dis * (1.0 - 1e-12);
  const double soc_lo = -e_ch / k_ch * (1.0 - 1e-12);
  const double ramp = c.ramp_kw_per_s * c.dt_s;
  double lo = -c.p_charge_max_kw, hi = c.p_discharge_max_kw;
  double p = target;
  if (p < lo || p > hi) out.flags |= kRtPowerLimited;
  p = std::clamp(p, lo, hi);
  const double slo = std::max(lo, soc_lo), shi = std::min(hi, soc_hi);
  if (p < slo || p > shi) out.flags |= kRtSocLimited;
  p = std::clamp(p, slo, shi);
  const double rlo = std::max(slo, prev_ - ramp), rhi = std::min(shi, prev_ + ramp);
  if (rlo <= rhi) {
    if (p < rlo || p > rhi) out.flags |= kRtRampLimited;
    p = std::clamp(p, rlo, rhi);
  } else {
    // only after an external SoC reset (set_soc_kwh) or an out-of-band start:
    // the SoC bound wins over the ramp
    out.flags |= kRtRampLimited | kRtSocLimited;
    p = std::clamp(p, slo, shi);
  }
  const double import = in.site_net_load_kw - p;
  if (dr_min > -1e299 && p < dr_min - 1e-9) out.flags |= kRtDrUnmet;

  // 4. state update (AC power to stored energy through the efficiencies)
  if (p >= 0) soc_ -= p * dt_h / c.eta_discharge;
  else soc_ -= p * dt_h * c.eta_charge;
  prev_ = p;
  out.power_kw = p;
  out.fcr_kw = fcr;
  out.grid_import_kw = import;
  out.soc_kwh = soc_;
  return out;
}

}  // namespace joule::battery
