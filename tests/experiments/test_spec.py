"""Sweep definitions: every mistake is a one-line SweepError before anything runs; designs and
run tables (ids, seeds) are deterministic and independent of how a sweep is executed."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpfed.experiments import Dimension, SweepError, SweepSpec, run_table
from gpfed.experiments.runner import MAX_CHUNK, chunked, run_seed
from gpfed.experiments.sampling import design
from tests.experiments.helpers import FAULT_TOML, GRID_TOML, SOBOL_TOML, spec_of, write_spec

BASE = {
    "sweep": {"name": "base", "sampler": "grid", "replications": 2, "quarters": 4, "seed": 1},
    "fixed": {"n_practices": 60},
    "parameters": {
        "quality_weight": {"low": 0.2, "high": 0.8, "steps": 3},
        "federation_sharing_rule": {"levels": ["list", "equal"]},
    },
}


def mapping(sweep=None, fixed=None, parameters=None, **tables):
    """BASE with some settings changed (``None`` values remove a setting)."""
    data = copy.deepcopy(BASE)
    for table, changes in (("sweep", sweep), ("fixed", fixed), ("parameters", parameters)):
        for key, value in (changes or {}).items():
            if value is None:
                data[table].pop(key, None)
            else:
                data[table][key] = value
    return {**data, **tables}


def test_base_is_valid():
    spec = SweepSpec.from_mapping(mapping())
    assert spec.names == ["quality_weight", "federation_sharing_rule"]
    assert spec.parameters[0] == Dimension("quality_weight", 0.2, 0.8, steps=3)
    assert spec.parameters[1] == Dimension("federation_sharing_rule", levels=("list", "equal"))


BAD = {
    # name: (mapping, text the one-line message must contain)
    "unknown parameter": (
        mapping(parameters={"federation_incentve": {"low": 0, "high": 1, "steps": 2}}),
        "no parameter 'federation_incentve'",
    ),
    "unknown fixed parameter": (mapping(fixed={"n_practises": 60}), "no parameter 'n_practises'"),
    "bad fixed value": (mapping(fixed={"n_practices": 5}), "n_practices = 5"),
    "unknown scenario": (
        mapping(sweep={"scenario": "kings_fund_2012"}),
        "no scenario 'kings_fund_2012'",
    ),
    "unknown scenario level": (
        mapping(parameters={"scenario": {"levels": ["status_quo", "nope"]}}),
        "no scenario 'nope'",
    ),
    "bound below range": (
        mapping(parameters={"quality_weight": {"low": -0.1, "high": 0.8, "steps": 3}}),
        "quality_weight = -0.1",
    ),
    "bound above range": (
        mapping(
            parameters={
                "federation_incentive_gbp_per_patient_per_year": {"low": 0, "high": 80, "steps": 2}
            }
        ),
        "federation_incentive_gbp_per_patient_per_year = 80",
    ),
    "level out of range": (
        mapping(parameters={"quality_weight": {"levels": [0.2, 5]}}),
        "quality_weight = 5",
    ),
    "level not allowed": (
        mapping(parameters={"federation_sharing_rule": {"levels": ["list", "equall"]}}),
        "federation_sharing_rule",
    ),
    "fraction for an integer": (
        mapping(parameters={"n_commissioners": {"low": 1.5, "high": 3, "steps": 2}}),
        "n_commissioners = 1.5",
    ),
    "low == high": (
        mapping(parameters={"quality_weight": {"low": 0.5, "high": 0.5, "steps": 3}}),
        "quality_weight: low = 0.5 must be below high = 0.5",
    ),
    "low > high": (
        mapping(parameters={"quality_weight": {"low": 0.8, "high": 0.2, "steps": 3}}),
        "quality_weight: low = 0.8 must be below high = 0.2",
    ),
    "range without high": (
        mapping(parameters={"quality_weight": {"low": 0.2}}),
        "quality_weight: a range needs both low and high",
    ),
    "range and levels": (
        mapping(parameters={"quality_weight": {"low": 0.2, "high": 0.8, "levels": [0.5]}}),
        "quality_weight: give levels or a range, not both",
    ),
    "unknown range key": (
        mapping(parameters={"quality_weight": {"low": 0.2, "hi": 0.8}}),
        "quality_weight: unknown key 'hi'",
    ),
    "bare value": (mapping(parameters={"quality_weight": 0.5}), "parameters.quality_weight"),
    "grid range without steps": (
        mapping(parameters={"quality_weight": {"low": 0.2, "high": 0.8}}),
        "quality_weight: a grid over a range needs steps = 2 or more",
    ),
    "one grid step": (
        mapping(parameters={"quality_weight": {"low": 0.2, "high": 0.8, "steps": 1}}),
        "quality_weight: a grid over a range",
    ),
    "range of a word": (
        mapping(parameters={"federation_sharing_rule": {"low": 0, "high": 1, "steps": 2}}),
        "federation_sharing_rule is not a number",
    ),
    "fixed and swept": (mapping(fixed={"quality_weight": 0.5}), "quality_weight is both fixed"),
    "bad sampler": (mapping(sweep={"sampler": "sobel"}), "sampler = 'sobel'"),
    "levels under sobol": (
        mapping(sweep={"sampler": "sobol"}, parameters={"quality_weight": {"low": 0.2, "high": 1}}),
        "federation_sharing_rule: the sobol sampler needs a range",
    ),
    "levels under morris": (
        mapping(
            sweep={"sampler": "morris"},
            parameters={"quality_weight": [0.2, 0.5], "federation_sharing_rule": None},
        ),
        "quality_weight: the morris sampler needs a range",
    ),
    "scenario as a range": (
        mapping(parameters={"scenario": {"low": 0, "high": 1, "steps": 2}}),
        "scenario: sweep it with levels",
    ),
    "replications = 0": (mapping(sweep={"replications": 0}), "replications = 0"),
    "replications = true": (mapping(sweep={"replications": True}), "replications = True"),
    "samples = 0": (mapping(sweep={"samples": 0}), "samples = 0"),
    "quarters fractional": (mapping(sweep={"quarters": 2.5}), "quarters = 2.5"),
    "negative seed": (mapping(sweep={"seed": -1}), "seed = -1"),
    "unknown output": (
        mapping(sweep={"outputs": ["practices_open", "practises_open"]}),
        "no output 'practises_open'",
    ),
    "no outputs": (mapping(sweep={"outputs": []}), "outputs: give at least one"),
    "outputs not a list": (mapping(sweep={"outputs": "practices_open"}), "outputs must be a list"),
    "unknown keep": (mapping(sweep={"keep": ["final", "everything"]}), "keep = ['final'"),
    "unknown [sweep] key": (
        mapping(sweep={"replicates": 3}),
        "[sweep] has no setting 'replicates'",
    ),
    "unknown table": (mapping(sweeps={"seed": 1}), "unknown table [sweeps]"),
    "no parameters": ({"sweep": {}, "parameters": {}}, "[parameters] must give at least one"),
}


@pytest.mark.parametrize(("data", "message"), BAD.values(), ids=BAD.keys())
def test_bad_definition_is_one_line_sweep_error(data, message):
    with pytest.raises(SweepError, match=re.escape(message)) as error:
        SweepSpec.from_mapping(data)
    assert "\n" not in str(error.value)


def test_bad_definition_in_python_is_refused_too():
    with pytest.raises(SweepError, match="replications = 0"):
        SweepSpec(parameters=(Dimension("quality_weight", 0.2, 0.8, steps=2),), replications=0)
    with pytest.raises(SweepError, match="a sweep needs at least one parameter"):
        SweepSpec(parameters=())
    with pytest.raises(SweepError, match="a parameter is swept twice"):
        SweepSpec(parameters=(Dimension("quality_weight", levels=(0.2,)),) * 2)


def test_malformed_and_missing_files(tmp_path):
    bad = write_spec(tmp_path, GRID_TOML.replace("steps = 3 }", "steps = 3"), "bad.toml")
    with pytest.raises(SweepError, match=r"^bad\.toml: not valid TOML \(") as error:
        SweepSpec.load(bad)
    assert "\n" not in str(error.value)
    with pytest.raises(SweepError, match=r"^no sweep file '.*missing\.toml'$"):
        SweepSpec.load(tmp_path / "missing.toml")


# --- valid definitions ---------------------------------------------------------------------


def test_file_and_mapping_agree_and_round_trip(tmp_path):
    spec = SweepSpec.load(write_spec(tmp_path, GRID_TOML))
    assert spec == spec_of(GRID_TOML)
    again = SweepSpec.from_mapping(spec.to_mapping())
    assert again == spec and again.fingerprint() == spec.fingerprint()
    # A list is shorthand for levels.
    short = mapping(parameters={"federation_sharing_rule": ["list", "equal"]})
    assert SweepSpec.from_mapping(short) == SweepSpec.from_mapping(mapping())


@pytest.mark.parametrize(
    "change",
    [
        {"sweep": {"seed": 2}},
        {"sweep": {"replications": 3}},
        {"sweep": {"quarters": 5}},
        {"fixed": {"n_practices": 61}},
        {"parameters": {"quality_weight": {"low": 0.2, "high": 0.8, "steps": 4}}},
    ],
)
def test_any_change_changes_the_fingerprint(change):
    assert (
        SweepSpec.from_mapping(mapping(**change)).fingerprint()
        != SweepSpec.from_mapping(mapping()).fingerprint()
    )


@pytest.mark.parametrize(
    ("sampler", "samples", "rows"),
    # Sobol is first order only (N(D+2) rows), as in the shipped example file.
    [("grid", 16, 3 * 2), ("lhs", 7, 7), ("sobol", 4, 4 * (2 + 2)), ("morris", 3, 3 * (2 + 1))],
)
def test_design_size_bounds_and_determinism(sampler, samples, rows):
    if sampler == "grid":
        parameters = {
            "quality_weight": {"low": 0.2, "high": 0.8, "steps": 3},
            "n_commissioners": {"levels": [1, 4]},
        }
    else:
        parameters = {
            "quality_weight": {"low": 0.2, "high": 0.8},
            "n_commissioners": {"low": 1, "high": 4},
        }
    data = {**mapping(sweep={"sampler": sampler, "samples": samples}), "parameters": parameters}
    points = design(SweepSpec.from_mapping(data))
    assert list(points.columns) == ["design_id", "quality_weight", "n_commissioners"]
    assert list(points["design_id"]) == list(range(rows))
    assert points["quality_weight"].between(0.2, 0.8).all()
    assert points["n_commissioners"].between(1, 4).all()
    assert all(type(value) is int for value in points["n_commissioners"].tolist())
    assert points.equals(design(SweepSpec.from_mapping(data)))
    if sampler != "grid":
        data["sweep"] = {**data["sweep"], "seed": 99}
        assert not points.equals(design(SweepSpec.from_mapping(data)))


# --- run ids and seeds ---------------------------------------------------------------------


@pytest.mark.parametrize("text", [GRID_TOML, SOBOL_TOML, FAULT_TOML])
def test_run_table_is_deterministic_with_unique_stable_ids(text):
    spec = spec_of(text)
    runs = run_table(spec)
    assert runs.equals(run_table(spec)) and runs.equals(run_table(spec_of(text)))
    assert runs["run_id"].is_unique
    assert runs["run_id"].str.fullmatch(r"d\d{6}-r\d{3}").all()
    expected = [
        f"d{d:06d}-r{r:03d}" for d, r in zip(runs["design_id"], runs["replicate"], strict=True)
    ]
    assert list(runs["run_id"]) == expected
    assert list(runs["run_id"]) == sorted(runs["run_id"])
    assert len(runs) == len(design(spec)) * spec.replications
    assert runs["seed"].is_unique  # every design point and replicate has its own stream
    assert (runs["seed"] >= 0).all() and (runs["seed"] < 2**63).all()


def test_seeds_follow_the_seed_sequence_and_do_not_change():
    # Stored results are resumed by later versions: a run's seed must never change.
    assert run_seed(42, 0, 0, False) == 3996885258580205949
    assert run_seed(42, 0, 1, False) == 7175993579431387090
    assert run_seed(42, 3, 2, False) == 1890233292140318077
    assert run_seed(42, 0, 1, True) == run_seed(42, 5, 1, True) == 67091864417934941
    for design_id, replicate in [(0, 0), (7, 3)]:
        state = np.random.SeedSequence(42, spawn_key=(design_id, replicate)).generate_state(
            1, np.uint64
        )[0]
        assert run_seed(42, design_id, replicate, False) == int(state >> np.uint64(1))


def test_adding_replicates_keeps_the_existing_runs():
    few = run_table(SweepSpec.from_mapping(mapping(sweep={"replications": 2})))
    more = run_table(SweepSpec.from_mapping(mapping(sweep={"replications": 5})))
    shared = more[more["replicate"] < 2].reset_index(drop=True)
    assert shared.equals(few)


def test_seeds_differ_across_points_and_replicates():
    runs = run_table(SweepSpec.from_mapping(mapping(sweep={"replications": 3})))
    assert runs.groupby("replicate")["seed"].nunique().eq(runs["design_id"].nunique()).all()
    assert runs.groupby("design_id")["seed"].nunique().eq(3).all()
    other_root = run_table(SweepSpec.from_mapping(mapping(sweep={"replications": 3, "seed": 2})))
    assert not set(runs["seed"]) & set(other_root["seed"])


def test_common_random_numbers_share_a_seed_per_replicate():
    runs = run_table(
        SweepSpec.from_mapping(mapping(sweep={"replications": 3, "common_random_numbers": True}))
    )
    per_replicate = runs.groupby("replicate")["seed"]
    assert per_replicate.nunique().eq(1).all()  # the same for every design point
    assert per_replicate.first().is_unique  # and different across replicates


def test_the_points_sampler_takes_the_ith_level_of_every_parameter():
    spec = SweepSpec(
        parameters=(
            Dimension("quality_weight", levels=(0.3, 0.5, 0.7)),
            Dimension("exit_quarters", levels=(2, 2, 5)),
            Dimension("scenario", levels=("status_quo", "kings_fund_2011", "status_quo")),
        ),
        sampler="points",
    )
    points = design(spec)
    assert points.to_dict("list") == {
        "design_id": [0, 1, 2],
        "quality_weight": [0.3, 0.5, 0.7],
        "exit_quarters": [2, 2, 5],
        "scenario": ["status_quo", "kings_fund_2011", "status_quo"],
    }
    # The mapping round trip keeps the points.
    assert SweepSpec.from_mapping(spec.to_mapping()) == spec


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (
            (
                Dimension("quality_weight", levels=(0.3, 0.5)),
                Dimension("exit_quarters", levels=(2,)),
            ),
            "as many levels for every parameter",
        ),
        ((Dimension("quality_weight", low=0.2, high=0.8),), "takes levels"),
        ((Dimension("exit_quarters", levels=(0, 1)),), "exit_quarters"),
    ],
)
def test_bad_points_are_refused_before_any_run(parameters, message):
    with pytest.raises(SweepError, match=message):
        SweepSpec(parameters=parameters, sampler="points")


@given(runs=st.integers(0, 2000), workers=st.integers(1, 16))
def test_chunks_keep_the_runs_in_order_and_share_them_evenly_among_the_workers(runs, workers):
    chunks = chunked(list(range(runs)), workers)
    assert [run for chunk in chunks for run in chunk] == list(range(runs))
    sizes = [len(chunk) for chunk in chunks]
    assert all(1 <= size <= MAX_CHUNK for size in sizes)
    assert max(sizes, default=0) - min(sizes, default=0) <= 1
    # Every worker gets as many chunks (there are fewer only when there are fewer runs).
    assert len(chunks) % workers == 0 or len(chunks) == runs
