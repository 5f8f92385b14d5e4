// Peer-to-peer community market: local call auction per interval, grid for the
// rest, exact settlement with conservation checks.
#include "joule/market/community.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "joule/market/call_auction.hpp"

namespace joule::market {

Result<void> CommunityOptions::validate() const noexcept {
  if (!(money_per_tick > 0.0))
    return fail(Errc::invalid_argument, "money_per_tick must be > 0", Where::at_field("money_per_tick"));
  if (grid_fee < 0) return fail(Errc::invalid_argument, "grid_fee must be >= 0", Where::at_field("grid_fee"));
  if (grid_export_price > grid_import_price)
    return fail(Errc::invalid_argument, "grid_export_price must be <= grid_import_price",
                Where::at_field("grid_export_price"));
  if (!(community_discount >= 0.0 && community_discount <= 1.0))
    return fail(Errc::invalid_argument, "community_discount must be in 0..1", Where::at_field("community_discount"));
  if (!(min_reputation >= 0.0 && min_reputation <= 1.0))
    return fail(Errc::invalid_argument, "min_reputation must be in 0..1", Where::at_field("min_reputation"));
  return {};
}

Ticks CommunityOptions::local_fee() const noexcept {
  return static_cast<Ticks>(static_cast<double>(grid_fee) * (1.0 - community_discount));
}

Result<CommunitySettlement> settle_community(std::span<const CommunityMember> members,
                                             std::span<const CommunityInterval> intervals,
                                             const CommunityOptions& opt) {
  JOULE_RETURN_IF_ERROR(opt.validate());
  const Ticks fee = opt.local_fee();
  CommunitySettlement out;
  out.members.resize(members.size());
  for (std::size_t m = 0; m < members.size(); ++m) {
    if (!(members[m].reputation >= 0.0 && members[m].reputation <= 1.0))
      return fail(Errc::invalid_argument, "reputation must be in 0..1", Where::at_index(m, "members"));
    out.members[m].member = members[m].id;
  }
  // Local prices stay where both sides beat the grid: a seller gets at least
  // the export price, a buyer pays at most the import price (energy + fee).
  const Ticks lo = opt.grid_export_price;
  const Ticks hi = opt.grid_import_price - fee;
  std::vector<std::string> lines(members.size());
  for (const CommunityInterval& iv : intervals) {
    CommunityIntervalResult ir;
    ir.start_s = iv.start_s;
    std::vector<AuctionOrder> local;
    std::vector<std::size_t> local_of;  // index into iv.orders
    for (std::size_t k = 0; k < iv.orders.size(); ++k) {
      const CommunityOrder& o = iv.orders[k];
      if (o.member >= members.size()) return fail(Errc::invalid_argument, "unknown member", Where::at_index(k, "orders"));
      if (o.energy_wh <= 0) return fail(Errc::invalid_argument, "energy_wh must be > 0", Where::at_index(k, "orders"));
      if (o.side != Side::buy && o.side != Side::sell)
        return fail(Errc::invalid_argument, "unknown side", Where::at_index(k, "orders"));
      MemberStatement& st = out.members[o.member];
      (o.side == Side::buy ? st.consumed_wh : st.produced_wh) += o.energy_wh;
      if (members[o.member].reputation < opt.min_reputation || hi < lo) continue;
      // Buyers bid for energy net of the local fee they will also pay.
      const Ticks p = std::clamp(o.price, lo, hi);
      local.push_back(AuctionOrder{std::to_string(k), o.side, o.energy_wh, p, false, true});
      local_of.push_back(k);
    }
    std::vector<std::int64_t> got(iv.orders.size(), 0);
    if (!local.empty()) {
      AuctionOptions ao;
      ao.price_min = lo;
      ao.price_max = hi;
      ao.with_curves = false;
      JOULE_TRY(AuctionResult r, clear_call_auction(local, ao));
      if (r.cleared) {
        ir.local_price = r.price;
        ir.local_wh = r.volume;
        for (std::size_t j = 0; j < local.size(); ++j) got[local_of[j]] = r.fills[j];
      }
    }
    const Ticks P = ir.local_price.value_or(0);
    for (std::size_t k = 0; k < iv.orders.size(); ++k) {
      const CommunityOrder& o = iv.orders[k];
      MemberStatement& st = out.members[o.member];
      const std::int64_t rest = o.energy_wh - got[k];
      if (o.side == Side::buy) {
        st.local_bought_wh += got[k];
        st.paid_local_energy += got[k] * P;
        st.paid_local_fee += got[k] * fee;
        st.grid_import_wh += rest;
        st.paid_grid += rest * opt.grid_import_price;
        out.grid.import_wh += rest;
        out.grid.supplier_revenue += rest * opt.grid_import_price;
        out.grid.network_fees += got[k] * fee;
      } else {
        st.local_sold_wh += got[k];
        st.received_local += got[k] * P;
        st.grid_export_wh += rest;
        st.received_grid += rest * opt.grid_export_price;
        out.grid.export_wh += rest;
        out.grid.export_payments += rest * opt.grid_export_price;
      }
      lines[o.member] += fmt::format("  {} {:>4} {:>9} Wh: local {:>9} Wh @ {} (+fee {}), grid {:>9} Wh @ {}\n",
                                     iv.start_s, o.side == Side::buy ? "buy" : "sell", o.energy_wh, got[k],
                                     ir.local_price ? fmt::format("{}", P) : std::string("-"),
                                     o.side == Side::buy ? fee : 0, rest,
                                     o.side == Side::buy ? opt.grid_import_price : opt.grid_export_price);
    }
    out.intervals.push_back(ir);
  }
  // Conservation (exact integers).
  std::int64_t bought = 0, sold = 0, money = 0;
  bool energy_ok = true;
  const double to_cur = opt.money_per_tick / 1000.0;
  for (std::size_t m = 0; m < out.members.size(); ++m) {
    MemberStatement& st = out.members[m];
    bought += st.local_bought_wh;
    sold += st.local_sold_wh;
    energy_ok = energy_ok && st.consumed_wh == st.local_bought_wh + st.grid_import_wh &&
                st.produced_wh == st.local_sold_wh + st.grid_export_wh;
    st.net_energy_wh = st.produced_wh - st.consumed_wh;
    st.net_money = st.received_local + st.received_grid - st.paid_local_energy - st.paid_local_fee - st.paid_grid;
    st.net_money_currency = static_cast<double>(st.net_money) * to_cur;
    st.grid_only_cost_currency =
        (static_cast<double>(st.consumed_wh) * static_cast<double>(opt.grid_import_price) -
         static_cast<double>(st.produced_wh) * static_cast<double>(opt.grid_export_price)) * to_cur;
    money += st.net_money;
    st.statement = fmt::format(
        "Statement for {}\n{}"
        "  consumed {} Wh = local {} Wh + grid {} Wh\n"
        "  produced {} Wh = local {} Wh + grid {} Wh\n"
        "  paid: local energy {:.4f}, network fee {:.4f}, grid {:.4f}\n"
        "  received: local {:.4f}, grid {:.4f}\n"
        "  net {:+.4f} (grid alone: {:+.4f})\n",
        st.member, lines[m], st.consumed_wh, st.local_bought_wh, st.grid_import_wh, st.produced_wh, st.local_sold_wh,
        st.grid_export_wh, static_cast<double>(st.paid_local_energy) * to_cur,
        static_cast<double>(st.paid_local_fee) * to_cur, static_cast<double>(st.paid_grid) * to_cur,
        static_cast<double>(st.received_local) * to_cur, static_cast<double>(st.received_grid) * to_cur,
        st.net_money_currency, -st.grid_only_cost_currency);
  }
  std::int64_t local_sum = 0;
  for (const auto& ir : out.intervals) local_sum += ir.local_wh;
  out.energy_conserved = energy_ok && bought == sold && bought == local_sum;
  // Members' net + supplier + network operator - export payments = 0.
  out.money_conserved =
      money + out.grid.supplier_revenue + out.grid.network_fees - out.grid.export_payments == 0;
  return out;
}

}  // namespace joule::market
