// `joule market ...`: call-auction clearing, order-book workload replay and generation.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "format.hpp"
#include "joule/market/call_auction.hpp"
#include "joule/market/workload.hpp"

namespace joule::cli {

namespace {

struct MarketArgs {
  std::string input;
  std::string pricing = "uniform";
  bool check = false;
  std::string workload;
  int runs = 1;
  bool no_latency = false;
  std::string out;
  market::WorkloadParams gen{};
  Format format = Format::json;
};

MarketArgs& args() {
  static MarketArgs a;
  return a;
}

int run_clear() {
  const MarketArgs& a = args();
  std::string text;
  if (!read_file(a.input, text, "market clear")) return kExitInput;
  if (!check_json(text, a.input, "market clear")) return kExitFailure;
  auto c = market::parse_auction_case(text);
  if (!c) return report(c.error(), "market clear");
  c->options.pricing = a.pricing == "pay-as-bid" ? market::Pricing::pay_as_bid : market::Pricing::uniform;
  auto r = market::clear_call_auction(c->orders, c->options);
  if (!r) return report(r.error(), "market clear");
  const std::string out = market::auction_result_json(*c, *r, 1);
  TableSpec::Source fills{"/fills", "order"};
  fills.per_member = true;
  fills.value_name = "filled";
  emit(out, a.format, TableSpec{{fills}});
  if (a.check) {
    if (c->expected_json.empty()) {
      fmt::print(stderr, "joule: market clear: --check given but the case has no \"expected\" block\n");
      return kExitFailure;
    }
    if (!market::json_equal(out, c->expected_json)) {
      fmt::print(stderr, "joule: market clear: result differs from the case's expected block\n");
      return kExitFailure;
    }
  }
  return kExitOk;
}

int run_blocks() {
  const MarketArgs& a = args();
  std::string text;
  if (!read_file(a.input, text, "market blocks")) return kExitInput;
  if (!check_json(text, a.input, "market blocks")) return kExitFailure;
  auto c = market::parse_block_case(text);
  if (!c) return report(c.error(), "market blocks");
  auto r = market::clear_multi_period(c->periods, c->blocks, c->options);
  if (!r) return report(r.error(), "market blocks");
  const std::string out = market::block_result_json(*c, *r, 1);
  emit(out, a.format, TableSpec{{{"/blocks"}}});
  if (a.check) {
    if (c->expected_json.empty()) {
      fmt::print(stderr, "joule: market blocks: --check given but the case has no \"expected\" block\n");
      return kExitFailure;
    }
    if (!market::json_equal(out, c->expected_json)) {
      fmt::print(stderr, "joule: market blocks: result differs from the case's expected block\n");
      return kExitFailure;
    }
  }
  return kExitOk;
}

int run_replay() {
  const MarketArgs& a = args();
  auto recs = market::read_workload(a.workload);
  if (!recs) {
    if (recs.error().code == Errc::io_error) {
      report(recs.error(), "market replay");
      return kExitInput;
    }
    return report(recs.error(), "market replay");
  }
  market::ReplayOptions ro;
  ro.measure_latency = !a.no_latency;
  ro.throughput_runs = a.runs;
  auto o = market::replay_workload(*recs, ro);
  if (!o) return report(o.error(), "market replay");
  emit(market::workload_outcome_json(*o, true), a.format);
  return o->cancel_rejects == 0 && o->order_rejects == 0 && o->cancel_qty_mismatches == 0 ? kExitOk : kExitFailure;
}

int run_generate() {
  const MarketArgs& a = args();
  market::WorkloadOutcome exp;
  auto recs = market::generate_workload(a.gen, &exp);
  if (!recs) return report(recs.error(), "market generate");
  if (auto w = market::write_workload(a.out, *recs, a.gen.seed); !w) return report(w.error(), "market generate");
  std::ofstream e(a.out + ".expect.json");
  e << market::workload_outcome_json(exp, false);
  if (!e) {
    fmt::print(stderr, "joule: market generate: cannot write {}.expect.json\n", a.out);
    return kExitInput;
  }
  fmt::print("wrote {} records to {} (+ {}.expect.json)\n", recs->size(), a.out, a.out);
  return kExitOk;
}

}  // namespace

void register_market(CLI::App& app) {
  auto* market = app.add_subcommand("market", "Energy markets: call auctions and order-book workloads.");
  market->require_subcommand(1);

  auto* clear = market->add_subcommand(
      "clear",
      "Clear a uniform-price call auction case (joule.call_auction.case/v1 JSON) and print the result\n"
      "with exactly the layout of the case's \"expected\" block.\n"
      "  example: joule market clear --input tests/data/market/call_auction/ca04_excess_demand_prorata.json --check");
  clear->add_option("--input", args().input, "case file (JSON)")->required();
  clear->add_option("--pricing", args().pricing, "uniform | pay-as-bid (the printed layout is the same)")
      ->check(CLI::IsMember({"uniform", "pay-as-bid"}));
  add_format_option(clear, args().format, "one row per order (order, filled quantity)");
  clear->add_flag("--check", args().check, "exit 1 when the result differs from the case's expected block");
  clear->callback([] { std::exit(run_clear()); });

  auto* blocks = market->add_subcommand(
      "blocks",
      "Clear one or more periods with block orders (multi-period, curtailable, linked and exclusive;\n"
      "JSON schema joule.market.blocks/v1, docs/market.md) and print welfare, each period's result in\n"
      "the layout of `market clear`, and each block's acceptance (ratio, lots per period, surplus).\n"
      "  example: joule market blocks --input tests/data/market/blocks/linked_family.json --check");
  blocks->add_option("--input", args().input, "block case file (JSON)")->required();
  add_format_option(blocks, args().format, "one row per block (id, accepted, ratio, lots, surplus)");
  blocks->add_flag("--check", args().check, "exit 1 when the result differs from the case's expected block");
  blocks->callback([] { std::exit(run_blocks()); });

  auto* replay = market->add_subcommand(
      "replay",
      "Replay an order-book workload (joule-lob-std-v1 binary stream) and print its outcome (fills,\n"
      "fill hash, final book), ops per CPU/wall second and per-op latency percentiles [ns].\n"
      "  example: joule market replay --workload std1m.bin --runs 3");
  replay->add_option("--workload", args().workload, "stream file (.bin)")->required();
  replay->add_option("--runs", args().runs, "untimed passes; the fastest is reported")->check(CLI::Range(1, 100));
  add_format_option(replay, args().format, "one row (the outcome's fields flattened)");
  replay->add_flag("--no-latency", args().no_latency, "skip the per-op latency pass");
  replay->callback([] { std::exit(run_replay()); });

  auto* gen = market->add_subcommand(
      "generate",
      "Write a joule-lob-std-v1 stream (joule's own implementation of the generator algorithm)\n"
      "and FILE.expect.json with its expected outcome.\n"
      "  example: joule market generate --out std1m.bin --n 1000000");
  auto& g = args().gen;
  gen->add_option("--out", args().out, "output file")->required();
  gen->add_option("--n", g.n_ops, "operations (default 1000000)");
  gen->add_option("--seed", g.seed, "PRNG seed (default 1)");
  gen->add_option("--mid0", g.mid0, "start of the mid walk [ticks]");
  gen->add_option("--mid-min", g.mid_min, "lower bound of the mid [ticks]");
  gen->add_option("--mid-max", g.mid_max, "upper bound of the mid [ticks]");
  gen->add_option("--move-den", g.move_den, "mid moves with probability 1/move_den");
  gen->add_option("--pct-add", g.pct_add, "percent ADD");
  gen->add_option("--pct-cancel", g.pct_cancel, "percent CANCEL");
  gen->add_option("--maxd", g.maxd, "depth parameter (1024 = wide book)");
  gen->add_option("--add-qty-max", g.add_qty_max, "max ADD lots");
  gen->add_option("--ioc-qty-max", g.ioc_qty_max, "max IOC lots");
  gen->add_option("--ioc-reach", g.ioc_reach, "IOC reach through the mid [ticks]");
  gen->callback([] { std::exit(run_generate()); });
}

}  // namespace joule::cli
