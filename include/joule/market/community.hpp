// joule/market/community.hpp: a peer-to-peer community (local energy) market.
//
// Per interval, prosumers offer surplus and consumers bid for energy. Local
// trades come first (local priority): one uniform-price call auction per
// interval (call_auction.hpp, rules §1-§9) between the members whose
// reputation reaches the threshold. Prices are grid-fee aware: a local buyer
// pays the local price plus the local network fee (the grid fee reduced by
// the community discount), so a local trade only happens where it beats the
// grid for both sides; the local price is kept within [export price, import
// price - local fee]. What is not matched locally is imported from or
// exported to the grid at its tariffs.
//
// Settlement nets energy and money per member over all intervals and with the
// grid (supplier and network operator) in exact integers (Wh and tick*Wh), and
// proves conservation: local energy bought = sold, each member's consumption =
// local + grid import, production = local + grid export, and every unit of
// money paid is received by someone (members, supplier, network operator).
//
// Example:
//   using namespace joule::market;
//   std::vector<CommunityMember> members = {{"roof_a"}, {"flat_b"}};
//   CommunityInterval iv{1'700'000'000, {{0, Side::sell, 3000, 800}, {1, Side::buy, 2000, 2500}}};
//   auto s = settle_community(members, {&iv, 1}, CommunityOptions{});
//   // s->energy_conserved && s->money_conserved; s->members[1].statement is flat_b's bill
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/market/instrument.hpp"

namespace joule::market {

/// A member of the community.
struct CommunityMember {
  std::string id;
  double reputation = 1.0;  ///< 0..1; below CommunityOptions::min_reputation the member trades with the grid only
};

/// A member's offer (sell: surplus) or bid (buy: demand) for one interval.
/// The energy is produced / consumed in any case; the price only decides
/// whether it goes through the community or the grid.
struct CommunityOrder {
  std::size_t member = 0;    ///< index into the members
  Side side = Side::buy;
  std::int64_t energy_wh = 0;  ///< [Wh], > 0
  Ticks price = 0;           ///< sell: least accepted, buy: most paid, energy only [ticks per kWh]
};

/// One trading interval.
struct CommunityInterval {
  std::int64_t start_s = 0;  ///< [UTC s]
  std::vector<CommunityOrder> orders;
};

/// Tariffs and rules.
struct CommunityOptions {
  double money_per_tick = 0.0001;  ///< currency per kWh of one tick (0.0001 = 0.01 cent/kWh), > 0
  Ticks grid_import_price = 3000;  ///< what the supplier charges, all-in [ticks per kWh]
  Ticks grid_export_price = 800;   ///< feed-in tariff [ticks per kWh]
  Ticks grid_fee = 900;            ///< network fee for energy carried locally [ticks per kWh], >= 0
  double community_discount = 0.0; ///< fraction 0..1 off the grid fee for trades inside the community
  double min_reputation = 0.0;     ///< members below this trade with the grid only

  Result<void> validate() const noexcept;
  /// The network fee a local trade pays [ticks per kWh] (grid_fee reduced by the discount, rounded down).
  Ticks local_fee() const noexcept;
};

/// Result of one interval.
struct CommunityIntervalResult {
  std::int64_t start_s = 0;
  std::optional<Ticks> local_price;  ///< energy price of local trades [ticks per kWh]; nullopt when none
  std::int64_t local_wh = 0;         ///< energy traded locally [Wh]
};

/// A member's settlement over all intervals. Money in tick*Wh (exact): divide
/// by 1000 and multiply by money_per_tick for currency (the *_money fields).
struct MemberStatement {
  std::string member;
  std::int64_t consumed_wh = 0, produced_wh = 0;
  std::int64_t local_bought_wh = 0, local_sold_wh = 0;
  std::int64_t grid_import_wh = 0, grid_export_wh = 0;
  std::int64_t paid_local_energy = 0, paid_local_fee = 0, paid_grid = 0;  ///< [tick*Wh]
  std::int64_t received_local = 0, received_grid = 0;                     ///< [tick*Wh]
  std::int64_t net_energy_wh = 0;     ///< produced - consumed
  std::int64_t net_money = 0;         ///< received - paid [tick*Wh]
  double net_money_currency = 0;      ///< net_money in currency
  double grid_only_cost_currency = 0; ///< what the same energy would have cost (+) / earned (-) with the grid alone
  std::string statement;              ///< human-readable statement
};

/// The grid's side of the settlement.
struct GridAccount {
  std::int64_t import_wh = 0, export_wh = 0;
  std::int64_t supplier_revenue = 0;  ///< import at the import price [tick*Wh]
  std::int64_t export_payments = 0;   ///< export at the export price [tick*Wh]
  std::int64_t network_fees = 0;      ///< local fees to the network operator [tick*Wh]
};

/// Everything a settlement produces.
struct CommunitySettlement {
  std::vector<CommunityIntervalResult> intervals;
  std::vector<MemberStatement> members;
  GridAccount grid;
  bool energy_conserved = false;  ///< all energy balances hold exactly
  bool money_conserved = false;   ///< sum of all money flows is exactly zero
};

/// Matches and settles. invalid_argument names the first bad order (member
/// index, energy <= 0) or option.
Result<CommunitySettlement> settle_community(std::span<const CommunityMember> members,
                                             std::span<const CommunityInterval> intervals,
                                             const CommunityOptions& options);

}  // namespace joule::market
