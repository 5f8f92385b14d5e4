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
from joule.errors import Error, InvalidArgumentError, RejectedError

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


def test_registry_object_replays_the_worked_example(test_data):
    """The Registry object, fed the case's operations one by one, ends in the expected state."""
    doc = json.loads((test_data / "carbon" / "certs_lifecycle.json").read_text())
    setup, ops = doc["inputs"]["setup"], doc["inputs"]["operations"]
    reg = jc.Registry(accepted_markets=setup.get("accepted_markets"),
                      consumption_wh=setup.get("consumption_wh"), storage=setup.get("storage"),
                      lifetime_s=setup.get("lifetime_s", 0))
    rows = [reg.apply(op) for op in ops]
    expected = doc["expected"]
    for row, exp in zip(rows, expected["operations"]):
        assert row["ok"] == exp["ok"] and row["error"] == exp["error"], exp
    state = reg.state()
    close(expected["final_state"], state["final_state"], 1e-9, 1e-9)
    close(expected["claims_wh"], state["claims_wh"], 1e-9, 1e-9)
    # Conservation: leaf volumes (everything not split) = issued + storage-discharge certificates.
    certs = reg.certificates()
    assert certs.loc[certs.status != "split", "volume_wh"].sum() == reg.issued_wh + reg.sd_issued_wh
    assert jc.verify_log(reg.log_text) == reg.operation_count


def test_registry_typed_operations_and_rejections(tmp_path):
    t0 = pd.Timestamp("2024-06-01T10:00Z")
    reg = jc.Registry(accepted_markets={"DK1": ["DK1"]}, consumption_wh=[("SITE-1", t0, 40_000)],
                      storage=[{"id": "BESS-1", "market": "DK1", "roundtrip_eff": 0.8}])
    gc = reg.issue("WIND-1", "DK1", "wind", t0, t0 + pd.Timedelta("1h"), 50_000, "PROD", metered_wh=52_000)
    assert gc == "GC-1"
    with pytest.raises(jc.CertificateRejected) as e:
        reg.issue("WIND-1", "DK1", "wind", t0 + pd.Timedelta("30min"), t0 + pd.Timedelta("90min"), 1, "PROD")
    assert e.value.reason == "DUPLICATE_ISSUANCE" and isinstance(e.value, RejectedError)
    with pytest.raises(jc.CertificateRejected, match="INVALID_INTERVAL"):
        reg.issue("WIND-2", "DK1", "wind", t0, t0 + pd.Timedelta("2h"), 1, "PROD")
    with pytest.raises(jc.CertificateRejected) as e:
        reg.transfer(gc, "SOMEONE", "ACME")
    assert e.value.reason == "NOT_OWNER"
    reg.transfer(gc, "PROD", "ACME")
    a, b = reg.split(gc, "ACME", [30_000, 20_000])
    assert (a, b) == ("GC-1.1", "GC-1.2")
    reg.retire(a, "ACME", "ACME Corp", "SITE-1", "DK1", hour=(t0, t0 + pd.Timedelta("1h")))
    with pytest.raises(jc.CertificateRejected) as e:  # 30,000 + 20,000 Wh > 40,000 Wh metered
        reg.retire(b, "ACME", "ACME Corp", "SITE-1", "DK1", hour=(t0, t0 + pd.Timedelta("1h")))
    assert e.value.reason == "CLAIM_EXCEEDS_CONSUMPTION"
    reg.storage_charge(b, "ACME", "BESS-1", t0, t0 + pd.Timedelta("1h"))
    with pytest.raises(jc.CertificateRejected, match="STORAGE_OVERISSUE"):  # 0.8 x 20,000 = 16,000 deliverable
        reg.storage_discharge_issue("BESS-1", t0 + pd.Timedelta("9h"), t0 + pd.Timedelta("10h"), 16_001, "ACME", 20_000)
    sd = reg.storage_discharge_issue("BESS-1", t0 + pd.Timedelta("9h"), t0 + pd.Timedelta("10h"), 16_000, "ACME", 20_000)
    assert list(sd.id) == ["SDGC-2"] and sd.volume_wh.sum() == 16_000 and sd.source_cert[0] == "GC-1.2"
    certs = reg.certificates()
    assert certs.loc["GC-1.1", "status"] == "retired" and certs.loc["GC-1.1", "beneficiary"] == "ACME Corp"
    assert certs.loc["GC-1.2", "status"] == "cancelled_for_storage"
    assert reg.issued_wh == 50_000 and reg.sd_issued_wh == 16_000
    # Persist, reload, and detect an edit of history.
    path = tmp_path / "registry.log"
    reg.save(path)
    back = jc.Registry.load(path, accepted_markets={"DK1": ["DK1"]}, consumption_wh=[("SITE-1", t0, 40_000)],
                            storage=[{"id": "BESS-1", "market": "DK1", "roundtrip_eff": 0.8}])
    assert back.head_hash == reg.head_hash and back.operation_count == reg.operation_count
    text = path.read_text()
    path.write_text(text.replace('"volume_wh":50000', '"volume_wh":60000', 1))
    from joule.errors import ChecksumError

    with pytest.raises(ChecksumError):
        jc.Registry.load(path, accepted_markets={"DK1": ["DK1"]})
    with pytest.raises(InvalidArgumentError):
        reg.retire(a, "ACME", "x", "SITE-1", "DK1")  # neither hour nor year
