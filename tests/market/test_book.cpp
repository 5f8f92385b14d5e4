// Order book: behaviour of each order type, and a randomized differential test
// against the deliberately simple ReferenceBook (every event compared).
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "joule/market/order_book.hpp"
#include "reference_book.hpp"

using namespace joule::market;

namespace {

struct Recorder final : EventSink {
  std::vector<Event> events;
  void on_event(const Event& e) noexcept override { events.push_back(e); }
  std::vector<Event> take() { return std::exchange(events, {}); }
};

Instrument small_instrument() {
  Instrument i;
  i.price_min = -500;
  i.price_max = 500;
  return i;
}

OrderRequest lim(OrderId id, Side s, Ticks p, Lots q, ParticipantId owner = 0) {
  OrderRequest o;
  o.id = id;
  o.side = s;
  o.price = p;
  o.qty = q;
  o.owner = owner;
  return o;
}

std::vector<Event> fills_of(const std::vector<Event>& ev) {
  std::vector<Event> f;
  for (const auto& e : ev)
    if (e.kind == EventKind::fill) f.push_back(e);
  return f;
}

bool same(const Event& a, const Event& b) {
  return a.kind == b.kind && a.reason == b.reason && a.side == b.side && a.id == b.id && a.other_id == b.other_id &&
         a.price == b.price && a.qty == b.qty && a.remaining == b.remaining && a.other_remaining == b.other_remaining &&
         a.owner == b.owner && a.other_owner == b.other_owner;
}

std::string show(const Event& e) {
  return "kind=" + std::to_string(int(e.kind)) + " reason=" + std::to_string(int(e.reason)) +
         " side=" + std::to_string(int(e.side)) + " id=" + std::to_string(e.id) + " other=" + std::to_string(e.other_id) +
         " price=" + std::to_string(e.price) + " qty=" + std::to_string(e.qty) + " rem=" + std::to_string(e.remaining) +
         " orem=" + std::to_string(e.other_remaining) + " owner=" + std::to_string(e.owner) + "/" +
         std::to_string(e.other_owner);
}

}  // namespace

TEST_CASE("price-time priority, maker price, partial fills") {
  auto book = OrderBook::create(small_instrument());
  REQUIRE(book);
  Recorder rec;
  book->set_event_sink(&rec);
  REQUIRE(book->submit(lim(1, Side::sell, 10, 5)));
  REQUIRE(book->submit(lim(2, Side::sell, 10, 5)));
  REQUIRE(book->submit(lim(3, Side::sell, 9, 3)));
  rec.take();
  auto r = book->submit(lim(4, Side::buy, 12, 10));
  REQUIRE(r);
  CHECK(*r == 10);
  auto f = fills_of(rec.take());
  REQUIRE(f.size() == 3);
  CHECK(f[0].other_id == 3);
  CHECK(f[0].price == 9);
  CHECK(f[1].other_id == 1);
  CHECK(f[1].price == 10);
  CHECK(f[1].qty == 5);
  CHECK(f[2].other_id == 2);
  CHECK(f[2].qty == 2);
  CHECK(f[2].other_remaining == 3);
  LevelInfo a;
  REQUIRE(book->engine().best_ask(a));
  CHECK(a.price == 10);
  CHECK(a.qty == 3);
  CHECK(book->engine().trades().volume == 10);
  CHECK(book->engine().trades().vwap() == doctest::Approx((9.0 * 3 + 10.0 * 7) / 10.0));
  CHECK(book->engine().check_invariants());
}

TEST_CASE("negative prices, cancel, reduce keeps priority, replace loses it") {
  auto book = OrderBook::create(small_instrument());
  REQUIRE(book);
  Recorder rec;
  book->set_event_sink(&rec);
  REQUIRE(book->submit(lim(1, Side::buy, -20, 10)));
  REQUIRE(book->submit(lim(2, Side::buy, -20, 10)));
  REQUIRE(book->reduce(1, 4));
  CHECK(book->engine().find(1)->open == 6);
  auto r = book->submit(lim(3, Side::sell, -25, 7));
  REQUIRE(r);
  auto f = fills_of(rec.take());
  REQUIRE(f.size() == 2);
  CHECK(f[0].other_id == 1);  // still first after the reduction
  CHECK(f[0].price == -20);
  CHECK(f[0].qty == 6);
  CHECK(f[1].other_id == 2);
  REQUIRE(book->submit(lim(4, Side::buy, -20, 5)));
  REQUIRE(book->replace(2, -20, 9));  // 2 goes behind 4
  rec.take();
  REQUIRE(book->submit(lim(5, Side::sell, -20, 5)));
  f = fills_of(rec.take());
  REQUIRE(f.size() == 1);
  CHECK(f[0].other_id == 4);
  CHECK(book->cancel(2));
  CHECK_FALSE(book->cancel(2));
  CHECK(book->cancel(2).error().code == joule::Errc::not_found);
  CHECK(book->engine().live_orders() == 0);
  CHECK(book->engine().check_invariants());
}

TEST_CASE("prefetch hints change nothing, for live, cancelled and unknown ids") {
  auto book = OrderBook::create(small_instrument());
  REQUIRE(book);
  Recorder rec;
  book->set_event_sink(&rec);
  for (OrderId id = 1; id <= 40; ++id)
    REQUIRE(book->submit(lim(id, id % 2 ? Side::buy : Side::sell, id % 2 ? -30 - Ticks(id % 5) : 30 + Ticks(id % 5), 3)));
  REQUIRE(book->cancel(7));
  rec.take();
  const BookEngine& eng = book->engine();
  const std::size_t live = eng.live_orders();
  for (OrderId id : {OrderId{1}, OrderId{7}, OrderId{20}, OrderId{40}, OrderId{41}, OrderId{0}, ~OrderId{0}}) {
    eng.prefetch_slot(id);
    eng.prefetch_order(id);
    eng.prefetch_neighbours(id);
  }
  CHECK(rec.take().empty());
  CHECK(eng.live_orders() == live);
  CHECK(eng.find(7) == nullptr);
  REQUIRE(eng.find(20) != nullptr);
  CHECK(eng.find(20)->open == 3);
  CHECK(eng.check_invariants());
  // The hinted order cancels as usual afterwards.
  REQUIRE(book->cancel(20));
  CHECK(eng.live_orders() == live - 1);
  CHECK(eng.check_invariants());
  // Before init() there is no index: the hints do nothing.
  const BookEngine blank;
  blank.prefetch_slot(5);
  blank.prefetch_order(5);
  blank.prefetch_neighbours(5);
  CHECK(blank.live_orders() == 0);
}

TEST_CASE("IOC, market, FOK, all-or-none, iceberg") {
  auto book = OrderBook::create(small_instrument());
  REQUIRE(book);
  Recorder rec;
  book->set_event_sink(&rec);
  REQUIRE(book->submit(lim(1, Side::sell, 10, 5)));
  REQUIRE(book->submit(lim(2, Side::sell, 11, 5)));
  OrderRequest fok = lim(3, Side::buy, 11, 11);
  fok.type = OrderType::fok;
  rec.take();
  REQUIRE(book->submit(fok));
  auto ev = rec.take();
  CHECK(fills_of(ev).empty());
  CHECK(ev.back().reason == Reason::fok_unfillable);
  fok.qty = 10;
  fok.id = 4;
  REQUIRE(book->submit(fok));
  CHECK(fills_of(rec.take()).size() == 2);
  // IOC remainder is cancelled.
  REQUIRE(book->submit(lim(5, Side::sell, 10, 5)));
  OrderRequest ioc = lim(6, Side::buy, 10, 8);
  ioc.type = OrderType::ioc;
  rec.take();
  REQUIRE(book->submit(ioc));
  ev = rec.take();
  CHECK(ev.back().kind == EventKind::cancelled);
  CHECK(ev.back().reason == Reason::unfilled_remainder);
  CHECK(ev.back().remaining == 3);
  CHECK(book->engine().live_orders() == 0);
  // Market order sweeps to the price limit.
  REQUIRE(book->submit(lim(7, Side::buy, -400, 5)));
  OrderRequest mkt = lim(8, Side::sell, 0, 3);
  mkt.type = OrderType::market;
  rec.take();
  REQUIRE(book->submit(mkt));
  auto f = fills_of(rec.take());
  REQUIRE(f.size() == 1);
  CHECK(f[0].price == -400);
  // All-or-none rests untouched and is skipped by a too-small taker.
  OrderRequest aon = lim(9, Side::sell, -400, 10);
  aon.type = OrderType::all_or_none;
  REQUIRE(book->submit(aon));  // only 2 lots bid: rests, crossing
  CHECK(book->engine().find(9) != nullptr);
  CHECK(book->engine().find(7)->open == 2);
  REQUIRE(book->submit(lim(10, Side::buy, -300, 4)));  // cannot take all 10: skips the AON
  CHECK(book->engine().find(9)->open == 10);
  rec.take();
  REQUIRE(book->submit(lim(11, Side::buy, -300, 12)));
  f = fills_of(rec.take());
  REQUIRE(f.size() == 1);
  CHECK(f[0].other_id == 9);
  CHECK(f[0].qty == 10);
  CHECK(book->engine().check_invariants());
  // Iceberg shows its peak and refills at the back of the queue.
  auto b2 = OrderBook::create(small_instrument());
  REQUIRE(b2);
  b2->set_event_sink(&rec);
  OrderRequest ice = lim(1, Side::sell, 50, 10);
  ice.type = OrderType::iceberg;
  ice.peak = 3;
  REQUIRE(b2->submit(ice));
  REQUIRE(b2->submit(lim(2, Side::sell, 50, 2)));
  LevelInfo a;
  REQUIRE(b2->engine().best_ask(a));
  CHECK(a.qty == 5);
  rec.take();
  REQUIRE(b2->submit(lim(3, Side::buy, 50, 6)));
  f = fills_of(rec.take());
  REQUIRE(f.size() == 3);
  CHECK(f[0].other_id == 1);
  CHECK(f[0].qty == 3);
  CHECK(f[1].other_id == 2);
  CHECK(f[2].other_id == 1);
  CHECK(f[2].qty == 1);
  CHECK(b2->engine().find(1)->open == 6);
  CHECK(b2->engine().check_invariants());
}

TEST_CASE("self-trade prevention modes") {
  for (auto mode : {SelfTradePrevention::cancel_newest, SelfTradePrevention::cancel_oldest,
                    SelfTradePrevention::cancel_both}) {
    OrderBookOptions o;
    o.book.stp = mode;
    auto book = OrderBook::create(small_instrument(), o);
    REQUIRE(book);
    REQUIRE(book->submit(lim(1, Side::sell, 10, 5, 7)));
    REQUIRE(book->submit(lim(2, Side::sell, 10, 5, 8)));
    auto r = book->submit(lim(3, Side::buy, 10, 10, 7));
    REQUIRE(r);
    if (mode == SelfTradePrevention::cancel_newest) {
      CHECK(*r == 0);
      CHECK(book->engine().find(1) != nullptr);
      CHECK(book->engine().find(3) == nullptr);
    } else if (mode == SelfTradePrevention::cancel_oldest) {
      CHECK(*r == 5);
      CHECK(book->engine().find(1) == nullptr);
      CHECK(book->engine().find(3)->open == 5);
    } else {
      CHECK(*r == 0);
      CHECK(book->engine().find(1) == nullptr);
      CHECK(book->engine().find(3) == nullptr);
      CHECK(book->engine().find(2) != nullptr);
    }
    CHECK(book->engine().check_invariants());
  }
}

TEST_CASE("price band and circuit breaker") {
  OrderBookOptions o;
  o.book.price_band_ticks = 50;
  o.book.reference_price = 100;
  o.book.breaker_ticks = 20;
  o.book.breaker_window_s = 60;
  auto book = OrderBook::create(small_instrument(), o);
  REQUIRE(book);
  Recorder rec;
  book->set_event_sink(&rec);
  auto bad = book->submit(lim(1, Side::buy, 151, 1));
  CHECK_FALSE(bad);
  CHECK(rec.take().back().reason == Reason::price_band);
  REQUIRE(book->submit(lim(2, Side::sell, 110, 5)));
  REQUIRE(book->submit(lim(3, Side::sell, 125, 5)));
  OrderRequest b = lim(4, Side::buy, 130, 10);
  b.time_s = 10;
  rec.take();
  auto r = book->submit(b);
  REQUIRE(r);
  CHECK(*r == 5);  // 110 trades; 125 would move 25 > 20 from the window's 100
  CHECK(book->engine().phase() == TradingPhase::halted);
  auto ev = rec.take();
  bool halted = false;
  for (auto& e : ev) halted |= e.kind == EventKind::halted;
  CHECK(halted);
  CHECK(ev.back().reason == Reason::circuit_breaker);
  CHECK_FALSE(book->submit(lim(5, Side::buy, 100, 1)));
  CHECK(book->cancel(3));  // cancels still work while halted
  book->set_phase(TradingPhase::open);
  CHECK(rec.take().back().kind == EventKind::resumed);
  CHECK(book->submit(lim(6, Side::buy, 100, 1)));
}

TEST_CASE("rejections carry reasons; duplicate ids; phases; expiry") {
  auto book = OrderBook::create(small_instrument());
  REQUIRE(book);
  Recorder rec;
  book->set_event_sink(&rec);
  CHECK_FALSE(book->submit(lim(1, Side::buy, 501, 1)));
  CHECK(rec.take().back().reason == Reason::bad_price);
  CHECK_FALSE(book->submit(lim(1, Side::buy, 5, 0)));
  CHECK(rec.take().back().reason == Reason::bad_quantity);
  CHECK_FALSE(book->submit(lim(0, Side::buy, 5, 1)));
  CHECK(rec.take().back().reason == Reason::bad_id);
  OrderRequest g = lim(1, Side::buy, 5, 1);
  g.expire_s = 100;
  REQUIRE(book->submit(g));
  auto dup = book->submit(lim(1, Side::buy, 5, 1));
  CHECK(dup.error().code == joule::Errc::conflict);
  CHECK(book->expire(99) == 0);
  CHECK(book->expire(100) == 1);
  CHECK(rec.take().back().kind == EventKind::expired);
  book->set_phase(TradingPhase::closed);
  CHECK_FALSE(book->submit(lim(2, Side::buy, 5, 1)));
  CHECK(rec.take().back().reason == Reason::phase_closed);
}

TEST_CASE("storage grows, and a warm book matches without allocating") {
  OrderBookOptions o;
  o.initial_capacity = 4;
  auto book = OrderBook::create(Instrument::intraday(0), o);
  REQUIRE(book);
  for (OrderId i = 1; i <= 100; ++i) REQUIRE(book->submit(lim(i, i % 2 ? Side::buy : Side::sell, i % 2 ? 100 - Ticks(i) : 200 + Ticks(i), 3)));
  CHECK(book->engine().live_orders() == 100);
  CHECK(book->engine().check_invariants());
  for (OrderId i = 1; i <= 100; ++i) REQUIRE(book->cancel(i));
  joule::test::AllocationScope scope;
  for (OrderId i = 1000; i < 1100; ++i) {
    (void)book->submit(lim(i, i % 2 ? Side::buy : Side::sell, 150 + Ticks(i % 7) - 3, 5));
    if (i % 3 == 0) (void)book->cancel(i - 1);
  }
  CHECK(scope.allocations() == 0);
  CHECK(book->engine().check_invariants());
}

TEST_CASE("growth rehashes the id index from its slots: arbitrary 64-bit ids stay findable") {
  OrderBookOptions o;
  o.initial_capacity = 2;
  auto book = OrderBook::create(Instrument::intraday(0), o);
  REQUIRE(book);
  std::vector<OrderId> ids;
  std::uint64_t x = 88172645463325252ull;
  for (int k = 0; k < 3000; ++k) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64: scattered ids, colliding home slots
    const OrderId id = (x | 1) & (k % 3 ? ~OrderId{0} : 0xFFFFull << 20);  // and some sharing low bits
    if (book->engine().find(id)) continue;
    ids.push_back(id);
    REQUIRE(book->submit(lim(id, k % 2 ? Side::buy : Side::sell, k % 2 ? 100 - Ticks(k % 50) : 200 + Ticks(k % 50), 1)));
    if (k % 5 == 0) {  // cancels between growths leave backward-shifted runs behind
      REQUIRE(book->cancel(ids.front()));
      ids.erase(ids.begin());
    }
  }
  CHECK(book->engine().capacity() >= ids.size());
  CHECK(book->engine().live_orders() == ids.size());
  CHECK(book->engine().check_invariants());
  for (OrderId id : ids) {
    const OrderNode* n = book->engine().find(id);
    REQUIRE(n != nullptr);
    CHECK(n->id == id);
  }
  for (OrderId id : ids) REQUIRE(book->cancel(id));
  CHECK(book->engine().live_orders() == 0);
  CHECK(book->engine().check_invariants());
}

TEST_CASE("core engine on caller storage") {
  static OrderNode nodes[9];
  static PriceLevel bids[101], asks[101];
  static std::uint64_t bits[2 * BookStorage::bitmap_words(101)];
  static IndexSlot index[16];
  Instrument inst;
  inst.price_min = -50;
  inst.price_max = 50;
  BookEngine eng;
  REQUIRE(eng.init(inst, BookOptions{}, BookStorage{nodes, bids, asks, bits, index}));
  for (OrderId i = 1; i <= 8; ++i) REQUIRE(eng.submit(lim(i, Side::buy, -Ticks(i), 1)));
  auto full = eng.submit(lim(9, Side::buy, 0, 1));
  CHECK(full.error().code == joule::Errc::limit_exceeded);
  auto r = eng.submit(lim(10, Side::sell, -50, 20));
  REQUIRE(r);
  CHECK(*r == 8);
  CHECK(eng.live_orders() == 1);
  CHECK(eng.check_invariants());
  // Bad storage sizes are refused.
  BookEngine e2;
  CHECK_FALSE(e2.init(inst, BookOptions{}, BookStorage{nodes, {bids, 100}, asks, bits, index}));
}

TEST_CASE("randomized differential test against the reference book") {
  std::uint64_t total_ops = 200'000;
  if (const char* env = std::getenv("JOULE_MARKET_DIFF_OPS")) total_ops = std::strtoull(env, nullptr, 10);
  struct Config {
    SelfTradePrevention stp;
    Ticks band, breaker;
  };
  const Config configs[] = {{SelfTradePrevention::none, 0, 0},
                            {SelfTradePrevention::cancel_newest, 0, 0},
                            {SelfTradePrevention::cancel_oldest, 120, 0},
                            {SelfTradePrevention::cancel_both, 0, 40}};
  std::uint64_t compared_events = 0;
  for (const Config& cfg : configs) {
    Instrument inst;
    inst.price_min = -300;
    inst.price_max = 300;
    OrderBookOptions bo;
    bo.book.stp = cfg.stp;
    bo.book.price_band_ticks = cfg.band;
    bo.book.breaker_ticks = cfg.breaker;
    bo.book.breaker_window_s = 30;
    bo.initial_capacity = 8;
    auto book = OrderBook::create(inst, bo);
    REQUIRE(book);
    Recorder rec;
    book->set_event_sink(&rec);
    joule::market::test::ReferenceBook ref(inst, bo.book);
    std::uint64_t s = 0x1234 + static_cast<std::uint64_t>(cfg.stp) * 77 + static_cast<std::uint64_t>(cfg.breaker);
    auto rnd = [&](std::uint64_t n) {
      s += 0x9E3779B97F4A7C15ull;
      std::uint64_t z = s;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      z ^= z >> 31;
      __extension__ using U128 = unsigned __int128;
      return static_cast<std::uint64_t>((static_cast<U128>(z) * n) >> 64);
    };
    std::int64_t mid = 0, now = 0;
    OrderId next_id = 0;
    const std::uint64_t ops = total_ops / 4;
    for (std::uint64_t k = 0; k < ops; ++k) {
      if (rnd(4) == 0) mid += rnd(2) ? 1 : -1;
      mid = std::clamp<std::int64_t>(mid, -200, 200);
      now += static_cast<std::int64_t>(rnd(3));
      const std::uint64_t op = rnd(100);
      auto pick_live = [&]() -> OrderId {
        const auto& v = ref.orders();
        if (v.empty() || rnd(10) == 0) return rnd(next_id + 2);
        return v[rnd(v.size())].id;
      };
      if (op < 62) {
        OrderRequest o;
        o.id = rnd(50) == 0 ? pick_live() : ++next_id;
        o.side = rnd(2) ? Side::sell : Side::buy;
        const std::uint64_t t = rnd(100);
        o.type = t < 55 ? OrderType::limit
                 : t < 65 ? OrderType::ioc
                 : t < 72 ? OrderType::market
                 : t < 80 ? OrderType::fok
                 : t < 90 ? OrderType::all_or_none
                          : OrderType::iceberg;
        const std::int64_t d = static_cast<std::int64_t>(rnd(rnd(30) + 1)) - 3;
        o.price = o.side == Side::buy ? mid - d : mid + d;
        if (rnd(200) == 0) o.price = 301 + static_cast<Ticks>(rnd(5));
        o.qty = 1 + static_cast<Lots>(rnd(rnd(4) == 0 ? 60 : 12));
        if (rnd(300) == 0) o.qty = -static_cast<Lots>(rnd(3));
        o.peak = 1 + static_cast<Lots>(rnd(5));
        o.owner = static_cast<ParticipantId>(rnd(5));
        o.time_s = now;
        o.expire_s = rnd(10) == 0 ? now + static_cast<std::int64_t>(rnd(50)) : 0;
        (void)book->submit(o);
        ref.submit(o);
      } else if (op < 80) {
        const OrderId id = pick_live();
        (void)book->cancel(id);
        ref.cancel(id);
      } else if (op < 88) {
        const OrderId id = pick_live();
        const Lots by = static_cast<Lots>(rnd(8)) - 1;
        (void)book->reduce(id, by);
        ref.reduce(id, by);
      } else if (op < 97) {
        const OrderId id = pick_live();
        const Ticks p = mid + static_cast<Ticks>(rnd(21)) - 10;
        const Lots q = static_cast<Lots>(rnd(20));
        (void)book->replace(id, p, q, now);
        ref.replace(id, p, q, now);
      } else if (op < 98) {
        (void)book->expire(now);
        ref.expire(now);
        // Expiry order is not part of the contract: compare as sets.
        auto cmp = [](const Event& a, const Event& b) { return a.id < b.id; };
        std::sort(rec.events.begin(), rec.events.end(), cmp);
        std::sort(ref.events.begin(), ref.events.end(), cmp);
      } else {
        const auto ph = ref.phase() != TradingPhase::open || rnd(4) != 0 ? TradingPhase::open
                        : rnd(2)                                        ? TradingPhase::halted
                                                                        : TradingPhase::closed;
        book->set_phase(ph);
        ref.set_phase(ph);
      }
      auto got = rec.take();
      auto want = std::exchange(ref.events, {});
      bool ok = got.size() == want.size();
      for (std::size_t i = 0; ok && i < got.size(); ++i) ok = same(got[i], want[i]);
      if (!ok) {
        INFO("op ", k, " config stp=", int(cfg.stp));
        for (auto& e : got) MESSAGE("engine:    ", show(e));
        for (auto& e : want) MESSAGE("reference: ", show(e));
        FAIL("event streams differ");
      }
      compared_events += got.size();
      if (k % 997 == 0 || k + 1 == ops) {
        const BookEngine& eng = book->engine();
        REQUIRE(eng.check_invariants());
        for (Side sd : {Side::buy, Side::sell}) {
          auto d = book->depth(sd, 1000);
          auto r = ref.depth(sd);
          REQUIRE(d.size() == r.size());
          for (std::size_t i = 0; i < d.size(); ++i) {
            CHECK(d[i].price == r[i].price);
            CHECK(d[i].qty == r[i].qty);
            CHECK(d[i].orders == r[i].orders);
          }
          CHECK(eng.side_qty(sd) == ref.side_qty(sd));
        }
        CHECK(eng.live_orders() == ref.orders().size());
        CHECK(eng.trades().volume == ref.trades().volume);
        CHECK(eng.trades().last_price == ref.trades().last_price);
      }
    }
    // Conservation: lots entered = lots filled (both sides) + cancelled + resting.
  }
  MESSAGE("compared events: ", compared_events);
  CHECK(compared_events > total_ops);
}
