// joule/market/workload.hpp: the standard order-book workload joule-lob-std-v1.
//
// `generate_workload` implements the generator algorithm of the workload
// specification (splitmix64, §1-§4: mid random walk, ADD/CANCEL/IOC mix,
// live-set vector with swap-remove) in joule's own code, with its own simple
// reference book (ordered maps and lists, independent of `BookEngine`), and
// computes the expected outcome (§6). `read_workload` / `write_workload` use
// the binary format of §5. `replay_workload` drives an `OrderBook` through a
// stream and returns the outcome, throughput and per-operation latencies.
//
// Example:
//   using namespace joule::market;
//   WorkloadParams p;  p.n_ops = 200'000;                 // std200k
//   WorkloadOutcome expected;
//   auto recs = generate_workload(p, &expected);
//   auto got = replay_workload(*recs, ReplayOptions{});
//   bool ok = got->fill_hash == expected.fill_hash;     // 0x909e418214006e7d
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "joule/core/result.hpp"
#include "joule/market/instrument.hpp"

namespace joule::market {

/// Generator parameters (standard values of §2).
struct WorkloadParams {
  std::uint64_t seed = 1;
  std::uint64_t n_ops = 1'000'000;
  std::int64_t mid0 = 10000, mid_min = 2000, mid_max = 18000;  ///< [ticks]
  std::uint64_t move_den = 8;
  std::uint64_t pct_add = 55, pct_cancel = 35;
  std::uint64_t maxd = 64;
  std::uint64_t add_qty_max = 100, ioc_qty_max = 200, ioc_reach = 8;

  Result<void> validate() const noexcept;
};

/// Record types of the binary stream (§5).
enum class WorkloadOp : std::uint8_t { add = 1, cancel = 2, ioc = 3 };

/// One 24-byte record (§5).
struct WorkloadRecord {
  WorkloadOp type = WorkloadOp::add;
  std::uint8_t side = 0;   ///< 0 buy, 1 sell
  std::uint32_t qty = 0;   ///< lots; for CANCEL the target's open quantity (check value)
  std::uint64_t id = 0;
  std::int64_t price = 0;  ///< ticks
};

/// Latency percentiles of one operation type [ns].
struct LatencySummary {
  std::uint64_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};

/// The outcome of a generation or replay (§6 field names in the JSON faces).
struct WorkloadOutcome {
  WorkloadParams params{};
  std::uint64_t n_add = 0, n_cancel = 0, n_ioc = 0, n_cancel_converted_to_add = 0, n_orders = 0;
  std::uint64_t n_fills = 0, traded_qty = 0;
  std::uint64_t fill_hash = 0xCBF29CE484222325ull;  ///< FNV-1a 64 over (taker, maker, price, qty) per fill
  std::uint64_t final_live_orders = 0, final_bid_levels = 0, final_ask_levels = 0;
  std::uint64_t final_bid_qty = 0, final_ask_qty = 0;
  std::int64_t final_best_bid = 0, final_best_ask = 0, final_mid = 0;
  bool has_final_mid = false;  ///< final_mid is only known to the generator
  // Replay only:
  std::uint64_t cancel_rejects = 0;        ///< cancels of unknown ids (must be 0)
  std::uint64_t cancel_qty_mismatches = 0; ///< cancels whose open quantity differed from the record (must be 0)
  std::uint64_t order_rejects = 0;         ///< rejected ADD/IOC (must be 0)
  double wall_seconds = 0, cpu_seconds = 0;
  double ops_per_wall_second = 0, ops_per_cpu_second = 0;
  double timer_overhead_ns = 0;            ///< median cost of one timestamp pair
  std::array<LatencySummary, 4> latency{}; ///< [0] all ops, [1] add, [2] cancel, [3] ioc
};

/// Generates the stream of §3 with its expected outcome (when `expected` is non-null).
Result<std::vector<WorkloadRecord>> generate_workload(const WorkloadParams& params, WorkloadOutcome* expected);

/// Reads a binary stream (§5); malformed / io_error with the byte offset.
Result<std::vector<WorkloadRecord>> read_workload(const std::string& path);
/// Parses a binary stream from memory; `seed` receives the header's seed.
Result<std::vector<WorkloadRecord>> parse_workload(const std::uint8_t* data, std::size_t size, std::uint64_t* seed);
/// Writes a binary stream (§5).
Result<void> write_workload(const std::string& path, const std::vector<WorkloadRecord>& records, std::uint64_t seed);

/// Replay switches.
struct ReplayOptions {
  Instrument instrument = Instrument::intraday(0);  ///< price range the book covers
  bool measure_latency = true;   ///< a second pass timing every operation
  int throughput_runs = 1;       ///< untimed passes; the fastest (by CPU time) is reported
};

/// Replays a stream on a fresh `OrderBook` per pass; the outcome's counts come
/// from the first pass, times from the fastest.
Result<WorkloadOutcome> replay_workload(const std::vector<WorkloadRecord>& records, const ReplayOptions& options);

/// JSON of an outcome: the §6 fields under their names (hash as 16 hex digits),
/// plus throughput and latency when `with_timing`.
std::string workload_outcome_json(const WorkloadOutcome& o, bool with_timing);

}  // namespace joule::market
