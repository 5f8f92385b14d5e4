// Fuzzes the matching engine: arbitrary operation streams on a small book with
// every order type, negative prices, self-trade prevention, band and breaker.
// The book must never crash, and its invariants must hold after every step;
// lots are conserved (entered = filled twice + cancelled + resting).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "joule/market/book_core.hpp"

using namespace joule::market;

namespace {
struct Sink final : EventSink {
  Lots entered = 0, filled = 0, removed = 0;
  int replaced = 0;
  void on_event(const Event& e) noexcept override {
    switch (e.kind) {
      case EventKind::replaced:
        entered += e.qty;
        ++replaced;
        break;
      case EventKind::accepted: entered += e.qty; break;
      case EventKind::fill: filled += e.qty; break;
      case EventKind::cancelled:
      case EventKind::expired: removed += e.remaining; break;
      case EventKind::reduced: removed += e.qty; break;
      default: break;
    }
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* d, std::size_t size) {
  static OrderNode nodes[65];
  static PriceLevel bids[129], asks[129];
  static std::uint64_t bits[2 * BookStorage::bitmap_words(129)];
  static IndexSlot index[128];
  for (auto& n : nodes) n = OrderNode{};
  for (auto& l : bids) l = PriceLevel{};
  for (auto& l : asks) l = PriceLevel{};
  for (auto& w : bits) w = 0;
  for (auto& s : index) s = IndexSlot{};
  if (size < 2) return 0;
  Instrument inst;
  inst.price_min = -64;
  inst.price_max = 64;
  BookOptions opt;
  opt.stp = static_cast<SelfTradePrevention>(d[0] & 3);
  opt.price_band_ticks = (d[0] >> 2) & 1 ? 40 : 0;
  opt.breaker_ticks = (d[0] >> 3) & 1 ? 20 : 0;
  opt.breaker_window_s = 5;
  BookEngine book;
  if (!book.init(inst, opt, BookStorage{nodes, bids, asks, bits, index})) std::abort();
  Sink sink;
  book.set_event_sink(&sink);
  std::int64_t now = 0;
  for (std::size_t i = 1; i + 5 <= size; i += 5) {
    const std::uint8_t op = d[i];
    const OrderId id = 1 + d[i + 1] % 80;
    now += d[i + 4] & 3;
    switch (op % 8) {
      case 0: case 1: case 2: case 3: {
        OrderRequest r;
        r.id = id;
        r.side = (op >> 3) & 1 ? Side::sell : Side::buy;
        r.type = static_cast<OrderType>((op >> 4) % 6);
        r.price = static_cast<std::int8_t>(d[i + 2]) / 2;
        r.qty = static_cast<Lots>(d[i + 3] % 40) - 1;
        r.peak = 1 + (d[i + 4] >> 2) % 8;
        r.owner = (d[i + 4] >> 5) & 3;
        r.time_s = now;
        r.expire_s = (op & 0x80) ? now + 3 : 0;
        (void)book.submit(r);
        break;
      }
      case 4: (void)book.cancel(id); break;
      case 5: (void)book.reduce(id, static_cast<Lots>(d[i + 3] % 10) - 1); break;
      case 6: {
        const OrderNode* n = book.find(id);
        const Lots old_open = n ? n->open : 0;
        const int before = sink.replaced;
        (void)book.replace(id, static_cast<std::int8_t>(d[i + 2]) / 2, static_cast<Lots>(d[i + 3] % 30), now);
        if (sink.replaced != before) sink.removed += old_open;  // the old order left the book
        break;
      }
      default:
        if (op & 0x40) (void)book.expire(now);
        else book.set_phase(static_cast<TradingPhase>((op >> 4) % 3));
        break;
    }
    if (!book.check_invariants()) std::abort();
    const Lots resting = book.side_qty(Side::buy) + book.side_qty(Side::sell);
    // Every fill takes its lots from two orders.
    if (sink.entered != 2 * sink.filled + sink.removed + resting) std::abort();
  }
  return 0;
}
