"""Declarative meter drivers from Python and the CLI (joule.meter.apply_driver, joule decode --driver)."""
import json
import subprocess

import pytest

import joule
import joule.meter as jm

# A plaintext wM-Bus water meter telegram (manufacturer ELS, medium 7): volume 1234 l,
# date/time, stored volume and date, error flags.
WATER = "2544931578563412330778" "0413D2040000" "046D0B2AB721" "4413E8030000" "426C9F2C" "02FD170400"
DRIVER = {
    "name": "mywater",
    "match": [{"manufacturer": "ELS", "medium": 7}],
    "fields": [
        {"name": "total_m3", "record": {"quantity": "volume"}},
        {"name": "target_m3", "record": {"quantity": "volume", "storage": 1}},
        {"name": "target_date", "format": "date", "record": {"quantity": "date", "storage": 1}},
        {"name": "status", "status": {"tpl": True}},
    ],
}


def test_user_driver_fields() -> None:
    r = jm.apply_driver(WATER, "mywater", hex=True, drivers=[DRIVER])
    assert r["driver"] == "mywater"
    assert r["manufacturer"] == "ELS"
    assert r["fields"]["total_m3"] == pytest.approx(1.234, rel=1e-12)
    assert r["fields"]["target_m3"] == 1
    assert r["fields"]["target_date"] == "2020-12-31"
    assert r["fields"]["status"] == "OK"
    auto = jm.apply_driver(bytes.fromhex(WATER), drivers=[DRIVER])
    assert auto["driver"] == "mywater"


def test_errors_and_listing() -> None:
    with pytest.raises(joule.errors.Error):
        jm.apply_driver(bytes.fromhex(WATER), "nosuchdriver")
    with pytest.raises(joule.errors.Error):
        jm.apply_driver(bytes.fromhex(WATER), drivers=['{"name": 1}'])
    names = jm.driver_names()
    assert len(names) >= 40
    assert jm.driver_json(names[0])["name"] == names[0]
    with pytest.raises(KeyError):
        jm.driver_json("nosuchdriver")
    recs = jm.describe_records(bytes.fromhex(WATER))
    assert recs["records"][0]["quantity"] == "volume"


def test_shared_telegrams_match(shared_dir) -> None:
    """The built-in drivers reproduce the expected fields of the shared telegrams (GPL data, read in place)."""
    wdir = shared_dir / "testdata" / "meter" / "wmbus"
    if not wdir.is_dir():
        pytest.skip("wM-Bus telegrams (GPL-3.0) not present")
    names = set(jm.driver_names())
    per_driver: dict = {}
    formats = jm.FormatCache()  # one receiver: compact frames are read with the full frames seen before
    for exp_path in sorted(wdir.glob("*.expected.json")):
        exp = json.loads(exp_path.read_text())
        name = exp["meter"]["driver"]
        ok = False
        if name in names:
            key = exp.get("keys", {}).get("aes128")
            if key and len(key) != 32:
                key = None
            try:
                got = jm.apply_driver((wdir / exp["frame_file"]).read_text(), name, key, hex=True,
                                     formats=formats)["fields"]
                ok = True
                for v in exp["values"]:
                    g = got.get(v["id"])
                    if v["value"] is None:
                        ok = ok and g is None
                    elif isinstance(v["value"], (int, float)):
                        ok = ok and isinstance(g, (int, float)) and abs(g - v["value"]) <= 1e-9 * max(abs(g), abs(v["value"])) + 1e-12
                    else:
                        ok = ok and isinstance(g, str) and g.strip() == v["value"].strip()
            except (joule.errors.Error, ValueError):
                ok = False
        per_driver.setdefault(name, []).append(ok)
    full = sorted(n for n, oks in per_driver.items() if all(oks))
    print(f"drivers fully matched: {len(full)}: {' '.join(full)}")
    assert len(full) >= 60  # as in the C++ test
    assert len(formats) > 0


def test_compact_frame_needs_its_full_frame(shared_dir) -> None:
    """A compact frame (CI 0x79) is read through a FormatCache that saw the meter's full frame."""
    wdir = shared_dir / "testdata" / "meter" / "wmbus"
    if not wdir.is_dir():
        pytest.skip("wM-Bus telegrams (GPL-3.0) not present")
    full = (wdir / "omnipower-01.hex").read_text()
    compact = (wdir / "omnipower-02.hex").read_text()
    with pytest.raises(joule.UnsupportedError):
        jm.apply_driver(compact, "omnipower", hex=True)
    formats = jm.FormatCache()
    with pytest.raises(joule.UnsupportedError):
        jm.apply_driver(compact, "omnipower", hex=True, formats=formats)  # its full frame not seen yet
    jm.apply_driver(full, "omnipower", hex=True, formats=formats)
    assert len(formats) == 1
    got = jm.apply_driver(compact, "omnipower", hex=True, formats=formats)["fields"]
    exp = json.loads((wdir / "omnipower-02.expected.json").read_text())
    total = [v["value"] for v in exp["values"] if v["id"] == "total_energy_consumption_kwh"]
    assert total and got["total_energy_consumption_kwh"] == pytest.approx(total[0], rel=1e-12)


def test_cli_driver(cli, tmp_path) -> None:
    t = tmp_path / "t.hex"
    t.write_text(WATER)
    d = tmp_path / "mywater.json"
    d.write_text(json.dumps(DRIVER))
    out = subprocess.run([cli, "decode", "--protocol", "wmbus", "--hex", "--driver", str(d), str(t)],
                         capture_output=True, text=True, check=True).stdout
    r = json.loads(out)
    assert r["fields"]["target_date"] == "2020-12-31"
    out = subprocess.run([cli, "decode", "--protocol", "wmbus", "--hex", "--describe", str(t)],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["manufacturer"] == "ELS"
    bad = subprocess.run([cli, "decode", "--protocol", "wmbus", "--hex", "--driver", "nosuchdriver", str(t)],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "not_found" in bad.stderr
