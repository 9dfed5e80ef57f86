"""The EMA Workbench adapter: spec-typed parameters, gpfed's final values and seeds, checks before
any run, parallel evaluators, PRIM and robustness tables."""

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

# gpfed.ema first: it imports the Workbench without its warning that ipyparallel is missing.
ema = pytest.importorskip("gpfed.ema")

from ema_workbench import (  # noqa: E402
    BooleanParameter,
    CategoricalParameter,
    IntegerParameter,
    Model,
    MultiprocessingEvaluator,
    RealParameter,
    ReplicatorModel,
    Sample,
    SequentialEvaluator,
)

from gpfed import GPFedModel  # noqa: E402
from gpfed.compare import all_scenario_names, replicate_seed  # noqa: E402
from gpfed.parameters import SPEC, ParameterError, Params  # noqa: E402

SMALL = {"n_practices": 60}
QUARTERS = 8
OUTCOMES = ["practices_open", "emergency_admissions_per_1000", "share_practices_federated"]
INCENTIVE = "federation_incentive_gbp_per_patient_per_year"


def small_model(**overrides):
    settings = {
        "uncertainties": {"need_growth_per_year": (0.0, 0.03), "exit_profit_threshold_share": None},
        "levers": [INCENTIVE],
        "outcomes": OUTCOMES,
        "quarters": QUARTERS,
        "fixed": SMALL,
        "seed": 4,
    }
    return ema.gpfed_model(**{**settings, **overrides})


def direct_frame(values, seed, quarters=QUARTERS):
    params = Params(**{**SMALL, **values})
    return GPFedModel(params, rng=seed).run(quarters).to_frame()


# --- uncertainties and levers from the spec ------------------------------------------------------


def test_spec_parameters_have_the_spec_types_and_whole_ranges():
    model = ema.gpfed_model(
        uncertainties=["need_growth_per_year", "exit_quarters", "federation_sharing_rule"],
        levers=["pathway_lots", "gp_contract_regime", "gpfed_scenario"],
    )
    assert isinstance(model, Model) and not isinstance(model, ReplicatorModel)
    growth = model.uncertainties["need_growth_per_year"]
    assert isinstance(growth, RealParameter)
    assert (growth.lower_bound, growth.upper_bound) == (
        SPEC["need_growth_per_year"].low,
        SPEC["need_growth_per_year"].high,
    )
    quarters = model.uncertainties["exit_quarters"]
    assert isinstance(quarters, IntegerParameter) and not isinstance(quarters, CategoricalParameter)
    assert (quarters.lower_bound, quarters.upper_bound) == (1, 40)
    rule = model.uncertainties["federation_sharing_rule"]
    assert isinstance(rule, CategoricalParameter)
    assert [c.value for c in rule.categories] == list(SPEC["federation_sharing_rule"].choices)
    assert isinstance(model.levers["pathway_lots"], BooleanParameter)
    regime = model.levers["gp_contract_regime"]
    assert [c.value for c in regime.categories] == list(SPEC["gp_contract_regime"].choices)
    scenario = model.levers["gpfed_scenario"]
    assert [c.value for c in scenario.categories] == all_scenario_names()


def test_narrower_bounds_and_choices_are_kept():
    model = ema.gpfed_model(
        uncertainties={"need_growth_per_year": (0.0, 0.03), "exit_quarters": (2, 6)},
        levers={
            "gp_contract_regime": ["gms", "optional"],
            "gpfed_scenario": ["status_quo", "kings_fund_2014"],
        },
        replications=3,
    )
    assert isinstance(model, ReplicatorModel)
    assert model.nreplications == 3
    growth = model.uncertainties["need_growth_per_year"]
    assert (growth.lower_bound, growth.upper_bound) == (0.0, 0.03)
    assert (
        model.uncertainties["exit_quarters"].lower_bound,
        model.uncertainties["exit_quarters"].upper_bound,
    ) == (2, 6)
    assert [c.value for c in model.levers["gp_contract_regime"].categories] == ["gms", "optional"]


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ({"need_growth_per_year": (0.0, 0.2)}, "need_growth_per_year = 0.2"),
        ({"need_growth_per_year": (-0.5, 0.02)}, "need_growth_per_year = -0.5"),
        ({"federation_reconsider_share": (np.float64(0.1), np.float64(1.455))}, "= 1.455"),
        ({"exit_quarters": (0, 8)}, "exit_quarters = 0"),
        ({"exit_quarters": (1.5, 8)}, "exit_quarters = 1.5"),
        ({"gp_contract_regime": ["gms", "tendered"]}, "gp_contract_regime = 'tendered'"),
        ({"need_growth_per_year": (0.03, 0.01)}, "low < high"),
        ({"need_growth_per_year": (0.01,)}, "(low, high)"),
        ({"gp_contract_regime": ["gms"]}, "two or more"),
        ({"gpfed_scenario": ["status_quo", "no_such_plan"]}, "no scenario 'no_such_plan'"),
        ({"scenario": ["status_quo", "nhs_confederation"]}, "'gpfed_scenario'"),
    ],
)
def test_bounds_outside_the_allowed_range_are_refused_in_one_line(bounds, expected):
    with pytest.raises(ParameterError) as caught:
        ema.gpfed_model(uncertainties=bounds)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    name = next(iter(bounds))
    assert name in message
    if name in SPEC:
        assert SPEC[name].allowed() in message


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"uncertainties": ["need_growth"]}, "did you mean 'need_growth_per_year'"),
        ({"levers": ["agent_table_every"]}, "agent_table_every cannot be a lever"),
        ({"uncertainties": ["horizon_quarters"]}, "give quarters="),
        ({"outcomes": ["practices_opened"]}, "did you mean 'practices_open'"),
        ({"series": ["nope"]}, "no series 'nope'"),
        (
            {"uncertainties": ["n_practices"], "fixed": {"n_practices": 60}},
            "both fixed and sampled",
        ),
        ({"uncertainties": [INCENTIVE], "levers": [INCENTIVE]}, "both an uncertainty and a lever"),
        ({"fixed": {"n_practices": 5}}, "n_practices = 5"),
        ({"quarters": 0}, "quarters = 0"),
        ({"quarters": 401}, "quarters = 401"),
        ({"replications": 0}, "replications = 0"),
        ({"seeding": "random"}, "seeding = 'random'"),
        ({"calibration": "best"}, "calibration = 'best'"),
        ({"scenario": "no_such_plan"}, "no scenario 'no_such_plan'"),
    ],
)
def test_bad_model_arguments_are_refused_in_one_line(kwargs, expected):
    with pytest.raises(ParameterError) as caught:
        ema.gpfed_model(**kwargs)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.slow
def test_importing_gpfed_does_not_import_the_workbench():
    code = "import sys, gpfed, gpfed.compare; assert 'ema_workbench' not in sys.modules"
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_gpfed_ema_imports_without_warnings():
    code = "import gpfed.ema"
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_model_and_its_function_pickle():
    model = small_model(replications=2)
    again = pickle.loads(pickle.dumps(model))
    assert again.function == model.function
    assert [p.name for p in again.uncertainties] == [p.name for p in model.uncertainties]


# --- final values and seeds --------------------------------------------------------------------


def test_final_values_are_the_last_four_simulated_quarters_of_a_direct_run():
    model = small_model(series=["practices_open"])
    point = {"need_growth_per_year": 0.02, "exit_profit_threshold_share": 0.5}
    policy = {INCENTIVE: 4.0}
    experiments, outcomes = ema.perform_gpfed_experiments(
        model, scenarios=[point], policies=[Sample("four", **policy)]
    )
    frame = direct_frame({**point, **policy}, replicate_seed(4, 0))
    finals = frame.iloc[1:][OUTCOMES].tail(4).mean()
    for name in OUTCOMES:
        assert outcomes[name][0] == finals[name]
    np.testing.assert_array_equal(
        outcomes["practices_open_series"][0], frame["practices_open"].to_numpy(dtype=float)
    )
    np.testing.assert_array_equal(outcomes[ema.TIME][0], np.arange(QUARTERS + 1, dtype=float))
    assert experiments.loc[0, "policy"] == "four"


def test_replicates_are_reproducible_and_seeded_from_the_root_seed():
    model = small_model(replications=2, replicate_outcomes="all")
    scenarios = [
        {"need_growth_per_year": 0.01, "exit_profit_threshold_share": 0.6},
        {"need_growth_per_year": 0.02, "exit_profit_threshold_share": 0.3},
    ]
    first = ema.perform_gpfed_experiments(model, scenarios=scenarios, policies={INCENTIVE: 2.0})
    second = ema.perform_gpfed_experiments(model, scenarios=scenarios, policies={INCENTIVE: 2.0})
    assert set(first[1]) == {name + "_replicates" for name in OUTCOMES}
    for name in first[1]:
        assert first[1][name].shape == (2, 2)
        np.testing.assert_array_equal(first[1][name], second[1][name])
    # Replicate r is the direct run with replicate_seed(seed, r): the seed gpfed compare uses.
    for replicate in range(2):
        frame = direct_frame({**scenarios[1], INCENTIVE: 2.0}, replicate_seed(4, replicate))
        expected = frame.iloc[1:]["practices_open"].tail(4).mean()
        assert first[1]["practices_open_replicates"][1, replicate] == expected
    # The mean over replicates is what replicate_outcomes="mean" reports.
    mean_model = small_model(replications=2)
    _, means = ema.perform_gpfed_experiments(
        mean_model, scenarios=scenarios, policies={INCENTIVE: 2.0}
    )
    kept = first[1]["practices_open_replicates"]
    np.testing.assert_allclose(means["practices_open"], kept.mean(axis=1))
    frame = ema.results_frame(*first)
    np.testing.assert_allclose(frame["practices_open"], kept.mean(axis=1))


def test_per_scenario_seeds_depend_on_the_uncertainties_only():
    run = small_model(seeding="per_scenario").function
    scenario = {"need_growth_per_year": 0.01, "exit_profit_threshold_share": 0.6}
    seed = run.seed_for(0, {**scenario, INCENTIVE: 0.0})
    assert seed == run.seed_for(0, {**scenario, INCENTIVE: 9.0})
    assert seed == run.seed_for(0, {k: np.float64(v) for k, v in scenario.items()})
    assert seed != run.seed_for(1, scenario)
    assert seed != run.seed_for(0, {**scenario, "need_growth_per_year": 0.011})
    assert small_model(seeding="per_scenario", seed=5).function.seed_for(0, scenario) != seed


def test_a_named_scenario_can_be_a_lever():
    model = ema.gpfed_model(
        levers={"gpfed_scenario": ["status_quo", "nhs_confederation"]},
        outcomes=["share_practices_federated"],
        quarters=QUARTERS,
        fixed=SMALL,
    )
    # No uncertainties and several policies: EMA 3.0's own recorder stops here at the second
    # policy (gpfed.ema._Callback).
    policies = [Sample(name, gpfed_scenario=name) for name in ("status_quo", "nhs_confederation")]
    experiments, outcomes = ema.perform_gpfed_experiments(model, policies=policies)
    for index, name in enumerate(("status_quo", "nhs_confederation")):
        frame = GPFedModel(Params(name, **SMALL), rng=replicate_seed(0, 0)).run(QUARTERS).to_frame()
        expected = frame.iloc[1:]["share_practices_federated"].tail(4).mean()
        assert outcomes["share_practices_federated"][index] == expected
    assert list(experiments["policy"]) == ["status_quo", "nhs_confederation"]


def test_replicates_run_on_the_calibrated_behaviour_when_asked():
    from gpfed.scenarios import fitted_values

    model = ema.gpfed_model(
        uncertainties={"need_growth_per_year": (0.0, 0.03)},
        outcomes=["practices_open"],
        quarters=QUARTERS,
        fixed=SMALL,
        calibration="point",
    )
    assert model.function.behaviour == (fitted_values(),)
    _, outcomes = ema.perform_gpfed_experiments(model, scenarios={"need_growth_per_year": 0.02})
    values = {**fitted_values(), "need_growth_per_year": 0.02}
    frame = direct_frame(values, replicate_seed(0, 0))
    assert outcomes["practices_open"][0] == frame.iloc[1:]["practices_open"].tail(4).mean()


# --- refused before any run --------------------------------------------------------------------


@pytest.fixture
def no_runs(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a gpfed run started")

    monkeypatch.setattr(ema, "run_series", fail)


def test_an_out_of_range_sample_is_refused_before_any_run(no_runs):
    model = ema.gpfed_model(
        uncertainties=["federation_reconsider_share"], quarters=QUARTERS, fixed=SMALL
    )
    scenarios = [
        {"federation_reconsider_share": np.float64(0.2)},
        {"federation_reconsider_share": np.float64(1.455)},
    ]
    with pytest.raises(ParameterError) as caught:
        ema.perform_gpfed_experiments(model, scenarios=scenarios)
    message = str(caught.value)
    assert message.startswith("federation_reconsider_share = 1.455")
    assert "allowed 0 to 1" in message
    assert "scenario 1" in message
    assert "\n" not in message
    with pytest.raises(ParameterError, match=r"federation_reconsider_share = 1\.455"):
        ema.check_experiments(model, pd.DataFrame({"federation_reconsider_share": [0.2, 1.455]}))


def test_a_bad_policy_is_named(no_runs):
    model = small_model()
    policies = [Sample("fine", **{INCENTIVE: 1.0}), Sample("lavish", **{INCENTIVE: 80.0})]
    with pytest.raises(ParameterError) as caught:
        ema.perform_gpfed_experiments(model, scenarios=2, policies=policies, sampling_seed=1)
    assert str(caught.value).startswith(f"{INCENTIVE} = 80.0")
    assert "allowed 0 to 50" in str(caught.value)
    assert "policy 'lavish'" in str(caught.value)


@pytest.mark.parametrize(
    ("scenarios", "expected"),
    [
        ([{"need_growth_per_year": 0.01, "no_such": 1}], "not one of model 'gpfed'"),
        ([{INCENTIVE: 1.0}], "not one of model 'gpfed'"),
        (
            [{"need_growth_per_year": 0.01}, {"exit_profit_threshold_share": 0.5}],
            "must give the same parameters",
        ),
        ([{"need_growth_per_year": "fast"}], "need_growth_per_year = 'fast'"),
    ],
)
def test_unknown_or_uneven_points_are_refused(no_runs, scenarios, expected):
    with pytest.raises(ParameterError, match=expected):
        ema.perform_gpfed_experiments(small_model(), scenarios=scenarios)


def test_pairings_that_break_a_rule_across_parameters_are_refused(no_runs):
    model = ema.gpfed_model(
        uncertainties={"n_trusts": (1, 400)}, levers=["trusts_per_practice"], fixed=SMALL
    )
    with pytest.raises(ParameterError, match="n_trusts = 100 exceeds n_practices = 60"):
        ema.check_experiments(
            model, [{"n_trusts": 3}, {"n_trusts": 100}], [{"trusts_per_practice": 2}]
        )
    with pytest.raises(ParameterError, match="trusts_per_practice = 3 exceeds n_trusts = 2"):
        ema.check_experiments(model, [{"n_trusts": 2}], [{"trusts_per_practice": 3}])


def test_numpy_scalars_in_range_are_accepted(no_runs):
    model = ema.gpfed_model(
        uncertainties=["need_growth_per_year", "exit_quarters", "pathway_lots"],
        levers=["gp_contract_regime"],
        fixed=SMALL,
    )
    ema.check_experiments(
        model,
        [
            {
                "need_growth_per_year": np.float64(0.02),
                "exit_quarters": np.int64(3),
                "pathway_lots": np.bool_(True),
            }
        ],
        [{"gp_contract_regime": np.str_("optional")}],
    )


def test_sampled_designs_stay_in_range_and_are_seeded(no_runs, monkeypatch):
    model = small_model()
    seen = []
    monkeypatch.setattr(ema, "check_experiments", lambda m, s, p: seen.append((list(s), list(p))))
    monkeypatch.setattr(ema.ema_workbench, "perform_experiments", lambda *a, **k: None)
    ema.perform_gpfed_experiments(model, scenarios=20, policies=3, sampling_seed=9)
    ema.perform_gpfed_experiments(model, scenarios=20, policies=3, sampling_seed=9)
    first, second = seen
    assert [dict(s) for s in first[0]] == [dict(s) for s in second[0]]
    values = [s["need_growth_per_year"] for s in first[0]]
    assert min(values) >= 0.0 and max(values) <= 0.03


# --- evaluators ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_sequential_and_multiprocessing_evaluators_give_identical_results():
    model = small_model(replications=2, seeding="per_scenario", series=["practices_open"])
    policies = [Sample("none", **{INCENTIVE: 0.0}), Sample("five", **{INCENTIVE: 5.0})]
    with SequentialEvaluator(model) as evaluator:
        sequential = ema.perform_gpfed_experiments(
            model, scenarios=4, policies=policies, evaluator=evaluator, sampling_seed=2
        )
    with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        parallel = ema.perform_gpfed_experiments(
            model, scenarios=4, policies=policies, evaluator=evaluator, sampling_seed=2
        )
    columns = ["need_growth_per_year", "exit_profit_threshold_share", INCENTIVE, "policy"]
    pd.testing.assert_frame_equal(sequential[0][columns], parallel[0][columns])
    assert set(sequential[1]) == set(parallel[1])
    for name, values in sequential[1].items():
        np.testing.assert_array_equal(values, parallel[1][name])
    assert len(sequential[0]) == 8


# --- PRIM and robustness -----------------------------------------------------------------------


def synthetic_results(n=400, seed=0):
    rng = np.random.default_rng(seed)
    experiments = pd.DataFrame(
        {
            "need_growth_per_year": rng.uniform(0, 0.03, n),
            "exit_profit_threshold_share": rng.uniform(0, 1, n),
            "gp_contract_regime": rng.choice(["gms", "optional"], n).astype(object),
            "scenario": np.arange(n),
            "policy": "None",
            "model": "gpfed",
        }
    )
    closures = (experiments["exit_profit_threshold_share"] > 0.7).to_numpy()
    practices = np.where(closures, 40.0, 58.0) + rng.normal(0, 0.5, n)
    return experiments, {"practices_open": practices}


def test_prim_finds_the_region_that_explains_the_cases_of_interest():
    experiments, outcomes = synthetic_results()
    found = ema.prim_boxes(experiments, outcomes, "practices_open", 50, above=False)
    assert len(found) >= 1
    first = found.stats.iloc[0]
    assert first["density"] >= 0.95 and first["coverage"] >= 0.8
    limits = found.limits[found.limits["box"] == 0].set_index("parameter")
    assert "exit_profit_threshold_share" in limits.index
    assert limits.loc["exit_profit_threshold_share", "low"] == pytest.approx(0.7, abs=0.05)
    assert found.cases_of_interest.sum() == (outcomes["practices_open"] < 50).sum()


def test_prim_can_look_at_one_policy():
    experiments, outcomes = synthetic_results()
    experiments["policy"] = np.where(np.arange(len(experiments)) % 2, "a", "b")
    found = ema.prim_boxes(experiments, outcomes, "practices_open", 50, above=False, policy="a")
    assert found.cases_of_interest.shape == (200,)
    assert found.stats.loc[0, "experiments"] <= 200
    with pytest.raises(ParameterError, match="policy = 'c': no such policy here"):
        ema.prim_boxes(experiments, outcomes, "practices_open", 50, policy="c")


def test_prim_refuses_a_threshold_with_nothing_to_explain():
    experiments, outcomes = synthetic_results()
    with pytest.raises(ParameterError, match="no experiment has practices_open below it"):
        ema.prim_boxes(experiments, outcomes, "practices_open", 0, above=False)
    with pytest.raises(ParameterError, match="no outcome 'closures'"):
        ema.prim_boxes(experiments, outcomes, "closures", 0)


def test_prim_on_a_tiny_gpfed_study():
    model = ema.gpfed_model(
        uncertainties={"exit_profit_threshold_share": (0.0, 1.5), "need_growth_per_year": None},
        outcomes=["practices_open"],
        quarters=QUARTERS,
        fixed=SMALL,
        seed=2,
    )
    experiments, outcomes = ema.perform_gpfed_experiments(model, scenarios=40, sampling_seed=5)
    threshold = float(np.quantile(outcomes["practices_open"], 0.25))
    found = ema.prim_boxes(experiments, outcomes, "practices_open", threshold, above=False)
    assert len(found) >= 1
    assert set(found.limits["parameter"]) <= {"exit_profit_threshold_share", "need_growth_per_year"}
    assert 0 < found.stats.loc[0, "coverage"] <= 1 and 0 < found.stats.loc[0, "density"] <= 1


def handmade_results():
    # Three scenarios, two policies; "spend" is better lower, "open" better higher.
    experiments = pd.DataFrame(
        {
            "need_growth_per_year": [0.0, 0.01, 0.02] * 2,
            INCENTIVE: [0.0] * 3 + [5.0] * 3,
            "scenario": [0, 1, 2] * 2,
            "policy": ["none"] * 3 + ["five"] * 3,
            "model": "gpfed",
        }
    )
    outcomes = {
        "practices_open": np.array([50.0, 45.0, 40.0, 52.0, 44.0, 43.0]),
        "commissioner_spend_per_capita_gbp": np.array([100.0, 101.0, 102.0, 104.0, 105.0, 106.0]),
    }
    return experiments, outcomes


def test_regret_is_the_shortfall_from_the_best_policy_in_each_scenario():
    experiments, outcomes = handmade_results()
    table = ema.regret(experiments, outcomes, "practices_open", "higher")
    assert list(table.columns) == ["none", "five"]
    np.testing.assert_array_equal(table["none"], [2.0, 0.0, 3.0])
    np.testing.assert_array_equal(table["five"], [0.0, 1.0, 0.0])
    spend = ema.regret(experiments, outcomes, "commissioner_spend_per_capita_gbp", "lower")
    np.testing.assert_array_equal(spend["five"], [4.0, 4.0, 4.0])


def test_robustness_table_has_a_row_per_policy_and_outcome():
    experiments, outcomes = handmade_results()
    table = ema.robustness_table(
        experiments,
        outcomes,
        {
            "practices_open": ema.Goal("higher", acceptable=44),
            "commissioner_spend_per_capita_gbp": "lower",
        },
    )
    assert table.shape == (4, 11)
    row = table.set_index(["policy", "outcome"]).loc[("none", "practices_open")]
    assert row["max_regret"] == 3.0 and row["mean_regret"] == pytest.approx(5 / 3)
    assert row["worst"] == 40.0 and row["satisficing_share"] == pytest.approx(2 / 3)
    assert row["best_share"] == pytest.approx(1 / 3)
    spend = table.set_index(["policy", "outcome"]).loc[
        ("five", "commissioner_spend_per_capita_gbp")
    ]
    assert spend["worst"] == 106.0 and np.isnan(spend["satisficing_share"])


def test_robustness_needs_every_policy_in_every_scenario():
    experiments, outcomes = handmade_results()
    short = experiments.iloc[:5]
    with pytest.raises(ParameterError, match="policy 'five' has no result in scenario 2"):
        ema.robustness_table(
            short, {k: v[:5] for k, v in outcomes.items()}, {"practices_open": "higher"}
        )
    with pytest.raises(ParameterError, match="better = 'more'"):
        ema.robustness_table(experiments, outcomes, {"practices_open": "more"})


def test_robustness_table_on_a_small_gpfed_study():
    model = small_model()
    policies = [Sample("none", **{INCENTIVE: 0.0}), Sample("ten", **{INCENTIVE: 10.0})]
    experiments, outcomes = ema.perform_gpfed_experiments(
        model, scenarios=3, policies=policies, sampling_seed=1
    )
    table = ema.robustness_table(
        experiments, outcomes, {"practices_open": "higher", "share_practices_federated": "higher"}
    )
    assert table.shape[0] == 4
    assert set(table["policy"]) == {"none", "ten"}
    assert (table["max_regret"] >= 0).all()
    frame = ema.results_frame(experiments, outcomes)
    assert set(OUTCOMES) <= set(frame.columns) and len(frame) == 6
