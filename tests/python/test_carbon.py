"""joule.carbon: the 15 worked examples from Python, pandas faces, CLI."""
from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import joule.carbon as jc
from joule.errors import Error, InvalidArgumentError

CASES = sorted((Path(__file__).resolve().parents[1] / "data" / "carbon").glob("*.json"))


def close(exp, act, a, r, path="$"):
    if isinstance(exp, bool) or exp is None or isinstance(exp, str):
        assert exp == act, path
    elif isinstance(exp, (int, float)):
        assert isinstance(act, (int, float)) and not isinstance(act, bool), path
        if isinstance(exp, int) and isinstance(act, int):
            assert exp == act, path
        else:
            assert abs(act - exp) <= a + r * abs(exp), f"{path}: {exp} vs {act}"
    elif isinstance(exp, list):
        assert isinstance(act, list) and len(act) == len(exp), path
        for i, (e, x) in enumerate(zip(exp, act)):
            close(e, x, a, r, f"{path}[{i}]")
    else:
        assert isinstance(act, dict) and set(act) == set(exp), path
        for k in exp:
            close(exp[k], act[k], a, r, f"{path}.{k}")


def test_fifteen_cases_present():
    assert len(CASES) == 15


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_worked_example(case):
    doc = json.loads(case.read_text())
    out = jc.run_case_file(case)
    close(doc["expected"], out, doc["tolerance"]["abs"], doc["tolerance"]["rel"])


def test_certificate_rejections_have_their_codes(test_data):
    doc = json.loads((test_data / "carbon" / "certs_lifecycle.json").read_text())
    out = jc.run_case("certs", doc["inputs"])
    codes = [o["error"] for o in out["operations"] if not o["ok"]]
    assert codes == [o["error"] for o in doc["expected"]["operations"] if not o["ok"]]
    assert len(codes) == 15


def test_pandas_cfe_and_shift():
    idx = pd.date_range("2024-06-01", periods=4, freq="h", tz="UTC")
    load = pd.Series([0.0, 50, 50, 0], idx)
    summary, hourly = jc.cfe(load, pd.Series([30.0, 20, 80, 0], idx), pd.Series([0.5] * 4, idx))
    assert summary["cfe_score"] == pytest.approx(0.85)
    assert list(hourly.index) == list(idx)
    assert math.isnan(hourly["cfe_score"].iloc[0]) and hourly["cfe_score"].iloc[1] == pytest.approx(0.7)
    assert jc.to_g_per_kwh(1000, "lb/MWh") == pytest.approx(453.59237)
    assert jc.ipcc_ar5_median("coal") == 820
    assert jc.energy_weighted_intensity([5, 45], [2000, 400]) == pytest.approx(560)
    d = pd.Series([10.0, -10.0], idx[:2])
    f = pd.Series([380.0, 420.0], idx[:2])
    assert jc.delta_emissions_kg(d, f) == pytest.approx(-0.4)
    with pytest.raises(InvalidArgumentError):
        jc.cfe(load, pd.Series([1.0, 1, 1, 1], idx), pd.Series([2.0] * 4, idx))


def test_trace_series_solvers_agree():
    rng = np.random.default_rng(7)
    zones = [f"Z{i}" for i in range(6)]
    idx = pd.date_range("2024-01-01", periods=5, freq="h", tz="UTC")
    prod = pd.DataFrame(rng.uniform(100, 500, (5, 6)), idx, zones)
    prod["Z5"] = 0.0
    emis = prod * rng.uniform(10, 800, (5, 6))
    flows = pd.DataFrame({"Z0->Z1": rng.uniform(-50, 50, 5), "Z1->Z2": rng.uniform(0, 50, 5),
                          "Z2->Z0": rng.uniform(0, 50, 5), "Z3->Z4": rng.uniform(0, 50, 5)}, idx)
    a = jc.trace_series(prod, emis, flows, "scc")
    b = jc.trace_series(prod, emis, flows, "sparse")
    assert a["Z5"].isna().all()  # no production, no inflow: undefined
    np.testing.assert_allclose(a.drop(columns="Z5"), b.drop(columns="Z5"), rtol=1e-10)


def test_bad_input_raises():
    with pytest.raises(Error):
        jc.run_case("scope2", {})
    with pytest.raises(Error):
        jc.verify_log('{"hash":"00"}\n')


def test_cli_matches_expected(cli, test_data):
    for fam, name in [("scope2", "scope2_dual_reporting"), ("cfe", "cfe_day_battery"),
                      ("trace", "flowtrace_3zone_loop"), ("certs", "certs_lifecycle"),
                      ("shift", "shift_avoided_emissions_units")]:
        path = test_data / "carbon" / f"{name}.json"
        doc = json.loads(path.read_text())
        out = subprocess.run([cli, "carbon", fam, "--input", str(path)], check=True, capture_output=True, text=True)
        close(doc["expected"], json.loads(out.stdout), 1e-9, 1e-9)
    bad = subprocess.run([cli, "carbon", "scope2", "--input", str(test_data / "carbon" / "nope.json")],
                         capture_output=True, text=True)
    assert bad.returncode == 3
