// joule/market/order_book.hpp: the host order book (owns and grows its storage).
//
// `OrderBook` is `BookEngine` (book_core.hpp) with storage it allocates itself:
// price levels for the instrument's whole range are reserved as untouched
// zero pages (only the prices actually used cost memory), order nodes and the
// id index start at `initial_capacity` and double when full. Growth happens
// before an order enters, never inside matching; with a capacity that covers
// the peak number of resting orders the hot path never allocates.
//
// Example:
//   using namespace joule::market;
//   auto book = OrderBook::create(Instrument::intraday(1'700'000'000), {});
//   struct Print : EventSink { void on_event(const Event& e) noexcept override { ... } } sink;
//   book->set_event_sink(&sink);
//   book->submit({.id = 1, .side = Side::sell, .price = 4500, .qty = 10});
//   book->submit({.id = 2, .side = Side::buy, .type = OrderType::ioc, .price = 4600, .qty = 4});  // fills 4 @ 4500
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/market/book_core.hpp"

namespace joule::market {

/// Options of the host book.
struct OrderBookOptions {
  BookOptions book{};                   ///< matching behaviour
  std::size_t initial_capacity = 4096;  ///< resting orders before the first growth, >= 1
  std::size_t max_capacity = std::size_t{1} << 26;  ///< hard cap; beyond it orders are rejected (capacity)
};

/// Host order book: BookEngine plus owned, growable storage. Move-only.
class OrderBook {
 public:
  /// Validates instrument and options and allocates the initial storage.
  static Result<OrderBook> create(const Instrument& instrument, const OrderBookOptions& options = {});

  OrderBook(OrderBook&&) noexcept;
  OrderBook& operator=(OrderBook&&) noexcept;
  ~OrderBook();

  void set_event_sink(EventSink* sink) noexcept { engine().set_event_sink(sink); }
  void set_pre_trade_check(PreTradeCheck* check) noexcept { engine().set_pre_trade_check(check); }

  /// See BookEngine::submit. Grows the storage first when it is full.
  Result<Lots> submit(const OrderRequest& order) {
    if (engine().free_nodes() == 0) JOULE_RETURN_IF_ERROR(grow());
    return engine().submit(order);
  }
  Result<void> cancel(OrderId id) noexcept { return engine().cancel(id); }
  Result<void> reduce(OrderId id, Lots by_lots) noexcept { return engine().reduce(id, by_lots); }
  Result<Lots> replace(OrderId id, Ticks new_price, Lots new_qty, std::int64_t time_s = 0) noexcept {
    return engine().replace(id, new_price, new_qty, time_s);
  }
  std::size_t expire(std::int64_t now_s) noexcept { return engine().expire(now_s); }
  void set_phase(TradingPhase p) noexcept { engine().set_phase(p); }

  /// The engine with all queries (best_bid, depth, trades, find, ...).
  BookEngine& engine() noexcept { return *engine_; }
  const BookEngine& engine() const noexcept { return *engine_; }

  /// Up to `max_levels` levels of one side, best first.
  std::vector<LevelInfo> depth(Side side, std::size_t max_levels) const;

 private:
  struct Storage;
  OrderBook() = default;
  Result<void> grow();
  std::unique_ptr<BookEngine> engine_;
  std::unique_ptr<Storage> storage_;
  std::size_t max_capacity_ = 0;
};

}  // namespace joule::market
