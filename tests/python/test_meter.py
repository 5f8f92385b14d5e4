"""joule.meter: every DSMR / IEC 62056-21 test frame from Python and from the CLI, the
streaming Decoder at every chunk size, encrypted P1 errors, to_dataframe."""
from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest

import joule
import joule.meter as jm

FOLDERS = ["dsmr", "iec62056-21"]


def _corrections(test_data: Path) -> dict:
    return json.loads((test_data / "meter" / "corrections-dsmr-d0.json").read_text())


def _cases(test_data: Path):
    corr = _corrections(test_data)
    bad = {b["frame"] for b in corr["bad_checksum"]}
    for folder in FOLDERS:
        for p in sorted((test_data / "meter" / folder).glob("*.expected.json")):
            e = json.loads(p.read_text())
            for c in corr["corrections"]:
                if c["frame"] == e["id"]:
                    for v in e["values"]:
                        if v["id"] == c["id"]:
                            v[c["key"]] = c["value"]
            yield e, (p.parent / e["frame_file"]).read_bytes(), e["id"] in bad


def _same(want, got, tol: float) -> bool:
    if isinstance(want, bool) or want is None:
        return want == got
    if isinstance(want, (int, float)):
        if not isinstance(got, (int, float)):
            return False
        allowed = tol if tol > 0 else 1e-9 * max(1.0, abs(want))
        return abs(want - got) <= allowed
    if isinstance(want, str):
        return isinstance(got, str) and want.strip() == got.strip()
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(_same(a, b, tol) for a, b in zip(want, got))
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and _same(v, got[k], tol) for k, v in want.items())
    return want == got


def _compare(expected: dict, telegram: dict) -> list:
    bad = []
    for e in expected["values"]:
        match = next((v for v in telegram["values"] if v["id"] == e["id"]), None)
        if match is None:
            bad.append(f"missing {e['id']}")
            continue
        for key in ("value", "unit", "timestamp", "raw", "buffer"):
            if key in e and not (key in match and _same(e[key], match[key], e.get("tolerance", 0.0))):
                bad.append(f"{e['id']} {key}: expected {e[key]!r} got {match.get(key)!r}")
    return bad


def test_every_frame_matches_expected_values(test_data):
    n = 0
    for e, data, bad_checksum in _cases(test_data):
        if bad_checksum:
            with pytest.raises(joule.ChecksumError):
                jm.decode(data, e["protocol"])
        telegrams = jm.decode(data, "auto", verify=not bad_checksum)
        assert len(telegrams) == 1, e["id"]
        assert telegrams[0]["protocol"] == e["protocol"]
        assert _compare(e, telegrams[0]) == [], e["id"]
        n += 1
    assert n == 17


def test_cli_decode_prints_expected_values(test_data, cli):
    for e, _, bad_checksum in _cases(test_data):
        frame = test_data / "meter" / ("dsmr" if e["protocol"] == "dsmr-p1" else "iec62056-21") / e["frame_file"]
        args = [cli, "decode", str(frame)] + (["--no-verify"] if bad_checksum else [])
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        lines = out.strip().splitlines()
        assert len(lines) == 1
        assert _compare(e, json.loads(lines[0])) == [], e["id"]
    # a bad checksum is exit status 1 with the error on stderr
    siemens = test_data / "meter" / "iec62056-21" / "d0-siemens-2wr5-heat-modeC.txt"
    r = subprocess.run([cli, "decode", str(siemens)], capture_output=True, text=True)
    assert r.returncode == 1 and "checksum_mismatch" in r.stderr


def test_streaming_decoder_any_chunk_size(test_data):
    one = (test_data / "meter" / "dsmr" / "dsmr50-iskra-mt382.txt").read_bytes()
    two = (test_data / "meter" / "dsmr" / "emucs171-fluvius.txt").read_bytes()
    stream = b"\xff\x00noise" + one + two[:200] + two + one
    for chunk in (1, 7, 64, 1000):
        d = jm.Decoder()
        got = []
        for i in range(0, len(stream), chunk):
            got.extend(d.feed(stream[i:i + chunk]))
        got.extend(d.finish())
        assert d.protocol == "dsmr-p1"
        assert [t["version"] for t in got] == ["50", "50217", "50"]
        assert len(d.errors) == 1 and d.errors[0].code == "malformed"


def test_decode_errors(test_data):
    one = bytearray((test_data / "meter" / "dsmr" / "dsmr50-iskra-mt382.txt").read_bytes())
    one[50] ^= 1
    with pytest.raises(joule.ChecksumError):
        jm.decode(bytes(one))
    telegrams, errors = jm.decode_with_errors(bytes(one) + (test_data / "meter/dsmr/dsmr42-kaifa.txt").read_bytes())
    assert len(telegrams) == 1 and len(errors) == 1 and errors[0].code == "checksum_mismatch"
    with pytest.raises(joule.InvalidArgumentError):
        jm.decode(bytes(one), "dsmr", key=b"short")
    with pytest.raises(joule.NotFoundError):
        jm.decode(b"x", "no-such-protocol")
    assert jm.detect(b"/ISk5\\2MT382-1000\r\n\r\n") == "dsmr-p1"


def test_to_dataframe(test_data):
    telegrams = jm.decode((test_data / "meter" / "dsmr" / "emucs171-fluvius.txt").read_bytes())
    df = jm.to_dataframe(telegrams)
    row = df[df["id"] == "1-0:1.8.2"].iloc[0]
    assert math.isclose(row["value"], 15.758) and row["unit"] == "kWh"
    assert str(df["time"].iloc[0].tz) in ("UTC+02:00", "pytz.FixedOffset(120)") or df["time"].iloc[0].utcoffset().seconds == 7200
    gas = df[df["id"] == "0-1:24.2.3"].iloc[0]
    assert gas["capture_time"].hour == 13
    assert df[df["id"] == "0-0:96.14.0"].iloc[0]["text"] == "0001"


def test_c_expected_table_is_in_sync(test_data):
    """tests/data/meter/expected-dsmr-d0.tsv (read by the C test) matches the expected JSON."""
    import importlib.util

    script = test_data.parent / "meter" / "make_expected_tsv.py"
    spec = importlib.util.spec_from_file_location("make_expected_tsv", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert (test_data / "meter" / "expected-dsmr-d0.tsv").read_text() == mod.render()
