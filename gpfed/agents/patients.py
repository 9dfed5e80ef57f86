"""Patients: the care they use each quarter, and where they register.

Patients are counts per practice, not agents. Emergency admissions of practice i in a quarter are
Poisson with mean (MODEL-SPEC.md)

    lambda_i = L_i e w_i (1 + delta d_i) (1 - a_q (q_i - q_ref)) (1 - s R_em g(e_i))
               (1 - I_i) (1 + iota_i)

with L the list, e the per-patient base rate, w the need weight, d diabetes prevalence, q
quality, s the avoidable share of emergency admissions, R_em the share of those the practice's
full care-management effort prevents, g(e_i) the share of that achieved at the effort e_i it
chose (:func:`effort_achieved`, diminishing returns), I the organisational effect of an
integrated-care contract (off by default) and iota the supply-induced demand the referral trusts
draw in (:meth:`gpfed.agents.Trust.induce_demand`). Elective admissions follow the same form
without the quality and organisational terms and with their own effort response
(1 - R_el g(e_i)); consultations scale with list and need only.

Need per patient grows with ageing and multimorbidity at a schedulable rate (:class:`NeedGrowth`).

Registration: the registered population grows by net growth, binomially by list
(:class:`Registrations`); when a practice closes its patients register with the nearest open
practices in proportion to their GPs (:func:`disperse_list`); a merger takes the whole list.
Patients are never created or lost except by the recorded net growth.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from gpfed.parameters import Levers
from gpfed.world.arrays import indices_by_key
from gpfed.world.state import PracticeState
from gpfed.world.units import QUARTERS_PER_YEAR


@dataclass(frozen=True)
class DemandRates:
    """Per-patient quarterly base rates, normalised once at the start.

    The published rates (per 1,000 a year) were observed under payment by results with trusts'
    usual spare capacity, so the base rates divide out the morbidity mix and that induced demand:
    the starting world reproduces the published totals, and a world without PbR has fewer
    admissions than the record, as the mechanism implies.

    Attributes:
        emergency_per_patient: base emergency admissions per patient a quarter.
        elective_per_patient: base elective admissions per patient a quarter.
        consultations_per_patient: consultations per need-weighted patient a quarter.
        quality_reference: list-weighted mean quality at the start (q_ref).
    """

    emergency_per_patient: float
    elective_per_patient: float
    consultations_per_patient: float
    quality_reference: float

    @classmethod
    def calibrate(cls, state: PracticeState, levers: Levers) -> DemandRates:
        """Normalise the published rates on the starting practices."""
        lists = state.list_size.astype(float)
        quality_reference = float(np.average(state.quality, weights=lists))
        need = morbidity(state, levers)
        quality = quality_factor(state, levers, quality_reference)
        induced = 1.0 + starting_induced_demand(levers)
        total = lists.sum()
        return cls(
            emergency_per_patient=levers.emergency_admissions_per_1000_per_year
            / 1000
            / QUARTERS_PER_YEAR
            * total
            / (lists * need * quality).sum()
            / induced,
            elective_per_patient=levers.elective_admissions_per_1000_per_year
            / 1000
            / QUARTERS_PER_YEAR
            * total
            / (lists * need).sum()
            / induced,
            consultations_per_patient=levers.gp_consultations_per_patient_per_year
            / QUARTERS_PER_YEAR
            * total
            / (lists * state.need_weight).sum(),
            quality_reference=quality_reference,
        )


def starting_induced_demand(levers: Levers) -> float:
    """Supply-induced demand (iota) at the start: PbR with trusts at their usual spare capacity.

    The published activity rates were observed in that state, so calibration, trust baselines
    and the quality premium's reference all start from it.
    """
    spare = levers.trust_spare_capacity_share / (1 + levers.trust_spare_capacity_share)
    return levers.induced_demand_elasticity * spare


def morbidity(state: PracticeState, levers: Levers) -> np.ndarray:
    """Need weight times the diabetes excess risk, per practice."""
    return state.need_weight * (
        1.0 + levers.diabetes_excess_admission_risk * state.diabetes_prevalence
    )


def quality_factor(state: PracticeState, levers: Levers, quality_reference: float) -> np.ndarray:
    """Emergency-admission multiplier of practice quality, floored so it stays positive."""
    effect = 1.0 - levers.quality_admission_effect * (state.quality - quality_reference)
    return np.maximum(effect, 0.05)


def effort_achieved(effort: np.ndarray, curvature: float) -> np.ndarray:
    """g(e) = (1 - exp(-beta e)) / (1 - exp(-beta)): share of the full-effort reduction achieved.

    0 at no effort, 1 at full effort, concave: the first hours of case management go to the
    patients most at risk.
    """
    return -np.expm1(-curvature * np.asarray(effort, dtype=float)) / -np.expm1(-curvature)


def effort_reductions(effort: np.ndarray, levers: Levers) -> tuple[np.ndarray, np.ndarray]:
    """Shares of emergency and of elective admissions a practice's care effort avoids."""
    achieved = effort_achieved(effort, levers.care_effort_returns_curvature)
    emergency = levers.avoidable_emergency_share * levers.care_effort_avoidable_reduction * achieved
    return emergency, levers.care_effort_elective_reduction * achieved


def expected_activity(
    state: PracticeState,
    rates: DemandRates,
    levers: Levers,
    induced: np.ndarray,
    integration_effect: np.ndarray | None = None,
    need_index: float = 1.0,
    with_effort: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean emergency admissions, elective admissions and consultations a quarter, per practice.

    Args:
        state: practice columns.
        rates: calibrated base rates.
        levers: parameter values in force.
        induced: supply-induced demand iota per practice.
        integration_effect: share of emergency admissions avoided by a contract holder's
            coordination itself (I), per practice; none when no practice is under a contract.
            Practices' own care effort is read from ``state.care_effort``.
        need_index: need per patient relative to the start (:class:`NeedGrowth`).
        with_effort: False for what the practices' patients would use at no care effort.
    """
    lists = state.list_size * state.is_open
    need = morbidity(state, levers)
    emergency = (
        lists
        * rates.emergency_per_patient
        * need
        * quality_factor(state, levers, rates.quality_reference)
        * (1.0 + induced)
    )
    if integration_effect is not None:
        emergency = emergency * (1.0 - integration_effect)
    elective = lists * rates.elective_per_patient * need * (1.0 + induced)
    if with_effort and state.care_effort.any():
        emergency_avoided, elective_avoided = effort_reductions(state.care_effort, levers)
        emergency = emergency * (1.0 - emergency_avoided)
        elective = elective * (1.0 - elective_avoided)
    consultations = lists * rates.consultations_per_patient * state.need_weight
    return emergency * need_index, elective * need_index, consultations * need_index


def use_care(
    state: PracticeState,
    rates: DemandRates,
    levers: Levers,
    induced: np.ndarray,
    rng: np.random.Generator,
    integration_effect: np.ndarray | None = None,
    need_index: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw this quarter's activity (Poisson) per practice.

    Args:
        state: practice columns.
        rates: calibrated base rates.
        levers: levers in force.
        induced: supply-induced demand iota per practice (zero where a capitated population
            contract's holder manages referrals).
        rng: the demand stream.
        integration_effect: share of emergency admissions integrated care avoids, per practice.
        need_index: need per patient relative to the start (:class:`NeedGrowth`).

    Returns:
        Emergency admissions, elective admissions and consultations per practice.
    """
    means = expected_activity(state, rates, levers, induced, integration_effect, need_index)
    emergency, elective, consultations = (rng.poisson(mean) for mean in means)
    return emergency, elective, consultations


@dataclass
class NeedGrowth:
    """Need per registered patient relative to the start: ageing and multimorbidity.

    Attributes:
        index: 1 at the start; every patient's expected consultations and admissions scale by it.
    """

    index: float = 1.0

    def advance(self, growth_per_year: float) -> None:
        """Grow need by a quarter of the yearly rate in force (compounded)."""
        self.index *= (1.0 + growth_per_year) ** (1.0 / QUARTERS_PER_YEAR)


@dataclass
class Registrations:
    """Running count of patients added by net population growth (can be negative)."""

    net_growth: int = 0

    def grow(self, state: PracticeState, growth_per_year: float, rng: np.random.Generator) -> None:
        """Add (or remove) this quarter's net growth to open practices, binomially by list."""
        rate = abs(growth_per_year) / QUARTERS_PER_YEAR
        change = rng.binomial(state.list_size * state.is_open, min(rate, 1.0))
        if growth_per_year < 0:
            change = -change
        state.list_size += change
        self.net_growth += int(change.sum())


def split_integer(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder; exact sum)."""
    weights = np.asarray(weights, dtype=float)
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    exact = total * weights / weights.sum()
    whole = np.floor(exact).astype(np.int64)
    left = total - int(whole.sum())
    if left:
        order = np.argsort(-(exact - whole), kind="stable")
        whole[order[:left]] += 1
    return whole


def nearest_open_practices(
    start: int, neighbours: list[np.ndarray], is_open: np.ndarray
) -> np.ndarray:
    """Open practices nearest to ``start`` on the practice graph (the first ring that has any).

    Breadth-first from ``start`` over practice-practice edges; falls back to every open practice
    if the graph component has none (possible only when a whole area has closed).
    """
    seen = {start}
    frontier = deque([start])
    while frontier:
        ring: list[int] = []
        for _ in range(len(frontier)):
            node = frontier.popleft()
            for other in neighbours[node]:
                other = int(other)
                if other not in seen:
                    seen.add(other)
                    ring.append(other)
        found = [p for p in ring if is_open[p]]
        if found:
            return np.array(sorted(found), dtype=np.int64)
        frontier.extend(ring)
    return np.flatnonzero(is_open)


def disperse_list(state: PracticeState, practice: int, receivers: np.ndarray) -> np.ndarray:
    """Move a closing practice's whole list to ``receivers`` in proportion to their GP partners.

    The receivers' need weights and diabetes prevalence become list-weighted blends, since the
    patients bring their morbidity with them.

    Returns:
        The number of patients each receiver took.
    """
    moved = split_integer(int(state.list_size[practice]), state.partners_of(receivers))
    blend_into(state, receivers, practice, moved, ("need_weight", "diabetes_prevalence"))
    state.list_size[receivers] += moved
    state.list_size[practice] = 0
    return moved


def blend_into(
    state: PracticeState,
    receivers: np.ndarray,
    donor: int,
    moved: np.ndarray,
    columns: tuple[str, ...],
) -> None:
    """Blend the donor's values of ``columns`` into the receivers', weighted by patients moved."""
    before = state.list_size[receivers].astype(float)
    total = np.maximum(before + moved, 1.0)
    for name in columns:
        column = getattr(state, name)
        column[receivers] = (column[receivers] * before + column[donor] * moved) / total


@dataclass(frozen=True)
class EdgeSlots:
    """Edges sorted by source, split by slot: slot k holds each source's k-th edge.

    Attributes:
        rows: the edges (positions) in each slot.
        sources: their source practices.
    """

    rows: list[np.ndarray]
    sources: list[np.ndarray]

    @classmethod
    def of(cls, source: np.ndarray) -> EdgeSlots:
        """The slots of edges whose sources are ``source`` (sorted)."""
        slot = np.arange(len(source)) - np.searchsorted(source, source)
        rows = indices_by_key(slot, int(slot.max()) + 1) if len(source) else []
        return cls(rows, [source[r] for r in rows])


def switch_practice(
    state: PracticeState,
    edges: tuple[np.ndarray, np.ndarray],
    edge_km: np.ndarray,
    levers: Levers,
    rng: np.random.Generator,
    slots: EdgeSlots | None = None,
) -> np.ndarray:
    """Patients who change practice without moving home, and where they go.

    A share of patients reconsider their practice each quarter and choose, by a logit on quality
    (per SD of quality across open practices) and distance, between staying and each open
    practice next to their own on the graph; those who choose another practice switch. The share
    who reconsider is set so that the switching rate over all patients is s/4 a quarter (s the
    sourced yearly rate), so patients leave practices whose neighbours look better more often.
    The draw is exact in whole patients: practice i loses Binomial(L_i, share x P(leave_i)), shared
    over its neighbours by conditional binomials, slot by slot.

    Args:
        state: practice columns (lists, quality, open practices).
        edges: practice-practice edges as (source, target), sorted by source.
        edge_km: the length of each edge.
        levers: levers in force (``patient_switching_per_1000_per_year`` and the choice weights).
        rng: the patient-choice stream.
        slots: the edges' slots (:meth:`EdgeSlots.of` the sources), if the caller keeps them.

    Returns:
        Patients moving along each edge this quarter.
    """
    src, dst = edges
    flows = np.zeros(len(src), dtype=np.int64)
    rate = levers.patient_switching_per_1000_per_year / 1000 / QUARTERS_PER_YEAR
    usable = state.is_open[src] & state.is_open[dst]
    if rate <= 0 or not usable.any():
        return flows
    quality = state.quality[state.is_open]
    sd = float(quality.std())
    per_unit = levers.patient_choice_quality_per_sd / sd if sd > 0 else 0.0
    utility = per_unit * state.quality[dst] - levers.patient_choice_distance_per_km * edge_km
    # Utilities are shifted by the largest quality term so the exponentials stay in range; the
    # shift cancels in every ratio below.
    shift = per_unit * float(quality.max())
    weight = np.where(usable, np.exp(utility - shift), 0.0)
    n = len(state.list_size)
    away = np.bincount(src, weights=weight, minlength=n)
    # A patient who reconsiders stays (own practice: its quality, no distance) or leaves for a
    # neighbour; practices whose neighbours look better lose more. The share who reconsider is
    # set so that, over all patients, the switching rate is the sourced one.
    stay = np.exp(per_unit * state.quality - shift)
    leave = np.where(state.is_open, away / (stay + away), 0.0)
    lists = (state.list_size * state.is_open).astype(float)
    mean_leave = float(leave @ lists) / max(float(lists.sum()), 1.0)
    if mean_leave <= 0:
        return flows
    reconsider = min(rate / mean_leave, 1.0)
    switchers = rng.binomial(state.list_size * state.is_open, np.minimum(reconsider * leave, 1.0))
    # Conditional binomials: slot k of each source takes its share of what slots < k left; the
    # last slot with any weight takes all that is left, so every switcher lands somewhere.
    slots = slots or EdgeSlots.of(src)
    left = switchers.astype(np.int64)
    mass_left = away.copy()
    for rows, source in zip(slots.rows, slots.sources, strict=True):
        slot_weight, mass = weight[rows], mass_left[source]
        after = mass - slot_weight
        share = np.divide(slot_weight, mass, out=np.zeros(len(rows)), where=mass > 0)
        share = np.where((slot_weight > 0) & (after <= 1e-12 * mass), 1.0, share)
        taken = rng.binomial(left[source], np.clip(share, 0.0, 1.0))
        flows[rows] = taken
        left[source] -= taken
        mass_left[source] = np.maximum(after, 0.0)
    return flows


def move_patients(
    state: PracticeState, edges: tuple[np.ndarray, np.ndarray], flows: np.ndarray
) -> None:
    """Move switching patients along the edges; they bring their need and diabetes with them.

    A switcher is an average patient of the practice it leaves: the leaver's need weight and
    prevalence are unchanged, the receiver's become list-weighted blends.
    """
    if not flows.any():
        return
    src, dst = edges
    n = len(state.list_size)
    out = np.bincount(src, weights=flows, minlength=n).astype(np.int64)
    arrived = np.bincount(dst, weights=flows, minlength=n).astype(np.int64)
    staying = (state.list_size - out).astype(float)
    total = np.maximum(staying + arrived, 1.0)
    for name in ("need_weight", "diabetes_prevalence"):
        column = getattr(state, name)
        brought = np.bincount(dst, weights=flows * column[src], minlength=n)
        receiving = arrived > 0
        column[receiving] = ((column * staying + brought) / total)[receiving]
    state.list_size += arrived - out
