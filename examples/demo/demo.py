"""joule demo: the site-energy pipeline on real data, step by step.

Runs every stage that the installed modules provide and says plainly what
each did. Stages: meter frames -> load series -> forecast -> battery ->
community auction -> settlement -> certificates -> Scope 2 / 24/7 CFE.
"""
from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

import numpy as np

import joule

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out"


def stage_core() -> None:
    code = joule.ObisCode("1-0:1.8.0*255")
    print(f"  OBIS {code}: active energy import (C={code.c}, D={code.d})")
    day = joule.day_length_s("Europe/Amsterdam", 2024, 10, 27) // 3600
    print(f"  The Dutch clock change on 2024-10-27 makes that day {day} hours long; joule's calendars know it.")
    kw = np.array([0.4, 0.5, 2.1, 3.0, 1.2, 0.8, 0.6, 0.5])
    ts = joule.TimeSeries(1_729_987_200, 900, kw)
    hourly = ts.resample(3600, "mean")
    print(f"  Two hours of 15-minute load {kw.tolist()} kW average to {hourly.values.tolist()} kW per hour.")


def main() -> int:
    OUT.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    print(f"joule {joule.__version__} demo")
    print("[core] vocabulary")
    stage_core()
    stages = []
    demo_dir = Path(__file__).resolve().parent
    for name in ("meter", "forecast", "battery", "market", "carbon"):
        mod_file = demo_dir / f"stage_{name}.py"
        if mod_file.exists():
            stages.append(name)
    sys.path.insert(0, str(demo_dir))
    context: dict = {"out": OUT, "root": ROOT, "cli": os.environ.get("JOULE_CLI")}
    for name in stages:
        print(f"[{name}]")
        importlib.import_module(f"stage_{name}").run(context)
    missing = [m for m in ("meter", "forecast", "battery", "market", "carbon") if m not in stages]
    if missing:
        print(f"(not in this build yet: {', '.join(missing)})")
    print(f"done in {time.perf_counter() - t0:.1f} s; outputs in {OUT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
