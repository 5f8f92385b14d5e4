#!/usr/bin/env python3
"""Writes the type stubs of the extension's submodules, bindings/python/joule/_joule/<m>.pyi.

    PYTHONPATH=build/dev/python /usr/bin/python3 scripts/gen_pyi.py [module ...]

Reads the signatures pybind11 puts on the first docstring line of every function and
method of joule._joule.<m> and turns them into stub declarations (numpy arrays as
``npt.NDArray``, array parameters as ``npt.ArrayLike``, defaults as ``...``). The top
level (joule/_joule/__init__.pyi) is written by hand. Run it after adding a binding;
tests/python/test_stubs.py fails while a binding is missing from its stub.
"""
from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bindings" / "python" / "joule" / "_joule"
MODULES = ["meter", "forecast", "battery", "market", "carbon"]


def map_type(t: str, param: bool) -> str:
    t = t.strip()
    t = re.sub(r"joule\._joule\.(\w+)\.(\w+)", r"\2", t)
    t = re.sub(r"numpy\.ndarray\[numpy\.(\w+)\]", (r"npt.ArrayLike" if param else r"npt.NDArray[np.\1]"), t)
    t = t.replace("numpy.ndarray", "npt.ArrayLike" if param else "npt.NDArray[Any]")
    t = t.replace("object", "Any") if t == "object" else t
    t = re.sub(r"\bobject\b", "Any", t)
    t = re.sub(r"\blist\b", "List[Any]", t)
    t = re.sub(r"\btuple\b", "Tuple[Any, ...]", t)
    t = re.sub(r"\bdict\b", "Dict[str, Any]", t)
    return t


def split_params(s: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def signature(line: str, method: bool) -> tuple[str, str] | None:
    m = re.match(r"^(\w+)\((.*)\)\s*->\s*(.+)$", line.strip())
    if not m:
        return None
    name, params, ret = m.groups()
    parts = []
    seen_default = False
    for i, p in enumerate(split_params(params)):
        if method and i == 0 and p.startswith("self"):
            parts.append("self")
            continue
        pname, _, rest = p.partition(":")
        ptype, eq, _default = rest.partition("=")
        has_default = bool(eq)
        # pybind11 allows a required argument after defaulted ones (called by keyword):
        # a stub cannot say that, so the later ones are marked optional too.
        if seen_default and not has_default:
            has_default = True
        seen_default = seen_default or has_default
        parts.append(f"{pname.strip()}: {map_type(ptype, True)}" + (" = ..." if has_default else ""))
    return name, f"def {name}({', '.join(parts)}) -> {map_type(ret, False)}: ..."


def doc_lines(obj: object, method: bool) -> list[str]:
    doc = getattr(obj, "__doc__", None) or ""
    lines = [line for line in doc.splitlines() if line.strip()]
    sigs = []
    for line in lines:
        s = signature(line.replace("Overloaded function.", "").lstrip("0123456789. "), method)
        if s:
            sigs.append(s[1])
    return sigs


def summary(obj: object) -> str:
    doc = getattr(obj, "__doc__", None) or ""
    for line in doc.splitlines()[1:]:
        if line.strip() and not re.match(r"^\s*\d+\.\s*\w+\(", line) and "Overloaded" not in line:
            return line.strip().replace('"""', "'")
    return ""


def emit_function(name: str, fn: object, indent: str, method: bool) -> list[str]:
    sigs = doc_lines(fn, method)
    if not sigs:
        return [f"{indent}def {name}(*args: Any, **kwargs: Any) -> Any: ..."]
    out = []
    for s in sigs:
        if len(sigs) > 1:
            out.append(f"{indent}@overload")
        out.append(indent + s)
    return out


def emit_class(name: str, cls: type) -> list[str]:
    out = [f"class {name}:"]
    doc = (cls.__doc__ or "").strip().splitlines()
    if doc:
        out.append(f'    """{doc[0].strip()}"""')
    for attr, val in vars(cls).items():
        if attr.startswith("__") and attr not in ("__init__", "__len__", "__iter__", "__hash__"):
            continue
        if attr.startswith("_pybind11"):
            continue
        if isinstance(val, property):
            sig = doc_lines(val.fget, True)
            ret = sig[0].split("->")[-1].rstrip(": .") if sig else "Any"
            out.append("    @property")
            out.append(f"    def {attr}(self) -> {ret.strip()}: ...")
        elif isinstance(val, staticmethod) or type(val).__name__ == "staticmethod":
            out.append("    @staticmethod")
            out += emit_function(attr, getattr(cls, attr), "    ", False)
        elif callable(val):
            out += emit_function(attr, val, "    ", True)
        else:
            out.append(f"    {attr}: Any")
    if len(out) == 1:
        out.append("    ...")
    return out


def generate(mod_name: str) -> str:
    mod = importlib.import_module(f"joule._joule.{mod_name}")
    lines = [
        f'"""Type stubs of joule._joule.{mod_name} (generated by scripts/gen_pyi.py from the bindings)."""',
        "from typing import Any, Dict, List, Optional, Tuple, overload",
        "",
        "import numpy as np",
        "import numpy.typing as npt",
        "",
    ]
    names = sorted(n for n in dir(mod) if not n.startswith("__"))
    for n in names:
        obj = getattr(mod, n)
        if isinstance(obj, type):
            lines += emit_class(n, obj) + [""]
    for n in names:
        obj = getattr(mod, n)
        if not isinstance(obj, type) and callable(obj):
            lines += emit_function(n, obj, "", False)
        elif not isinstance(obj, type) and not callable(obj):
            lines.append(f"{n}: {type(obj).__name__}")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for m in argv or MODULES:
        (OUT / f"{m}.pyi").write_text(generate(m))
        print(f"wrote {OUT / (m + '.pyi')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
