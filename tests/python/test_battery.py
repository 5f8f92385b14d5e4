"""joule.battery against an independent MILP (scipy HiGHS), the reference cases and the CLI."""
from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

import joule
import joule.battery as jb

scipy_opt = pytest.importorskip("scipy.optimize")
sp = pytest.importorskip("scipy.sparse")

CASES_24H = [
    "grid_24h15_double_hump", "grid_24h15_negative_midday", "grid_24h15_terminal_value",
    "home_24h15_double_hump", "home_24h15_negative_midday", "home_48h_mixed_dt", "commercial_24h15_demand",
]


def milp_objective(case: dict, relax: bool = False) -> float | None:
    """Canonical optimum by a MILP with a charge/discharge binary on every step
    and an import/export binary where export pays more than import (SPEC 4.1);
    with `relax`, the optimum of its LP relaxation."""
    s = case["series"]
    T = len(s["price_import"])
    dt = np.full(T, float(case["dt_hours"])) if np.isscalar(case["dt_hours"]) else np.asarray(case["dt_hours"], float)
    z = np.zeros(T)
    load = np.asarray(s.get("load_kw", z), float)
    pv = np.asarray(s.get("pv_kw", z), float)
    ef = np.asarray(s.get("emission_factor", z), float)
    carbon = case.get("carbon") or {}
    cp = float(carbon.get("price_per_kg", 0.0))
    pimp = np.asarray(s["price_import"], float) + cp * ef
    pexp = np.asarray(s["price_export"], float) + (cp * ef if carbon.get("credit_exports") else 0.0)
    b, g = case["battery"], case["grid"]
    cap = b["capacity_kwh"]
    e0 = b["soc_init"] * cap
    elo, ehi = min(b["soc_min"] * cap, e0), max(b["soc_max"] * cap, e0)
    term = b.get("terminal", {"mode": "free"})
    tlo, thi, vT = elo, ehi, 0.0
    if term["mode"] == "fixed":
        tlo = thi = term["soc"] * cap
    elif term["mode"] == "min":
        tlo = max(elo, term["soc"] * cap)
    elif term["mode"] == "value":
        vT = term["value_per_kwh"]
    W = case.get("demand_charges") or []
    K = len(W)
    # variables: imp exp ch dis cur e (T each), u (T), gbin (T), peaks (K)
    n = 8 * T + K
    IMP, EXP, CH, DIS, CUR, E, U, G = (i * T for i in range(8))
    c = np.zeros(n)
    c[IMP:IMP + T] = dt * pimp
    c[EXP:EXP + T] = -dt * pexp
    c[CH:CH + T] = dt * b.get("degradation_cost_per_kwh", 0.0)
    c[DIS:DIS + T] = dt * b.get("degradation_cost_per_kwh", 0.0)
    c[E + T - 1] -= vT
    for k, w in enumerate(W):
        c[8 * T + k] = w["price_per_kw"]
    lb = np.zeros(n)
    ub = np.zeros(n)
    ub[IMP:IMP + T] = g["import_max_kw"]
    ub[EXP:EXP + T] = g["export_max_kw"]
    ub[CH:CH + T] = b["p_charge_max_kw"]
    ub[DIS:DIS + T] = b["p_discharge_max_kw"]
    ub[CUR:CUR + T] = pv if case.get("pv_curtailable", True) else 0.0
    lb[E:E + T] = elo
    ub[E:E + T] = ehi
    lb[E + T - 1], ub[E + T - 1] = tlo, thi
    ub[U:U + T] = 1
    ub[G:G + T] = 1
    for k, w in enumerate(W):
        lb[8 * T + k] = w.get("prior_peak_kw", 0.0)
        ub[8 * T + k] = max(w.get("prior_peak_kw", 0.0), g["import_max_kw"])
    rows, lo_, hi_ = [], [], []

    def row(entries, lo, hi):
        r = np.zeros(n)
        for j, v in entries:
            r[j] += v
        rows.append(r)
        lo_.append(lo)
        hi_.append(hi)

    for t in range(T):
        row([(IMP + t, 1), (EXP + t, -1), (CH + t, -1), (DIS + t, 1), (CUR + t, -1)], load[t] - pv[t], load[t] - pv[t])
        ent = [(E + t, 1), (CH + t, -dt[t] * b["eta_charge"]), (DIS + t, dt[t] / b["eta_discharge"])]
        if t:
            ent.append((E + t - 1, -1))
        row(ent, e0 if t == 0 else 0.0, e0 if t == 0 else 0.0)
        row([(CH + t, 1), (U + t, -b["p_charge_max_kw"])], -np.inf, 0)
        row([(DIS + t, 1), (U + t, b["p_discharge_max_kw"])], -np.inf, b["p_discharge_max_kw"])
        row([(IMP + t, 1), (G + t, -g["import_max_kw"])], -np.inf, 0)
        row([(EXP + t, 1), (G + t, g["export_max_kw"])], -np.inf, g["export_max_kw"])
    for k, w in enumerate(W):
        for t in range(w["start"], w["end"]):
            row([(IMP + t, 1), (8 * T + k, -1)], -np.inf, 0)
    integ = np.zeros(n)
    integ[U:U + 2 * T] = 0 if relax else 1
    cons = scipy_opt.LinearConstraint(sp.csr_matrix(np.array(rows)), lo_, hi_)
    res = scipy_opt.milp(c, integrality=integ, bounds=scipy_opt.Bounds(lb, ub), constraints=cons,
                         options={"mip_rel_gap": 1e-9, "time_limit": 30})
    if res.status == 2:
        # HiGHS 1.2 (Debian 12's scipy) presolve sometimes reports a feasible
        # MILP infeasible; confirm without presolve before believing it.
        res = scipy_opt.milp(c, integrality=integ, bounds=scipy_opt.Bounds(lb, ub), constraints=cons,
                             options={"mip_rel_gap": 1e-9, "time_limit": 30, "presolve": False})
    if res.status == 2:  # infeasible
        return None
    assert res.status == 0, res.message
    return float(res.fun)


def random_case(rng: np.random.Generator) -> dict:
    T = int(rng.integers(2, 9))
    kind = rng.integers(0, 6)
    pimp = np.round(rng.normal(0.2, 0.15, T), 3)
    if kind == 1:  # negative import prices
        pimp = np.round(rng.normal(-0.05, 0.2, T), 3)
    if kind == 2:  # flat prices with ties
        pimp = np.full(T, 0.25)
        pimp[rng.integers(0, T)] = 0.3
    pexp = pimp - np.round(np.abs(rng.normal(0.03, 0.03, T)), 3)
    if kind == 3:  # fixed feed-in above a (negative) import price
        pexp = np.full(T, 0.08)
        pimp = np.round(rng.normal(0.0, 0.15, T), 3)
    if kind == 4:  # negative export
        pexp = np.round(rng.normal(-0.02, 0.05, T), 3)
        pexp = np.minimum(pexp, pimp)
    home = rng.random() < 0.6
    load = np.round(rng.uniform(0, 4, T), 2) if home else np.zeros(T)
    pv = np.round(np.maximum(0, rng.normal(2, 2.5, T)), 2) if home else np.zeros(T)
    lossless = rng.random() < 0.25
    eta_c = 1.0 if lossless else float(np.round(rng.uniform(0.85, 1.0), 3))
    eta_d = 1.0 if lossless else float(np.round(rng.uniform(0.85, 1.0), 3))
    soc_min = float(np.round(rng.uniform(0, 0.3), 2))
    soc_max = float(np.round(rng.uniform(0.7, 1.0), 2))
    soc_init = float(np.round(rng.uniform(0, 1), 2))
    mode = ["fixed", "min", "value", "free"][int(rng.integers(0, 4))]
    term = {"mode": mode}
    if mode in ("fixed", "min"):
        term["soc"] = float(np.round(rng.uniform(soc_min, soc_max), 2))
    if mode == "value":
        term["value_per_kwh"] = float(np.round(rng.uniform(-0.1, 0.3), 3))
    case = {
        "dt_hours": 0.5 if rng.random() < 0.5 else [float(x) for x in rng.choice([0.25, 0.5, 1.0], T)],
        "series": {"price_import": pimp.tolist(), "price_export": pexp.tolist(), "load_kw": load.tolist(),
                   "pv_kw": pv.tolist()},
        "battery": {"capacity_kwh": 5.0, "soc_min": soc_min, "soc_max": soc_max, "soc_init": soc_init,
                    "terminal": term, "p_charge_max_kw": float(np.round(rng.uniform(0.5, 4), 1)),
                    "p_discharge_max_kw": float(np.round(rng.uniform(0.5, 4), 1)), "eta_charge": eta_c,
                    "eta_discharge": eta_d,
                    "degradation_cost_per_kwh": 0.0 if rng.random() < 0.5 else float(np.round(rng.uniform(0, 0.05), 3))},
        "grid": {"import_max_kw": float(np.round(rng.uniform(3, 10), 1)),
                 "export_max_kw": 0.0 if kind == 5 else float(np.round(rng.uniform(0, 8), 1))},
        "pv_curtailable": bool(rng.random() < 0.7),
    }
    if rng.random() < 0.25:
        a = int(rng.integers(0, T))
        case["demand_charges"] = [{"price_per_kw": float(np.round(rng.uniform(0.1, 2), 2)), "start": a,
                                   "end": int(rng.integers(a + 1, T + 1)),
                                   "prior_peak_kw": float(np.round(rng.uniform(0, 3), 1))}]
    if rng.random() < 0.2:
        case["series"]["emission_factor"] = np.round(rng.uniform(0.1, 0.6, T), 3).tolist()
        case["carbon"] = {"price_per_kg": 0.1, "credit_exports": bool(rng.random() < 0.5)}
    return case


@pytest.mark.parametrize("block", range(4))
def test_random_cases_agree_with_highs_milp(block: int) -> None:
    rng = np.random.default_rng(1000 + block)
    n_feasible = n_demand = n_demand_proven = 0
    for i in range(300):  # 4 x 300 cases; keeps the ASan suite near a minute
        case = random_case(rng)
        ref = milp_objective(case)
        if ref is None:
            with pytest.raises(joule.InfeasibleError):
                jb.optimize_case(case)
            continue
        n_feasible += 1
        res = jb.optimize_case(case)
        assert res["verification"]["feasible"], (i, res["verification"])
        assert abs(res["objective"] - ref) <= 1e-6 * max(1.0, abs(ref)), (block, i, res["objective"], ref, json.dumps(case))
        lb = res["certificate"]["lower_bound"]
        assert lb is None or lb <= res["objective"] + 1e-6 * max(1.0, abs(ref))
        if case.get("demand_charges"):
            n_demand += 1
            n_demand_proven += bool(res["certificate"]["proven_optimal"])
            # where the LP relaxation is exact, its duals (peak rows included) must prove the optimum
            if milp_objective(case, relax=True) >= ref - 1e-9 * max(1.0, abs(ref)):
                assert res["certificate"]["proven_optimal"], (block, i, res["certificate"]["gap"], json.dumps(case))
    assert n_feasible > 180
    print(f"demand-window cases proven optimal by their certificate: {n_demand_proven} of {n_demand}")


@pytest.mark.parametrize("name", CASES_24H)
def test_reference_cases(name: str, test_data: Path) -> None:
    path = test_data / "battery" / f"{name}.json"
    case = json.loads(path.read_text())
    res = jb.optimize_case(case)
    ref = case["solution"]["objective"]
    assert abs(res["objective"] - ref) <= 1e-6 * max(1.0, abs(ref))
    assert res["verification"]["feasible"]
    # proven by the certificate, demand windows included (their peak-row duals sum to the price)
    cert = res["certificate"]
    assert cert["proven_optimal"], cert["gap"]
    assert cert["gap"] <= 1e-9 * max(1.0, abs(ref))
    for w, nu in zip(case.get("demand_charges") or [], cert["demand_nu"]):
        assert math.isclose(sum(nu), w["price_per_kw"], rel_tol=1e-9)


def test_pandas_face_and_plot() -> None:
    pd = pytest.importorskip("pandas")
    idx = pd.date_range("2025-01-01", periods=4, freq="15min", tz="UTC")
    prices = pd.DataFrame({"price_import": [0.1, 0.1, 0.4, 0.4], "price_export": [0.05, 0.05, 0.35, 0.35]}, index=idx)
    res = jb.optimize(prices, battery=dict(capacity_kwh=10, soc_init=0.5, p_charge_max_kw=5, p_discharge_max_kw=5),
                      grid=dict(import_max_kw=10, export_max_kw=10))
    # free terminal, soc_min 0: sell all 5 kWh at full power (1.25 kWh per step); charging adds nothing
    assert math.isclose(res.objective, -(0.05 * 2.5 + 0.35 * 2.5), abs_tol=1e-9)
    assert list(res.schedule.index) == list(idx)
    assert res.certificate["proven_optimal"]
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    fig = jb.plot(res, prices["price_import"])
    assert len(fig.axes) == 3


def test_validation_names_the_field() -> None:
    case = {"dt_hours": 1.0, "series": {"price_import": [0.1], "price_export": [0.1]},
            "battery": {"capacity_kwh": 1, "soc_init": 0.5, "p_charge_max_kw": 1, "p_discharge_max_kw": 1,
                        "eta_charge": 1.5}}
    with pytest.raises(joule.InvalidArgumentError) as e:
        jb.optimize_case(case)
    assert e.value.where == ("field", "battery.eta_charge")


def test_infeasibility_is_explained() -> None:
    case = {"dt_hours": 1.0, "series": {"price_import": [0.1, 0.1], "price_export": [0.0, 0.0], "load_kw": [1, 9]},
            "battery": {"capacity_kwh": 1, "soc_init": 0.5, "p_charge_max_kw": 1, "p_discharge_max_kw": 1},
            "grid": {"import_max_kw": 5, "export_max_kw": 0}}
    issues = jb.screen(case)
    assert issues and issues[0]["step"] == 1 and issues[0]["constraint"] == "load_not_met"
    assert math.isclose(issues[0]["amount"], 3.0)
    with pytest.raises(joule.InfeasibleError) as e:
        jb.optimize_case(case)
    assert e.value.where[:2] == ("index", 1)


def test_cli_optimize(cli: str, test_data: Path, tmp_path: Path) -> None:
    path = test_data / "battery" / "home_24h15_negative_midday.json"
    out = subprocess.run([cli, "battery", "optimize", "--input", str(path)], capture_output=True, text=True, check=True)
    res = json.loads(out.stdout)
    ref = json.loads(path.read_text())["solution"]["objective"]
    assert abs(res["objective"] - ref) <= 1e-6 * max(1.0, abs(ref))
    assert set(res) >= {"objective", "schedule", "certificate"}
    assert len(res["schedule"]["soc_kwh"]) == 97


def test_optimize_site_pandas() -> None:
    """Two batteries, an EV and a deferrable load through the CLP LP, pandas in and out."""
    import pandas as pd

    if not jb._native.site_lp_available():
        pytest.skip("built without COIN-OR CLP")
    idx = pd.date_range("2025-01-01", periods=6, freq="1h", tz="UTC")
    df = pd.DataFrame({"price_import": [0.30, 0.10, 0.10, 0.40, 0.40, 0.30],
                       "price_export": [0.05] * 6, "load_kw": [1.0] * 6,
                       "pv_kw": [0, 8, 8, 0, 0, 0]}, index=idx)
    bat = dict(capacity_kwh=5, soc_init=0.2, p_charge_max_kw=2, p_discharge_max_kw=2,
               eta_charge=0.95, eta_discharge=0.95)
    res = jb.optimize_site(df, batteries=[bat, bat],
                           evs=[dict(arrival_step=1, departure_step=5, energy_kwh=6.0, p_max_kw=3.0)],
                           deferrable=[dict(earliest_step=0, end_step=6, energy_kwh=2.0, p_max_kw=1.0)],
                           grid=dict(import_max_kw=20, export_max_kw=2))
    assert len(res.batteries) == 2
    assert list(res.grid.index) == list(idx)
    assert res.ev_kw["ev0"].sum() >= 6.0 - 1e-7
    assert res.ev_kw["ev0"].iloc[0] == pytest.approx(0.0)
    assert res.deferrable_kw["deferrable0"].sum() == pytest.approx(2.0)
    assert (res.grid["grid_export_kw"] <= 2.0 + 1e-9).all()
    # prices are non-negative: no battery charges and discharges at once
    assert res.simultaneous_steps == 0 and res.burned_kwh == pytest.approx(0.0, abs=1e-9)
    for b in res.batteries:
        assert (np.minimum(b["charge_kw"], b["discharge_kw"]) <= 1e-9).all()
    # one battery alone equals the exact DP on the same data (relaxation exact here)
    one = jb.optimize_site(df, batteries=[bat], grid=dict(import_max_kw=20, export_max_kw=2))
    dp = jb.optimize(df, battery=bat, grid=dict(import_max_kw=20, export_max_kw=2))
    assert one.objective == pytest.approx(dp.objective, rel=1e-7, abs=1e-9)
    with pytest.raises(joule.InfeasibleError):
        jb.optimize_site(df, batteries=[bat], evs=[dict(arrival_step=1, departure_step=2, energy_kwh=50.0, p_max_kw=3.0)])


def test_bellman_certificate_where_complementarity_binds(test_data: Path) -> None:
    """The negative-midday case: the LP bound stays below, the Bellman bound closes the gap."""
    case = json.loads((test_data / "battery" / "home_24h15_negative_midday.json").read_text())
    res = jb.optimize_case(case)
    cert = res["certificate"]
    assert cert["proven_optimal"]
    assert abs(res["objective"] - cert["bellman_bound"]) <= 1e-9 * max(1.0, abs(res["objective"]))
    assert cert["lp_bound"] < res["objective"] - 0.1
    assert len(cert["bellman"]["offset"]) == len(case["series"]["price_import"]) + 2


def _tail(case: dict, t: int, soc_kwh: float) -> dict:
    """Steps [t, T) of a case, starting from soc_kwh stored."""
    out = json.loads(json.dumps(case))
    for k, v in out["series"].items():
        if isinstance(v, list) and len(v) > 1:
            out["series"][k] = v[t:]
    if isinstance(out.get("dt_hours"), list):
        out["dt_hours"] = out["dt_hours"][t:]
    out["battery"]["soc_init"] = soc_kwh / out["battery"]["capacity_kwh"]
    return out


@pytest.mark.parametrize("name", ["home_24h15_negative_midday", "grid_24h15_terminal_value", "home_48h_mixed_dt"])
def test_plan_decides_like_a_new_solve(name: str, test_data: Path) -> None:
    case = json.loads((test_data / "battery" / f"{name}.json").read_text())
    plan = jb.Plan(case)
    assert plan.objective == pytest.approx(jb.optimize_case(case)["objective"], rel=1e-9, abs=1e-9)
    b = case["battery"]
    cap = b["capacity_kwh"]
    checked = 0
    for t in (3, plan.steps // 2, plan.steps - 2):
        for frac in (0.1, 0.6):
            e = (b.get("soc_min", 0.0) + frac * (b.get("soc_max", 1.0) - b.get("soc_min", 0.0))) * cap
            try:
                cold = jb.optimize_case(_tail(case, t, e))
            except joule.InfeasibleError:
                with pytest.raises(joule.InfeasibleError):
                    plan.decide(t, e)
                continue
            d = plan.decide(t, e)
            assert d["cost_to_go"] == pytest.approx(cold["objective"], rel=1e-9, abs=1e-9)
            assert d["charge_kw"] == pytest.approx(cold["schedule"]["charge_kw"][0], abs=1e-9)
            assert d["discharge_kw"] == pytest.approx(cold["schedule"]["discharge_kw"][0], abs=1e-9)
            checked += 1
    assert checked >= 3
    with pytest.raises(joule.InvalidArgumentError):
        plan.decide(plan.steps, 0.5 * cap)


def test_mpc_backtest_warm_equals_cold_and_perfect_foresight(test_data: Path) -> None:
    case = json.loads((test_data / "battery" / "home_7d15_mixed.json").read_text())
    T = len(case["series"]["price_import"])
    load = np.asarray(case["series"]["load_kw"], dtype=float)
    noisy = load * (1 + 0.15 * np.sin(0.37 * np.arange(T)))
    calls = []

    def day_ahead(t: int, n: int) -> dict:
        calls.append(t)
        return {"load_kw": noisy[t:t + n]}

    cold = jb.mpc_backtest(case, day_ahead, horizon_steps=96, horizon_mode="shrinking", warm_start=False)
    warm = jb.mpc_backtest(case, day_ahead, horizon_steps=96, horizon_mode="shrinking")
    assert len(calls) == 2 * T
    assert cold["warm_decisions"] == 0
    assert warm["warm_decisions"] == T - T // 96
    assert warm["realised_cost"] == pytest.approx(cold["realised_cost"], rel=1e-9)
    np.testing.assert_allclose(warm["schedule"]["charge_kw"], cold["schedule"]["charge_kw"], atol=1e-9)
    assert warm["regret"] > 0
    assert {"grid_import_kw", "charge_kw", "discharge_kw", "soc_kwh"} <= set(warm["schedule"].columns)
    assert len(warm["schedule"]) == T
    # perfect foresight over the whole horizon realises the optimum
    pf = jb.mpc_backtest(case, None, horizon_steps=T, horizon_mode="shrinking")
    assert pf["regret"] == pytest.approx(0.0, abs=1e-6 * (1 + abs(pf["perfect_foresight_cost"])))
    # three weighted load scenarios: one Plan each, same decisions as cold solves
    def quantiles(t: int, n: int) -> list:
        return [{"load_kw": noisy[t:t + n] * f, "weight": w} for f, w in ((0.85, 0.25), (1.0, 0.5), (1.2, 0.25))]

    cold3 = jb.mpc_backtest(case, quantiles, horizon_steps=96, horizon_mode="shrinking", warm_start=False)
    warm3 = jb.mpc_backtest(case, quantiles, horizon_steps=96, horizon_mode="shrinking")
    assert warm3["warm_decisions"] == T - T // 96
    assert warm3["candidate_solves"] == 0 < cold3["candidate_solves"]
    assert warm3["realised_cost"] == pytest.approx(cold3["realised_cost"], rel=1e-9)
    np.testing.assert_allclose(warm3["expected_cost"], cold3["expected_cost"], rtol=1e-9, atol=1e-9)
    with pytest.raises(joule.InvalidArgumentError, match="horizon_mode"):
        jb.mpc_backtest(case, None, horizon_mode="sliding")


def test_mpc_backtest_demand_window_warm_peak_search(test_data: Path) -> None:
    case = json.loads((test_data / "battery" / "commercial_24h15_demand.json").read_text())
    load = np.asarray(case["series"]["load_kw"], dtype=float)
    noisy = load * (1 + 0.1 * np.sin(0.37 * np.arange(len(load))))

    def fc(t: int, n: int) -> dict:
        return {"load_kw": noisy[t:t + n]}

    cold = jb.mpc_backtest(case, fc, horizon_steps=32, warm_start=False)
    warm = jb.mpc_backtest(case, fc, horizon_steps=32)
    # each solve's peak search starts from the previous step's peaks: same decisions, fewer DP passes
    assert warm["realised_cost"] == pytest.approx(cold["realised_cost"], rel=1e-6)
    assert warm["dp_passes"] < 0.75 * cold["dp_passes"]
    with pytest.raises(ValueError, match="forecaster"):
        jb.mpc_backtest(case, lambda t, n: {"load_kw": [1.0]}, horizon_steps=8)
