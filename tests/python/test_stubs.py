"""The type stubs of the extension's submodules (joule/_joule/<m>.pyi) match the bindings.

A stubtest-style check without mypy: every public function and class of joule._joule.<m>
is declared, with the parameter names pybind11 reports, and every class method is declared.
scripts/gen_pyi.py regenerates the stubs after a binding changes.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import joule
from joule import _joule

MODULES = ["meter", "forecast", "battery", "market", "carbon"]
STUBS = Path(joule.__file__).with_name("_joule")


def runtime_params(obj: object) -> list[list[str]]:
    """Parameter names of each overload, from pybind11's signature lines."""
    out = []
    for line in (obj.__doc__ or "").splitlines():
        m = re.match(r"^\s*(?:\d+\.\s*)?(\w+)\((.*)\)\s*->", line)
        if not m:
            continue
        names, depth, cur = [], 0, ""
        for ch in m.group(2) + ",":
            depth += ch in "[("
            depth -= ch in "])"
            if ch == "," and depth == 0:
                if cur.strip():
                    names.append(cur.split(":")[0].strip())
                cur = ""
            else:
                cur += ch
        out.append([n for n in names if n != "self"])
    return out


def stub_tree(m: str) -> dict[str, ast.AST]:
    tree = ast.parse((STUBS / f"{m}.pyi").read_text())
    return {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def stub_params(fn: ast.FunctionDef) -> list[str]:
    return [a.arg for a in fn.args.args if a.arg != "self"]


def test_top_level_stub_imports_every_submodule():
    tree = ast.parse((STUBS / "__init__.pyi").read_text())
    imported = {a.name for n in tree.body if isinstance(n, ast.ImportFrom) and n.level == 1 for a in n.names}
    assert set(MODULES) <= imported
    runtime = {n for n in dir(_joule) if isinstance(getattr(_joule, n), type(_joule))}
    assert runtime <= imported, f"submodules without a stub: {sorted(runtime - imported)}"


@pytest.mark.parametrize("m", MODULES)
def test_submodule_stub_declares_every_binding_with_its_parameters(m):
    mod = getattr(_joule, m)
    declared = stub_tree(m)
    public = [n for n in dir(mod) if not n.startswith("__")]
    missing = [n for n in public if n not in declared]
    assert not missing, f"joule/_joule/{m}.pyi lacks {missing} (run scripts/gen_pyi.py)"
    for name in public:
        obj, node = getattr(mod, name), declared[name]
        if isinstance(obj, type):
            assert isinstance(node, ast.ClassDef), name
            members = {b.name for b in node.body if isinstance(b, ast.FunctionDef)}
            for attr, val in vars(obj).items():
                if attr.startswith("_") or not (callable(val) or isinstance(val, property)):
                    continue
                assert attr in members, f"{m}.{name}.{attr} not in the stub"
            continue
        assert isinstance(node, ast.FunctionDef), name
        overloads = runtime_params(obj)
        assert overloads, f"{m}.{name}: no pybind11 signature"
        assert stub_params(node) in overloads, f"{m}.{name}: stub {stub_params(node)} vs runtime {overloads}"


# Wrapper modules whose public functions carry numpydoc sections (Parameters, Returns, an
# example), so that help(joule.<m>.<f>) reads well. Modules join this list as their
# docstrings are converted (docs/cli.md notes which are done).
DOCUMENTED = ["battery"]


@pytest.mark.parametrize("m", DOCUMENTED)
def test_public_functions_have_parameters_returns_and_example(m):
    import importlib
    import inspect

    mod = importlib.import_module(f"joule.{m}")
    for name in mod.__all__:
        obj = getattr(mod, name)
        if not inspect.isfunction(obj):
            continue
        doc = inspect.getdoc(obj) or ""
        for section in ("Parameters\n----------", "Returns\n-------", "Examples\n--------"):
            assert section in doc, f"joule.{m}.{name}: no {section.splitlines()[0]} section"
        for p in inspect.signature(obj).parameters:
            assert re.search(rf"^{p}\b", doc, re.M), f"joule.{m}.{name}: parameter {p} not documented"
