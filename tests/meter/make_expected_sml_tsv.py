#!/usr/bin/env python3
"""Flattens the SML expected values (frames + copied streams) into
tests/data/meter/expected-sml.tsv for the C API test, which has no JSON parser:
one line per value: source <TAB> frame index <TAB> id <TAB> kind <TAB> value."""
import json
from pathlib import Path

root = Path(__file__).resolve().parents[2] / "tests" / "data" / "meter" / "sml"
lines = []
for p in sorted((root / "frames").glob("*.expected.json")):
    e = json.loads(p.read_text())
    if e["expect"] == "error":
        lines.append(f"frames/{e['frame_file']}\t0\t-\terror\t-")
        continue
    for v in e["values"]:
        kind = "octets" if v.get("value_type") == "octets" else "number"
        lines.append(f"frames/{e['frame_file']}\t0\t{v['id']}\t{kind}\t{v['value']}")
for p in sorted((root / "streams").glob("*.expected.jsonl")):
    name = p.name.replace(".expected.jsonl", ".bin")
    for line in p.read_text().splitlines():
        d = json.loads(line)
        for v in d["values"]:
            if v.get("value_type") == "octets":
                continue
            lines.append(f"streams/{name}\t{d['frame_index']}\t{v['id']}\tnumber\t{v['value']}")
(root.parent / "expected-sml.tsv").write_text("\n".join(lines) + "\n")
print(len(lines), "lines")
