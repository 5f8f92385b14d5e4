"""joule.market: order books, call auctions and market risk.

Prices are integer ticks and quantities integer lots (see docs/market.md).

* :class:`OrderBook`: a continuous limit order book (price-time priority,
  limit / market / IOC / FOK / all-or-none / iceberg orders, self-trade
  prevention, price band and circuit breaker, pre-trade risk limits) that
  reports every event.
* :func:`clear`: a uniform-price (or pay-as-bid) call auction over a pandas
  DataFrame of orders, following joule's normative clearing rules.
* :func:`clear_case`: clears a ``joule.call_auction.case/v1`` JSON case.
* :func:`plot_curves`: the aggregated supply and demand curves of a clearing.
* :func:`orders_from_curve` (step / piecewise-linear bid curves),
  :func:`clear_with_blocks` (single-period all-or-nothing blocks) and
  :func:`clear_multi_period` (multi-period, curtailable, linked and exclusive
  blocks, EUPHEMIA-style).
* :func:`value_at_risk`, :func:`position_risk`, :func:`schedule_risk`,
  :func:`quantile_path_weights`, :func:`sealed_bid`, :func:`english_auction`,
  :func:`settle_community` (peer-to-peer market with statements), :func:`generate_workload`,
  :func:`replay_workload`.

Example::

    >>> import pandas as pd, joule.market as jm
    >>> orders = pd.DataFrame({"id": ["b1", "s1"], "side": ["buy", "sell"],
    ...                        "qty": [6, 4], "price": [50, None]})
    >>> res = jm.clear(orders, price_min=-500, price_max=4000)
    >>> res.price, res.volume
    (50, 4)
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from ._joule import market as _m

__all__ = [
    "OrderBook",
    "ClearingResult",
    "clear",
    "clear_case",
    "plot_curves",
    "value_at_risk",
    "position_risk",
    "schedule_risk",
    "quantile_path_weights",
    "orders_from_curve",
    "clear_with_blocks",
    "clear_multi_period",
    "MultiPeriodResult",
    "sealed_bid",
    "english_auction",
    "settle_community",
    "generate_workload",
    "replay_workload",
]


class OrderBook:
    """A continuous limit order book over integer ticks and lots.

    Args:
        price_min, price_max: admissible price range [ticks] (negative prices allowed).
        stp: self-trade prevention: ``"none"``, ``"cancel_newest"`` (default),
            ``"cancel_oldest"`` or ``"cancel_both"``; applies to orders with the
            same non-zero ``owner``.
        price_band_ticks: reject orders further than this from the reference price
            (last trade, else ``reference_price``); 0 disables.
        reference_price: reference before the first trade [ticks].
        breaker_ticks: halt the book instead of trading further than this from the
            price that opened the current window; 0 disables.
        breaker_window_s: length of the breaker window [s].

    Every call records events; :meth:`events` returns and clears them.
    """

    def __init__(self, price_min: int = -999_900, price_max: int = 999_900, *, stp: str = "cancel_newest",
                 price_band_ticks: int = 0, reference_price: int = 0, breaker_ticks: int = 0,
                 breaker_window_s: int = 60) -> None:
        self._b = _m.OrderBook(int(price_min), int(price_max), stp, int(price_band_ticks), int(reference_price),
                               int(breaker_ticks), int(breaker_window_s))

    def submit(self, id: int, side: str, price: int, qty: int, type: str = "limit", *, peak: int = 0,
               owner: int = 0, time_s: int = 0, expire_s: int = 0) -> int:
        """Enters an order; returns the lots filled at once, or -1 when rejected
        (the ``rejected`` event carries the reason).

        ``type``: ``limit``, ``market``, ``ioc``, ``fok``, ``all_or_none`` or
        ``iceberg`` (with ``peak`` visible lots).
        """
        return self._b.submit(int(id), side, int(price), int(qty), type, int(peak), int(owner), int(time_s),
                              int(expire_s))

    def cancel(self, id: int) -> bool:
        """Cancels a live order; False when no such order is live."""
        return self._b.cancel(int(id))

    def reduce(self, id: int, by_lots: int) -> bool:
        """Reduces a live order by ``by_lots`` keeping its time priority."""
        return self._b.reduce(int(id), int(by_lots))

    def replace(self, id: int, price: int, qty: int, time_s: int = 0) -> int:
        """Re-prices / re-sizes a live order (it loses priority); lots filled, or -1 if refused."""
        return self._b.replace(int(id), int(price), int(qty), int(time_s))

    def expire(self, now_s: int) -> int:
        """Removes good-till orders whose time has come; returns how many."""
        return self._b.expire(int(now_s))

    def set_phase(self, phase: str) -> None:
        """``open``, ``halted`` or ``closed`` (reopening after a halt emits ``resumed``)."""
        self._b.set_phase(phase)

    @property
    def phase(self) -> str:
        """Current trading phase."""
        return self._b.phase()

    def events(self) -> List[Dict[str, Any]]:
        """Events since the last call, oldest first (dicts: kind, reason, side, id,
        other_id, price, qty, remaining, other_remaining, owner, other_owner)."""
        return self._b.take_events()

    def events_frame(self) -> pd.DataFrame:
        """:meth:`events` as a DataFrame."""
        return pd.DataFrame(self.events(), columns=["kind", "reason", "side", "id", "other_id", "price", "qty",
                                                    "remaining", "other_remaining", "owner", "other_owner"])

    def depth(self, side: str, levels: int = 10) -> pd.DataFrame:
        """Up to ``levels`` price levels of a side, best first (price, qty, orders)."""
        return pd.DataFrame(self._b.depth(side, int(levels)), columns=["price", "qty", "orders"])

    def best_bid(self) -> Optional[Tuple[int, int]]:
        """(price, visible lots) of the best bid, or None."""
        d = self._b.depth("buy", 1)
        return (d[0][0], d[0][1]) if d else None

    def best_ask(self) -> Optional[Tuple[int, int]]:
        """(price, visible lots) of the best ask, or None."""
        d = self._b.depth("sell", 1)
        return (d[0][0], d[0][1]) if d else None

    def stats(self) -> Dict[str, Any]:
        """Live orders, levels and lots per side, last trade, volume, VWAP [ticks]."""
        return self._b.stats()

    def order(self, id: int) -> Optional[Dict[str, Any]]:
        """A live order (id, side, price, open, visible, owner) or None."""
        return self._b.order(int(id))

    def set_limits(self, owner: int, *, max_position_lots: int = 2**62, max_order_value: float = float("inf"),
                   credit_line: float = float("inf")) -> None:
        """Pre-trade limits for a participant (ticks*lots for values); orders beyond
        them are rejected with ``risk_position``, ``risk_order_value`` or ``risk_credit``."""
        self._b.set_limits(int(owner), int(max_position_lots), float(max_order_value), float(credit_line))

    def position(self, owner: int, mark: Optional[int] = None) -> Dict[str, Any]:
        """A participant's net lots, open lots and cash [ticks*lots] (needs :meth:`set_limits`);
        with ``mark`` [ticks] also ``pnl`` = cash + net lots x mark [ticks*lots]."""
        p = self._b.position(int(owner))
        if mark is not None:
            p["pnl"] = p["cash"] + p["net_lots"] * int(mark)
        return p

    def check_invariants(self) -> None:
        """Raises joule.InternalError if the book's internal structures disagree."""
        self._b.check_invariants()


@dataclass
class ClearingResult:
    """Outcome of :func:`clear`.

    ``orders`` is the input DataFrame with ``fill``, ``valid`` and ``settle_price``
    columns added; ``demand`` / ``supply`` are the aggregated step curves
    (price, cumulative qty) for plotting.
    """

    cleared: bool
    price: Optional[int]
    price_interval: Tuple[int, int]
    volume: int
    rationed_side: Optional[str]
    rejected: List[Any]
    orders: pd.DataFrame
    demand: pd.DataFrame
    supply: pd.DataFrame
    buyer_payments: float = 0.0
    seller_receipts: float = 0.0
    extra: Dict[str, Any] = field(default_factory=dict)

    def expected_block(self) -> Dict[str, Any]:
        """The result in the layout of a case file's ``expected`` block."""
        valid = self.orders[self.orders["valid"]]
        return {
            "cleared": self.cleared,
            "price": self.price,
            "price_interval": list(self.price_interval),
            "volume": self.volume,
            "rationed_side": self.rationed_side,
            "fills": {str(i): int(f) for i, f in zip(valid["id"], valid["fill"])},
            "rejected": list(self.rejected),
        }


def clear(orders: pd.DataFrame, price_min: int = -500, price_max: int = 4000, pricing: str = "uniform") -> ClearingResult:
    """Clears one period of a call auction.

    Args:
        orders: DataFrame with columns ``id``, ``side`` ("buy"/"sell"), ``qty``
            [lots] and ``price`` [ticks]; a missing price (None/NaN) is a market
            order. Row order is arrival order (it breaks pro-rata ties).
        price_min, price_max: admissible price range [ticks].
        pricing: ``"uniform"`` (pay-as-clear) or ``"pay_as_bid"``.

    Returns:
        :class:`ClearingResult`. Invalid rows are listed in ``rejected``.
    """
    for col in ("id", "side", "qty", "price"):
        if col not in orders.columns:
            raise KeyError(f"orders needs a '{col}' column")
    ids = [str(x) for x in orders["id"]]
    sides = [str(x) for x in orders["side"]]
    qty_raw = pd.to_numeric(orders["qty"], errors="coerce").to_numpy(dtype=float)
    bad_qty = ~np.isfinite(qty_raw) | (qty_raw != np.floor(qty_raw))
    qty = np.where(bad_qty, 0, qty_raw).astype(np.int64)  # qty 0 is rejected
    price = pd.to_numeric(orders["price"], errors="coerce").to_numpy(dtype=float)
    r = _m.clear(ids, sides, qty, price, int(price_min), int(price_max), pricing)
    out = orders.copy()
    out["fill"] = r["fills"]
    out["valid"] = r["valid"]
    out["settle_price"] = r["settle_price"]
    demand = pd.DataFrame({"price": r["demand"][0], "qty": r["demand"][1]})
    supply = pd.DataFrame({"price": r["supply"][0], "qty": r["supply"][1]})
    return ClearingResult(r["cleared"], r["price"], tuple(r["price_interval"]), r["volume"], r["rationed_side"],
                          list(r["rejected"]), out, demand, supply, r["buyer_payments"], r["seller_receipts"])


def clear_case(path_or_text: Any) -> Tuple[Dict[str, Any], bool]:
    """Clears a ``joule.call_auction.case/v1`` case (a path or the JSON text).

    Returns the result in the layout of the case's ``expected`` block and
    whether it equals that block.
    """
    p = Path(path_or_text) if not str(path_or_text).lstrip().startswith("{") else None
    text = p.read_text() if p is not None else str(path_or_text)
    out, match = _m.clear_case_json(text)
    return json.loads(out), bool(match)


def plot_curves(result: ClearingResult, ax: Any = None, price_scale: float = 1.0, qty_scale: float = 1.0) -> Any:
    """Plots the aggregated demand and supply step curves and the clearing point.

    ``price_scale`` / ``qty_scale`` convert ticks and lots to display units
    (e.g. 0.01 for EUR/MWh with 0.01 EUR ticks). Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    d, s = result.demand, result.supply
    if len(d):
        ax.step(d["qty"] * qty_scale, d["price"] * price_scale, where="pre", label="demand", color="tab:blue")
    if len(s):
        ax.step(s["qty"] * qty_scale, s["price"] * price_scale, where="pre", label="supply", color="tab:orange")
    if result.price is not None:
        ax.plot([result.volume * qty_scale], [result.price * price_scale], "ko", label="clearing point")
    ax.set_xlabel("quantity")
    ax.set_ylabel("price")
    ax.legend()
    return ax


def value_at_risk(pnl: Sequence[float], confidence: float = 0.95,
                  weights: Optional[Sequence[float]] = None) -> Dict[str, float]:
    """Historical VaR and expected shortfall (positive losses) of P&L scenarios,
    optionally weighted (e.g. quantile paths of a probabilistic forecast)."""
    w = np.asarray(weights if weights is not None else [], dtype=float)
    var, es, mean = _m.value_at_risk(np.asarray(pnl, dtype=float), w, float(confidence))
    return {"var": var, "expected_shortfall": es, "mean_pnl": mean}


def position_risk(position_mwh: float, entry_price: float, price_scenarios: Sequence[float], confidence: float = 0.95,
                  weights: Optional[Sequence[float]] = None) -> Dict[str, float]:
    """VaR and expected shortfall (positive losses, money) of holding
    ``position_mwh`` bought at ``entry_price`` per MWh when the price moves to
    each scenario price: P&L = position * (price - entry)."""
    w = np.asarray(weights if weights is not None else [], dtype=float)
    var, es, mean = _m.position_risk(float(position_mwh), float(entry_price),
                                     np.asarray(price_scenarios, dtype=float), w, float(confidence))
    return {"var": var, "expected_shortfall": es, "mean_pnl": mean}


def schedule_risk(energy_mwh: Any, prices: Any, confidence: float = 0.95,
                  weights: Optional[Sequence[float]] = None) -> Dict[str, float]:
    """VaR and expected shortfall of a schedule's revenue against its (weighted)
    mean revenue.

    Args:
        energy_mwh: energy per period (+ sold / exported, - bought), e.g. a
            battery schedule (Series or array of length T).
        prices: price scenarios per MWh, one row per scenario and one column
            per period (DataFrame or 2-D array, S x T), e.g. the quantile paths
            of a ``joule.forecast`` prediction.
        weights: per scenario (e.g. :func:`quantile_path_weights`), or None.
    """
    e = np.asarray(energy_mwh, dtype=float).ravel()
    p = np.asarray(prices, dtype=float)
    if p.ndim != 2 or p.shape[1] != len(e):
        raise ValueError("prices must be a scenarios x periods table with one column per schedule period")
    w = np.asarray(weights if weights is not None else [], dtype=float)
    var, es, mean = _m.schedule_risk(e, np.ascontiguousarray(p).ravel(), w, float(confidence))
    return {"var": var, "expected_shortfall": es, "mean_pnl": mean}


def quantile_path_weights(levels: Sequence[float]) -> np.ndarray:
    """Scenario weights of quantile paths at ``levels`` (strictly increasing in
    (0, 1)): each path carries the probability mass nearest to its level."""
    return np.asarray(_m.quantile_path_weights([float(x) for x in levels]))


def orders_from_curve(id: str, side: str, points: Any, linear: bool = False) -> pd.DataFrame:
    """Expands a bid curve into step orders for :func:`clear`.

    Args:
        id: the curve's id; steps get ids ``"<id>@<price>"``.
        side: ``"buy"`` (prices strictly descending) or ``"sell"`` (ascending).
        points: (price [ticks], cumulative qty [lots]) pairs, or a DataFrame with
            ``price`` and ``qty`` columns; quantities non-decreasing.
        linear: piecewise-linear between points (discretised to whole lots per
            tick, each segment's lots add up exactly); otherwise steps.

    Returns:
        DataFrame with ``id``, ``side``, ``qty``, ``price``.
    """
    if isinstance(points, pd.DataFrame):
        prices, qty = points["price"].tolist(), points["qty"].tolist()
    else:
        prices = [p for p, _ in points]
        qty = [q for _, q in points]
    ids, p, q = _m.orders_from_curve(str(id), side, [int(x) for x in prices], [int(x) for x in qty], bool(linear))
    return pd.DataFrame({"id": ids, "side": [side] * len(ids), "qty": q, "price": p})


def _order_columns(orders: pd.DataFrame) -> Tuple[List[str], List[str], List[int], List[float]]:
    for col in ("id", "side", "qty", "price"):
        if col not in orders.columns:
            raise KeyError(f"orders needs a '{col}' column")
    ids = [str(x) for x in orders["id"]]
    sides = [str(x) for x in orders["side"]]
    qty_raw = pd.to_numeric(orders["qty"], errors="coerce").to_numpy(dtype=float)
    bad_qty = ~np.isfinite(qty_raw) | (qty_raw != np.floor(qty_raw))
    qty = np.where(bad_qty, 0, qty_raw).astype(np.int64).tolist()
    price = pd.to_numeric(orders["price"], errors="coerce").to_numpy(dtype=float).tolist()
    return ids, sides, qty, price


def clear_with_blocks(orders: pd.DataFrame, blocks: pd.DataFrame, price_min: int = -500,
                      price_max: int = 4000) -> Dict[str, Any]:
    """Clears one period with single-period all-or-nothing block orders.

    Blocks (``id``, ``side``, ``qty``, ``price``) are tried from the most
    aggressive limit on and kept when every kept block still fills completely
    at a price no worse than its limit (no paradoxically accepted blocks).

    Returns a dict: ``price``, ``price_interval``, ``volume`` (including the
    blocks), ``rationed_side``, ``rejected``, ``orders`` (input with ``fill``
    and ``valid``) and ``blocks`` (input with ``accepted``).
    """
    ids, sides, qty, price = _order_columns(orders)
    r = _m.clear_with_blocks(ids, sides, qty, price, [str(x) for x in blocks["id"]],
                             [str(x) for x in blocks["side"]], [int(x) for x in blocks["qty"]],
                             [int(x) for x in blocks["price"]], int(price_min), int(price_max))
    out = orders.copy()
    out["fill"] = r["fills"]
    out["valid"] = r["valid"]
    b = blocks.copy()
    b["accepted"] = r["block_accepted"]
    return {"cleared": r["cleared"], "price": r["price"], "price_interval": tuple(r["price_interval"]),
            "volume": r["volume"], "rationed_side": r["rationed_side"], "rejected": list(r["rejected"]),
            "orders": out, "blocks": b}


@dataclass
class MultiPeriodResult:
    """Outcome of :func:`clear_multi_period`.

    ``periods``: one row per period (``price``, ``volume``, ``interval_lo``,
    ``interval_hi``); ``orders``: the input with ``fill``; ``blocks``: the
    input with ``ratio``, ``accepted_steps``, ``lots`` (list per period),
    ``surplus`` [ticks*lots at the final prices] and
    ``paradoxically_rejected``; ``welfare`` [ticks*lots]; ``combinations``
    evaluated by the exact search.
    """

    periods: pd.DataFrame
    orders: pd.DataFrame
    blocks: pd.DataFrame
    welfare: float
    combinations: int


def clear_multi_period(orders: pd.DataFrame, blocks: pd.DataFrame, n_periods: Optional[int] = None, *,
                       price_min: int = -500, price_max: int = 4000, ratio_steps: int = 10,
                       max_combinations: int = 1 << 16) -> MultiPeriodResult:
    """Clears several periods with EUPHEMIA-style block orders (extension; rules
    in docs/market.md, "Multi-period and linked block orders").

    Args:
        orders: ``period`` (0-based), ``id``, ``side``, ``qty`` [lots], ``price``
            [ticks] (None/NaN = market order); one call auction per period.
        blocks: ``id``, ``side``, ``price`` (limit on the block's average price),
            ``qty`` (a list of lots per period), optional ``min_acceptance_ratio``
            (default 1 = all or none), ``parent`` (id of the parent block, None)
            and ``exclusive_group`` (int or None).
        n_periods: number of periods (default: from the blocks' qty lists or
            the orders' periods).
        ratio_steps: acceptance ratios are multiples of 1 / ratio_steps.

    The search is exact over those ratios and limited to ``max_combinations``
    block states (joule.LimitExceededError beyond).
    """
    if n_periods is None:
        n_from_blocks = max((len(q) for q in blocks["qty"]), default=0) if len(blocks) else 0
        n_from_orders = int(orders["period"].max()) + 1 if len(orders) else 0
        n_periods = max(n_from_blocks, n_from_orders, 1)
    ids, sides, qty, price = _order_columns(orders) if len(orders) else ([], [], [], [])
    period = [int(x) for x in orders["period"]] if len(orders) else []
    bids = [str(x) for x in blocks["id"]]
    index = {b: i for i, b in enumerate(bids)}
    ratios = [float(x) for x in blocks["min_acceptance_ratio"]] if "min_acceptance_ratio" in blocks.columns \
        else [1.0] * len(bids)
    parents: List[int] = []
    for p in (blocks["parent"] if "parent" in blocks.columns else [None] * len(bids)):
        if p is None or (isinstance(p, float) and np.isnan(p)):
            parents.append(-1)
        elif str(p) not in index:
            raise KeyError(f"parent {p!r} is not a block id")
        else:
            parents.append(index[str(p)])
    groups: List[Optional[int]] = []
    for g in (blocks["exclusive_group"] if "exclusive_group" in blocks.columns else [None] * len(bids)):
        groups.append(None if g is None or (isinstance(g, float) and np.isnan(g)) else int(g))
    fills, per, blk, welfare, combos = _m.clear_multi_period(
        int(n_periods), period, ids, sides, qty, price, bids, [str(x) for x in blocks["side"]],
        [int(x) for x in blocks["price"]], [[int(v) for v in q] for q in blocks["qty"]], ratios, parents, groups,
        int(price_min), int(price_max), int(ratio_steps), int(max_combinations))
    o = orders.copy()
    o["fill"] = fills
    b = blocks.copy()
    b["ratio"] = [x[0] for x in blk]
    b["accepted_steps"] = [x[1] for x in blk]
    b["lots"] = [list(x[2]) for x in blk]
    b["surplus"] = [x[3] for x in blk]
    b["paradoxically_rejected"] = [x[4] for x in blk]
    periods = pd.DataFrame(per, columns=["price", "volume", "interval_lo", "interval_hi"])
    periods.index.name = "period"
    return MultiPeriodResult(periods, o, b, welfare, combos)


def sealed_bid(bids: pd.DataFrame, reserve: int = 0, rule: str = "second_price") -> Optional[Tuple[str, int]]:
    """Sealed-bid auction of one item: ``bids`` has ``bidder``, ``amount`` [ticks]
    and optionally ``time_s``; returns (winner, price) or None when unsold.
    ``rule``: ``first_price`` or ``second_price`` (Vickrey)."""
    times = bids["time_s"].tolist() if "time_s" in bids.columns else [0] * len(bids)
    return _m.sealed_bid([str(b) for b in bids["bidder"]], [int(a) for a in bids["amount"]],
                         [int(t) for t in times], int(reserve), rule)


def english_auction(bids: pd.DataFrame, reserve: int, increment: int, close_s: int) -> Dict[str, Any]:
    """English (ascending) auction of one item: ``bids`` has ``bidder``, ``amount``
    [ticks] and ``time_s`` in arrival order. Returns ``winner`` (bidder, price) or
    None, and ``accepted`` (one bool per bid: False below the reserve / leader +
    increment or at or after the closing time)."""
    winner, accepted = _m.english_auction(int(reserve), int(increment), int(close_s),
                                          [str(b) for b in bids["bidder"]], [int(a) for a in bids["amount"]],
                                          [int(t) for t in bids["time_s"]])
    return {"winner": winner, "accepted": list(accepted)}


def settle_community(members: pd.DataFrame, orders: pd.DataFrame, *, money_per_tick: float = 0.0001,
                     grid_import_price: int = 3000, grid_export_price: int = 800, grid_fee: int = 900,
                     community_discount: float = 0.0, min_reputation: float = 0.0) -> Dict[str, Any]:
    """Peer-to-peer community market: local call auction per interval, grid for the rest.

    Args:
        members: ``id`` and optional ``reputation`` (0..1).
        orders: ``start_s``, ``member`` (id), ``side``, ``energy_wh`` and ``price``
            [ticks per kWh]; rows of one interval together.
        prices: ticks per kWh; ``money_per_tick`` converts to currency.

    Returns ``statements`` (DataFrame per member incl. the text statement),
    ``intervals`` (local price and energy per interval) and the two
    conservation flags ``energy_conserved`` / ``money_conserved``.
    """
    ids = [str(x) for x in members["id"]]
    rep = [float(x) for x in members["reputation"]] if "reputation" in members.columns else [1.0] * len(ids)
    index = {m: i for i, m in enumerate(ids)}
    try:
        member_idx = [index[str(m)] for m in orders["member"]]
    except KeyError as e:
        raise KeyError(f"order for unknown member {e}") from None
    st, iv, e_ok, m_ok = _m.settle_community(ids, rep, [int(x) for x in orders["start_s"]], member_idx,
                                             [str(x) for x in orders["side"]], [int(x) for x in orders["energy_wh"]],
                                             [int(x) for x in orders["price"]], float(money_per_tick),
                                             int(grid_import_price), int(grid_export_price), int(grid_fee),
                                             float(community_discount), float(min_reputation))
    return {"statements": pd.DataFrame(st), "intervals": pd.DataFrame(iv, columns=["start_s", "local_price", "local_wh"]),
            "energy_conserved": e_ok, "money_conserved": m_ok}


def generate_workload(path: str, n: int = 1_000_000, *, seed: int = 1, mid0: int = 10_000, mid_min: int = 2_000,
                      mid_max: int = 18_000, maxd: int = 64) -> Dict[str, Any]:
    """Writes a joule-lob-std-v1 stream (joule's own generator) and returns its expected outcome."""
    return json.loads(_m.generate_workload(str(path), int(n), int(seed), int(mid0), int(mid_min), int(mid_max),
                                           int(maxd)))


def replay_workload(path: str, latency: bool = False) -> Dict[str, Any]:
    """Replays a stream and returns the outcome (fills, hash, final book, throughput, latency)."""
    return json.loads(_m.replay_workload(str(path), bool(latency)))
