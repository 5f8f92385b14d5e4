// The core matching engine on static storage: runs on the host and on the
// emulated Cortex-M4 (no heap, only the check.hpp macros).
#include "check.hpp"
#include "joule/market/book_core.hpp"

using namespace joule::market;

namespace {
struct CountSink final : EventSink {
  int fills = 0, rejects = 0;
  Lots filled = 0;
  OrderId last_maker = 0;
  void on_event(const Event& e) noexcept override {
    if (e.kind == EventKind::fill) {
      ++fills;
      filled += e.qty;
      last_maker = e.other_id;
    } else if (e.kind == EventKind::rejected) {
      ++rejects;
    }
  }
};

OrderNode g_nodes[33];
PriceLevel g_bids[201], g_asks[201];
std::uint64_t g_bits[2 * BookStorage::bitmap_words(201)];
IndexSlot g_index[64];

void reset_storage() {
  for (auto& n : g_nodes) n = OrderNode{};
  for (auto& l : g_bids) l = PriceLevel{};
  for (auto& l : g_asks) l = PriceLevel{};
  for (auto& w : g_bits) w = 0;
  for (auto& s : g_index) s = IndexSlot{};
}

OrderRequest req(OrderId id, Side s, Ticks p, Lots q) {
  OrderRequest r;
  r.id = id;
  r.side = s;
  r.price = p;
  r.qty = q;
  return r;
}
}  // namespace

TEST_CASE("market core: price-time priority with negative prices on static storage") {
  reset_storage();
  Instrument inst;
  inst.price_min = -100;
  inst.price_max = 100;
  BookEngine book;
  REQUIRE(book.init(inst, BookOptions{}, BookStorage{g_nodes, g_bids, g_asks, g_bits, g_index}).has_value());
  CountSink sink;
  book.set_event_sink(&sink);
  CHECK(book.submit(req(1, Side::sell, -10, 5)).has_value());
  CHECK(book.submit(req(2, Side::sell, -10, 5)).has_value());
  CHECK(book.submit(req(3, Side::sell, -12, 2)).has_value());
  auto r = book.submit(req(4, Side::buy, -10, 8));
  REQUIRE(r.has_value());
  CHECK_EQ(*r, 8);
  CHECK_EQ(sink.fills, 3);
  CHECK_EQ(sink.last_maker, 2u);
  LevelInfo a;
  REQUIRE(book.best_ask(a));
  CHECK_EQ(a.price, -10);
  CHECK_EQ(a.qty, 4);  // order 2 keeps 5 - 1
  CHECK(book.cancel(2).has_value());
  CHECK_FALSE(book.cancel(2).has_value());
  CHECK_EQ(book.live_orders(), 0u);
  CHECK(book.check_invariants().has_value());
}

TEST_CASE("market core: capacity, rejects and invariants") {
  reset_storage();
  Instrument inst;
  inst.price_min = -100;
  inst.price_max = 100;
  BookEngine book;
  REQUIRE(book.init(inst, BookOptions{}, BookStorage{g_nodes, g_bids, g_asks, g_bits, g_index}).has_value());
  CountSink sink;
  book.set_event_sink(&sink);
  for (OrderId i = 1; i <= 32; ++i) CHECK(book.submit(req(i, Side::buy, -50 + static_cast<Ticks>(i), 1)).has_value());
  CHECK_FALSE(book.submit(req(40, Side::buy, 0, 1)).has_value());
  CHECK_FALSE(book.submit(req(41, Side::buy, 101, 1)).has_value());
  CHECK_EQ(sink.rejects, 1);  // capacity is a cancel of the unrestable rest, price is a reject
  auto r = book.submit(req(42, Side::sell, -100, 40));
  REQUIRE(r.has_value());
  CHECK_EQ(*r, 32);
  CHECK_EQ(book.level_count(Side::buy), 0u);
  CHECK(book.check_invariants().has_value());
}
