"""Screening of proposed parameters: who is screened, over what range, and a ranked table."""

import pytest

from gpfed.calibration.fit import PRIORS
from gpfed.calibration.screening import (
    OUTCOMES,
    markdown,
    proposed_parameters,
    screen,
    screening_spec,
)
from gpfed.parameters import SPEC


def test_screened_parameters_are_proposed_behaviour_not_levers_or_fitted_ones():
    names = proposed_parameters()
    assert len(names) > 50
    calibrated = {p.name for p in PRIORS}
    for name in names:
        parameter = SPEC[name]
        assert parameter.source.startswith("[P]") and not parameter.schedulable
        assert name not in calibrated and parameter.default != 0
    assert "integration_max_effect" not in names  # an effect off by default is not screened


def test_each_range_is_half_to_one_and_a_half_times_the_default_within_the_allowed_range():
    spec = screening_spec(trajectories=2)
    ranges = {d.name: (d.low, d.high) for d in spec.parameters}
    assert ranges["bid_markup"] == pytest.approx((0.04, 0.12))
    assert ranges["quality_mean"] == pytest.approx((0.4, 0.95))  # capped at the allowed 0.95
    assert ranges["termination_notices"] == (3, 9)  # whole numbers stay whole
    assert spec.sampler == "morris" and spec.outputs == OUTCOMES


@pytest.mark.slow
def test_a_small_screening_ranks_every_parameter_for_every_outcome_that_moves(tmp_path):
    names = ["merge_probability", "bid_markup", "procurement_cost_gbp"]
    spec = screening_spec(
        trajectories=3,
        quarters=8,
        fixed={"n_practices": 80, "procurements_at_once": 50, "procurement_quarters": 1},
        parameters=names,
    )
    table = screen(spec, tmp_path, workers=1, progress=False)
    assert set(table["parameter"]) == set(names)
    for _, ranked in table.groupby("output"):
        assert sorted(ranked["rank"]) == [1, 2, 3]
        assert ranked.sort_values("rank")["mu_star"].is_monotonic_decreasing
    text = markdown(table, spec, top=2)
    assert "| 1 | `" in text and "Morris" in text
