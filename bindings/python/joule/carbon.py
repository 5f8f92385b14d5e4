"""Carbon accounting: Scope 2, 24/7 CFE, flow tracing, certificates, marginal vs average.

Every function here calls joule's C++ calculators, so Python, C, C++ and the
CLI give the same numbers. Units are in the names: kWh, g/kWh (= kg/MWh), kg.

Example::

    >>> import joule.carbon as jc, pandas as pd
    >>> jc.to_g_per_kwh(1000, "lb/MWh")
    453.59237
    >>> idx = pd.date_range("2024-06-01", periods=3, freq="h", tz="UTC")
    >>> summary, hourly = jc.cfe(pd.Series([100.0, 100, 100], idx), pd.Series([150.0, 50, 0], idx),
    ...                          pd.Series([0.4, 0.4, 0.4], idx))
    >>> round(summary["cfe_score"], 4)
    0.6
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _joule

_c = _joule.carbon

__all__ = [
    "run_case",
    "run_case_file",
    "to_g_per_kwh",
    "ipcc_ar5_median",
    "delta_emissions_kg",
    "energy_weighted_intensity",
    "cfe",
    "trace",
    "trace_series",
    "verify_log",
]

ArrayLike = Union[Sequence[float], np.ndarray, pd.Series]


def run_case(family: str, inputs: Union[Mapping[str, Any], str]) -> Dict[str, Any]:
    """Run one calculator on the ``inputs`` of a ``joule-carbon-testcase/1`` case.

    family: ``"scope2"``, ``"cfe"``, ``"flowtrace"``, ``"certs"`` or ``"shift"``.
    inputs: the inputs mapping (or JSON text, or a whole case document).
    Returns a dict with the layout of the case's ``expected`` block.
    Raises joule.errors exceptions (e.g. InvalidArgumentError) on bad input.
    """
    text = inputs if isinstance(inputs, str) else json.dumps(inputs)
    return json.loads(_c.run_case(family, text))


def run_case_file(path: Union[str, Path]) -> Dict[str, Any]:
    """Run a whole case file; the family is read from its ``family`` field."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return run_case(doc["family"], doc["inputs"])


def to_g_per_kwh(value: float, unit: str) -> float:
    """Convert an intensity to gCO2(e)/kWh; unit: g/kWh, kg/MWh, lb/MWh, t/MWh, kg/kWh."""
    return _c.to_g_per_kwh(float(value), unit)


def ipcc_ar5_median(mode: str) -> float:
    """IPCC AR5 Annex III lifecycle median (gCO2eq/kWh) for a verified technology ("coal", "wind", ...)."""
    return _c.ipcc_ar5_median(mode)


def _arr(x: ArrayLike) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(x, dtype=np.float64))


def delta_emissions_kg(delta_kwh: ArrayLike, factor_g_per_kwh: ArrayLike) -> float:
    """Emissions change (kg) of a change in grid withdrawal: sum(delta * factor) / 1000.

    With pandas Series the two are aligned on their index first (a missing factor is an error).
    """
    if isinstance(delta_kwh, pd.Series) and isinstance(factor_g_per_kwh, pd.Series):
        factor = factor_g_per_kwh.reindex(delta_kwh.index)
        if factor.isna().any():
            raise _joule_error("factor series does not cover every interval of the energy series")
        return _c.delta_emissions_kg(_arr(delta_kwh), _arr(factor))
    return _c.delta_emissions_kg(_arr(delta_kwh), _arr(factor_g_per_kwh))


def energy_weighted_intensity(energy_kwh: ArrayLike, intensity_g_per_kwh: ArrayLike) -> float:
    """sum(E * I) / sum(E): the intensity of a consumption profile (never the plain mean)."""
    return _c.energy_weighted_intensity(_arr(energy_kwh), _arr(intensity_g_per_kwh))


def _joule_error(msg: str) -> Exception:
    from .errors import InvalidArgumentError

    return InvalidArgumentError(msg)


def cfe(
    load_kwh: pd.Series,
    ppa_kwh: pd.Series,
    grid_cfe_share: pd.Series,
    grid_ci_g_per_kwh: Optional[pd.Series] = None,
    battery: Optional[Mapping[str, float]] = None,
    schedule_kwh: Optional[pd.Series] = None,
) -> Tuple[Dict[str, Optional[float]], pd.DataFrame]:
    """Hourly matching and the 24/7 CFE score (METHODS.md B).

    battery: mapping with energy_kwh, power_kw, roundtrip_eff, soc0_kwh (optional).
    schedule_kwh: battery schedule (+ charge, - delivered), limited by the claim rules.
    Returns (summary dict, hourly DataFrame with direct/charge/discharge/grid/cfe kWh and cfe_score,
    NaN where load is 0) indexed like ``load_kwh``.
    """
    idx = load_kwh.index if isinstance(load_kwh, pd.Series) else None
    b = None
    if battery is not None:
        b = [float(battery["energy_kwh"]), float(battery["power_kw"]), float(battery["roundtrip_eff"]),
             float(battery.get("soc0_kwh", 0.0))]
    r = _c.cfe(_arr(load_kwh), _arr(ppa_kwh), _arr(grid_cfe_share),
               None if grid_ci_g_per_kwh is None else list(_arr(grid_ci_g_per_kwh)), b,
               None if schedule_kwh is None else list(_arr(schedule_kwh)))
    hourly = pd.DataFrame(
        {k: r.pop(k) for k in ("direct_kwh", "charge_kwh", "discharge_kwh", "grid_kwh", "cfe_kwh")}, index=idx
    )
    hourly["cfe_score"] = r.pop("hourly_cfe_score")
    return dict(r), hourly


def trace(zones: Sequence[str], production_mwh: Mapping[str, Mapping[str, float]], ef_g_per_kwh: Mapping[str, float],
          flows: Sequence[Mapping[str, Any]], netting: bool = True,
          storage_charge_mwh: Optional[Mapping[str, float]] = None) -> Dict[str, Any]:
    """Flow tracing of one step with origin shares and source mix (dense LU).

    Undefined intensities (zones without production behind their pool) are ``None``.
    """
    inputs = {"zones": list(zones), "production_mwh": {z: dict(production_mwh.get(z, {})) for z in zones},
              "ef_g_per_kwh": dict(ef_g_per_kwh), "flows": [dict(f) for f in flows], "netting": bool(netting),
              "storage_charge_mwh": dict(storage_charge_mwh or {})}
    return run_case("flowtrace", inputs)


def trace_series(production_mwh: pd.DataFrame, production_emissions_kg: pd.DataFrame,
                 border_net_mwh: pd.DataFrame, solver: str = "scc") -> pd.DataFrame:
    """Flow-traced consumption intensity (g/kWh) for many steps.

    production_mwh, production_emissions_kg: index = time, columns = zones.
    border_net_mwh: columns named ``"A->B"`` (net flow, positive from A to B), same index.
    solver: ``"scc"`` (default), ``"dense"`` or ``"sparse"``. Undefined zones are NaN in the result.
    """
    zones = list(production_mwh.columns)
    pos = {z: i for i, z in enumerate(zones)}
    borders = []
    for col in border_net_mwh.columns:
        a, b = str(col).split("->")
        borders.append((pos[a], pos[b]))
    solvers = {"scc": 0, "dense": 1, "sparse": 2}
    out = _c.trace_steps(len(zones), borders, _arr(production_mwh[zones].to_numpy()),
                         _arr(production_emissions_kg[zones].to_numpy()), _arr(border_net_mwh.to_numpy()),
                         solvers[solver])
    return pd.DataFrame(out, index=production_mwh.index, columns=zones)


def verify_log(log: Union[str, Path]) -> int:
    """Verify a registry log's SHA-256 chain (text or path); returns the number of entries.

    Raises ChecksumError (or DecodeError for a broken layout) when any byte was altered.
    """
    text = Path(log).read_text(encoding="utf-8") if isinstance(log, Path) else log
    return _c.verify_log(text)
