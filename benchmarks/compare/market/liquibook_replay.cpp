// Replays a joule-lob-std-v1 stream on liquibook's DepthOrderBook (5 levels),
// the peer of joule's order book, for benchmarks/compare/market/run.sh.
// Our own driver code; liquibook's headers come from LIQUIBOOK_SRC at build time.
// Orders are preallocated outside the timed loop (as in liquibook's own drivers).
//   usage: liquibook_replay FILE.bin EXPECTED_HASH_HEX  ->  "ops_per_cpu_s ops_per_wall_s"
#include <book/depth_order_book.h>
#include <book/order.h>
#include <book/order_listener.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

namespace {

struct Rec {
  std::uint8_t type, side;
  std::uint32_t qty;
  std::uint64_t id;
  std::int64_t price;
};

class Order : public liquibook::book::Order {
 public:
  std::uint64_t id = 0;
  bool buy = false, ioc = false;
  liquibook::book::Price px = 0;
  liquibook::book::Quantity q = 0;
  bool is_buy() const override { return buy; }
  liquibook::book::Price price() const override { return px; }
  liquibook::book::Quantity order_qty() const override { return q; }
  bool immediate_or_cancel() const override { return ioc; }
};

struct Hasher : liquibook::book::OrderListener<Order*> {
  std::uint64_t h = 0xCBF29CE484222325ull, fills = 0;
  void add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xFF;
      h *= 0x100000001B3ull;
    }
  }
  void on_accept(Order* const&) override {}
  void on_reject(Order* const&, const char*) override {}
  void on_fill(Order* const& o, Order* const& m, liquibook::book::Quantity qty, liquibook::book::Price px) override {
    ++fills;
    add(o->id);
    add(m->id);
    add(px);
    add(qty);
  }
  void on_cancel(Order* const&) override {}
  void on_cancel_reject(Order* const&, const char*) override { std::fprintf(stderr, "cancel rejected\n"); }
  void on_replace(Order* const&, const int64_t&, liquibook::book::Price) override {}
  void on_replace_reject(Order* const&, const char*) override {}
};

double now(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

std::uint64_t u64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  FILE* f = std::fopen(argv[1], "rb");
  if (!f) return 3;
  std::vector<unsigned char> b;
  unsigned char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) b.insert(b.end(), buf, buf + n);
  std::fclose(f);
  const std::uint64_t count = u64(&b[16]);
  std::vector<Rec> recs(count);
  std::uint64_t max_id = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    const unsigned char* p = &b[32 + 24 * i];
    recs[i] = Rec{p[0], p[1], static_cast<std::uint32_t>(u64(p + 4) & 0xFFFFFFFFu), u64(p + 8),
                  static_cast<std::int64_t>(u64(p + 16))};
    if (recs[i].id > max_id) max_id = recs[i].id;
  }
  std::vector<Order> orders(max_id + 1);
  for (const Rec& r : recs)
    if (r.type != 2) {
      Order& o = orders[r.id];
      o.id = r.id;
      o.buy = r.side == 0;
      o.ioc = r.type == 3;
      o.px = static_cast<liquibook::book::Price>(r.price);
      o.q = r.qty;
    }
  liquibook::book::DepthOrderBook<Order*, 5> book;
  Hasher hasher;
  book.set_order_listener(&hasher);
  const double c0 = now(CLOCK_PROCESS_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC);
  for (const Rec& r : recs) {
    Order* o = &orders[r.id];
    if (r.type == 2) book.cancel(o);
    else book.add(o, r.type == 3 ? liquibook::book::oc_immediate_or_cancel : liquibook::book::oc_no_conditions);
  }
  const double c1 = now(CLOCK_PROCESS_CPUTIME_ID), w1 = now(CLOCK_MONOTONIC);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hasher.h));
  if (std::strcmp(hex, argv[2]) != 0) {
    std::fprintf(stderr, "liquibook fill hash %s != expected %s\n", hex, argv[2]);
    return 1;
  }
  std::printf("%.0f %.0f\n", static_cast<double>(count) / (c1 - c0), static_cast<double>(count) / (w1 - w0));
  return 0;
}
