"""joule demo (``make demo``): the site energy copilot on real data, in one run.

Decodes a home's meter frames, builds its load, forecasts tomorrow with intervals,
optimises its battery against prices and carbon, offers the surplus in a community
call auction, settles, issues and retires certificates, and reports Scope 2 and
24/7 CFE. Prints a short summary and writes ``out/report.html``.

    python3 examples/demo/demo.py [--out DIR]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import joule  # noqa: E402

import copilot  # noqa: E402
import report  # noqa: E402


def run_demo(out: Path, prefer_shared: bool = True) -> "tuple[copilot.DayResult, Path]":
    """Runs the pipeline, prints each stage and the summary, writes ``out/report.html``."""
    print(f"joule {joule.__version__} demo: site energy copilot")
    r = copilot.run(prefer_shared=prefer_shared)
    print(f"  (demand shape: {r.summary['shape_source']})")
    path = report.write_report(r, Path(out) / "report.html")
    print()
    print(report.summary_text(r))
    print()
    return r, path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=copilot.ROOT / "out", help="output folder (default: out/)")
    ap.add_argument("--shipped-only", action="store_true",
                    help="use only examples/data (ignore the real demand series in ../shared)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    r, path = run_demo(args.out, prefer_shared=not args.shipped_only)
    try:
        shown = path.relative_to(Path.cwd())
    except ValueError:
        shown = path
    print(f"Report: {shown}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
