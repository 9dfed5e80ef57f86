"""Bad inputs to the browser page's controls: the control builders in ``gpfed.viz.controls`` and
the validation the page's model factory runs on the controls' values (seed box, scenario picker,
levers)."""

from __future__ import annotations

import math

import pytest

from gpfed.parameters import SPEC, Parameter, ParameterError
from gpfed.viz.controls import lever_control, model_params, slider_step
from gpfed.viz.factory import params_from_controls, parse_seed
from tests.bad_inputs.helpers import assert_one_line


@pytest.mark.parametrize(
    ("low", "high"),
    [(0, 0), (1, 0), (math.nan, 1), (0, math.inf), (-math.inf, 0), ("0", 1), (True, 2)],
    ids=["equal", "reversed", "nan", "inf", "minus inf", "text", "bool"],
)
def test_slider_step_refuses_bounds(low, high):
    with pytest.raises(ValueError) as refused:
        slider_step(low, high)
    assert_one_line(str(refused.value), f"low = {low!r}", f"high = {high!r}")


@pytest.mark.parametrize(
    ("parameter", "error", "parts"),
    [
        (Parameter("x", 1.0, "", "doc", "", "g", low=0.0), ValueError, ["x:", "both bounds"]),
        (Parameter("y", 1.0, "", "doc", "", "g", low=2.0, high=2.0), ValueError, ["y:", "2 to 2"]),
        (SPEC["mpig_phase_out_rate_per_year"], ValueError, ["scheduled default"]),
        ("quality_weight", TypeError, ["parameter = 'quality_weight'", "allowed a Parameter"]),
    ],
    ids=["one bound", "empty range", "scheduled default", "a name, not a Parameter"],
)
def test_lever_control_refuses(parameter, error, parts):
    with pytest.raises(error) as refused:
        lever_control(parameter)
    message = str(refused.value)
    assert "\n" not in message and all(part in message for part in parts), message


def test_model_params_refuses_an_unknown_lever():
    with pytest.raises(ParameterError) as refused:
        model_params(("quality_weight", "quality_weigth"))
    assert_one_line(str(refused.value), "no parameter 'quality_weigth'", "'quality_weight'")


@pytest.mark.parametrize(
    "seed", ["-1", "1.5", "abc", "", " ", True, 2.0, None], ids=lambda s: repr(s)
)
def test_the_seed_box_refuses(seed):
    with pytest.raises(ParameterError) as refused:
        parse_seed(seed)
    assert_one_line(str(refused.value), f"seed = {seed!r}", "0 or more")


@pytest.mark.parametrize(
    ("scenario", "levers", "parts"),
    [
        ("nope", {}, ["no scenario 'nope'"]),
        ("status_quo", {"quality_weigth": 0.5}, ["no parameter 'quality_weigth'"]),
        ("status_quo", {"quality_weight": 2.0}, ["quality_weight = 2.0", "0 to 1"]),
        ("status_quo", {"quality_weight": math.nan}, ["quality_weight = nan"]),
        ("status_quo", {"hospital_payment": "pbrr"}, ["hospital_payment = 'pbrr'", "'pbr'"]),
        ("status_quo", {"tender_every_quarters": 1.5}, ["tender_every_quarters = 1.5"]),
    ],
    ids=["scenario", "unknown lever", "out of range", "nan", "choice", "fraction of a count"],
)
def test_the_controls_values_are_refused(scenario, levers, parts):
    with pytest.raises(ParameterError) as refused:
        params_from_controls(scenario, levers)
    assert_one_line(str(refused.value), *parts)
