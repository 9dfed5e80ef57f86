"""Comparing scenarios: common seeds across scenarios, summaries, paired differences, outputs."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import gpfed.compare as compare_module
from gpfed import GPFedModel
from gpfed.compare import (
    COMPARE_OUTCOMES,
    Comparison,
    compare,
    outcome_title,
    replicate_seed,
)
from gpfed.outputs import METRICS
from gpfed.parameters import ParameterError, Params
from gpfed.scenarios import all_scenarios, fitted_values, posterior_draws

SMALL = {"n_practices": 60}
REPS, QUARTERS, SEED = 3, 6, 5
STATS = ["mean", "ci_low", "ci_high", "sd", "n"]


@pytest.fixture(scope="module")
def result() -> Comparison:
    return compare(["status_quo"], reps=REPS, quarters=QUARTERS, seed=SEED, overrides=SMALL)


@pytest.fixture(scope="module")
def two_policies(result) -> Comparison:
    """status_quo against the same scenario with a different lever, run in a second call.

    Only one scenario is registered, so the second policy is status_quo plus an override; the
    second call must reuse the first call's replicate seeds for the pairing to hold.
    """
    other = compare(
        ["status_quo"],
        reps=REPS,
        quarters=QUARTERS,
        seed=SEED,
        overrides={**SMALL, "mret_marginal_rate": 0.7},
    )
    runs = pd.concat([result.runs, other.runs.assign(scenario="mret_70")], ignore_index=True)
    return Comparison(runs, seed=SEED)


def test_outcomes_are_metrics_with_titles():
    assert set(COMPARE_OUTCOMES) <= set(METRICS)
    assert all(outcome_title(name) for name in COMPARE_OUTCOMES)


def test_summary_one_row_per_scenario_and_outcome(result):
    summary = result.summary()
    assert list(summary.columns) == ["scenario", "outcome", *STATS]
    assert list(summary["scenario"]) == ["status_quo"] * len(COMPARE_OUTCOMES)
    assert list(summary["outcome"]) == COMPARE_OUTCOMES
    assert (summary["n"] == REPS).all()
    assert (summary["ci_low"] <= summary["mean"]).all()
    assert (summary["mean"] <= summary["ci_high"]).all()
    assert (summary["sd"] > 0).any()


def test_outcome_is_the_final_year_mean(result):
    runs = result.runs
    last_year = runs[(runs["replicate"] == 1) & (runs["step"] > QUARTERS - 4)]
    expected = last_year["practices_open"].mean()
    assert result.final_year().loc[("status_quo", 1), "practices_open"] == expected


def test_replicates_replay_direct_runs_bit_for_bit(result):
    seeds = [replicate_seed(SEED, r) for r in range(REPS)]
    assert len(set(seeds)) == REPS
    # Replicate r runs on the r-th parameter set drawn from the posterior with the same seed.
    draws = posterior_draws(REPS, SEED)
    assert result.calibration == "posterior"
    for replicate, seed in enumerate(seeds):
        run = result.runs[result.runs["replicate"] == replicate]
        run = run.drop(columns=["scenario", "replicate"]).reset_index(drop=True)
        params = Params("status_quo", **draws[replicate], **SMALL)
        direct = GPFedModel(params, rng=seed).run(QUARTERS).to_frame()
        pd.testing.assert_frame_equal(run, direct, check_exact=True)


def test_the_point_estimate_and_the_defaults_can_be_asked_for():
    seed = replicate_seed(SEED, 0)
    for calibration, values in (("point", fitted_values()), ("none", {})):
        single = compare(
            "status_quo", reps=1, quarters=2, seed=SEED, overrides=SMALL, calibration=calibration
        )
        run = single.runs.drop(columns=["scenario", "replicate"])
        direct = GPFedModel(Params("status_quo", **values, **SMALL), rng=seed).run(2).to_frame()
        pd.testing.assert_frame_equal(run, direct, check_exact=True)


def test_no_policy_scenario_sets_a_calibrated_parameter():
    # Draws go over every scenario's values: a scenario setting a calibrated parameter would
    # lose its value to the draw (england_2013 holds the point estimate the draws replace).
    calibrated = set(fitted_values())
    for scenario in all_scenarios():
        if scenario.name != "england_2013":
            assert not calibrated & set(scenario.values), scenario.name


def test_every_scenario_gets_the_same_seeds(two_policies):
    seeds = two_policies.runs.groupby(["scenario", "replicate"], sort=False)["seed"].first()
    pd.testing.assert_series_equal(seeds.loc["status_quo"], seeds.loc["mret_70"], check_names=False)


def test_differences_are_paired_by_replicate(two_policies):
    differences = two_policies.differences("status_quo")
    assert list(differences.columns) == ["scenario", "baseline", "outcome", *STATS]
    assert len(differences) == 2 * len(COMPARE_OUTCOMES)
    itself = differences[differences["scenario"] == "status_quo"]
    assert (itself[["mean", "ci_low", "ci_high", "sd"]] == 0).all().all()

    final = two_policies.final_year()
    paired = final.loc["mret_70"] - final.loc["status_quo"]
    other = differences[differences["scenario"] == "mret_70"].set_index("outcome")
    for outcome in COMPARE_OUTCOMES:
        assert other.loc[outcome, "mean"] == pytest.approx(paired[outcome].mean())
        assert other.loc[outcome, "sd"] == pytest.approx(paired[outcome].std(ddof=1))


def test_differences_need_a_compared_baseline(result):
    with pytest.raises(ParameterError, match="baseline 'nope' was not compared"):
        result.differences("nope")


def test_one_replicate_gives_nan_intervals():
    single = compare("status_quo", reps=1, quarters=2, overrides=SMALL)
    summary = single.summary()
    assert (summary["n"] == 1).all()
    assert summary[["ci_low", "ci_high", "sd"]].isna().all().all()
    assert summary["mean"].notna().all()
    single.plot()  # NaN bands draw without warnings


def test_quarters_none_runs_to_the_horizon():
    single = compare(["status_quo"], reps=1, overrides={**SMALL, "horizon_quarters": 3})
    assert single.runs["step"].max() == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scenarios": ["status_quo", "nope"]}, "no scenario 'nope'"),
        ({"scenarios": ["status_quo"], "reps": 0}, "reps = 0; allowed 1 or more"),
        ({"scenarios": ["status_quo"], "quarters": 0}, "quarters = 0; allowed 1 or more"),
        ({"scenarios": ["status_quo"], "seed": -1}, "seed = -1; allowed 0 or more"),
        ({"scenarios": ["status_quo"], "overrides": {"n_practices": 5}}, "allowed 10 to 20000"),
        ({"scenarios": ["status_quo"], "overrides": {"federation_incentve": 1}}, "no parameter"),
        ({"scenarios": ["status_quo", "status_quo"]}, "given more than once"),
        ({"scenarios": []}, "no scenarios to compare"),
        ({"scenarios": ["status_quo"], "calibration": "fitted"}, "calibration = 'fitted'"),
    ],
)
def test_bad_input_fails_before_any_run(kwargs, message, monkeypatch):
    def no_runs(*args, **kwargs):
        raise AssertionError("a model was built before the input was checked")

    monkeypatch.setattr(compare_module, "GPFedModel", no_runs)
    with pytest.raises(ParameterError, match=message):
        compare(**kwargs)


def test_progress_goes_to_stderr(capsys):
    compare(["status_quo"], reps=1, quarters=1, overrides=SMALL, progress=True)
    assert "gpfed compare" in capsys.readouterr().err
    compare(["status_quo"], reps=1, quarters=1, overrides=SMALL)
    assert capsys.readouterr().err == ""


def test_plot_has_one_axis_per_outcome_and_one_legend(two_policies):
    fig = two_policies.plot()
    assert len(fig.axes) == len(COMPARE_OUTCOMES)
    assert [ax.get_title() for ax in fig.axes] == [outcome_title(o) for o in COMPARE_OUTCOMES]
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in fig.axes)
    assert [text.get_text() for text in fig.legends[0].get_texts()] == ["status_quo", "mret_70"]


def test_write_creates_the_folder_and_files(result, tmp_path):
    out = tmp_path / "new" / "compare"
    paths = result.write(out)
    assert set(paths) == {"summary", "runs", "panel"}
    assert {path.name for path in out.iterdir()} == {"summary.csv", "runs.parquet", "panel.png"}
    pd.testing.assert_frame_equal(pd.read_csv(paths["summary"]), result.summary())
    assert len(pd.read_parquet(paths["runs"])) == len(result.runs) == REPS * (QUARTERS + 1)
    assert paths["panel"].read_bytes()[:4] == b"\x89PNG"


def test_replicate_seed_is_documented_derivation():
    expected = np.random.SeedSequence(7, spawn_key=(2,)).generate_state(1)[0]
    assert replicate_seed(7, 2) == int(expected)
    assert replicate_seed(7, 2) != replicate_seed(8, 1)


# --- command line (fresh interpreter per call, as in test_cli.py) ------------------------------


def gpfed(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gpfed.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_cli_compare_prints_table_and_writes_outputs(tmp_path):
    result = gpfed(
        "compare",
        "status_quo",
        "--reps",
        "2",
        "--steps",
        "4",
        "--set",
        "n_practices=60",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "status_quo" in result.stdout and "practices open" in result.stdout
    assert "2013Q2 to 2014Q1" in result.stdout and str(tmp_path / "summary.csv") in result.stdout
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert len(summary) == len(COMPARE_OUTCOMES) and (summary["n"] == 2).all()
    assert (tmp_path / "runs.parquet").exists() and (tmp_path / "panel.png").exists()


@pytest.mark.slow
def test_cli_compare_all_quietly(tmp_path):
    args = ["--all", "--reps", "1", "--steps", "1", "--set", "n_practices=60", "--quiet"]
    result = gpfed("compare", *args, "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert "status_quo" in set(pd.read_csv(tmp_path / "summary.csv")["scenario"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "no scenario 'nope'"),
        (["status_quo", "--reps", "0"], "--reps = 0; allowed 1 or more"),
        (["status_quo", "--steps", "0"], "--steps = 0"),
        (["status_quo", "--set", "n_practices=5"], "allowed 10 to 20000"),
        (["status_quo", "--set", "n_practices"], "write NAME=VALUE"),
        ([], "name the scenarios to compare, or use --all"),
        (["status_quo", "--all"], "not both"),
    ],
)
def test_cli_compare_bad_input_exits_2_with_one_line(args, message, tmp_path):
    result = gpfed("compare", *args, "--out", str(tmp_path / "never"))
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.startswith("error:") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "never").exists()
