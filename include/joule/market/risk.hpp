// joule/market/risk.hpp: positions, P&L, pre-trade limits, VaR and expected shortfall.
//
// `RiskManager` keeps each participant's position (lots), cash (ticks*lots)
// and open orders, and plugs into a book as its `PreTradeCheck`: an order is
// rejected with a clear reason when it could take the position beyond
// `max_position_lots` (assuming every open order on that side fills), when its
// value |price| * qty exceeds `max_order_value`, or when the money the
// participant could owe (cash spent plus open buying commitments) would pass
// its `credit_line`.
//
// `value_at_risk` computes historical VaR and expected shortfall from P&L
// scenarios (optionally weighted, e.g. the quantile paths of a probabilistic
// forecast); `position_risk` and `schedule_risk` build those scenarios from
// price scenarios for a position or a battery/asset schedule.
//
// Example:
//   using namespace joule::market;
//   RiskManager risk;
//   risk.set_limits(7, {.max_position_lots = 100, .max_order_value = 1e7, .credit_line = 5e7});
//   book.set_pre_trade_check(&risk);      // orders of participant 7 are now checked
//   auto m = value_at_risk(pnl, {}, 0.95); // m->var, m->expected_shortfall (losses, positive)
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <unordered_map>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/market/book_core.hpp"

namespace joule::market {

/// Pre-trade limits of one participant (ticks and lots of the book's instrument).
struct RiskLimits {
  Lots max_position_lots = std::numeric_limits<Lots>::max();  ///< |net position incl. open orders| <= this
  double max_order_value = std::numeric_limits<double>::infinity();  ///< |price| * qty of one order [ticks*lots]
  double credit_line = std::numeric_limits<double>::infinity();  ///< money the participant may owe [ticks*lots]

  Result<void> validate() const noexcept;
};

/// A participant's position and P&L.
struct Position {
  Lots net_lots = 0;           ///< bought - sold
  Lots open_buy_lots = 0, open_sell_lots = 0;
  double open_buy_value = 0;   ///< sum price*lots of resting buys [ticks*lots]
  double open_sell_value = 0;  ///< sum price*lots of resting sells [ticks*lots]
  double cash = 0;             ///< received - paid [ticks*lots]
  Lots bought_lots = 0, sold_lots = 0;
  /// Mark-to-market P&L at `mark` [ticks*lots]: cash + net position valued at mark.
  double pnl(Ticks mark) const noexcept { return cash + static_cast<double>(net_lots) * static_cast<double>(mark); }
};

/// Positions and limits of many participants; a book's PreTradeCheck.
class RiskManager final : public PreTradeCheck {
 public:
  /// Sets (replaces) a participant's limits; invalid_argument on a bad field.
  Result<void> set_limits(ParticipantId who, const RiskLimits& limits);
  /// The participant's position (zero when unknown).
  Position position(ParticipantId who) const;
  /// Participants with a position or limits.
  std::vector<ParticipantId> participants() const;

  Reason check(const OrderRequest& order, Ticks price) noexcept override;
  void on_open_change(ParticipantId owner, Side side, Ticks price, Lots delta) noexcept override;
  void on_trade(ParticipantId owner, Side side, Ticks price, Lots qty) noexcept override;

 private:
  std::unordered_map<ParticipantId, RiskLimits> limits_;
  std::unordered_map<ParticipantId, Position> pos_;
};

/// VaR and expected shortfall, both as positive losses.
struct RiskMeasures {
  double confidence = 0.95;
  double var = 0;                 ///< loss not exceeded with probability `confidence`
  double expected_shortfall = 0;  ///< mean loss in the worst (1 - confidence) tail
  double mean_pnl = 0;
};

/// Historical VaR/ES of P&L scenarios; weights (same length, >= 0, not all 0)
/// or empty for equal weights. invalid_argument on empty input, NaN or a
/// confidence outside (0, 1).
Result<RiskMeasures> value_at_risk(std::span<const double> pnl, std::span<const double> weights, double confidence);

/// VaR/ES of holding `position_mwh` bought at `entry_price` per MWh when the
/// price moves to each scenario price: P&L = position * (price - entry).
Result<RiskMeasures> position_risk(double position_mwh, double entry_price, std::span<const double> price_scenarios,
                                   std::span<const double> weights, double confidence);

/// VaR/ES of a schedule's revenue against its expected revenue. `energy_mwh`
/// per period (positive = sold / exported, negative = bought), `prices` one row
/// per scenario, periods contiguous (prices.size() = scenarios * periods).
/// P&L of a scenario = revenue - mean revenue.
Result<RiskMeasures> schedule_risk(std::span<const double> energy_mwh, std::span<const double> prices,
                                   std::span<const double> weights, double confidence);

/// Weights of quantile paths (levels strictly increasing in (0, 1)): each path
/// represents the probability mass nearest to its level (midpoint rule).
Result<std::vector<double>> quantile_path_weights(std::span<const double> levels);

}  // namespace joule::market
