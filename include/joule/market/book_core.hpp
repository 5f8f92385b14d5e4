// joule/market/book_core.hpp: a continuous limit order book over caller storage.
//
// `BookEngine` is joule's matching engine: price-time priority (incoming buys
// match asks from the lowest price up, oldest first within a price; the trade
// price is the resting order's price), limit / market / IOC / FOK /
// all-or-none / iceberg orders, cancel by id in O(1), reduce (keeps time
// priority) and replace (loses it), self-trade prevention, a static price band
// and a circuit breaker, and every outcome reported as an `Event`.
//
// It owns no memory: the caller hands it a `BookStorage` (order nodes, one
// price-level array per side covering the instrument's whole price range, the
// occupancy bitmaps and the id index), so it runs on a gateway MCU as it runs
// on a server. The host `joule::market::OrderBook` (order_book.hpp) allocates
// that storage lazily and grows it. Nothing on the matching path allocates.
//
// Data structures: orders are pool nodes in intrusive FIFO lists, one list per
// price level; levels are indexed directly by (price - price_min); a
// three-level bitmap finds the next occupied level in a few word operations,
// so a wide book costs no more than a narrow one; the id index is an open
// addressing table with backward-shift deletion (no tombstones).
//
// Freestanding: usable in joule::core.
//
// Example (fixed storage for 256 orders and prices 0..999):
//   using namespace joule::market;
//   static OrderNode nodes[257]; static PriceLevel bids[1000], asks[1000];
//   static std::uint64_t bits[2 * BookStorage::bitmap_words(1000)];
//   static IndexSlot index[512];
//   BookStorage st{nodes, bids, asks, bits, index};
//   Instrument inst{.price_min = 0, .price_max = 999};
//   BookEngine book;
//   if (auto r = book.init(inst, BookOptions{}, st); !r) { ... }
//   book.submit({.id = 1, .side = Side::buy, .price = 500, .qty = 10});
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "joule/core/result.hpp"
#include "joule/market/instrument.hpp"

namespace joule::market {

/// Order types. `market` is an IOC at the side's price limit (clamped to the
/// price band when one is set); `ioc` fills what it can at once and cancels the
/// rest; `fok` fills completely at once or is cancelled without any fill;
/// `all_or_none` fills completely in one go or rests untouched, and as a
/// resting order only matches an incoming order that can take all of it;
/// `iceberg` rests showing at most `peak` lots, refilled from the hidden part
/// at the back of its level's queue after each exhausted peak (EPEX SPOT
/// intraday "iceberg" semantics).
enum class OrderType : std::uint8_t { limit = 0, market = 1, ioc = 2, fok = 3, all_or_none = 4, iceberg = 5 };

/// Self-trade prevention: what happens when an incoming order would trade with
/// a resting order of the same participant.
enum class SelfTradePrevention : std::uint8_t {
  none = 0,           ///< allow self-trades
  cancel_newest = 1,  ///< cancel the rest of the incoming order
  cancel_oldest = 2,  ///< cancel the resting order and continue matching
  cancel_both = 3,    ///< cancel both
};

/// Why an order was rejected or cancelled.
enum class Reason : std::uint8_t {
  none = 0,
  duplicate_id,         ///< an order with this id is live
  bad_quantity,         ///< qty <= 0, or a bad iceberg peak
  bad_price,            ///< outside the instrument's price limits
  price_band,           ///< outside the band around the reference price
  phase_halted,         ///< the book is halted
  phase_closed,         ///< the book is closed
  risk_position,        ///< the participant's maximum position would be exceeded
  risk_order_value,     ///< the order's value exceeds the participant's maximum
  risk_credit,          ///< the participant's credit line would be exceeded
  capacity,             ///< the storage is full
  unknown_order,        ///< no live order with this id
  fok_unfillable,       ///< an FOK order could not fill completely
  unfilled_remainder,   ///< the rest of an IOC or market order
  self_trade,           ///< self-trade prevention cancelled it
  circuit_breaker,      ///< a trade would have moved the price beyond the breaker band
  user_cancel,          ///< cancelled on request
  expired,              ///< its good-till time passed
  bad_type,             ///< an unknown order type or side
  bad_id,               ///< order id 0 (reserved)
};

/// Kinds of events a book reports.
enum class EventKind : std::uint8_t {
  accepted = 0,  ///< the order passed validation (fills may follow)
  rejected,      ///< refused at entry, see reason; nothing changed
  fill,          ///< a trade: id = taker, other_id = maker, price, qty
  rested,        ///< the (rest of the) order now rests in the book with `remaining` lots
  cancelled,     ///< the order left the book or was not kept; remaining = lots removed
  expired,       ///< a good-till order expired; remaining = lots removed
  reduced,       ///< the open quantity shrank by qty, remaining = new open quantity
  replaced,      ///< a replace took effect (new price and quantity), priority lost
  halted,        ///< the circuit breaker halted the book at `price`
  resumed,       ///< trading resumed
};

/// One event. Fields not meaningful for a kind are 0.
struct Event {
  EventKind kind = EventKind::accepted;
  Reason reason = Reason::none;
  Side side = Side::buy;          ///< side of `id`
  OrderId id = 0;                 ///< the order concerned (the taker for fills)
  OrderId other_id = 0;           ///< the maker for fills
  Ticks price = 0;                ///< trade price (the maker's price), or the order's price
  Lots qty = 0;                   ///< fill quantity or reduction
  Lots remaining = 0;             ///< taker's open quantity after a fill; see EventKind
  Lots other_remaining = 0;       ///< maker's open quantity after a fill
  ParticipantId owner = 0;        ///< participant of `id`
  ParticipantId other_owner = 0;  ///< participant of `other_id`
};

/// Receives events synchronously, in occurrence order.
class EventSink {
 public:
  virtual void on_event(const Event& e) noexcept = 0;

 protected:
  ~EventSink() = default;
};

/// An order entering the book.
struct OrderRequest {
  OrderId id = 0;                   ///< unique among live orders
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  Ticks price = 0;                  ///< limit price [ticks]; ignored for market orders
  Lots qty = 0;                     ///< quantity [lots], > 0
  Lots peak = 0;                    ///< iceberg: visible lots, 0 < peak < qty
  ParticipantId owner = 0;          ///< participant (self-trade prevention, risk); 0 = anonymous
  std::int64_t time_s = 0;          ///< arrival time [UTC s] (circuit-breaker window)
  std::int64_t expire_s = 0;        ///< good-till time [UTC s]; 0 = good till cancelled
};

/// Pre-trade risk hook called by the book (see risk.hpp for joule's own).
/// `check` runs before an order is accepted; the open/trade callbacks keep the
/// hook's exposure in step with the book.
class PreTradeCheck {
 public:
  /// Reason::none to accept, otherwise the rejection reason. `price` is the
  /// effective limit (the band- or limit-clamped price for market orders).
  virtual Reason check(const OrderRequest& order, Ticks price) noexcept = 0;
  /// Lots resting for `owner` on `side` at `price` changed by `delta` (+ rests, - leaves).
  virtual void on_open_change(ParticipantId owner, Side side, Ticks price, Lots delta) noexcept = 0;
  /// `owner` traded `qty` lots on `side` at `price`.
  virtual void on_trade(ParticipantId owner, Side side, Ticks price, Lots qty) noexcept = 0;

 protected:
  ~PreTradeCheck() = default;
};

/// Behaviour switches of a book; validate() names the first bad field.
struct BookOptions {
  SelfTradePrevention stp = SelfTradePrevention::cancel_newest;
  /// Static band: orders priced more than this many ticks from the reference
  /// price (last trade, else `reference_price`) are rejected; market orders are
  /// clamped to it. 0 disables.
  Ticks price_band_ticks = 0;
  /// Reference price before the first trade [ticks] (band and breaker).
  Ticks reference_price = 0;
  /// Circuit breaker: a trade more than this many ticks away from the price
  /// that opened the current window halts the book instead. 0 disables.
  Ticks breaker_ticks = 0;
  /// Length of the breaker's window [s], > 0 when the breaker is on.
  std::int64_t breaker_window_s = 60;

  constexpr Result<void> validate() const noexcept {
    if (static_cast<std::uint8_t>(stp) > 3) return fail(Errc::invalid_argument, "unknown stp mode", Where::at_field("stp"));
    if (price_band_ticks < 0)
      return fail(Errc::invalid_argument, "price_band_ticks must be >= 0", Where::at_field("price_band_ticks"));
    if (breaker_ticks < 0)
      return fail(Errc::invalid_argument, "breaker_ticks must be >= 0", Where::at_field("breaker_ticks"));
    if (breaker_ticks > 0 && breaker_window_s <= 0)
      return fail(Errc::invalid_argument, "breaker_window_s must be > 0", Where::at_field("breaker_window_s"));
    return {};
  }
};

/// A resting order (pool node). Index 0 of the node array is the null node.
struct OrderNode {
  OrderId id = 0;
  Lots open = 0;          ///< open quantity (visible + hidden)
  Lots visible = 0;       ///< shown quantity (== open unless iceberg)
  Lots peak = 0;          ///< iceberg peak, 0 otherwise
  std::int64_t expire_s = 0;
  std::uint32_t prev = 0, next = 0;  ///< FIFO links within the level (or free list)
  std::uint32_t level = 0;           ///< price - price_min
  ParticipantId owner = 0;
  Side side = Side::buy;
  OrderType type = OrderType::limit;
};

/// Aggregate of one price level of one side.
struct PriceLevel {
  std::uint32_t head = 0, tail = 0;  ///< oldest and newest node
  std::uint32_t count = 0;           ///< orders at this level
  std::uint32_t reserved = 0;
  Lots visible = 0;                  ///< shown lots (depth)
  Lots total = 0;                    ///< shown + hidden lots
};

/// One slot of the id index: the node (0 = empty) and 32 bits of the id's
/// hash (the home slot and a cheap filter; the node holds the full id).
struct IndexSlot {
  std::uint32_t node = 0;
  std::uint32_t hash = 0;
};

/// Caller-provided storage. All arrays must be zero-initialised. For speed,
/// start `nodes` (64-byte entries) and the level arrays (32-byte entries) on
/// 64-byte boundaries (`alignas(64)`): a misaligned node spans two cache lines.
struct BookStorage {
  std::span<OrderNode> nodes;   ///< capacity + 1 entries (entry 0 is the null node)
  std::span<PriceLevel> bids;   ///< price_max - price_min + 1 entries
  std::span<PriceLevel> asks;   ///< same size as bids
  std::span<std::uint64_t> bitmaps;  ///< 2 * bitmap_words(levels) words
  std::span<IndexSlot> index;   ///< a power of two, >= 2 * (nodes.size() - 1)

  /// Words of one side's three-level occupancy bitmap for `levels` price levels.
  static constexpr std::size_t bitmap_words(std::size_t levels) noexcept {
    const std::size_t w0 = (levels + 63) / 64, w1 = (w0 + 63) / 64, w2 = (w1 + 63) / 64;
    return w0 + w1 + w2;
  }
};

/// Top-of-book / depth entry.
struct LevelInfo {
  Ticks price = 0;
  Lots qty = 0;              ///< visible lots
  std::uint32_t orders = 0;  ///< resting orders at this price
};

/// Last trade and traded-volume statistics.
struct TradeStats {
  bool has_trade = false;
  Ticks last_price = 0;
  Lots last_qty = 0;
  Lots volume = 0;             ///< lots traded since init
  std::uint64_t trades = 0;    ///< number of fills
  double notional_ticks_lots = 0.0;  ///< sum of price * qty (VWAP numerator)
  /// Volume-weighted average price [ticks]; 0 before any trade.
  double vwap() const noexcept { return volume > 0 ? notional_ticks_lots / static_cast<double>(volume) : 0.0; }
};

namespace detail {
/// Three-level occupancy bitmap over caller words.
struct LevelBitmap {
  std::uint64_t* w0 = nullptr;
  std::uint64_t* w1 = nullptr;
  std::uint64_t* w2 = nullptr;
  std::uint32_t n0 = 0, n1 = 0, n2 = 0;
  std::uint32_t levels = 0;
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  void bind(std::uint64_t* words, std::uint32_t nlevels) noexcept;
  void set(std::uint32_t i) noexcept;
  void clear(std::uint32_t i) noexcept;
  bool test(std::uint32_t i) const noexcept { return (w0[i >> 6] >> (i & 63)) & 1u; }
  /// Lowest set index >= i, or kNone.
  std::uint32_t next_at_or_above(std::uint32_t i) const noexcept;
  /// Highest set index <= i, or kNone.
  std::uint32_t next_at_or_below(std::uint32_t i) const noexcept;
};
}  // namespace detail

/// The matching engine over caller storage. Not thread-safe; one thread per book.
class BookEngine {
 public:
  BookEngine() = default;
  BookEngine(const BookEngine&) = delete;
  BookEngine& operator=(const BookEngine&) = delete;

  /// Binds storage and options; the book starts empty and open (or in the
  /// instrument's phase). Checks every size of `storage`.
  Result<void> init(const Instrument& instrument, const BookOptions& options, const BookStorage& storage) noexcept;

  /// Where events go (nullptr: nowhere). Kept until changed.
  void set_event_sink(EventSink* sink) noexcept { sink_ = sink; }
  /// Pre-trade risk hook (nullptr: none).
  void set_pre_trade_check(PreTradeCheck* check) noexcept { risk_ = check; }

  /// Enters an order: validates it (rejected events carry the reason), matches
  /// it, and rests what the type allows. Returns the lots filled at once, or the
  /// rejection as an error (Errc::rejected, or limit_exceeded for capacity).
  Result<Lots> submit(const OrderRequest& order) noexcept;
  /// Cancels a live order (O(1)). Errc::not_found when no such order is live.
  Result<void> cancel(OrderId id) noexcept;
  /// Reduces a live order's open quantity by `by_lots` > 0, keeping its time
  /// priority; reducing to zero or below cancels it.
  Result<void> reduce(OrderId id, Lots by_lots) noexcept;
  /// Replaces a live order's price and quantity: it leaves the queue and
  /// re-enters as new (loses priority, may trade at once). Keeps id, side,
  /// type, owner, peak and expiry. Returns lots filled at re-entry.
  Result<Lots> replace(OrderId id, Ticks new_price, Lots new_qty, std::int64_t time_s = 0) noexcept;
  /// Removes every order whose good-till time is <= now_s (expired events).
  /// O(orders ever held): meant for periodic housekeeping, not the hot path.
  std::size_t expire(std::int64_t now_s) noexcept;

  /// Trading phase; setting `open` after a halt emits `resumed`.
  TradingPhase phase() const noexcept { return phase_; }
  void set_phase(TradingPhase p) noexcept;

  /// Best bid / ask (price, visible lots, orders), or false when that side is empty.
  bool best_bid(LevelInfo& out) const noexcept;
  bool best_ask(LevelInfo& out) const noexcept;
  /// Up to out.size() levels of one side from the best price outward; returns the count written.
  std::size_t depth(Side side, std::span<LevelInfo> out) const noexcept;
  /// Last trade, volume, VWAP.
  const TradeStats& trades() const noexcept { return stats_; }

  /// Looks up a live order (nullptr when not live).
  const OrderNode* find(OrderId id) const noexcept;

  /// Cache hints for a gateway that has the next messages queued: they change
  /// nothing and return nothing, and may be called with any id (live or not).
  /// On a book larger than the cache a cancel costs dependent misses (the id's
  /// index slot, then the order node, then its queue neighbours); issuing the
  /// three hints a few messages ahead, in this order, overlaps them with the
  /// work in between. `prefetch_slot` also suits a new order's id (its slot is
  /// written when it rests). `prefetch_order` needs the slot cached and
  /// `prefetch_neighbours` the node, so space the calls at least one message apart.
  void prefetch_slot(OrderId id) const noexcept;
  /// Prefetches the live order's node (after `prefetch_slot`).
  void prefetch_order(OrderId id) const noexcept;
  /// Prefetches the live order's queue neighbours and price level, which a
  /// cancel rewrites (after `prefetch_order`).
  void prefetch_neighbours(OrderId id) const noexcept;
  /// Number of resting orders.
  std::size_t live_orders() const noexcept { return live_; }
  /// Occupied price levels of a side.
  std::size_t level_count(Side side) const noexcept { return nlev_[sx(side)]; }
  /// Total open lots (visible + hidden) on a side.
  Lots side_qty(Side side) const noexcept { return qty_[sx(side)]; }
  /// Node capacity and how many more orders can rest.
  std::size_t capacity() const noexcept { return nodes_.size() - 1; }
  std::size_t free_nodes() const noexcept { return capacity() - live_; }
  const Instrument& instrument() const noexcept { return inst_; }
  const BookOptions& options() const noexcept { return opt_; }
  /// Reference price of the band (last trade, else the option's reference).
  Ticks reference_price() const noexcept { return stats_.has_trade ? stats_.last_price : opt_.reference_price; }

  /// Full consistency check (tests and debugging): every level's count and
  /// quantities equal the sum of its nodes, links are symmetric, the bitmaps
  /// match the levels, the index finds every node, and the side totals agree.
  /// O(book size + price range).
  Result<void> check_invariants() const noexcept;

  /// Moves to larger storage (host growth): nodes are copied, the index is
  /// rebuilt. `bigger.nodes` and `bigger.index` may grow; the level arrays and
  /// bitmaps must be the current ones or equal-sized zeroed copies of them.
  Result<void> rebind(const BookStorage& bigger) noexcept;
  /// The storage in use.
  const BookStorage& storage() const noexcept { return st_; }

 private:
  // One instance per side: the walk's direction is fixed at compile time.
  template <bool kDry, bool kBuy>
  Lots match(OrderNode& taker, Ticks limit, bool& taker_cancelled) noexcept;
  template <bool kDry>
  Lots match(OrderNode& taker, Ticks limit, bool& taker_cancelled) noexcept {
    return taker.side == Side::buy ? match<kDry, true>(taker, limit, taker_cancelled)
                                   : match<kDry, false>(taker, limit, taker_cancelled);
  }
  Lots fillable(const OrderNode& taker, Ticks limit) noexcept;
  void emit(const Event& e) noexcept {
    if (sink_) sink_->on_event(e);
  }
  Result<Lots> enter(const OrderRequest& o, bool is_replace) noexcept;
  void reject(const OrderRequest& o, Reason r) noexcept;
  std::uint32_t alloc_node() noexcept;
  void free_node(std::uint32_t n) noexcept;
  void link_tail(std::uint32_t n) noexcept;
  void unlink(std::uint32_t n) noexcept;
  void remove_order(std::uint32_t n, EventKind kind, Reason reason) noexcept;
  // Per-side state lives in two-element arrays indexed by the side (buy = 0,
  // sell = 1): the standard workload's sides are a coin flip, so selecting
  // with `side == buy ? a : b` cost a mispredicted branch per access.
  static constexpr std::size_t sx(Side s) noexcept { return static_cast<std::size_t>(s) & 1u; }
  PriceLevel* levels(Side s) noexcept { return lv_[sx(s)]; }
  const PriceLevel* levels(Side s) const noexcept { return lv_[sx(s)]; }
  detail::LevelBitmap& bitmap(Side s) noexcept { return bits_[sx(s)]; }
  const detail::LevelBitmap& bitmap(Side s) const noexcept { return bits_[sx(s)]; }
  std::uint32_t index_find(OrderId id) const noexcept;
  bool index_insert(OrderId id, std::uint32_t node) noexcept;
  void index_erase(OrderId id, std::uint32_t node) noexcept;
  bool breaker_would_trip(Ticks price) const noexcept;
  void breaker_on_trade(Ticks price) noexcept;
  void level_emptied(Side s, std::uint32_t lvl) noexcept;

  Instrument inst_{};
  BookOptions opt_{};
  BookStorage st_{};
  std::span<OrderNode> nodes_{};
  PriceLevel* lv_[2] = {nullptr, nullptr};  // bids, asks
  detail::LevelBitmap bits_[2]{};
  EventSink* sink_ = nullptr;
  PreTradeCheck* risk_ = nullptr;
  TradingPhase phase_ = TradingPhase::open;
  std::uint32_t free_head_ = 0;      // recycled nodes
  std::uint32_t high_water_ = 1;     // next never-used node
  std::uint64_t index_mask_ = 0;
  OrderId max_id_ = 0;             // largest id ever indexed: a larger id is not live
  std::size_t live_ = 0;
  std::size_t nlev_[2] = {0, 0};   // occupied levels per side
  Lots qty_[2] = {0, 0};           // open lots per side
  // Best level index per side (kNone when empty).
  std::uint32_t best_[2] = {detail::LevelBitmap::kNone, detail::LevelBitmap::kNone};
  TradeStats stats_{};
  Ticks window_ref_price_ = 0;
  std::int64_t window_start_s_ = 0;
  bool window_open_ = false;
  std::int64_t now_s_ = 0;
};

}  // namespace joule::market
