#!/usr/bin/env python3
"""joule carbon vs the reference approach, timed in ONE run.

Flow tracing of a year of hours (8760 one-hour systems) on random grids with 2N
borders: joule's FlowTracer (SCC solver and Eigen SparseLU, through joule.carbon)
vs the reference calculator's method (numpy dense solve per hour; scipy sparse LU
per hour when scipy is present), both on the same data. The peer is timed on a
sample of hours and scaled to a year. The registry numbers come from the C++
benchmark (bench_carbon: 1,000,000 certificates issued, transferred, retired,
then the log verified).

usage: /usr/bin/python3 benchmarks/compare/carbon/compare.py BUILD_DIR
       (BUILD_DIR = a release build with Python, e.g. build/release)
Prints `name=value` lines and `ratio=` lines (peer time / joule time).
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

build = Path(sys.argv[1] if len(sys.argv) > 1 else "build/release").resolve()
sys.path.insert(0, str(build / "python"))
import joule.carbon as jc  # noqa: E402
import pandas as pd  # noqa: E402

HOURS = 8760


def grid(n: int, seed: int):
    rng = np.random.default_rng(seed)
    borders = set()
    while len(borders) < 2 * n:
        a, b = rng.integers(0, n, 2)
        if a != b:
            borders.add((min(a, b), max(a, b)))
    borders = sorted(borders)
    base = rng.uniform(200, 2200, n)
    ci = rng.uniform(10, 810, n)
    P = base * rng.uniform(0.6, 1.4, (HOURS, n))
    E = P * ci * rng.uniform(0.8, 1.2, (HOURS, n))
    F = rng.uniform(-150, 150, (HOURS, len(borders)))
    return borders, P, E, F


def peer_dense(borders, P, E, F, hours):
    n = P.shape[1]
    t0 = time.perf_counter()
    for h in range(hours):
        A = np.zeros((n, n))
        inflow = P[h].copy()
        for k, (a, b) in enumerate(borders):
            f = F[h, k]
            if f > 0:
                A[b, a] -= f
                inflow[b] += f
            elif f < 0:
                A[a, b] += f
                inflow[a] -= f
        A[np.diag_indices(n)] = inflow
        np.linalg.solve(A, E[h])
    return (time.perf_counter() - t0) / hours * HOURS


def peer_sparse(borders, P, E, F, hours):
    try:
        import scipy.sparse as sp
        import scipy.sparse.linalg as spl
    except ImportError:
        return None
    n = P.shape[1]
    t0 = time.perf_counter()
    for h in range(hours):
        rows, cols, vals = list(range(n)), list(range(n)), list(P[h])
        for k, (a, b) in enumerate(borders):
            f = F[h, k]
            if f > 0:
                rows.append(b), cols.append(a), vals.append(-f)
                vals[b] += f
            elif f < 0:
                rows.append(a), cols.append(b), vals.append(f)
                vals[a] -= f
        A = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
        spl.splu(A).solve(E[h])
    return (time.perf_counter() - t0) / hours * HOURS


def joule_year(borders, P, E, F, solver):
    n = P.shape[1]
    zones = [f"Z{i}" for i in range(n)]
    idx = pd.RangeIndex(HOURS)
    prod = pd.DataFrame(P, idx, zones)
    emis = pd.DataFrame(E, idx, zones)
    flows = pd.DataFrame(F, idx, [f"Z{a}->Z{b}" for a, b in borders])
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        x = jc.trace_series(prod, emis, flows, solver)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best, x


for n, sample in ((50, 2000), (400, 150)):
    borders, P, E, F = grid(n, 2024 + n)
    t_scc, x_scc = joule_year(borders, P, E, F, "scc")
    t_sparse, x_sp = joule_year(borders, P, E, F, "sparse")
    assert np.allclose(x_scc.to_numpy(), x_sp.to_numpy(), rtol=1e-9, equal_nan=True)
    t_dense = peer_dense(borders, P, E, F, sample)
    t_splu = peer_sparse(borders, P, E, F, sample)
    print(f"flowtrace_year_{n}_zones_joule_scc_s={t_scc:.3f}")
    print(f"flowtrace_year_{n}_zones_joule_sparselu_s={t_sparse:.3f}")
    print(f"flowtrace_year_{n}_zones_numpy_dense_s={t_dense:.3f}")
    print(f"ratio=flowtrace_{n}_numpy_dense_vs_joule_scc {t_dense / t_scc:.1f}")
    if t_splu is not None:
        print(f"flowtrace_year_{n}_zones_scipy_splu_s={t_splu:.3f}")
        print(f"ratio=flowtrace_{n}_scipy_splu_vs_joule_scc {t_splu / t_scc:.1f}")

bench = build / "benchmarks" / "bench_carbon"
if bench.exists():
    out = subprocess.run([str(bench), "--benchmark_filter=Registry", "--benchmark_format=json"], check=True,
                         capture_output=True, text=True).stdout
    b = json.loads(out)["benchmarks"][0]
    print(f"registry_1M_ops_per_s={b['ops_per_s']:.0f}")
    print(f"registry_log_MB={b['log_MB']:.1f}")
    print(f"registry_verify_MB_per_s={b['verify_MB_per_s']:.0f}")
