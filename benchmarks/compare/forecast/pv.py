"""Day-ahead PV benchmark on pv_energyweb_15min_2015.csv: clear-sky-shaped baseline vs joule.

    /usr/bin/python3 benchmarks/compare/forecast/pv.py [--build build/rel-forecast] [--first-day 60] [--every 1]

Protocol (docs/performance.md): 15-minute PV (P/P_max), origins at midnight of
every day from day `first-day` (default 60, 1 March) to day 364, expanding
window (all earlier data), horizon 96 steps (the next day). Scores over all
intervals: nMAE and nRMSE in % of P_max, skill = 1 - nMAE / nMAE(baseline),
80 % interval coverage over daylight intervals (actual > 0 or forecast > 0).
Baseline ("clear-sky-shaped"): the envelope of the last 14 days (per
time-of-day 90th percentile, a data-driven clear-sky profile) scaled by
yesterday's clear-sky index (yesterday's energy / envelope energy).
joule: `model=mstl` with one daily period (96) and non-negative intervals,
and `model=auto` with periods (96,) for comparison.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data" / "forecast" / "pv_energyweb_15min_2015.csv"


def baseline(y: np.ndarray, o: int) -> np.ndarray:
    hist = y[o - 14 * 96:o].reshape(14, 96)
    env = np.quantile(hist, 0.9, axis=0)
    yest = y[o - 96:o]
    k = yest.sum() / env.sum() if env.sum() > 0 else 0.0
    return np.clip(env * k, 0, None)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("JOULE_BUILD_DIR", str(ROOT / "build" / "release")),
                    help="build tree holding python/joule (default: $JOULE_BUILD_DIR or build/release)")
    ap.add_argument("--first-day", type=int, default=60)
    ap.add_argument("--every", type=int, default=1)
    a = ap.parse_args()
    sys.path.insert(0, str(Path(a.build) / "python"))
    import joule.forecast as jf

    if not DATA.exists():
        print("skipped: PV data not present", file=sys.stderr)
        return 0
    y = pd.read_csv(DATA)["value"].to_numpy(float)
    res = {"baseline": [], "joule_mstl": [], "joule_auto": []}
    cover, cnt, cpu = {"joule_mstl": 0, "joule_auto": 0}, {"joule_mstl": 0, "joule_auto": 0}, {"joule_mstl": [], "joule_auto": []}
    truth = []
    for d in range(a.first_day, 365, a.every):
        o = d * 96
        obs = y[o:o + 96]
        truth.append(obs)
        res["baseline"].append(baseline(y, o))
        for name, model in (("joule_mstl", "mstl"), ("joule_auto", "auto")):
            c0 = time.process_time()
            mean, q, _ = jf.forecast_arrays(y[:o], 1420070400, 900, 96, (0.1, 0.9), model=model, periods=(96,),
                                            non_negative=True)
            cpu[name].append(time.process_time() - c0)
            res[name].append(mean)
            day = (obs > 0) | (mean > 0)
            cover[name] += int(((obs >= q[0]) & (obs <= q[1]))[day].sum())
            cnt[name] += int(day.sum())
    t = np.concatenate(truth)
    base = None
    print(f"origins: {len(truth)} days (day {a.first_day}..364, every {a.every})")
    print("| model | nMAE % | nRMSE % | skill vs baseline | 80% coverage (daylight) | CPU ms / fit+forecast (median) |")
    print("|---|---|---|---|---|---|")
    for name, f in res.items():
        f = np.concatenate(f)
        mae = 100 * np.mean(np.abs(t - f))
        rmse = 100 * np.sqrt(np.mean((t - f) ** 2))
        if base is None:
            base = mae
        cov = f"{100 * cover[name] / cnt[name]:.1f}" if name in cover else "n/a"
        c = f"{1000 * np.median(cpu[name]):.1f}" if name in cpu else "n/a"
        print(f"| {name} | {mae:.2f} | {rmse:.2f} | {1 - mae / base:.3f} | {cov} | {c} |")
        if name != "baseline":
            print(f"ratio={mae / base:.3f} {name} nMAE / baseline nMAE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
