"""Bad sweep files: each a one-line SweepError from ``SweepSpec.load`` and, through
``gpfed sweep``, one ``error:`` line with exit status 2 that leaves the results folder alone."""

from __future__ import annotations

import pytest

from gpfed.experiments import SweepError, SweepSpec
from tests.bad_inputs.helpers import (
    assert_one_line,
    assert_refused,
    cli,
    existing_results,
    snapshot,
)

HEAD = '[sweep]\nsampler = "grid"\nquarters = 2\n[fixed]\nn_practices = 30\n'
RANGE = "[parameters]\nquality_weight = { low = 0.2, high = 0.8, steps = 2 }\n"

FILES: dict[str, tuple[str | bytes, list[str]]] = {
    # id: (file contents, text the one-line message must contain)
    "empty file": ("", ["[parameters]", "at least one parameter"]),
    "only comments": ("# nothing here\n", ["[parameters]"]),
    "binary file": (bytes(range(256)) * 8, ["not UTF-8 text", "allowed a TOML text file"]),
    "latin-1 text": ('[sweep]\nname = "caf\xe9"\n'.encode("latin-1"), ["not UTF-8 text"]),
    "malformed toml": ("[sweep\nsampler = grid\n", ["not valid TOML", "line 1"]),
    "truncated toml": (HEAD + "[parameters]\nquality_weight = { low = 0.2, hi", ["not valid TOML"]),
    "bare word value": ("[sweep]\nsampler = sobol\n" + RANGE, ["not valid TOML"]),
    "unknown sampler": (HEAD.replace('"grid"', '"sobel"') + RANGE, ["sampler = 'sobel'", "grid"]),
    "sampler a number": (HEAD.replace('"grid"', "3") + RANGE, ["sampler = 3"]),
    "unknown parameter": (
        HEAD + "[parameters]\nquality_weigth = { low = 0.2, high = 0.8, steps = 2 }\n",
        ["no parameter 'quality_weigth'", "did you mean 'quality_weight'"],
    ),
    "unknown fixed parameter": (
        HEAD.replace("n_practices", "n_practises") + RANGE,
        ["no parameter 'n_practises'"],
    ),
    "bound above spec": (
        HEAD + "[parameters]\nquality_weight = { low = 0.2, high = 8, steps = 2 }\n",
        ["quality_weight = 8", "0 to 1"],
    ),
    "bound below spec": (
        HEAD + "[parameters]\nn_commissioners = { low = -3, high = 4, steps = 2 }\n",
        ["n_commissioners = -3"],
    ),
    "bound nan": (
        HEAD + "[parameters]\nquality_weight = { low = nan, high = 0.8, steps = 2 }\n",
        ["quality_weight = nan"],
    ),
    "bound inf": (
        HEAD + "[parameters]\nquality_weight = { low = 0.1, high = inf, steps = 2 }\n",
        ["quality_weight = inf"],
    ),
    "low above high": (
        HEAD + "[parameters]\nquality_weight = { low = 0.8, high = 0.2, steps = 2 }\n",
        ["quality_weight: low = 0.8", "high = 0.2"],
    ),
    "steps of zero": (
        HEAD + "[parameters]\nquality_weight = { low = 0.2, high = 0.8, steps = 0 }\n",
        ["quality_weight", "steps = 2 or more", "steps = 0"],
    ),
    "quarters zero": (HEAD.replace("quarters = 2", "quarters = 0") + RANGE, ["quarters = 0"]),
    "quarters huge": (
        HEAD.replace("quarters = 2", "quarters = 100000000000") + RANGE,
        ["quarters = 100000000000", "1 to 400"],
    ),
    "replications zero": ("[sweep]\nreplications = 0\n" + RANGE, ["replications = 0"]),
    "seed negative": ("[sweep]\nseed = -1\n" + RANGE, ["seed = -1", "0 or more"]),
    "crn not a bool": ('[sweep]\ncommon_random_numbers = "yes"\n' + RANGE, ["'yes'", "true"]),
    "unknown setting": ("[sweep]\nreplicates = 2\n" + RANGE, ["'replicates'"]),
    "unknown table": ("[sweeps]\nname = 'x'\n" + RANGE, ["[sweeps]"]),
    "sweep not a table": ("sweep = 3\n" + RANGE, ["sweep = 3", "[sweep]"]),
    "fixed not a table": ('fixed = "n_practices=30"\n' + RANGE, ["fixed = 'n_practices=30'"]),
    "levels not a list": (
        "[parameters]\nquality_weight = { levels = 0.5 }\n",
        ["parameters.quality_weight.levels = 0.5", "list"],
    ),
    "empty levels": ("[parameters]\nquality_weight = { levels = [] }\n", ["levels = []"]),
    "unknown output": ('[sweep]\noutputs = ["practices"]\n' + RANGE, ["no output 'practices'"]),
    "unknown scenario": ('[sweep]\nscenario = "nope"\n' + RANGE, ["no scenario 'nope'"]),
    "scenario level a number": (
        "[parameters]\nscenario = { levels = [1, 2] }\n",
        ["scenario = 1", "scenario names"],
    ),
}


def _write(folder, contents):
    path = folder / "sweep.toml"
    if isinstance(contents, bytes):
        path.write_bytes(contents)
    else:
        path.write_text(contents, encoding="utf-8")
    return path


@pytest.mark.parametrize(("contents", "parts"), FILES.values(), ids=FILES.keys())
def test_load_refuses_with_one_line(tmp_path, contents, parts):
    with pytest.raises(SweepError) as refused:
        SweepSpec.load(_write(tmp_path, contents))
    assert_one_line(str(refused.value), *parts)


@pytest.mark.parametrize(("contents", "parts"), FILES.values(), ids=FILES.keys())
def test_cli_sweep_refuses_and_leaves_results_alone(capsys, tmp_path, contents, parts):
    out = existing_results(tmp_path / "results")
    before = snapshot(out)
    outcome = cli(capsys, "sweep", str(_write(tmp_path, contents)), "--out", str(out), "-q")
    assert_refused(outcome, *parts)
    assert snapshot(out) == before


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(SweepError) as refused:
        SweepSpec.load(tmp_path)
    assert_one_line(str(refused.value), "is a folder", str(tmp_path), "allowed a TOML file")


def test_a_missing_file_is_refused(capsys, tmp_path):
    # The message is pinned by tests/experiments/test_spec.py: "no sweep file 'PATH'" (a missing
    # file needs no list of what is allowed).
    missing, out = tmp_path / "no.toml", tmp_path / "out"
    outcome = cli(capsys, "sweep", str(missing), "--out", str(out))
    assert outcome.code == 2 and outcome.stderr == f"error: no sweep file '{missing}'\n"
    assert not out.exists()


def test_another_sweeps_results_are_left_alone(capsys, tmp_path):
    """A folder holding a different sweep is refused before anything is written."""
    first = _write(tmp_path, HEAD.replace("quarters = 2", "quarters = 1") + RANGE)
    out = tmp_path / "results"
    assert cli(capsys, "sweep", str(first), "--out", str(out), "-q", "--workers", "1").code == 0
    before = snapshot(out)
    other = tmp_path / "other.toml"
    other.write_text(HEAD + RANGE.replace("0.8", "0.9"))
    outcome = cli(capsys, "sweep", str(other), "--out", str(out), "-q", "--workers", "1")
    assert_refused(outcome, str(out), "different sweep", "another --out")
    assert snapshot(out) == before
