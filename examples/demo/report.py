"""The copilot's HTML report: one self-contained file (plots inline as base64 PNG).

``write_report(result, path)`` draws four figures with matplotlib (load and forecast
fan chart, battery state of charge and power, the busiest quarter-hour's auction curves,
hourly carbon-free energy) and writes them with a few headline numbers and a short
explanation per section.
"""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from copilot import CARBON_PRICE_PER_KG, MONEY_PER_TICK, TZ, DayResult  # noqa: E402

INK, MUTED, ACCENT, GREEN, ORANGE, RED = "#1f2933", "#7b8794", "#2f6fde", "#2f9e6b", "#e8891c", "#d64545"

plt.rcParams.update({
    "font.family": "DejaVu Sans", "font.size": 10, "axes.edgecolor": "#cbd2d9", "axes.labelcolor": INK,
    "axes.spines.top": False, "axes.spines.right": False, "xtick.color": MUTED, "ytick.color": MUTED,
    "axes.grid": True, "grid.color": "#eef1f4", "grid.linewidth": 0.8, "legend.frameon": False,
})


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _local(idx: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return idx.tz_convert(TZ).tz_localize(None)


def _hours_axis(ax: Any) -> None:
    ax.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, 3)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))


def fig_forecast(r: DayResult) -> str:
    fc, hist = r.forecast, r.history_kw.iloc[-2 * 96:]
    fig, ax = plt.subplots(figsize=(10, 3.6))
    x = _local(fc.index)
    ax.plot(_local(hist.index), hist.to_numpy(), color=MUTED, lw=1.2, label="metered load (P1), last two days")
    ax.fill_between(x, fc["q0.05"], fc["q0.95"], color=ACCENT, alpha=0.15, step="post", label="90 % interval")
    ax.fill_between(x, fc["q0.25"], fc["q0.75"], color=ACCENT, alpha=0.30, step="post", label="50 % interval")
    ax.plot(x, fc["mean"], color=ACCENT, lw=1.8, label="forecast")
    ax.plot(x, r.actual_kw.to_numpy(), color=INK, lw=1.0, ls="--", label="what really happened")
    ax.set_ylabel("load [kW]")
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %H:%M"))
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=5, fontsize=9)
    return _png(fig)


def fig_battery(r: DayResult) -> str:
    s = r.site
    x = _local(s.index)
    fig, (a0, a1) = plt.subplots(2, 1, figsize=(10, 5.2), sharex=True, gridspec_kw={"height_ratios": [1, 1.3]})
    soc0 = r.dispatch.soc_init_kwh
    a0.fill_between(x, 0, s["soc_kwh"], step="pre", color=GREEN, alpha=0.25)
    a0.step(x, s["soc_kwh"], where="pre", color=GREEN, lw=1.8, label="stored energy (end of quarter-hour)")
    a0.axhline(soc0, color=MUTED, lw=0.8, ls=":")
    a0.set_ylabel("state of charge [kWh]")
    a0.legend(loc="upper left", fontsize=9)
    tw = a0.twinx()
    tw.step(x, s["price_import"], where="post", color=RED, lw=1.0, alpha=0.8, label="import price")
    tw.step(x, s["price_export"], where="post", color=ORANGE, lw=1.0, alpha=0.8, label="export price")
    tw.set_ylabel("price [EUR/kWh]")
    tw.grid(False)
    tw.spines["right"].set_visible(True)
    tw.legend(loc="upper right", fontsize=9)
    a1.bar(x, s["pv_kw"], width=1 / 96, align="edge", color="#f7c948", alpha=0.6, label="PV")
    a1.bar(x, -s["load_kw"], width=1 / 96, align="edge", color="#9aa5b1", alpha=0.6, label="load")
    a1.step(x, s["discharge_kw"] - s["charge_kw"], where="post", color=GREEN, lw=1.8,
            label="battery (+ discharging, - charging)")
    a1.step(x, s["import_kw"] - s["export_kw"], where="post", color=ACCENT, lw=1.2, label="grid (+ import, - export)")
    a1.axhline(0, color=MUTED, lw=0.8)
    a1.set_ylabel("power [kW]")
    a1.legend(loc="lower left", ncol=4, fontsize=9)
    _hours_axis(a1)
    fig.tight_layout()
    return _png(fig)


def fig_auction(r: DayResult) -> str:
    res = r.community.busiest
    fig, ax = plt.subplots(figsize=(6.2, 3.8))
    if res is not None and len(res.demand) and len(res.supply):
        d, s = res.demand, res.supply
        # a step per price level: the level's price from the previous cumulative quantity to its own
        for c, colour, label in ((d, ACCENT, "bids (demand)"), (s, ORANGE, "offers (supply)")):
            q = np.concatenate([[0.0], c["qty"].to_numpy(dtype=float)]) / 1000
            p = np.concatenate([c["price"].to_numpy(dtype=float)[:1], c["price"].to_numpy(dtype=float)]) * MONEY_PER_TICK
            ax.step(q, p, where="pre", color=colour, lw=2, label=label)
        if res.price is not None:
            ax.plot([res.volume / 1000], [res.price * MONEY_PER_TICK], "o", color=INK, ms=8,
                    label=f"clearing: {res.volume / 1000:.2f} kWh at {res.price * MONEY_PER_TICK:.3f} EUR/kWh")
        when = r.community.busiest_start.tz_convert(TZ).strftime("%H:%M")
        ax.set_title(f"call auction of the {when} quarter-hour", fontsize=10, color=INK, loc="left")
    ax.set_xlabel("cumulative energy [kWh]")
    ax.set_ylabel("price [EUR/kWh]")
    ax.legend(loc="best", fontsize=9)
    return _png(fig)


def fig_cfe(r: DayResult) -> str:
    hw, hn = r.cfe_with[1], r.cfe_without[1]
    x = _local(hw.index)
    fig, ax = plt.subplots(figsize=(10, 3.4))
    w = 1 / 24
    ax.bar(x, hw["direct_kwh"], width=w, align="edge", color="#f7c948", label="solar, used at once")
    ax.bar(x, hw["discharge_kwh"], width=w, align="edge", bottom=hw["direct_kwh"], color=GREEN,
           label="solar, from the battery")
    grid_cfe = hw["cfe_kwh"] - hw["direct_kwh"] - hw["discharge_kwh"]
    ax.bar(x, grid_cfe, width=w, align="edge", bottom=hw["direct_kwh"] + hw["discharge_kwh"], color="#8bd3b0",
           label="carbon-free share of grid supply")
    ax.bar(x, hw["grid_kwh"] - grid_cfe, width=w, align="edge", bottom=hw["cfe_kwh"], color="#cbd2d9",
           label="fossil share of grid supply")
    ax.set_ylabel("energy [kWh per hour]")
    t2 = ax.twinx()
    t2.plot(x + pd.Timedelta(minutes=30), hw["cfe_score"], "o-", color=INK, ms=3, lw=1.2, label="hourly CFE score")
    t2.plot(x + pd.Timedelta(minutes=30), hn["cfe_score"], "o--", color=MUTED, ms=3, lw=1.0, label="without battery")
    t2.set_ylim(0, 1.05)
    t2.set_ylabel("CFE score")
    t2.grid(False)
    t2.spines["right"].set_visible(True)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = t2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=8.5)
    _hours_axis(ax)
    return _png(fig)


CSS = """
body{font-family:'DejaVu Sans','Helvetica Neue',Arial,sans-serif;color:#1f2933;background:#f5f7fa;margin:0}
main{max-width:1040px;margin:0 auto;padding:32px 28px 60px;background:#fff}
h1{font-size:26px;margin:0 0 4px} h2{font-size:19px;margin:36px 0 6px;border-top:1px solid #e4e7eb;padding-top:22px}
p{line-height:1.55;max-width:80ch} .sub{color:#616e7c;margin:0 0 22px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:14px;margin:18px 0 8px}
.card{background:#f0f4f8;border-radius:10px;padding:14px 16px}
.card b{display:block;font-size:24px;margin-bottom:2px} .card span{color:#52606d;font-size:13px}
img{width:100%;height:auto;display:block;margin:10px 0}
.row{display:flex;gap:24px;align-items:flex-start} .row img{width:62%} .row table{flex:1}
table{border-collapse:collapse;font-size:13px;margin:8px 0} td,th{padding:4px 12px 4px 0;text-align:left}
th{color:#52606d;font-weight:normal} .note{color:#7b8794;font-size:12px}
"""


def _card(value: str, label: str) -> str:
    return f'<div class="card"><b>{html.escape(value)}</b><span>{html.escape(label)}</span></div>'


def render(r: DayResult) -> str:
    s = r.summary
    f = s["forecast"]
    cards = "".join([
        _card(f"{s['saved_eur'] + s['market_uplift_eur']:.2f} EUR", "saved today (battery + local sales)"),
        _card(f"{s['avoided_kg']:.1f} kg", "CO2e avoided vs. no battery"),
        _card(f"{s['cfe_with']:.0%}", f"24/7 carbon-free score (was {s['cfe_without']:.0%})"),
        _card(f"{s['trades']}", f"local trades, {s['local_traded_kwh']:.1f} kWh"),
    ])
    m = r.meters
    st = r.community.settlement["statements"]
    stm = "".join(
        f"<tr><td>{html.escape(str(row['member']))}</td><td>{row['local_bought_wh'] / 1000:.2f}</td>"
        f"<td>{row['local_sold_wh'] / 1000:.2f}</td></tr>" for _, row in st.iterrows())
    body = f"""
<h1>Site energy copilot</h1>
<p class="sub">A Dutch home with {r.site['pv_kw'].max():.1f} kW of rooftop PV and a
{r.inputs.battery['capacity_kwh']:g} kWh battery, {html.escape(s['date'])} (Europe/Amsterdam). Produced by joule
in one run: meter frames &rarr; load &rarr; forecast &rarr; battery &rarr; community auction &rarr;
settlement &rarr; certificates &rarr; Scope 2 and 24/7 CFE.</p>
<div class="cards">{cards}</div>
<p class="note">Money: the energy bill with the battery following its plan was {s['bill_with_battery_eur']:.2f} EUR
against {s['bill_no_battery_eur']:.2f} EUR without it (battery wear {s['degradation_eur']:.2f} EUR deducted), plus
{s['market_uplift_eur']:.2f} EUR for selling {s['local_sold_kwh']:.1f} kWh to neighbours instead of the grid.</p>

<h2>1. Load and tomorrow's forecast</h2>
<p>The home's P1 port sent {m['p1']['telegrams']:,} DSMR 5.0 telegrams over {len(r.history_kw) // 96} days (one kept
every {m['cadence_s'] // 60} minutes, as a data logger keeps them; {m['p1']['errors']} rejected); joule decoded
them as they streamed in and turned the import registers into {len(r.history_kw):,} quarter-hours of load. The
model ({html.escape(str(s['forecast_model']))}) forecasts the next 96 quarter-hours with quantiles: the dark band
holds half of the likely outcomes, the light band nine in ten. On the real day the mean forecast was off by
{f['mape_pct']:.1f} % (MAPE) and the 90 % band held {f['coverage90_pct']:.0f} % of the real values.</p>
<img alt="load and forecast fan chart" src="data:image/png;base64,{fig_forecast(r)}">
<p class="note">Demand shape: {html.escape(s['shape_source'])}. Its level is the home's real yearly consumption,
{s['annual_kwh']:,.0f} kWh, read from an Iskra MT174's billing registers (IEC 62056-21). The site's other meters
were decoded too: {m['sml_frames']} SML frames of a feed-in meter (register {m['sml_export_kwh']:.3f} kWh) and an
M-Bus sub-meter ({m['mbus_records']} records, {m['mbus_power_w']:.0f} W).</p>

<h2>2. Battery plan</h2>
<p>joule.battery finds the cheapest schedule for the forecast day: it buys or stores when energy is cheap and
clean, and covers the evening peak from the battery. Prices, PV and a carbon price of
{CARBON_PRICE_PER_KG:.2f} EUR/kg on grid imports all enter one exact optimisation (the solver proves its optimum:
{s['proven_optimal']}). The plan is then run against what really happened, the grid taking up the forecast error.</p>
<img alt="battery state of charge and power" src="data:image/png;base64,{fig_battery(r)}">

<h2>3. Community call auction</h2>
<p>Each quarter-hour the home offers its planned surplus to its energy community; a bakery and four flats bid for
it, a neighbour with PV offers too. One uniform-price call auction per quarter-hour clears them; prices stay
between the grid's export price and the import price less the network fee, so nobody does worse than with the
grid alone. {s['local_traded_kwh']:.1f} kWh changed hands in {s['trades']} fills; settlement conserved energy and
money exactly.</p>
<div class="row"><img alt="auction supply and demand curves" src="data:image/png;base64,{fig_auction(r)}">
<table><tr><th>member</th><th>bought locally [kWh]</th><th>sold locally [kWh]</th></tr>{stm}</table></div>

<h2>4. Certificates, Scope 2 and 24/7 carbon-free energy</h2>
<p>Every hour of solar got a granular certificate; the registry split them by where the energy went, the home
retired its share, charged part into the battery (storage-discharge certificates came out in the evening) and
transferred the rest to the buyers, who retired them. {s['certs_ok']} of {s['certs_ops']} operations were accepted;
the refused one was a deliberate second claim of an already retired certificate
({html.escape(str(s['double_claim_error']))}). The bakery's Scope 2 report counts those certificates:
location-based {s['scope2_bakery_location_kg']:.1f} kg, market-based {s['scope2_bakery_market_kg']:.1f} kg CO2e.</p>
<p>The hourly CFE score counts, hour by hour, how much of the home's consumption was carbon-free: its own solar,
solar moved into the evening by the battery, and the carbon-free share of the grid.</p>
<img alt="hourly carbon-free energy" src="data:image/png;base64,{fig_cfe(r)}">
<p class="note">Grid carbon: the annual levels are real (Electricity Maps {r.summary['grid']['year']} for
{r.summary['grid']['zone']}: {r.summary['grid']['ci_annual']:.0f} g/kWh, {r.summary['grid']['cfe_annual']:.0%}
carbon-free; Ember {r.summary['grid']['ember_annual_ef']:.1f} g/kWh for the annual Scope 2 factor), the hourly shape
is modelled from the day's solar. Prices and PV are the project's own example series (examples/data/PROVENANCE.md).</p>
"""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>joule site energy copilot</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>{CSS}</style></head>
<body><main>{body}</main></body></html>
"""


def write_report(r: DayResult, path: Path) -> Path:
    """Writes the report to ``path`` (creating its folder) and returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(r), encoding="utf-8")
    return path


def summary_text(r: DayResult) -> str:
    """The few lines a person reads first."""
    s = r.summary
    return "\n".join([
        f"Money saved:     {s['saved_eur'] + s['market_uplift_eur']:.2f} EUR today "
        f"(bill {s['bill_no_battery_eur']:.2f} -> {s['bill_with_battery_eur']:.2f} EUR with the battery, "
        f"+{s['market_uplift_eur']:.2f} EUR from selling {s['local_sold_kwh']:.1f} kWh to neighbours)",
        f"CO2e avoided:    {s['avoided_kg']:.2f} kg (grid imports {s['grid_kg_no_battery']:.2f} -> "
        f"{s['grid_kg_with_battery']:.2f} kg)",
        f"24/7 CFE score:  {s['cfe_without']:.1%} -> {s['cfe_with']:.1%} with the battery",
        f"Trades:          {s['trades']} fills, {s['local_traded_kwh']:.1f} kWh traded in the community",
        f"Certificates:    {s['certs_issued']} issued, {s['certs_ok']}/{s['certs_ops']} registry operations accepted "
        f"(double claim refused: {s['double_claim_error']})",
    ])
