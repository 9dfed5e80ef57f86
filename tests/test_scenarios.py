"""Every named policy scenario builds, runs and conserves money; the CLI lists them all."""

import subprocess
import sys

import pytest

from gpfed import GPFedModel, Params, all_scenarios
from gpfed.calibration.fit import england_world
from gpfed.compare import all_scenario_names
from gpfed.scenarios import get_scenario
from tests.model.test_conservation import run_checking

NAMES = [s.name for s in all_scenarios()]


def test_the_policy_scenarios_are_registered():
    assert set(NAMES) >= {
        "status_quo",
        "nhs_confederation",
        "kings_fund_2011",
        "kings_fund_2014",
        "competitive_commissioning",
        "trust_led_ico",
        "commissioner_provider_merger",
    }
    assert len(NAMES) == len(set(NAMES))


@pytest.mark.parametrize("name", NAMES)
def test_scenario_has_a_title_and_a_source(name):
    scenario = get_scenario(name)
    assert scenario.title.strip() and scenario.source.strip()
    assert scenario.carried_by.strip(), "say which levers and behaviours carry it"
    assert scenario.name == name


@pytest.mark.parametrize("name", NAMES)
def test_scenario_builds_runs_and_conserves_money(name):
    params = Params(name)
    assert params.scenario == name
    # England-scale scenarios run as a scaled-down England (areas and trusts in proportion).
    world = england_world(100) if params.preset == "england" else {"n_practices": 100}
    model = GPFedModel(name, rng=1, agent_table_every=0, **world)
    # 12 quarters: 2013Q2 to 2016Q1, past the 2015Q2 start of the scenarios' policy changes.
    run_checking(model, 12)  # every quarter: money and patients conserved
    assert model.ledger.total_pence() == 0
    frame = model.to_frame()
    assert len(frame) == 13
    assert frame["practices_open"].iloc[-1] > 0
    if model.levers.gp_contract_regime != "gms":
        # A procurement takes five quarters from notice to award; an opt-in is let at once.
        started = frame["tenders_started"].sum() + frame["contract_awards"].sum()
        assert started > 0, "the policy change should start procurements or let contracts"


@pytest.mark.slow
def test_cli_lists_every_scenario():
    result = subprocess.run(
        [sys.executable, "-m", "gpfed.cli", "scenarios"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for scenario in all_scenarios():
        assert scenario.name in result.stdout
        assert scenario.source in result.stdout


def test_england_2013_is_historical_and_holds_the_policy_timeline():
    scenario = get_scenario("england_2013")
    assert not scenario.policy and "england_2013" not in all_scenario_names()
    params = Params("england_2013")
    assert params.preset == "england" and (params.start_year, params.start_quarter) == (2013, 2)
    timeline = params.timeline()
    # Steps count quarters from 2013Q2: 4 is 2014Q2, 24 is 2019Q2.
    at = {step: timeline.at(step) for step in (0, 4, 8, 12, 20, 24)}
    assert at[0].mpig_phase_out_rate_per_year == 0 and at[4].mpig_phase_out_rate_per_year == 1 / 7
    assert at[0].seniority_cut_rate_per_year == 0 and at[4].seniority_cut_rate_per_year == 0.15
    assert [at[s].global_sum_gbp_per_weighted_patient for s in (0, 4, 8, 12, 20)] == [
        66.25,
        73.56,
        75.77,
        80.59,
        88.96,
    ]
    assert at[20].federation_incentive_gbp_per_patient_per_year == 0
    assert at[24].federation_incentive_gbp_per_patient_per_year == pytest.approx(3.261)


def test_compare_all_means_the_policy_scenarios():
    assert all_scenario_names() == [s.name for s in all_scenarios() if s.policy]
