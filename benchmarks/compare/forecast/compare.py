"""Taylor rolling-origin benchmark: R forecast anchors and joule in ONE run.

    /usr/bin/python3 benchmarks/compare/forecast/compare.py [--build build/rel-forecast] [--anchors stlf,snaive336,snaive48]
                                                             [--python-anchors sm_hw336] [--keep DIR]

Protocol (shared/data/forecast/BENCHMARK.md): taylor half-hourly demand, last
4 weeks, 28 daily origins at midnight, expanding window, one fit + forecast
of 336 steps per origin; day-ahead = steps 1..48 (28 origins), week-ahead =
steps 1..336 (22 origins). The anchors run through the shared scripts
(../shared/tools/forecast/bench_r.R, bench_py.py) and everything is scored by
../shared/tools/forecast/evaluate.py, so joule and the anchors are scored by
the same code. Prints the table and `ratio=` lines. Single-threaded BLAS.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared"
TOOLS = SHARED / "tools" / "forecast"
DATA = SHARED / "data" / "forecast" / "taylor_ew_halfhourly_2000.csv"


def run_joule(run: Path, model: str) -> None:
    import joule.forecast as jf

    y = pd.read_csv(DATA)["value"].to_numpy(float)
    n = len(y)
    fc_rows, tm_rows = [], []
    levels = [0.025, 0.1, 0.9, 0.975]
    name = f"joule_{model}"
    for k in range(28):
        o = 2688 + 48 * k
        H = min(336, n - o)
        t0, c0 = time.perf_counter(), time.process_time()
        mean, q, desc = jf.forecast_arrays(y[:o], 0, 1800, H, levels, model=model)
        el, cpu = time.perf_counter() - t0, time.process_time() - c0
        fc_rows.append(pd.DataFrame({"model": name, "origin": k, "h": np.arange(1, H + 1), "mean": mean,
                                     "lo80": q[1], "hi80": q[2], "lo95": q[0], "hi95": q[3]}))
        tm_rows.append({"model": name, "origin": k, "n_train": o, "seconds": round(el, 5), "cpu_seconds": round(cpu, 5)})
        print(f"{name} origin {k} {desc} {cpu * 1000:.1f} ms cpu", flush=True)
    pd.concat(fc_rows).to_csv(run / f"fc_{name}.csv", index=False)
    pd.DataFrame(tm_rows).to_csv(run / f"time_{name}.csv", index=False)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("JOULE_BUILD_DIR", str(ROOT / "build" / "release")),
                    help="build tree holding python/joule (default: $JOULE_BUILD_DIR or build/release)")
    ap.add_argument("--anchors", default="stlf,snaive336,snaive48")
    ap.add_argument("--python-anchors", default="")
    ap.add_argument("--models", default="auto", help="joule models, comma-separated")
    ap.add_argument("--keep", default="")
    a = ap.parse_args()
    sys.path.insert(0, str(Path(a.build) / "python"))
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", TZ="UTC")
    if not DATA.exists():
        print("skipped: ../shared/data/forecast is not present", file=sys.stderr)
        return 0
    run = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="joule_fc_"))
    run.mkdir(parents=True, exist_ok=True)
    for m in filter(None, a.anchors.split(",")):
        subprocess.run(["Rscript", "--vanilla", str(TOOLS / "bench_r.R"), m, str(run), "all"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        print(f"anchor {m} done", flush=True)
    for m in filter(None, a.python_anchors.split(",")):
        subprocess.run(["/usr/bin/python3", str(TOOLS / "bench_py.py"), m, str(run), "all"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    for m in a.models.split(","):
        run_joule(run, m)
    out = run / "eval"
    subprocess.run(["/usr/bin/python3", str(TOOLS / "evaluate.py"), str(run), str(out)], check=True, env=env)
    met = pd.read_csv(out / "metrics_own.csv")
    anchors = met[~met["model"].str.startswith("joule_")]
    for m in a.models.split(","):
        name = f"joule_{m}"
        for blk in ("day", "week"):
            j = met[(met["model"] == name) & (met["block"] == blk)].iloc[0]
            an = anchors[anchors["block"] == blk]
            best = an.loc[an["MAPE"].idxmin()]
            print(f"ratio={j['MAPE'] / best['MAPE']:.3f} {name} {blk} MAPE {j['MAPE']:.3f} vs best anchor "
                  f"{best['model']} {best['MAPE']:.3f} (target <= 0.90)")
            print(f"coverage {name} {blk}: 80% -> {j['Cover80']:.1f}, 95% -> {j['Cover95']:.1f} (target within 3 points)")
        if "stlf" in set(anchors["model"]):
            s = anchors[(anchors["model"] == "stlf") & (anchors["block"] == "day")].iloc[0]
            j = met[(met["model"] == name) & (met["block"] == "day")].iloc[0]
            print(f"ratio={s['cpu_median_s'] / max(j['cpu_median_s'], 1e-6):.1f} stlf CPU / {name} CPU per fit+forecast "
                  f"({s['cpu_median_s']:.3f} s vs {j['cpu_median_s'] * 1000:.1f} ms; target >= 50)")
    print(f"results in {run}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
