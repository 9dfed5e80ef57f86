"""Calibration by ABC-SMC: generations tighten, the posterior does not depend on the workers,
an interrupted calibration resumes, and the stored fit is what england_2013 uses."""

import dataclasses
import json
import math

import numpy as np
import pytest

from gpfed import Params
from gpfed.calibration.fit import (
    DATABASE,
    FITTED_FILE,
    PRIORS,
    CalibrationSettings,
    _run_smc,
    calibrate,
    england_world,
    load_fitted,
    prior_values,
)
from gpfed.calibration.targets import TARGETS, fitted_targets
from gpfed.parameters import SPEC, ParameterError
from gpfed.scenarios import get_scenario, posterior_draws

TINY = CalibrationSettings(
    population_size=6,
    generations=3,
    n_practices=250,
    seed=5,
    candidates=2,
    select_replications=2,
    confirm_replications=2,
)


@pytest.fixture(scope="module")
def tiny_calibration(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration")
    return calibrate(TINY, out, workers=1, progress=False), out


@pytest.mark.slow
def test_generations_tighten_from_the_prior(tiny_calibration):
    result, _ = tiny_calibration
    first, *later = result.generations
    assert first["generation"] == 0 and math.isinf(first["epsilon"])
    assert first["runs"] == first["accepted"] == 6  # generation 0 keeps every prior draw
    thresholds = [g["epsilon"] for g in later]
    assert len(later) == 2 and thresholds == sorted(thresholds, reverse=True)
    for generation in later:
        assert generation["accepted"] == 6 <= generation["runs"]
    draws = result.draws_frame
    assert len(draws) == 6 and draws["weight"].sum() == pytest.approx(1.0)
    assert (draws["distance"] <= thresholds[-1]).all()
    for prior in PRIORS:
        assert prior.low <= draws[prior.name].min() <= draws[prior.name].max() <= prior.high
        spread = result.posterior[prior.name]
        assert spread["p05"] <= spread["median"] <= spread["p95"]
        SPEC[prior.name].check(result.values[prior.name])


@pytest.mark.slow
def test_the_point_estimate_is_the_candidate_closest_over_replicates(tiny_calibration):
    result, _ = tiny_calibration
    selection = result.selection
    distances = selection["mean_distance"]
    assert selection["candidates"] == len(distances) == 2
    assert str(selection["chosen_particle"]) == min(distances, key=distances.get)
    chosen = result.draws_frame.loc[selection["chosen_particle"]]
    assert result.values == prior_values(chosen.to_dict())


@pytest.mark.slow
def test_the_posterior_is_the_same_on_one_worker_or_two(tiny_calibration, tmp_path):
    result, _ = tiny_calibration
    again = calibrate(TINY, tmp_path, workers=2, progress=False)
    assert again.draws == result.draws
    assert again.generations == result.generations
    assert again.values == result.values and again.fit == result.fit


@pytest.mark.slow
def test_an_interrupted_calibration_resumes_from_its_last_generation(tiny_calibration, tmp_path):
    result, _ = tiny_calibration
    # Stopped after two generations: pyabc's database holds generations 0 and 1.
    partial = _run_smc(
        dataclasses.replace(TINY, generations=2), tmp_path / DATABASE, None, 1, False
    )
    assert partial.max_t == 1
    resumed = calibrate(TINY, tmp_path, workers=1, progress=False)
    assert resumed.draws == result.draws and resumed.generations == result.generations


@pytest.mark.slow
def test_a_folder_of_another_calibration_is_refused(tiny_calibration):
    _, out = tiny_calibration
    with pytest.raises(
        ParameterError, match="holds a calibration with other settings, priors or targets"
    ):
        calibrate(dataclasses.replace(TINY, seed=6), out, workers=1, progress=False)


@pytest.mark.slow
def test_the_fit_report_covers_every_target_of_the_fitting_window(tiny_calibration):
    result, _ = tiny_calibration
    table = result.fit_table
    window = [t.name for t in TARGETS if t.steps[1] <= 17]
    assert list(table.index) == [*window, "distance"]
    assert all(math.isfinite(v) for v in table["simulated_mean"])


def test_bad_settings_name_the_setting():
    with pytest.raises(ParameterError, match="quantile = 1"):
        CalibrationSettings(quantile=1)
    with pytest.raises(ParameterError, match="population_size = 2"):
        CalibrationSettings(population_size=2)
    with pytest.raises(ParameterError, match="n_practices"):
        CalibrationSettings(n_practices=0)


def test_priors_lie_inside_the_allowed_ranges_and_give_their_reasons():
    for prior in PRIORS:
        parameter = SPEC[prior.name]
        low, high = (
            prior_values({p.name: p.low for p in PRIORS}),
            prior_values({p.name: p.high for p in PRIORS}),
        )
        assert parameter.check(low[prior.name]) == low[prior.name]
        assert parameter.check(high[prior.name]) == high[prior.name]
        assert len(prior.why) > 40, prior.name
    # A whole-number parameter's prior is rounded: exit_quarters 0.5-6.5 gives 1-6 evenly.
    assert (
        prior_values({**{p.name: p.low for p in PRIORS}, "exit_quarters": 0.51})["exit_quarters"]
        == 1
    )


def test_scaled_down_england_keeps_areas_and_trusts_in_proportion():
    assert england_world() == {}
    small = england_world(805)
    assert small == {"n_practices": 805, "n_commissioners": 21, "n_area_teams": 3, "n_trusts": 16}
    Params("england_2013", **small)


def test_stored_posterior_has_weighted_draws_provenance_and_is_what_england_2013_uses():
    document = load_fitted()
    assert FITTED_FILE.name == "england_2013_calibration.json"
    for key in ("method", "settings", "generations", "posterior", "draws", "provenance", "fit"):
        assert document[key], key
    stamp = document["provenance"]
    assert stamp["date"] and stamp["pyabc_version"] and stamp["mesa_version"]
    assert document["settings"]["n_practices"] == 8053
    weights = np.array([d["weight"] for d in document["draws"]])
    assert len(weights) == document["settings"]["population_size"]
    assert weights.sum() == pytest.approx(1.0) and (weights > 0).all()
    # The fit answers to the targets and priors in the code: changing one needs a refit.
    as_stored = json.loads(json.dumps([dataclasses.asdict(t) for t in TARGETS]))
    assert document["targets"] == as_stored
    assert document["priors"] == [dataclasses.asdict(p) for p in PRIORS]
    scenario = get_scenario("england_2013").values
    for name, value in document["values"].items():
        assert scenario[name] == value


def test_posterior_draws_are_seeded_and_follow_the_weights(tmp_path):
    names = [p.name for p in PRIORS]
    base = {p.name: p.low for p in PRIORS}
    draws = [
        {**prior_values({**base, "list_size_mean": 6500.0}), "weight": 0.9, "distance": 1.0},
        {**prior_values({**base, "list_size_mean": 7000.0}), "weight": 0.1, "distance": 1.0},
    ]
    path = tmp_path / "fit.json"
    path.write_text(json.dumps({"draws": draws}))
    sample = posterior_draws(400, seed=3, path=path)
    assert sample == posterior_draws(400, seed=3, path=path)
    assert set(sample[0]) == set(names)
    heavy = sum(d["list_size_mean"] == 6500.0 for d in sample) / 400
    assert heavy == pytest.approx(0.9, abs=0.05)
    with pytest.raises(ParameterError, match="n = 0"):
        posterior_draws(0, seed=3, path=path)


def test_fitted_targets_exclude_what_the_model_reproduces_by_construction():
    names = {t.name for t in fitted_targets()}
    assert "practices_july_2013" not in names
    assert "emergency_admissions_2013_14" not in names
