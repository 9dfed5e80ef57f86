"""The page's controls are generated from the parameter spec."""

import math

import pytest

from gpfed.parameters import SPEC, Parameter
from gpfed.scenarios import all_scenarios
from gpfed.viz.controls import (
    DEFAULT_SCENARIO,
    DEFAULT_SEED,
    LEVERS,
    SCENARIO_CONTROL,
    SEED_CONTROL,
    lever_control,
    lever_label,
    model_params,
    page_scenarios,
    slider_step,
)


def test_every_lever_control_is_a_parameter_with_the_spec_bounds():
    controls = model_params()
    assert set(controls) == {SCENARIO_CONTROL, SEED_CONTROL, *LEVERS}
    for name in LEVERS:
        parameter, control = SPEC[name], controls[name]
        assert control["value"] == parameter.default
        assert control["label"] == lever_label(parameter)
        if parameter.choices:
            assert control["type"] == "Select"
            assert control["values"] == list(parameter.choices)
        else:
            assert control["type"] == ("SliderInt" if parameter.kind is int else "SliderFloat")
            assert (control["min"], control["max"]) == (parameter.low, parameter.high)


def test_the_levers_cover_selects_and_both_kinds_of_slider():
    kinds = {model_params()[name]["type"] for name in LEVERS}
    assert kinds == {"Select", "SliderFloat", "SliderInt"}
    assert 6 <= len(LEVERS) <= 10


@pytest.mark.parametrize("name", LEVERS)
def test_a_slider_default_sits_on_its_grid(name):
    control = model_params()[name]
    if control["type"] == "Select":
        return
    notches = (control["value"] - control["min"]) / control["step"]
    assert notches == pytest.approx(round(notches))
    assert 10 <= (control["max"] - control["min"]) / control["step"] <= 100


@pytest.mark.parametrize(
    ("low", "high", "step"), [(0, 1, 0.01), (0, 50, 0.5), (0, 20, 0.2), (1, 40, 0.5), (0, 1e6, 1e4)]
)
def test_slider_steps_are_one_two_five(low, high, step):
    assert slider_step(low, high) == pytest.approx(step)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 5)


def test_labels_carry_the_unit_unless_the_name_says_it():
    assert lever_label(SPEC["core_definition"]) == "core definition (share of overlapping lines)"
    label = lever_label(SPEC["federation_incentive_gbp_per_patient_per_year"])
    assert label == "federation incentive £ per patient per year"
    assert lever_label(SPEC["quality_weight"]) == "quality weight"


def test_scenario_picker_offers_the_region_scenarios_and_the_seed_box_a_whole_number():
    controls = model_params()
    picker = controls[SCENARIO_CONTROL]
    assert picker["type"] == "Select"
    assert picker["value"] == DEFAULT_SCENARIO
    assert picker["values"] == page_scenarios()
    region = [s.name for s in all_scenarios() if s.values.get("preset", "region") == "region"]
    assert picker["values"] == region
    assert DEFAULT_SCENARIO in picker["values"]
    assert controls[SEED_CONTROL] == {
        "type": "InputText",
        "label": "seed (whole number, 0 or more)",
        "value": str(DEFAULT_SEED),
    }


def test_a_parameter_that_cannot_be_a_control_is_refused():
    scheduled = SPEC["mpig_phase_out_rate_per_year"]
    with pytest.raises(ValueError, match="scheduled default"):
        lever_control(scheduled)
    unbounded = Parameter("x", 1.0, "", "doc", "", "group", low=0.0)
    with pytest.raises(ValueError, match="both bounds"):
        lever_control(unbounded)


def test_a_bool_parameter_becomes_a_checkbox():
    control = lever_control(SPEC["pathway_lots"])
    assert control["type"] == "Checkbox"
    assert control["value"] is SPEC["pathway_lots"].default
