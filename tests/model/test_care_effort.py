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

    @property
    def effort(self) -> float:
        """List-weighted mean effort of covered practices over their covered quarters."""
        return float(self.effort_patients.sum() / max(self.patient_quarters.sum(), 1.0))

    def per_1000(self, kind: str, rows: np.ndarray) -> float:
        """Admissions of ``kind`` per 1,000 patients a year of practices ``rows`` while covered."""
        return float(1000 * 4 * getattr(self, kind)[rows].sum() / self.patient_quarters[rows].sum())


def covered(model: GPFedModel, quarters: int = QUARTERS) -> Covered:
    """Run ``model`` and total what each practice did in the quarters it was covered."""
    n = len(model.practice_state.list_size)
    totals = Covered(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n))
    for _ in range(quarters):
        model.step()
        state = model.practice_state
        rows = (model.contracts.coverage >= 0) & state.is_open
        lists = np.where(rows, state.list_size, 0).astype(float)
        totals.effort_patients += state.care_effort * lists
        totals.patient_quarters += lists
        totals.emergency += np.where(rows, state.emergency_admissions, 0)
        totals.elective += np.where(rows, state.elective_admissions, 0)
    return totals


def paired_rates(on: list[Covered], off: list[Covered], kind: str) -> tuple[list, list]:
    """Admission rates seed by seed, over the practices covered in both runs of the seed (so
    the same patients are compared)."""
    rates_on, rates_off = [], []
    for a, b in zip(on, off, strict=True):
        both = (a.patient_quarters > 0) & (b.patient_quarters > 0)
        rates_on.append(a.per_1000(kind, both))
        rates_off.append(b.per_1000(kind, both))
    return rates_on, rates_off


def model(seed: int, **levers) -> GPFedModel:
    return GPFedModel(
        rng=seed,
        n_practices=PRACTICES,
        agent_table_every=0,
        gp_contract_regime="mandatory",
        **levers,
    )


def runs(**levers) -> list[Covered]:
    return [covered(model(seed, **levers)) for seed in SEEDS]


def test_effort_and_fewer_admissions_appear_only_when_the_holder_bears_hospital_costs():
    bears = runs(**BEARS_COSTS)
    # Shares of nothing: the commissioner takes every pound of the variance back.
    passes_on = runs(
        **BEARS_COSTS, risk_sharing="shares", provider_gain_share=0.0, provider_loss_share=0.0
    )
    assert all(r.effort == 0.0 for r in passes_on)
    assert np.mean([r.effort for r in bears]) > 0.1
    for kind in ("elective", "emergency"):
        with_effort, without = paired_rates(bears, passes_on, kind)
        assert_paired_increase(with_effort, without)
    # Bounded by the evidence: a few percent of emergency admissions at most.
    with_effort, without = paired_rates(bears, passes_on, "emergency")
    cut = 1 - np.mean(with_effort) / np.mean(without)
    assert 0.003 < cut < 0.04, cut


def test_keeping_only_part_of_the_saving_buys_less_effort():
    def shares(gain: float) -> list[float]:
        return [
            r.effort
            for r in runs(
                **BEARS_COSTS,
                risk_sharing="shares",
                provider_gain_share=gain,
                provider_loss_share=gain,
                loss_share_glide_quarters=0,
            )
        ]

    assert_paired_increase(shares(0.3), shares(1.0))


def test_outcome_payments_raise_effort():
    def with_outcome_share(share: float) -> list[float]:
        return [r.effort for r in runs(outcome_payment_share=share)]

    assert_paired_increase(with_outcome_share(0.0), with_outcome_share(0.1))


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
