"""Exact battery dispatch with pandas: a day of 15-minute prices, PV and load."""
import numpy as np
import pandas as pd

import joule.battery as jb

idx = pd.date_range("2025-06-01", periods=96, freq="15min", tz="UTC")
hours = idx.hour + idx.minute / 60
df = pd.DataFrame({
    "price_import": 0.25 + 0.10 * np.cos((hours - 19) / 24 * 2 * np.pi),
    "price_export": 0.08,
    "load_kw": 0.4 + 0.8 * np.exp(-((hours - 19) ** 2) / 6),
    "pv_kw": np.clip(6 * np.sin((hours - 6) / 14 * np.pi), 0, None),
}, index=idx)
res = jb.optimize(df, battery=dict(capacity_kwh=13.5, soc_min=0.1, soc_init=0.3, terminal={"mode": "min", "soc": 0.3},
                                   p_charge_max_kw=5, p_discharge_max_kw=5, eta_charge=0.95, eta_discharge=0.95),
                  grid=dict(import_max_kw=11, export_max_kw=5))
print(f"objective {res.objective:.4f}  proven optimal: {res.certificate['proven_optimal']}")
print(res.schedule[["charge_kw", "discharge_kw", "soc_kwh", "pi"]].iloc[::16].round(3))
