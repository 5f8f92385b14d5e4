#!/usr/bin/env python3
"""Flattens the DSMR / IEC 62056-21 expected-values JSON (with the corrections of
tests/data/meter/corrections-dsmr-d0.json) into tests/data/meter/expected-dsmr-d0.tsv,
which the C test reads (C has no JSON parser). tests/python/test_meter.py checks that the
TSV is up to date. Columns: folder, frame file, verify (0/1), id, kind (n = number,
s = string, - = no value), value, unit, capture timestamp ('-' = none)."""
import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "meter"


def rows():
    corr = json.loads((DATA / "corrections-dsmr-d0.json").read_text())
    bad = {b["frame"] for b in corr["bad_checksum"]}
    for folder in ("dsmr", "iec62056-21"):
        for p in sorted((DATA / folder).glob("*.expected.json")):
            e = json.loads(p.read_text())
            for c in corr["corrections"]:
                if c["frame"] == e["id"]:
                    for v in e["values"]:
                        if v["id"] == c["id"]:
                            v[c["key"]] = c["value"]
            for v in e["values"]:
                val = v.get("value")
                if isinstance(val, bool) or val is None:
                    kind, text = "-", "-"
                elif isinstance(val, (int, float)):
                    kind, text = "n", repr(val)
                else:
                    kind, text = "s", val.strip() or "-"
                for field in (text, v.get("unit", "-"), v.get("timestamp", "-")):
                    assert "\t" not in field and "\n" not in field
                yield "\t".join([folder, e["frame_file"], "0" if e["id"] in bad else "1", v["id"], kind, text,
                                 v.get("unit", "-"), v.get("timestamp", "-")])


def render() -> str:
    return "\n".join(rows()) + "\n"


if __name__ == "__main__":
    out = DATA / "expected-dsmr-d0.tsv"
    if "--check" in sys.argv:
        sys.exit(0 if out.read_text() == render() else 1)
    out.write_text(render())
