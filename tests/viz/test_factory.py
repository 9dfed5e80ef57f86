"""The page's model is built from (scenario, levers moved, seed), validated by the spec."""

import gc
import weakref

import pytest
from mesa.experimental.scenarios import Scenario as MesaScenario

from gpfed.model.model import GPFedModel
from gpfed.parameters import ParameterError, Schedule
from gpfed.scenarios import fitted_values
from gpfed.viz import build_model
from gpfed.viz.controls import DEFAULT_SCENARIO, SCENARIO_CONTROL, model_params
from gpfed.viz.factory import PolicyModel, params_from_controls, parse_seed


def test_build_model_uses_the_scenario_levers_and_seed():
    model = build_model("kings_fund_2014", seed=3, quality_weight=0.8, risk_sharing="shares")
    assert isinstance(model, GPFedModel)
    assert model.params.scenario == "kings_fund_2014"
    assert model.params.quality_weight == 0.8
    assert model.params.risk_sharing == "shares"
    assert model.params.outcome_payment_share == 0.05  # from the scenario
    assert model.seed == 3
    assert model.params.preset == "region"


def test_the_page_runs_on_the_calibrated_point_estimate():
    model = build_model("status_quo")
    calibrated = fitted_values()
    assert calibrated
    for name, value in calibrated.items():
        assert getattr(model.params, name) == value, name


def test_the_default_model_is_the_status_quo_with_seed_1():
    model = build_model()
    assert model.params.scenario == DEFAULT_SCENARIO
    assert model.seed == 1


def test_same_controls_give_the_same_run_and_another_seed_another():
    first = build_model("nhs_confederation", seed="5").run(4).to_frame()
    again = build_model("nhs_confederation", seed=5).run(4).to_frame()
    other = build_model("nhs_confederation", seed=6).run(4).to_frame()
    assert first.equals(again)
    assert not first.equals(other)


def test_a_lever_left_at_its_default_keeps_the_scenario_schedule():
    values = {name: control["value"] for name, control in model_params().items()}
    del values[SCENARIO_CONTROL]
    seed = values.pop("seed")
    model = PolicyModel(scenario_name="kings_fund_2014", seed=seed, **values)
    regime = model.params.gp_contract_regime
    assert isinstance(regime, Schedule)
    assert model.timeline.at(0).gp_contract_regime == "gms"
    assert model.timeline.at(8).gp_contract_regime == "optional"


def test_a_moved_lever_applies_from_the_first_quarter():
    params = params_from_controls("kings_fund_2014", {"gp_contract_regime": "competitive"})
    assert params.gp_contract_regime == "competitive"
    assert params.timeline().at(0).gp_contract_regime == "competitive"


def test_mesa_reset_keywords_are_accepted():
    # Mesa's Reset passes its own (empty) Scenario object along with the control values.
    model = PolicyModel(scenario_name="trust_led_ico", seed="2", scenario=MesaScenario())
    assert model.params.scenario == "trust_led_ico"
    assert model.seed == 2


@pytest.mark.parametrize(
    ("controls", "message"),
    [
        ({"quality_weight": 2.0}, "quality_weight = 2.0 weight; allowed 0 to 1"),
        ({"gp_contract_regime": "optinal"}, "did you mean 'optional'"),
        ({"tender_every_quarters": 0}, "allowed 1 to 40"),
        ({"federation_incentve": 1.0}, "no parameter 'federation_incentve'"),
        ({"seed": "abc"}, "seed = 'abc'; allowed a whole number, 0 or more"),
        ({"seed": "-1"}, "allowed a whole number"),
        ({"scenario": "kings_fund"}, "no scenario 'kings_fund'"),
    ],
)
def test_invalid_controls_are_refused_with_the_allowed_values(controls, message):
    with pytest.raises(ParameterError, match=message):
        build_model(**controls)


@pytest.mark.parametrize("seed", [True, 1.5, None, " ", "1e3", "²"])
def test_only_whole_numbers_are_seeds(seed):
    with pytest.raises(ParameterError):
        parse_seed(seed)


@pytest.mark.parametrize(("seed", "value"), [(0, 0), ("12", 12), (" 7 ", 7), (2**40, 2**40)])
def test_seed_text_is_read(seed, value):
    assert parse_seed(seed) == value


def test_a_model_is_freed_when_dropped():
    model = build_model("kings_fund_2014", seed=1).run(4)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
