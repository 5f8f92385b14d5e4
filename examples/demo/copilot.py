"""The site energy copilot: joule's five modules on one home's day, as plain functions.

Used by ``examples/demo/demo.py`` (``make demo``), by the notebook
``examples/python/copilot.ipynb`` and by ``tests/python/test_demo.py``. Every
stage takes and returns pandas objects or plain dicts, so each can be read,
plotted and checked on its own:

    meter frames -> load series -> forecast -> battery dispatch -> community
    auction -> settlement -> certificates -> Scope 2 and 24/7 CFE

The site: a Dutch home (Europe/Amsterdam) with a DSMR 5.0 P1 port, rooftop PV,
a 13.5 kWh / 5 kW battery, and a neighbourhood energy community (a bakery,
four flats and a neighbour with PV of its own). The data behind it is listed
in ``examples/data/PROVENANCE.md``.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

import joule
import joule.battery as jb
import joule.carbon as jc
import joule.forecast as jf
import joule.market as jmk
import joule.meter as jm

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
SHARED = ROOT.parent / "shared"
TAYLOR = SHARED / "data" / "forecast" / "taylor_ew_halfhourly_2000.csv"

TZ = "Europe/Amsterdam"
STEP_S = 900                       # 15-minute settlement intervals
DAY = 96                           # intervals per day
DT_H = STEP_S / 3600.0
MARKET = "NL"
CARBON_PRICE_PER_KG = 0.10         # internal carbon price the battery weighs [EUR/kgCO2e]
MONEY_PER_TICK = 0.0001            # community market: 1 tick = 0.0001 EUR, prices in ticks per kWh
COMMUNITY = dict(grid_import_price=3000, grid_export_price=800, grid_fee=900, community_discount=0.5)


# --------------------------------------------------------------------------- inputs
@dataclass
class Inputs:
    """What the copilot starts from: prices, PV, a demand shape and the home's assets."""

    prices: pd.DataFrame            # price_import, price_export [EUR/kWh] for the target day
    pv_kw: pd.Series                # PV generation of the target day [kW]
    shape_kw: pd.Series             # demand shape over history + target day (unscaled)
    shape_source: str               # where the demand shape comes from (printed)
    battery: Dict[str, Any]
    grid: Dict[str, float]
    target_day: pd.Timestamp        # local midnight of the forecast day
    history_days: int


def load_inputs(prefer_shared: bool = True) -> Inputs:
    """Reads examples/data (and ../shared for the real demand shape when it is present).

    The real half-hourly England and Wales demand of ``../shared/data/forecast`` is GPL-3, so
    it is read where it lies and never copied; without it, the home load shipped in
    examples/data (the project's own synthetic series) stands in, and the summary says so.
    """
    case = json.loads((DATA / "home_7d15_mixed.json").read_text())
    start = pd.Timestamp(case["start"]).tz_localize(TZ)
    n = len(case["series"]["load_kw"])
    idx = pd.date_range(start.tz_convert("UTC"), periods=n, freq=f"{STEP_S}s")
    s = case["series"]
    target = start + pd.Timedelta(days=n // DAY - 1)             # the last day of the case
    day = idx[-DAY:]
    prices = pd.DataFrame({"price_import": s["price_import"][-DAY:], "price_export": s["price_export"][-DAY:]},
                          index=day)
    pv = pd.Series(s["pv_kw"][-DAY:], index=day, name="pv_kw")
    if prefer_shared and TAYLOR.is_file():
        # 12 weeks of real demand ending on Sunday 2000-08-27; the last 5 weeks are laid onto
        # the 5 weeks ending with the target day (a Sunday too), so weekdays line up.
        raw = pd.read_csv(TAYLOR)["value"].to_numpy(dtype=float)
        history_days = 34
        half_hours = raw[-(history_days + 1) * 48:]
        values = np.repeat(half_hours, 2)                           # 30 -> 15 min, same power
        first = (target - pd.Timedelta(days=history_days)).tz_convert("UTC")
        shape = pd.Series(values, index=pd.date_range(first, periods=len(values), freq=f"{STEP_S}s"))
        source = ("real half-hourly demand of England and Wales, Jul-Aug 2000 (forecast::taylor, GPL-3, "
                  "read from ../shared/data/forecast, not shipped), scaled to this home")
    else:
        history_days = n // DAY - 1
        shape = pd.Series(s["load_kw"], index=idx)
        why = ("the real demand series was not asked for" if not prefer_shared
               else "../shared/data/forecast with the real demand series is not present")
        source = f"the home load series shipped in examples/data (synthetic, the project's own); {why}"
    return Inputs(prices=prices, pv_kw=pv, shape_kw=shape, shape_source=source, battery=dict(case["battery"]),
                  grid=dict(case["grid"]), target_day=target, history_days=history_days)


# --------------------------------------------------------------------------- meter
def annual_consumption_kwh(readout: bytes) -> Tuple[float, Dict[str, Any]]:
    """The home's yearly consumption from an IEC 62056-21 billing readout (Iskra MT174).

    1-0:1.8.0 is the total import register; 1-0:1.8.0*12 the same register stored at the
    billing reset 12 months earlier (IEC 62056-6-1 F = billing period), so the difference is
    one year of real consumption.
    """
    t = jm.decode(readout, "iec62056-21")[0]
    vals = {v["id"]: v for v in t["values"]}
    now, year_ago = float(vals["1-0:1.8.0"]["value"]), float(vals["1-0:1.8.0*12"]["value"])
    return now - year_ago, {"meter": t.get("identifier"), "register_now_kwh": now, "register_12m_ago_kwh": year_ago}


def scale_to_home(shape_kw: pd.Series, annual_kwh: float) -> pd.Series:
    """Scales a demand shape so that its mean power gives ``annual_kwh`` per year [kW]."""
    return shape_kw * (annual_kwh / 8760.0 / float(shape_kw.mean()))


def _dsmr_timestamp(t: pd.Timestamp) -> str:
    # DSMR 5.0.2 P1 §6.12: YYMMDDhhmmssX, local time, X = S (summer) or W (winter).
    local = t.tz_convert(ZoneInfo(TZ))
    return local.strftime("%y%m%d%H%M%S") + ("S" if local.dst() else "W")


def p1_stream(load_kw: pd.Series, template: bytes, cadence_s: int = 300) -> bytes:
    """The bytes the home's P1 port sends while ``load_kw`` flows, one telegram per ``cadence_s``.

    Every telegram is the real Iskra AM550 DSMR 5.0 telegram of the template with the clock
    (0-0:1.0.0, local time with S/W, DSMR 5.0.2 P1 §6.12), the import registers (1-0:1.8.1 low
    tariff 23-07 h and weekends, 1-0:1.8.2 normal), the power (1-0:1.7.0, 1-0:21.7.0) and the
    tariff indicator rewritten, and the CRC-16/ARC recomputed over '/'...'!' (§6.2), as a
    meter would send them. Each telegram shows the registers at the end of its step.
    """
    text = template.decode("ascii")
    head = text.partition("!")[0]
    lines = head.split("\r\n")
    reg = {"1-0:1.8.1": 0.0, "1-0:1.8.2": 0.0}
    for ln in lines:
        for k in reg:
            if ln.startswith(k + "("):
                reg[k] = float(ln[len(k) + 1:].split("*")[0])
    codes = [ln.split("(", 1)[0] if "(" in ln else None for ln in lines]
    clock_tail = {i: ln.split(")", 1)[1] for i, ln in enumerate(lines) if codes[i] == "0-0:1.0.0"}
    per_step = STEP_S // cadence_s
    kw = np.repeat(load_kw.to_numpy(dtype=float), per_step)
    t0 = load_kw.index.asi8 // 1_000_000_000
    # telegram k is sent at start + k * cadence and shows the registers after the k steps before it
    sent = (t0[0] + np.arange(len(kw) + 1) * cadence_s).astype(np.int64)
    utc = pd.to_datetime(sent, unit="s", utc=True)
    local = utc.tz_convert(TZ)
    low = (local.hour >= 23) | (local.hour < 7) | (local.weekday >= 5)     # tariff of the step starting then
    summer = (local.tz_localize(None) - utc.tz_localize(None)).total_seconds() > 5400
    stamps = [a + ("S" if dst else "W") for a, dst in zip(local.strftime("%y%m%d%H%M%S"), summer)]
    out = bytearray()
    r181, r182 = reg["1-0:1.8.1"], reg["1-0:1.8.2"]
    for k in range(len(kw) + 1):
        if k > 0:
            e = kw[k - 1] * cadence_s / 3600.0
            if low[k - 1]:
                r181 += e
            else:
                r182 += e
        p = kw[min(k, len(kw) - 1)]
        fields = {"0-0:1.0.0": stamps[k], "1-0:1.8.1": f"{r181:010.3f}*kWh", "1-0:1.8.2": f"{r182:010.3f}*kWh",
                  "0-0:96.14.0": "0001" if low[k] else "0002", "1-0:1.7.0": f"{p:06.3f}*kW",
                  "1-0:21.7.0": f"{p:06.3f}*kW"}
        body = [f"{c}({fields[c]}){clock_tail.get(i, '')}" if c in fields else lines[i] for i, c in enumerate(codes)]
        telegram = ("\r\n".join(body) + "!").encode("ascii")
        out += telegram + f"{joule.crc16(telegram, 'arc'):04X}\r\n".encode("ascii")
    return bytes(out)


def decode_p1(stream: bytes, chunk: int = 4096) -> Tuple[pd.Series, Dict[str, Any]]:
    """Decodes a P1 byte stream as it arrives and turns the registers into 15-minute load [kW].

    A streaming :class:`joule.meter.Decoder` is fed serial-port-sized chunks; the import
    registers 1.8.1 + 1.8.2 are differenced into energy per interval by
    :func:`joule.forecast.aggregate_readings` (counter resets and gaps repaired and reported).
    """
    dec = jm.Decoder("dsmr")
    telegrams: List[dict] = []
    for i in range(0, len(stream), chunk):
        telegrams += dec.feed(stream[i:i + chunk])
    telegrams += dec.finish()
    times, total = [], []
    for t in telegrams:
        v = {x["id"]: x for x in t["values"]}
        times.append(pd.Timestamp(t["timestamp"]))
        total.append(float(v["1-0:1.8.1"]["value"]) + float(v["1-0:1.8.2"]["value"]))
    energy, report = jf.aggregate_readings(pd.to_datetime(times, utc=True), np.array(total),
                                           step_s=STEP_S, cumulative=True)
    load = (energy / DT_H).rename("load_kw")
    info = {"telegrams": len(telegrams), "errors": len(dec.errors), "bytes": len(stream),
            "protocol": telegrams[0]["protocol"] if telegrams else None,
            "meter": telegrams[0].get("identifier") if telegrams else None, "repair": report}
    return load, info


def decode_side_meters() -> Dict[str, Any]:
    """The site's other meters, decoded from real captures: an SML feed-in meter and an M-Bus sub-meter."""
    sml = jm.decode((DATA / "sml_feed_in_meter_capture.bin").read_bytes(), "sml")
    last = {v["id"]: v for v in sml[-1]["values"]}
    mbus = jm.decode((DATA / "mbus_sbc_ale3_submeter.hex").read_bytes(), "mbus", hex=True)[0]
    power = [v for v in mbus["values"] if v.get("unit") == "W"]
    energy = [v for v in mbus["values"] if v.get("unit") == "Wh"]
    return {
        "sml_frames": len(sml),
        "sml_export_kwh": float(last["1-0:2.8.0"]["value"]) / 1000.0 if "1-0:2.8.0" in last else float("nan"),
        "sml_power_w": float(last["1-0:15.7.0"]["value"]) if "1-0:15.7.0" in last else float("nan"),
        "mbus_meter": mbus.get("identifier"),
        "mbus_records": len(mbus["values"]),
        "mbus_power_w": float(power[0]["value"]) if power else float("nan"),
        "mbus_energy_kwh": float(energy[0]["value"]) / 1000.0 if energy else float("nan"),
    }


# --------------------------------------------------------------------------- forecast
def forecast_load(history_kw: pd.Series, quantiles=(0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
    """Tomorrow's 96 quarter-hours of load with quantiles (joule.forecast picks the model)."""
    days = len(history_kw) // DAY
    periods = (DAY, 7 * DAY) if days >= 21 else (DAY,)
    return jf.forecast(history_kw, horizon=DAY, quantiles=quantiles, non_negative=True, periods=periods)


def forecast_scores(fc: pd.DataFrame, actual: pd.Series, history: pd.Series) -> Dict[str, float]:
    """MAPE, MASE against a weekly/daily naive forecast, and the 90 % interval's coverage."""
    a = actual.to_numpy()
    return {
        "mape_pct": jf.mape(a, fc["mean"].to_numpy()),
        "mase": jf.mase(a, fc["mean"].to_numpy(), history.to_numpy(), DAY),
        "coverage90_pct": jf.coverage(a, fc["q0.05"].to_numpy(), fc["q0.95"].to_numpy()),
        "pinball_q0.5": jf.pinball(a, fc["q0.5"].to_numpy(), 0.5),
    }


# --------------------------------------------------------------------------- grid carbon
def grid_signals(index: pd.DatetimeIndex, pv_shape: np.ndarray) -> Tuple[pd.DataFrame, Dict[str, Any]]:
    """Hourly grid carbon intensity and carbon-free share for the Dutch zone.

    The annual levels are real (Electricity Maps 2024 for NL: intensity and carbon-free share;
    Ember NLD for the annual Scope 2 factor; data/carbon/). The hourly shape is modelled:
    solar on the grid lowers the midday intensity in proportion to the day's PV shape, scaled
    so the energy-weighted day mean stays at the annual level. Hourly measured intensities
    (an Electricity Maps or WattTime feed) drop in here unchanged.
    """
    em = pd.read_csv(ROOT / "data" / "carbon" / "electricitymaps_yearly_2021_2025.csv")
    row = em[(em["zone"] == MARKET) & (em["year"] == 2024)].iloc[0]
    ember = pd.read_csv(ROOT / "data" / "carbon" / "ember_average_intensity.csv")
    annual_ef = float(ember[ember["key"] == "NLD"]["gco2_per_kwh"].iloc[0])
    ci_year, cfe_year = float(row["carbon_intensity_gco2eq_per_kwh"]), float(row["carbon_free_pct"]) / 100.0
    solar = pv_shape / pv_shape.max() if pv_shape.max() > 0 else pv_shape
    f = 1.0 - 0.55 * solar
    f = f / f.mean()
    ci = ci_year * f
    cfe = np.clip(1.0 - (1.0 - cfe_year) * f, 0.0, 1.0)
    df = pd.DataFrame({"ci_g_per_kwh": ci, "cfe_share": cfe}, index=index)
    return df, {"zone": MARKET, "year": 2024, "ci_annual": ci_year, "cfe_annual": cfe_year,
                "ember_annual_ef": annual_ef}


def hourly(x: pd.Series, how: str = "sum") -> pd.Series:
    """15-minute values -> hours (sum of energies, or mean of powers)."""
    r = x.resample("1h")
    return r.sum() if how == "sum" else r.mean()


# --------------------------------------------------------------------------- battery
def optimise_battery(prices: pd.DataFrame, load_kw: pd.Series, pv_kw: pd.Series, ci_15: pd.Series,
                     battery: Dict[str, Any], grid: Dict[str, float]) -> jb.DispatchResult:
    """Exact optimal battery schedule against import/export prices and a carbon price."""
    series = prices.assign(load_kw=load_kw.to_numpy(), pv_kw=pv_kw.to_numpy(),
                           emission_factor=ci_15.to_numpy() / 1000.0)
    return jb.optimize(series, battery=battery, grid=grid,
                       carbon={"price_per_kg": CARBON_PRICE_PER_KG, "credit_exports": False})


def flows(load_kw: np.ndarray, pv_kw: np.ndarray, charge_kw: np.ndarray, discharge_kw: np.ndarray,
          curtail_kw: np.ndarray, export_max_kw: float) -> Dict[str, np.ndarray]:
    """Grid import/export [kW] of a site that runs a battery schedule; the grid absorbs the rest.

    Computed here, independently of the optimiser, so the tests can hold them against each other.
    """
    net = load_kw - (pv_kw - curtail_kw) + charge_kw - discharge_kw
    imp = np.maximum(net, 0.0)
    exp = np.maximum(-net, 0.0)
    spill = np.maximum(exp - export_max_kw, 0.0)          # PV the inverter has to curtail
    return {"import_kw": imp, "export_kw": exp - spill, "spill_kw": spill}


def bill(f: Dict[str, np.ndarray], prices: pd.DataFrame, ci_15: np.ndarray) -> Dict[str, float]:
    """Energy bill [EUR] and grid emissions [kgCO2e] of grid flows (15-minute steps)."""
    pi, pe = prices["price_import"].to_numpy(), prices["price_export"].to_numpy()
    cost = float(np.sum(f["import_kw"] * pi - f["export_kw"] * pe) * DT_H)
    kg = float(np.sum(f["import_kw"] * ci_15) * DT_H / 1000.0)
    return {"bill_eur": cost, "grid_kg": kg, "import_kwh": float(f["import_kw"].sum() * DT_H),
            "export_kwh": float(f["export_kw"].sum() * DT_H)}


# --------------------------------------------------------------------------- community market
@dataclass
class Community:
    members: pd.DataFrame
    orders: pd.DataFrame            # start_s, member, side, energy_wh, price (ticks/kWh)
    settlement: Dict[str, Any]
    fills: pd.DataFrame             # per interval and order: the call auction's fills
    busiest: Optional[jmk.ClearingResult] = None
    busiest_start: Optional[pd.Timestamp] = None
    info: Dict[str, Any] = field(default_factory=dict)


def community_orders(index: pd.DatetimeIndex, home_export_kw: np.ndarray, shape_kw: pd.Series,
                     pv_kw: np.ndarray) -> Tuple[pd.DataFrame, pd.DataFrame]:
    """Day-ahead orders of the community for every quarter-hour of the target day.

    The home offers its planned surplus at the community's export price; the neighbours' bids
    follow real demand days of the history (so their demand has the real shape), each with
    its own limit price between the grid export price and the local buying price.
    """
    members = pd.DataFrame({"id": ["home", "solar-neighbour", "bakery", "flat-1", "flat-2", "flat-3", "flat-4"],
                            "reputation": [1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 1.0]})
    hist = shape_kw.to_numpy()[:-DAY]
    days = hist.reshape(-1, DAY)
    norm = days / days.mean()
    start_s = (index.asi8 // 1_000_000_000).astype(np.int64)
    # who, size factor [kW at mean], limit price [ticks/kWh], which real history day they follow
    buyers = [("bakery", 3.2, 2400, -2), ("flat-1", 0.45, 2100, -3), ("flat-2", 0.55, 1900, -4),
              ("flat-3", 0.40, 2500, -5), ("flat-4", 0.50, 1500, -6)]
    rows = []
    for k in range(len(index)):
        wh = int(round(home_export_kw[k] * DT_H * 1000))
        if wh > 0:
            rows.append((start_s[k], "home", "sell", wh, COMMUNITY["grid_export_price"]))
        nb = int(round(0.6 * pv_kw[k] * DT_H * 1000 - 0.3 * norm[-1][k] * DT_H * 1000))
        if nb > 0:
            rows.append((start_s[k], "solar-neighbour", "sell", nb, 1200))
        for who, kw, price, d in buyers:
            prof = norm[d]
            if who == "bakery":           # a bakery starts before dawn: its day runs 4 h early
                prof = np.roll(norm[d], -16) * 1.3
            e = int(round(kw * prof[k] * DT_H * 1000))
            if e > 0:
                rows.append((start_s[k], who, "buy", e, price))
    orders = pd.DataFrame(rows, columns=["start_s", "member", "side", "energy_wh", "price"])
    return members, orders


def run_community(members: pd.DataFrame, orders: pd.DataFrame) -> Community:
    """Settles the community day (joule.market.settle_community) and re-clears each interval's
    call auction with joule.market.clear to see who bought from whom (for the certificates)."""
    st = jmk.settle_community(members, orders, money_per_tick=MONEY_PER_TICK, **COMMUNITY)
    local_fee = int(COMMUNITY["grid_fee"] * (1 - COMMUNITY["community_discount"]))
    lo, hi = COMMUNITY["grid_export_price"], COMMUNITY["grid_import_price"] - local_fee
    fills = []
    busiest, busiest_t, best = None, None, -1
    for t, grp in orders.groupby("start_s", sort=True):
        g = grp
        book = pd.DataFrame({"id": [f"{m}#{i}" for i, m in zip(g.index, g["member"])], "side": g["side"],
                             "qty": g["energy_wh"], "price": g["price"].clip(lo, hi)})
        res = jmk.clear(book, price_min=lo, price_max=hi)
        f = res.orders.assign(start_s=t, member=g["member"].to_numpy(), price_local=res.price)
        fills.append(f)
        if res.volume > best:
            best, busiest, busiest_t = res.volume, res, pd.Timestamp(int(t), unit="s", tz="UTC")
    fills_df = pd.concat(fills, ignore_index=True)
    return Community(members, orders, st, fills_df, busiest, busiest_t,
                     {"local_fee": local_fee, "price_lo": lo, "price_hi": hi})


def home_sales_by_buyer(fills: pd.DataFrame, index: pd.DatetimeIndex) -> pd.DataFrame:
    """Wh the home sold locally per interval, shared out over that interval's buyers in
    proportion to their fills (a uniform-price auction pools the sellers)."""
    out = pd.DataFrame(0.0, index=index, columns=sorted(set(fills.loc[fills["side"] == "buy", "member"])))
    for t, g in fills.groupby("start_s"):
        ts = pd.Timestamp(int(t), unit="s", tz="UTC")
        sold = g[(g["side"] == "sell")]
        total_sold = float(sold["fill"].sum())
        home = float(sold.loc[sold["member"] == "home", "fill"].sum())
        if total_sold <= 0 or home <= 0:
            continue
        for _, b in g[g["side"] == "buy"].iterrows():
            out.loc[ts, b["member"]] += float(b["fill"]) * home / total_sold
    return out


# --------------------------------------------------------------------------- certificates
def _iso(t: pd.Timestamp) -> str:
    return t.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def certificate_operations(hours: pd.DatetimeIndex, pv_wh: np.ndarray, direct_wh: np.ndarray,
                           to_battery_wh: np.ndarray, sold_wh: pd.DataFrame, discharge_to_load_wh: np.ndarray,
                           home_load_wh: np.ndarray, buyer_load_wh: Dict[str, np.ndarray],
                           roundtrip_eff: float) -> Tuple[Dict[str, Any], List[str]]:
    """The registry day in joule-carbon-testcase/1 ``certs`` form: hourly PV certificates are
    issued, split by where the energy went, retired by the home, charged into the battery,
    transferred to the buyers and retired by them; the battery's evening discharge gets
    storage-discharge certificates (EnergyTag GC Scheme), which the home retires. A last
    operation tries to claim a retired certificate again: the registry must refuse it.
    """
    setup = {
        "accepted_markets": {MARKET: [MARKET]},
        "consumption_wh": [{"site": "home", "start": _iso(h), "wh": int(home_load_wh[i])} for i, h in enumerate(hours)]
        + [{"site": b, "start": _iso(h), "wh": int(w[i])} for b, w in buyer_load_wh.items() for i, h in enumerate(hours)],
        "storage": [{"id": "home-battery", "market": MARKET, "roundtrip_eff": roundtrip_eff}],
    }
    ops: List[Dict[str, Any]] = []
    kinds: List[str] = []
    n = 0
    undrawn = 0.0
    first_retired = None
    for i, h in enumerate(hours):
        end = h + pd.Timedelta(hours=1)
        vol = int(math.floor(pv_wh[i]))
        if vol > 0:
            n += 1
            gc = f"GC-{n}"
            ops.append({"op": "issue", "device": "home-pv", "market": MARKET, "technology": "solar", "start": _iso(h),
                        "end": _iso(end), "volume_wh": vol, "owner": "home", "metered_wh": vol})
            kinds.append("issue")
            parts: List[Tuple[str, int]] = []
            d = min(int(direct_wh[i]), int(home_load_wh[i]), vol)
            if d > 0:
                parts.append(("home", d))
            c = min(int(to_battery_wh[i]), vol - d)
            if c > 0:
                parts.append(("battery", c))
            left = vol - d - c
            for b in sold_wh.columns:
                s = min(int(sold_wh.iloc[i][b]), left, int(buyer_load_wh[b][i]))
                if s > 0:
                    parts.append((b, s))
                    left -= s
            if left > 0:
                parts.append(("grid-supplier", left))
            if len(parts) > 1:
                ops.append({"op": "split", "cid": gc, "owner": "home", "parts": [p for _, p in parts]})
                kinds.append("split")
                ids = [f"{gc}.{k + 1}" for k in range(len(parts))]
            else:
                ids = [gc]
            for cid, (dest, wh) in zip(ids, parts):
                if dest == "home":
                    ops.append({"op": "retire", "cid": cid, "owner": "home", "beneficiary": "home", "site": "home",
                                "consumption_market": MARKET,
                                "claim": {"type": "hourly", "start": _iso(h), "end": _iso(end)}})
                    kinds.append("retire-home")
                    first_retired = first_retired or (cid, h, end)
                elif dest == "battery":
                    ops.append({"op": "storage_charge", "cid": cid, "owner": "home", "sid": "home-battery",
                                "charge_start": _iso(h), "charge_end": _iso(end)})
                    kinds.append("storage-charge")
                    undrawn += wh
                else:
                    ops.append({"op": "transfer", "cid": cid, "owner": "home", "to": dest})
                    kinds.append("transfer")
                    if dest != "grid-supplier":
                        ops.append({"op": "retire", "cid": cid, "owner": dest, "beneficiary": dest, "site": dest,
                                    "consumption_market": MARKET,
                                    "claim": {"type": "hourly", "start": _iso(h), "end": _iso(end)}})
                        kinds.append("retire-buyer")
        # storage-discharge certificates for battery energy that served the home this hour
        room = int(home_load_wh[i]) - min(int(direct_wh[i]), int(home_load_wh[i]))
        sd = min(int(discharge_to_load_wh[i]), int(math.floor(roundtrip_eff * undrawn)) - 1, room)
        if sd > 0:
            n += 1
            ops.append({"op": "storage_discharge_issue", "sid": "home-battery", "start": _iso(h), "end": _iso(end),
                        "volume_wh": sd, "owner": "home", "metered_discharge_wh": int(discharge_to_load_wh[i])})
            kinds.append("sd-issue")
            ops.append({"op": "retire", "cid": f"SDGC-{n}", "owner": "home", "beneficiary": "home", "site": "home",
                        "consumption_market": MARKET, "claim": {"type": "hourly", "start": _iso(h), "end": _iso(end)}})
            kinds.append("retire-home")
            undrawn -= sd / roundtrip_eff
    if first_retired:
        cid, h, end = first_retired
        ops.append({"op": "retire", "cid": cid, "owner": "home", "beneficiary": "home", "site": "home",
                    "consumption_market": MARKET, "claim": {"type": "hourly", "start": _iso(h), "end": _iso(end)}})
        kinds.append("double-claim")
    return {"setup": setup, "operations": ops}, kinds


# --------------------------------------------------------------------------- the whole day
@dataclass
class DayResult:
    """Everything the report and the tests need (pandas on the target day's UTC index)."""

    inputs: Inputs
    summary: Dict[str, Any]
    history_kw: pd.Series
    actual_kw: pd.Series
    forecast: pd.DataFrame
    dispatch: jb.DispatchResult
    site: pd.DataFrame               # 15-min: load, pv, charge, discharge, import, export (+ baseline)
    grid: pd.DataFrame               # hourly ci and cfe share
    community: Community
    certs_in: Dict[str, Any]
    certs_out: Dict[str, Any]
    cert_kinds: List[str]
    cfe_with: Tuple[Dict[str, Any], pd.DataFrame]
    cfe_without: Tuple[Dict[str, Any], pd.DataFrame]
    scope2_bakery: Dict[str, Any]
    meters: Dict[str, Any]
    timings: Dict[str, float]


def run(prefer_shared: bool = True, cadence_s: int = 900, log=print) -> DayResult:
    """Runs the whole pipeline on the shipped data; ``log`` gets one line per stage."""
    import time

    timings: Dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = now - t
        t = now

    inp = load_inputs(prefer_shared)
    day = inp.prices.index

    # 1. meter: the home's consumption per year from its billing readout, then the P1 stream
    annual_kwh, billing = annual_consumption_kwh((DATA / "d0_iskra_mt174_billing_readout.txt").read_bytes())
    home_kw = scale_to_home(inp.shape_kw, annual_kwh)
    history_true, actual = home_kw.iloc[:-DAY], home_kw.iloc[-DAY:]
    template = (DATA / "p1_dsmr50_iskra_am550_template.txt").read_bytes()
    stream = p1_stream(history_true, template, cadence_s)
    history, p1 = decode_p1(stream)
    history = history.reindex(history_true.index)
    meters = {"annual_kwh": annual_kwh, "billing": billing, "p1": p1, "cadence_s": cadence_s, **decode_side_meters(),
              "p1_max_abs_error_kw": float(np.nanmax(np.abs(history.to_numpy() - history_true.to_numpy())))}
    log(f"[meter]    {p1['telegrams']} DSMR 5.0 P1 telegrams, one per {cadence_s // 60} min ({p1['bytes'] / 1e6:.1f} MB, "
        f"{p1['errors']} bad) -> "
        f"{len(history)} quarter-hours of load; billing readout: {annual_kwh:,.0f} kWh/year; "
        f"{meters['sml_frames']} SML frames (feed-in meter), 1 M-Bus sub-meter frame")
    lap("meter")

    # 2. forecast tomorrow with intervals
    fc = forecast_load(history)
    fc.index = day
    scores = forecast_scores(fc, actual, history)
    log(f"[forecast] model {fc.attrs.get('model', '?')}: MAPE {scores['mape_pct']:.1f} %, "
        f"90 % interval covers {scores['coverage90_pct']:.0f} % of the real day")
    lap("forecast")

    # 3. battery against prices and carbon
    grid_h, grid_info = grid_signals(pd.date_range(day[0], periods=24, freq="1h"),
                                     hourly(inp.pv_kw, "mean").to_numpy())
    ci_15 = grid_h["ci_g_per_kwh"].reindex(day, method="ffill")
    res = optimise_battery(inp.prices, fc["mean"], inp.pv_kw, ci_15, inp.battery, inp.grid)
    s = res.schedule
    pv = inp.pv_kw.to_numpy()
    zeros = np.zeros(DAY)
    exp_max = float(inp.grid.get("export_max_kw", np.inf))
    with_b = flows(actual.to_numpy(), pv, s["charge_kw"].to_numpy(), s["discharge_kw"].to_numpy(),
                   s["pv_curtail_kw"].to_numpy(), exp_max)
    without = flows(actual.to_numpy(), pv, zeros, zeros, zeros, exp_max)
    plan_without = flows(fc["mean"].to_numpy(), pv, zeros, zeros, zeros, exp_max)
    b_with, b_without = bill(with_b, inp.prices, ci_15.to_numpy()), bill(without, inp.prices, ci_15.to_numpy())
    p_without = bill(plan_without, inp.prices, ci_15.to_numpy())
    site = pd.DataFrame({"load_kw": actual.to_numpy(), "forecast_kw": fc["mean"].to_numpy(), "pv_kw": pv,
                         "charge_kw": s["charge_kw"].to_numpy(), "discharge_kw": s["discharge_kw"].to_numpy(),
                         "curtail_kw": s["pv_curtail_kw"].to_numpy(), "soc_kwh": s["soc_kwh"].to_numpy(),
                         "import_kw": with_b["import_kw"], "export_kw": with_b["export_kw"],
                         "import_kw_no_battery": without["import_kw"], "export_kw_no_battery": without["export_kw"],
                         "plan_import_kw": s["grid_import_kw"].to_numpy(), "plan_export_kw": s["grid_export_kw"].to_numpy(),
                         "price_import": inp.prices["price_import"].to_numpy(),
                         "price_export": inp.prices["price_export"].to_numpy(), "ci_g_per_kwh": ci_15.to_numpy()},
                        index=day)
    degradation = float(res.breakdown.get("degradation", 0.0))
    saved = b_without["bill_eur"] - b_with["bill_eur"] - degradation
    log(f"[battery]  plan: objective {res.objective:.2f} EUR (no battery {p_without['bill_eur'] + CARBON_PRICE_PER_KG * p_without['grid_kg']:.2f}); "
        f"{s['charge_kw'].sum() * DT_H:.1f} kWh charged, {s['discharge_kw'].sum() * DT_H:.1f} kWh discharged; "
        f"proven optimal: {res.certificate.get('proven_optimal')}")
    lap("battery")

    # 4-5. community call auction on the planned surplus, settlement
    members, orders = community_orders(day, s["grid_export_kw"].to_numpy(), inp.shape_kw, pv)
    com = run_community(members, orders)
    stm = com.settlement["statements"].set_index("member")
    home_row = stm.loc["home"] if "home" in stm.index else None
    local_sold_kwh = float(home_row["local_sold_wh"]) / 1000.0 if home_row is not None else 0.0
    local_wh = com.settlement["intervals"]["local_wh"].to_numpy()
    local_prices = com.settlement["intervals"]["local_price"].to_numpy()
    # what selling locally earned over the grid's export price, at the community's prices
    home_fills = com.fills[(com.fills["member"] == "home")]
    uplift = float(((home_fills["price_local"] - COMMUNITY["grid_export_price"]) * home_fills["fill"]).sum()
                   * MONEY_PER_TICK / 1000.0)
    log(f"[market]   {len(orders)} orders in {orders['start_s'].nunique()} quarter-hour call auctions; "
        f"{local_wh.sum() / 1000:.1f} kWh traded locally, the home sold {local_sold_kwh:.1f} kWh "
        f"(+{uplift:.2f} EUR over the grid's export price); energy and money conserved: "
        f"{com.settlement['energy_conserved'] and com.settlement['money_conserved']}")
    lap("market")

    # 6. certificates
    hours = grid_h.index
    e = lambda kw: hourly(pd.Series(kw, index=day)).to_numpy() * DT_H * 1000.0   # kW per 15 min -> Wh per hour
    pv_avail = pv - site["curtail_kw"].to_numpy()
    direct = np.minimum(actual.to_numpy(), pv_avail)
    to_batt = np.minimum(site["charge_kw"].to_numpy(), np.maximum(pv_avail - actual.to_numpy(), 0.0))
    dis_to_load = np.minimum(site["discharge_kw"].to_numpy(), np.maximum(actual.to_numpy() - pv_avail, 0.0))
    sold = home_sales_by_buyer(com.fills, day)
    sold_h = sold.resample("1h").sum()
    buyer_load = {}
    for b in sold.columns:
        o = orders[(orders["member"] == b) & (orders["side"] == "buy")]
        w = pd.Series(o["energy_wh"].to_numpy(dtype=float),
                      index=pd.to_datetime(o["start_s"], unit="s", utc=True)).reindex(day, fill_value=0.0)
        buyer_load[b] = w.resample("1h").sum().to_numpy()
    eta = float(inp.battery.get("eta_charge", 1.0)) * float(inp.battery.get("eta_discharge", 1.0))
    certs_in, kinds = certificate_operations(hours, e(pv_avail), e(direct), e(to_batt), sold_h, e(dis_to_load),
                                             e(actual.to_numpy()), buyer_load, eta)
    # A live registry: every accepted operation is appended to its SHA-256 hash-chained log.
    setup = certs_in["setup"]
    registry = jc.Registry(accepted_markets=setup.get("accepted_markets"), consumption_wh=setup.get("consumption_wh"),
                           storage=setup.get("storage"), lifetime_s=setup.get("lifetime_s", 0))
    rows = [dict(registry.apply(op), i=i) for i, op in enumerate(certs_in["operations"])]
    certs_out = {"operations": rows, **registry.state()}
    chain_entries = jc.verify_log(registry.log_text)
    ok = [o["ok"] for o in certs_out["operations"]]
    log(f"[certs]    {len(ok)} registry operations, {sum(ok)} accepted; "
        f"{sum(1 for k in kinds if k == 'issue')} hourly PV certificates issued; the double claim was refused: "
        f"{certs_out['operations'][-1]['error'] if kinds and kinds[-1] == 'double-claim' else 'n/a'}; "
        f"log chain of {chain_entries} entries verified (head {registry.head_hash[:12]}...)")
    lap("certs")

    # 7. carbon: 24/7 CFE of the home with and without the battery, Scope 2 of the bakery
    load_h = hourly(actual) * DT_H
    pv_h = pd.Series(e(pv_avail) / 1000.0, index=hours)
    sched_h = pd.Series((e(to_batt) - e(dis_to_load)) / 1000.0, index=hours)
    bat = {"energy_kwh": float(inp.battery["capacity_kwh"]) * (inp.battery.get("soc_max", 1) - inp.battery.get("soc_min", 0)),
           "power_kw": float(inp.battery["p_discharge_max_kw"]), "roundtrip_eff": eta, "soc0_kwh": 0.0}
    cfe_with = jc.cfe(load_h, pv_h, grid_h["cfe_share"], grid_h["ci_g_per_kwh"], battery=bat, schedule_kwh=sched_h)
    cfe_without = jc.cfe(load_h, pv_h, grid_h["cfe_share"], grid_h["ci_g_per_kwh"])
    bakery_load_kwh = buyer_load.get("bakery", np.zeros(24)) / 1000.0
    retired_bakery = _retired_wh(certs_in, certs_out, "bakery", hours) / 1000.0
    scope2 = jc.run_case("scope2", {
        "consumption_kwh": bakery_load_kwh.tolist(),
        "instruments": [{"id": "home-pv-certificates", "type": "eac", "hourly_kwh": retired_bakery.tolist(),
                         "ef_g_per_kwh": 0.0, "market": MARKET, "vintage_year": int(day[0].year),
                         "retired_for": "bakery"}],
        "grid_ef_hourly": grid_h["ci_g_per_kwh"].tolist(), "grid_ef_annual": grid_info["ember_annual_ef"],
        "residual_mix_ef": None, "reporter": "bakery", "consumption_market": MARKET, "accepted_markets": [MARKET],
        "reporting_year": int(day[0].year), "granularity": "hourly"})
    avoided_kg = -jc.delta_emissions_kg(hourly(pd.Series(with_b["import_kw"] - without["import_kw"], index=day)) * DT_H,
                                        grid_h["ci_g_per_kwh"])
    log(f"[carbon]   24/7 CFE {cfe_without[0]['cfe_score']:.1%} -> {cfe_with[0]['cfe_score']:.1%} with the battery; "
        f"bakery Scope 2: location-based {scope2['location_based_hourly_factor_kg']:.1f} kg, "
        f"market-based {scope2['market_based_kg']:.1f} kg")
    lap("carbon")

    summary = {
        "date": str(inp.target_day.date()),
        "shape_source": inp.shape_source,
        "annual_kwh": annual_kwh,
        "day_load_kwh": float(actual.sum() * DT_H),
        "day_pv_kwh": float(pv.sum() * DT_H),
        "bill_no_battery_eur": b_without["bill_eur"],
        "bill_with_battery_eur": b_with["bill_eur"],
        "degradation_eur": degradation,
        "saved_eur": saved,
        "plan_saved_eur": (p_without["bill_eur"] + CARBON_PRICE_PER_KG * p_without["grid_kg"]) - res.objective,
        "market_uplift_eur": uplift,
        "local_sold_kwh": local_sold_kwh,
        "local_traded_kwh": float(local_wh.sum() / 1000.0),
        "trades": int((com.fills["fill"] > 0).sum()),
        "avoided_kg": avoided_kg,
        "grid_kg_no_battery": b_without["grid_kg"],
        "grid_kg_with_battery": b_with["grid_kg"],
        "cfe_without": cfe_without[0]["cfe_score"],
        "cfe_with": cfe_with[0]["cfe_score"],
        "certs_ops": len(ok),
        "certs_ok": int(sum(ok)),
        "certs_log_entries": int(chain_entries),
        "certs_issued": sum(1 for k in kinds if k in ("issue", "sd-issue")),
        "double_claim_error": certs_out["operations"][-1]["error"] if kinds and kinds[-1] == "double-claim" else None,
        "scope2_bakery_location_kg": scope2["location_based_hourly_factor_kg"],
        "scope2_bakery_market_kg": scope2["market_based_kg"],
        "forecast": scores,
        "forecast_model": fc.attrs.get("model"),
        "grid": grid_info,
        "proven_optimal": res.certificate.get("proven_optimal"),
        "local_price_range_eur": (float(np.nanmin(local_prices)) * MONEY_PER_TICK * 1000 if len(local_prices) else float("nan"),
                                  float(np.nanmax(local_prices)) * MONEY_PER_TICK * 1000 if len(local_prices) else float("nan")),
    }
    return DayResult(inp, summary, history, actual, fc, res, site, grid_h, com, certs_in, certs_out, kinds,
                     cfe_with, cfe_without, scope2, meters, timings)


def _retired_wh(certs_in: Dict[str, Any], certs_out: Dict[str, Any], who: str, hours: pd.DatetimeIndex) -> np.ndarray:
    """Wh of certificates the registry accepted as retired for ``who``, per hour of the day."""
    out = np.zeros(len(hours))
    pos = {_iso(h): i for i, h in enumerate(hours)}
    state = certs_out["final_state"]["certificates"]
    for op, r in zip(certs_in["operations"], certs_out["operations"]):
        if op["op"] == "retire" and r["ok"] and op["beneficiary"] == who:
            out[pos[op["claim"]["start"]]] += state[op["cid"]]["volume_wh"]
    return out
