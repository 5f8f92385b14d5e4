"""A site with two home batteries, an EV and a dishwasher behind one meter.

Solved as an LP by COIN-OR CLP (joule.battery.optimize_site); the result is
made exclusive (no battery charges and discharges in the same step) by the
local repair of the battery spec, which never changes the cost when prices
are non-negative. Run: PYTHONPATH=build/<dir>/python python3 examples/battery/site.py
"""
import pandas as pd

import joule.battery as jb

if not jb._native.site_lp_available():
    print("site LP not available (built without COIN-OR CLP): objective n/a")
    raise SystemExit(0)

idx = pd.date_range("2025-06-01 16:00", periods=8, freq="1h", tz="Europe/Berlin")
df = pd.DataFrame(
    {
        "price_import": [0.32, 0.35, 0.41, 0.38, 0.30, 0.22, 0.18, 0.17],
        "price_export": [0.08] * 8,
        "load_kw": [0.8, 1.2, 2.0, 1.6, 1.0, 0.6, 0.4, 0.4],
        "pv_kw": [3.5, 2.5, 1.0, 0.2, 0.0, 0.0, 0.0, 0.0],
    },
    index=idx,
)
battery = dict(capacity_kwh=10, soc_init=0.3, soc_min=0.1, p_charge_max_kw=4, p_discharge_max_kw=4,
               eta_charge=0.95, eta_discharge=0.95)
res = jb.optimize_site(
    df,
    batteries=[battery, dict(battery, capacity_kwh=5, soc_init=0.8)],
    evs=[dict(arrival_step=2, departure_step=8, energy_kwh=12.0, p_max_kw=11.0, eta=0.92)],
    deferrable=[dict(earliest_step=4, end_step=8, energy_kwh=1.2, p_max_kw=2.0)],
    grid=dict(import_max_kw=17, export_max_kw=5),
)
print(f"objective {res.objective:.4f} EUR, repaired steps {res.repaired_steps}, "
      f"simultaneous steps {res.simultaneous_steps}")
print(pd.concat([res.grid, res.ev_kw, res.deferrable_kw,
                 res.batteries[0].add_prefix("b0_"), res.batteries[1].add_prefix("b1_")], axis=1).round(3))
