import pickle

import pytest

from gpfed import SPEC, ParameterError, Params, Schedule, all_scenarios
from gpfed.parameters import describe, quarter_to_step, step_to_quarter


def test_defaults_are_valid_and_every_parameter_is_documented():
    params = Params()
    assert set(params) == set(SPEC)
    for p in SPEC.values():
        assert p.doc and p.group, p.name
        assert p.source or p.group == "run", p.name
        if p.kind in (int, float):
            assert p.low is not None and p.high is not None, p.name
            if not isinstance(p.default, Schedule):
                assert p.low <= p.default <= p.high, p.name


def test_every_scenario_builds():
    for scenario in all_scenarios():
        assert Params(scenario.name).scenario == scenario.name


def test_describe_lists_every_parameter_with_range():
    rows = describe()
    assert [r["name"] for r in rows] == list(SPEC)
    assert all(r["allowed"] for r in rows)


@pytest.mark.parametrize(
    ("values", "fragments"),
    [
        ({"federation_incentve": 3}, ["no parameter 'federation_incentve'", "Valid:"]),
        ({"n_practise": 100}, ["did you mean 'n_practices'"]),
        ({"n_practices": 5}, ["n_practices = 5", "allowed 10 to 20000"]),
        ({"mret_marginal_rate": 1.5}, ["mret_marginal_rate = 1.5", "allowed 0 to 1"]),
        ({"mret_marginal_rate": -0.1}, ["mret_marginal_rate = -0.1"]),
        ({"emergency_tariff_gbp": "cheap"}, ["emergency_tariff_gbp = 'cheap'", "expected float"]),
        ({"n_practices": 150.5}, ["n_practices = 150.5", "expected int"]),
        ({"n_practices": True}, ["n_practices = True"]),
        ({"induced_demand_elasticity": float("nan")}, ["induced_demand_elasticity = nan"]),
        ({"list_size_mean": float("inf")}, ["list_size_mean = inf"]),
        ({"hospital_payment": "pbrr"}, ["hospital_payment = 'pbrr'", "did you mean 'pbr'"]),
        ({"preset": "wales"}, ["preset = 'wales'", "one of 'region', 'england'"]),
        ({"n_practices": {0: 100}}, ["n_practices cannot change over time"]),
        ({"mret_marginal_rate": {"2014Q2": 0.5}}, ["must give a value from the first step"]),
        ({"mret_marginal_rate": {"2014-Q2": 0.5}}, ["schedule key '2014-Q2'"]),
        ({"mret_marginal_rate": {0: 0.3, 4: 2.0}}, ["mret_marginal_rate = 2.0"]),
        ({"mret_marginal_rate": {}}, ["at least one value"]),
        ({"n_commissioners": 50, "n_practices": 20}, ["n_commissioners = 50 exceeds"]),
        ({"trusts_per_practice": 3, "n_trusts": 2}, ["trusts_per_practice = 3 exceeds"]),
    ],
)
def test_bad_values_name_parameter_value_and_range(values, fragments):
    with pytest.raises(ParameterError) as error:
        Params(**values)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_unknown_scenario_lists_known_ones():
    with pytest.raises(ParameterError, match=r"no scenario 'nope'.*status_quo"):
        Params("nope")


def test_values_are_converted_to_the_parameter_type():
    params = Params(n_practices=150.0, mret_marginal_rate="0.5", hospital_payment=" block ")
    assert params.n_practices == 150 and isinstance(params.n_practices, int)
    assert params.mret_marginal_rate == 0.5
    assert params.hospital_payment == "block"


def test_preset_fills_structure_unless_given():
    england = Params(preset="england")
    assert (england.n_practices, england.n_commissioners, england.n_trusts) == (8053, 211, 160)
    assert Params(preset="england", n_practices=500).n_practices == 500


def test_schedules_resolve_by_step_and_calendar_quarter():
    params = Params(
        mret_marginal_rate={"2013Q2": 0.3, "2015Q2": 0.5}, blend_pbr_share={0: 0.2, 2: 0.9}
    )
    timeline = params.timeline()
    assert timeline.at(0).mret_marginal_rate == 0.3
    assert timeline.at(7).mret_marginal_rate == 0.3
    assert timeline.at(8).mret_marginal_rate == 0.5
    assert timeline.at(1).blend_pbr_share == 0.2 and timeline.at(2).blend_pbr_share == 0.9
    default = Params().timeline()
    assert default.at(3).global_sum_gbp_per_weighted_patient == 66.25
    assert default.at(4).global_sum_gbp_per_weighted_patient == 73.56
    assert default.at(39).global_sum_gbp_per_weighted_patient == 88.96


def test_steps_between_two_changes_share_the_levers_those_changes_make():
    params = Params(mret_marginal_rate={"2013Q2": 0.3, "2015Q2": 0.5})
    timeline = params.timeline()
    steps = [30, 8, 0, 9, 7, 3, 40, 1, 4]
    got = {step: timeline.at(step) for step in steps}
    # Each is what resolving that step afresh gives, whatever order the steps were asked in.
    assert all(got[step] == params.timeline().at(step) for step in steps)
    # Steps with the same levers in force share one object; a change makes another.
    assert all(got[a] is got[b] for a in steps for b in steps if got[a] == got[b])
    assert got[7].mret_marginal_rate == 0.3 and got[8].mret_marginal_rate == 0.5
    assert len({id(levers) for levers in got.values()}) > 2


def test_quarter_arithmetic():
    assert quarter_to_step("2014Q2", 2013, 2) == 4
    assert quarter_to_step("2013q1", 2013, 2) == -1
    assert step_to_quarter(4, 2013, 2) == "2014Q2"
    assert step_to_quarter(3, 2013, 2) == "2014Q1"


def test_params_pickle_and_replace():
    params = Params("status_quo", n_practices=120)
    again = pickle.loads(pickle.dumps(params))
    assert dict(again) == dict(params)
    changed = params.replace(hospital_payment="capitation")
    assert changed.n_practices == 120 and changed.hospital_payment == "capitation"
    assert params.hospital_payment == "pbr"
    with pytest.raises(AttributeError, match="no parameter 'nonsense'"):
        _ = params.nonsense
