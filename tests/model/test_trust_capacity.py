"""Trusts plan capacity by what they are paid for; the regulator steps in on deficits.

Paired by seed over the default region for ten years: nothing here sets capacity or activity,
both follow from the payment rules through ``Trust.plan_capacity``.
"""

import numpy as np

from gpfed import GPFedModel

SEEDS = range(4)
TEN_YEARS = 40


def ten_years(seed: int, **levers) -> GPFedModel:
    return GPFedModel(rng=seed, agent_table_every=0, **levers).run(TEN_YEARS)


def capacity_change(model: GPFedModel) -> float:
    series = model.to_frame()["trust_capacity"]
    return float(series.iloc[-1] / series.iloc[0] - 1.0)


def test_capacity_grows_under_pbr_and_shrinks_under_a_block_over_ten_years():
    for seed in SEEDS:
        pbr = capacity_change(ten_years(seed, hospital_payment="pbr"))
        block = capacity_change(ten_years(seed, hospital_payment="block"))
        # Demand grows about 2.3% a year; PbR pays for most of it, a block for none.
        assert pbr > 0.05, pbr
        assert block < -0.02, block


def test_pbr_pull_on_emergency_admissions_lasts_only_where_growth_is_paid_in_full():
    """With MRET (30% of tariff above the baseline) trusts do not build for growth: their spare
    capacity runs out and PbR's pull fades; paid in full, they invest and the pull lasts."""

    def block_gap(mret: float) -> float:
        gaps = []
        for seed in SEEDS:
            runs = [
                ten_years(seed, hospital_payment=p, mret_marginal_rate=mret)
                for p in ("pbr", "block")
            ]
            last = [r.to_frame()["emergency_admissions_per_1000"].iloc[-4:].mean() for r in runs]
            gaps.append(last[1] / last[0] - 1.0)
        return float(np.mean(gaps))

    full, marginal = block_gap(1.0), block_gap(0.3)
    assert full < -0.01, full
    assert abs(marginal) < 0.005, marginal


def intervention_quarters(**levers) -> int:
    """Trust-quarters under intervention over ten years, summed over the seeds."""
    return sum(
        int(ten_years(s, n_practices=120, **levers).to_frame()["trusts_under_intervention"].sum())
        for s in SEEDS
    )


def test_trusts_paid_less_than_their_costs_for_years_come_under_intervention():
    # Demand grows about 2.3% a year under a fixed block: trusts run deficits year after year.
    block = intervention_quarters(hospital_payment="block")
    # Paid in full per episode with no growth, trusts break even on average: deficits are chance.
    paid = intervention_quarters(
        hospital_payment="pbr",
        mret_marginal_rate=1.0,
        need_growth_per_year=0.0,
        registered_population_growth_per_year=0.0,
    )
    assert block >= 3 * max(paid, 1), (block, paid)
