"""Executes every notebook in examples/python/ so they cannot rot.

A small runner of our own (Debian 12 has no nbclient in the base image): code
cells run in order in one namespace, with matplotlib on the Agg backend; a cell
that raises fails the test with the cell's index and source.
"""
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "examples" / "python").glob("*.ipynb"))


def run_notebook(path: Path, workdir: Path) -> dict:
    nb = json.loads(path.read_text())
    namespace: dict = {"__name__": "__main__"}
    cwd = os.getcwd()
    os.chdir(workdir)
    # Jupyter would start in the notebook's folder; tell the notebook where that is instead.
    os.environ["JOULE_NOTEBOOK_DIR"] = str(path.parent)
    try:
        for i, cell in enumerate(nb["cells"]):
            if cell.get("cell_type") != "code":
                continue
            src = "".join(cell["source"])
            if not src.strip():
                continue
            # IPython magics and shell escapes are not part of our notebooks' contract.
            assert not any(line.lstrip().startswith(("%", "!")) for line in src.splitlines()), (
                f"{path.name} cell {i} uses IPython magics"
            )
            try:
                exec(compile(src, f"{path.name}[cell {i}]", "exec"), namespace)
            except Exception as e:  # noqa: BLE001 - re-raised with context
                raise AssertionError(f"{path.name} cell {i} failed: {e!r}\n{src}") from e
    finally:
        os.chdir(cwd)
    return namespace


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    run_notebook(path, tmp_path)

