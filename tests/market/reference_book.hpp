// A deliberately simple order book for differential tests only: every resting
// order in one std::vector, every decision by a linear scan. It implements the
// documented semantics of joule::market::BookEngine (docs/market.md) with
// none of its data structures (no levels, bitmaps, pools, index), so that a
// disagreement points at a bug in one of the two.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "joule/market/book_core.hpp"

namespace joule::market::test {

class ReferenceBook {
 public:
  struct Order {
    OrderId id;
    Side side;
    OrderType type;
    Ticks price;
    Lots open, visible, peak;
    ParticipantId owner;
    std::int64_t expire_s;
    std::uint64_t seq;  // time priority: smaller is older
  };

  ReferenceBook(const Instrument& inst, const BookOptions& opt) : inst_(inst), opt_(opt), phase_(inst.phase) {}

  std::vector<Event> events;  // appended by every call

  TradingPhase phase() const { return phase_; }
  const std::vector<Order>& orders() const { return book_; }
  const TradeStats& trades() const { return stats_; }

  Ticks reference_price() const { return stats_.has_trade ? stats_.last_price : opt_.reference_price; }

  void set_phase(TradingPhase p) {
    const bool resume = phase_ != TradingPhase::open && p == TradingPhase::open;
    phase_ = p;
    if (resume) {
      window_open_ = false;
      events.push_back(Event{EventKind::resumed, Reason::none, Side::buy, 0, 0, reference_price(), 0, 0, 0, 0, 0});
    }
  }

  void submit(const OrderRequest& o) { enter(o, false); }

  void cancel(OrderId id) {
    Order* x = find(id);
    if (!x) {
      events.push_back(Event{EventKind::rejected, Reason::unknown_order, Side::buy, id, 0, 0, 0, 0, 0, 0, 0});
      return;
    }
    remove(id, EventKind::cancelled, Reason::user_cancel);
  }

  void reduce(OrderId id, Lots by) {
    Order* x = find(id);
    if (!x) {
      events.push_back(Event{EventKind::rejected, Reason::unknown_order, Side::buy, id, 0, 0, by, 0, 0, 0, 0});
      return;
    }
    if (by <= 0) {
      events.push_back(Event{EventKind::rejected, Reason::bad_quantity, x->side, id, 0, 0, by, x->open, 0, x->owner, 0});
      return;
    }
    if (by >= x->open) {
      remove(id, EventKind::cancelled, Reason::user_cancel);
      return;
    }
    x->open -= by;
    x->visible = std::min(x->visible, x->open);
    events.push_back(Event{EventKind::reduced, Reason::none, x->side, id, 0, x->price, by, x->open, 0, x->owner, 0});
  }

  void replace(OrderId id, Ticks price, Lots qty, std::int64_t time_s) {
    Order* x = find(id);
    if (!x) {
      events.push_back(Event{EventKind::rejected, Reason::unknown_order, Side::buy, id, 0, price, qty, 0, 0, 0, 0});
      return;
    }
    const Order old = *x;
    OrderRequest r{};
    r.id = id;
    r.side = old.side;
    r.type = old.type;
    r.price = price;
    r.qty = qty;
    r.peak = old.type == OrderType::iceberg ? std::min(old.peak, qty) : 0;
    r.owner = old.owner;
    r.time_s = time_s;
    r.expire_s = old.expire_s;
    const Ticks ref = reference_price();
    Reason why = Reason::none;
    if (phase_ == TradingPhase::closed) why = Reason::phase_closed;
    else if (phase_ == TradingPhase::halted) why = Reason::phase_halted;
    else if (qty <= 0 || qty > kMaxLots) why = Reason::bad_quantity;
    else if (!inst_.price_in_limits(price)) why = Reason::bad_price;
    else if (opt_.price_band_ticks > 0 && (price > ref + opt_.price_band_ticks || price < ref - opt_.price_band_ticks))
      why = Reason::price_band;
    if (why != Reason::none) {
      events.push_back(Event{EventKind::rejected, why, r.side, id, 0, price, qty, 0, 0, r.owner, 0});
      return;
    }
    erase(id);
    events.push_back(Event{EventKind::replaced, Reason::none, old.side, id, 0, price, qty, qty, 0, old.owner, 0});
    enter(r, true);
  }

  void expire(std::int64_t now_s) {
    std::vector<OrderId> ids;
    for (const auto& o : book_)
      if (o.expire_s != 0 && o.expire_s <= now_s) ids.push_back(o.id);
    for (OrderId id : ids) remove(id, EventKind::expired, Reason::expired);
  }

  // Market data recomputed from scratch.
  std::vector<LevelInfo> depth(Side side) const {
    std::vector<Ticks> prices;
    for (const auto& o : book_)
      if (o.side == side) prices.push_back(o.price);
    std::sort(prices.begin(), prices.end());
    prices.erase(std::unique(prices.begin(), prices.end()), prices.end());
    if (side == Side::buy) std::reverse(prices.begin(), prices.end());
    std::vector<LevelInfo> out;
    for (Ticks p : prices) {
      LevelInfo li{p, 0, 0};
      for (const auto& o : book_)
        if (o.side == side && o.price == p) {
          li.qty += o.visible;
          ++li.orders;
        }
      out.push_back(li);
    }
    return out;
  }
  Lots side_qty(Side side) const {
    Lots q = 0;
    for (const auto& o : book_)
      if (o.side == side) q += o.open;
    return q;
  }

 private:
  static constexpr Lots kMaxLots = Lots{1} << 52;

  Order* find(OrderId id) {
    for (auto& o : book_)
      if (o.id == id) return &o;
    return nullptr;
  }
  void erase(OrderId id) {
    book_.erase(std::remove_if(book_.begin(), book_.end(), [&](const Order& o) { return o.id == id; }), book_.end());
  }
  void remove(OrderId id, EventKind kind, Reason reason) {
    const Order o = *find(id);
    erase(id);
    events.push_back(Event{kind, reason, o.side, o.id, 0, o.price, 0, o.open, 0, o.owner, 0});
  }
  void reject(const OrderRequest& o, Reason r) {
    events.push_back(Event{EventKind::rejected, r, o.side, o.id, 0, o.price, o.qty, 0, 0, o.owner, 0});
  }
  static bool better(Side maker_side, Ticks a, Ticks b) { return maker_side == Side::buy ? a > b : a < b; }

  // Best maker price strictly worse than `after` (or the best at all), within the taker's limit.
  std::optional<Ticks> next_price(Side taker, Ticks limit, std::optional<Ticks> after) const {
    const Side ms = opposite(taker);
    std::optional<Ticks> best;
    for (const auto& o : book_) {
      if (o.side != ms) continue;
      if (taker == Side::buy ? o.price > limit : o.price < limit) continue;
      if (after && !better(ms, *after, o.price)) continue;
      if (!best || better(ms, o.price, *best)) best = o.price;
    }
    return best;
  }
  // Oldest maker at `price` with seq > cursor.
  Order* next_at(Side ms, Ticks price, std::uint64_t cursor) {
    Order* best = nullptr;
    for (auto& o : book_)
      if (o.side == ms && o.price == price && o.seq > cursor && (!best || o.seq < best->seq)) best = &o;
    return best;
  }
  bool would_trip(Ticks p) const {
    const bool in_window = window_open_ && now_s_ - window_start_s_ < opt_.breaker_window_s;
    const Ticks ref = in_window ? window_ref_ : reference_price();
    return (p > ref ? p - ref : ref - p) > opt_.breaker_ticks;
  }

  // Returns lots (that would be) filled; `stopped` when STP or the breaker ended it.
  Lots walk(bool dry, const OrderRequest& t, Ticks limit, bool& stopped) {
    stopped = false;
    const Side ms = opposite(t.side);
    const bool stp_on = opt_.stp != SelfTradePrevention::none && t.owner != 0;
    Lots remaining = t.qty;
    std::optional<Ticks> price;
    while (remaining > 0) {
      price = next_price(t.side, limit, price);
      if (!price) break;
      std::uint64_t cursor = 0;
      while (remaining > 0) {
        Order* m = next_at(ms, *price, cursor);
        if (!m) break;
        cursor = m->seq;
        if (stp_on && m->owner == t.owner) {
          if (opt_.stp == SelfTradePrevention::cancel_oldest) {
            if (!dry) remove(m->id, EventKind::cancelled, Reason::self_trade);
            continue;
          }
          if (!dry && opt_.stp == SelfTradePrevention::cancel_both)
            remove(m->id, EventKind::cancelled, Reason::self_trade);
          stopped = true;
          return t.qty - remaining;
        }
        if (m->type == OrderType::all_or_none && m->open > remaining) continue;
        if (opt_.breaker_ticks > 0 && would_trip(*price)) {
          stopped = true;
          if (!dry) {
            phase_ = TradingPhase::halted;
            events.push_back(Event{EventKind::halted, Reason::circuit_breaker, t.side, t.id, m->id, *price, 0,
                                   remaining, 0, t.owner, m->owner});
          }
          return t.qty - remaining;
        }
        if (dry) {
          remaining -= std::min(remaining, m->open);
          continue;
        }
        const Lots f = std::min(remaining, m->visible);
        if (opt_.breaker_ticks > 0 && (!window_open_ || now_s_ - window_start_s_ >= opt_.breaker_window_s)) {
          window_ref_ = reference_price();
          window_start_s_ = now_s_;
          window_open_ = true;
        }
        m->visible -= f;
        m->open -= f;
        remaining -= f;
        stats_.has_trade = true;
        stats_.last_price = *price;
        stats_.last_qty = f;
        stats_.volume += f;
        ++stats_.trades;
        stats_.notional_ticks_lots += static_cast<double>(*price) * static_cast<double>(f);
        events.push_back(Event{EventKind::fill, Reason::none, t.side, t.id, m->id, *price, f, remaining, m->open,
                               t.owner, m->owner});
        if (m->open == 0) {
          erase(m->id);
        } else if (m->visible == 0) {
          m->visible = std::min(m->peak, m->open);
          m->seq = ++seq_;  // back of the queue
        }
      }
      // The next price is searched strictly beyond this one.
    }
    return t.qty - remaining;
  }

  void enter(const OrderRequest& o, bool is_replace) {
    now_s_ = o.time_s;
    if (phase_ == TradingPhase::closed) return reject(o, Reason::phase_closed);
    if (phase_ == TradingPhase::halted) return reject(o, Reason::phase_halted);
    if (static_cast<std::uint8_t>(o.type) > 5 || static_cast<std::uint8_t>(o.side) > 1)
      return reject(o, Reason::bad_type);
    if (o.id == 0) return reject(o, Reason::bad_id);
    if (o.qty <= 0 || o.qty > kMaxLots) return reject(o, Reason::bad_quantity);
    if (o.type == OrderType::iceberg && (o.peak <= 0 || o.peak > o.qty)) return reject(o, Reason::bad_quantity);
    const Ticks ref = reference_price();
    Ticks limit = o.price;
    if (o.type == OrderType::market) {
      limit = o.side == Side::buy ? inst_.price_max : inst_.price_min;
      if (opt_.price_band_ticks > 0)
        limit = o.side == Side::buy ? std::min(limit, ref + opt_.price_band_ticks)
                                    : std::max(limit, ref - opt_.price_band_ticks);
    } else {
      if (!inst_.price_in_limits(o.price)) return reject(o, Reason::bad_price);
      if (opt_.price_band_ticks > 0 && (o.price > ref + opt_.price_band_ticks || o.price < ref - opt_.price_band_ticks))
        return reject(o, Reason::price_band);
    }
    if (!is_replace && find(o.id)) return reject(o, Reason::duplicate_id);
    if (!is_replace) events.push_back(Event{EventKind::accepted, Reason::none, o.side, o.id, 0, limit, o.qty, o.qty, 0, o.owner, 0});
    const bool can_rest =
        o.type == OrderType::limit || o.type == OrderType::all_or_none || o.type == OrderType::iceberg;
    bool stopped = false;
    bool go = true;
    if (o.type == OrderType::fok || o.type == OrderType::all_or_none) {
      const Lots can = walk(true, o, limit, stopped);
      go = can >= o.qty && !stopped;
      if (!go && o.type == OrderType::fok) {
        events.push_back(Event{EventKind::cancelled, Reason::fok_unfillable, o.side, o.id, 0, limit, 0, o.qty, 0, o.owner, 0});
        return;
      }
      if (!go) stopped = false;
    }
    Lots filled = 0;
    if (go) filled = walk(false, o, limit, stopped);
    const Lots rest = o.qty - filled;
    if (rest == 0) return;
    if (stopped) {
      const Reason r = phase_ == TradingPhase::halted ? Reason::circuit_breaker : Reason::self_trade;
      events.push_back(Event{EventKind::cancelled, r, o.side, o.id, 0, limit, 0, rest, 0, o.owner, 0});
      return;
    }
    if (!can_rest) {
      events.push_back(Event{EventKind::cancelled, Reason::unfilled_remainder, o.side, o.id, 0, limit, 0, rest, 0, o.owner, 0});
      return;
    }
    Order n{o.id, o.side, o.type, o.price, rest, rest, 0, o.owner, o.expire_s, ++seq_};
    if (o.type == OrderType::iceberg) {
      n.peak = o.peak;
      n.visible = std::min(o.peak, rest);
    }
    book_.push_back(n);
    events.push_back(Event{EventKind::rested, Reason::none, o.side, o.id, 0, o.price, 0, rest, 0, o.owner, 0});
  }

  Instrument inst_;
  BookOptions opt_;
  TradingPhase phase_;
  std::vector<Order> book_;
  std::uint64_t seq_ = 0;
  TradeStats stats_{};
  bool window_open_ = false;
  std::int64_t window_start_s_ = 0;
  Ticks window_ref_ = 0;
  std::int64_t now_s_ = 0;
};

}  // namespace joule::market::test
