"""Care effort and what it does, over seeds: effects that follow from incentives, not set.

Each test runs the same seeds with one incentive on and off, under mandatory integrated-care
tenders, and follows the practices under contracts quarter by quarter: their care-management
effort (list-weighted) and their emergency and elective admissions per 1,000 patients a year.
"""

from dataclasses import dataclass

import networkx as nx
import numpy as np

from gpfed import GPFedModel
from tests.model.test_integrated_mechanisms import assert_paired_increase

SEEDS = range(10)
QUARTERS = 24
PRACTICES = 300
FREE_PROCUREMENT = {
    "procurements_at_once": 50,
    "procurement_quarters": 1,
    "trusts_may_bid": False,
    "alliances_may_bid": False,
}
"""Commissioners procure every lot at once in a quarter and only federations bid: these tests
are about what contract terms do to members' effort, so they want as many practices covered by
their own federation as the market lets, not procurement's limits or trusts' wins."""
BEARS_COSTS = {"federation_sharing_rule": "performance", "outcome_payment_share": 0.0}
"""Members paid their own saving; the default corridor leaves the holder every pound near
budget; no outcome pay, so hospital savings are the only reason for effort."""


@dataclass
class Covered:
    """What each practice did while under a contract, totalled over the run."""

    effort_patients: np.ndarray
    patient_quarters: np.ndarray
    emergency: np.ndarray
    elective: np.ndarray
    run_patient_quarters: np.ndarray
    run_emergency: np.ndarray
    run_elective: np.ndarray

    @property
    def effort(self) -> float:
        """List-weighted mean effort of covered practices over their covered quarters."""
        return float(self.effort_patients.sum() / max(self.patient_quarters.sum(), 1.0))

    def per_1000(self, kind: str, rows: np.ndarray) -> float:
        """Admissions of ``kind`` per 1,000 patients a year of practices ``rows`` over the run."""
        admissions = getattr(self, f"run_{kind}")[rows].sum()
        return float(1000 * 4 * admissions / self.run_patient_quarters[rows].sum())


def held_by_own_federation(model: GPFedModel) -> np.ndarray:
    """Practices covered by a contract their own federation holds (alone or allied)."""
    state, book = model.practice_state, model.contracts
    holder = np.array(
        [-1 if c.federation is None else c.federation for c in book.contracts.values()] or [-1]
    )
    covered = book.coverage >= 0
    own = np.zeros(len(covered), dtype=bool)
    own[covered] = holder[book.coverage[covered]] == state.federation[covered]
    return own & state.is_open


def covered(model: GPFedModel, quarters: int = QUARTERS) -> Covered:
    """Run ``model`` and total what each practice did in the quarters it was covered by a
    contract its own federation holds (where the contract's incentives reach it)."""
    n = len(model.practice_state.list_size)
    totals = Covered(*(np.zeros(n) for _ in range(7)))
    for _ in range(quarters):
        model.step()
        state = model.practice_state
        open_lists = np.where(state.is_open, state.list_size, 0).astype(float)
        totals.run_patient_quarters += open_lists
        totals.run_emergency += np.where(state.is_open, state.emergency_admissions, 0)
        totals.run_elective += np.where(state.is_open, state.elective_admissions, 0)
        rows = held_by_own_federation(model)
        lists = np.where(rows, state.list_size, 0).astype(float)
        totals.effort_patients += state.care_effort * lists
        totals.patient_quarters += lists
        totals.emergency += np.where(rows, state.emergency_admissions, 0)
        totals.elective += np.where(rows, state.elective_admissions, 0)
    return totals


def paired_rates(on: list[Covered], off: list[Covered], kind: str) -> tuple[list, list]:
    """Admission rates over the run, seed by seed, of the practices covered in the ``on`` run
    and open through both runs (the same patients in both, covered or not in ``off``)."""
    rates_on, rates_off = [], []
    for a, b in zip(on, off, strict=True):
        rows = (a.patient_quarters > 0) & (a.run_patient_quarters > 0)
        rows &= b.run_patient_quarters > 0
        rates_on.append(a.per_1000(kind, rows))
        rates_off.append(b.per_1000(kind, rows))
    return rates_on, rates_off


def where_covered_in_both(low: list[Covered], high: list[Covered]) -> tuple[list, list]:
    """Efforts seed by seed, for the seeds where both runs let contracts to federations."""
    pairs = [
        (a.effort, b.effort)
        for a, b in zip(low, high, strict=True)
        if a.patient_quarters.sum() > 0 and b.patient_quarters.sum() > 0
    ]
    assert len(pairs) >= len(low) // 2, "too few seeds let contracts in both runs"
    return [a for a, _ in pairs], [b for _, b in pairs]


def model(seed: int, **levers) -> GPFedModel:
    return GPFedModel(
        rng=seed,
        n_practices=PRACTICES,
        agent_table_every=0,
        gp_contract_regime="mandatory",
        **(FREE_PROCUREMENT | levers),
    )


def runs(**levers) -> list[Covered]:
    return [covered(model(seed, **levers)) for seed in SEEDS]


def test_effort_and_fewer_admissions_appear_only_when_the_holder_bears_hospital_costs():
    bears = runs(**BEARS_COSTS)
    # Shares of nothing: the commissioner takes every pound of the variance back.
    passes_on = runs(
        **BEARS_COSTS, risk_sharing="shares", provider_gain_share=0.0, provider_loss_share=0.0
    )
    # Nobody keeps a saving: no effort (and, without one to expect, hardly a bid below budget).
    assert all(r.effort == 0.0 for r in passes_on)
    assert np.mean([r.effort for r in bears]) > 0.1
    for kind in ("elective", "emergency"):
        with_effort, without = paired_rates(bears, passes_on, kind)
        assert_paired_increase(with_effort, without)
    # Bounded by the evidence: a few percent of emergency admissions at most (over the run,
    # covered quarters and not).
    with_effort, without = paired_rates(bears, passes_on, "emergency")
    cut = 1 - np.mean(with_effort) / np.mean(without)
    assert 0.001 < cut < 0.04, cut


def test_keeping_only_part_of_the_saving_buys_less_effort():
    def shares(gain: float) -> list[Covered]:
        return runs(
            **BEARS_COSTS,
            risk_sharing="shares",
            provider_gain_share=gain,
            provider_loss_share=gain,
            loss_share_glide_quarters=0,
        )

    assert_paired_increase(*where_covered_in_both(shares(0.3), shares(1.0)))


def test_outcome_payments_raise_effort():
    # Where contracts are let: a high outcome share also deters bidders who do not expect to
    # meet the target (they price in the pay they would miss), so some seeds let none.
    low, high = runs(outcome_payment_share=0.0), runs(outcome_payment_share=0.1)
    assert_paired_increase(*where_covered_in_both(low, high))


def federate_each_area(m: GPFedModel) -> list[int]:
    """Put every connected group of an area's practices into one federation; return sizes."""
    graph = nx.Graph()
    edges = np.column_stack(m.practice_edges)
    graph.add_nodes_from(range(len(m.practice_state.list_size)))
    same_area = m.practice_state.area[edges[:, 0]] == m.practice_state.area[edges[:, 1]]
    graph.add_edges_from(edges[same_area].tolist())
    sizes = []
    for part in nx.connected_components(graph):
        if len(part) >= 2:
            m.federation_class(m, sorted(part))
            sizes.append(len(part))
    return sizes


def test_equal_sharing_in_large_federations_dilutes_effort_against_sharing_by_performance():
    def efforts(rule: str) -> list[float]:
        result = []
        for seed in SEEDS:
            m = model(
                seed,
                federation_sharing_rule=rule,
                outcome_payment_share=0.0,
                federation_reconsider_share=0.0,
                federation_leave_quarters=40,
            )
            sizes = federate_each_area(m)
            assert np.mean(sizes) >= 20, sizes
            result.append(covered(m).effort)
        return result

    equal, performance = efforts("equal"), efforts("performance")
    assert_paired_increase(equal, performance)
    # Free riding: a twentieth of the saving pays for little or no effort.
    assert np.mean(equal) < 0.25 * np.mean(performance)
