// C API of the market module (joule_market.h).
#include <string>
#include <vector>

#include "c_api_internal.hpp"
#include "joule.h"
#include "joule/market/call_auction.hpp"
#include "joule/market/community.hpp"
#include "joule/market/order_book.hpp"
#include "joule/market/risk.hpp"
#include "joule/market/single_item.hpp"
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
  RiskManager risk;
  bool risk_on = false;
};

struct joule_english_auction {
  EnglishAuction auction;
};

struct joule_community_settlement {
  CommunitySettlement s;
};

namespace {
// C orders -> AuctionOrder (an order without an id or with an unknown side is
// malformed and rejected by §1, like a bad row of a case file).
AuctionOrder to_auction_order(const joule_auction_order& o) {
  AuctionOrder a;
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
  return a;
}

void to_c_result(const AuctionResult& r, joule_auction_result* out) {
  out->cleared = r.cleared ? 1 : 0;
  out->has_price = r.price ? 1 : 0;
  out->price = r.price.value_or(0);
  out->interval_lo = r.interval_lo;
  out->interval_hi = r.interval_hi;
  out->volume = r.volume;
  out->rationed_side = r.rationed_side ? static_cast<int32_t>(*r.rationed_side) : -1;
  out->n_rejected = static_cast<int32_t>(r.rejected.size());
}

bool side_ok(joule_market_side s) { return s == JOULE_MARKET_BUY || s == JOULE_MARKET_SELL; }

void to_c_measures(const RiskMeasures& m, joule_risk_measures* out) {
  *out = joule_risk_measures{m.confidence, m.var, m.expected_shortfall, m.mean_pnl};
}

void to_c_item(const ItemAuctionResult& r, joule_item_result* out) {
  out->sold = r.sold ? 1 : 0;
  out->price = r.sold ? r.price : 0;
  out->winning_bid = r.winning_bid ? static_cast<int64_t>(*r.winning_bid) : -1;
}
}  // namespace

extern "C" {

JOULE_API joule_status joule_call_auction_clear(const joule_auction_order* orders, size_t n, int64_t price_min,
                                                int64_t price_max, int64_t* fills, uint8_t* valid,
                                                joule_auction_result* out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr, "out must not be NULL");
    JOULE_C_REQUIRE(n == 0 || (orders != nullptr && fills != nullptr), "orders and fills must not be NULL");
    std::vector<AuctionOrder> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = to_auction_order(orders[i]);
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
    to_c_result(*r, out);
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
    auto* h = new joule_order_book{std::move(*b), {}, {}, false};
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

JOULE_API joule_status joule_orders_from_curve(joule_market_side side, const joule_curve_point* points,
                                               size_t n_points, int32_t linear, int64_t* prices, int64_t* qty,
                                               size_t cap, size_t* n) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(n != nullptr, "n must not be NULL");
    JOULE_C_REQUIRE(n_points == 0 || points != nullptr, "points must not be NULL");
    JOULE_C_REQUIRE(side_ok(side), "unknown side");
    BidCurve c{"c", static_cast<Side>(side), {}, linear != 0};
    for (size_t i = 0; i < n_points; ++i) c.points.push_back(CurvePoint{points[i].price, points[i].qty});
    auto r = orders_from_curve(c);
    if (!r) return capi::report(r.error());
    *n = r->size();
    if (cap < r->size()) return capi::report(JOULE_BUFFER_TOO_SMALL, "cap too small; *n holds the number of steps");
    JOULE_C_REQUIRE(r->empty() || (prices != nullptr && qty != nullptr), "prices and qty must not be NULL");
    for (size_t i = 0; i < r->size(); ++i) {
      prices[i] = *(*r)[i].price;
      qty[i] = (*r)[i].qty;
    }
    return capi::ok();
  });
}

JOULE_API joule_status joule_call_auction_clear_blocks(const joule_auction_order* orders, size_t n,
                                                       const joule_block_order* blocks, size_t n_blocks,
                                                       int64_t price_min, int64_t price_max, int64_t* fills,
                                                       uint8_t* block_accepted, joule_auction_result* out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr, "out must not be NULL");
    JOULE_C_REQUIRE(n == 0 || (orders != nullptr && fills != nullptr), "orders and fills must not be NULL");
    JOULE_C_REQUIRE(n_blocks == 0 || (blocks != nullptr && block_accepted != nullptr),
                    "blocks and block_accepted must not be NULL");
    std::vector<AuctionOrder> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = to_auction_order(orders[i]);
    std::vector<BlockOrder> b(n_blocks);
    for (size_t i = 0; i < n_blocks; ++i) {
      JOULE_C_REQUIRE(blocks[i].id != nullptr && side_ok(blocks[i].side), "block needs an id and a side");
      b[i] = BlockOrder{blocks[i].id, static_cast<Side>(blocks[i].side), blocks[i].qty, blocks[i].price};
    }
    AuctionOptions opt;
    opt.price_min = price_min;
    opt.price_max = price_max;
    opt.with_curves = false;
    auto r = clear_with_blocks(v, b, opt);
    if (!r) return capi::report(r.error());
    for (size_t i = 0; i < n; ++i) fills[i] = r->result.fills[i];
    for (size_t i = 0; i < n_blocks; ++i) block_accepted[i] = r->block_accepted[i] ? 1 : 0;
    to_c_result(r->result, out);
    return capi::ok();
  });
}

JOULE_API joule_status joule_clear_multi_period(const joule_auction_order* orders, const size_t* order_period, size_t n,
                                                size_t n_periods, const joule_period_block* blocks, size_t n_blocks,
                                                int64_t price_min, int64_t price_max, int32_t ratio_steps,
                                                int64_t* fills, joule_auction_result* period_results,
                                                joule_block_acceptance* acceptance, int64_t* block_lots,
                                                double* welfare) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(n == 0 || (orders != nullptr && order_period != nullptr && fills != nullptr),
                    "orders, order_period and fills must not be NULL");
    JOULE_C_REQUIRE(n_periods > 0 && period_results != nullptr, "need periods and period_results");
    JOULE_C_REQUIRE(n_blocks == 0 || (blocks != nullptr && acceptance != nullptr),
                    "blocks and acceptance must not be NULL");
    std::vector<std::vector<AuctionOrder>> per(n_periods);
    std::vector<std::pair<size_t, size_t>> where(n);  // (period, index in period)
    for (size_t i = 0; i < n; ++i) {
      JOULE_C_REQUIRE(order_period[i] < n_periods, "order_period out of range");
      where[i] = {order_period[i], per[order_period[i]].size()};
      per[order_period[i]].push_back(to_auction_order(orders[i]));
    }
    std::vector<PeriodBlock> b(n_blocks);
    for (size_t i = 0; i < n_blocks; ++i) {
      const joule_period_block& c = blocks[i];
      JOULE_C_REQUIRE(c.id != nullptr && side_ok(c.side) && c.qty != nullptr, "block needs an id, a side and qty");
      JOULE_C_REQUIRE(c.parent >= -1, "parent must be -1 or a block index");
      b[i].id = c.id;
      b[i].side = static_cast<Side>(c.side);
      b[i].price = c.price;
      b[i].qty.assign(c.qty, c.qty + n_periods);
      b[i].min_acceptance_ratio = c.min_acceptance_ratio;
      if (c.parent >= 0) b[i].parent = static_cast<size_t>(c.parent);
      if (c.has_group) b[i].exclusive_group = c.exclusive_group;
    }
    MultiPeriodOptions opt;
    opt.auction.price_min = price_min;
    opt.auction.price_max = price_max;
    opt.auction.with_curves = false;
    opt.ratio_steps = ratio_steps;
    auto r = clear_multi_period(per, b, opt);
    if (!r) return capi::report(r.error());
    for (size_t i = 0; i < n; ++i) fills[i] = r->periods[where[i].first].fills[where[i].second];
    for (size_t t = 0; t < n_periods; ++t) to_c_result(r->periods[t], &period_results[t]);
    for (size_t i = 0; i < n_blocks; ++i) {
      const BlockAcceptance& a = r->blocks[i];
      acceptance[i] = joule_block_acceptance{a.accepted_steps, a.paradoxically_rejected ? 1 : 0, a.ratio, a.surplus};
      if (block_lots)
        for (size_t t = 0; t < n_periods; ++t) block_lots[i * n_periods + t] = a.lots[t];
    }
    if (welfare) *welfare = r->welfare;
    return capi::ok();
  });
}

JOULE_API joule_status joule_order_book_set_limits(joule_order_book* book, uint32_t owner,
                                                   const joule_risk_limits* limits) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(book != nullptr && limits != nullptr, "book and limits must not be NULL");
    auto r = book->risk.set_limits(owner, RiskLimits{limits->max_position_lots, limits->max_order_value,
                                                     limits->credit_line});
    if (!r) return capi::report(r.error());
    if (!book->risk_on) {
      book->book.set_pre_trade_check(&book->risk);
      book->risk_on = true;
    }
    return capi::ok();
  });
}

JOULE_API joule_status joule_order_book_position(const joule_order_book* book, uint32_t owner, int64_t mark_price,
                                                 joule_position* out, double* pnl) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(book != nullptr && out != nullptr, "book and out must not be NULL");
    const Position p = book->risk.position(owner);
    *out = joule_position{p.net_lots,       p.open_buy_lots,   p.open_sell_lots, p.bought_lots,
                          p.sold_lots,      p.open_buy_value,  p.open_sell_value, p.cash};
    if (pnl) *pnl = p.pnl(mark_price);
    return capi::ok();
  });
}

JOULE_API joule_status joule_value_at_risk(const double* pnl, size_t n, const double* weights, double confidence,
                                           joule_risk_measures* out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr && (n == 0 || pnl != nullptr), "pnl and out must not be NULL");
    auto r = value_at_risk({pnl, n}, weights ? std::span<const double>(weights, n) : std::span<const double>{},
                           confidence);
    if (!r) return capi::report(r.error());
    to_c_measures(*r, out);
    return capi::ok();
  });
}

JOULE_API joule_status joule_position_risk(double position_mwh, double entry_price, const double* prices, size_t n,
                                           const double* weights, double confidence, joule_risk_measures* out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr && (n == 0 || prices != nullptr), "prices and out must not be NULL");
    auto r = position_risk(position_mwh, entry_price, {prices, n},
                           weights ? std::span<const double>(weights, n) : std::span<const double>{}, confidence);
    if (!r) return capi::report(r.error());
    to_c_measures(*r, out);
    return capi::ok();
  });
}

JOULE_API joule_status joule_schedule_risk(const double* energy_mwh, size_t n_periods, const double* prices,
                                           size_t n_scenarios, const double* weights, double confidence,
                                           joule_risk_measures* out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr && energy_mwh != nullptr && prices != nullptr, "arguments must not be NULL");
    JOULE_C_REQUIRE(n_periods > 0 && n_scenarios > 0, "need periods and scenarios");
    auto r = schedule_risk({energy_mwh, n_periods}, {prices, n_periods * n_scenarios},
                           weights ? std::span<const double>(weights, n_scenarios) : std::span<const double>{},
                           confidence);
    if (!r) return capi::report(r.error());
    to_c_measures(*r, out);
    return capi::ok();
  });
}

JOULE_API joule_status joule_quantile_path_weights(const double* levels, size_t n, double* weights) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(n == 0 || (levels != nullptr && weights != nullptr), "levels and weights must not be NULL");
    auto r = quantile_path_weights({levels, n});
    if (!r) return capi::report(r.error());
    for (size_t i = 0; i < n; ++i) weights[i] = (*r)[i];
    return capi::ok();
  });
}

JOULE_API joule_status joule_sealed_bid_auction(const joule_item_bid* bids, size_t n, int64_t reserve,
                                                joule_sealed_bid_rule rule, joule_item_result* out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr && (n == 0 || bids != nullptr), "bids and out must not be NULL");
    JOULE_C_REQUIRE(rule == JOULE_SEALED_FIRST_PRICE || rule == JOULE_SEALED_SECOND_PRICE, "unknown rule");
    std::vector<ItemBid> v(n);
    for (size_t i = 0; i < n; ++i) {
      JOULE_C_REQUIRE(bids[i].bidder != nullptr, "bidder must not be NULL");
      v[i] = ItemBid{bids[i].bidder, bids[i].amount, bids[i].time_s};
    }
    auto r = sealed_bid_auction(v, reserve, static_cast<SealedBidRule>(rule));
    if (!r) return capi::report(r.error());
    to_c_item(*r, out);
    return capi::ok();
  });
}

JOULE_API joule_status joule_english_auction_create(int64_t reserve, int64_t increment, int64_t close_s,
                                                    joule_english_auction** out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr, "out must not be NULL");
    *out = nullptr;
    auto a = EnglishAuction::create({reserve, increment, close_s});
    if (!a) return capi::report(a.error());
    *out = new joule_english_auction{std::move(*a)};
    return capi::ok();
  });
}

JOULE_API void joule_english_auction_destroy(joule_english_auction* auction) { delete auction; }

JOULE_API joule_status joule_english_auction_bid(joule_english_auction* auction, const char* bidder, int64_t amount,
                                                 int64_t time_s) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(auction != nullptr && bidder != nullptr, "auction and bidder must not be NULL");
    auto r = auction->auction.bid(bidder, amount, time_s);
    return r ? capi::ok() : capi::report(r.error());
  });
}

JOULE_API joule_status joule_english_auction_minimum_next_bid(const joule_english_auction* auction, int64_t* out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(auction != nullptr && out != nullptr, "auction and out must not be NULL");
    *out = auction->auction.minimum_next_bid();
    return capi::ok();
  });
}

JOULE_API joule_status joule_english_auction_close(const joule_english_auction* auction, int64_t now_s,
                                                   joule_item_result* out, char* winner, size_t cap, size_t* len) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(auction != nullptr && out != nullptr, "auction and out must not be NULL");
    auto r = auction->auction.close(now_s);
    if (!r) return capi::report(r.error());
    to_c_item(*r, out);
    if (winner == nullptr && len == nullptr) return capi::ok();
    return capi::write_string(r->winner, winner, cap, len);
  });
}

JOULE_API void joule_community_options_default(joule_community_options* out) {
  if (!out) return;
  const CommunityOptions d;
  *out = joule_community_options{d.money_per_tick, d.grid_import_price, d.grid_export_price, d.grid_fee,
                                 d.community_discount, d.min_reputation};
}

JOULE_API joule_status joule_community_settle(const joule_community_member* members, size_t n_members,
                                              const joule_community_order* orders, size_t n_orders,
                                              const joule_community_options* options,
                                              joule_community_settlement** out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(out != nullptr && options != nullptr, "options and out must not be NULL");
    *out = nullptr;
    JOULE_C_REQUIRE(n_members == 0 || members != nullptr, "members must not be NULL");
    JOULE_C_REQUIRE(n_orders == 0 || orders != nullptr, "orders must not be NULL");
    std::vector<CommunityMember> m(n_members);
    for (size_t i = 0; i < n_members; ++i) {
      JOULE_C_REQUIRE(members[i].id != nullptr, "member id must not be NULL");
      m[i] = CommunityMember{members[i].id, members[i].reputation};
    }
    std::vector<CommunityInterval> iv;
    for (size_t k = 0; k < n_orders; ++k) {
      const joule_community_order& o = orders[k];
      JOULE_C_REQUIRE(side_ok(o.side), "unknown side");
      if (iv.empty() || iv.back().start_s != o.start_s) iv.push_back(CommunityInterval{o.start_s, {}});
      iv.back().orders.push_back(CommunityOrder{o.member, static_cast<Side>(o.side), o.energy_wh, o.price});
    }
    CommunityOptions co;
    co.money_per_tick = options->money_per_tick;
    co.grid_import_price = options->grid_import_price;
    co.grid_export_price = options->grid_export_price;
    co.grid_fee = options->grid_fee;
    co.community_discount = options->community_discount;
    co.min_reputation = options->min_reputation;
    auto r = settle_community(m, iv, co);
    if (!r) return capi::report(r.error());
    *out = new joule_community_settlement{std::move(*r)};
    return capi::ok();
  });
}

JOULE_API void joule_community_settlement_destroy(joule_community_settlement* s) { delete s; }

JOULE_API joule_status joule_community_settlement_summary(const joule_community_settlement* s,
                                                          int32_t* energy_conserved, int32_t* money_conserved,
                                                          size_t* n_intervals, joule_grid_account* grid) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(s != nullptr, "settlement must not be NULL");
    if (energy_conserved) *energy_conserved = s->s.energy_conserved ? 1 : 0;
    if (money_conserved) *money_conserved = s->s.money_conserved ? 1 : 0;
    if (n_intervals) *n_intervals = s->s.intervals.size();
    const GridAccount& g = s->s.grid;
    if (grid) *grid = joule_grid_account{g.import_wh, g.export_wh, g.supplier_revenue, g.export_payments, g.network_fees};
    return capi::ok();
  });
}

JOULE_API joule_status joule_community_settlement_interval(const joule_community_settlement* s, size_t i,
                                                           joule_community_interval* out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(s != nullptr && out != nullptr, "settlement and out must not be NULL");
    if (i >= s->s.intervals.size()) return capi::report(JOULE_OUT_OF_RANGE, "interval index out of range");
    const CommunityIntervalResult& x = s->s.intervals[i];
    *out = joule_community_interval{x.start_s, x.local_price ? 1 : 0, x.local_price.value_or(0), x.local_wh};
    return capi::ok();
  });
}

JOULE_API joule_status joule_community_settlement_member(const joule_community_settlement* s, size_t i,
                                                         joule_member_statement* out) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(s != nullptr && out != nullptr, "settlement and out must not be NULL");
    if (i >= s->s.members.size()) return capi::report(JOULE_OUT_OF_RANGE, "member index out of range");
    const MemberStatement& m = s->s.members[i];
    *out = joule_member_statement{m.consumed_wh,       m.produced_wh,     m.local_bought_wh, m.local_sold_wh,
                                  m.grid_import_wh,    m.grid_export_wh,  m.paid_local_energy, m.paid_local_fee,
                                  m.paid_grid,         m.received_local,  m.received_grid,   m.net_energy_wh,
                                  m.net_money,         m.net_money_currency, m.grid_only_cost_currency};
    return capi::ok();
  });
}

JOULE_API joule_status joule_community_settlement_statement(const joule_community_settlement* s, size_t i, char* buf,
                                                            size_t cap, size_t* len) {
  return capi::guard([&]() -> joule_status {
    JOULE_C_REQUIRE(s != nullptr, "settlement must not be NULL");
    if (i >= s->s.members.size()) return capi::report(JOULE_OUT_OF_RANGE, "member index out of range");
    return capi::write_string(s->s.members[i].statement, buf, cap, len);
  });
}

}  // extern "C"
