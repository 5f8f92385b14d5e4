// joule/market/instrument.hpp: what is traded, in integer ticks and lots.
//
// An Instrument is one delivery period of electricity (an hour or a quarter
// hour) with a tick size (money per MWh per tick), a lot size (MWh per lot),
// signed price limits in ticks and a trading phase. Inside joule every price
// is an integer number of ticks and every quantity an integer number of lots;
// money and energy only appear at the edges through the helpers below, so no
// matching decision ever depends on floating point.
//
// The preset limits are the harmonised ones: SDAC day-ahead -500..4000 EUR/MWh
// (HMMCP/HMMCP methodology, ACER decision 2023), SIDC intraday -9999..9999
// EUR/MWh (ACER decision 01/2023 on HMMCP for SIDC).
//
// Freestanding: usable in joule::core (no heap, no exceptions).
//
// Example:
//   auto inst = joule::market::Instrument::intraday(1'700'000'000, 900);   // 0.01 EUR/MWh ticks, 0.1 MW lots
//   joule::market::Ticks p = *inst.ticks_from_money(45.37);                // 4537
//   double eur = inst.money_from_ticks(p);                                 // 45.37
#pragma once

#include <cstdint>

#include "joule/core/result.hpp"

namespace joule::market {

/// A price in integer ticks (signed: negative prices are normal in power markets).
using Ticks = std::int64_t;
/// A quantity in integer lots (positive in orders).
using Lots = std::int64_t;
/// An order id, unique among the orders a book has seen alive at once.
using OrderId = std::uint64_t;
/// A participant (member, trader); 0 means "anonymous" (no self-trade checks, no risk limits).
using ParticipantId = std::uint32_t;

/// Buy or sell.
enum class Side : std::uint8_t { buy = 0, sell = 1 };

/// The other side.
constexpr Side opposite(Side s) noexcept { return s == Side::buy ? Side::sell : Side::buy; }

/// Trading phase of an instrument or book. `open`: continuous matching;
/// `halted`: a circuit breaker or the operator stopped matching, only cancels
/// and reductions are accepted; `closed`: gate closure, only cancels.
enum class TradingPhase : std::uint8_t { open = 0, halted = 1, closed = 2 };

/// One tradable delivery period with its tick and lot sizes and price limits.
struct Instrument {
  std::int64_t delivery_start_s = 0;        ///< start of delivery [UTC epoch s]
  std::int64_t delivery_duration_s = 3600;  ///< length of the delivery period [s], > 0
  double tick_money_per_mwh = 0.01;         ///< money per MWh of one tick, > 0
  double lot_mwh = 0.1;                     ///< MWh per lot (for a period of one hour, MW == MWh), > 0
  Ticks price_min = -999'900;               ///< lowest admissible price [ticks]
  Ticks price_max = 999'900;                ///< highest admissible price [ticks]
  TradingPhase phase = TradingPhase::open;  ///< current phase

  /// SDAC day-ahead hour: -500..4000 EUR/MWh in 0.01 EUR ticks, 0.1 MW lots.
  static constexpr Instrument day_ahead(std::int64_t start_s, std::int64_t duration_s = 3600) noexcept {
    return Instrument{start_s, duration_s, 0.01, 0.1, -50'000, 400'000, TradingPhase::open};
  }
  /// SIDC intraday period: -9999..9999 EUR/MWh in 0.01 EUR ticks, 0.1 MW lots.
  static constexpr Instrument intraday(std::int64_t start_s, std::int64_t duration_s = 900) noexcept {
    return Instrument{start_s, duration_s, 0.01, 0.1, -999'900, 999'900, TradingPhase::open};
  }

  /// Checks every field; one clear error per bad field.
  constexpr Result<void> validate() const noexcept {
    if (delivery_duration_s <= 0)
      return fail(Errc::invalid_argument, "delivery_duration_s must be > 0", Where::at_field("delivery_duration_s"));
    if (!(tick_money_per_mwh > 0.0))
      return fail(Errc::invalid_argument, "tick_money_per_mwh must be > 0", Where::at_field("tick_money_per_mwh"));
    if (!(lot_mwh > 0.0)) return fail(Errc::invalid_argument, "lot_mwh must be > 0", Where::at_field("lot_mwh"));
    if (price_min > price_max)
      return fail(Errc::invalid_argument, "price_min must be <= price_max", Where::at_field("price_min"));
    if (price_max - price_min > (Ticks{1} << 30))
      return fail(Errc::out_of_range, "price range wider than 2^30 ticks", Where::at_field("price_max"));
    return {};
  }

  /// True when `p` lies within [price_min, price_max].
  constexpr bool price_in_limits(Ticks p) const noexcept { return p >= price_min && p <= price_max; }

  /// Money per MWh of a price in ticks.
  constexpr double money_from_ticks(Ticks p) const noexcept { return static_cast<double>(p) * tick_money_per_mwh; }
  /// Nearest tick of a price in money per MWh; out_of_range beyond the limits,
  /// invalid_argument when `money` is not on the tick grid (tolerance 1e-6 tick).
  constexpr Result<Ticks> ticks_from_money(double money_per_mwh) const noexcept {
    const double t = money_per_mwh / tick_money_per_mwh;
    if (!(t == t) || t > 9.0e15 || t < -9.0e15) return fail(Errc::out_of_range, "price is not finite or too large");
    const Ticks r = static_cast<Ticks>(t < 0 ? t - 0.5 : t + 0.5);
    const double err = t - static_cast<double>(r);
    if (err > 1e-6 || err < -1e-6) return fail(Errc::invalid_argument, "price is not a multiple of the tick size");
    if (!price_in_limits(r)) return fail(Errc::out_of_range, "price outside the instrument's limits");
    return r;
  }
  /// MWh of a quantity in lots.
  constexpr double mwh_from_lots(Lots q) const noexcept { return static_cast<double>(q) * lot_mwh; }
  /// kWh of a quantity in lots.
  constexpr double kwh_from_lots(Lots q) const noexcept { return static_cast<double>(q) * lot_mwh * 1000.0; }
  /// Whole lots of an energy in MWh; invalid_argument when not a multiple of the lot size.
  constexpr Result<Lots> lots_from_mwh(double mwh) const noexcept {
    const double l = mwh / lot_mwh;
    if (!(l == l) || l > 9.0e15 || l < -9.0e15) return fail(Errc::out_of_range, "quantity is not finite or too large");
    const Lots r = static_cast<Lots>(l < 0 ? l - 0.5 : l + 0.5);
    const double err = l - static_cast<double>(r);
    if (err > 1e-6 || err < -1e-6) return fail(Errc::invalid_argument, "quantity is not a multiple of the lot size");
    return r;
  }
  /// Money of `q` lots traded at `p` ticks (price per MWh times MWh).
  constexpr double money_of(Ticks p, Lots q) const noexcept { return money_from_ticks(p) * mwh_from_lots(q); }
};

}  // namespace joule::market
