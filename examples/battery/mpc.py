"""Model-predictive control with a day-ahead forecast: a shrinking horizon per
day, warm-started from the day's plan, against perfect foresight.

Run: python3 examples/battery/mpc.py [CASE.json]
"""
import json
import pathlib
import sys

import numpy as np

import joule.battery as jb

here = pathlib.Path(__file__).resolve().parent
path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else here.parents[1] / "tests/data/battery/home_7d15_mixed.json"
case = json.loads(path.read_text())
load = np.asarray(case["series"]["load_kw"], dtype=float)
rng = np.random.default_rng(7)
forecast_load = load * (1 + rng.normal(0, 0.15, load.size))  # issued once per day, kept all day


def day_ahead(t: int, n: int) -> dict:
    return {"load_kw": forecast_load[t:t + n]}


res = jb.mpc_backtest(case, day_ahead, horizon_steps=96, horizon_mode="shrinking")
print(f"steps {len(res['schedule'])}, decisions read from a kept plan: {res['warm_decisions']}")
print(f"realised cost {res['realised_cost']:.2f}, perfect foresight {res['perfect_foresight_cost']:.2f}, "
      f"regret {res['regret']:.2f}")

# The plan alone: what to do at 18:00 on day one with 3 kWh stored.
plan = jb.Plan(case)
step = plan.decide(72, soc_kwh=3.0)
print(f"step 72 from 3 kWh: charge {step['charge_kw']:.2f} kW, discharge {step['discharge_kw']:.2f} kW, "
      f"cost to go {step['cost_to_go']:.2f}")
