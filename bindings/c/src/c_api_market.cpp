// C API of the market module (joule_market.h).
#include <string>
#include <vector>

#include "c_api_internal.hpp"
#include "joule.h"
#include "joule/market/call_auction.hpp"
#include "joule/market/order_book.hpp"
#include "joule/market/workload.hpp"

using namespace joule;
using namespace joule::market;

namespace {
struct CallbackSink final : EventSink {
  joule_book_event_fn fn = nullptr;
  void* ctx = nullptr;
  void on_event(const Event& e) noexcept override {
    if (!fn) return;
    const joule_book_event c{static_cast<joule_book_event_kind>(e.kind),
                             static_cast<int32_t>(e.reason),
                             static_cast<joule_market_side>(e.side),
                             e.id,
                             e.other_id,
                             e.price,
                             e.qty,
                             e.remaining,
                             e.other_remaining,
                             e.owner,
                             e.other_owner};
    fn(ctx, &c);
  }
};
}  // namespace

struct joule_order_book {
  OrderBook book;
  CallbackSink sink;
};

extern "C" {

JOULE_API joule_status joule_call_auction_clear(const joule_auction_order* orders, size_t n, int64_t price_min,
                                                int64_t price_max, int64_t* fills, uint8_t* valid,
                                                joule_auction_result* out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr, "out must not be NULL");
    JOULE_C_REQUIRE(n == 0 || (orders != nullptr && fills != nullptr), "orders and fills must not be NULL");
    std::vector<AuctionOrder> v(n);
    for (size_t i = 0; i < n; ++i) {
      const joule_auction_order& o = orders[i];
      AuctionOrder& a = v[i];
      if (o.id) a.id = o.id;
      else {
        a.malformed = true;
        a.has_id = false;
      }
      if (o.side == JOULE_MARKET_BUY) a.side = Side::buy;
      else if (o.side == JOULE_MARKET_SELL) a.side = Side::sell;
      else a.malformed = true;
      a.qty = o.qty;
      if (!o.is_market) a.price = o.price;
    }
    AuctionOptions opt;
    opt.price_min = price_min;
    opt.price_max = price_max;
    opt.with_curves = false;
    auto r = clear_call_auction(v, opt);
    if (!r) return capi::report(r.error());
    for (size_t i = 0; i < n; ++i) {
      fills[i] = r->fills[i];
      if (valid) valid[i] = r->valid[i] ? 1 : 0;
    }
    out->cleared = r->cleared ? 1 : 0;
    out->has_price = r->price ? 1 : 0;
    out->price = r->price.value_or(0);
    out->interval_lo = r->interval_lo;
    out->interval_hi = r->interval_hi;
    out->volume = r->volume;
    out->rationed_side = r->rationed_side ? static_cast<int32_t>(*r->rationed_side) : -1;
    out->n_rejected = static_cast<int32_t>(r->rejected.size());
    return capi::ok();
  });
}

JOULE_API joule_status joule_call_auction_clear_json(const char* case_json, size_t len, char* buf, size_t cap,
                                                     size_t* out_len, int32_t* matches_expected) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(case_json != nullptr || len == 0, "case_json must not be NULL");
    auto c = parse_auction_case(std::string_view(case_json ? case_json : "", len));
    if (!c) return capi::report(c.error());
    auto r = clear_call_auction(c->orders, c->options);
    if (!r) return capi::report(r.error());
    const std::string j = auction_result_json(*c, *r, -1);
    if (matches_expected) *matches_expected = !c->expected_json.empty() && json_equal(j, c->expected_json) ? 1 : 0;
    return capi::write_string(j, buf, cap, out_len);
  });
}

JOULE_API joule_status joule_order_book_create(int64_t price_min, int64_t price_max, joule_stp_mode stp,
                                               joule_order_book** out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr, "out must not be NULL");
    *out = nullptr;
    JOULE_C_REQUIRE(stp >= JOULE_STP_NONE && stp <= JOULE_STP_CANCEL_BOTH, "unknown stp mode");
    Instrument inst;
    inst.price_min = price_min;
    inst.price_max = price_max;
    OrderBookOptions o;
    o.book.stp = static_cast<SelfTradePrevention>(stp);
    auto b = OrderBook::create(inst, o);
    if (!b) return capi::report(b.error());
    auto* h = new joule_order_book{std::move(*b), {}};
    h->book.set_event_sink(&h->sink);
    *out = h;
    return capi::ok();
  });
}

JOULE_API void joule_order_book_destroy(joule_order_book* book) { delete book; }

JOULE_API joule_status joule_order_book_set_callback(joule_order_book* book, joule_book_event_fn fn, void* ctx) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(book != nullptr, "book must not be NULL");
    book->sink.fn = fn;
    book->sink.ctx = ctx;
    return capi::ok();
  });
}

JOULE_API joule_status joule_order_book_submit(joule_order_book* book, const joule_order* order, int64_t* filled) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(book != nullptr && order != nullptr, "book and order must not be NULL");
    JOULE_C_REQUIRE(order->side == JOULE_MARKET_BUY || order->side == JOULE_MARKET_SELL, "unknown side");
    JOULE_C_REQUIRE(order->type >= JOULE_ORDER_LIMIT && order->type <= JOULE_ORDER_ICEBERG, "unknown order type");
    OrderRequest r;
    r.id = order->id;
    r.side = static_cast<Side>(order->side);
    r.type = static_cast<OrderType>(order->type);
    r.price = order->price;
    r.qty = order->qty;
    r.peak = order->peak;
    r.owner = order->owner;
    r.time_s = order->time_s;
    r.expire_s = order->expire_s;
    auto f = book->book.submit(r);
    if (!f) return capi::report(f.error());
    if (filled) *filled = *f;
    return capi::ok();
  });
}

JOULE_API joule_status joule_order_book_cancel(joule_order_book* book, uint64_t id) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(book != nullptr, "book must not be NULL");
    auto r = book->book.cancel(id);
    return r ? capi::ok() : capi::report(r.error());
  });
}

JOULE_API joule_status joule_order_book_reduce(joule_order_book* book, uint64_t id, int64_t by_lots) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(book != nullptr, "book must not be NULL");
    auto r = book->book.reduce(id, by_lots);
    return r ? capi::ok() : capi::report(r.error());
  });
}

JOULE_API joule_status joule_order_book_replace(joule_order_book* book, uint64_t id, int64_t new_price,
                                                int64_t new_qty, int64_t* filled) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(book != nullptr, "book must not be NULL");
    auto r = book->book.replace(id, new_price, new_qty);
    if (!r) return capi::report(r.error());
    if (filled) *filled = *r;
    return capi::ok();
  });
}

JOULE_API joule_status joule_order_book_best(const joule_order_book* book, joule_market_side side,
                                             joule_book_level* level, int32_t* found) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(book != nullptr && level != nullptr && found != nullptr, "arguments must not be NULL");
    JOULE_C_REQUIRE(side == JOULE_MARKET_BUY || side == JOULE_MARKET_SELL, "unknown side");
    LevelInfo li;
    const bool ok = side == JOULE_MARKET_BUY ? book->book.engine().best_bid(li) : book->book.engine().best_ask(li);
    *found = ok ? 1 : 0;
    *level = joule_book_level{ok ? li.price : 0, ok ? li.qty : 0, ok ? li.orders : 0};
    return capi::ok();
  });
}

JOULE_API joule_status joule_order_book_depth(const joule_order_book* book, joule_market_side side,
                                              joule_book_level* levels, size_t cap, size_t* n) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(book != nullptr && n != nullptr, "book and n must not be NULL");
    JOULE_C_REQUIRE(cap == 0 || levels != nullptr, "levels must not be NULL");
    JOULE_C_REQUIRE(side == JOULE_MARKET_BUY || side == JOULE_MARKET_SELL, "unknown side");
    auto d = book->book.depth(static_cast<Side>(side), cap);
    for (size_t i = 0; i < d.size(); ++i) levels[i] = joule_book_level{d[i].price, d[i].qty, d[i].orders};
    *n = d.size();
    return capi::ok();
  });
}

JOULE_API joule_status joule_order_book_stats(const joule_order_book* book, size_t* live_orders,
                                              int64_t* last_price, int64_t* volume) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(book != nullptr, "book must not be NULL");
    const BookEngine& e = book->book.engine();
    if (live_orders) *live_orders = e.live_orders();
    if (last_price) *last_price = e.trades().last_price;
    if (volume) *volume = e.trades().volume;
    return capi::ok();
  });
}

JOULE_API joule_status joule_market_replay_file(const char* path, int32_t with_latency, char* buf, size_t cap,
                                                size_t* out_len) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(path != nullptr, "path must not be NULL");
    auto recs = read_workload(path);
    if (!recs) return capi::report(recs.error());
    ReplayOptions ro;
    ro.measure_latency = with_latency != 0;
    auto o = replay_workload(*recs, ro);
    if (!o) return capi::report(o.error());
    return capi::write_string(workload_outcome_json(*o, true), buf, cap, out_len);
  });
}

}  // extern "C"
