"""The notebooks in notebooks/: committed clean, and run top to bottom without errors or warnings.

Each notebook is executed by a real Jupyter kernel started from this test's interpreter
(``sys.executable -m ipykernel_launcher``), through a kernelspec written to a temporary
JUPYTER_PATH, so a ``python3`` kernelspec elsewhere (user or system) cannot swap the interpreter.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
ABSOLUTE_PATH = re.compile(r"(/work/|/tmp/|/home/|/Users/|[A-Za-z]:\\\\)")
KERNEL_CHECK = "import sys\nprint(sys.prefix)"


def _ids(paths: list[Path]) -> list[str]:
    return [path.name for path in paths]


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOKS_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_has_no_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {index} has outputs: clear them"
            assert cell.execution_count is None, f"{path.name} cell {index} has a count"
        match = ABSOLUTE_PATH.search(cell.source)
        assert match is None, f"{path.name} cell {index} has an absolute path: {match.group()}"


@pytest.fixture
def kernel_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernelspec that starts this interpreter, first on JUPYTER_PATH."""
    name = "gpfed-test-python3"
    spec_dir = tmp_path / "jupyter" / "kernels" / name
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "gpfed tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return name


def _problems(nb) -> list[str]:
    """Error outputs and warnings written to stderr, cell by cell."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"cell {index}: {output.ename}: {output.evalue}")
            elif (
                output.output_type == "stream"
                and output.name == "stderr"
                and "Warning" in output.text
            ):
                problems.append(f"cell {index} warned: {output.text.strip()}")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs(path: Path, kernel_name: str) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(KERNEL_CHECK))
    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    problems = _problems(nb)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs).strip()
    assert printed == sys.prefix, f"kernel ran {printed}, tests run {sys.prefix}"
