"""The joule CLI: help texts, --format json|csv|table, exit codes, error messages, progress bars."""
from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BATTERY_CASE = ROOT / "tests" / "data" / "battery" / "home_24h15_double_hump.json"
AUCTION_CASE = ROOT / "tests" / "data" / "market" / "call_auction" / "ca04_excess_demand_prorata.json"
CFE_CASE = ROOT / "tests" / "data" / "carbon" / "cfe_day_battery.json"
DSMR_DIR = ROOT / "tests" / "data" / "meter" / "dsmr"

# Every leaf command, and whether it prints data (then it has --format).
COMMANDS = [
    (["obis"], True), (["crc"], True), (["decode"], True), (["forecast"], True), (["anomalies"], True),
    (["battery", "optimize"], True), (["battery", "screen"], True),
    (["market", "clear"], True), (["market", "replay"], True), (["market", "generate"], False),
    (["carbon", "scope2"], True), (["carbon", "cfe"], True), (["carbon", "trace"], True),
    (["carbon", "certs"], True), (["carbon", "shift"], True), (["carbon", "verify"], False),
]


def run(cli: str, *args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([cli, *args], capture_output=True, text=True, input=stdin,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_top_level_help_lists_commands_examples_and_exit_codes(cli):
    r = run(cli, "--help")
    assert r.returncode == 0
    for cmd in ("obis", "crc", "decode", "forecast", "anomalies", "battery", "market", "carbon"):
        assert f"\n  {cmd} " in r.stdout, cmd
    assert "Exit codes:" in r.stdout
    for code in ("0  ok", "1  the input was read", "2  bad command line", "3  a file could not be read"):
        assert code in r.stdout, code
    assert "--format json|csv|table" in r.stdout and "docs/cli.md" in r.stdout
    # the command list shows one-line summaries; the examples live in each command's help
    listing = r.stdout.split("Subcommands:")[1].split("Examples:")[0]
    assert "example:" not in listing


@pytest.mark.parametrize("path,data", COMMANDS, ids=[" ".join(c) for c, _ in COMMANDS])
def test_every_command_has_help_with_an_example(cli, path, data):
    r = run(cli, *path, "--help")
    assert r.returncode == 0, r.stderr
    assert "example: joule " + path[0] in r.stdout, r.stdout
    assert ("--format" in r.stdout) == data
    assert "Exit codes:" not in r.stdout  # the footer of `joule --help` is not repeated


def test_battery_optimize_json_csv_table_agree(cli):
    j = run(cli, "battery", "optimize", "-i", str(BATTERY_CASE))
    assert j.returncode == 0, j.stderr
    doc = json.loads(j.stdout)
    s = doc["schedule"]
    c = run(cli, "battery", "optimize", "-i", str(BATTERY_CASE), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(c.stdout)))
    assert len(rows) == len(s["grid_import_kw"]) == 96
    assert list(rows[0])[:1] == ["step"] and {"soc_kwh", "pi", "w", "charge_kw"} <= set(rows[0])
    for i, row in enumerate(rows):
        assert int(row["step"]) == i
        assert float(row["grid_import_kw"]) == s["grid_import_kw"][i]
        assert float(row["soc_kwh"]) == s["soc_kwh"][i + 1]  # the end of the step
        assert float(row["pi"]) == doc["certificate"]["pi"][i]
    t = run(cli, "battery", "optimize", "-i", str(BATTERY_CASE), "--format", "table")
    lines = t.stdout.splitlines()
    assert lines[0].split()[0] == "step" and set(lines[1]) <= {"-", " "} and len(lines) == 98
    # aligned: every row is as long as the rule line (numbers right-aligned)
    assert all(len(line) == len(lines[1]) for line in lines[2:])


def test_battery_output_file_and_format(cli, tmp_path):
    out = tmp_path / "steps.csv"
    r = run(cli, "battery", "optimize", "-i", str(BATTERY_CASE), "--format", "csv", "-o", str(out))
    assert r.returncode == 0 and r.stdout == ""
    assert out.read_text().startswith("step,") and len(out.read_text().splitlines()) == 97


def test_decode_csv_has_one_row_per_reading(cli):
    files = sorted(str(p) for p in DSMR_DIR.glob("*.txt"))[:4]
    j = run(cli, "decode", *files)
    assert j.returncode == 0, j.stderr
    telegrams = [json.loads(line) for line in j.stdout.splitlines()]
    c = run(cli, "decode", "--format", "csv", *files)
    rows = list(csv.DictReader(io.StringIO(c.stdout)))
    assert len(rows) == sum(len(t["values"]) for t in telegrams) > 20
    assert {"file", "telegram", "protocol", "identifier", "id", "value", "unit"} <= set(rows[0])
    assert "raw" not in rows[0]
    flat = [(v["id"], v.get("value")) for t in telegrams for v in t["values"]]
    for row, (obis, value) in zip(rows, flat):
        assert row["id"] == obis
        if isinstance(value, float):
            assert float(row["value"]) == value
    t = run(cli, "decode", "--format", "table", files[0])
    assert t.stdout.splitlines()[0].split()[:3] == ["file", "telegram", "protocol"]


def test_decode_directory_progress_only_on_a_terminal(cli, tmp_path):
    for i, f in enumerate(sorted(DSMR_DIR.glob("*.txt"))[:3]):
        (tmp_path / f"t{i}.txt").write_bytes(f.read_bytes())
    # not a terminal: no bar even when asked to draw at once
    r = run(cli, "decode", "--format", "csv", str(tmp_path), env={"JOULE_PROGRESS_AFTER_S": "0"})
    assert r.returncode == 0 and r.stderr == ""
    assert len({row["file"] for row in csv.DictReader(io.StringIO(r.stdout))}) == 3

    def on_pty(*args: str) -> str:
        master, slave = pty.openpty()
        p = subprocess.Popen([cli, *args], stdout=subprocess.DEVNULL, stderr=slave,
                             env={**os.environ, "JOULE_PROGRESS_AFTER_S": "0"})
        os.close(slave)
        out = b""
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        assert p.wait(60) == 0
        os.close(master)
        return out.decode()

    assert "decode [" in on_pty("decode", str(tmp_path)) and "3/3" in on_pty("decode", str(tmp_path))
    assert on_pty("decode", "--no-progress", str(tmp_path)) == ""
    assert on_pty("--quiet", "decode", str(tmp_path)) == ""


def test_market_and_carbon_formats(cli):
    j = json.loads(run(cli, "market", "clear", "--input", str(AUCTION_CASE)).stdout)
    rows = list(csv.DictReader(io.StringIO(run(cli, "market", "clear", "--input", str(AUCTION_CASE), "--format", "csv").stdout)))
    assert {r["order"]: int(r["filled"]) for r in rows} == j["fills"]
    cfe = json.loads(run(cli, "carbon", "cfe", "--input", str(CFE_CASE)).stdout)
    rows = list(csv.DictReader(io.StringIO(run(cli, "carbon", "cfe", "--input", str(CFE_CASE), "--format", "csv").stdout)))
    assert [int(r["hour"]) for r in rows] == list(range(24))
    assert [float(r["direct_kwh"]) for r in rows] == cfe["hourly"]["direct_kwh"]
    table = run(cli, "carbon", "cfe", "--input", str(CFE_CASE), "--format", "table").stdout.splitlines()
    assert table[0].split()[0] == "hour" and len(table) == 26


def test_obis_and_crc_formats(cli):
    assert json.loads(run(cli, "obis", "1-0:1.8.0").stdout)["c"] == 1
    assert run(cli, "obis", "--format", "csv", "1-0:1.8.0").stdout == "obis,a,b,c,d,e,f\n1-0:1.8.0*255,1,0,1,8,0,255\n"
    assert run(cli, "crc", "--kind", "modbus", "01030000000A").stdout == "CDC5\n"
    assert json.loads(run(cli, "crc", "--kind", "modbus", "--format", "json", "01030000000A").stdout)["crc"] == "CDC5"


def _load_csv(path: Path, columns: int, hours: int) -> None:
    lines = ["timestamp," + ",".join(f"site{c}" for c in range(columns))]
    for h in range(hours):
        vals = [f"{1.0 + c * 0.5 + 0.4 * ((h % 24) in (7, 8, 18, 19, 20)) + 0.01 * ((h * 7 + c) % 5):.3f}" for c in range(columns)]
        lines.append(f"2024-01-{1 + h // 24:02d}T{h % 24:02d}:00:00Z," + ",".join(vals))
    path.write_text("\n".join(lines) + "\n")


def test_forecast_formats_and_fleet_columns(cli, tmp_path):
    one, three = tmp_path / "one.csv", tmp_path / "three.csv"
    _load_csv(one, 1, 24 * 14)
    _load_csv(three, 3, 24 * 14)
    c = run(cli, "forecast", "--input", str(one), "--horizon", "24", "--model", "snaive")
    assert c.returncode == 0, c.stderr
    assert c.stdout.splitlines()[0] == "timestamp,mean,q0.1,q0.5,q0.9" and len(c.stdout.splitlines()) == 25
    j = json.loads(run(cli, "forecast", "--input", str(one), "--horizon", "24", "--model", "snaive", "--format", "json").stdout)
    assert len(j) == 24 and j[0]["timestamp"] == "2024-01-15T00:00:00Z" and j[0]["q0.1"] <= j[0]["q0.9"]
    rows = list(csv.DictReader(io.StringIO(run(cli, "forecast", "--input", str(three), "--horizon", "24", "--model", "snaive").stdout)))
    assert len(rows) == 72 and [r["series"] for r in rows[::24]] == ["site0", "site1", "site2"]
    # each column is forecast on its own: site2 sits 1.0 above site0
    assert float(rows[48]["mean"]) - float(rows[0]["mean"]) == pytest.approx(1.0, abs=0.05)


def test_exit_codes_and_messages_say_what_to_fix(cli, tmp_path):
    missing = tmp_path / "nope.json"
    r = run(cli, "battery", "optimize", "-i", str(missing))
    assert r.returncode == 3 and str(missing) in r.stderr and "No such file" in r.stderr
    r = run(cli, "decode", str(missing))
    assert r.returncode == 3 and str(missing) in r.stderr
    r = run(cli, "forecast", "--input", str(missing), "--horizon", "4")
    assert r.returncode == 3 and str(missing) in r.stderr

    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "schema": "joule.battery.case/1",\n  "dt_hours": 1,,\n}\n')
    for cmd in (["battery", "optimize", "-i"], ["battery", "screen", "-i"], ["carbon", "cfe", "-i"], ["market", "clear", "--input"]):
        r = run(cli, *cmd, str(bad))
        assert r.returncode == 1, cmd
        assert "not valid JSON at line 3, column 17" in r.stderr and str(bad) in r.stderr, r.stderr

    case = json.loads(BATTERY_CASE.read_text())
    case["battery"]["capacity_kwh"] = -5
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(case))
    r = run(cli, "battery", "optimize", "-i", str(wrong))
    assert r.returncode == 1 and "capacity_kwh" in r.stderr, r.stderr

    r = run(cli, "battery", "optimize", "-i", str(BATTERY_CASE), "--format", "xml")
    assert r.returncode == 2 and "json,csv,table" in r.stderr
    r = run(cli, "forecast", "--input", "x.csv", "--horizon", "4", "--model", "prophet")
    assert r.returncode == 2 and "snaive" in r.stderr  # the allowed values are listed
    assert run(cli, "battery").returncode == 2
    assert run(cli, "--no-such-option").returncode == 2
    r = run(cli, "crc", "zz")
    assert r.returncode == 1 and "0-9/A-F" in r.stderr
