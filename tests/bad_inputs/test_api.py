"""Bad inputs to the Python API: ``Params(...)`` and ``GPFedModel(...)``.

Each is refused with one line naming the parameter, the value and what is allowed.
"""

from __future__ import annotations

import math

import pytest

from gpfed import GPFedModel
from gpfed.parameters import ParameterError, Params, Schedule
from tests.bad_inputs.helpers import assert_one_line

PARAMS_CASES = {
    # id: (keyword values, text the one-line message must contain)
    "text for a count": ({"n_practices": "many"}, ["n_practices = 'many'", "expected int"]),
    "fraction for a count": ({"n_practices": 150.5}, ["n_practices = 150.5", "10 to 20000"]),
    "bool for a count": ({"n_practices": True}, ["n_practices = True"]),
    "None for a number": ({"quality_weight": None}, ["quality_weight = None"]),
    "list for a number": ({"quality_weight": [0.5]}, ["quality_weight = [0.5]"]),
    "number for a choice": ({"hospital_payment": 3}, ["hospital_payment = 3"]),
    "negative size": ({"n_practices": -5}, ["n_practices = -5", "10 to 20000"]),
    "zero size": ({"n_trusts": 0}, ["n_trusts = 0"]),
    "too large": ({"n_practices": 10**9}, ["n_practices = 1000000000", "10 to 20000"]),
    "nan": ({"quality_weight": math.nan}, ["quality_weight = nan", "0 to 1"]),
    "inf": ({"quality_weight": math.inf}, ["quality_weight = inf"]),
    "minus inf": ({"savings_target": -math.inf}, ["savings_target = -inf"]),
    "nan text": ({"quality_weight": "nan"}, ["quality_weight = 'nan'"]),
    "horizon too long": ({"horizon_quarters": 100_000}, ["horizon_quarters = 100000", "400"]),
    "unknown name": ({"federation_incentve": 3}, ["no parameter 'federation_incentve'"]),
    "unknown name suggestion": ({"n_practises": 60}, ["did you mean 'n_practices'"]),
    "choice misspelt": ({"hospital_payment": "pbrr"}, ["hospital_payment = 'pbrr'", "'pbr'"]),
    "unknown preset": ({"preset": "wales"}, ["preset = 'wales'", "'region'"]),
    "more commissioners than practices": (
        {"n_practices": 20, "n_commissioners": 30},
        ["n_commissioners = 30", "n_practices = 20"],
    ),
    "schedule quarter 5": (
        {"mret_marginal_rate": {"2013Q5": 0.3}},
        ["mret_marginal_rate", "'2013Q5'", "like '2014Q2'"],
    ),
    "schedule key a word": (
        {"mret_marginal_rate": {"soon": 0.3}},
        ["mret_marginal_rate", "'soon'"],
    ),
    "schedule value out of range": (
        {"mret_marginal_rate": {"2013Q2": 0.3, "2014Q1": 7}},
        ["mret_marginal_rate = 7"],
    ),
    "schedule starting late": (
        {"mret_marginal_rate": {"2014Q1": 0.3}},
        ["mret_marginal_rate", "2013Q2"],
    ),
    "empty schedule": ({"mret_marginal_rate": {}}, ["mret_marginal_rate = {}"]),
    "schedule of a fixed parameter": (
        {"n_practices": {0: 50, 4: 60}},
        ["n_practices cannot change over time (given {0: 50, 4: 60})", "10 to 20000"],
    ),
    "schedule as a Schedule of a fixed parameter": (
        {"n_practices": Schedule({0: 50})},
        ["n_practices", "cannot change over time"],
    ),
}


@pytest.mark.parametrize(("values", "parts"), PARAMS_CASES.values(), ids=PARAMS_CASES.keys())
def test_params_refuses_with_one_line(values, parts):
    with pytest.raises(ParameterError) as refused:
        Params(**values)
    assert_one_line(str(refused.value), *parts)


@pytest.mark.parametrize(
    ("scenario", "parts"),
    [
        ("kings_fund_2012", ["no scenario 'kings_fund_2012'", "did you mean 'kings_fund_2014'"]),
        ("nope", ["no scenario 'nope'", "Known:"]),
        (3, ["scenario = 3", "scenario name"]),
        (["status_quo"], ["scenario = ['status_quo']"]),
    ],
    ids=["misspelt", "unknown", "int", "list"],
)
def test_an_unknown_scenario_is_refused(scenario, parts):
    with pytest.raises(ParameterError) as refused:
        Params(scenario)
    assert_one_line(str(refused.value), *parts)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "parts"),
    [
        ((), {"n_practices": -1}, ParameterError, ["n_practices = -1"]),
        ((), {"quality_weight": math.nan}, ParameterError, ["quality_weight = nan"]),
        ((), {"nonsense": 1}, ParameterError, ["no parameter 'nonsense'"]),
        (({"n_practices": "x"},), {}, ParameterError, ["n_practices = 'x'"]),
        (("nope",), {}, ParameterError, ["no scenario 'nope'"]),
        ((5,), {}, TypeError, ["params = 5", "allowed Params"]),
        ((), {"rng": "abc"}, TypeError, ["rng", "'abc'"]),
        ((), {"rng": -1}, ValueError, ["rng = -1"]),
        ((), {"practice_class": int}, TypeError, ["practice_class = <class 'int'>"]),
    ],
    ids=[
        "negative size",
        "nan",
        "unknown name",
        "bad mapping",
        "unknown scenario",
        "params of a wrong type",
        "rng text",
        "rng negative",
        "practice class",
    ],
)
def test_the_model_refuses_before_building(args, kwargs, error, parts):
    with pytest.raises(error) as refused:
        GPFedModel(*args, **kwargs)
    message = str(refused.value)
    assert "\n" not in message and all(part in message for part in parts), message


@pytest.fixture(scope="module")
def tiny_model() -> GPFedModel:
    return GPFedModel(n_practices=20, n_commissioners=1, n_trusts=2, rng=1)


@pytest.mark.parametrize(
    "quarters", [-1, "x", 2.5, True, 10**12], ids=["negative", "text", "fraction", "bool", "huge"]
)
def test_run_refuses_a_bad_number_of_quarters(tiny_model, quarters):
    with pytest.raises(ParameterError) as refused:
        tiny_model.run(quarters)
    assert_one_line(str(refused.value), f"quarters = {quarters!r}")
