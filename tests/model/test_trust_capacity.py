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
    capacity wears away and PbR's pull fades; paid in full, they invest and the pull lasts."""

    def block_gap(mret: float, quarters: slice) -> float:
        gaps = []
        for seed in SEEDS:
            runs = [
                ten_years(seed, hospital_payment=p, mret_marginal_rate=mret)
                for p in ("pbr", "block")
            ]
            rates = [r.to_frame()["emergency_admissions_per_1000"].iloc[quarters] for r in runs]
            gaps.append(rates[1].mean() / rates[0].mean() - 1.0)
        return float(np.mean(gaps))

    first_year, last_year = slice(1, 5), slice(-4, None)
    for mret, kept in ((1.0, "most"), (0.3, "less than half")):
        start, end = block_gap(mret, first_year), block_gap(mret, last_year)
        assert start < -0.03, (mret, start)  # a block draws in less than PbR from the start
        if kept == "most":
            assert end / start > 0.6, (mret, start, end)
        else:
            assert end / start < 0.5, (mret, start, end)


def intervention_quarters(**levers) -> tuple[int, int]:
    """Trust-quarters under intervention in each half of ten years, summed over the seeds."""
    halves = np.zeros(2, dtype=int)
    for seed in SEEDS:
        series = ten_years(seed, n_practices=120, **levers).to_frame()["trusts_under_intervention"]
        halves += [int(series.iloc[1:21].sum()), int(series.iloc[21:].sum())]
    return int(halves[0]), int(halves[1])


def test_trusts_paid_less_than_their_costs_for_years_come_under_intervention():
    # Demand grows under a fixed block: once growth has outrun it (the block first overpays, as
    # the induced demand it was set on goes), trusts run deficits year after year.
    block_first, block_second = intervention_quarters(hospital_payment="block")
    # Paid in full per episode with no growth, trusts break even on average: deficits are chance.
    _, paid_second = intervention_quarters(
        hospital_payment="pbr",
        mret_marginal_rate=1.0,
        need_growth_per_year=0.0,
        registered_population_growth_per_year=0.0,
    )
    assert block_second > block_first, (block_first, block_second)
    assert block_second >= 2 * max(paid_second, 1), (block_second, paid_second)
