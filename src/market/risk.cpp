// Positions, pre-trade limits and scenario risk measures.
#include "joule/market/risk.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace joule::market {

Result<void> RiskLimits::validate() const noexcept {
  if (max_position_lots < 0)
    return fail(Errc::invalid_argument, "max_position_lots must be >= 0", Where::at_field("max_position_lots"));
  if (!(max_order_value >= 0))
    return fail(Errc::invalid_argument, "max_order_value must be >= 0", Where::at_field("max_order_value"));
  if (!(credit_line >= 0)) return fail(Errc::invalid_argument, "credit_line must be >= 0", Where::at_field("credit_line"));
  return {};
}

Result<void> RiskManager::set_limits(ParticipantId who, const RiskLimits& limits) {
  JOULE_RETURN_IF_ERROR(limits.validate());
  limits_[who] = limits;
  return {};
}

Position RiskManager::position(ParticipantId who) const {
  auto it = pos_.find(who);
  return it == pos_.end() ? Position{} : it->second;
}

std::vector<ParticipantId> RiskManager::participants() const {
  std::vector<ParticipantId> v;
  for (auto& [k, _] : limits_) v.push_back(k);
  for (auto& [k, _] : pos_)
    if (!limits_.count(k)) v.push_back(k);
  std::sort(v.begin(), v.end());
  return v;
}

Reason RiskManager::check(const OrderRequest& o, Ticks price) noexcept {
  auto lit = limits_.find(o.owner);
  if (lit == limits_.end()) return Reason::none;
  const RiskLimits& L = lit->second;
  const Position p = position(o.owner);
  const double value = std::fabs(static_cast<double>(price)) * static_cast<double>(o.qty);
  if (value > L.max_order_value) return Reason::risk_order_value;
  // Worst case: every open order on the order's side fills too.
  if (o.side == Side::buy) {
    if (p.net_lots + p.open_buy_lots + o.qty > L.max_position_lots) return Reason::risk_position;
  } else {
    if (-(p.net_lots - p.open_sell_lots - o.qty) > L.max_position_lots) return Reason::risk_position;
  }
  // Money the participant could owe: what it has spent net, plus what its open
  // orders and this one could cost (a buy at a positive price or a sell at a
  // negative price costs money).
  auto cost = [](Side s, double v) { return s == Side::buy ? std::max(0.0, v) : std::max(0.0, -v); };
  const double owed = std::max(0.0, -p.cash) + std::max(0.0, p.open_buy_value) + std::max(0.0, -p.open_sell_value) +
                      cost(o.side, static_cast<double>(price) * static_cast<double>(o.qty));
  if (owed > L.credit_line) return Reason::risk_credit;
  return Reason::none;
}

void RiskManager::on_open_change(ParticipantId owner, Side side, Ticks price, Lots delta) noexcept {
  Position& p = pos_[owner];
  const double v = static_cast<double>(price) * static_cast<double>(delta);
  if (side == Side::buy) {
    p.open_buy_lots += delta;
    p.open_buy_value += v;
  } else {
    p.open_sell_lots += delta;
    p.open_sell_value += v;
  }
}

void RiskManager::on_trade(ParticipantId owner, Side side, Ticks price, Lots qty) noexcept {
  Position& p = pos_[owner];
  const double v = static_cast<double>(price) * static_cast<double>(qty);
  if (side == Side::buy) {
    p.net_lots += qty;
    p.bought_lots += qty;
    p.cash -= v;
  } else {
    p.net_lots -= qty;
    p.sold_lots += qty;
    p.cash += v;
  }
}

Result<RiskMeasures> value_at_risk(std::span<const double> pnl, std::span<const double> weights, double confidence) {
  if (pnl.empty()) return fail(Errc::invalid_argument, "no scenarios", Where::at_field("pnl"));
  if (!(confidence > 0.0 && confidence < 1.0))
    return fail(Errc::invalid_argument, "confidence must be in (0, 1)", Where::at_field("confidence"));
  if (!weights.empty() && weights.size() != pnl.size())
    return fail(Errc::invalid_argument, "weights must match the scenarios", Where::at_field("weights"));
  const std::size_t n = pnl.size();
  std::vector<std::pair<double, double>> s(n);  // (pnl, weight)
  double wsum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    if (!std::isfinite(pnl[i])) return fail(Errc::invalid_argument, "scenario P&L is not finite", Where::at_index(i, "pnl"));
    if (!(w >= 0) || !std::isfinite(w)) return fail(Errc::invalid_argument, "weight must be >= 0", Where::at_index(i, "weights"));
    s[i] = {pnl[i], w};
    wsum += w;
  }
  if (!(wsum > 0)) return fail(Errc::invalid_argument, "weights sum to zero", Where::at_field("weights"));
  std::sort(s.begin(), s.end());
  RiskMeasures m;
  m.confidence = confidence;
  for (auto& [v, w] : s) m.mean_pnl += v * w / wsum;
  // The tail holds probability mass alpha = 1 - confidence, from the worst P&L up.
  const double alpha = 1.0 - confidence;
  double mass = 0, tail = 0;
  double q = s.front().first;
  for (auto& [v, w] : s) {
    const double p = w / wsum;
    const double take = std::min(p, alpha - mass);
    if (take > 0) {
      tail += take * v;
      mass += take;
      q = v;
    }
    if (mass >= alpha * (1 - 1e-12)) break;
  }
  m.var = -q;
  m.expected_shortfall = -(tail / alpha);
  return m;
}

Result<RiskMeasures> position_risk(double position_mwh, double entry_price, std::span<const double> prices,
                                   std::span<const double> weights, double confidence) {
  if (!std::isfinite(position_mwh) || !std::isfinite(entry_price))
    return fail(Errc::invalid_argument, "position and entry price must be finite");
  std::vector<double> pnl(prices.size());
  for (std::size_t i = 0; i < prices.size(); ++i) pnl[i] = position_mwh * (prices[i] - entry_price);
  return value_at_risk(pnl, weights, confidence);
}

Result<RiskMeasures> schedule_risk(std::span<const double> energy, std::span<const double> prices,
                                   std::span<const double> weights, double confidence) {
  if (energy.empty()) return fail(Errc::invalid_argument, "empty schedule", Where::at_field("energy_mwh"));
  if (prices.empty() || prices.size() % energy.size() != 0)
    return fail(Errc::invalid_argument, "prices must hold whole scenarios of the schedule's length",
                Where::at_field("prices"));
  const std::size_t T = energy.size(), S = prices.size() / T;
  std::vector<double> rev(S, 0.0);
  for (std::size_t s = 0; s < S; ++s)
    for (std::size_t t = 0; t < T; ++t) rev[s] += energy[t] * prices[s * T + t];
  double wsum = 0, mean = 0;
  for (std::size_t s = 0; s < S; ++s) {
    const double w = weights.empty() ? 1.0 : (s < weights.size() ? weights[s] : 0.0);
    wsum += w;
    mean += w * rev[s];
  }
  if (wsum > 0) mean /= wsum;
  for (auto& r : rev) r -= mean;
  return value_at_risk(rev, weights, confidence);
}

Result<std::vector<double>> quantile_path_weights(std::span<const double> levels) {
  if (levels.empty()) return fail(Errc::invalid_argument, "no quantile levels", Where::at_field("levels"));
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (!(levels[i] > 0 && levels[i] < 1))
      return fail(Errc::invalid_argument, "quantile level must be in (0, 1)", Where::at_index(i, "levels"));
    if (i && !(levels[i] > levels[i - 1]))
      return fail(Errc::invalid_argument, "quantile levels must increase", Where::at_index(i, "levels"));
  }
  std::vector<double> w(levels.size());
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const double lo = i == 0 ? 0.0 : 0.5 * (levels[i - 1] + levels[i]);
    const double hi = i + 1 == levels.size() ? 1.0 : 0.5 * (levels[i] + levels[i + 1]);
    w[i] = hi - lo;
  }
  return w;
}

}  // namespace joule::market
