// Multi-period, curtailable, linked and exclusive block orders over
// uniform-price call auctions (extension; docs/market.md "Multi-period and
// linked block orders").
//
// The search is exact for small instances: every admissible assignment of
// acceptance ratios (multiples of 1 / ratio_steps) is evaluated. Blocks are
// visited parents first so that a child's admissible ratios are known from
// its parent's (<= parent's ratio, 0 when the parent is rejected) and the
// exclusive groups' remaining ratio is known from the blocks already fixed.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string_view>
#include <unordered_set>

#include "joule/market/call_auction.hpp"

namespace joule::market {

namespace {

__extension__ using I128 = __int128;

struct Evaluation {
  bool feasible = false;
  I128 welfare = 0;
  Lots volume = 0;
  std::vector<AuctionResult> periods;
  std::vector<I128> surplus;  // per block at the resulting prices (accepted blocks only)
};

}  // namespace

Result<void> MultiPeriodOptions::validate() const noexcept {
  JOULE_RETURN_IF_ERROR(auction.validate());
  if (ratio_steps < 1 || ratio_steps > 1000)
    return fail(Errc::invalid_argument, "ratio_steps must be in 1..1000", Where::at_field("ratio_steps"));
  if (max_combinations < 1)
    return fail(Errc::invalid_argument, "max_combinations must be >= 1", Where::at_field("max_combinations"));
  return {};
}

Result<MultiPeriodResult> clear_multi_period(std::span<const std::vector<AuctionOrder>> period_orders,
                                             std::span<const PeriodBlock> blocks, const MultiPeriodOptions& opt) {
  JOULE_RETURN_IF_ERROR(opt.validate());
  const std::size_t P = period_orders.size();
  const std::size_t B = blocks.size();
  const int S = opt.ratio_steps;
  if (P == 0) return fail(Errc::invalid_argument, "at least one period is needed", Where::at_field("period_orders"));

  // Validation, one clear error per bad field.
  std::unordered_set<std::string_view> order_ids;
  for (const auto& v : period_orders)
    for (const auto& o : v) order_ids.insert(o.id);
  std::unordered_set<std::string_view> block_ids;
  for (std::size_t b = 0; b < B; ++b) {
    const PeriodBlock& k = blocks[b];
    if (k.id.empty() || !block_ids.insert(k.id).second || order_ids.count(k.id))
      return fail(Errc::invalid_argument, "block id must be non-empty and unique among blocks and orders",
                  Where::at_index(b, "blocks"));
    if (k.side != Side::buy && k.side != Side::sell)
      return fail(Errc::invalid_argument, "block side must be buy or sell", Where::at_index(b, "blocks"));
    if (k.qty.size() != P)
      return fail(Errc::invalid_argument, "block qty must have one entry per period", Where::at_index(b, "blocks"));
    Lots total = 0;
    for (Lots q : k.qty) {
      if (q < 0 || q >= (Lots{1} << 52))
        return fail(Errc::invalid_argument, "block qty must be in 0..2^52 lots", Where::at_index(b, "blocks"));
      total += q;
    }
    if (total == 0) return fail(Errc::invalid_argument, "block has no lots", Where::at_index(b, "blocks"));
    if (k.price < opt.auction.price_min || k.price > opt.auction.price_max)
      return fail(Errc::invalid_argument, "block price outside the price limits", Where::at_index(b, "blocks"));
    if (!(k.min_acceptance_ratio > 0.0 && k.min_acceptance_ratio <= 1.0))
      return fail(Errc::invalid_argument, "min_acceptance_ratio must be in (0, 1]", Where::at_index(b, "blocks"));
    if (k.parent && (*k.parent >= B || *k.parent == b))
      return fail(Errc::invalid_argument, "block parent must be another block's index", Where::at_index(b, "blocks"));
  }
  // Depth of each block in its family; a cycle has no root.
  std::vector<std::size_t> depth(B, 0);
  std::vector<bool> has_children(B, false);
  for (std::size_t b = 0; b < B; ++b) {
    std::size_t d = 0;
    for (std::size_t a = b; blocks[a].parent; a = *blocks[a].parent) {
      if (++d > B) return fail(Errc::invalid_argument, "block links form a cycle", Where::at_index(b, "blocks"));
    }
    depth[b] = d;
    if (blocks[b].parent) has_children[*blocks[b].parent] = true;
  }
  for (std::size_t b = 0; b < B; ++b)
    if (blocks[b].exclusive_group && (blocks[b].parent || has_children[b]))
      return fail(Errc::invalid_argument, "a block of an exclusive group cannot be linked",
                  Where::at_index(b, "blocks"));

  std::vector<std::size_t> visit(B);
  std::iota(visit.begin(), visit.end(), std::size_t{0});
  std::stable_sort(visit.begin(), visit.end(), [&](std::size_t a, std::size_t b) { return depth[a] < depth[b]; });
  // Children after parents, deepest last: a reverse pass folds descendants'
  // surplus into their parents.
  std::vector<int> min_steps(B);
  for (std::size_t b = 0; b < B; ++b)
    min_steps[b] = std::max(1, static_cast<int>(std::ceil(blocks[b].min_acceptance_ratio * S - 1e-9)));

  auto lots_of = [&](std::size_t b, int k, std::size_t t) -> Lots {
    return static_cast<Lots>(static_cast<I128>(blocks[b].qty[t]) * k / S);
  };

  std::vector<int> steps(B, 0);
  auto evaluate_at = [&](const std::vector<detail::PricePick>& picks) -> Result<Evaluation> {
    Evaluation ev;
    ev.periods.resize(P);
    ev.surplus.assign(B, 0);
    std::vector<AuctionOrder> all;
    for (std::size_t t = 0; t < P; ++t) {
      const auto& own = period_orders[t];
      all.assign(own.begin(), own.end());
      std::vector<std::pair<std::size_t, std::size_t>> where;  // (block, index in all)
      for (std::size_t b = 0; b < B; ++b) {
        if (steps[b] == 0) continue;
        const Lots q = lots_of(b, steps[b], t);
        if (q == 0) continue;
        where.emplace_back(b, all.size());
        all.push_back(AuctionOrder{blocks[b].id, blocks[b].side, q, std::nullopt, false, true});  // price-taking
      }
      auto cleared = detail::clear_call_auction_at(all, opt.auction, picks[t]);
      if (!cleared && cleared.error().code == Errc::infeasible) return ev;  // that end of the interval does not clear
      if (!cleared) return fail(cleared.error());
      AuctionResult r = std::move(*cleared);
      for (auto [b, i] : where) {
        if (!r.valid[i] || r.fills[i] != all[i].qty) return ev;  // an accepted block must fill completely
        const I128 q = all[i].qty;
        const I128 p = *r.price;
        ev.surplus[b] += blocks[b].side == Side::sell ? q * (p - blocks[b].price) : q * (blocks[b].price - p);
      }
      // Welfare of the period's own orders (market orders at the side's limit, §2).
      for (std::size_t i = 0; i < own.size(); ++i) {
        if (!r.valid[i] || r.fills[i] == 0) continue;
        const Ticks eff = own[i].price ? *own[i].price
                                       : (own[i].side == Side::buy ? opt.auction.price_max : opt.auction.price_min);
        ev.welfare += (own[i].side == Side::buy ? I128{1} : I128{-1}) * eff * r.fills[i];
      }
      ev.volume += r.volume;
      // Keep the period's own orders only.
      r.fills.resize(own.size());
      r.valid.resize(own.size());
      r.settle_price.resize(own.size());
      std::erase_if(r.rejected, [&](std::size_t i) { return i >= own.size(); });
      ev.periods[t] = std::move(r);
    }
    // No paradoxically accepted block: own surplus plus accepted descendants' >= 0.
    std::vector<I128> family = ev.surplus;
    for (std::size_t j = B; j-- > 0;) {
      const std::size_t b = visit[j];
      if (steps[b] == 0) continue;
      if (family[b] < 0) return ev;
      if (blocks[b].parent) family[*blocks[b].parent] += family[b];
    }
    for (std::size_t b = 0; b < B; ++b) {
      if (steps[b] == 0) continue;
      I128 lots = 0;
      for (std::size_t t = 0; t < P; ++t) lots += lots_of(b, steps[b], t);
      ev.welfare += (blocks[b].side == Side::buy ? I128{1} : I128{-1}) * blocks[b].price * lots;
    }
    ev.feasible = true;
    return ev;
  };
  // Prices: the §7 midpoints first; when they make an accepted block
  // paradoxical, each period whose accepted blocks all sell takes the top of
  // its equilibrium interval, all buy the bottom (the prices that support
  // them most); periods with both or none keep the midpoint.
  auto evaluate = [&]() -> Result<Evaluation> {
    std::vector<detail::PricePick> picks(P, detail::PricePick::midpoint);
    JOULE_TRY(Evaluation ev, evaluate_at(picks));
    if (ev.feasible) return ev;
    bool differs = false;
    for (std::size_t t = 0; t < P; ++t) {
      bool sells = false, buys = false;
      for (std::size_t b = 0; b < B; ++b) {
        if (steps[b] == 0 || lots_of(b, steps[b], t) == 0) continue;
        (blocks[b].side == Side::sell ? sells : buys) = true;
      }
      if (sells != buys) {
        picks[t] = sells ? detail::PricePick::high : detail::PricePick::low;
        differs = true;
      }
    }
    if (!differs) return ev;
    return evaluate_at(picks);
  };

  MultiPeriodResult out;
  Evaluation best;
  std::vector<int> best_steps(B, 0);
  std::map<std::int64_t, int> group_used;
  // Depth-first over the visit order; each block tries full acceptance first.
  auto dfs = [&](auto&& self, std::size_t j) -> Result<void> {
    if (j == B) {
      if (++out.combinations > opt.max_combinations)
        return fail(Errc::limit_exceeded, "more block combinations than max_combinations (exact search is for small instances)",
                    Where::at_field("max_combinations"));
      JOULE_TRY(Evaluation ev, evaluate());
      if (ev.feasible && (!best.feasible || ev.welfare > best.welfare ||
                          (ev.welfare == best.welfare && ev.volume > best.volume))) {
        best = std::move(ev);
        best_steps = steps;
      }
      return {};
    }
    const std::size_t b = visit[j];
    int hi = S;
    if (blocks[b].parent) hi = steps[*blocks[b].parent];
    if (blocks[b].exclusive_group) hi = std::min(hi, S - group_used[*blocks[b].exclusive_group]);
    for (int k = hi; k >= min_steps[b]; --k) {
      bool any = false;
      for (std::size_t t = 0; t < P && !any; ++t) any = lots_of(b, k, t) > 0;
      if (!any) continue;
      steps[b] = k;
      if (blocks[b].exclusive_group) group_used[*blocks[b].exclusive_group] += k;
      auto r = self(self, j + 1);
      if (blocks[b].exclusive_group) group_used[*blocks[b].exclusive_group] -= k;
      steps[b] = 0;
      if (!r) return r;
    }
    return self(self, j + 1);  // rejected
  };
  JOULE_RETURN_IF_ERROR(dfs(dfs, 0));
  if (!best.feasible) return fail(Errc::internal, "no feasible block combination (rejecting all must be feasible)");

  out.periods = std::move(best.periods);
  out.welfare = static_cast<double>(best.welfare);
  out.blocks.resize(B);
  for (std::size_t b = 0; b < B; ++b) {
    BlockAcceptance& a = out.blocks[b];
    a.accepted_steps = best_steps[b];
    a.ratio = static_cast<double>(best_steps[b]) / S;
    a.lots.resize(P);
    for (std::size_t t = 0; t < P; ++t) a.lots[t] = lots_of(b, best_steps[b], t);
    if (best_steps[b] > 0) {
      a.surplus = static_cast<double>(best.surplus[b]);
      continue;
    }
    // Surplus the whole block would have at the final prices (periods with
    // lots but no price leave it undetermined: not flagged).
    I128 s = 0;
    bool priced = true;
    for (std::size_t t = 0; t < P; ++t) {
      if (blocks[b].qty[t] == 0) continue;
      if (!out.periods[t].price) {
        priced = false;
        break;
      }
      const I128 q = blocks[b].qty[t], p = *out.periods[t].price;
      s += blocks[b].side == Side::sell ? q * (p - blocks[b].price) : q * (blocks[b].price - p);
    }
    a.surplus = 0;
    a.paradoxically_rejected = priced && s > 0;
  }
  return out;
}

}  // namespace joule::market
