"""Forecast many synthetic smart meters with Dask and report series per second per core.

    /usr/bin/python3 examples/forecast/dask_meters.py --meters 100000     # the full run (docs/performance.md)
    /usr/bin/python3 examples/forecast/dask_meters.py --meters 200        # what `make test` runs

Each task makes a chunk of synthetic hourly meters (4 weeks: daily and
weekly cycles, household-level noise) and forecasts the next day of every
meter with joule.forecast.forecast_batch (MSTL + AR remainder, analytic
80 % intervals). The compiled work releases the GIL, so the Dask workers'
threads run in parallel.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np


def make_chunk(seed: int, n_series: int, n_steps: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)
    hour = t % 24
    day = (t // 24) % 7
    base = rng.uniform(0.2, 1.5, (n_series, 1))
    daily = 0.5 + 0.4 * np.exp(-((hour - 19) ** 2) / 8.0) + 0.2 * np.exp(-((hour - 8) ** 2) / 4.0)
    weekend = np.where(day >= 5, 1.15, 1.0)
    noise = rng.gamma(4.0, 0.05, (n_series, n_steps))
    return base * daily * weekend + noise


def forecast_chunk(seed: int, n_series: int, n_steps: int, horizon: int) -> tuple[int, int, float]:
    import joule.forecast as jf

    v = make_chunk(seed, n_series, n_steps)
    mean, q, failed = jf.forecast_batch(v, 0, 3600, horizon, (0.1, 0.9), model="mstl", periods=(24, 168),
                                        non_negative=True, remainder="ar", intervals="analytic")
    inside = float(np.mean((q[:, 0, :] <= q[:, 1, :])))
    return n_series, len(failed), inside


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--meters", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--steps", type=int, default=24 * 28)
    ap.add_argument("--horizon", type=int, default=24)
    a = ap.parse_args()
    from distributed import Client, LocalCluster

    chunks = [min(a.chunk, a.meters - i) for i in range(0, a.meters, a.chunk)]
    with LocalCluster(n_workers=1, threads_per_worker=a.workers, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        t0, c0 = time.perf_counter(), time.process_time()
        futures = client.map(forecast_chunk, range(len(chunks)), chunks, [a.steps] * len(chunks),
                             [a.horizon] * len(chunks), pure=False)
        results = client.gather(futures)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    done = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    print(f"forecast {done} meters ({failed} failed), {a.steps} hourly values each, horizon {a.horizon}")
    print(f"wall {wall:.2f} s, CPU {cpu:.2f} s on {a.workers} threads")
    print(f"series/s/core: {done / wall / a.workers:.1f} (wall), {done / max(cpu, 1e-9):.1f} (per CPU-second)")
    return 0 if failed == 0 and done == a.meters else 1


if __name__ == "__main__":
    raise SystemExit(main())
