// The matching engine (see joule/market/book_core.hpp). Freestanding: no heap,
// no exceptions. Price-time priority as in EPEX SPOT / SIDC continuous trading
// and the joule-lob-std-v1 workload (WORKLOAD.md §4): trade price = maker price,
// fill = min of the open quantities, FIFO within a level.
#include <algorithm>
#include <bit>

#include "joule/market/book_core.hpp"

namespace joule::market {
namespace detail {

void LevelBitmap::bind(std::uint64_t* words, std::uint32_t nlevels) noexcept {
  levels = nlevels;
  n0 = (nlevels + 63) / 64;
  n1 = (n0 + 63) / 64;
  n2 = (n1 + 63) / 64;
  w0 = words;
  w1 = words + n0;
  w2 = w1 + n1;
}

void LevelBitmap::set(std::uint32_t i) noexcept {
  const std::uint32_t a = i >> 6, b = a >> 6, c = b >> 6;
  w0[a] |= std::uint64_t{1} << (i & 63);
  w1[b] |= std::uint64_t{1} << (a & 63);
  w2[c] |= std::uint64_t{1} << (b & 63);
}

void LevelBitmap::clear(std::uint32_t i) noexcept {
  const std::uint32_t a = i >> 6, b = a >> 6, c = b >> 6;
  w0[a] &= ~(std::uint64_t{1} << (i & 63));
  if (w0[a] == 0) {
    w1[b] &= ~(std::uint64_t{1} << (a & 63));
    if (w1[b] == 0) w2[c] &= ~(std::uint64_t{1} << (b & 63));
  }
}

std::uint32_t LevelBitmap::next_at_or_above(std::uint32_t i) const noexcept {
  if (i >= levels) return kNone;
  std::uint32_t a = i >> 6;
  std::uint64_t w = w0[a] & (~std::uint64_t{0} << (i & 63));
  if (w) return (a << 6) + static_cast<std::uint32_t>(std::countr_zero(w));
  const std::uint32_t j = a + 1;  // next w0 word
  if (j >= n0) return kNone;
  std::uint32_t b = j >> 6;
  w = w1[b] & (~std::uint64_t{0} << (j & 63));
  if (!w) {
    const std::uint32_t k = b + 1;  // next w1 word
    if (k >= n1) return kNone;
    std::uint32_t c = k >> 6;
    w = w2[c] & (~std::uint64_t{0} << (k & 63));
    while (!w) {
      if (++c >= n2) return kNone;
      w = w2[c];
    }
    b = (c << 6) + static_cast<std::uint32_t>(std::countr_zero(w));
    w = w1[b];
  }
  a = (b << 6) + static_cast<std::uint32_t>(std::countr_zero(w));
  return (a << 6) + static_cast<std::uint32_t>(std::countr_zero(w0[a]));
}

std::uint32_t LevelBitmap::next_at_or_below(std::uint32_t i) const noexcept {
  if (levels == 0) return kNone;
  if (i >= levels) i = levels - 1;
  std::uint32_t a = i >> 6;
  std::uint64_t w = w0[a] & (~std::uint64_t{0} >> (63 - (i & 63)));
  if (w) return (a << 6) + 63 - static_cast<std::uint32_t>(std::countl_zero(w));
  if (a == 0) return kNone;
  const std::uint32_t j = a - 1;
  std::uint32_t b = j >> 6;
  w = w1[b] & (~std::uint64_t{0} >> (63 - (j & 63)));
  if (!w) {
    if (b == 0) return kNone;
    const std::uint32_t k = b - 1;
    std::uint32_t c = k >> 6;
    w = w2[c] & (~std::uint64_t{0} >> (63 - (k & 63)));
    while (!w) {
      if (c == 0) return kNone;
      w = w2[--c];
    }
    b = (c << 6) + 63 - static_cast<std::uint32_t>(std::countl_zero(w));
    w = w1[b];
  }
  a = (b << 6) + 63 - static_cast<std::uint32_t>(std::countl_zero(w));
  return (a << 6) + 63 - static_cast<std::uint32_t>(std::countl_zero(w0[a]));
}

}  // namespace detail

namespace {
constexpr std::uint32_t kNone = detail::LevelBitmap::kNone;
constexpr Lots kMaxLots = Lots{1} << 52;

// 32 bits of a mixed hash of the id; its low bits pick the home slot. The
// multiply-xorshift-multiply finaliser (splitmix64's) spreads every input
// bit over the low bits. A bare multiplicative hash whose low bits came from
// the middle of the product clustered on sequential ids (the standard
// workload's ids 1, 2, 3, ...): 6.1 probes per insert at 100,000 live ids
// and load 0.38 instead of about 0.3, and 2.5x slower lookups than
// absl::flat_hash_map (bench_market BM_IndexLookup*). Keeping blocks of 8
// consecutive ids in one cache line of slots (so a new order's slot is
// usually cached) saved 0.4 index misses per operation on the wide book but
// made probe runs and backward-shift deletions longer: 19 % more
// instructions, a net loss (measured with cachegrind).
inline std::uint32_t id_hash(OrderId id) noexcept {
  std::uint64_t x = id * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 32;
  return static_cast<std::uint32_t>(x);
}
}  // namespace

Result<void> BookEngine::init(const Instrument& instrument, const BookOptions& options,
                              const BookStorage& storage) noexcept {
  JOULE_RETURN_IF_ERROR(instrument.validate());
  JOULE_RETURN_IF_ERROR(options.validate());
  const std::uint64_t nlevels = static_cast<std::uint64_t>(instrument.price_max - instrument.price_min) + 1;
  if (storage.nodes.size() < 2)
    return fail(Errc::invalid_argument, "storage.nodes needs at least 2 entries", Where::at_field("nodes"));
  if (storage.nodes.size() > 0xFFFFFFF0u)
    return fail(Errc::out_of_range, "storage.nodes larger than 2^32", Where::at_field("nodes"));
  if (storage.bids.size() != nlevels || storage.asks.size() != nlevels)
    return fail(Errc::invalid_argument, "storage.bids/asks must have price_max - price_min + 1 levels",
                Where::at_field("bids"));
  if (storage.bitmaps.size() < 2 * BookStorage::bitmap_words(nlevels))
    return fail(Errc::invalid_argument, "storage.bitmaps too small", Where::at_field("bitmaps"));
  const std::size_t ni = storage.index.size();
  if (ni == 0 || (ni & (ni - 1)) != 0 || ni < 2 * (storage.nodes.size() - 1) || ni > (std::size_t{1} << 31))
    return fail(Errc::invalid_argument, "storage.index must be a power of two >= 2 * node capacity",
                Where::at_field("index"));
  inst_ = instrument;
  opt_ = options;
  st_ = storage;
  nodes_ = storage.nodes;
  const std::size_t bw = BookStorage::bitmap_words(nlevels);
  bits_[0].bind(storage.bitmaps.data(), static_cast<std::uint32_t>(nlevels));
  bits_[1].bind(storage.bitmaps.data() + bw, static_cast<std::uint32_t>(nlevels));
  lv_[0] = storage.bids.data();
  lv_[1] = storage.asks.data();
  index_mask_ = ni - 1;
  phase_ = instrument.phase;
  free_head_ = 0;
  high_water_ = 1;
  live_ = 0;
  nlev_[0] = nlev_[1] = 0;
  qty_[0] = qty_[1] = 0;
  best_[0] = best_[1] = kNone;
  max_id_ = 0;
  stats_ = TradeStats{};
  window_open_ = false;
  return {};
}

Result<void> BookEngine::rebind(const BookStorage& bigger) noexcept {
  if (bigger.nodes.size() < nodes_.size())
    return fail(Errc::invalid_argument, "rebind: fewer nodes than in use", Where::at_field("nodes"));
  if (bigger.bids.size() != st_.bids.size() || bigger.asks.size() != st_.asks.size() ||
      bigger.bitmaps.size() < st_.bitmaps.size())
    return fail(Errc::invalid_argument, "rebind: level arrays must keep their size", Where::at_field("bids"));
  const std::size_t ni = bigger.index.size();
  if (ni == 0 || (ni & (ni - 1)) != 0 || ni < 2 * (bigger.nodes.size() - 1) || ni > (std::size_t{1} << 31))
    return fail(Errc::invalid_argument, "rebind: index must be a power of two >= 2 * node capacity",
                Where::at_field("index"));
  if (bigger.nodes.data() != nodes_.data()) std::copy(nodes_.begin(), nodes_.begin() + high_water_, bigger.nodes.begin());
  if (bigger.bids.data() != st_.bids.data()) std::copy(st_.bids.begin(), st_.bids.end(), bigger.bids.begin());
  if (bigger.asks.data() != st_.asks.data()) std::copy(st_.asks.begin(), st_.asks.end(), bigger.asks.begin());
  if (bigger.bitmaps.data() != st_.bitmaps.data())
    std::copy(st_.bitmaps.begin(), st_.bitmaps.end(), bigger.bitmaps.begin());
  const std::span<IndexSlot> old_index = st_.index;
  st_ = bigger;
  nodes_ = bigger.nodes;
  const std::size_t bw = BookStorage::bitmap_words(st_.bids.size());
  bits_[0].bind(st_.bitmaps.data(), static_cast<std::uint32_t>(st_.bids.size()));
  bits_[1].bind(st_.bitmaps.data() + bw, static_cast<std::uint32_t>(st_.bids.size()));
  lv_[0] = st_.bids.data();
  lv_[1] = st_.asks.data();
  index_mask_ = ni - 1;
  for (auto& s : st_.index) s = IndexSlot{};
  if (old_index.data() != st_.index.data()) {
    // Rehash from the old slots in slot order: a slot holds its hash bits, so
    // no node is read and no id compared (ids are unique), and the new home
    // slots advance almost sequentially instead of at random. Growing the
    // wide book's index from node order cost a cache miss per order (about
    // 10 % of that replay's L2 misses, docs/performance.md).
    IndexSlot* d = st_.index.data();
    for (const IndexSlot& s : old_index) {
      if (!s.node) continue;
      std::uint64_t i = s.hash & index_mask_;
      while (d[i].node) i = (i + 1) & index_mask_;
      d[i] = s;
    }
  } else {
    for (std::uint32_t n = 1; n < high_water_; ++n)
      if (nodes_[n].id != 0) index_insert(nodes_[n].id, n);
  }
  return {};
}

// ------------------------------------------------------------------ id index
std::uint32_t BookEngine::index_find(OrderId id) const noexcept {
  const std::uint32_t h = id_hash(id);
  std::uint64_t i = h & index_mask_;
  const IndexSlot* s = st_.index.data();
  while (s[i].node) {
    if (s[i].hash == h && nodes_[s[i].node].id == id) return s[i].node;
    i = (i + 1) & index_mask_;
  }
  return 0;
}

bool BookEngine::index_insert(OrderId id, std::uint32_t node) noexcept {
  const std::uint32_t h = id_hash(id);
  std::uint64_t i = h & index_mask_;
  IndexSlot* s = st_.index.data();
  while (s[i].node) {
    if (s[i].hash == h && nodes_[s[i].node].id == id) return false;
    i = (i + 1) & index_mask_;
  }
  s[i] = IndexSlot{node, h};
  if (id > max_id_) max_id_ = id;
  return true;
}

void BookEngine::index_erase(OrderId id, std::uint32_t node) noexcept {
  IndexSlot* s = st_.index.data();
  std::uint64_t i = id_hash(id) & index_mask_;
  while (s[i].node && s[i].node != node) i = (i + 1) & index_mask_;
  if (!s[i].node) return;
  // Backward-shift deletion keeps every probe chain intact without tombstones.
  std::uint64_t j = i;
  for (;;) {
    j = (j + 1) & index_mask_;
    if (!s[j].node) break;
    const std::uint64_t k = s[j].hash & index_mask_;
    const bool move = (j > i) ? (k <= i || k > j) : (k <= i && k > j);
    if (move) {
      s[i] = s[j];
      i = j;
    }
  }
  s[i] = IndexSlot{};
}

const OrderNode* BookEngine::find(OrderId id) const noexcept {
  const std::uint32_t n = index_find(id);
  return n ? &nodes_[n] : nullptr;
}

void BookEngine::prefetch_slot(OrderId id) const noexcept {
  if (st_.index.empty()) return;  // before init()
  __builtin_prefetch(&st_.index[id_hash(id) & index_mask_], 1);
}

void BookEngine::prefetch_order(OrderId id) const noexcept {
  // Probes only the home slot (the common case at load <= 0.5): a longer
  // probe would touch uncached slots and nodes, which a hint must not wait for.
  if (st_.index.empty()) return;
  const IndexSlot& s = st_.index[id_hash(id) & index_mask_];
  if (s.node) __builtin_prefetch(&nodes_[s.node], 1);
}

void BookEngine::prefetch_neighbours(OrderId id) const noexcept {
  if (st_.index.empty()) return;
  const IndexSlot& s = st_.index[id_hash(id) & index_mask_];
  if (!s.node) return;
  const OrderNode& o = nodes_[s.node];
  if (o.id != id) return;
  if (o.prev) __builtin_prefetch(&nodes_[o.prev], 1);
  if (o.next) __builtin_prefetch(&nodes_[o.next], 1);
  __builtin_prefetch(&lv_[sx(o.side)][o.level], 1);
}

// ------------------------------------------------------------------ nodes and levels
std::uint32_t BookEngine::alloc_node() noexcept {
  if (free_head_) {
    const std::uint32_t n = free_head_;
    free_head_ = nodes_[n].next;
    return n;
  }
  if (high_water_ < nodes_.size()) return high_water_++;
  return 0;
}

void BookEngine::free_node(std::uint32_t n) noexcept {
  nodes_[n] = OrderNode{};
  nodes_[n].next = free_head_;
  free_head_ = n;
}

void BookEngine::link_tail(std::uint32_t n) noexcept {
  OrderNode& o = nodes_[n];
  PriceLevel& L = levels(o.side)[o.level];
  if (L.count == 0) {
    const std::size_t s = sx(o.side);
    bits_[s].set(o.level);
    ++nlev_[s];
    // kNone is the largest uint32: "better than best" for a buy is a higher
    // level (or an empty side), for a sell a lower one.
    const std::uint32_t b = best_[s];
    if (s == 0 ? (b == kNone || o.level > b) : o.level < b) best_[s] = o.level;
  }
  o.prev = L.tail;
  o.next = 0;
  if (L.tail) nodes_[L.tail].next = n;
  else L.head = n;
  L.tail = n;
  ++L.count;
  L.visible += o.visible;
  L.total += o.open;
  qty_[sx(o.side)] += o.open;
}

void BookEngine::level_emptied(Side s, std::uint32_t lvl) noexcept {
  const std::size_t k = sx(s);
  bits_[k].clear(lvl);
  --nlev_[k];
  if (best_[k] == lvl) {
    if (k == 0) best_[0] = lvl == 0 ? kNone : bits_[0].next_at_or_below(lvl - 1);
    else best_[1] = bits_[1].next_at_or_above(lvl + 1);
  }
}

void BookEngine::unlink(std::uint32_t n) noexcept {
  OrderNode& o = nodes_[n];
  PriceLevel& L = levels(o.side)[o.level];
  if (o.prev) nodes_[o.prev].next = o.next;
  else L.head = o.next;
  if (o.next) nodes_[o.next].prev = o.prev;
  else L.tail = o.prev;
  --L.count;
  L.visible -= o.visible;
  L.total -= o.open;
  qty_[sx(o.side)] -= o.open;
  if (L.count == 0) level_emptied(o.side, o.level);
}

void BookEngine::remove_order(std::uint32_t n, EventKind kind, Reason reason) noexcept {
  OrderNode& o = nodes_[n];
  const Event e{kind, reason, o.side, o.id, 0, inst_.price_min + o.level, 0, o.open, 0, o.owner, 0};
  if (risk_ && o.owner) risk_->on_open_change(o.owner, o.side, e.price, -o.open);
  unlink(n);
  index_erase(o.id, n);
  --live_;
  free_node(n);
  emit(e);
}

// ------------------------------------------------------------------ circuit breaker
// The breaker compares a prospective trade price with the price that opened the
// current window (the last trade before the window, else the reference price):
// a move beyond breaker_ticks within breaker_window_s halts the book.
bool BookEngine::breaker_would_trip(Ticks price) const noexcept {
  const bool in_window = window_open_ && now_s_ - window_start_s_ < opt_.breaker_window_s;
  const Ticks ref = in_window ? window_ref_price_ : reference_price();
  const Ticks move = price > ref ? price - ref : ref - price;
  return move > opt_.breaker_ticks;
}

void BookEngine::breaker_on_trade(Ticks) noexcept {
  if (!window_open_ || now_s_ - window_start_s_ >= opt_.breaker_window_s) {
    window_ref_price_ = reference_price();
    window_start_s_ = now_s_;
    window_open_ = true;
  }
}

// ------------------------------------------------------------------ matching
// Walks the opposite side from its best level while the limit allows.
// kDry: count what would fill (FOK / all-or-none pre-check) without changing
// anything. Resting all-or-none orders are skipped when the taker's remaining
// quantity cannot take all of them; an iceberg's hidden part counts at its
// queue position in the dry run (it refills at the back of the same level).
template <bool kDry, bool kBuy>
Lots BookEngine::match(OrderNode& t, Ticks limit, bool& taker_stopped) noexcept {
  taker_stopped = false;
  constexpr Side ms = kBuy ? Side::sell : Side::buy;
  PriceLevel* lv = lv_[sx(ms)];
  const detail::LevelBitmap& bm = bits_[sx(ms)];
  const bool stp_on = opt_.stp != SelfTradePrevention::none && t.owner != 0;
  Lots remaining = t.open;
  std::uint32_t cur;
  std::uint32_t lim;
  if constexpr (kBuy) {
    if (limit < inst_.price_min) return 0;
    lim = static_cast<std::uint32_t>(std::min(limit, inst_.price_max) - inst_.price_min);
    cur = best_[1];
  } else {
    if (limit > inst_.price_max) return 0;
    lim = static_cast<std::uint32_t>(std::max(limit, inst_.price_min) - inst_.price_min);
    cur = best_[0];
  }
  while (remaining > 0 && cur != kNone && (kBuy ? cur <= lim : cur >= lim)) {
    PriceLevel& L = lv[cur];
    const Ticks price = inst_.price_min + cur;
    std::uint32_t n = L.head;
    while (n && remaining > 0) {
      OrderNode& m = nodes_[n];
      std::uint32_t nx = m.next;
      if (stp_on && m.owner == t.owner) {
        // Self-trade prevention (cancel newest / oldest / both).
        if (opt_.stp == SelfTradePrevention::cancel_oldest) {
          if constexpr (!kDry) remove_order(n, EventKind::cancelled, Reason::self_trade);
          n = nx;
          continue;
        }
        if constexpr (!kDry) {
          if (opt_.stp == SelfTradePrevention::cancel_both) remove_order(n, EventKind::cancelled, Reason::self_trade);
        }
        taker_stopped = true;
        return t.open - remaining;
      }
      if (m.type == OrderType::all_or_none && m.open > remaining) {
        n = nx;
        continue;
      }
      if (opt_.breaker_ticks > 0 && breaker_would_trip(price)) {
        taker_stopped = true;
        if constexpr (!kDry) {
          phase_ = TradingPhase::halted;
          emit(Event{EventKind::halted, Reason::circuit_breaker, t.side, t.id, m.id, price, 0, remaining, 0, t.owner,
                     m.owner});
        }
        return t.open - remaining;
      }
      if constexpr (kDry) {
        remaining -= std::min(remaining, m.open);
        n = nx;
        continue;
      } else {
        const Lots f = std::min(remaining, m.visible);
        if (opt_.breaker_ticks > 0) breaker_on_trade(price);
        m.visible -= f;
        m.open -= f;
        L.visible -= f;
        L.total -= f;
        qty_[sx(ms)] -= f;
        remaining -= f;
        stats_.has_trade = true;
        stats_.last_price = price;
        stats_.last_qty = f;
        stats_.volume += f;
        ++stats_.trades;
        stats_.notional_ticks_lots += static_cast<double>(price) * static_cast<double>(f);
        if (risk_) {
          if (t.owner) risk_->on_trade(t.owner, t.side, price, f);
          if (m.owner) {
            risk_->on_trade(m.owner, ms, price, f);
            risk_->on_open_change(m.owner, ms, price, -f);
          }
        }
        emit(Event{EventKind::fill, Reason::none, t.side, t.id, m.id, price, f, remaining, m.open, t.owner, m.owner});
        if (m.open == 0) {
          // A completely filled maker leaves the book at once (WORKLOAD.md §4).
          unlink(n);
          index_erase(m.id, n);
          --live_;
          free_node(n);
        } else if (m.visible == 0) {
          // Iceberg: a new peak from the hidden part, at the back of the queue.
          m.visible = std::min(m.peak, m.open);
          L.visible += m.visible;
          if (nx != 0) {
            if (m.prev) nodes_[m.prev].next = m.next;
            else L.head = m.next;
            nodes_[m.next].prev = m.prev;
            m.prev = L.tail;
            m.next = 0;
            nodes_[L.tail].next = n;
            L.tail = n;
          } else {
            nx = n;  // it was the tail: visit it again
          }
        }
        n = nx;
      }
    }
    if (remaining == 0) break;
    // Next level outward (the current one may be empty and cleared by now).
    if constexpr (kBuy) cur = cur + 1 < bm.levels ? bm.next_at_or_above(cur + 1) : kNone;
    else cur = cur == 0 ? kNone : bm.next_at_or_below(cur - 1);
  }
  return t.open - remaining;
}

void BookEngine::reject(const OrderRequest& o, Reason r) noexcept {
  emit(Event{EventKind::rejected, r, o.side, o.id, 0, o.price, o.qty, 0, 0, o.owner, 0});
}

Result<Lots> BookEngine::submit(const OrderRequest& order) noexcept { return enter(order, false); }

Result<Lots> BookEngine::enter(const OrderRequest& o, bool is_replace) noexcept {
  now_s_ = o.time_s;
  auto refuse = [&](Reason r, Errc code, const char* msg) -> Result<Lots> {
    reject(o, r);
    return fail(code, msg);
  };
  if (phase_ == TradingPhase::closed) return refuse(Reason::phase_closed, Errc::rejected, "book is closed");
  if (phase_ == TradingPhase::halted) return refuse(Reason::phase_halted, Errc::rejected, "book is halted");
  if (static_cast<std::uint8_t>(o.type) > 5 || static_cast<std::uint8_t>(o.side) > 1)
    return refuse(Reason::bad_type, Errc::invalid_argument, "unknown order type or side");
  if (o.id == 0) return refuse(Reason::bad_id, Errc::invalid_argument, "order id 0 is reserved");
  if (o.qty <= 0 || o.qty > kMaxLots) return refuse(Reason::bad_quantity, Errc::rejected, "quantity must be > 0");
  if (o.type == OrderType::iceberg && (o.peak <= 0 || o.peak > o.qty))
    return refuse(Reason::bad_quantity, Errc::rejected, "iceberg peak must be in 1..qty");
  const Ticks ref = reference_price();
  Ticks limit = o.price;
  if (o.type == OrderType::market) {
    // A market order is an IOC at the side's price limit, clamped to the band.
    limit = o.side == Side::buy ? inst_.price_max : inst_.price_min;
    if (opt_.price_band_ticks > 0)
      limit = o.side == Side::buy ? std::min(limit, ref + opt_.price_band_ticks)
                                  : std::max(limit, ref - opt_.price_band_ticks);
  } else {
    if (!inst_.price_in_limits(o.price))
      return refuse(Reason::bad_price, Errc::rejected, "price outside the instrument's limits");
    if (opt_.price_band_ticks > 0 && (o.price > ref + opt_.price_band_ticks || o.price < ref - opt_.price_band_ticks))
      return refuse(Reason::price_band, Errc::rejected, "price outside the price band");
  }
  // Duplicate check. Gateways number orders upwards, so an id above every id
  // ever indexed cannot be live and needs no probe: on a large book the
  // probe is a cache miss on a random index slot (14 % of the wide book's
  // replay time went there).
  if (!is_replace && o.id <= max_id_ && index_find(o.id) != 0)
    return refuse(Reason::duplicate_id, Errc::conflict, "an order with this id is live");
  const bool can_rest =
      o.type == OrderType::limit || o.type == OrderType::all_or_none || o.type == OrderType::iceberg;
  // A resting order's index slot is written after matching: start loading it now.
  if (can_rest) __builtin_prefetch(&st_.index[id_hash(o.id) & index_mask_], 1);
  // Level and side totals stay far from int64 overflow (2^52 lots per order, 2^62 per side).
  if (qty_[sx(o.side)] > (Lots{1} << 62) - o.qty)
    return refuse(Reason::capacity, Errc::limit_exceeded, "total open quantity of the side would exceed 2^62 lots");
  if (risk_ && o.owner) {
    const Reason r = risk_->check(o, limit);
    if (r != Reason::none) return refuse(r, Errc::rejected, "pre-trade risk limit");
  }
  if (!is_replace) emit(Event{EventKind::accepted, Reason::none, o.side, o.id, 0, limit, o.qty, o.qty, 0, o.owner, 0});

  OrderNode t{};
  t.id = o.id;
  t.side = o.side;
  t.owner = o.owner;
  t.open = o.qty;
  t.type = o.type;
  bool stopped = false;
  Lots filled = 0;
  bool go = true;
  if (o.type == OrderType::fok || o.type == OrderType::all_or_none) {
    const Lots can = match<true>(t, limit, stopped);
    go = can >= o.qty && !stopped;
    if (!go && o.type == OrderType::fok) {
      emit(Event{EventKind::cancelled, Reason::fok_unfillable, o.side, o.id, 0, limit, 0, o.qty, 0, o.owner, 0});
      return Lots{0};
    }
    if (!go) stopped = false;  // an all-or-none order that cannot fill now simply rests
  }
  if (go) filled = match<false>(t, limit, stopped);
  const Lots rest = o.qty - filled;
  if (rest == 0) return filled;
  if (stopped) {
    const Reason r = phase_ == TradingPhase::halted ? Reason::circuit_breaker : Reason::self_trade;
    emit(Event{EventKind::cancelled, r, o.side, o.id, 0, limit, 0, rest, 0, o.owner, 0});
    return filled;
  }
  if (!can_rest) {
    emit(Event{EventKind::cancelled, Reason::unfilled_remainder, o.side, o.id, 0, limit, 0, rest, 0, o.owner, 0});
    return filled;
  }
  const std::uint32_t n = alloc_node();
  if (n == 0) {
    // Storage full: what traded stands, the rest cannot rest.
    emit(Event{EventKind::cancelled, Reason::capacity, o.side, o.id, 0, o.price, 0, rest, 0, o.owner, 0});
    if (filled == 0) return fail(Errc::limit_exceeded, "order book storage is full");
    return filled;
  }
  OrderNode& node = nodes_[n];
  node.id = o.id;
  node.side = o.side;
  node.type = o.type;
  node.owner = o.owner;
  node.open = rest;
  node.peak = o.type == OrderType::iceberg ? o.peak : 0;
  node.visible = o.type == OrderType::iceberg ? std::min(o.peak, rest) : rest;
  node.expire_s = o.expire_s;
  node.level = static_cast<std::uint32_t>(o.price - inst_.price_min);
  link_tail(n);
  index_insert(o.id, n);
  ++live_;
  if (risk_ && o.owner) risk_->on_open_change(o.owner, o.side, o.price, rest);
  emit(Event{EventKind::rested, Reason::none, o.side, o.id, 0, o.price, 0, rest, 0, o.owner, 0});
  return filled;
}

Result<void> BookEngine::cancel(OrderId id) noexcept {
  const std::uint32_t n = index_find(id);
  if (n == 0) {
    emit(Event{EventKind::rejected, Reason::unknown_order, Side::buy, id, 0, 0, 0, 0, 0, 0, 0});
    return fail(Errc::not_found, "no live order with this id");
  }
  remove_order(n, EventKind::cancelled, Reason::user_cancel);
  return {};
}

Result<void> BookEngine::reduce(OrderId id, Lots by_lots) noexcept {
  const std::uint32_t n = index_find(id);
  if (n == 0) {
    emit(Event{EventKind::rejected, Reason::unknown_order, Side::buy, id, 0, 0, by_lots, 0, 0, 0, 0});
    return fail(Errc::not_found, "no live order with this id");
  }
  OrderNode& o = nodes_[n];
  if (by_lots <= 0) {
    emit(Event{EventKind::rejected, Reason::bad_quantity, o.side, id, 0, 0, by_lots, o.open, 0, o.owner, 0});
    return fail(Errc::invalid_argument, "reduce by a positive number of lots");
  }
  if (by_lots >= o.open) {
    remove_order(n, EventKind::cancelled, Reason::user_cancel);
    return {};
  }
  // Reduction keeps time priority (only quantity changes); hidden lots go first.
  PriceLevel& L = levels(o.side)[o.level];
  const Ticks price = inst_.price_min + o.level;
  o.open -= by_lots;
  L.total -= by_lots;
  qty_[sx(o.side)] -= by_lots;
  if (o.visible > o.open) {
    L.visible -= o.visible - o.open;
    o.visible = o.open;
  }
  if (risk_ && o.owner) risk_->on_open_change(o.owner, o.side, price, -by_lots);
  emit(Event{EventKind::reduced, Reason::none, o.side, id, 0, price, by_lots, o.open, 0, o.owner, 0});
  return {};
}

Result<Lots> BookEngine::replace(OrderId id, Ticks new_price, Lots new_qty, std::int64_t time_s) noexcept {
  const std::uint32_t n = index_find(id);
  if (n == 0) {
    emit(Event{EventKind::rejected, Reason::unknown_order, Side::buy, id, 0, new_price, new_qty, 0, 0, 0, 0});
    return fail(Errc::not_found, "no live order with this id");
  }
  const OrderNode old = nodes_[n];
  OrderRequest r{};
  r.id = id;
  r.side = old.side;
  r.type = old.type;
  r.price = new_price;
  r.qty = new_qty;
  r.peak = old.type == OrderType::iceberg ? std::min(old.peak, new_qty) : 0;
  r.owner = old.owner;
  r.time_s = time_s;
  r.expire_s = old.expire_s;
  // Validate the new terms before touching the old order.
  if (phase_ != TradingPhase::open || new_qty <= 0 || new_qty > kMaxLots || !inst_.price_in_limits(new_price) ||
      (opt_.price_band_ticks > 0 && (new_price > reference_price() + opt_.price_band_ticks ||
                                     new_price < reference_price() - opt_.price_band_ticks))) {
    const Reason why = phase_ == TradingPhase::closed   ? Reason::phase_closed
                       : phase_ == TradingPhase::halted ? Reason::phase_halted
                       : (new_qty <= 0 || new_qty > kMaxLots) ? Reason::bad_quantity
                       : !inst_.price_in_limits(new_price)     ? Reason::bad_price
                                                               : Reason::price_band;
    reject(r, why);
    return fail(Errc::rejected, "replace refused; the order is unchanged");
  }
  if (risk_ && old.owner) risk_->on_open_change(old.owner, old.side, inst_.price_min + old.level, -old.open);
  unlink(n);
  index_erase(id, n);
  --live_;
  free_node(n);
  emit(Event{EventKind::replaced, Reason::none, old.side, id, 0, new_price, new_qty, new_qty, 0, old.owner, 0});
  return enter(r, true);
}

std::size_t BookEngine::expire(std::int64_t now_s) noexcept {
  std::size_t k = 0;
  for (std::uint32_t n = 1; n < high_water_; ++n) {
    const OrderNode& o = nodes_[n];
    if (o.id != 0 && o.expire_s != 0 && o.expire_s <= now_s) {
      remove_order(n, EventKind::expired, Reason::expired);
      ++k;
    }
  }
  return k;
}

void BookEngine::set_phase(TradingPhase p) noexcept {
  const bool resume = phase_ != TradingPhase::open && p == TradingPhase::open;
  phase_ = p;
  if (resume) {
    window_open_ = false;
    emit(Event{EventKind::resumed, Reason::none, Side::buy, 0, 0, reference_price(), 0, 0, 0, 0, 0});
  }
}

// ------------------------------------------------------------------ market data
bool BookEngine::best_bid(LevelInfo& out) const noexcept {
  if (best_[0] == kNone) return false;
  const PriceLevel& L = lv_[0][best_[0]];
  out = LevelInfo{inst_.price_min + best_[0], L.visible, L.count};
  return true;
}

bool BookEngine::best_ask(LevelInfo& out) const noexcept {
  if (best_[1] == kNone) return false;
  const PriceLevel& L = lv_[1][best_[1]];
  out = LevelInfo{inst_.price_min + best_[1], L.visible, L.count};
  return true;
}

std::size_t BookEngine::depth(Side side, std::span<LevelInfo> out) const noexcept {
  std::size_t k = 0;
  const detail::LevelBitmap& bm = bitmap(side);
  const PriceLevel* lv = levels(side);
  std::uint32_t cur = best_[sx(side)];
  while (cur != kNone && k < out.size()) {
    out[k++] = LevelInfo{inst_.price_min + cur, lv[cur].visible, lv[cur].count};
    if (side == Side::buy) cur = cur == 0 ? kNone : bm.next_at_or_below(cur - 1);
    else cur = cur + 1 < bm.levels ? bm.next_at_or_above(cur + 1) : kNone;
  }
  return k;
}

// ------------------------------------------------------------------ invariants
Result<void> BookEngine::check_invariants() const noexcept {
  std::size_t orders = 0;
  for (int s = 0; s < 2; ++s) {
    const Side side = static_cast<Side>(s);
    const detail::LevelBitmap& bm = bitmap(side);
    const PriceLevel* lv = levels(side);
    std::size_t nlev = 0;
    Lots qty = 0;
    std::uint32_t first = kNone, last = kNone;
    for (std::uint32_t a = 0; a < bm.n0; ++a) {
      if (((bm.w1[a >> 6] >> (a & 63)) & 1u) != (bm.w0[a] != 0 ? 1u : 0u))
        return fail(Errc::internal, "bitmap summary level 1 out of step", Where::at_index(a));
      std::uint64_t w = bm.w0[a];
      while (w) {
        const std::uint32_t i = (a << 6) + static_cast<std::uint32_t>(std::countr_zero(w));
        w &= w - 1;
        if (first == kNone) first = i;
        last = i;
        ++nlev;
        const PriceLevel& L = lv[i];
        if (L.count == 0) return fail(Errc::internal, "bitmap marks an empty level", Where::at_index(i));
        std::uint32_t c = 0, prev = 0;
        Lots vis = 0, tot = 0;
        for (std::uint32_t n = L.head; n; n = nodes_[n].next) {
          const OrderNode& o = nodes_[n];
          if (o.prev != prev) return fail(Errc::internal, "broken back link", Where::at_index(n));
          if (o.level != i || o.side != side) return fail(Errc::internal, "node on the wrong level", Where::at_index(n));
          if (o.open <= 0 || o.visible <= 0 || o.visible > o.open)
            return fail(Errc::internal, "node with bad quantities", Where::at_index(n));
          if (index_find(o.id) != n) return fail(Errc::internal, "index does not find a node", Where::at_index(n));
          vis += o.visible;
          tot += o.open;
          prev = n;
          if (++c > nodes_.size()) return fail(Errc::internal, "cycle in a level list", Where::at_index(i));
        }
        if (prev != L.tail) return fail(Errc::internal, "tail does not match", Where::at_index(i));
        if (c != L.count || vis != L.visible || tot != L.total)
          return fail(Errc::internal, "level aggregate out of step", Where::at_index(i));
        qty += tot;
        orders += c;
      }
    }
    for (std::uint32_t b = 0; b < bm.n1; ++b)
      if (((bm.w2[b >> 6] >> (b & 63)) & 1u) != (bm.w1[b] != 0 ? 1u : 0u))
        return fail(Errc::internal, "bitmap summary level 2 out of step", Where::at_index(b));
    if (nlev != level_count(side)) return fail(Errc::internal, "level count out of step");
    if (qty != side_qty(side)) return fail(Errc::internal, "side quantity out of step");
    const std::uint32_t best = best_[sx(side)];
    if (best != (side == Side::buy ? last : first)) return fail(Errc::internal, "best price out of step");
  }
  if (orders != live_) return fail(Errc::internal, "live order count out of step");
  std::size_t used = 0;
  for (const auto& s : st_.index) used += s.node ? 1 : 0;
  if (used != live_) return fail(Errc::internal, "index size out of step");
  return {};
}

}  // namespace joule::market
