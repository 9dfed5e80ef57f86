"""Lots: the localities a commissioner tenders and the lots it offers each tender round.

Localities are fixed at the start: each area split by k-means on position into groups of about
``locality_population`` patients (:func:`assign_localities`). Each round, under the optional
regime, a large enough federation without a contract offers its members as a population lot
(:func:`optional_lots`); under the mandatory and competitive regimes each locality's uncovered
practices form a population lot, then each area's a diabetes pathway lot (:func:`tendered_lots`).
A lot carries what the commissioner spends now on the care it covers: its baseline and budget.
Bidding is the bidders' decision (:mod:`gpfed.agents`); scoring and award are in
:mod:`gpfed.institutions.tender`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpfed.institutions.contract_terms import diabetes_attributable_share
from gpfed.parameters import Levers
from gpfed.world.arrays import compact_keys
from gpfed.world.state import PracticeState
from gpfed.world.units import NO_CONTRACT, QUARTERS_PER_YEAR

ExpectedActivity = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Expected admissions a quarter per practice: emergency and elective as paid for now, and
emergency once capitated (no supply-induced demand), the outcome baseline of a population lot so
that dropping induced demand alone does not earn the outcome payment."""

K_MEANS_ROUNDS = 12
"""Lloyd iterations of the locality k-means: a fixed number keeps the localities deterministic."""


@dataclass(frozen=True)
class Lot:
    """A lot on offer.

    Attributes:
        kind: ``"population"`` or ``"diabetes"``.
        area: the commissioner letting it.
        practices: practices covered.
        baseline_gbp_per_quarter: what the commissioner spends on the covered care now.
        emergency_share: share of that baseline spent on emergency admissions.
        expected_emergency: covered emergency admissions expected a quarter without integration
            (the outcome target's baseline).
        federation: unique id of the opting-in federation (optional regime), else None.
        elective_share: share of the baseline spent on elective admissions.
    """

    kind: str
    area: int
    practices: np.ndarray
    baseline_gbp_per_quarter: float
    emergency_share: float
    expected_emergency: float
    federation: int | None = None
    elective_share: float = 0.0

    def reserve_gbp_per_quarter(self, levers: Levers) -> float:
        """The budget and reserve price: baseline less the savings target."""
        return self.baseline_gbp_per_quarter * (1.0 - levers.savings_target)


def assign_localities(
    xy_km: np.ndarray, area: np.ndarray, lists: np.ndarray, target_population: int
) -> np.ndarray:
    """Split each area into localities of about ``target_population`` by k-means on position.

    Deterministic: centres start at practices spread along the area's first coordinate.
    """
    locality = np.zeros(len(area), dtype=np.int64)
    next_id = 0
    for a in np.unique(area):
        members = np.flatnonzero(area == a)
        k = int(max(1, min(len(members), round(lists[members].sum() / target_population))))
        points = xy_km[members]
        order = np.argsort(points[:, 0], kind="stable")
        centres = points[order[(np.arange(k) * len(members)) // k]].astype(float)
        labels = np.zeros(len(members), dtype=np.int64)
        for _ in range(K_MEANS_ROUNDS):
            labels = np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
            # Each centre moves to the mean of its points; an empty one stays put. The sums add
            # the points in order, as the mean of each cluster's rows would.
            counts = np.bincount(labels, minlength=k)
            sums = np.stack(
                [np.bincount(labels, weights=points[:, d], minlength=k) for d in range(2)], axis=1
            )
            found = counts > 0
            centres[found] = sums[found] / counts[found, None]
        _, dense = np.unique(labels, return_inverse=True)
        locality[members] = next_id + dense
        next_id += int(dense.max()) + 1
    return locality


def lot_baseline_per_head(
    state: PracticeState, expected: ExpectedActivity, levers: Levers
) -> tuple[float, float]:
    """Spend per patient a quarter on what a population lot covers, and its emergency share."""
    emergency, elective, _ = expected
    hospital_e = float((emergency * levers.emergency_tariff_gbp).sum())
    hospital_el = float((elective * levers.elective_tariff_gbp).sum())
    population = float((state.list_size * state.is_open).sum())
    community = levers.community_services_gbp_per_head_per_year / QUARTERS_PER_YEAR * population
    total = hospital_e + hospital_el + community
    return total / population, emergency_share_of(hospital_e, total)


def main_trusts(state: PracticeState, n_trusts: int, lots: list[Lot]) -> np.ndarray:
    """The trust most of each lot's patients are referred to (patients weighted by share).

    One bincount over (lot, trust) cells adds each cell's terms in the same order as a bincount
    per lot would, so the sums (and ties) are the same.
    """
    practices = np.concatenate([lot.practices for lot in lots])
    lot_of = np.repeat(np.arange(len(lots)), [len(lot.practices) for lot in lots])
    cells = lot_of[:, None] * n_trusts + state.referral_trust[practices]
    referred = np.bincount(
        cells.ravel(),
        weights=(state.list_size[practices, None] * state.referral_share[practices]).ravel(),
        minlength=len(lots) * n_trusts,
    )
    return np.argmax(referred.reshape(len(lots), n_trusts), axis=1)


def lots_of(
    state: PracticeState,
    levers: Levers,
    kind: str,
    groups: list[np.ndarray],
    expected: ExpectedActivity,
    federations: list[int] | None = None,
) -> list[Lot]:
    """A lot of ``kind`` for each group of practices (offered by ``federations``, if given).

    Per-practice terms are gathered once for all the lots; each lot sums its own slice, which
    numpy sums exactly as it would a copy of it.
    """
    if not groups:
        return []
    emergency, elective, capitated = expected
    practices = np.concatenate(groups)
    lists = state.list_size[practices].astype(float)
    if kind == "population":
        covered_emergency = emergency[practices]
        target = capitated[practices]
        hospital_elective = elective[practices] * levers.elective_tariff_gbp
        other_rate = levers.community_services_gbp_per_head_per_year / QUARTERS_PER_YEAR
        other_base = lists
    else:
        covered_emergency = emergency[practices] * diabetes_attributable_share(
            state, levers, practices
        )
        target = covered_emergency
        hospital_elective = None
        other_rate = levers.diabetes_care_gbp_per_diabetic_per_year / QUARTERS_PER_YEAR
        other_base = lists * state.diabetes_prevalence[practices]
    areas = state.area[practices].tolist()
    lots, start = [], 0
    for k, group in enumerate(groups):
        end = start + len(group)
        hospital_e = float(covered_emergency[start:end].sum() * levers.emergency_tariff_gbp)
        hospital_el = (
            0.0 if hospital_elective is None else float(hospital_elective[start:end].sum())
        )
        total = hospital_e + hospital_el + float(other_rate * other_base[start:end].sum())
        lots.append(
            Lot(
                kind,
                areas[start],
                practices[start:end],
                total,
                emergency_share_of(hospital_e, total),
                float(target[start:end].sum()),
                federations[k] if federations is not None else None,
                emergency_share_of(hospital_el, total),
            )
        )
        start = end
    return lots


def optional_lots(
    state: PracticeState,
    levers: Levers,
    offering: list[tuple[int, np.ndarray]],
    expected: ExpectedActivity,
) -> list[Lot]:
    """A population lot of each opting-in federation's members.

    Args:
        state: practice columns.
        levers: levers in force.
        offering: (unique id, member practices) of each federation opting in, in id order.
        expected: expected activity per practice (see :data:`ExpectedActivity`).
    """
    groups = [members for _, members in offering]
    ids = [federation for federation, _ in offering]
    return lots_of(state, levers, "population", groups, expected, ids)


def tendered_lots(
    state: PracticeState,
    levers: Levers,
    coverage: np.ndarray,
    locality: np.ndarray,
    expected: ExpectedActivity,
    left_out: np.ndarray | None = None,
) -> list[Lot]:
    """Each locality's uncovered open practices, then (with pathway lots) a diabetes lot per area.

    Args:
        state: practice columns.
        levers: levers in force.
        coverage: each practice's contract id, or ``NO_CONTRACT``.
        locality: each practice's locality.
        expected: expected activity per practice (see :data:`ExpectedActivity`).
        left_out: practices no lot takes, if any (already in a procurement in progress, or
            of a commissioner that can start none now).
    """
    free_mask = state.is_open & (coverage == NO_CONTRACT)
    if left_out is not None:
        free_mask &= ~left_out
    free = np.flatnonzero(free_mask)
    lots = lots_of(state, levers, "population", _grouped(free, locality[free]), expected)
    if levers.pathway_lots:
        lots += lots_of(state, levers, "diabetes", _grouped(free, state.area[free]), expected)
    return lots


def emergency_share_of(emergency_gbp: float, total_gbp: float) -> float:
    """Emergency spend's share of a lot's spend (0 for a lot that costs nothing)."""
    return emergency_gbp / total_gbp if total_gbp > 0 else 0.0


def _grouped(items: np.ndarray, keys: np.ndarray) -> list[np.ndarray]:
    """``items`` split by ``keys``, groups in key order, items in their order within each."""
    order = np.argsort(compact_keys(keys), kind="stable")
    bounds = np.flatnonzero(np.diff(keys[order])) + 1
    return np.split(items[order], bounds) if len(items) else []
