// Market module: call auction of 1,000,000 orders (target < 200 ms), order-book
// operations on a warm book, and the std1m workload replay without timers.
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

}  // namespace
