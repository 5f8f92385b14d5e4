// Python binding of the market module (joule._joule.market); the public
// wrapper is joule/market.py.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <string>
#include <vector>

#include "bind_common.hpp"
#include "joule/market/call_auction.hpp"
#include "joule/market/community.hpp"
#include "joule/market/order_book.hpp"
#include "joule/market/risk.hpp"
#include "joule/market/single_item.hpp"
#include "joule/market/workload.hpp"

namespace joule::py {

namespace {

using namespace joule::market;

const char* kind_name(EventKind k) {
  switch (k) {
    case EventKind::accepted: return "accepted";
    case EventKind::rejected: return "rejected";
    case EventKind::fill: return "fill";
    case EventKind::rested: return "rested";
    case EventKind::cancelled: return "cancelled";
    case EventKind::expired: return "expired";
    case EventKind::reduced: return "reduced";
    case EventKind::replaced: return "replaced";
    case EventKind::halted: return "halted";
    case EventKind::resumed: return "resumed";
  }
  return "unknown";
}

const char* reason_name(Reason r) {
  switch (r) {
    case Reason::none: return "";
    case Reason::duplicate_id: return "duplicate_id";
    case Reason::bad_quantity: return "bad_quantity";
    case Reason::bad_price: return "bad_price";
    case Reason::price_band: return "price_band";
    case Reason::phase_halted: return "phase_halted";
    case Reason::phase_closed: return "phase_closed";
    case Reason::risk_position: return "risk_position";
    case Reason::risk_order_value: return "risk_order_value";
    case Reason::risk_credit: return "risk_credit";
    case Reason::capacity: return "capacity";
    case Reason::unknown_order: return "unknown_order";
    case Reason::fok_unfillable: return "fok_unfillable";
    case Reason::unfilled_remainder: return "unfilled_remainder";
    case Reason::self_trade: return "self_trade";
    case Reason::circuit_breaker: return "circuit_breaker";
    case Reason::user_cancel: return "user_cancel";
    case Reason::expired: return "expired";
    case Reason::bad_type: return "bad_type";
    case Reason::bad_id: return "bad_id";
  }
  return "unknown";
}

Side parse_side(const std::string& s) {
  if (s == "buy") return Side::buy;
  if (s == "sell") return Side::sell;
  raise_error(Error(Errc::invalid_argument, "side must be 'buy' or 'sell'", Where::at_field("side")));
}

OrderType parse_type(const std::string& s) {
  if (s == "limit") return OrderType::limit;
  if (s == "market") return OrderType::market;
  if (s == "ioc") return OrderType::ioc;
  if (s == "fok") return OrderType::fok;
  if (s == "all_or_none" || s == "aon") return OrderType::all_or_none;
  if (s == "iceberg") return OrderType::iceberg;
  raise_error(Error(Errc::invalid_argument, "type must be limit, market, ioc, fok, all_or_none or iceberg",
                    Where::at_field("type")));
}

SelfTradePrevention parse_stp(const std::string& s) {
  if (s == "none") return SelfTradePrevention::none;
  if (s == "cancel_newest") return SelfTradePrevention::cancel_newest;
  if (s == "cancel_oldest") return SelfTradePrevention::cancel_oldest;
  if (s == "cancel_both") return SelfTradePrevention::cancel_both;
  raise_error(Error(Errc::invalid_argument, "stp must be none, cancel_newest, cancel_oldest or cancel_both",
                    Where::at_field("stp")));
}

struct Collector final : EventSink {
  std::vector<Event> events;
  void on_event(const Event& e) noexcept override { events.push_back(e); }
};

// A book that keeps its events until the caller takes them.
struct PyBook {
  OrderBook book;
  Collector sink;
  RiskManager risk;
  bool risk_on = false;
};

pyb::dict event_dict(const Event& e) {
  pyb::dict d;
  d["kind"] = kind_name(e.kind);
  d["reason"] = reason_name(e.reason);
  d["side"] = e.side == Side::buy ? "buy" : "sell";
  d["id"] = e.id;
  d["other_id"] = e.other_id;
  d["price"] = e.price;
  d["qty"] = e.qty;
  d["remaining"] = e.remaining;
  d["other_remaining"] = e.other_remaining;
  d["owner"] = e.owner;
  d["other_owner"] = e.other_owner;
  return d;
}

pyb::list levels_list(const std::vector<LevelInfo>& v) {
  pyb::list l;
  for (const auto& x : v) l.append(pyb::make_tuple(x.price, x.qty, x.orders));
  return l;
}

}  // namespace

void init_market(pyb::module_& m) {
  m.doc() = "joule market module (compiled part); use joule.market.";

  pyb::class_<PyBook>(m, "OrderBook")
      .def(pyb::init([](Ticks price_min, Ticks price_max, const std::string& stp, Ticks band, Ticks reference,
                        Ticks breaker, std::int64_t window) {
             Instrument inst;
             inst.price_min = price_min;
             inst.price_max = price_max;
             OrderBookOptions o;
             o.book.stp = parse_stp(stp);
             o.book.price_band_ticks = band;
             o.book.reference_price = reference;
             o.book.breaker_ticks = breaker;
             o.book.breaker_window_s = window;
             auto b = OrderBook::create(inst, o);
             if (!b) raise_error(b.error());
             auto* p = new PyBook{std::move(*b), {}, {}, false};
             p->book.set_event_sink(&p->sink);
             return p;
           }),
           pyb::arg("price_min"), pyb::arg("price_max"), pyb::arg("stp"), pyb::arg("price_band_ticks"),
           pyb::arg("reference_price"), pyb::arg("breaker_ticks"), pyb::arg("breaker_window_s"))
      .def(
          "submit",
          [](PyBook& b, std::uint64_t id, const std::string& side, Ticks price, Lots qty, const std::string& type,
             Lots peak, ParticipantId owner, std::int64_t time_s, std::int64_t expire_s) -> Lots {
            OrderRequest r;
            r.id = id;
            r.side = parse_side(side);
            r.type = parse_type(type);
            r.price = price;
            r.qty = qty;
            r.peak = peak;
            r.owner = owner;
            r.time_s = time_s;
            r.expire_s = expire_s;
            auto f = b.book.submit(r);
            return f ? *f : -1;  // the rejection is in the events
          },
          pyb::arg("id"), pyb::arg("side"), pyb::arg("price"), pyb::arg("qty"), pyb::arg("type"), pyb::arg("peak"),
          pyb::arg("owner"), pyb::arg("time_s"), pyb::arg("expire_s"))
      .def("cancel", [](PyBook& b, std::uint64_t id) { return b.book.cancel(id).has_value(); })
      .def("reduce", [](PyBook& b, std::uint64_t id, Lots by) { return b.book.reduce(id, by).has_value(); })
      .def("replace",
           [](PyBook& b, std::uint64_t id, Ticks price, Lots qty, std::int64_t t) -> Lots {
             auto r = b.book.replace(id, price, qty, t);
             return r ? *r : -1;
           })
      .def("expire", [](PyBook& b, std::int64_t now) { return b.book.expire(now); })
      .def("set_phase",
           [](PyBook& b, const std::string& p) {
             if (p == "open") b.book.set_phase(TradingPhase::open);
             else if (p == "halted") b.book.set_phase(TradingPhase::halted);
             else if (p == "closed") b.book.set_phase(TradingPhase::closed);
             else raise_error(Error(Errc::invalid_argument, "phase must be open, halted or closed"));
           })
      .def("phase",
           [](const PyBook& b) {
             switch (b.book.engine().phase()) {
               case TradingPhase::open: return "open";
               case TradingPhase::halted: return "halted";
               case TradingPhase::closed: return "closed";
             }
             return "unknown";
           })
      .def("take_events",
           [](PyBook& b) {
             pyb::list l;
             for (const auto& e : b.sink.events) l.append(event_dict(e));
             b.sink.events.clear();
             return l;
           })
      .def("depth", [](const PyBook& b, const std::string& side,
                       std::size_t n) { return levels_list(b.book.depth(parse_side(side), n)); })
      .def("stats",
           [](const PyBook& b) {
             const auto& e = b.book.engine();
             const auto& t = e.trades();
             pyb::dict d;
             d["live_orders"] = e.live_orders();
             d["bid_levels"] = e.level_count(Side::buy);
             d["ask_levels"] = e.level_count(Side::sell);
             d["bid_qty"] = e.side_qty(Side::buy);
             d["ask_qty"] = e.side_qty(Side::sell);
             d["last_price"] = t.has_trade ? pyb::object(pyb::int_(t.last_price)) : pyb::object(pyb::none());
             d["last_qty"] = t.last_qty;
             d["volume"] = t.volume;
             d["trades"] = t.trades;
             d["vwap"] = t.has_trade ? pyb::object(pyb::float_(t.vwap())) : pyb::object(pyb::none());
             return d;
           })
      .def("order",
           [](const PyBook& b, std::uint64_t id) -> pyb::object {
             const OrderNode* n = b.book.engine().find(id);
             if (!n) return pyb::none();
             pyb::dict d;
             d["id"] = n->id;
             d["side"] = n->side == Side::buy ? "buy" : "sell";
             d["price"] = b.book.engine().instrument().price_min + static_cast<Ticks>(n->level);
             d["open"] = n->open;
             d["visible"] = n->visible;
             d["owner"] = n->owner;
             return d;
           })
      .def("set_limits",
           [](PyBook& b, ParticipantId who, Lots max_pos, double max_value, double credit) {
             unwrap(b.risk.set_limits(who, RiskLimits{max_pos, max_value, credit}));
             if (!b.risk_on) {
               b.book.set_pre_trade_check(&b.risk);
               b.risk_on = true;
             }
           })
      .def("position",
           [](const PyBook& b, ParticipantId who) {
             const Position p = b.risk.position(who);
             pyb::dict d;
             d["net_lots"] = p.net_lots;
             d["open_buy_lots"] = p.open_buy_lots;
             d["open_sell_lots"] = p.open_sell_lots;
             d["cash"] = p.cash;
             d["bought_lots"] = p.bought_lots;
             d["sold_lots"] = p.sold_lots;
             return d;
           })
      .def("check_invariants", [](const PyBook& b) { unwrap(b.book.engine().check_invariants()); });

  m.def(
      "clear",
      [](const std::vector<std::string>& ids, const std::vector<std::string>& sides,
         pyb::array_t<std::int64_t, pyb::array::c_style | pyb::array::forcecast> qty,
         pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast> price, Ticks price_min, Ticks price_max,
         const std::string& pricing) {
        const std::size_t n = ids.size();
        if (sides.size() != n || static_cast<std::size_t>(qty.size()) != n || static_cast<std::size_t>(price.size()) != n)
          raise_error(Error(Errc::invalid_argument, "ids, sides, qty and price must have the same length"));
        std::vector<AuctionOrder> o(n);
        auto q = qty.unchecked<1>();
        auto p = price.unchecked<1>();
        for (std::size_t i = 0; i < n; ++i) {
          o[i].id = ids[i];
          if (sides[i] == "buy") o[i].side = Side::buy;
          else if (sides[i] == "sell") o[i].side = Side::sell;
          else o[i].malformed = true;
          o[i].qty = q(static_cast<pyb::ssize_t>(i));
          const double pi = p(static_cast<pyb::ssize_t>(i));
          if (std::isnan(pi)) o[i].price = std::nullopt;
          else if (pi != std::floor(pi) || std::fabs(pi) > 9e15) o[i].malformed = true;
          else o[i].price = static_cast<Ticks>(pi);
        }
        AuctionOptions opt;
        opt.price_min = price_min;
        opt.price_max = price_max;
        if (pricing == "pay_as_bid") opt.pricing = Pricing::pay_as_bid;
        else if (pricing != "uniform")
          raise_error(Error(Errc::invalid_argument, "pricing must be 'uniform' or 'pay_as_bid'"));
        Result<AuctionResult> r = fail(Errc::internal, "not run");
        {
          pyb::gil_scoped_release nogil;
          r = clear_call_auction(o, opt);
        }
        if (!r) raise_error(r.error());
        pyb::dict d;
        d["cleared"] = r->cleared;
        d["price"] = r->price ? pyb::object(pyb::int_(*r->price)) : pyb::object(pyb::none());
        d["price_interval"] = pyb::make_tuple(r->interval_lo, r->interval_hi);
        d["volume"] = r->volume;
        d["rationed_side"] = r->rationed_side ? pyb::object(pyb::str(*r->rationed_side == Side::buy ? "buy" : "sell"))
                                              : pyb::object(pyb::none());
        pyb::array_t<std::int64_t> fills(static_cast<pyb::ssize_t>(n));
        pyb::array_t<std::int64_t> settle(static_cast<pyb::ssize_t>(n));
        pyb::array_t<bool> valid(static_cast<pyb::ssize_t>(n));
        auto f = fills.mutable_unchecked<1>();
        auto s = settle.mutable_unchecked<1>();
        auto v = valid.mutable_unchecked<1>();
        for (std::size_t i = 0; i < n; ++i) {
          f(static_cast<pyb::ssize_t>(i)) = r->fills[i];
          s(static_cast<pyb::ssize_t>(i)) = r->settle_price[i];
          v(static_cast<pyb::ssize_t>(i)) = r->valid[i];
        }
        d["fills"] = fills;
        d["settle_price"] = settle;
        d["valid"] = valid;
        pyb::list rej;
        for (auto i : r->rejected) rej.append(ids[i]);
        d["rejected"] = rej;
        auto curve = [](const std::vector<CurvePoint>& c) {
          pyb::array_t<std::int64_t> pr(static_cast<pyb::ssize_t>(c.size())), qt(static_cast<pyb::ssize_t>(c.size()));
          auto a = pr.mutable_unchecked<1>();
          auto b = qt.mutable_unchecked<1>();
          for (std::size_t i = 0; i < c.size(); ++i) {
            a(static_cast<pyb::ssize_t>(i)) = c[i].price;
            b(static_cast<pyb::ssize_t>(i)) = c[i].qty;
          }
          return pyb::make_tuple(pr, qt);
        };
        d["demand"] = curve(r->demand);
        d["supply"] = curve(r->supply);
        d["buyer_payments"] = r->buyer_payments;
        d["seller_receipts"] = r->seller_receipts;
        return d;
      },
      pyb::arg("ids"), pyb::arg("sides"), pyb::arg("qty"), pyb::arg("price"), pyb::arg("price_min"),
      pyb::arg("price_max"), pyb::arg("pricing"));

  m.def(
      "clear_case_json",
      [](const std::string& text) {
        auto c = parse_auction_case(text);
        if (!c) raise_error(c.error());
        auto r = clear_call_auction(c->orders, c->options);
        if (!r) raise_error(r.error());
        const std::string j = auction_result_json(*c, *r, -1);
        const bool match = !c->expected_json.empty() && json_equal(j, c->expected_json);
        return pyb::make_tuple(j, match);
      },
      pyb::arg("text"));

  m.def(
      "generate_workload",
      [](const std::string& path, std::uint64_t n, std::uint64_t seed, std::int64_t mid0, std::int64_t mid_min,
         std::int64_t mid_max, std::uint64_t maxd) {
        WorkloadParams p;
        p.n_ops = n;
        p.seed = seed;
        p.mid0 = mid0;
        p.mid_min = mid_min;
        p.mid_max = mid_max;
        p.maxd = maxd;
        WorkloadOutcome e;
        Result<std::vector<WorkloadRecord>> r = fail(Errc::internal, "not run");
        {
          pyb::gil_scoped_release nogil;
          r = generate_workload(p, &e);
        }
        if (!r) raise_error(r.error());
        unwrap(write_workload(path, *r, seed));
        return workload_outcome_json(e, false);
      },
      pyb::arg("path"), pyb::arg("n"), pyb::arg("seed"), pyb::arg("mid0"), pyb::arg("mid_min"), pyb::arg("mid_max"),
      pyb::arg("maxd"));

  m.def(
      "replay_workload",
      [](const std::string& path, bool latency) {
        Result<WorkloadOutcome> o = fail(Errc::internal, "not run");
        {
          pyb::gil_scoped_release nogil;
          auto recs = read_workload(path);
          if (!recs) {
            o = fail(recs.error());
          } else {
            ReplayOptions ro;
            ro.measure_latency = latency;
            o = replay_workload(*recs, ro);
          }
        }
        if (!o) raise_error(o.error());
        return workload_outcome_json(*o, true);
      },
      pyb::arg("path"), pyb::arg("latency"));

  m.def(
      "value_at_risk",
      [](pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast> pnl,
         pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast> weights, double confidence) {
        auto r = value_at_risk({pnl.data(), static_cast<std::size_t>(pnl.size())},
                               {weights.data(), static_cast<std::size_t>(weights.size())}, confidence);
        if (!r) raise_error(r.error());
        return pyb::make_tuple(r->var, r->expected_shortfall, r->mean_pnl);
      },
      pyb::arg("pnl"), pyb::arg("weights"), pyb::arg("confidence"));

  m.def(
      "english_auction",
      [](Ticks reserve, Ticks increment, std::int64_t close_s, const std::vector<std::string>& bidders,
         const std::vector<Ticks>& amounts, const std::vector<std::int64_t>& times) {
        if (amounts.size() != bidders.size() || times.size() != bidders.size())
          raise_error(Error(Errc::invalid_argument, "bidders, amounts and times must have the same length"));
        auto a = EnglishAuction::create({reserve, increment, close_s});
        if (!a) raise_error(a.error());
        pyb::list accepted;
        for (std::size_t i = 0; i < bidders.size(); ++i) accepted.append(a->bid(bidders[i], amounts[i], times[i]).has_value());
        auto r = a->close(close_s);
        if (!r) raise_error(r.error());
        pyb::object winner = r->sold ? pyb::object(pyb::make_tuple(r->winner, r->price)) : pyb::object(pyb::none());
        return pyb::make_tuple(winner, accepted);
      },
      pyb::arg("reserve"), pyb::arg("increment"), pyb::arg("close_s"), pyb::arg("bidders"), pyb::arg("amounts"),
      pyb::arg("times"));

  m.def(
      "settle_community",
      [](const std::vector<std::string>& member_ids, const std::vector<double>& reputation,
         const std::vector<std::int64_t>& start_s, const std::vector<std::size_t>& member,
         const std::vector<std::string>& side, const std::vector<std::int64_t>& energy_wh,
         const std::vector<Ticks>& price, double money_per_tick, Ticks import_price, Ticks export_price,
         Ticks grid_fee, double discount, double min_reputation) {
        const std::size_t n = start_s.size();
        if (reputation.size() != member_ids.size() || member.size() != n || side.size() != n ||
            energy_wh.size() != n || price.size() != n)
          raise_error(Error(Errc::invalid_argument, "column lengths differ"));
        std::vector<CommunityMember> mem(member_ids.size());
        for (std::size_t i = 0; i < mem.size(); ++i) mem[i] = CommunityMember{member_ids[i], reputation[i]};
        std::vector<CommunityInterval> iv;
        for (std::size_t k = 0; k < n; ++k) {
          if (iv.empty() || iv.back().start_s != start_s[k]) iv.push_back(CommunityInterval{start_s[k], {}});
          iv.back().orders.push_back(CommunityOrder{member[k], parse_side(side[k]), energy_wh[k], price[k]});
        }
        CommunityOptions o;
        o.money_per_tick = money_per_tick;
        o.grid_import_price = import_price;
        o.grid_export_price = export_price;
        o.grid_fee = grid_fee;
        o.community_discount = discount;
        o.min_reputation = min_reputation;
        auto r = settle_community(mem, iv, o);
        if (!r) raise_error(r.error());
        pyb::list members;
        for (const auto& st : r->members) {
          pyb::dict d;
          d["member"] = st.member;
          d["consumed_wh"] = st.consumed_wh;
          d["produced_wh"] = st.produced_wh;
          d["local_bought_wh"] = st.local_bought_wh;
          d["local_sold_wh"] = st.local_sold_wh;
          d["grid_import_wh"] = st.grid_import_wh;
          d["grid_export_wh"] = st.grid_export_wh;
          d["net_money"] = st.net_money_currency;
          d["grid_only_net_money"] = -st.grid_only_cost_currency;
          d["statement"] = st.statement;
          members.append(d);
        }
        pyb::list intervals;
        for (const auto& x : r->intervals)
          intervals.append(pyb::make_tuple(x.start_s, x.local_price ? pyb::object(pyb::int_(*x.local_price)) : pyb::object(pyb::none()), x.local_wh));
        return pyb::make_tuple(members, intervals, r->energy_conserved, r->money_conserved);
      },
      pyb::arg("member_ids"), pyb::arg("reputation"), pyb::arg("start_s"), pyb::arg("member"), pyb::arg("side"),
      pyb::arg("energy_wh"), pyb::arg("price"), pyb::arg("money_per_tick"), pyb::arg("import_price"),
      pyb::arg("export_price"), pyb::arg("grid_fee"), pyb::arg("discount"), pyb::arg("min_reputation"));

  m.def(
      "sealed_bid",
      [](const std::vector<std::string>& bidders, const std::vector<Ticks>& amounts,
         const std::vector<std::int64_t>& times, Ticks reserve, const std::string& rule) -> pyb::object {
        if (amounts.size() != bidders.size() || times.size() != bidders.size())
          raise_error(Error(Errc::invalid_argument, "bidders, amounts and times must have the same length"));
        std::vector<ItemBid> b(bidders.size());
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = ItemBid{bidders[i], amounts[i], times[i]};
        SealedBidRule sr = SealedBidRule::first_price;
        if (rule == "second_price") sr = SealedBidRule::second_price;
        else if (rule != "first_price")
          raise_error(Error(Errc::invalid_argument, "rule must be first_price or second_price"));
        auto r = sealed_bid_auction(b, reserve, sr);
        if (!r) raise_error(r.error());
        if (!r->sold) return pyb::none();
        return pyb::make_tuple(r->winner, r->price);
      },
      pyb::arg("bidders"), pyb::arg("amounts"), pyb::arg("times"), pyb::arg("reserve"), pyb::arg("rule"));
  m.def(
      "orders_from_curve",
      [](const std::string& id, const std::string& side, const std::vector<Ticks>& prices,
         const std::vector<Lots>& qty, bool linear) {
        if (prices.size() != qty.size())
          raise_error(Error(Errc::invalid_argument, "prices and qty must have the same length"));
        BidCurve c{id, parse_side(side), {}, linear};
        for (std::size_t i = 0; i < prices.size(); ++i) c.points.push_back(CurvePoint{prices[i], qty[i]});
        auto r = orders_from_curve(c);
        if (!r) raise_error(r.error());
        std::vector<std::string> ids;
        std::vector<Ticks> p;
        std::vector<Lots> q;
        for (const auto& o : *r) {
          ids.push_back(o.id);
          p.push_back(*o.price);
          q.push_back(o.qty);
        }
        return pyb::make_tuple(ids, p, q);
      },
      pyb::arg("id"), pyb::arg("side"), pyb::arg("prices"), pyb::arg("qty"), pyb::arg("linear"));

  m.def(
      "clear_with_blocks",
      [](const std::vector<std::string>& ids, const std::vector<std::string>& sides, const std::vector<Lots>& qty,
         const std::vector<double>& price, const std::vector<std::string>& block_ids,
         const std::vector<std::string>& block_sides, const std::vector<Lots>& block_qty,
         const std::vector<Ticks>& block_price, Ticks price_min, Ticks price_max) {
        const std::size_t n = ids.size(), nb = block_ids.size();
        if (sides.size() != n || qty.size() != n || price.size() != n || block_sides.size() != nb ||
            block_qty.size() != nb || block_price.size() != nb)
          raise_error(Error(Errc::invalid_argument, "column lengths differ"));
        std::vector<AuctionOrder> o(n);
        for (std::size_t i = 0; i < n; ++i) {
          o[i].id = ids[i];
          if (sides[i] == "buy") o[i].side = Side::buy;
          else if (sides[i] == "sell") o[i].side = Side::sell;
          else o[i].malformed = true;
          o[i].qty = qty[i];
          if (!std::isnan(price[i])) {
            if (price[i] != std::floor(price[i]) || std::fabs(price[i]) > 9e15) o[i].malformed = true;
            else o[i].price = static_cast<Ticks>(price[i]);
          }
        }
        std::vector<BlockOrder> b(nb);
        for (std::size_t i = 0; i < nb; ++i) b[i] = BlockOrder{block_ids[i], parse_side(block_sides[i]), block_qty[i], block_price[i]};
        AuctionOptions opt;
        opt.price_min = price_min;
        opt.price_max = price_max;
        Result<BlockAuctionResult> r = fail(Errc::internal, "not run");
        {
          pyb::gil_scoped_release nogil;
          r = clear_with_blocks(o, b, opt);
        }
        if (!r) raise_error(r.error());
        const AuctionResult& a = r->result;
        std::vector<Lots> fills(a.fills.begin(), a.fills.begin() + static_cast<std::ptrdiff_t>(n));
        std::vector<bool> valid(a.valid.begin(), a.valid.begin() + static_cast<std::ptrdiff_t>(n));
        pyb::list rej;
        for (auto i : a.rejected)
          if (i < n) rej.append(ids[i]);
        pyb::dict d;
        d["cleared"] = a.cleared;
        d["price"] = a.price ? pyb::object(pyb::int_(*a.price)) : pyb::object(pyb::none());
        d["price_interval"] = pyb::make_tuple(a.interval_lo, a.interval_hi);
        d["volume"] = a.volume;
        d["rationed_side"] = a.rationed_side ? pyb::object(pyb::str(*a.rationed_side == Side::buy ? "buy" : "sell"))
                                             : pyb::object(pyb::none());
        d["fills"] = fills;
        d["valid"] = valid;
        d["rejected"] = rej;
        d["block_accepted"] = r->block_accepted;
        return d;
      },
      pyb::arg("ids"), pyb::arg("sides"), pyb::arg("qty"), pyb::arg("price"), pyb::arg("block_ids"),
      pyb::arg("block_sides"), pyb::arg("block_qty"), pyb::arg("block_price"), pyb::arg("price_min"),
      pyb::arg("price_max"));

  m.def(
      "clear_multi_period",
      [](std::size_t n_periods, const std::vector<std::size_t>& period, const std::vector<std::string>& ids,
         const std::vector<std::string>& sides, const std::vector<Lots>& qty, const std::vector<double>& price,
         const std::vector<std::string>& block_ids, const std::vector<std::string>& block_sides,
         const std::vector<Ticks>& block_price, const std::vector<std::vector<Lots>>& block_qty,
         const std::vector<double>& min_ratio, const std::vector<std::int64_t>& parent,
         const std::vector<std::optional<std::int64_t>>& group, Ticks price_min, Ticks price_max, int ratio_steps,
         std::size_t max_combinations) {
        const std::size_t n = ids.size(), nb = block_ids.size();
        if (period.size() != n || sides.size() != n || qty.size() != n || price.size() != n ||
            block_sides.size() != nb || block_price.size() != nb || block_qty.size() != nb ||
            min_ratio.size() != nb || parent.size() != nb || group.size() != nb)
          raise_error(Error(Errc::invalid_argument, "column lengths differ"));
        std::vector<std::vector<AuctionOrder>> per(n_periods);
        std::vector<std::pair<std::size_t, std::size_t>> where(n);
        for (std::size_t i = 0; i < n; ++i) {
          if (period[i] >= n_periods)
            raise_error(Error(Errc::invalid_argument, "period index out of range", Where::at_index(i, "period")));
          AuctionOrder a;
          a.id = ids[i];
          if (sides[i] == "buy") a.side = Side::buy;
          else if (sides[i] == "sell") a.side = Side::sell;
          else a.malformed = true;
          a.qty = qty[i];
          if (!std::isnan(price[i])) {
            if (price[i] != std::floor(price[i]) || std::fabs(price[i]) > 9e15) a.malformed = true;
            else a.price = static_cast<Ticks>(price[i]);
          }
          where[i] = {period[i], per[period[i]].size()};
          per[period[i]].push_back(std::move(a));
        }
        std::vector<PeriodBlock> b(nb);
        for (std::size_t i = 0; i < nb; ++i) {
          b[i].id = block_ids[i];
          b[i].side = parse_side(block_sides[i]);
          b[i].price = block_price[i];
          b[i].qty = block_qty[i];
          b[i].min_acceptance_ratio = min_ratio[i];
          if (parent[i] >= 0) b[i].parent = static_cast<std::size_t>(parent[i]);
          b[i].exclusive_group = group[i];
        }
        MultiPeriodOptions opt;
        opt.auction.price_min = price_min;
        opt.auction.price_max = price_max;
        opt.auction.with_curves = false;
        opt.ratio_steps = ratio_steps;
        opt.max_combinations = max_combinations;
        Result<MultiPeriodResult> r = fail(Errc::internal, "not run");
        {
          pyb::gil_scoped_release nogil;
          r = clear_multi_period(per, b, opt);
        }
        if (!r) raise_error(r.error());
        std::vector<Lots> fills(n);
        for (std::size_t i = 0; i < n; ++i) fills[i] = r->periods[where[i].first].fills[where[i].second];
        pyb::list periods;
        for (const auto& a : r->periods)
          periods.append(pyb::make_tuple(a.price ? pyb::object(pyb::int_(*a.price)) : pyb::object(pyb::none()),
                                         a.volume, a.interval_lo, a.interval_hi));
        pyb::list blocks;
        for (const auto& a : r->blocks)
          blocks.append(pyb::make_tuple(a.ratio, a.accepted_steps, a.lots, a.surplus, a.paradoxically_rejected));
        return pyb::make_tuple(fills, periods, blocks, r->welfare, r->combinations);
      },
      pyb::arg("n_periods"), pyb::arg("period"), pyb::arg("ids"), pyb::arg("sides"), pyb::arg("qty"),
      pyb::arg("price"), pyb::arg("block_ids"), pyb::arg("block_sides"), pyb::arg("block_price"),
      pyb::arg("block_qty"), pyb::arg("min_ratio"), pyb::arg("parent"), pyb::arg("group"), pyb::arg("price_min"),
      pyb::arg("price_max"), pyb::arg("ratio_steps"), pyb::arg("max_combinations"));

  m.def(
      "position_risk",
      [](double position_mwh, double entry_price, pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast> prices,
         pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast> weights, double confidence) {
        auto r = position_risk(position_mwh, entry_price, {prices.data(), static_cast<std::size_t>(prices.size())},
                               {weights.data(), static_cast<std::size_t>(weights.size())}, confidence);
        if (!r) raise_error(r.error());
        return pyb::make_tuple(r->var, r->expected_shortfall, r->mean_pnl);
      },
      pyb::arg("position_mwh"), pyb::arg("entry_price"), pyb::arg("prices"), pyb::arg("weights"),
      pyb::arg("confidence"));

  m.def(
      "schedule_risk",
      [](pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast> energy,
         pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast> prices,
         pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast> weights, double confidence) {
        auto r = schedule_risk({energy.data(), static_cast<std::size_t>(energy.size())},
                               {prices.data(), static_cast<std::size_t>(prices.size())},
                               {weights.data(), static_cast<std::size_t>(weights.size())}, confidence);
        if (!r) raise_error(r.error());
        return pyb::make_tuple(r->var, r->expected_shortfall, r->mean_pnl);
      },
      pyb::arg("energy_mwh"), pyb::arg("prices"), pyb::arg("weights"), pyb::arg("confidence"));

  m.def(
      "quantile_path_weights",
      [](const std::vector<double>& levels) {
        auto r = quantile_path_weights(levels);
        if (!r) raise_error(r.error());
        return *r;
      },
      pyb::arg("levels"));
}

}  // namespace joule::py
