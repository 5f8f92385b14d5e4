// Uniform-price call auction (rules §1-§9 of docs/market.md) and extensions.
#include "joule/market/call_auction.hpp"

#include <absl/hash/hash.h>
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>

namespace joule::market {

namespace {

__extension__ using I128 = __int128;

// floor((lo + hi) / 2) toward minus infinity (§7: (-31)/2 -> -16).
Ticks floor_mid(Ticks lo, Ticks hi) {
  const Ticks s = lo + hi;
  return s >= 0 ? s / 2 : -((-s + 1) / 2);
}

struct Level {
  Ticks price;
  Lots buy = 0, sell = 0;
};

}  // namespace

Result<void> AuctionOptions::validate() const noexcept {
  if (price_min > price_max)
    return fail(Errc::invalid_argument, "price_min must be <= price_max", Where::at_field("price_min"));
  if (price_max - price_min > (Ticks{1} << 40) || price_min < -(Ticks{1} << 50) || price_max > (Ticks{1} << 50))
    return fail(Errc::out_of_range, "price range too wide", Where::at_field("price_max"));
  if (static_cast<std::uint8_t>(pricing) > 1)
    return fail(Errc::invalid_argument, "unknown pricing", Where::at_field("pricing"));
  return {};
}

Result<AuctionResult> clear_call_auction(std::span<const AuctionOrder> orders, const AuctionOptions& opt) {
  return detail::clear_call_auction_at(orders, opt, detail::PricePick::midpoint);
}

Result<AuctionResult> detail::clear_call_auction_at(std::span<const AuctionOrder> orders, const AuctionOptions& opt,
                                                    PricePick pick) {
  JOULE_RETURN_IF_ERROR(opt.validate());
  const std::size_t n = orders.size();
  AuctionResult res;
  res.fills.assign(n, 0);
  res.valid.assign(n, false);
  res.settle_price.assign(n, 0);
  std::vector<Ticks> eff(n, 0);

  // §1 validation; an id counts as seen even when its order is invalid.
  // Duplicate ids: an open-addressing table of (64-bit hash, order index),
  // hashes computed up front so that the slot of order i + 8 is prefetched
  // while order i is checked (a million orders: one table miss each, overlapped).
  if (n >= 0xFFFFFFF0u) return fail(Errc::limit_exceeded, "more than 2^32 orders in one auction");
  std::vector<std::uint64_t> id_hash(n);
  for (std::size_t i = 0; i < n; ++i) id_hash[i] = absl::HashOf(std::string_view(orders[i].id));
  std::size_t cap = 16;
  while (cap < 2 * n) cap <<= 1;
  struct Slot {
    std::uint32_t tag;    // 32 bits of the hash, never 0; 0 = empty
    std::uint32_t index;  // order index
  };
  std::vector<Slot> table(cap, Slot{0, 0});
  const std::size_t mask = cap - 1;
  auto tag_of = [](std::uint64_t h) { return static_cast<std::uint32_t>(h >> 32) | 1u; };
  auto first_seen = [&](std::size_t i) {
    const std::uint32_t tag = tag_of(id_hash[i]);
    std::size_t k = static_cast<std::size_t>(id_hash[i]) & mask;
    while (table[k].tag != 0) {
      if (table[k].tag == tag && orders[table[k].index].id == orders[i].id) return false;
      k = (k + 1) & mask;
    }
    table[k] = Slot{tag, static_cast<std::uint32_t>(i)};
    return true;
  };
  Lots total_buy = 0, total_sell = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 8 < n) __builtin_prefetch(&table[static_cast<std::size_t>(id_hash[i + 8]) & mask], 1);
    const AuctionOrder& o = orders[i];
    const bool fresh = o.has_id ? first_seen(i) : true;
    const bool ok = !o.malformed && fresh && (o.side == Side::buy || o.side == Side::sell) && o.qty > 0 &&
                    o.qty < (Lots{1} << 52) && (!o.price || (*o.price >= opt.price_min && *o.price <= opt.price_max));
    if (!ok) {
      res.rejected.push_back(i);
      continue;
    }
    // Keep every cumulative curve within int64.
    Lots& side_total = o.side == Side::buy ? total_buy : total_sell;
    if (side_total > (Lots{1} << 62) - o.qty)
      return fail(Errc::out_of_range, "total quantity of a side exceeds 2^62 lots", Where::at_index(i, "orders"));
    side_total += o.qty;
    res.valid[i] = true;
    // §2 market orders at the side's limit.
    eff[i] = o.price ? *o.price : (o.side == Side::buy ? opt.price_max : opt.price_min);
  }

  // §3 aggregated step curves over the distinct candidate prices (§4: the
  // limits and every order price suffice).
  std::vector<Level> lv;
  const std::uint64_t range = static_cast<std::uint64_t>(opt.price_max - opt.price_min) + 1;
  if (range <= (std::uint64_t{1} << 22) && range <= 8 * static_cast<std::uint64_t>(n) + 1024) {
    std::vector<Lots> b(range, 0), s(range, 0);
    std::vector<std::uint8_t> used(range, 0);
    used[0] = used[range - 1] = 1;
    for (std::size_t i = 0; i < n; ++i) {
      if (!res.valid[i]) continue;
      const std::size_t k = static_cast<std::size_t>(eff[i] - opt.price_min);
      (orders[i].side == Side::buy ? b : s)[k] += orders[i].qty;
      used[k] = 1;
    }
    for (std::size_t k = 0; k < range; ++k)
      if (used[k]) lv.push_back(Level{opt.price_min + static_cast<Ticks>(k), b[k], s[k]});
  } else {
    std::vector<std::pair<Ticks, std::size_t>> byp;
    byp.reserve(n + 2);
    for (std::size_t i = 0; i < n; ++i)
      if (res.valid[i]) byp.emplace_back(eff[i], i);
    std::sort(byp.begin(), byp.end());
    lv.push_back(Level{opt.price_min});
    for (auto& [p, i] : byp) {
      if (lv.back().price != p) lv.push_back(Level{p});
      (orders[i].side == Side::buy ? lv.back().buy : lv.back().sell) += orders[i].qty;
    }
    if (lv.back().price != opt.price_max) lv.push_back(Level{opt.price_max});
  }
  const std::size_t m = lv.size();
  std::vector<Lots> d_ge(m + 1, 0), s_le(m, 0);  // D(c_i), S(c_i)
  for (std::size_t i = m; i-- > 0;) d_ge[i] = d_ge[i + 1] + lv[i].buy;
  for (std::size_t i = 0; i < m; ++i) s_le[i] = (i ? s_le[i - 1] : 0) + lv[i].sell;

  // §4 lo = smallest c with D>(c) <= S(c); hi = largest c with S<(c) <= D(c).
  std::size_t ilo = m - 1, ihi = 0;
  for (std::size_t i = 0; i < m; ++i)
    if (d_ge[i + 1] <= s_le[i]) {
      ilo = i;
      break;
    }
  for (std::size_t i = m; i-- > 0;)
    if ((i ? s_le[i - 1] : 0) <= d_ge[i]) {
      ihi = i;
      break;
    }
  res.interval_lo = lv[ilo].price;
  res.interval_hi = lv[ihi].price;
  // §5 volume maximisation.
  res.volume = std::min(d_ge[ilo], s_le[ilo]);

  if (opt.with_curves) {
    for (std::size_t i = m; i-- > 0;)
      if (lv[i].buy) res.demand.push_back(CurvePoint{lv[i].price, d_ge[i]});
    for (std::size_t i = 0; i < m; ++i)
      if (lv[i].sell) res.supply.push_back(CurvePoint{lv[i].price, s_le[i]});
  }
  if (res.volume == 0) return res;  // §6 no trade

  const Ticks price = pick == PricePick::low    ? res.interval_lo
                      : pick == PricePick::high ? res.interval_hi
                                                : floor_mid(res.interval_lo, res.interval_hi);  // §7
  res.price = price;
  res.cleared = true;

  // §8 allocation per side.
  for (const Side side : {Side::buy, Side::sell}) {
    Lots full = 0, atm = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!res.valid[i] || orders[i].side != side) continue;
      const bool in = side == Side::buy ? eff[i] > price : eff[i] < price;
      if (in) {
        res.fills[i] = orders[i].qty;
        full += orders[i].qty;
      } else if (eff[i] == price) {
        atm += orders[i].qty;
      }
    }
    const Lots left = res.volume - full;
    if (left < 0 || left > atm) {
      if (pick != PricePick::midpoint) return fail(Errc::infeasible, "the volume does not clear at this end of the interval");
      return fail(Errc::internal, "call auction allocation out of bounds");
    }
    if (left == atm) {
      for (std::size_t i = 0; i < n; ++i)
        if (res.valid[i] && orders[i].side == side && eff[i] == price) res.fills[i] = orders[i].qty;
      continue;
    }
    if (res.rationed_side) {
      if (pick != PricePick::midpoint) return fail(Errc::infeasible, "both sides rationed at this end of the interval");
      return fail(Errc::internal, "both sides rationed");
    }
    res.rationed_side = side;
    // Pro rata with largest remainders; equal remainders by input order.
    std::vector<std::pair<Lots, std::size_t>> rem;  // (remainder, index)
    Lots given = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!res.valid[i] || orders[i].side != side || eff[i] != price) continue;
      const I128 num = static_cast<I128>(orders[i].qty) * left;
      res.fills[i] = static_cast<Lots>(num / atm);
      given += res.fills[i];
      rem.emplace_back(static_cast<Lots>(num % atm), i);
    }
    std::stable_sort(rem.begin(), rem.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (Lots k = 0; k < left - given; ++k) ++res.fills[rem[static_cast<std::size_t>(k)].second];
  }

  for (std::size_t i = 0; i < n; ++i) {
    if (res.fills[i] == 0) continue;
    const bool pab = opt.pricing == Pricing::pay_as_bid && orders[i].price.has_value();
    res.settle_price[i] = pab ? *orders[i].price : price;
    const double money = static_cast<double>(res.settle_price[i]) * static_cast<double>(res.fills[i]);
    (orders[i].side == Side::buy ? res.buyer_payments : res.seller_receipts) += money;
  }
  return res;
}

Result<std::vector<AuctionOrder>> orders_from_curve(const BidCurve& c) {
  std::vector<AuctionOrder> out;
  if (c.points.empty()) return out;
  for (std::size_t i = 0; i < c.points.size(); ++i) {
    if (c.points[i].qty < 0) return fail(Errc::invalid_argument, "curve quantity < 0", Where::at_index(i, "points"));
    if (i == 0) continue;
    const auto& a = c.points[i - 1];
    const auto& b = c.points[i];
    const bool order_ok = c.side == Side::buy ? b.price < a.price : b.price > a.price;
    if (!order_ok) return fail(Errc::invalid_argument, "curve prices must be strictly monotone (buy: descending, sell: ascending)", Where::at_index(i, "points"));
    if (b.qty < a.qty) return fail(Errc::invalid_argument, "curve quantities must be non-decreasing", Where::at_index(i, "points"));
  }
  auto add = [&](Ticks p, Lots q) {
    if (q > 0) out.push_back(AuctionOrder{fmt::format("{}@{}", c.id, p), c.side, q, p, false, true});
  };
  add(c.points[0].price, c.points[0].qty);
  for (std::size_t i = 1; i < c.points.size(); ++i) {
    const auto& a = c.points[i - 1];
    const auto& b = c.points[i];
    const Lots dq = b.qty - a.qty;
    if (!c.linear) {
      add(b.price, dq);
      continue;
    }
    // Linear segment: the cumulative quantity at tick a + k*dir is
    // a.qty + floor(dq * k / span), so the lots per tick add up to dq exactly.
    const Ticks span = b.price > a.price ? b.price - a.price : a.price - b.price;
    const Ticks dir = b.price > a.price ? 1 : -1;
    Lots prev = 0;
    for (Ticks k = 1; k <= span; ++k) {
      const Lots cum = static_cast<Lots>(static_cast<I128>(dq) * k / span);
      add(a.price + dir * k, cum - prev);
      prev = cum;
    }
  }
  return out;
}

Result<BlockAuctionResult> clear_with_blocks(std::span<const AuctionOrder> orders, std::span<const BlockOrder> blocks,
                                             const AuctionOptions& opt) {
  // Greedy inclusion: blocks are tried from the most aggressive limit (cheapest
  // sell, dearest buy) on; a block stays in when, with it, every included
  // block still fills completely.
  BlockAuctionResult br;
  br.block_accepted.assign(blocks.size(), false);
  std::vector<std::size_t> order(blocks.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Ticks ka = blocks[a].side == Side::sell ? blocks[a].price : -blocks[a].price;
    const Ticks kb = blocks[b].side == Side::sell ? blocks[b].price : -blocks[b].price;
    return ka < kb;
  });
  auto clear_with = [&](std::vector<bool>& accepted, bool& all_full) -> Result<AuctionResult> {
    std::vector<AuctionOrder> all(orders.begin(), orders.end());
    std::vector<std::size_t> where(blocks.size(), 0);
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      if (!accepted[b]) continue;
      where[b] = all.size();
      all.push_back(AuctionOrder{blocks[b].id, blocks[b].side, blocks[b].qty, blocks[b].price, false, true});
    }
    JOULE_TRY(AuctionResult r, clear_call_auction(all, opt));
    all_full = true;
    for (std::size_t b = 0; b < blocks.size(); ++b)
      if (accepted[b] && !(r.valid[where[b]] && r.fills[where[b]] == blocks[b].qty)) all_full = false;
    return r;
  };
  bool full = true;
  JOULE_TRY(AuctionResult current, clear_with(br.block_accepted, full));
  for (std::size_t b : order) {
    br.block_accepted[b] = true;
    JOULE_TRY(AuctionResult trial, clear_with(br.block_accepted, full));
    if (full) current = std::move(trial);
    else br.block_accepted[b] = false;
  }
  br.result = std::move(current);
  return br;
}

// ------------------------------------------------------------------ JSON faces
namespace {
// One order object of a case (README.md "Case schema"). What cannot be
// represented marks the order malformed (it is then rejected by rule §1)
// rather than failing the whole case.
AuctionOrder parse_case_order(const nlohmann::json& o, std::string& raw_id) {
  using nlohmann::json;
  AuctionOrder a;
  if (!o.is_object()) {
    a.malformed = true;
    a.has_id = false;
    raw_id = "null";
    return a;
  }
  const json id = o.contains("id") ? o["id"] : json();
  raw_id = id.dump();
  if (id.is_string()) {
    a.id = id.get<std::string>();
  } else {
    a.malformed = true;
    a.has_id = false;
  }
  const json side = o.contains("side") ? o["side"] : json();
  if (side == "buy") a.side = Side::buy;
  else if (side == "sell") a.side = Side::sell;
  else a.malformed = true;
  const json qty = o.contains("qty") ? o["qty"] : json();
  if (qty.is_number_integer()) {
    if (qty.is_number_unsigned() && qty.get<std::uint64_t>() > (std::uint64_t{1} << 52)) a.malformed = true;
    else a.qty = qty.get<Lots>();
  } else {
    a.malformed = true;
  }
  const json price = o.contains("price") ? o["price"] : json();
  if (price.is_null()) a.price = std::nullopt;
  else if (price.is_number_integer() && !(price.is_number_unsigned() && price.get<std::uint64_t>() > (std::uint64_t{1} << 62)))
    a.price = price.get<Ticks>();
  else a.malformed = true;
  return a;
}

Result<void> parse_price_limits(const nlohmann::json& j, AuctionOptions& opt) {
  if (!j.contains("price_min") || !j["price_min"].is_number_integer())
    return fail(Errc::malformed, "price_min must be an integer", Where::at_field("price_min"));
  if (!j.contains("price_max") || !j["price_max"].is_number_integer())
    return fail(Errc::malformed, "price_max must be an integer", Where::at_field("price_max"));
  opt.price_min = j["price_min"].get<Ticks>();
  opt.price_max = j["price_max"].get<Ticks>();
  return opt.validate();
}

bool small_int(const nlohmann::json& v, std::int64_t lo, std::int64_t hi) {
  if (!v.is_number_integer()) return false;
  if (v.is_number_unsigned()) {
    // Unsigned only when >= 0; may exceed int64.
    const std::uint64_t u = v.get<std::uint64_t>();
    return hi >= 0 && u <= static_cast<std::uint64_t>(hi) && (lo <= 0 || u >= static_cast<std::uint64_t>(lo));
  }
  const std::int64_t x = v.get<std::int64_t>();
  return lo <= x && x <= hi;
}
}  // namespace

Result<AuctionCase> parse_auction_case(std::string_view text) {
  using nlohmann::json;
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Errc::malformed, "case is not a JSON object");
  AuctionCase c;
  if (j.contains("id") && j["id"].is_string()) c.id = j["id"].get<std::string>();
  JOULE_RETURN_IF_ERROR(parse_price_limits(j, c.options));
  if (!j.contains("orders") || !j["orders"].is_array())
    return fail(Errc::malformed, "orders must be an array", Where::at_field("orders"));
  for (const json& o : j["orders"]) {
    std::string raw;
    c.orders.push_back(parse_case_order(o, raw));
    c.raw_ids.push_back(std::move(raw));
  }
  if (j.contains("expected")) c.expected_json = j["expected"].dump();
  return c;
}

Result<BlockCase> parse_block_case(std::string_view text) {
  using nlohmann::json;
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Errc::malformed, "block case is not a JSON object");
  BlockCase c;
  if (j.contains("id") && j["id"].is_string()) c.id = j["id"].get<std::string>();
  JOULE_RETURN_IF_ERROR(parse_price_limits(j, c.options.auction));
  if (j.contains("pricing")) {
    if (j["pricing"] == "uniform") c.options.auction.pricing = Pricing::uniform;
    else if (j["pricing"] == "pay_as_bid") c.options.auction.pricing = Pricing::pay_as_bid;
    else return fail(Errc::malformed, "pricing must be \"uniform\" or \"pay_as_bid\"", Where::at_field("pricing"));
  }
  if (j.contains("ratio_steps")) {
    if (!small_int(j["ratio_steps"], 1, 1000))
      return fail(Errc::malformed, "ratio_steps must be an integer in 1..1000", Where::at_field("ratio_steps"));
    c.options.ratio_steps = j["ratio_steps"].get<int>();
  }
  if (j.contains("max_combinations")) {
    if (!small_int(j["max_combinations"], 1, std::int64_t{1} << 40))
      return fail(Errc::malformed, "max_combinations must be an integer in 1..2^40",
                  Where::at_field("max_combinations"));
    c.options.max_combinations = j["max_combinations"].get<std::size_t>();
  }
  if (!j.contains("periods") || !j["periods"].is_array() || j["periods"].empty())
    return fail(Errc::malformed, "periods must be a non-empty array", Where::at_field("periods"));
  const std::size_t P = j["periods"].size();
  for (std::size_t p = 0; p < P; ++p) {
    const json& per = j["periods"][p];
    if (!per.is_object() || !per.contains("orders") || !per["orders"].is_array())
      return fail(Errc::malformed, "each period must be an object with an orders array", Where::at_index(p, "periods"));
    std::vector<AuctionOrder> orders;
    std::vector<std::string> raws;
    for (const json& o : per["orders"]) {
      std::string raw;
      orders.push_back(parse_case_order(o, raw));
      raws.push_back(std::move(raw));
    }
    c.periods.push_back(std::move(orders));
    c.raw_ids.push_back(std::move(raws));
  }
  if (j.contains("blocks") && !j["blocks"].is_array())
    return fail(Errc::malformed, "blocks must be an array", Where::at_field("blocks"));
  const json blocks = j.contains("blocks") ? j["blocks"] : json::array();
  // Blocks are validated strictly (unlike period orders, they have no
  // rejection rule of their own): a bad block fails the case and is named.
  std::vector<std::string> parent_ids(blocks.size());
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const json& k = blocks[b];
    if (!k.is_object()) return fail(Errc::malformed, "a block must be an object", Where::at_index(b, "blocks"));
    PeriodBlock pb;
    if (!k.contains("id") || !k["id"].is_string())
      return fail(Errc::malformed, "block id must be a string", Where::at_index(b, "blocks"));
    pb.id = k["id"].get<std::string>();
    if (k.contains("side") && k["side"] == "buy") pb.side = Side::buy;
    else if (k.contains("side") && k["side"] == "sell") pb.side = Side::sell;
    else return fail(Errc::malformed, "block side must be \"buy\" or \"sell\"", Where::at_index(b, "blocks"));
    if (!k.contains("price") || !small_int(k["price"], -(std::int64_t{1} << 62), std::int64_t{1} << 62))
      return fail(Errc::malformed, "block price must be an integer [ticks]", Where::at_index(b, "blocks"));
    pb.price = k["price"].get<Ticks>();
    if (!k.contains("qty") || !k["qty"].is_array() || k["qty"].size() != P)
      return fail(Errc::malformed, "block qty must be an array with one integer per period",
                  Where::at_index(b, "blocks"));
    for (const json& q : k["qty"]) {
      if (!small_int(q, 0, std::int64_t{1} << 52))
        return fail(Errc::malformed, "block qty entries must be integers in 0..2^52 [lots]",
                    Where::at_index(b, "blocks"));
      pb.qty.push_back(q.get<Lots>());
    }
    if (k.contains("min_acceptance_ratio")) {
      if (!k["min_acceptance_ratio"].is_number())
        return fail(Errc::malformed, "min_acceptance_ratio must be a number in (0, 1]", Where::at_index(b, "blocks"));
      pb.min_acceptance_ratio = k["min_acceptance_ratio"].get<double>();
    }
    if (k.contains("parent") && !k["parent"].is_null()) {
      if (!k["parent"].is_string())
        return fail(Errc::malformed, "block parent must be another block's id", Where::at_index(b, "blocks"));
      parent_ids[b] = k["parent"].get<std::string>();
    }
    if (k.contains("exclusive_group") && !k["exclusive_group"].is_null()) {
      if (!small_int(k["exclusive_group"], -(std::int64_t{1} << 62), std::int64_t{1} << 62))
        return fail(Errc::malformed, "exclusive_group must be an integer", Where::at_index(b, "blocks"));
      pb.exclusive_group = k["exclusive_group"].get<std::int64_t>();
    }
    c.blocks.push_back(std::move(pb));
  }
  for (std::size_t b = 0; b < c.blocks.size(); ++b) {
    if (parent_ids[b].empty()) continue;
    std::size_t a = 0;
    while (a < c.blocks.size() && c.blocks[a].id != parent_ids[b]) ++a;
    if (a == c.blocks.size() || a == b)
      return fail(Errc::malformed, "block parent names no other block", Where::at_index(b, "blocks"));
    c.blocks[b].parent = a;
  }
  if (j.contains("expected")) c.expected_json = j["expected"].dump();
  return c;
}

std::string block_result_json(const BlockCase& c, const MultiPeriodResult& r, int indent) {
  using nlohmann::ordered_json;
  ordered_json o;
  o["welfare"] = r.welfare;
  o["combinations"] = r.combinations;
  ordered_json periods = ordered_json::array();
  for (std::size_t p = 0; p < r.periods.size() && p < c.periods.size(); ++p) {
    AuctionCase one;
    one.orders = c.periods[p];
    one.raw_ids = c.raw_ids[p];
    periods.push_back(ordered_json::parse(auction_result_json(one, r.periods[p], -1)));
  }
  o["periods"] = periods;
  ordered_json blocks = ordered_json::array();
  for (std::size_t b = 0; b < r.blocks.size() && b < c.blocks.size(); ++b) {
    const BlockAcceptance& a = r.blocks[b];
    ordered_json k;
    k["id"] = c.blocks[b].id;
    k["accepted"] = a.accepted_steps > 0;
    k["ratio"] = a.ratio;
    k["lots"] = a.lots;
    k["surplus"] = a.surplus;
    k["paradoxically_rejected"] = a.paradoxically_rejected;
    blocks.push_back(k);
  }
  o["blocks"] = blocks;
  return o.dump(indent);
}

std::string auction_result_json(const AuctionCase& c, const AuctionResult& r, int indent) {
  using nlohmann::ordered_json;
  ordered_json o;
  o["cleared"] = r.cleared;
  o["price"] = r.price ? ordered_json(*r.price) : ordered_json(nullptr);
  o["price_interval"] = ordered_json::array({r.interval_lo, r.interval_hi});
  o["volume"] = r.volume;
  o["rationed_side"] =
      r.rationed_side ? ordered_json(*r.rationed_side == Side::buy ? "buy" : "sell") : ordered_json(nullptr);
  ordered_json fills = ordered_json::object();
  for (std::size_t i = 0; i < c.orders.size() && i < r.fills.size(); ++i)
    if (r.valid[i]) fills[c.orders[i].id] = r.fills[i];
  o["fills"] = fills;
  ordered_json rej = ordered_json::array();
  for (std::size_t i : r.rejected) rej.push_back(ordered_json::parse(c.raw_ids[i]));
  o["rejected"] = rej;
  return o.dump(indent);
}

bool json_equal(std::string_view a, std::string_view b) {
  using nlohmann::json;
  const json ja = json::parse(a.begin(), a.end(), nullptr, false);
  const json jb = json::parse(b.begin(), b.end(), nullptr, false);
  return !ja.is_discarded() && !jb.is_discarded() && ja == jb;
}

}  // namespace joule::market
