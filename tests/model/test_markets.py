"""Commissioners and bidders decide: consequences that follow from their rules, not coded.

Each test runs seeds of a region under mandatory tendering and looks at what the market did:
who bid in what form, how many contracts were let, how much of the population they covered.
"""

from typing import ClassVar

import numpy as np

from gpfed import GPFedModel
from gpfed.agents import Commissioner
from tests.model.test_integrated_mechanisms import assert_paired_increase

SEEDS = range(6)
QUARTERS = 24
MANY_PROCUREMENTS = {"procurements_at_once": 50, "procurement_quarters": 1}
"""Every lot procured as soon as it is worth it: for tests of bidders rather than procurement."""
VOLATILE = {
    "risk_sharing": "shares",
    "loss_share_glide_quarters": 0,
    "holder_cost_sd": 0.06,
    "stop_loss_share_of_budget": 1.0,
}
"""Costs that miss budget by 6% a quarter (SD) and a holder that bears its share from the start."""


def run(seed: int, quarters: int = QUARTERS, **levers) -> GPFedModel:
    return GPFedModel(
        rng=seed,
        n_practices=300,
        agent_table_every=0,
        gp_contract_regime="mandatory",
        **levers,
    ).run(quarters)


def bids(model: GPFedModel, holder: str) -> float:
    return float(model.market.bids_by_holder[holder])


def test_more_provider_risk_means_fewer_federations_bidding_alone_and_more_alliances():
    def market(share: float) -> list[GPFedModel]:
        terms = {"provider_gain_share": share, "provider_loss_share": share}
        return [run(s, **MANY_PROCUREMENTS, **VOLATILE, **terms) for s in SEEDS]

    low, high = market(0.25), market(1.0)
    # Small federations cannot carry a worst-case year alone and ask their trust to ally.
    assert_paired_increase(
        [bids(m, "federation") for m in high], [bids(m, "federation") for m in low]
    )
    assert_paired_increase(
        [bids(m, "alliance") for m in low], [bids(m, "alliance") for m in high], min_share=0.6
    )
    assert sum(bids(m, "federation") for m in high) <= 0.5 * sum(bids(m, "federation") for m in low)


def test_a_stop_loss_brings_federations_back_to_bidding_alone():
    def market(stop_loss: float) -> list[float]:
        terms = {**VOLATILE, "stop_loss_share_of_budget": stop_loss}
        return [
            bids(
                run(
                    s,
                    provider_gain_share=1.0,
                    provider_loss_share=1.0,
                    **MANY_PROCUREMENTS,
                    **terms,
                ),
                "federation",
            )
            for s in SEEDS
        ]

    assert_paired_increase(market(1.0), market(0.01), min_share=0.6)


class RecordingCommissioner(Commissioner):
    """A commissioner that keeps every tender's bids (the decision itself is unchanged)."""

    tenders: ClassVar[list] = []

    @classmethod
    def award(cls, bids, judged_quality, reserve_gbp_per_quarter, levers, rng):
        cls.tenders.append(list(bids))
        return super().award(bids, judged_quality, reserve_gbp_per_quarter, levers, rng)


def test_no_bidder_competes_against_itself():
    RecordingCommissioner.tenders = []
    for seed in SEEDS[:3]:
        GPFedModel(
            rng=seed,
            n_practices=300,
            agent_table_every=0,
            gp_contract_regime="mandatory",
            outside_entrants=True,
            commissioner_class=RecordingCommissioner,
            **MANY_PROCUREMENTS,
        ).run(QUARTERS)
    tenders = RecordingCommissioner.tenders
    assert sum(len(t) >= 2 for t in tenders) >= 3, "too few contested tenders to judge"
    for tender in tenders:
        accounts = [b.account for b in tender]
        assert len(accounts) == len(set(accounts)), tender
        trusts = [b.trust for b in tender if b.trust is not None]
        assert len(trusts) == len(set(trusts)), tender
        federations = [b.federation for b in tender if b.federation is not None]
        assert len(federations) == len(set(federations)), tender


def tendered_share(model: GPFedModel) -> float:
    return float(model.to_frame()["integrated_population_share"].max())


def test_the_population_under_tendered_contracts_is_bounded_by_procurement_capacity():
    quarters = 20
    one = [run(s, quarters, procurements_at_once=1) for s in SEEDS]
    for model in one:
        # One procurement at a time, five quarters each: at most four decided per commissioner.
        per_area = np.bincount(
            model.contracts_frame()["area"].to_numpy(dtype=int),
            minlength=len(model.accounts.commissioner),
        )
        assert per_area.max() <= quarters // model.levers.procurement_quarters
        assert model.market.completed.max() <= quarters // model.levers.procurement_quarters
    many = [run(s, quarters, procurements_at_once=10) for s in SEEDS]
    assert_paired_increase([tendered_share(m) for m in one], [tendered_share(m) for m in many])


def test_commissioners_do_not_procure_what_costs_more_than_it_saves():
    for seed in SEEDS[:2]:
        frame = run(seed, procurement_cost_gbp=1e8).to_frame()
        assert frame["tenders_started"].sum() == 0
        assert frame["contract_awards"].sum() == 0


def test_a_procurement_is_decided_after_its_duration():
    frame = run(0, 16).to_frame()
    started = frame.index[frame["tenders_started"] > 0]
    decided = frame.index[frame["tenders_decided"] > 0]
    assert len(started) and len(decided)
    assert decided.min() - started.min() == 5
