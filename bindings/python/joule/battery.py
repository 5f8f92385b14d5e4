"""Battery dispatch: the exact optimum of the canonical problem, with pandas.

The solver is the C++ dynamic programme on the piecewise-linear cost-to-go
of stored energy (docs/battery.md); this module turns pandas inputs into the
``joule.battery.case/1`` schema and the result back into a DataFrame.

Example::

    >>> import pandas as pd, joule.battery as jb
    >>> idx = pd.date_range("2025-01-01", periods=4, freq="15min", tz="UTC")
    >>> prices = pd.DataFrame({"price_import": [0.1, 0.1, 0.4, 0.4],
    ...                        "price_export": [0.05, 0.05, 0.35, 0.35]}, index=idx)
    >>> res = jb.optimize(prices, battery=dict(capacity_kwh=10, soc_init=0.5,
    ...                   p_charge_max_kw=5, p_discharge_max_kw=5),
    ...                   grid=dict(import_max_kw=10, export_max_kw=10))
    >>> round(res.objective, 4)   # sells all 5 kWh, 1.25 kWh per step
    -1.0
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from . import _joule

_native = _joule.battery

__all__ = ["DispatchResult", "SiteResult", "Plan", "mpc_backtest", "optimize", "optimize_case", "optimize_site", "screen",
           "plot"]

_SERIES = ("price_import", "price_export", "load_kw", "pv_kw", "emission_factor")


@dataclass
class DispatchResult:
    """Result of :func:`optimize`.

    Attributes:
        objective: total cost (currency), negative = profit.
        breakdown: energy_import, energy_export_revenue, degradation, carbon,
            demand, terminal_value (currency).
        schedule: DataFrame with grid_import_kw, grid_export_kw, charge_kw,
            discharge_kw, pv_curtail_kw, soc_kwh (end of step), pi (marginal
            cost of energy at the meter, currency/kWh) and w (marginal value
            of stored energy, currency/kWh); indexed like the input.
        soc_init_kwh: stored energy before the first step (kWh).
        peak_kw: one peak per demand window (kW).
        certificate: lower_bound, gap, proven_optimal, nonconvex_steps, ...
        verification: the independent verifier's findings.
        raw: the full result dictionary.
    """

    objective: float
    breakdown: Dict[str, float]
    schedule: Any
    soc_init_kwh: float
    peak_kw: List[float]
    certificate: Dict[str, Any]
    verification: Dict[str, Any]
    raw: Dict[str, Any] = field(repr=False, default_factory=dict)


def _to_list(x: Any) -> List[float]:
    return np.asarray(x, dtype=float).ravel().tolist()


def optimize_case(case: Union[Mapping[str, Any], str]) -> Dict[str, Any]:
    """Solve a ``joule.battery.case/1`` case (a dict or its JSON text).

    Parameters
    ----------
    case : dict or str
        The case (docs/battery.md): ``dt_hours`` [h], ``series`` (prices in
        currency/kWh, powers in kW), ``battery`` (kWh, kW, fractions), ``grid`` [kW].

    Returns
    -------
    dict
        ``{"objective", "breakdown", "schedule", "certificate", "verification",
        "warnings", "stats"}``; money in the case's currency, energy in kWh, power in kW.

    Raises
    ------
    joule.InvalidArgumentError
        A field is missing or out of range (the field is named).
    joule.InfeasibleError
        No schedule meets the constraints (step and constraint named).

    Examples
    --------
    >>> res = optimize_case(open("tests/data/battery/home_24h15_double_hump.json").read())
    >>> res["verification"]["feasible"]
    True
    """
    text = case if isinstance(case, str) else json.dumps(case)
    return json.loads(_native.optimize_json(text))


class Plan:
    """A solved case kept for warm starts (model-predictive control).

    ``decide(t, soc_kwh)`` returns the optimal action of step ``t`` from any
    stored energy: what a new solve of steps ``[t, T)`` from that energy would
    choose (Bellman's principle), at the cost of one DP step. Cases with
    demand charges are refused (``joule.UnsupportedError``).

    Example::

        >>> plan = Plan(open("tests/data/battery/home_24h15_double_hump.json").read())
        >>> step = plan.decide(40, soc_kwh=3.0)   # dict: charge_kw, discharge_kw, ..., cost_to_go
    """

    def __init__(self, case: Union[Mapping[str, Any], str]) -> None:
        text = case if isinstance(case, str) else json.dumps(case)
        self._plan = _native.Plan.from_json(text)

    @property
    def steps(self) -> int:
        """Number of steps T."""
        return int(self._plan.steps)

    @property
    def objective(self) -> float:
        """Optimal cost from the case's initial SoC (currency)."""
        return float(self._plan.objective)

    def decide(self, t: int, soc_kwh: float) -> Dict[str, float]:
        """Optimal action at step ``t`` from ``soc_kwh`` stored: charge_kw, discharge_kw,
        grid_import_kw, grid_export_kw, pv_curtail_kw, soc_next_kwh, cost_to_go (currency)."""
        return dict(self._plan.decide(int(t), float(soc_kwh)))

    def cost_to_go(self, t: int, soc_kwh: float) -> float:
        """Optimal cost of steps ``[t, T)`` from ``soc_kwh`` stored (currency)."""
        return float(self._plan.cost_to_go(int(t), float(soc_kwh)))


def mpc_backtest(case: Union[Mapping[str, Any], str], forecaster: Any = None, horizon_steps: int = 96,
                 horizon_mode: str = "rolling", warm_start: bool = True, terminal_value_factor: float = 1.0,
                 policy: str = "min_expected_cost") -> Dict[str, Any]:
    """Replays a case step by step with re-optimisation (receding horizon).

    Parameters
    ----------
    case : dict or str
        The true data (``joule.battery.case/1``).
    forecaster : callable or None
        ``forecaster(t, n)`` returns the forecast of steps ``[t, t + n)``: None
        (use the truth), one dict or a list of dicts (scenarios) with any of
        ``price_import``, ``price_export``, ``load_kw``, ``pv_kw`` (n values each;
        absent keys take the truth) and ``weight``. None: perfect foresight.
    horizon_steps : int
        Look-ahead per solve; the block length in ``"shrinking"`` mode.
    horizon_mode : str
        ``"rolling"`` (``[t, t + horizon_steps)``) or ``"shrinking"`` (to the end of
        the current block: a day-ahead plan re-optimised within its day).
    warm_start : bool
        Shrinking mode, no demand charges: while a scenario's forecast of the
        rest of the block is unchanged, its :class:`Plan` decides from the
        measured SoC and scores candidate first steps instead of new solves
        (``warm_decisions`` counts the steps decided that way).
    terminal_value_factor : float
        Energy left at a horizon end is worth this factor x the mean forecast
        export price x eta_discharge (currency/kWh).
    policy : str
        ``"min_expected_cost"`` or ``"most_likely"`` (several scenarios).

    Returns
    -------
    dict
        ``realised_cost``, ``perfect_foresight_cost``, ``regret`` (currency),
        ``solves``, ``warm_decisions``, ``candidate_solves``, ``dp_passes``, ``expected_cost`` and
        ``cost_spread`` per step, and ``schedule`` (a DataFrame of the applied steps).

    Raises
    ------
    joule.InvalidArgumentError
        A bad case field, horizon_mode or policy (named).
    ValueError
        The forecaster returned arrays of the wrong length or type.

    Examples
    --------
    >>> case = json.load(open("tests/data/battery/home_7d15_mixed.json"))
    >>> fc = lambda t, n: {"load_kw": forecast_load[t:t + n]}   # a day-ahead forecast
    >>> res = mpc_backtest(case, fc, horizon_steps=96, horizon_mode="shrinking")
    >>> res["warm_decisions"], res["regret"]
    """
    import pandas as pd

    text = case if isinstance(case, str) else json.dumps(case)
    wrapped = None
    if forecaster is not None:
        def wrapped(t: int, n: int) -> Any:
            r = forecaster(t, n)
            if r is None:
                return None
            scen = [r] if isinstance(r, Mapping) else list(r)
            return [{k: (None if v is None else (float(v) if k == "weight" else np.asarray(v, dtype=float).tolist()))
                     for k, v in s.items()} for s in scen]
    out = json.loads(_native.mpc_backtest_json(text, wrapped, int(horizon_steps), horizon_mode, bool(warm_start),
                                               float(terminal_value_factor), policy))
    sched = out["schedule"]
    soc = sched.pop("soc_kwh")
    sched.pop("peak_kw", None)
    frame = pd.DataFrame(sched)
    frame["soc_kwh"] = soc[1:]
    out["schedule"] = frame
    return out


def screen(case: Union[Mapping[str, Any], str]) -> List[Dict[str, Any]]:
    """Infeasibility screens: reasons a case cannot be solved, without solving it.

    Parameters
    ----------
    case : dict or str
        A ``joule.battery.case/1`` case (see :func:`optimize_case`).

    Returns
    -------
    list of dict
        ``{step, constraint, amount, message}`` per violation (amount in kW or kWh);
        empty when no screen fires.

    Raises
    ------
    joule.InvalidArgumentError
        The case itself is malformed (the field is named).

    Examples
    --------
    >>> screen({"schema": "joule.battery.case/1", "dt_hours": 1.0,
    ...         "series": {"price_import": [0.3], "price_export": [0.1], "load_kw": [20.0]},
    ...         "battery": {"capacity_kwh": 10, "soc_init": 0.5, "p_charge_max_kw": 5,
    ...                     "p_discharge_max_kw": 5},
    ...         "grid": {"import_max_kw": 5}})[0]["constraint"]
    'load_not_met'
    """
    text = case if isinstance(case, str) else json.dumps(case)
    return list(_native.screen_json(text))


def optimize(
    series: Any,
    battery: Mapping[str, Any],
    grid: Optional[Mapping[str, float]] = None,
    dt_hours: Optional[Union[float, Sequence[float]]] = None,
    pv_curtailable: bool = True,
    demand_charges: Optional[Sequence[Mapping[str, Any]]] = None,
    carbon: Optional[Mapping[str, Any]] = None,
) -> DispatchResult:
    """Exact optimal dispatch from a pandas DataFrame (or a dict of arrays).

    Parameters
    ----------
    series : DataFrame or dict of arrays
        One row per step: price_import, price_export (currency/kWh, required),
        load_kw, pv_kw (kW), emission_factor (kg/kWh).
    battery : dict
        capacity_kwh [kWh]; soc_min, soc_max, soc_init (fractions of capacity);
        p_charge_max_kw, p_discharge_max_kw [kW]; eta_charge, eta_discharge;
        degradation_cost_per_kwh [currency/kWh]; terminal (``{"mode": "fixed", "soc": x}``, ...).
    grid : dict, optional
        import_max_kw, export_max_kw [kW]; missing = unlimited.
    dt_hours : float or sequence of float, optional
        Step length(s) [h]; default: from a DatetimeIndex, else 1.
    pv_curtailable : bool
        PV may be curtailed.
    demand_charges : list of dict, optional
        ``[{"price_per_kw", "start", "end", "prior_peak_kw"}]`` (currency/kW, step indices, kW).
    carbon : dict, optional
        ``{"price_per_kg", "credit_exports"}`` (currency/kgCO2e).

    Returns
    -------
    DispatchResult
        Objective and breakdown (currency), the schedule as a DataFrame on the input's
        index (kW, kWh), certificate and verification.

    Raises
    ------
    ValueError
        price_import or price_export is missing.
    joule.InvalidArgumentError
        A battery or grid field is out of range (the field is named).
    joule.InfeasibleError
        No schedule meets the constraints (step and constraint named).

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2025-01-01", periods=4, freq="15min", tz="UTC")
    >>> prices = pd.DataFrame({"price_import": [0.1, 0.1, 0.4, 0.4],
    ...                        "price_export": [0.05, 0.05, 0.35, 0.35]}, index=idx)
    >>> res = optimize(prices, battery=dict(capacity_kwh=10, soc_init=0.5,
    ...                p_charge_max_kw=5, p_discharge_max_kw=5),
    ...                grid=dict(import_max_kw=10, export_max_kw=10))
    >>> round(res.objective, 4)
    -1.0
    """
    import pandas as pd

    index = getattr(series, "index", None)
    cols = {}
    for name in _SERIES:
        if hasattr(series, "columns"):
            if name in series.columns:
                cols[name] = _to_list(series[name])
        elif name in series:
            cols[name] = _to_list(series[name])
    if "price_import" not in cols or "price_export" not in cols:
        raise ValueError("series needs price_import and price_export")
    n = len(cols["price_import"])
    if dt_hours is None:
        if isinstance(index, pd.DatetimeIndex) and len(index) >= 2:
            step = (index[1:] - index[:-1]).total_seconds().to_numpy() / 3600.0
            dt_hours = step.tolist() + [float(step[-1])]
            if np.allclose(step, step[0]):
                dt_hours = float(step[0])
        else:
            dt_hours = 1.0
    case: Dict[str, Any] = {
        "schema": "joule.battery.case/1",
        "dt_hours": dt_hours if np.isscalar(dt_hours) else _to_list(dt_hours),
        "series": cols,
        "battery": dict(battery),
        "grid": dict(grid or {}),
        "pv_curtailable": bool(pv_curtailable),
    }
    if demand_charges:
        case["demand_charges"] = [dict(w) for w in demand_charges]
    if carbon:
        case["carbon"] = dict(carbon)
    raw = optimize_case(case)
    s = raw["schedule"]
    frame = pd.DataFrame(
        {
            "grid_import_kw": s["grid_import_kw"],
            "grid_export_kw": s["grid_export_kw"],
            "charge_kw": s["charge_kw"],
            "discharge_kw": s["discharge_kw"],
            "pv_curtail_kw": s["pv_curtail_kw"],
            "soc_kwh": s["soc_kwh"][1:],
            "pi": raw["certificate"]["pi"],
            "w": raw["certificate"]["w"],
        },
        index=index if index is not None and len(index) == n else None,
    )
    return DispatchResult(
        objective=float(raw["objective"]),
        breakdown=raw["breakdown"],
        schedule=frame,
        soc_init_kwh=float(s["soc_kwh"][0]),
        peak_kw=list(s["peak_kw"]),
        certificate=raw["certificate"],
        verification=raw["verification"],
        raw=raw,
    )


@dataclass
class SiteResult:
    """Result of :func:`optimize_site` (the LP optimum of a site).

    Attributes:
        objective: total cost (currency).
        grid: DataFrame with grid_import_kw, grid_export_kw, pv_curtail_kw and
            pi (balance dual, currency/kWh); indexed like the input.
        batteries: one DataFrame per battery with charge_kw, discharge_kw and
            soc_kwh (end of step).
        ev_kw: DataFrame, one column per EV session (kW, AC).
        deferrable_kw: DataFrame, one column per deferrable load (kW).
        peak_kw: one peak per demand window (kW).
        burned_kwh: energy still dissipated by simultaneous charge and
            discharge after the repair (0 whenever prices are non-negative).
        repaired_steps: (battery, step) pairs made exclusive by the repair.
        simultaneous_steps: (battery, step) pairs left charging and discharging at once.
        raw: the result dictionary.
    """

    objective: float
    grid: Any
    batteries: List[Any]
    ev_kw: Any
    deferrable_kw: Any
    peak_kw: List[float]
    burned_kwh: float
    repaired_steps: int
    simultaneous_steps: int
    raw: Dict[str, Any] = field(repr=False, default_factory=dict)


def _dt_from_index(index: Any, dt_hours: Any) -> Any:
    import pandas as pd

    if dt_hours is not None:
        return dt_hours if np.isscalar(dt_hours) else _to_list(dt_hours)
    if isinstance(index, pd.DatetimeIndex) and len(index) >= 2:
        step = (index[1:] - index[:-1]).total_seconds().to_numpy() / 3600.0
        if np.allclose(step, step[0]):
            return float(step[0])
        return step.tolist() + [float(step[-1])]
    return 1.0


def optimize_site(
    series: Any,
    batteries: Sequence[Mapping[str, Any]],
    evs: Optional[Sequence[Mapping[str, Any]]] = None,
    deferrable: Optional[Sequence[Mapping[str, Any]]] = None,
    grid: Optional[Mapping[str, float]] = None,
    dt_hours: Optional[Union[float, Sequence[float]]] = None,
    pv_curtailable: bool = True,
    demand_charges: Optional[Sequence[Mapping[str, Any]]] = None,
    carbon: Optional[Mapping[str, Any]] = None,
) -> SiteResult:
    """Optimal dispatch of a richer site with the COIN-OR CLP LP (pandas in and out).

    Several batteries, EVs with charging targets and deferrable loads share one grid
    connection; after the LP, simultaneous charge/discharge and import/export are removed
    where that cannot raise the cost (SPEC 4.1, 4.3), otherwise reported.

    Parameters
    ----------
    series : DataFrame or mapping
        Columns price_import, price_export (currency/kWh, required), load_kw, pv_kw (kW),
        emission_factor (kg/kWh); one row per step.
    batteries : sequence of dict
        Battery dicts as in :func:`optimize` (any number).
    evs : sequence of dict, optional
        ``{"arrival_step", "departure_step", "energy_kwh", "p_max_kw", "eta"}``: at least
        energy_kwh delivered over [arrival, departure).
    deferrable : sequence of dict, optional
        ``{"earliest_step", "end_step", "energy_kwh", "p_max_kw"}``: exactly energy_kwh inside the window.
    grid : dict, optional
        import_max_kw, export_max_kw (kW), shared by every asset.
    dt_hours : float or sequence of float, optional
        Step length(s) in hours; default: from a DatetimeIndex, else 1.
    pv_curtailable : bool
        PV may be curtailed.
    demand_charges : sequence of dict, optional
        ``{"price_per_kw", "start", "end", "prior_peak_kw"}``.
    carbon : dict, optional
        ``{"price_per_kg", "credit_exports"}``.

    Returns
    -------
    SiteResult
        Objective, per-step schedule of every asset and the grid, and the exclusivity report.

    Raises
    ------
    joule.UnsupportedError
        joule was built without CLP.
    joule.InfeasibleError
        An EV target or a deferrable energy cannot be reached.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"price_import": [0.10, 0.40], "price_export": [0.05, 0.05],
    ...                   "load_kw": [1.0, 3.0]})
    >>> r = optimize_site(s, [dict(capacity_kwh=5, soc_init=0.0, p_charge_max_kw=3, p_discharge_max_kw=3)])
    >>> round(r.objective, 4)  # charge 3 kWh at 0.10 with the first load, cover the second from the battery
    0.4
    """
    import pandas as pd

    index = getattr(series, "index", None)
    cols = {}
    for name in _SERIES:
        if hasattr(series, "columns"):
            if name in series.columns:
                cols[name] = _to_list(series[name])
        elif name in series:
            cols[name] = _to_list(series[name])
    if "price_import" not in cols or "price_export" not in cols:
        raise ValueError("series needs price_import and price_export")
    n = len(cols["price_import"])
    site: Dict[str, Any] = {
        "dt_hours": _dt_from_index(index, dt_hours),
        "series": cols,
        "batteries": [dict(b) for b in batteries],
        "evs": [dict(e) for e in (evs or [])],
        "deferrable": [dict(d) for d in (deferrable or [])],
        "grid": dict(grid or {}),
        "pv_curtailable": bool(pv_curtailable),
    }
    if demand_charges:
        site["demand_charges"] = [dict(w) for w in demand_charges]
    if carbon:
        site["carbon"] = dict(carbon)
    raw = json.loads(_native.optimize_site_json(json.dumps(site)))
    idx = index if index is not None and len(index) == n else None
    grid_df = pd.DataFrame(
        {
            "grid_import_kw": raw["grid_import_kw"],
            "grid_export_kw": raw["grid_export_kw"],
            "pv_curtail_kw": raw["pv_curtail_kw"],
            "pi": raw["pi"],
        },
        index=idx,
    )
    bats = [
        pd.DataFrame({"charge_kw": c, "discharge_kw": d, "soc_kwh": s[1:]}, index=idx)
        for c, d, s in zip(raw["charge_kw"], raw["discharge_kw"], raw["soc_kwh"])
    ]
    ev = pd.DataFrame({f"ev{i}": v for i, v in enumerate(raw["ev_kw"])}, index=idx)
    de = pd.DataFrame({f"deferrable{i}": v for i, v in enumerate(raw["deferrable_kw"])}, index=idx)
    return SiteResult(
        objective=float(raw["objective"]),
        grid=grid_df,
        batteries=bats,
        ev_kw=ev,
        deferrable_kw=de,
        peak_kw=list(raw["peak_kw"]),
        burned_kwh=float(raw["burned_kwh"]),
        repaired_steps=int(raw["repaired_steps"]),
        simultaneous_steps=int(raw["simultaneous_steps"]),
        raw=raw,
    )


def plot(result: DispatchResult, prices: Any = None, ax: Any = None) -> Any:
    """Plot state of charge, battery power and prices (matplotlib).

    Parameters
    ----------
    result : DispatchResult
        From :func:`optimize`.
    prices : Series or array, optional
        Import prices [currency/kWh] drawn on a twin axis.
    ax : sequence of two matplotlib axes, optional
        Default: a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Stored energy [kWh] on top, battery power [kW] below.

    Examples
    --------
    >>> fig = plot(optimize(prices, battery=dict(capacity_kwh=10)), prices["price_import"])
    """
    import matplotlib.pyplot as plt

    df = result.schedule
    if ax is None:
        fig, ax = plt.subplots(2, 1, sharex=True, figsize=(10, 6))
    else:
        fig = ax[0].figure
    x = df.index if df.index is not None else np.arange(len(df))
    ax[0].step(x, df["soc_kwh"], where="post", label="SoC [kWh]")
    ax[0].set_ylabel("stored energy [kWh]")
    ax[0].legend(loc="upper left")
    power = df["discharge_kw"] - df["charge_kw"]
    ax[1].step(x, power, where="post", label="discharge - charge [kW]")
    ax[1].set_ylabel("battery power [kW]")
    ax[1].legend(loc="upper left")
    if prices is not None:
        tw = ax[1].twinx()
        tw.step(x, np.asarray(prices, dtype=float), where="post", color="tab:red", alpha=0.6, label="price")
        tw.set_ylabel("price [currency/kWh]")
    fig.tight_layout()
    return fig
