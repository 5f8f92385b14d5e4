// joule/market/call_auction.hpp: uniform-price (and pay-as-bid) call auctions.
//
// `clear_call_auction` clears one bidding zone and one delivery period the way
// joule's normative rules say (docs/market.md, "Call auction rules", which
// restates the rules of the project's call-auction specification, §1-§9):
//   §1 invalid orders are rejected (side, qty > 0, price in limits, unique id);
//   §2 market orders take the side's price limit (buy -> price_max, sell -> price_min);
//   §3-§4 equilibrium prices are the ticks with D>(p) <= S(p) and S<(p) <= D(p), an interval [lo, hi];
//   §5 volume V = min(D(lo), S(lo)) (volume maximisation);
//   §6 V = 0: no trade, price null, the interval still reported;
//   §7 price = floor((lo + hi) / 2) (toward minus infinity);
//   §8 in-the-money orders fill, out-of-the-money get 0, the rationed side's
//      at-the-money orders share pro rata with largest-remainder lots, ties by input order;
//   §9 curtailment at the price limits is the same pro-rata rule.
// Extensions (documented, not part of the normative rules): pay-as-bid
// settlement, piecewise-linear curves expanded to per-tick steps,
// single-period block (all-or-nothing) orders, and multi-period, curtailable,
// linked and exclusive block orders (clear_multi_period).
//
// Cost: O(n + R) with R = price_max - price_min when R <= min(2^22, 8n + 1024) ticks (counting
// buckets), O(n log n) otherwise.
//
// Example:
//   using namespace joule::market;
//   std::vector<AuctionOrder> orders = {{"b1", Side::buy, 6, 50}, {"s1", Side::sell, 4, std::nullopt}};
//   auto r = clear_call_auction(orders, AuctionOptions{.price_min = -500, .price_max = 4000});
//   // r->price == 50, r->volume == 4, r->fills == {4, 4}
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/market/instrument.hpp"

namespace joule::market {

/// One order of a call auction.
struct AuctionOrder {
  std::string id;               ///< unique; a repeated id is rejected (the later order)
  Side side = Side::buy;
  Lots qty = 0;                 ///< [lots], must be > 0
  std::optional<Ticks> price;   ///< limit [ticks]; nullopt = market (price-taking) order
  /// Set by parsers when the raw input could not be represented (unknown side,
  /// non-integer quantity or price, id not a string): the order is rejected (§1).
  bool malformed = false;
  /// False when the raw id was not a string: such an order is malformed and
  /// its id takes no part in the duplicate check.
  bool has_id = true;
};

/// How fills are paid.
enum class Pricing : std::uint8_t {
  uniform = 0,     ///< everyone at the clearing price (pay-as-clear, §7)
  pay_as_bid = 1,  ///< same allocation; each limit order settles at its own limit, market orders at the clearing price
};

/// Auction settings.
struct AuctionOptions {
  Ticks price_min = -500;   ///< lowest admissible price [ticks]
  Ticks price_max = 4000;   ///< highest admissible price [ticks]
  Pricing pricing = Pricing::uniform;
  bool with_curves = true;  ///< fill AuctionResult::demand / supply

  Result<void> validate() const noexcept;
};

/// A point of an aggregated or bid curve: cumulative quantity at a price.
struct CurvePoint {
  Ticks price = 0;
  Lots qty = 0;
};

/// The outcome of one clearing.
struct AuctionResult {
  bool cleared = false;               ///< volume > 0
  std::optional<Ticks> price;         ///< clearing price; nullopt when nothing trades (§6)
  Ticks interval_lo = 0, interval_hi = 0;  ///< equilibrium price interval [lo, hi] (§4)
  Lots volume = 0;                    ///< traded lots; buy fills and sell fills each sum to it
  std::optional<Side> rationed_side;  ///< the side scaled down at the margin (§8)
  std::vector<Lots> fills;            ///< per input order (0 for rejected ones)
  std::vector<bool> valid;            ///< per input order
  std::vector<std::size_t> rejected;  ///< input indices of rejected orders, in input order
  std::vector<Ticks> settle_price;    ///< per input order: the price its fill settles at (0 when unfilled)
  double buyer_payments = 0;          ///< sum of fill * settle price over buys [ticks * lots]
  double seller_receipts = 0;         ///< same over sells; the difference is the auctioneer's surplus (pay-as-bid)
  std::vector<CurvePoint> demand;     ///< D(p) at each distinct buy price, descending prices
  std::vector<CurvePoint> supply;     ///< S(p) at each distinct sell price, ascending prices
};

/// Clears one period (§1-§9). Fails on bad options (invalid_argument) or when
/// a side's total quantity exceeds 2^62 lots (out_of_range).
Result<AuctionResult> clear_call_auction(std::span<const AuctionOrder> orders, const AuctionOptions& options);

namespace detail {
/// Which price of the equilibrium interval a clearing settles at: the §7
/// midpoint (the rule), or an end of the interval (used by the block
/// extension to find prices that support accepted blocks). An end at which
/// the §5 volume does not clear gives Errc::infeasible.
enum class PricePick : std::uint8_t { midpoint, low, high };
Result<AuctionResult> clear_call_auction_at(std::span<const AuctionOrder> orders, const AuctionOptions& options,
                                            PricePick pick);
}  // namespace detail

/// A bid curve of one participant: points of (price, cumulative quantity).
/// Sell curves have ascending prices, buy curves descending prices; quantities
/// are non-decreasing. `linear`: the quantity between two points grows
/// linearly with price (EUPHEMIA "piecewise linear" orders), discretised to
/// whole lots per tick; otherwise each point is a step.
struct BidCurve {
  std::string id;
  Side side = Side::buy;
  std::vector<CurvePoint> points;
  bool linear = false;
};

/// Expands a curve into step orders with ids "<id>@<price>" (one per tick that
/// gets lots). invalid_argument when prices or quantities are not monotone.
Result<std::vector<AuctionOrder>> orders_from_curve(const BidCurve& curve);

/// A single-period block order: all of `qty` at a price no worse than `price`, or nothing.
struct BlockOrder {
  std::string id;
  Side side = Side::buy;
  Lots qty = 0;
  Ticks price = 0;
};

/// Result of a clearing with block orders.
struct BlockAuctionResult {
  AuctionResult result;                 ///< over the ordinary orders followed by the accepted blocks
  std::vector<bool> block_accepted;     ///< per block
};

/// Clears ordinary orders together with all-or-nothing blocks (extension):
/// blocks are tried one by one from the most aggressive limit (cheapest sell,
/// dearest buy); a block is kept when, with it, every kept block still fills
/// completely. An accepted block is therefore always filled completely at a
/// price no worse than its limit (no paradoxically accepted blocks);
/// paradoxically rejected blocks are possible, as in EUPHEMIA. `result` lists
/// the ordinary orders followed by the accepted blocks.
Result<BlockAuctionResult> clear_with_blocks(std::span<const AuctionOrder> orders, std::span<const BlockOrder> blocks,
                                             const AuctionOptions& options);

/// A block order spanning several periods (EUPHEMIA-style extension, see
/// docs/market.md "Multi-period and linked block orders"). One limit price for
/// the whole block: a sell block is acceptable when what it receives over its
/// periods is at least `price` x its accepted lots, a buy block when it pays at
/// most that.
struct PeriodBlock {
  std::string id;                      ///< unique among blocks and period orders
  Side side = Side::sell;
  Ticks price = 0;                     ///< limit [ticks], applied to the block's volume-weighted average price
  std::vector<Lots> qty;               ///< lots per period (size = number of periods), >= 0, not all 0
  double min_acceptance_ratio = 1.0;   ///< (0, 1]; 1 = all or none, below 1 the block may be curtailed down to it
  std::optional<std::size_t> parent;   ///< linked block: accepted only if the parent is, at a ratio <= the parent's
  std::optional<std::int64_t> exclusive_group;  ///< blocks of one group: acceptance ratios sum to at most 1
};

/// Settings of a multi-period clearing with blocks.
struct MultiPeriodOptions {
  AuctionOptions auction;              ///< price limits and pricing of every period
  int ratio_steps = 10;                ///< acceptance ratios are multiples of 1 / ratio_steps (1..1000)
  std::size_t max_combinations = std::size_t{1} << 16;  ///< limit_exceeded beyond this many block states

  Result<void> validate() const noexcept;
};

/// What happened to one block.
struct BlockAcceptance {
  int accepted_steps = 0;              ///< ratio = accepted_steps / ratio_steps; 0 = rejected
  double ratio = 0;                    ///< acceptance ratio 0..1
  std::vector<Lots> lots;              ///< accepted lots per period: floor(qty * ratio)
  double surplus = 0;                  ///< at the final prices [ticks*lots]: sell sum lots*(p - limit), buy sum lots*(limit - p)
  /// Rejected although fully accepting it would have a positive surplus at
  /// the final prices (EUPHEMIA's "paradoxically rejected block").
  bool paradoxically_rejected = false;
};

/// Outcome of `clear_multi_period`.
struct MultiPeriodResult {
  /// One result per period over that period's own orders (fills, valid,
  /// settle_price have the period's order count); volume and price include
  /// the accepted blocks' lots.
  std::vector<AuctionResult> periods;
  std::vector<BlockAcceptance> blocks;  ///< per block, input order
  double welfare = 0;                   ///< sum of buy limits x lots - sell limits x lots over everything traded [ticks*lots]
  std::size_t combinations = 0;         ///< block states evaluated
};

/// Clears several periods with multi-period, curtailable, linked and exclusive
/// block orders (extension). Exact over acceptance ratios in steps of
/// 1 / ratio_steps: every admissible combination of block states is
/// evaluated (depth-first, parents before children); a combination's
/// accepted lots enter each period as price-taking orders, each period clears
/// by rules §1-§9, and the combination is feasible when every accepted block
/// fills completely and no accepted block is paradoxically accepted (its
/// surplus plus that of its accepted descendants is >= 0 at the resulting
/// prices). The feasible combination with the largest welfare wins (ties: more
/// traded lots, then the one found first, which prefers accepting earlier
/// blocks). invalid_argument on a bad block (names it), limit_exceeded when
/// more than max_combinations states would be needed.
Result<MultiPeriodResult> clear_multi_period(std::span<const std::vector<AuctionOrder>> period_orders,
                                             std::span<const PeriodBlock> blocks, const MultiPeriodOptions& options);

/// A call-auction case (the JSON case schema joule.call_auction.case/v1).
struct AuctionCase {
  std::string id;
  AuctionOptions options;
  std::vector<AuctionOrder> orders;
  std::vector<std::string> raw_ids;  ///< each order's id as JSON text (ids may be non-strings)
  std::string expected_json;         ///< the "expected" block as compact JSON, or empty
};

/// Parses a case file's text. malformed on bad JSON or missing fields.
Result<AuctionCase> parse_auction_case(std::string_view json_text);

/// The result as one JSON object with exactly the layout of a case's
/// "expected" block (cleared, price, price_interval, volume, rationed_side,
/// fills for every valid order, rejected ids in input order).
std::string auction_result_json(const AuctionCase& c, const AuctionResult& r, int indent = 1);

/// A multi-period case with block orders (JSON schema joule.market.blocks/v1,
/// docs/market.md "Block-order cases"): price limits, optional pricing,
/// ratio_steps and max_combinations, `periods` (each with an `orders` array
/// in the call-auction case layout) and `blocks` (id, side, price, qty per
/// period, optional min_acceptance_ratio, parent block id, exclusive_group).
struct BlockCase {
  std::string id;
  MultiPeriodOptions options;
  std::vector<std::vector<AuctionOrder>> periods;  ///< orders per period
  std::vector<std::vector<std::string>> raw_ids;   ///< per period, each order's id as JSON text
  std::vector<PeriodBlock> blocks;
  std::string expected_json;                       ///< the "expected" block as compact JSON, or empty
};

/// Parses a block case. malformed (naming the field or block) on bad JSON,
/// a missing field or a bad block; period orders that cannot be represented
/// are kept as malformed orders and rejected by the clearing (§1).
Result<BlockCase> parse_block_case(std::string_view json_text);

/// The result of `clear_multi_period` on a block case as one JSON object:
/// welfare, combinations, `periods` (each in the layout of
/// auction_result_json) and `blocks` (id, accepted, ratio, lots per period,
/// surplus, paradoxically_rejected), in input order.
std::string block_result_json(const BlockCase& c, const MultiPeriodResult& r, int indent = 1);

/// True when two JSON texts hold the same value (objects compared by key).
bool json_equal(std::string_view a, std::string_view b);

}  // namespace joule::market
