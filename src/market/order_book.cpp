// Host order book: lazily zeroed level arrays (calloc maps untouched pages to
// the shared zero page, so a 2M-tick intraday range costs only the pages the
// active prices touch) and doubling node/index storage.
#include "joule/market/order_book.hpp"

#include <cstdint>
#include <cstdlib>

namespace joule::market {

namespace {
// Zeroed arrays on 64-byte boundaries. calloc keeps untouched pages lazy (the
// shared zero page) but returns 16-byte aligned blocks for large sizes, which
// split every other 64-byte order node and 32-byte price level over two cache
// lines: two misses instead of one on each random cancel in a large book. So
// the block is over-allocated by one line and the array starts at the first
// line boundary inside it.
constexpr std::size_t kLine = 64;
template <class T>
class CBuf {
 public:
  CBuf() = default;
  CBuf(void* raw, T* data) noexcept : raw_(raw), data_(data) {}
  CBuf(CBuf&& o) noexcept : raw_(o.raw_), data_(o.data_) { o.raw_ = nullptr; o.data_ = nullptr; }
  CBuf& operator=(CBuf&& o) noexcept {
    if (this != &o) {
      std::free(raw_);
      raw_ = o.raw_;
      data_ = o.data_;
      o.raw_ = nullptr;
      o.data_ = nullptr;
    }
    return *this;
  }
  CBuf(const CBuf&) = delete;
  CBuf& operator=(const CBuf&) = delete;
  ~CBuf() { std::free(raw_); }
  T* get() const noexcept { return data_; }
  explicit operator bool() const noexcept { return data_ != nullptr; }

 private:
  void* raw_ = nullptr;
  T* data_ = nullptr;
};

template <class T>
CBuf<T> zeroed(std::size_t n) {
  if (n > (SIZE_MAX - kLine) / sizeof(T)) return {};
  void* raw = std::calloc(n * sizeof(T) + kLine, 1);  // null when out of memory
  if (!raw) return {};
  const auto a = (reinterpret_cast<std::uintptr_t>(raw) + kLine - 1) & ~std::uintptr_t{kLine - 1};
  return CBuf<T>(raw, reinterpret_cast<T*>(a));
}

std::size_t pow2_at_least(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}
}  // namespace

struct OrderBook::Storage {
  CBuf<OrderNode> nodes;
  CBuf<PriceLevel> bids, asks;
  CBuf<std::uint64_t> bits;
  CBuf<IndexSlot> index;
  std::size_t n_nodes = 0, n_levels = 0, n_bits = 0, n_index = 0;
  BookStorage view() {
    return BookStorage{{nodes.get(), n_nodes}, {bids.get(), n_levels}, {asks.get(), n_levels}, {bits.get(), n_bits},
                       {index.get(), n_index}};
  }
};

OrderBook::OrderBook(OrderBook&&) noexcept = default;
OrderBook& OrderBook::operator=(OrderBook&&) noexcept = default;
OrderBook::~OrderBook() = default;

Result<OrderBook> OrderBook::create(const Instrument& instrument, const OrderBookOptions& options) {
  JOULE_RETURN_IF_ERROR(instrument.validate());
  JOULE_RETURN_IF_ERROR(options.book.validate());
  if (options.initial_capacity == 0)
    return fail(Errc::invalid_argument, "initial_capacity must be >= 1", Where::at_field("initial_capacity"));
  if (options.max_capacity < options.initial_capacity || options.max_capacity > (std::size_t{1} << 30))
    return fail(Errc::invalid_argument, "max_capacity must be in initial_capacity..2^30",
                Where::at_field("max_capacity"));
  OrderBook b;
  b.max_capacity_ = options.max_capacity;
  b.storage_ = std::make_unique<Storage>();
  Storage& s = *b.storage_;
  s.n_levels = static_cast<std::size_t>(instrument.price_max - instrument.price_min) + 1;
  s.n_nodes = options.initial_capacity + 1;
  s.n_bits = 2 * BookStorage::bitmap_words(s.n_levels);
  s.n_index = pow2_at_least(2 * options.initial_capacity);
  s.nodes = zeroed<OrderNode>(s.n_nodes);
  s.bids = zeroed<PriceLevel>(s.n_levels);
  s.asks = zeroed<PriceLevel>(s.n_levels);
  s.bits = zeroed<std::uint64_t>(s.n_bits);
  s.index = zeroed<IndexSlot>(s.n_index);
  if (!s.nodes || !s.bids || !s.asks || !s.bits || !s.index)
    return fail(Errc::limit_exceeded, "out of memory for the order book");
  b.engine_ = std::make_unique<BookEngine>();
  JOULE_RETURN_IF_ERROR(b.engine_->init(instrument, options.book, s.view()));
  return b;
}

Result<void> OrderBook::grow() {
  Storage& s = *storage_;
  const std::size_t cap = s.n_nodes - 1;
  if (cap >= max_capacity_) return {};  // the engine rejects with Reason::capacity
  const std::size_t new_cap = std::min(2 * cap, max_capacity_);
  auto nodes = zeroed<OrderNode>(new_cap + 1);
  const std::size_t n_index = pow2_at_least(2 * new_cap);
  auto index = zeroed<IndexSlot>(n_index);
  if (!nodes || !index) return fail(Errc::limit_exceeded, "out of memory growing the order book");
  BookStorage v = s.view();
  v.nodes = {nodes.get(), new_cap + 1};
  v.index = {index.get(), n_index};
  JOULE_RETURN_IF_ERROR(engine_->rebind(v));
  s.nodes = std::move(nodes);
  s.index = std::move(index);
  s.n_nodes = new_cap + 1;
  s.n_index = n_index;
  return {};
}

std::vector<LevelInfo> OrderBook::depth(Side side, std::size_t max_levels) const {
  std::vector<LevelInfo> out(std::min(max_levels, engine().level_count(side)));
  out.resize(engine().depth(side, out));
  return out;
}

}  // namespace joule::market
