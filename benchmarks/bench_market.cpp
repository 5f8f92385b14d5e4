// Market module: call auction of 1,000,000 orders (target < 200 ms), order-book
// operations on a warm book, the std1m workload replay without timers, and the
// book's id index against absl::flat_hash_map (docs/market.md says why the book
// keeps its own table).
#include <absl/container/flat_hash_map.h>
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "joule/market/call_auction.hpp"
#include "joule/market/order_book.hpp"
#include "joule/market/workload.hpp"

namespace {
using namespace joule::market;

std::vector<AuctionOrder> auction_orders(std::size_t n) {
  std::vector<AuctionOrder> o;
  o.reserve(n);
  std::uint64_t s = 42;
  for (std::size_t i = 0; i < n; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const Side side = (s >> 33) & 1 ? Side::buy : Side::sell;
    const bool market = (s >> 12) % 50 == 0;
    // SDAC range in 0.01 EUR ticks (-500..4000 EUR/MWh), prices around 80-120 EUR/MWh.
    const Ticks p = 10'000 + static_cast<Ticks>((s >> 40) % 4'000) - (side == Side::buy ? 0 : 1'500);
    o.push_back(AuctionOrder{"o" + std::to_string(i), side, 1 + static_cast<Lots>((s >> 20) % 100),
                             market ? std::nullopt : std::optional<Ticks>(p), false, true});
  }
  return o;
}

void BM_CallAuction(benchmark::State& st) {
  const auto orders = auction_orders(static_cast<std::size_t>(st.range(0)));
  AuctionOptions opt;
  opt.price_min = -50'000;
  opt.price_max = 400'000;
  for (auto _ : st) {
    auto r = clear_call_auction(orders, opt);
    benchmark::DoNotOptimize(r);
    if (!r || !r->cleared) st.SkipWithError("auction did not clear");
  }
  st.SetItemsProcessed(st.iterations() * st.range(0));
}
BENCHMARK(BM_CallAuction)->Arg(1'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

// Add + cancel pairs at the touch on a book holding ~1000 orders.
void BM_BookAddCancel(benchmark::State& st) {
  auto book = OrderBook::create(Instrument::intraday(0));
  OrderId id = 1;
  for (int i = 0; i < 1000; ++i) {
    OrderRequest r;
    r.id = id++;
    r.side = i % 2 ? Side::sell : Side::buy;
    r.price = i % 2 ? 10'001 + i % 50 : 10'000 - i % 50;
    r.qty = 10;
    (void)book->submit(r);
  }
  for (auto _ : st) {
    OrderRequest r;
    r.id = id++;
    r.side = Side::buy;
    r.price = 9'990;
    r.qty = 5;
    (void)book->submit(r);
    (void)book->cancel(r.id);
  }
  st.SetItemsProcessed(st.iterations() * 2);
}
BENCHMARK(BM_BookAddCancel);

void BM_ReplayStd1m(benchmark::State& st) {
  WorkloadParams p;
  p.n_ops = 1'000'000;
  p.maxd = static_cast<std::uint64_t>(st.range(0));
  auto recs = generate_workload(p, nullptr);
  ReplayOptions ro;
  ro.measure_latency = false;
  for (auto _ : st) {
    auto o = replay_workload(*recs, ro);
    benchmark::DoNotOptimize(o);
  }
  st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(recs->size()));
}
BENCHMARK(BM_ReplayStd1m)->Arg(64)->Arg(1024)->Unit(benchmark::kMillisecond);

// ---- id index: the book's open-addressing table vs absl::flat_hash_map ----
// N resting orders with workload-like ids (sequential, as the standard
// workload issues them), spread over 2N price levels so that the nodes do not
// share cache lines by price. Each iteration looks up a pseudo-random live id
// and reads the node, as cancel and reduce do. The joule side is the real
// book (BookEngine::find: index slot, then the node's id check); the Abseil
// side maps id -> node index and reads the same-sized node from an array laid
// out like the book's pool.
std::vector<OrderId> live_ids(std::size_t n) {
  std::vector<OrderId> ids(n);
  for (std::size_t i = 0; i < n; ++i) ids[i] = 1 + i;
  return ids;
}

inline std::size_t pick(std::uint64_t& s, std::size_t n) {
  s = s * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<std::size_t>((s >> 33) % n);
}

void BM_IndexLookupJoule(benchmark::State& st) {
  const std::size_t n = static_cast<std::size_t>(st.range(0));
  Instrument inst;
  inst.price_min = 0;
  inst.price_max = static_cast<Ticks>(4 * n);
  auto book = OrderBook::create(inst);
  const auto ids = live_ids(n);
  for (std::size_t i = 0; i < n; ++i) {
    OrderRequest r;
    r.id = ids[i];
    r.side = i % 2 ? Side::sell : Side::buy;
    r.price = i % 2 ? static_cast<Ticks>(2 * n + 1 + (i * 7919) % (2 * n - 1)) : static_cast<Ticks>((i * 7919) % (2 * n));
    r.qty = 1 + static_cast<Lots>(i % 7);
    (void)book->submit(r);
  }
  if (book->engine().live_orders() != n) st.SkipWithError("orders did not rest");
  std::uint64_t s = 1;
  Lots sum = 0;
  for (auto _ : st) {
    const OrderNode* o = book->engine().find(ids[pick(s, n)]);
    sum += o->open;
  }
  benchmark::DoNotOptimize(sum);
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_IndexLookupJoule)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);

void BM_IndexLookupAbsl(benchmark::State& st) {
  const std::size_t n = static_cast<std::size_t>(st.range(0));
  const auto ids = live_ids(n);
  std::vector<OrderNode> nodes(n + 1);
  absl::flat_hash_map<OrderId, std::uint32_t> index;
  index.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    nodes[i + 1].id = ids[i];
    nodes[i + 1].open = 1 + static_cast<Lots>(i % 7);
    index.emplace(ids[i], static_cast<std::uint32_t>(i + 1));
  }
  std::uint64_t s = 1;
  Lots sum = 0;
  for (auto _ : st) {
    auto it = index.find(ids[pick(s, n)]);
    sum += nodes[it->second].open;
  }
  benchmark::DoNotOptimize(sum);
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_IndexLookupAbsl)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);

// Churn at a steady live count: remove a live id, insert a fresh one (what a
// cancel followed by an add costs the index). The joule side is a whole
// book cancel + resting add (index, node, FIFO, level, bitmap, events), the
// Abseil side only the map's erase + insert: if the map alone costs about
// as much as the whole book operation, it cannot be the faster index.
void BM_IndexChurnJouleBook(benchmark::State& st) {
  const std::size_t n = static_cast<std::size_t>(st.range(0));
  Instrument inst;
  inst.price_min = 0;
  inst.price_max = static_cast<Ticks>(4 * n);
  auto book = OrderBook::create(inst);
  std::vector<OrderId> ids = live_ids(n);
  for (std::size_t i = 0; i < n; ++i) {
    OrderRequest r;
    r.id = ids[i];
    r.side = Side::buy;
    r.price = static_cast<Ticks>((i * 7919) % (2 * n));
    r.qty = 1;
    (void)book->submit(r);
  }
  OrderId next = n + 1;
  std::uint64_t s = 1;
  for (auto _ : st) {
    const std::size_t k = pick(s, n);
    (void)book->cancel(ids[k]);
    OrderRequest r;
    r.id = next;
    r.side = Side::buy;
    r.price = static_cast<Ticks>((next * 7919) % (2 * n));
    r.qty = 1;
    (void)book->submit(r);
    ids[k] = next++;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_IndexChurnJouleBook)->Arg(1'000)->Arg(100'000);

void BM_IndexChurnAbslMapOnly(benchmark::State& st) {
  const std::size_t n = static_cast<std::size_t>(st.range(0));
  std::vector<OrderId> ids = live_ids(n);
  absl::flat_hash_map<OrderId, std::uint32_t> index;
  index.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) index.emplace(ids[i], static_cast<std::uint32_t>(i + 1));
  OrderId next = n + 1;
  std::uint64_t s = 1;
  for (auto _ : st) {
    const std::size_t k = pick(s, n);
    auto it = index.find(ids[k]);
    const std::uint32_t slot = it->second;
    index.erase(it);
    index.emplace(next, slot);
    ids[k] = next++;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_IndexChurnAbslMapOnly)->Arg(1'000)->Arg(100'000);

}  // namespace
