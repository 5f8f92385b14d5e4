"""Anomaly detection precision/recall on taylor with a seeded injector.

    /usr/bin/python3 benchmarks/compare/forecast/anomalies.py [--build build/rel-forecast] [--seeds 1,2,3]

Per seed (numpy default_rng(seed)): 20 spikes (value x (1 +- U(3 %, 10 %)),
alternating sign), 3 dropouts (value 0) and one 12-half-hour stuck run (value
frozen; the first value of the run is a true reading), at positions drawn
without replacement from 400..n-400: 34 anomalous points per seed, as in
shared/data/forecast/BENCHMARK.md section 7. Point-wise precision/recall.
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
DATA = ROOT.parent / "shared" / "data" / "forecast" / "taylor_ew_halfhourly_2000.csv"


def inject(y: np.ndarray, seed: int):
    rng = np.random.default_rng(seed)
    y = y.copy()
    truth = np.zeros(len(y), bool)
    kind = np.array([""] * len(y), dtype=object)
    pos = rng.choice(np.arange(400, len(y) - 400), 24, replace=False)
    for i, p in enumerate(pos[:20]):
        y[p] *= 1 + (1 if i % 2 else -1) * rng.uniform(0.03, 0.10)
        truth[p], kind[p] = True, "spike"
    for p in pos[20:23]:
        y[p] = 0
        truth[p], kind[p] = True, "dropout"
    s = pos[23]
    y[s:s + 12] = y[s]
    truth[s + 1:s + 12] = True
    kind[s + 1:s + 12] = "stuck"
    return y, truth, kind


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("JOULE_BUILD_DIR", str(ROOT / "build" / "release")),
                    help="build tree holding python/joule (default: $JOULE_BUILD_DIR or build/release)")
    ap.add_argument("--seeds", default="1,2,3")
    a = ap.parse_args()
    sys.path.insert(0, str(Path(a.build) / "python"))
    import joule.forecast as jf

    if not DATA.exists():
        print("skipped: taylor data not present", file=sys.stderr)
        return 0
    d = pd.read_csv(DATA, parse_dates=["timestamp"], index_col="timestamp")["value"]
    rows = []
    for seed in map(int, a.seeds.split(",")):
        y, truth, kind = inject(d.to_numpy(float), seed)
        t0 = time.perf_counter()
        an = jf.detect_anomalies(pd.Series(y, index=d.index), period=336)
        ms = 1000 * (time.perf_counter() - t0)
        hit = np.zeros(len(y), bool)
        hit[an["index"].to_numpy()] = True
        tp = int((hit & truth).sum())
        rec = {k: float((hit & (kind == k)).sum() / (kind == k).sum()) for k in ("spike", "dropout", "stuck")}
        rows.append({"seed": seed, "flagged": int(hit.sum()), "precision": tp / max(hit.sum(), 1),
                     "recall": tp / truth.sum(), **{f"recall_{k}": v for k, v in rec.items()}, "ms": ms})
    df = pd.DataFrame(rows)
    df["F1"] = 2 * df["precision"] * df["recall"] / (df["precision"] + df["recall"])
    print(df.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    m = df.mean(numeric_only=True)
    print(f"mean: flagged {m['flagged']:.1f} precision {m['precision']:.2f} recall {m['recall']:.2f} F1 {m['F1']:.2f} "
          f"(spike {m['recall_spike']:.2f}, dropout {m['recall_dropout']:.2f}, stuck {m['recall_stuck']:.2f}) "
          f"{df['ms'].median():.1f} ms")
    print(f"ratio={m['F1'] / 0.41:.2f} F1 vs best statistical detector in BENCHMARK.md section 7 (S-H-ESD, F1 0.41)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
