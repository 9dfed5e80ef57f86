"""The optional contract as the practices' choice, paired by seed: risk keeps them out, losses
send them back (tests.model.test_integrated_mechanisms.assert_paired_increase)."""

from gpfed import GPFedModel
from tests.model.test_integrated_mechanisms import assert_paired_increase

SEEDS = range(6)
QUARTERS = 20


def run(seed: int, **levers) -> GPFedModel:
    return GPFedModel(
        rng=seed,
        n_practices=150,
        agent_table_every=0,
        gp_contract_regime="optional",
        **levers,
    ).run(QUARTERS)


def covered(model: GPFedModel) -> float:
    return float(model.to_frame()["integrated_population_share"].iloc[-4:].mean())


def handbacks(model: GPFedModel) -> float:
    return float(model.to_frame()["contract_handbacks"].iloc[1:].sum())


def test_members_opt_in_less_when_they_would_keep_more_risk():
    # Risk-neutral members opt in whatever the terms; averse ones stay out of risky contracts.
    neutral = [covered(run(s, opt_in_risk_aversion=0.0, holder_cost_sd=0.08)) for s in SEEDS]
    averse = [covered(run(s, opt_in_risk_aversion=0.5, holder_cost_sd=0.08)) for s in SEEDS]
    assert_paired_increase(averse, neutral)
    assert max(averse) == 0.0


def test_members_use_the_right_of_return_when_the_contract_keeps_losing():
    volatile = {"opt_in_risk_aversion": 0.0, "holder_cost_sd": 0.1}
    patient = [handbacks(run(s, right_of_return_quarters=40, **volatile)) for s in SEEDS]
    quick = [handbacks(run(s, right_of_return_quarters=2, **volatile)) for s in SEEDS]
    assert_paired_increase(patient, quick)
