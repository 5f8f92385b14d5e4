"""The demo (make demo) end to end: real outcomes of every stage, and the report in a browser.

The pipeline runs once per session (examples/demo/demo.py's run_demo into a temporary
folder); the tests hold its numbers against independent computations. The report test
renders out/report.html in headless Debian chromium, checks that every <img> decoded in
the browser and that the plots' colours are on the screenshot; it is shown to fail on a
report with a broken image.
"""
from __future__ import annotations

import base64
import html.parser
import io
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples" / "demo"))

import copilot  # noqa: E402
import demo  # noqa: E402

DAY = copilot.DAY
DT = copilot.DT_H


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    r, path = demo.run_demo(out)
    return r, path


# ----------------------------------------------------------------------------- stages
def test_meter_stream_round_trips_the_load(run):
    r, _ = run
    p1 = r.meters["p1"]
    assert p1["errors"] == 0
    assert p1["protocol"] == "dsmr-p1"
    assert p1["telegrams"] == len(r.history_kw) * (copilot.STEP_S // r.meters["cadence_s"]) + 1
    # registers have 1 Wh resolution: at most 2 Wh error per quarter-hour = 8 W
    assert r.meters["p1_max_abs_error_kw"] <= 0.0081
    assert not r.history_kw.isna().any()
    # the billing readout: a year of a real home's consumption
    assert 1000 < r.meters["annual_kwh"] < 10000
    assert abs(r.history_kw.mean() * 8760 - r.meters["annual_kwh"]) / r.meters["annual_kwh"] < 0.1
    assert r.meters["sml_frames"] == 518
    assert r.meters["mbus_records"] > 0


def test_p1_telegrams_carry_valid_crcs_and_dst_suffix():
    idx = pd.date_range("2025-03-30T00:30:00Z", periods=2, freq="900s")      # ends 01:45 CET, 03:00 CEST
    stream = copilot.p1_stream(pd.Series([1.0, 2.0], index=idx),
                               (copilot.DATA / "p1_dsmr50_iskra_am550_template.txt").read_bytes(), 900)
    import joule.meter as jm

    tel = jm.decode(stream, "dsmr")
    assert len(tel) == 3
    assert tel[1]["timestamp"] == "2025-03-30T01:45:00+01:00" and tel[2]["timestamp"] == "2025-03-30T03:00:00+02:00"
    reg = [sum(v["value"] for v in t["values"] if v["id"] in ("1-0:1.8.1", "1-0:1.8.2")) for t in tel]
    assert np.allclose(np.diff(reg), [0.25, 0.5])          # 1 kW then 2 kW for a quarter-hour each
    broken = stream.replace(b"1-0:1.7.0(01.000", b"1-0:1.7.0(01.001", 1)
    good, errors = jm.decode_with_errors(broken, "dsmr")
    assert len(good) == 2 and len(errors) == 1


def test_forecast_quantiles_are_ordered_and_scored(run):
    r, _ = run
    fc = r.forecast
    assert len(fc) == DAY
    cols = ["q0.05", "q0.25", "q0.5", "q0.75", "q0.95"]
    q = fc[cols].to_numpy()
    assert np.all(np.diff(q, axis=1) >= -1e-9)
    assert (fc[cols] >= 0).all().all()
    s = r.summary["forecast"]
    assert 0 <= s["coverage90_pct"] <= 100
    assert 0 < s["mape_pct"] < 50


def test_battery_schedule_respects_limits_and_balances(run):
    r, _ = run
    b = r.inputs.battery
    s = r.dispatch.schedule
    cap = b["capacity_kwh"]
    assert (s["soc_kwh"] >= b["soc_min"] * cap - 1e-6).all() and (s["soc_kwh"] <= b["soc_max"] * cap + 1e-6).all()
    assert abs(s["soc_kwh"].iloc[-1] - b["terminal"]["soc"] * cap) < 1e-6
    assert (s["charge_kw"] <= b["p_charge_max_kw"] + 1e-9).all() and (s["discharge_kw"] <= b["p_discharge_max_kw"] + 1e-9).all()
    # SoC dynamics: e_t = e_{t-1} + eta_c c dt - d dt / eta_d
    e = np.concatenate([[r.dispatch.soc_init_kwh], s["soc_kwh"].to_numpy()])
    de = e[1:] - e[:-1]
    model = b["eta_charge"] * s["charge_kw"] * DT - s["discharge_kw"] * DT / b["eta_discharge"]
    assert np.allclose(de, model, atol=1e-6)
    # the planned energy balance closes at every quarter-hour
    site = r.site
    supply = site["pv_kw"] - site["curtail_kw"] + site["discharge_kw"] + site["plan_import_kw"]
    use = site["forecast_kw"] + site["charge_kw"] + site["plan_export_kw"]
    assert np.allclose(supply, use, atol=1e-6)
    # the grid flows the optimiser reports are the ones its schedule implies
    f = copilot.flows(site["forecast_kw"].to_numpy(), site["pv_kw"].to_numpy(), site["charge_kw"].to_numpy(),
                      site["discharge_kw"].to_numpy(), site["curtail_kw"].to_numpy(), r.inputs.grid["export_max_kw"])
    assert np.allclose(f["import_kw"], site["plan_import_kw"], atol=1e-6)
    assert np.allclose(f["export_kw"], site["plan_export_kw"], atol=1e-6)
    # ... and so does the real day, the grid taking up the forecast error
    real_supply = site["pv_kw"] - site["curtail_kw"] + site["discharge_kw"] + site["import_kw"]
    real_use = site["load_kw"] + site["charge_kw"] + site["export_kw"]
    spill = real_supply - real_use
    assert (spill >= -1e-9).all()          # only PV above the export limit may be spilled


def test_savings_against_an_independent_no_battery_baseline(run):
    r, _ = run
    site = r.site
    pi, pe, ef = site["price_import"].to_numpy(), site["price_export"].to_numpy(), site["ci_g_per_kwh"].to_numpy() / 1000
    net = site["forecast_kw"].to_numpy() - site["pv_kw"].to_numpy()
    imp, exp = np.maximum(net, 0), np.minimum(np.maximum(-net, 0), r.inputs.grid["export_max_kw"])
    baseline = float(np.sum(imp * pi - exp * pe) * DT + copilot.CARBON_PRICE_PER_KG * np.sum(imp * ef) * DT)
    assert r.dispatch.objective <= baseline + 1e-6
    assert r.summary["plan_saved_eur"] >= -1e-6
    assert r.dispatch.certificate.get("proven_optimal") is True
    # the money summary is the sum of its parts
    s = r.summary
    assert math.isclose(s["saved_eur"], s["bill_no_battery_eur"] - s["bill_with_battery_eur"] - s["degradation_eur"],
                        abs_tol=1e-9)


def test_community_market_conserves_and_agrees_with_the_call_auction(run):
    r, _ = run
    c = r.community
    assert c.settlement["energy_conserved"] and c.settlement["money_conserved"]
    iv = c.settlement["intervals"].set_index("start_s")
    ours = c.fills[c.fills["side"] == "buy"].groupby("start_s")["fill"].sum()
    for t, wh in iv["local_wh"].items():
        assert int(ours.get(t, 0)) == int(wh), t
    assert iv["local_wh"].sum() > 0
    traded = iv[iv["local_wh"] > 0]["local_price"]
    assert (traded >= c.info["price_lo"]).all() and (traded <= c.info["price_hi"]).all()
    st = c.settlement["statements"].set_index("member")
    assert st["local_bought_wh"].sum() == st["local_sold_wh"].sum() == iv["local_wh"].sum()
    # the home sells no more than its planned export
    planned_wh = np.round(r.site["plan_export_kw"].to_numpy() * DT * 1000).sum()
    assert st.loc["home", "local_sold_wh"] <= planned_wh
    assert r.summary["market_uplift_eur"] >= 0


def test_certificates_follow_the_registry_rules(run):
    r, _ = run
    ops, out, kinds = r.certs_in["operations"], r.certs_out["operations"], r.cert_kinds
    assert len(ops) == len(out) == len(kinds)
    for k, o in zip(kinds[:-1], out[:-1]):
        assert o["ok"], (k, o)
    assert kinds[-1] == "double-claim" and out[-1]["error"] == "NOT_ACTIVE"
    # issued PV volume = the hour's PV, to the Wh
    pv_wh = sum(op["volume_wh"] for op in ops if op["op"] == "issue")
    pv_avail = (r.site["pv_kw"] - r.site["curtail_kw"]).resample("1h").sum().to_numpy() * DT * 1000
    assert abs(pv_wh - np.floor(pv_avail).sum()) <= 24
    # no site-hour claims more than it consumed
    cons = {(c["site"], c["start"]): c["wh"] for c in r.certs_in["setup"]["consumption_wh"]}
    for key, wh in r.certs_out["claims_wh"].items():
        site, start = key.split("@")
        assert wh <= cons[(site, start)]


def test_cfe_and_scope2_are_consistent(run):
    r, _ = run
    (sw, hw), (sn, _) = r.cfe_with, r.cfe_without
    for s in (sw, sn):
        assert 0.0 <= s["cfe_score"] <= 1.0
    h = hw["cfe_score"].dropna()
    assert ((h >= -1e-12) & (h <= 1 + 1e-12)).all()
    assert sw["cfe_score"] >= sn["cfe_score"] - 1e-12          # shifting only clean surplus cannot lower it
    assert np.allclose(hw["direct_kwh"] + hw["discharge_kwh"] + hw["grid_kwh"],
                       r.actual_kw.resample("1h").sum().to_numpy() * DT, atol=1e-9)
    sc = r.scope2_bakery
    assert sc["market_based_kg"] <= sc["location_based_hourly_factor_kg"] + 1e-9
    assert sc["rejected_instruments"] == []
    assert sc["residual_mix_missing"] is True
    assert 0 <= r.summary["cfe_with"] <= 1


def test_shipped_data_alone_runs_the_whole_day():
    """A clone without ../shared: the shipped home load stands in, every stage still holds."""
    r = copilot.run(prefer_shared=False, log=lambda *a: None)
    assert "shipped in examples/data" in r.summary["shape_source"]
    assert r.meters["p1"]["errors"] == 0 and not r.history_kw.isna().any()
    assert r.summary["plan_saved_eur"] >= -1e-6
    assert r.community.settlement["energy_conserved"] and r.community.settlement["money_conserved"]
    assert all(o["ok"] for o in r.certs_out["operations"][:-1]) and r.certs_out["operations"][-1]["error"] == "NOT_ACTIVE"
    assert 0 <= r.summary["cfe_without"] <= r.summary["cfe_with"] + 1e-12 <= 1 + 1e-12


# ----------------------------------------------------------------------------- report in a browser
class _Imgs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.srcs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.srcs.append(dict(attrs).get("src", ""))


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    pytest.skip("chromium is not installed (Debian package chromium; scripts/bootstrap installs it)")


def _browser_env() -> dict:
    # the test build preloads the sanitizer runtimes for Python; chromium must not get them
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}
    env["HOME"] = env.get("HOME", "/tmp")
    return env


def _browser(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           f"--user-data-dir={tmp / 'profile'}", "--virtual-time-budget=5000"] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=_browser_env())


# the colours each plot draws with (report.py): a plot that did not render leaves none of them
PLOT_COLOURS = {"forecast band/line": (0x2f, 0x6f, 0xde), "battery SoC": (0x2f, 0x9e, 0x6b),
                "auction supply": (0xe8, 0x89, 0x1c), "PV bars": (0xf7, 0xc9, 0x48)}


def check_report(report: Path, tmp: Path, screenshot: bool = True) -> list[str]:
    """Problems of a report as a browser shows it (empty list = fine)."""
    problems: list[str] = []
    text = report.read_text(encoding="utf-8")
    p = _Imgs()
    p.feed(text)
    if len(p.srcs) < 4:
        problems.append(f"only {len(p.srcs)} images")
    from PIL import Image

    for i, src in enumerate(p.srcs):
        if not src.startswith("data:image/png;base64,"):
            problems.append(f"img {i} is not an inline PNG")
            continue
        try:
            im = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1], validate=True)))
            im.load()
            if im.width < 200 or im.height < 100:
                problems.append(f"img {i} is only {im.width}x{im.height}")
        except Exception as e:  # noqa: BLE001
            problems.append(f"img {i} does not decode: {e}")
    # the browser's view: every image complete with a natural size, read back from the DOM
    probe = tmp / "probe.html"
    probe.write_text(text.replace("</body>", "<script>document.body.setAttribute('data-imgs', Array.from("
                                  "document.images).map(i => i.complete && i.naturalWidth > 0 ? 1 : 0).join(''));"
                                  "</script></body>"), encoding="utf-8")
    dom = _browser(["--dump-dom", probe.as_uri()], tmp)
    marks = dom.stdout.split('data-imgs="', 1)[1].split('"', 1)[0] if 'data-imgs="' in dom.stdout else ""
    if not marks or "0" in marks:
        problems.append(f"browser could not decode every image: {marks!r}")
    if not screenshot:
        return problems
    shot = tmp / "report.png"
    res = _browser([f"--screenshot={shot}", "--window-size=1280,4600", report.as_uri()], tmp)
    if not shot.is_file():
        return problems + [f"no screenshot: {res.stderr[-400:]}"]
    a = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    non_white = (a.sum(axis=2) < 3 * 245).mean()
    if non_white < 0.05:
        problems.append(f"screenshot is nearly blank ({non_white:.1%} non-white)")
    colours = len(np.unique(a.reshape(-1, 3) // 8, axis=0))
    if colours < 200:
        problems.append(f"only {colours} distinct colours on the screenshot")
    for name, rgb in PLOT_COLOURS.items():
        hits = int((np.abs(a - np.array(rgb)).max(axis=2) <= 24).sum())
        if hits < 300:
            problems.append(f"{name}: {hits} pixels of its colour on the screenshot")
    return problems


def test_report_renders_with_its_plots(run, tmp_path):
    _, path = run
    problems = check_report(path, tmp_path)
    assert problems == []


def test_report_check_catches_a_broken_image(run, tmp_path):
    _, path = run
    text = path.read_text(encoding="utf-8")
    i = text.index("data:image/png;base64,") + len("data:image/png;base64,")
    broken = tmp_path / "broken.html"
    broken.write_text(text[:i] + "AAAA" + text[i + 400:], encoding="utf-8")     # a corrupted PNG
    problems = check_report(broken, tmp_path, screenshot=False)
    assert any("does not decode" in p for p in problems)
    assert any("browser could not decode" in p for p in problems)
