"""Forecast and optimise a fleet of synthetic sites with Dask: sites per second, 1 vs 2 workers.

    /usr/bin/python3 examples/python/fleet_dask.py --processes           # 100,000 sites (docs/performance.md)
    /usr/bin/python3 examples/python/fleet_dask.py --sites 1000 --check  # what `make test` runs
    /usr/bin/python3 examples/python/fleet_dask.py --scheduler tcp://10.0.0.5:8786   # a real cluster

Each site is a home with a load, rooftop PV and a battery, made from a seeded random
generator (site i is the same on every machine and every partitioning). One Dask task
handles a partition of sites:

1. forecast the next day of every site's net load at once with
   ``joule.forecast.forecast_batch`` (MSTL with daily and weekly periods, AR remainder,
   analytic 80 % intervals), compiled and without the GIL;
2. optimise every site's battery against a day-ahead tariff (import/export prices per
   hour) on the forecast with ``joule.battery`` (exact DP, the GIL released), and check
   the schedule: energy balance every hour, state of charge within bounds, the solver's
   own verifier satisfied.

The run is done with 1 worker and then with 2 (LocalCluster, one thread each; with
``--scheduler`` the given cluster is used as it is), and the per-site results of the two
runs must be identical.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from typing import Any, Dict, List

import numpy as np

HOURS_HISTORY = 24 * 28  # four weeks of hourly history
HORIZON = 24             # forecast and optimise the next day
START_S = 1_700_006_400  # 2023-11-15T00:00:00Z (a midnight)


def tariff() -> tuple[np.ndarray, np.ndarray]:
    """Day-ahead import/export prices [currency/kWh] for the 24 hours (shared by all sites)."""
    h = np.arange(HORIZON)
    imp = 0.22 + 0.10 * np.exp(-((h - 18.5) ** 2) / 6.0) + 0.04 * np.exp(-((h - 8) ** 2) / 3.0) - 0.08 * np.exp(-((h - 13) ** 2) / 8.0)
    exp = np.maximum(0.04, imp - 0.15)
    return np.round(imp, 5), np.round(exp, 5)


def make_sites(first: int, n: int) -> Dict[str, np.ndarray]:
    """Sites first..first+n-1: hourly net-load history [kW] and battery sizes; seeded by site id."""
    t = np.arange(HOURS_HISTORY)
    hour, day = t % 24, (t // 24) % 7
    net = np.empty((n, HOURS_HISTORY))
    cap = np.empty(n)
    pw = np.empty(n)
    for k in range(n):
        rng = np.random.default_rng([20251122, first + k])  # one stream per site: partitioning-independent
        base = rng.uniform(0.2, 1.2)
        pv_kwp = rng.choice([0.0, 3.0, 5.0, 8.0])
        daily = 0.5 + 0.5 * np.exp(-((hour - 19) ** 2) / 6.0) + 0.25 * np.exp(-((hour - 7.5) ** 2) / 3.0)
        weekend = np.where(day >= 5, 1.2, 1.0)
        clear_sky = np.clip(np.sin(np.pi * (hour - 6) / 12.0), 0.0, None)
        cloud = rng.uniform(0.3, 1.0, HOURS_HISTORY // 24).repeat(24)
        load = base * daily * weekend * 2.0 + rng.gamma(4.0, 0.06, HOURS_HISTORY)
        net[k] = load - 0.8 * pv_kwp * clear_sky * cloud
        cap[k] = rng.choice([5.0, 10.0, 13.5])
        pw[k] = cap[k] / 2.0
    return {"net": net, "capacity_kwh": cap, "power_kw": pw}


def run_partition(first: int, n: int, model: str) -> Dict[str, Any]:
    """Forecast and optimise sites first..first+n-1; returns per-site results and check counts."""
    import joule.forecast as jf
    from joule import _joule

    sites = make_sites(first, n)
    t0 = time.perf_counter()
    mean, q, failed = jf.forecast_batch(sites["net"], START_S, 3600, HORIZON, (0.1, 0.9), model=model,
                                        periods=(24, 168), remainder="ar", intervals="analytic")
    t_fc = time.perf_counter() - t0
    imp, exp = tariff()
    objective = np.full(n, np.nan)
    checks = {"forecast_ok": 0, "feasible": 0, "balance_err_kwh": 0.0}
    t0 = time.perf_counter()
    for k in range(n):
        f = mean[k]
        if k not in failed and np.all(np.isfinite(f)) and np.all(q[k, 0] <= f + 1e-9) and np.all(f <= q[k, 1] + 1e-9):
            checks["forecast_ok"] += 1
        load = np.maximum(f, 0.0)   # the forecast net load splits into consumption and PV surplus
        pv = np.maximum(-f, 0.0)
        cap, pw = float(sites["capacity_kwh"][k]), float(sites["power_kw"][k])
        case = {
            "schema": "joule.battery.case/1",
            "dt_hours": 1.0,
            "series": {"price_import": imp.tolist(), "price_export": exp.tolist(),
                       "load_kw": load.tolist(), "pv_kw": pv.tolist()},
            "battery": {"capacity_kwh": cap, "soc_min": 0.1, "soc_max": 0.95, "soc_init": 0.5,
                        "p_charge_max_kw": pw, "p_discharge_max_kw": pw, "eta_charge": 0.95,
                        "eta_discharge": 0.95, "terminal": {"mode": "fixed", "soc": 0.5}},
            "grid": {"import_max_kw": 17.0, "export_max_kw": 10.0},
            "pv_curtailable": True,
        }
        res = json.loads(_joule.battery.optimize_json(json.dumps(case)))
        s = res["schedule"]
        gi, ge = np.asarray(s["grid_import_kw"]), np.asarray(s["grid_export_kw"])
        ch, dis, cur = np.asarray(s["charge_kw"]), np.asarray(s["discharge_kw"]), np.asarray(s["pv_curtail_kw"])
        soc = np.asarray(s["soc_kwh"])
        balance = np.max(np.abs(gi - ge - (load - pv + cur + ch - dis)))
        soc_ok = np.all(soc >= 0.1 * cap - 1e-6) and np.all(soc <= 0.95 * cap + 1e-6)
        power_ok = np.all(ch <= pw + 1e-6) and np.all(dis <= pw + 1e-6) and np.all(gi <= 17.0 + 1e-6)
        if res["verification"].get("feasible") and balance < 1e-6 and soc_ok and power_ok:
            checks["feasible"] += 1
        checks["balance_err_kwh"] = max(checks["balance_err_kwh"], float(balance))
        objective[k] = res["objective"]
    t_opt = time.perf_counter() - t0
    return {"first": first, "n": n, "objective": objective, "mean": mean.astype(np.float64),
            "t_forecast": t_fc, "t_optimise": t_opt, **checks}


def run(client: Any, sites: int, partition: int, model: str) -> tuple[List[Dict[str, Any]], float]:
    starts = list(range(0, sites, partition))
    sizes = [min(partition, sites - s) for s in starts]
    t0 = time.perf_counter()
    futures = client.map(run_partition, starts, sizes, [model] * len(starts), pure=False)
    progress = sys.stderr.isatty()
    results: List[Dict[str, Any]] = []
    from distributed import as_completed

    for fut in as_completed(futures):
        results.append(fut.result())
        if progress:
            done = sum(r["n"] for r in results)
            print(f"\r  {done}/{sites} sites", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    wall = time.perf_counter() - t0
    results.sort(key=lambda r: r["first"])
    return results, wall


def digest(results: List[Dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for r in results:
        h.update(np.ascontiguousarray(r["objective"]).tobytes())
        h.update(np.ascontiguousarray(r["mean"]).tobytes())
    return h.hexdigest()


def summary(results: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {
        "sites": sum(r["n"] for r in results),
        "forecast_ok": sum(r["forecast_ok"] for r in results),
        "feasible": sum(r["feasible"] for r in results),
        "max_balance_err_kwh": max(r["balance_err_kwh"] for r in results),
        "total_objective": float(sum(np.sum(r["objective"]) for r in results)),
        "cpu_forecast_s": sum(r["t_forecast"] for r in results),
        "cpu_optimise_s": sum(r["t_optimise"] for r in results),
        "digest": digest(results),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=100_000, help="number of synthetic sites (default 100,000)")
    ap.add_argument("--partition", type=int, default=500, help="sites per Dask task")
    ap.add_argument("--model", default="mstl", help="forecast model of forecast_batch (default mstl)")
    ap.add_argument("--scheduler", default="", help="address of a running Dask scheduler (tcp://host:8786)")
    ap.add_argument("--processes", action="store_true", help="LocalCluster workers as processes (default: threads)")
    ap.add_argument("--check", action="store_true", help="exit 1 unless every site has a forecast and a feasible "
                                                         "schedule and 1 and 2 workers agree")
    ap.add_argument("--json", default="", help="write the measurements to this JSON file")
    a = ap.parse_args()
    from distributed import Client, LocalCluster

    runs: Dict[int, Dict[str, Any]] = {}
    worker_counts = [0] if a.scheduler else [1, 2]
    for workers in worker_counts:
        if a.scheduler:
            cluster = None
            client = Client(a.scheduler)
            workers = len(client.scheduler_info()["workers"])
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=a.processes,
                                   dashboard_address=None)
            client = Client(cluster)
        try:
            results, wall = run(client, a.sites, a.partition, a.model)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        s = summary(results)
        s["workers"], s["wall_s"], s["sites_per_s"] = workers, wall, s["sites"] / wall
        runs[workers] = s
        print(f"{workers} worker(s): {s['sites']} sites in {wall:.2f} s = {s['sites_per_s']:.0f} sites/s "
              f"(forecast {s['cpu_forecast_s']:.1f} s, optimise {s['cpu_optimise_s']:.1f} s of task time); "
              f"forecasts ok {s['forecast_ok']}, feasible schedules {s['feasible']}, "
              f"fleet cost {s['total_objective']:.2f}")
    ok = all(r["forecast_ok"] == a.sites and r["feasible"] == a.sites for r in runs.values())
    if 1 in runs and 2 in runs:
        same = runs[1]["digest"] == runs[2]["digest"]
        print(f"scaling 1 -> 2 workers: {runs[2]['sites_per_s'] / runs[1]['sites_per_s']:.2f}x; "
              f"results identical: {same}")
        ok = ok and same
    if a.json:
        with open(a.json, "w") as f:
            json.dump({str(k): v for k, v in runs.items()}, f, indent=1)
    if a.check and not ok:
        print("fleet check FAILED: a site lacks a forecast or a feasible schedule, or the runs differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
