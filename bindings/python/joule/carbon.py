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
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _joule
from .errors import RejectedError as _RejectedError

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
    "Registry",
    "CertificateRejected",
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


TimeLike = Union[int, str, pd.Timestamp]


class CertificateRejected(_RejectedError):
    """A registry operation broke a rule (double issuance, not the owner, claim above consumption, ...).

    ``reason`` holds the named code of METHODS.md D.2, e.g. ``"DUPLICATE_ISSUANCE"``; the registry is unchanged.
    """

    def __init__(self, reason: str, operation: str) -> None:
        super().__init__(f"{operation} rejected: {reason}")
        self.reason = reason


def _seconds(t: TimeLike) -> int:
    """UTC seconds from int seconds, an ISO 8601 string or a pandas Timestamp (naive = UTC)."""
    if isinstance(t, (int, np.integer)):
        return int(t)
    ts = pd.Timestamp(t)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return int(ts.timestamp())


def _check(code: str, operation: str) -> None:
    if code != "OK":
        raise CertificateRejected(code, operation)


class Registry:
    """A tamper-evident granular certificate registry (METHODS.md D, EnergyTag GC scheme).

    Issue certificates from metered generation (whole Wh, intervals of at most an hour), transfer, split,
    retire them for a beneficiary (hourly or annual claims), cancel them into storage and issue
    storage-discharge certificates first-in-first-out. Every accepted operation is appended to a
    SHA-256 hash-chained log (JSON lines); any edit of history fails :func:`verify_log`.
    A rejected operation raises :class:`CertificateRejected` with its ``reason`` and leaves the state unchanged.

    Parameters
    ----------
    accepted_markets : mapping of consumption market -> certificate markets it accepts (market boundary rule).
    consumption_wh : metered consumption for hourly claims: rows of (site, hour start, Wh) as tuples or dicts.
    storage : storage assets: dicts with ``id``, ``market``, ``roundtrip_eff`` in (0, 1].
    lifetime_s : expiry after the end of production (0 = never).

    Example
    -------
    >>> reg = Registry(accepted_markets={"DK1": ["DK1"]})
    >>> gc = reg.issue("WIND-1", "DK1", "wind", "2024-06-01T10:00Z", "2024-06-01T11:00Z", 50_000, "PROD")
    >>> reg.transfer(gc, "PROD", "ACME")
    >>> reg.retire(gc, "ACME", beneficiary="ACME", site="SITE-1", consumption_market="DK1", year=2024)
    >>> verify_log(reg.log_text)
    3
    """

    def __init__(self, accepted_markets: Optional[Mapping[str, Sequence[str]]] = None,
                 consumption_wh: Optional[Sequence[Any]] = None, storage: Optional[Sequence[Mapping[str, Any]]] = None,
                 lifetime_s: int = 0, *, _impl: Any = None) -> None:
        self._setup = self._setup_json(accepted_markets, consumption_wh, storage, lifetime_s)
        self._r = _impl if _impl is not None else _c.Registry(self._setup)

    @staticmethod
    def _setup_json(accepted_markets: Optional[Mapping[str, Sequence[str]]], consumption_wh: Optional[Sequence[Any]],
                    storage: Optional[Sequence[Mapping[str, Any]]], lifetime_s: int) -> str:
        rows = []
        for c in consumption_wh or []:
            site, start, wh = (c["site"], c["start"], c["wh"]) if isinstance(c, Mapping) else c
            rows.append({"site": site, "start": pd.Timestamp(_seconds(start), unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "wh": int(wh)})
        return json.dumps({"accepted_markets": {k: list(v) for k, v in (accepted_markets or {}).items()},
                           "consumption_wh": rows, "storage": [dict(s) for s in storage or []], "lifetime_s": int(lifetime_s)})

    @classmethod
    def load(cls, path: Union[str, Path], **setup: Any) -> "Registry":
        """Verify a saved log's chain and replay it with the setup that wrote it.

        Raises ChecksumError when any byte of the log was altered, ConflictError when the setup differs.
        """
        reg = cls.__new__(cls)
        reg._setup = cls._setup_json(setup.get("accepted_markets"), setup.get("consumption_wh"), setup.get("storage"),
                                     setup.get("lifetime_s", 0))
        reg._r = _c.Registry.load(reg._setup, str(path))
        return reg

    def issue(self, device: str, market: str, technology: str, start: TimeLike, end: TimeLike, volume_wh: int,
              owner: str, metered_wh: Optional[int] = None) -> str:
        """Issue a certificate for ``volume_wh`` of production in [start, end) (at most one hour); returns its id."""
        code, cid = self._r.issue(device, market, technology, _seconds(start), _seconds(end), int(volume_wh), owner,
                                  -1 if metered_wh is None else int(metered_wh))
        _check(code, "issue")
        return cid

    def transfer(self, cid: str, owner: str, to: str) -> None:
        """Move an active certificate from ``owner`` to account ``to``."""
        _check(self._r.transfer(cid, owner, to), "transfer")

    def split(self, cid: str, owner: str, parts_wh: Sequence[int]) -> List[str]:
        """Split an active certificate into parts (whole Wh summing to its volume); returns the new ids."""
        code, kids = self._r.split(cid, owner, [int(p) for p in parts_wh])
        _check(code, "split")
        return list(kids)

    def retire(self, cid: str, owner: str, beneficiary: str, site: str, consumption_market: str, *,
               hour: Optional[Tuple[TimeLike, TimeLike]] = None, year: Optional[int] = None) -> None:
        """Retire (cancel) a certificate for a beneficiary: an hourly claim on ``hour=(start, end)`` (must be the
        certificate's hour and within the site's metered consumption) or an annual claim on ``year`` (its vintage)."""
        if (hour is None) == (year is None):
            raise _joule_error("give exactly one of hour=(start, end) or year=")
        if hour is not None:
            code = self._r.retire(cid, owner, beneficiary, site, consumption_market, True, _seconds(hour[0]),
                                  _seconds(hour[1]), 0)
        else:
            code = self._r.retire(cid, owner, beneficiary, site, consumption_market, False, 0, 0, int(year))
        _check(code, "retire")

    def storage_charge(self, cid: str, owner: str, storage_id: str, start: TimeLike, end: TimeLike) -> None:
        """Cancel a certificate into a storage lot (the charging hour must be the certificate's hour)."""
        _check(self._r.storage_charge(cid, owner, storage_id, _seconds(start), _seconds(end)), "storage_charge")

    def storage_discharge_issue(self, storage_id: str, start: TimeLike, end: TimeLike, volume_wh: int, owner: str,
                                metered_discharge_wh: int) -> pd.DataFrame:
        """Issue storage-discharge certificates drawn first-in-first-out from the charged lots (after losses).

        Returns one row per certificate: id, volume_wh, source_cert, source_start, source_end (UTC).
        """
        code, rows = self._r.storage_discharge_issue(storage_id, _seconds(start), _seconds(end), int(volume_wh), owner,
                                                     int(metered_discharge_wh))
        _check(code, "storage_discharge_issue")
        df = pd.DataFrame(rows, columns=["id", "volume_wh", "source_cert", "source_start", "source_end"])
        for col in ("source_start", "source_end"):
            df[col] = pd.to_datetime(df[col], unit="s", utc=True)
        return df

    def expire(self, now: TimeLike) -> int:
        """Expire every active certificate past its lifetime at ``now``; returns how many."""
        return int(self._r.expire(_seconds(now)))

    def apply(self, op: Mapping[str, Any]) -> Dict[str, Any]:
        """Apply one operation in the JSON layout of a certificates case (times ISO 8601);
        returns ``{"op", "ok", "error", "result"}`` and does not raise on a rejection."""
        return json.loads(self._r.apply(json.dumps(dict(op))))

    def state(self) -> Dict[str, Any]:
        """``{"final_state": {...}, "claims_wh": {...}}`` in the certificates case layout."""
        return json.loads(self._r.state())

    def certificates(self) -> pd.DataFrame:
        """All certificates (one row each, indexed by id) with owner, status, volume, interval and lineage."""
        cols = ["id", "device", "market", "technology", "owner", "start", "end", "vintage", "volume_wh", "status",
                "parent", "from_storage", "beneficiary"]
        df = pd.DataFrame(self._r.certificates(), columns=cols)
        for col in ("start", "end"):
            df[col] = pd.to_datetime(df[col], unit="s", utc=True)
        return df.set_index("id")

    @property
    def log_text(self) -> str:
        """The append-only log: one JSON object per line, SHA-256 chained."""
        return self._r.log_text

    @property
    def head_hash(self) -> str:
        """Hash of the last log entry (64 hex); anchor it elsewhere to also detect truncation."""
        return self._r.head_hash

    @property
    def operation_count(self) -> int:
        return self._r.operation_count

    @property
    def issued_wh(self) -> int:
        """Wh issued from production (conservation: leaf volumes = issued_wh + sd_issued_wh)."""
        return self._r.issued_wh

    @property
    def sd_issued_wh(self) -> int:
        """Wh issued as storage-discharge certificates."""
        return self._r.sd_issued_wh

    def save(self, path: Union[str, Path]) -> None:
        """Write the log to ``path`` (reload with :meth:`Registry.load`)."""
        self._r.save(str(path))
