"""Every named policy scenario builds, runs and conserves money; the CLI lists them all."""

import subprocess
import sys

import pytest

from gpfed import GPFedModel, Params, all_scenarios
from gpfed.scenarios import get
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
    scenario = get(name)
    assert scenario.title.strip() and scenario.source.strip()
    assert scenario.name == name


@pytest.mark.parametrize("name", NAMES)
def test_scenario_builds_runs_and_conserves_money(name):
    params = Params(name)
    assert params.scenario == name
    model = GPFedModel(name, rng=1, n_practices=100, agent_table_every=0)
    # 12 quarters: 2013Q2 to 2016Q1, past the 2015Q2 start of the scenarios' policy changes.
    run_checking(model, 12)  # every quarter: money and patients conserved
    assert model.ledger.total_pence() == 0
    frame = model.to_frame()
    assert len(frame) == 13
    assert frame["practices_open"].iloc[-1] > 0
    if model.levers.gp_contract_regime != "gms":
        assert frame["contract_awards"].sum() > 0, "the policy change should let contracts"


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
