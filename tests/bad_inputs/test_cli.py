"""Bad inputs to the ``gpfed`` command line: one ``error:`` line, exit status 2, no traceback,
and an existing output folder left exactly as it was.

Run in process through ``gpfed.cli.main`` (fast); a few cases also in a fresh interpreter to see
exactly what a user sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bad_inputs.helpers import (
    assert_refused,
    cli,
    cli_subprocess,
    existing_results,
    snapshot,
)

SMALL = ["--set", "n_practices=30"]

CASES = {
    # id: (command line, with OUT for an existing results folder; text the line must contain)
    "run: steps huge": (["run", "--steps", "100000000000"], ["--steps = 100000000000", "1 to 400"]),
    "run: steps zero": (["run", "--steps", "0"], ["--steps = 0", "1 to 400"]),
    "run: steps text": (["run", "--steps", "ten"], ["--steps = 'ten'", "integer"]),
    "run: seed negative": (["run", "--seed", "-1"], ["--seed = -1", "0 or more"]),
    "run: seed text": (["run", "--seed", "x1"], ["--seed = 'x1'"]),
    "run: unknown scenario": (["run", "--scenario", "nope"], ["no scenario 'nope'", "Known"]),
    "run: unknown preset": (["run", "--preset", "wales"], ["preset = 'wales'", "'england'"]),
    "run: format": (["run", "--format", "xlsx"], ["--format = 'xlsx'", "'parquet'"]),
    "run: set without =": (["run", "--set", "n_practices"], ["n_practices", "NAME=VALUE"]),
    "run: set empty name": (["run", "--set", "=3"], ["'=3'", "NAME=VALUE"]),
    "run: set unknown": (["run", "--set", "n_practises=60"], ["did you mean 'n_practices'"]),
    "run: set out of range": (["run", "--set", "n_practices=5"], ["n_practices = '5'"]),
    "run: set huge": (["run", "--set", "n_practices=1e30"], ["n_practices = '1e30'"]),
    "run: set nan": (["run", "--set", "quality_weight=nan"], ["quality_weight = 'nan'"]),
    "run: set inf": (["run", "--set", "quality_weight=inf"], ["quality_weight = 'inf'"]),
    "run: set horizon huge": (
        ["run", "--set", "horizon_quarters=100000000000"],
        ["horizon_quarters = '100000000000'", "400"],
    ),
    "run: set bad schedule": (
        ["run", "--set", "mret_marginal_rate=2013Q2:0.3,2014Q1"],
        ["mret_marginal_rate", "KEY:VALUE"],
    ),
    "run: set schedule quarter 5": (
        ["run", "--set", "mret_marginal_rate=2013Q5:0.3"],
        ["mret_marginal_rate", "'2013Q5'"],
    ),
    "run: inconsistent sizes": (
        ["run", "--set", "n_practices=20", "--set", "n_commissioners=30"],
        ["n_commissioners = 30", "n_practices"],
    ),
    "run: unknown option": (["run", "--stepz", "3"], ["--stepz"]),
    "unknown command": (["runn"], ["'runn'", "run"]),
    "compare: steps huge": (
        ["compare", "status_quo", "--steps", "100000000000"],
        ["--steps = 100000000000", "1 to 400"],
    ),
    "compare: reps zero": (["compare", "status_quo", "--reps", "0"], ["--reps = 0", "1 or more"]),
    "compare: reps text": (["compare", "status_quo", "--reps", "x"], ["--reps = 'x'"]),
    "compare: unknown scenario": (["compare", "status_quo", "nope"], ["no scenario 'nope'"]),
    "compare: no scenario": (["compare"], ["--all", "allowed names: status_quo"]),
    "compare: names and --all": (["compare", "status_quo", "--all"], ["--all"]),
    "compare: set unknown": (
        ["compare", "status_quo", "--set", "nope=1"],
        ["no parameter 'nope'"],
    ),
    "params: unknown group": (["params", "--group", "nope"], ["no group 'nope'", "behaviour"]),
    "sweep: workers zero": (
        ["sweep", "missing.toml", "--out", "OUT", "--workers", "0"],
        ["--workers = 0"],
    ),
    "viz: port zero": (["viz", "--port", "0"], ["--port = '0'"]),
    "validate: set unknown": (["validate", "--set", "nope=1", "--out", "OUT"], ["'nope'"]),
    "calibrate: population too small": (
        ["calibrate", "--population", "1", "--out", "OUT"],
        ["--population"],
    ),
}


def _with_out(args: list[str], out: Path) -> list[str]:
    args = [str(out) if a == "OUT" else a for a in args]
    if args[0] in ("run", "compare") and "--out" not in args:
        args += ["--out", str(out)]
    return args


@pytest.mark.parametrize(("args", "parts"), CASES.values(), ids=CASES.keys())
def test_cli_refuses_with_one_line(capsys, tmp_path, args, parts):
    out = existing_results(tmp_path / "results")
    before = snapshot(out)
    outcome = cli(capsys, *_with_out(args, out))
    assert_refused(outcome, *parts)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


@pytest.mark.parametrize("command", ["run", "compare", "validate", "calibrate", "sweep"])
def test_an_output_folder_under_a_file_is_refused_before_running(capsys, tmp_path, command):
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder\n")
    target = a_file / "sub"
    args = {
        "run": ["run", *SMALL, "--steps", "1", "--out", str(target)],
        "compare": ["compare", "status_quo", "--reps", "1", "--steps", "1", *SMALL],
        "validate": ["validate", "--reps", "2", "--practices", "50"],
        "calibrate": ["calibrate", "--population", "5", "--practices", "50"],
        "sweep": ["sweep", str(_sweep_file(tmp_path))],
    }[command]
    if "--out" not in args:
        args += ["--out", str(target)]
    outcome = cli(capsys, *args)
    assert_refused(outcome, "--out", str(target), "allowed a folder")
    assert a_file.read_text() == "not a folder\n"


def test_an_output_path_that_is_a_file_is_refused(capsys, tmp_path):
    a_file = tmp_path / "series.csv"
    a_file.write_text("keep me\n")
    outcome = cli(capsys, "run", *SMALL, "--steps", "1", "--out", str(a_file))
    assert_refused(outcome, f"--out = {str(a_file)!r} is a file", "allowed a folder")
    assert a_file.read_text() == "keep me\n"


def _sweep_file(folder: Path) -> Path:
    path = folder / "ok.toml"
    path.write_text(
        '[sweep]\nsampler = "grid"\nquarters = 1\n[fixed]\nn_practices = 30\n'
        "[parameters]\nquality_weight = { low = 0.2, high = 0.8, steps = 2 }\n"
    )
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "parts"),
    [
        (["run", "--steps", "100000000000"], ["--steps = 100000000000", "1 to 400"]),
        (["run", "--set", "n_practices=30", "--steps", "1", "--out", "FILE/sub"], ["FILE"]),
        (["sweep", "BINARY", "--out", "OUT"], ["not UTF-8 text"]),
        (["run", "--steps", "abc"], ["--steps = 'abc'"]),
    ],
    ids=["steps huge", "out under a file", "binary sweep file", "steps text"],
)
def test_a_user_sees_one_line_and_no_traceback(tmp_path, args, parts):
    a_file = tmp_path / "FILE"
    a_file.write_text("x\n")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(bytes(range(128, 256)) * 4)
    out = existing_results(tmp_path / "results")
    before = snapshot(out)
    swap = {"FILE/sub": str(a_file / "sub"), "BINARY": str(binary), "OUT": str(out)}
    parts = [str(a_file) if p == "FILE" else p for p in parts]
    outcome = cli_subprocess(*[swap.get(a, a) for a in args])
    assert_refused(outcome, *parts)
    assert snapshot(out) == before
