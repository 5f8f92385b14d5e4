"""joule.meter for SML and DLMS/COSEM: every SML frame and stream frame against its libsml
reference values, streaming at several chunk sizes, the damaged frames' errors, the DLMS GCM
vectors (right key, wrong key, no key), the HAN captures of ../shared, and the CLI."""
from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest

import joule
import joule.meter as jm


def _same(want, got, tol: float = 0.0) -> bool:
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        allowed = tol if tol > 0 else 1e-9 * max(1.0, abs(want))
        return isinstance(got, (int, float)) and abs(want - got) <= allowed
    return isinstance(got, str) and str(want).strip() == got.strip()


def _compare(expected_values: list, telegram: dict) -> list:
    bad = []
    for e in expected_values:
        match = next((v for v in telegram["values"] if v["id"] == e["id"]), None)
        if match is None:
            bad.append(f"missing {e['id']}")
            continue
        for key in ("value", "raw", "scale", "unit", "unit_code"):
            if key in e and not _same(e[key], match.get(key), e.get("tolerance", 0.0)):
                bad.append(f"{e['id']} {key}: expected {e[key]!r} got {match.get(key)!r}")
    return bad


def test_sml_frames(test_data: Path) -> None:
    n = 0
    for p in sorted((test_data / "meter" / "sml" / "frames").glob("*.expected.json")):
        e = json.loads(p.read_text())
        data = (p.parent / e["frame_file"]).read_bytes()
        if e["expect"] == "error":
            # be265f78: CRC mismatch; 18b4032a: two bytes too many, its end escape is off the 4-byte grid.
            with pytest.raises((joule.ChecksumError, joule.DecodeError)):
                jm.decode(data, "sml", hex=True)
            continue
        telegrams = jm.decode(data, "sml", hex=True)
        assert len(telegrams) == 1
        assert telegrams[0]["protocol"] == "sml"
        assert _compare(e["values"], telegrams[0]) == [], e["id"]
        n += 1
    assert n == 8


def _stream_cases(folder: Path):
    for jl in sorted(folder.glob("*.expected.jsonl")):
        frames = [json.loads(line) for line in jl.read_text().splitlines() if line]
        yield jl.name.replace(".expected.jsonl", ""), (folder / jl.name.replace(".expected.jsonl", ".bin")).read_bytes(), frames


def test_sml_streams_copied(test_data: Path) -> None:
    total = 0
    for name, data, frames in _stream_cases(test_data / "meter" / "sml" / "streams"):
        telegrams = jm.decode(data, "sml")
        assert len(telegrams) == len(frames), name
        for t, f in zip(telegrams, frames):
            assert _compare(f["values"], t) == [], (name, f["frame_index"])
        total += len(frames)
    assert total == 520


def test_sml_stream_from_shared(shared_dir: Path) -> None:
    folder = shared_dir / "testdata" / "meter" / "sml" / "streams"
    total = 0
    for name, data, frames in _stream_cases(folder):
        telegrams = jm.decode(data, "sml")
        assert len(telegrams) == len(frames), name
        for t, f in zip(telegrams, frames):
            assert _compare(f["values"], t) == [], (name, f["frame_index"])
        total += len(frames)
    assert total == 1398


def test_sml_streaming_decoder_chunks(test_data: Path) -> None:
    data = (test_data / "meter" / "sml" / "streams" / "smartmeter-obis-ttyusb0-2.bin").read_bytes()
    stream = b"\x00garbage\x1b\x1b" + data[:150] + data
    for chunk in (1, 5, 64, 4096):
        d = jm.Decoder()
        got = []
        for i in range(0, len(stream), chunk):
            got.extend(d.feed(stream[i:i + chunk]))
        got.extend(d.finish())
        assert d.protocol == "sml"
        assert len(got) == 2
        assert next(v for v in got[1]["values"] if v["id"] == "1-0:2.8.0")["value"] == pytest.approx(4373.0)


def test_dlms_gcm_vector(test_data: Path) -> None:
    folder = test_data / "meter" / "dlms" / "gcm"
    e = json.loads((folder / "general-glo-ciphering-dummykey.expected.json").read_text())
    data = (folder / e["frame_file"]).read_bytes()
    ek, ak = e["keys"]["ek"], e["keys"]["ak"]
    # Right keys: authenticated and decrypted; the body is a manufacturer-specific octet string.
    with pytest.raises(joule.UnsupportedError):
        jm.decode(data, "dlms-apdu", key=ek, auth_key=ak, hex=True)
    wrong = ("00" + ek[2:])
    with pytest.raises(joule.AuthenticationError):
        jm.decode(data, "dlms-apdu", key=wrong, auth_key=ak, hex=True)
    with pytest.raises(joule.UnsupportedError):
        jm.decode(data, "dlms-apdu", hex=True)


def _han_id(rid: str) -> str:
    # Kamstrup / Landis+Gyr send B = 1; Kamstrup's meter number is 1-1:0.0.5 (see test_dlms.cpp).
    if rid.startswith("1-1:"):
        rid = "1-0:" + rid[4:]
    return "0-0:96.1.0" if rid == "1-0:0.0.5" else rid


def test_dlms_han_active_power_and_voltages(shared_dir: Path) -> None:
    folder = shared_dir / "testdata" / "meter" / "dlms" / "han"
    checked = 0
    for p in sorted(folder.glob("*.expected.json")):
        e = json.loads(p.read_text())
        if e["expect"] != "ok" or e["frame_encoding"] != "hex" or not e["protocol"].startswith("dlms-hdlc"):
            continue
        t = jm.decode((folder / e["frame_file"]).read_bytes(), "auto", hex=True)  # some "hdlc" captures are bare APDUs
        assert len(t) == 1, e["id"]
        got = {_han_id(v["id"]): v for v in t[0]["values"]}
        for want in e["values"]:
            if want["id"] not in ("1-0:1.7.0", "1-0:32.7.0") or want["value"] == 0:
                continue
            if e["id"] in ("kaifa-gh242-1", "landis-gyr-gh934-1") and want["id"] == "1-0:32.7.0":
                continue  # golden corrected in test_dlms.cpp (scaler mis-decode of the peer)
            assert want["id"] in got, (e["id"], want["id"])
            assert math.isclose(got[want["id"]]["value"], want["value"], abs_tol=want.get("tolerance", 1e-9)), e["id"]
            checked += 1
    assert checked >= 40


def test_cli_sml_and_dlms(test_data: Path, cli: str) -> None:
    frame = test_data / "meter" / "sml" / "frames" / "smartmeter-obis-ttyusb0-f0000.hex"
    e = json.loads((frame.parent / "smartmeter-obis-ttyusb0-f0000.expected.json").read_text())
    out = subprocess.run([cli, "decode", str(frame)], capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == 1
    assert _compare(e["values"], json.loads(out[0])) == []
    bad = test_data / "meter" / "sml" / "frames" / "smartmeter-obis-test-be265f78.hex"
    r = subprocess.run([cli, "decode", str(bad)], capture_output=True, text=True)
    assert r.returncode == 1 and "checksum_mismatch" in r.stderr
    stream = test_data / "meter" / "sml" / "streams" / "smartmeter-obis-ttyusb0-3.bin"
    out = subprocess.run([cli, "decode", "--protocol", "sml", str(stream)], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert len(out) == 518
