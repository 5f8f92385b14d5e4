// A tour of joule::market from C++: a continuous book with events, then a call auction.
#include <cstdio>
#include <vector>

#include "joule/market/call_auction.hpp"
#include "joule/market/order_book.hpp"

using namespace joule::market;

int main() {
  // Continuous trading on an intraday quarter hour (0.01 EUR/MWh ticks, 0.1 MW lots).
  auto book = OrderBook::create(Instrument::intraday(1'700'000'000));
  if (!book) return 1;
  struct Print final : EventSink {
    void on_event(const Event& e) noexcept override {
      if (e.kind == EventKind::fill)
        std::printf("fill: taker %llu maker %llu %lld lots @ %lld ticks\n", static_cast<unsigned long long>(e.id),
                    static_cast<unsigned long long>(e.other_id), static_cast<long long>(e.qty),
                    static_cast<long long>(e.price));
    }
  } sink;
  book->set_event_sink(&sink);
  (void)book->submit({.id = 1, .side = Side::sell, .price = -1250, .qty = 10});  // -12.50 EUR/MWh
  (void)book->submit({.id = 2, .side = Side::buy, .type = OrderType::ioc, .price = -1200, .qty = 4});
  LevelInfo ask;
  if (book->engine().best_ask(ask)) std::printf("best ask %lld (%lld lots)\n", static_cast<long long>(ask.price),
                                                 static_cast<long long>(ask.qty));
  // A day-ahead style call auction.
  std::vector<AuctionOrder> orders = {{"b1", Side::buy, 6, 50}, {"b2", Side::buy, 4, 50}, {"s1", Side::sell, 5, 40},
                                      {"m1", Side::sell, 3, std::nullopt}};
  auto r = clear_call_auction(orders, AuctionOptions{.price_min = -500, .price_max = 4000});
  if (!r || !r->price) return 1;
  std::printf("clearing price %lld, volume %lld lots\n", static_cast<long long>(*r->price),
              static_cast<long long>(r->volume));
  for (std::size_t i = 0; i < orders.size(); ++i)
    std::printf("  %s: %lld\n", orders[i].id.c_str(), static_cast<long long>(r->fills[i]));
  return 0;
}
