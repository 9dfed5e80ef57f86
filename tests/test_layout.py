"""The layout of DESIGN §3 holds: imports only go down the layers; no module imports in a circle.

Every import in the package counts, at any depth: inside functions and under ``TYPE_CHECKING``
too (a type hint is an import). Layers, lowest first: lazy (imports on first use), parameters,
scenarios, world, institutions, agents, outputs and plots, model, then the users of the model
(compare, experiments, calibration), then the faces (viz, cli, ema, the package itself).
"""

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gpfed"

LAYERS = [
    ("gpfed.lazy",),
    ("gpfed.parameters",),
    ("gpfed.scenarios",),
    ("gpfed.world",),
    ("gpfed.institutions",),
    ("gpfed.agents",),
    ("gpfed.outputs", "gpfed.plots"),
    ("gpfed.model",),
    ("gpfed.compare", "gpfed.experiments", "gpfed.calibration"),
    ("gpfed.viz", "gpfed.cli", "gpfed.ema", "gpfed"),
]


def layer(module: str) -> int:
    """The layer of a gpfed module: its longest matching prefix."""
    best, rank = -1, None
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    assert rank is not None, module
    return rank


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def gpfed_imports(path: Path) -> set[str]:
    """Every gpfed module a file imports, anywhere in it."""
    tree = ast.parse(path.read_text())
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "gpfed"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.split(".")[0] != "gpfed":
                continue
            found.add(target)
            # ``from gpfed.agents import patients`` imports a module, not a name.
            for alias in node.names:
                if (
                    (PACKAGE.parent / Path(*f"{target}.{alias.name}".split(".")))
                    .with_suffix(".py")
                    .exists()
                ):
                    found.add(f"{target}.{alias.name}")
    return found


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_name(path)
        graph.add_node(source)
        for target in gpfed_imports(path):
            if target != source:
                graph.add_edge(source, target)
    return graph


def test_imports_only_go_down_the_layers():
    upward = [
        f"{source} (layer {layer(source)}) imports {target} (layer {layer(target)})"
        for source, target in import_graph().edges
        if layer(target) > layer(source)
    ]
    assert upward == []


def test_no_module_imports_in_a_circle():
    assert list(nx.simple_cycles(import_graph())) == []


@pytest.mark.parametrize("package", ["gpfed.agents", "gpfed.institutions", "gpfed.world"])
def test_lower_layers_never_import_the_model(package):
    graph = import_graph()
    reaching = {
        target
        for source in graph
        if source == package or source.startswith(package + ".")
        for target in graph.successors(source)
    }
    assert not any(t == "gpfed.model" or t.startswith("gpfed.model.") for t in reaching)


def test_import_gpfed_in_a_fresh_process():
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import gpfed.agents.practice, gpfed"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def loaded_by(module: str, heavy: tuple[str, ...]) -> str:
    """Which of ``heavy`` a fresh interpreter has loaded once it has imported ``module``."""
    code = f"import sys, {module}; print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_command_line_starts_without_the_model_or_the_analysis_stack():
    # `gpfed --help` and `gpfed params` need the parameter spec and typer, nothing heavier:
    # the package's public names are imported on first use.
    heavy = ("pandas", "scipy", "matplotlib", "mesa", "gpfed.model.model", "gpfed.experiments")
    assert loaded_by("gpfed.cli", heavy) == "[]"


def test_a_sweep_worker_imports_the_runner_without_the_analysis_stack():
    # A worker process unpickles run_chunk, importing gpfed.experiments.runner: it needs the
    # model, not the analysis (scipy.stats, SALib, matplotlib), which took it a second.
    heavy = ("scipy.stats", "SALib", "matplotlib", "gpfed.experiments.analysis")
    assert loaded_by("gpfed.experiments.runner", heavy) == "[]"


def test_named_scenarios_are_known_in_a_fresh_process_however_gpfed_is_entered():
    # The scenarios register themselves when gpfed.scenarios is imported; the package loads it,
    # so a scenario name works from the first import, whichever module comes first.
    for code in (
        "from gpfed import GPFedModel; GPFedModel('kings_fund_2014', rng=1, n_practices=20)",
        "from gpfed.parameters import Params; Params('kings_fund_2014')",
        "from gpfed.model.model import GPFedModel; GPFedModel('trust_led_ico', n_practices=20)",
    ):
        result = subprocess.run(
            [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, (code, result.stderr)


def test_every_public_name_of_the_package_resolves():
    import gpfed

    assert set(gpfed.__all__) == {*gpfed._EXPORTS, "__version__"}
    for name in gpfed.__all__:
        assert getattr(gpfed, name) is not None, name
    assert set(gpfed.__all__) <= set(dir(gpfed))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = gpfed.nope
    # Subpackages load on first use too, as they did when the package imported them eagerly.
    assert gpfed.experiments.SweepSpec is gpfed.SweepSpec
    experiments = gpfed.experiments
    assert set(experiments.__all__) == set(experiments._EXPORTS) <= set(dir(experiments))
    for name in experiments.__all__:
        assert getattr(experiments, name) is not None, name
    assert experiments.analysis.__name__ == "gpfed.experiments.analysis"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = experiments.nope
