"""Sweep analysis: summaries with CIs, Sobol and Morris indices on known functions, the report."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from gpfed.experiments import Dimension, SweepError, SweepSpec, load, run_table, sweep
from gpfed.experiments.analysis import (
    UndefinedIndicesError,
    indices,
    sensitivity,
    summarise,
)
from gpfed.experiments.report import analyse
from gpfed.experiments.sampling import MORRIS_LEVELS
from gpfed.experiments.store import Store

# --- indices on functions with known answers -------------------------------------------------
ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(x: np.ndarray) -> np.ndarray:
    return (
        np.sin(x[:, 0])
        + ISHIGAMI_A * np.sin(x[:, 1]) ** 2
        + ISHIGAMI_B * x[:, 2] ** 4 * np.sin(x[:, 0])
    )


def ishigami_truth() -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total indices (Ishigami and Homma 1990)."""
    a, b, pi = ISHIGAMI_A, ISHIGAMI_B, math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / total, np.array([v1 + v13, v2, v13]) / total


def test_ishigami_sobol_indices_match_the_analytic_values():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    # N a power of two: SALib's Sobol sequence warns otherwise.
    x = sobol_sample.sample(problem, 2048, calc_second_order=False, seed=11)
    frame = indices("sobol", problem, x, ishigami(x), seed=0)
    s1, st = ishigami_truth()
    assert np.allclose(s1, [0.314, 0.442, 0.0], atol=1e-3)
    assert np.allclose(st, [0.558, 0.442, 0.244], atol=1e-3)
    assert list(frame.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(frame["parameter"]) == ["x1", "x2", "x3"]
    for column, truth in (("S1", s1), ("ST", st)):
        estimate, conf = frame[column].to_numpy(), frame[f"{column}_conf"].to_numpy()
        assert np.all(np.abs(estimate - truth) < 0.05), (column, estimate, truth)
        # The 95% bootstrap interval covers the truth (with a little slack for the bootstrap).
        assert np.all(np.abs(estimate - truth) <= conf + 0.01), (column, estimate, conf, truth)
        assert np.all((conf > 0) & (conf < 0.1))


def test_indices_are_reproducible_for_every_seed_including_zero():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = sobol_sample.sample(problem, 256, calc_second_order=False, seed=3)
    y = ishigami(x)
    # SALib treats seed=0 as "unseeded"; indices() must not.
    first, second = indices("sobol", problem, x, y, seed=0), indices("sobol", problem, x, y, seed=0)
    pd.testing.assert_frame_equal(first, second)
    other = indices("sobol", problem, x, y, seed=1)
    assert not np.allclose(first["S1_conf"], other["S1_conf"])
    pd.testing.assert_frame_equal(first[["S1", "ST"]], other[["S1", "ST"]])


def test_morris_ranks_the_coefficients_of_a_linear_function():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 2.0]] * 3}
    x = morris_sample.sample(problem, 16, num_levels=MORRIS_LEVELS, seed=5)
    y = 3 * x[:, 0] + 0.5 * x[:, 1] + 0 * x[:, 2]
    frame = indices("morris", problem, x, y, seed=0).set_index("parameter")
    assert list(frame.columns) == ["mu_star", "mu_star_conf", "sigma", "mu"]
    mu_star = frame["mu_star"]
    assert mu_star["x1"] > mu_star["x2"] > mu_star["x3"]
    # Effects are per full range of a variable (here 2 wide): 3 x 2 and 0.5 x 2.
    assert mu_star.to_numpy() == pytest.approx([6.0, 1.0, 0.0], abs=1e-9)
    assert frame["sigma"].to_numpy() == pytest.approx([0, 0, 0], abs=1e-9)


def test_indices_refuse_missing_constant_and_misshapen_outputs():
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0]] * 2}
    x = sobol_sample.sample(problem, 8, calc_second_order=False, seed=1)
    y = x[:, 0] + x[:, 1]
    with pytest.raises(UndefinedIndicesError, match="constant"):
        indices("sobol", problem, x, np.full(len(x), 2.5))
    with pytest.raises(UndefinedIndicesError, match="1 of 32 values missing"):
        indices("sobol", problem, x, np.r_[np.nan, y[1:]])
    with pytest.raises(ValueError, match="expected"):
        indices("sobol", problem, x[:-1], y)
    with pytest.raises(ValueError, match="not 'grid'"):
        indices("grid", problem, x, y)
    single = morris_sample.sample(problem, 1, num_levels=MORRIS_LEVELS, seed=1)
    with pytest.raises(UndefinedIndicesError, match="two trajectories"):
        indices("morris", problem, single, single[:, 0])


# --- real sweeps ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def failing_grid(tmp_path_factory):
    """Two design points x 2 replicates; n_commissioners = 80 > 60 practices fails in the run."""
    spec = SweepSpec(
        parameters=(Dimension("n_commissioners", levels=(1, 80)),),
        replications=2,
        quarters=6,
        fixed={"n_practices": 60},
        name="failing grid",
    )
    out = tmp_path_factory.mktemp("grid") / "out"
    sweep(spec, out=out, workers=1, progress=False)
    return out


@pytest.fixture(scope="module")
def sobol_folder(tmp_path_factory):
    spec = SweepSpec(
        parameters=(
            Dimension("quality_weight", 0.1, 0.95),
            Dimension("federation_incentive_gbp_per_patient_per_year", 0, 8),
        ),
        sampler="sobol",
        samples=4,
        quarters=4,
        seed=2,
        fixed={"n_practices": 60},
        name="small sobol",
    )
    out = tmp_path_factory.mktemp("sobol") / "out"
    sweep(spec, out=out, workers=1, progress=False)
    return out


def test_summarise_gives_t_intervals_and_counts_failures(failing_grid):
    results = load(failing_grid)
    summary = summarise(results)
    spec = results.spec
    assert list(summary.columns) == [
        "design_id",
        "n_commissioners",
        "output",
        "mean",
        "ci_low",
        "ci_high",
        "sd",
        "n",
        "failed",
    ]
    assert len(summary) == 2 * len(spec.outputs)
    assert list(summary["output"][: len(spec.outputs)]) == list(spec.outputs)

    good = summary[summary["n_commissioners"] == 1]
    assert (good["n"] == 2).all() and (good["failed"] == 0).all()
    assert (good["ci_low"] <= good["mean"]).all() and (good["mean"] <= good["ci_high"]).all()
    runs = results.ok.set_index("replicate")
    for row in good.itertuples():
        values = runs[row.output]
        assert row.mean == pytest.approx(values.mean())
        assert row.sd == pytest.approx(values.std(ddof=1), nan_ok=True)

    bad = summary[summary["n_commissioners"] == 80]
    assert (bad["n"] == 0).all() and (bad["failed"] == 2).all()
    assert bad[["mean", "ci_low", "ci_high", "sd"]].isna().all().all()


def test_summarise_an_unfinished_sweep_has_no_values(tmp_path):
    spec = SweepSpec(parameters=(Dimension("quality_weight", 0.2, 0.8, steps=2),), quarters=2)
    Store(tmp_path).prepare(spec, run_table(spec))
    results = load(tmp_path)
    summary = summarise(results)
    assert len(summary) == 2 * len(spec.outputs)
    assert (summary["n"] == 0).all() and (summary["failed"] == 0).all()
    with pytest.raises(SweepError, match="no successful runs"):
        analyse(tmp_path)


def test_grid_sweep_has_no_indices_and_its_report_lists_failures(failing_grid, tmp_path):
    assert sensitivity(load(failing_grid)) is None
    report = analyse(failing_grid, tmp_path / "analysis")
    text = report.read_text()
    assert "**grid**" in text
    assert "2 ok, 2 failed" in text
    assert "d000001-r000" in text and "ParameterError: n_commissioners = 80" in text
    assert not (tmp_path / "analysis" / "indices.csv").exists()
    assert (tmp_path / "analysis" / "response_practices_open.png").read_bytes()[:4] == b"\x89PNG"


def test_sensitivity_skips_outputs_without_a_value_at_every_point(sobol_folder):
    results = load(sobol_folder)
    full = sensitivity(results)
    assert list(full.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    # Outputs that never move in this small region are skipped with a note, not a crash.
    computed = set(full["output"])
    skipped = {note.split(":")[0] for note in full.attrs["notes"]}
    assert computed | skipped == set(results.spec.outputs) and not computed & skipped
    assert computed, "at least one output should vary"

    # Lose design point 3's run: no output can be analysed, each says why.
    results.runs.loc[results.runs["design_id"] == 3, "status"] = "failed"
    partial = sensitivity(results)
    assert partial.empty
    expected = "1 of 16 design points have no successful run (design_id 3)"
    assert len(partial.attrs["notes"]) == len(results.spec.outputs)
    assert all(expected in note for note in partial.attrs["notes"])


def test_analyse_writes_tables_plots_and_report(sobol_folder, tmp_path):
    out = tmp_path / "analysis"
    report = analyse(sobol_folder, out)
    assert report == out / "report.md"
    text = report.read_text()
    assert "# Sweep analysis: small sobol" in text and "**sobol**" in text
    assert "16 ok, 0 failed" in text and "## Sensitivity indices" in text

    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 16 * len(load(sobol_folder).spec.outputs)
    table = pd.read_csv(out / "indices.csv")
    assert {"output", "parameter", "S1", "ST"} <= set(table.columns)
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert "indices.png" in pngs and "response_practices_open.png" in pngs
    for name in pngs:
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
        assert f"]({name})" in text
    # The default folder is DIR/analysis.
    assert analyse(sobol_folder) == sobol_folder / "analysis" / "report.md"


def test_scenario_levels_get_box_plots(tmp_path):
    spec = SweepSpec(
        parameters=(Dimension("scenario", levels=("status_quo", "kings_fund_2011")),),
        quarters=2,
        fixed={"n_practices": 40},
        outputs=("practices_open", "share_practices_federated"),
    )
    sweep(spec, out=tmp_path / "out", workers=1, progress=False)
    report = analyse(tmp_path / "out")
    assert (report.parent / "scenarios.png").read_bytes()[:4] == b"\x89PNG"
    assert "](scenarios.png)" in report.read_text()


# --- the command line ---------------------------------------------------------------------------
def gpfed(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gpfed.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_cli_analyse(sobol_folder, tmp_path):
    result = gpfed("analyse", str(sobol_folder), "--out", str(tmp_path / "cli"))
    assert result.returncode == 0, result.stderr
    assert str(tmp_path / "cli" / "report.md") in result.stdout

    result = gpfed("analyse", str(tmp_path / "nothing"))
    assert result.returncode == 2
    assert "error:" in result.stderr and "holds no sweep" in result.stderr
    assert "Traceback" not in result.stderr
