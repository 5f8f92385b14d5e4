"""scripts/bench_to_doc.py: `make bench` regenerates the marked section of docs/performance.md."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_section_is_regenerated_and_the_rest_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "compare_market.txt").write_text("replaying std1m\nratio_vs_liquibook=3.1\nnoise\n")
    (out / "bench_core.txt").write_text("BM_Crc16/1024      101 ns     99.5 ns     100000 bytes_per_second=9.8G/s\n")
    doc = tmp_path / "performance.md"
    doc.write_text((ROOT / "docs" / "performance.md").read_text())
    before = doc.read_text()
    script = ROOT / "scripts" / "bench_to_doc.py"
    subprocess.run([sys.executable, str(script), str(out), str(doc)], check=True)
    after = doc.read_text()
    head = before[: before.index("<!-- make bench: begin -->")]
    assert after.startswith(head)  # the reviewed tables are untouched
    section = after[after.index("<!-- make bench: begin -->"):]
    assert "ratio_vs_liquibook=3.1" in section and "noise" not in section
    assert "| bench_core | `BM_Crc16/1024` | 99.5 ns | bytes_per_second=9.8G/s |" in section
    assert "Not generated on this revision yet" not in section
    # A second run replaces the section instead of appending another one.
    (out / "compare_market.txt").write_text("ratio_vs_liquibook=3.4\n")
    subprocess.run([sys.executable, str(script), str(out), str(doc)], check=True)
    again = doc.read_text()
    assert again.count("<!-- make bench: begin -->") == 1
    assert "ratio_vs_liquibook=3.4" in again and "ratio_vs_liquibook=3.1" not in again
