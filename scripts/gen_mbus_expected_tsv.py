#!/usr/bin/env python3
"""Flattens the libmbus golden values (tests/data/meter/mbus/frames/*.expected.json) into a
TSV the C API test reads: frame file, record index, N|S, value (numbers as %.17g, text as is)."""
import json
import pathlib

d = pathlib.Path(__file__).resolve().parent.parent / "tests/data/meter/mbus/frames"
rows = []
for f in sorted(d.glob("*.expected.json")):
    e = json.loads(f.read_text())
    if any(v.get("function") == "Actual value" for v in e["values"]):
        continue  # fixed data structure: values in display units (covered by the C++ and Python tests)
    for v in e["values"]:
        if "value" not in v:
            continue
        idx = int(v["id"].split(":")[1])
        val = v["value"]
        if isinstance(val, (int, float)):
            rows.append(f"{e['frame_file']}\t{idx}\tN\t{val!r}")
        else:
            rows.append(f"{e['frame_file']}\t{idx}\tS\t{val.strip()}")
(d.parent / "expected_values.tsv").write_text("\n".join(rows) + "\n")
print(len(rows), "values")
