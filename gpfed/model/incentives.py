"""What care-management effort would earn each practice this quarter: the contracts' incentives.

Assembled from the institutions in force and the practices' own position, for
:meth:`gpfed.agents.Practice.choose_care_effort`:

- a practice's patients' hospital care is paid by the commissioner under payment by results (it
  keeps nothing of a saving), or by a contract holder; if the holder is the practice's own
  federation (alone or in an alliance), the holder keeps what its risk-sharing terms leave it of
  one more pound saved (:func:`gpfed.institutions.risk_sharing.marginal_retained_share`), less an
  alliance trust's part, and the practice receives its share of that by its federation's sharing
  rule: its payout share of last quarter, or all of its own saving when sharing is by
  performance;
- the contract's outcome payment pays the holder for each emergency admission avoided up to its
  target, shared among members by the same payout shares;
- under GMS, QOF pays for the quality that effort brings (:mod:`gpfed.agents.quality`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpfed.agents.patients import effort_achieved, effort_reductions
from gpfed.agents.practice import CareIncentives, Practice
from gpfed.institutions.contract_terms import ContractBook, tariff_cost_gbp
from gpfed.institutions.risk_sharing import marginal_retained_share
from gpfed.parameters import Levers
from gpfed.world.state import PracticeState
from gpfed.world.units import NO_FEDERATION, QUARTERS_PER_YEAR

MEMBER_HOLDERS = ("federation", "alliance")
"""Holders whose members are the covered practices' own federation."""
FULL_EFFORT = np.ones(1)


@dataclass(frozen=True)
class CoveredSpend:
    """Each practice's covered hospital spend this quarter, before any effort, and what it keeps.

    Attributes:
        benchmark_gbp: covered hospital spend expected at no effort this quarter, £ (the
            risk-adjusted benchmark sharing by performance measures a member against).
        holder_kept_share: share of a saving on the practice's covered patients its own
            federation keeps as holder (0 if it does not hold the contract).
    """

    benchmark_gbp: np.ndarray
    holder_kept_share: np.ndarray


def care_incentives(
    book: ContractBook,
    state: PracticeState,
    emergency_without_effort: np.ndarray,
    elective_without_effort: np.ndarray,
    payout_share: np.ndarray,
    qof_gbp_per_quality_per_patient: float,
    levers: Levers,
) -> tuple[CareIncentives, CoveredSpend]:
    """Each practice's incentives to care effort, and its covered spend (module docstring).

    Args:
        book: the contract book.
        state: practice columns (lists, federation).
        emergency_without_effort: expected emergency admissions per practice this quarter at no
            care effort.
        elective_without_effort: the same for elective admissions.
        payout_share: each practice's share of its federation's money last quarter (0 if none).
        qof_gbp_per_quality_per_patient: QOF income a year per patient per unit of quality.
        levers: levers in force.
    """
    n = len(state.list_size)
    rows = book.covered_rows(state, levers)
    qof = np.full(n, levers.quality_effort_gain * qof_gbp_per_quality_per_patient)
    incentives = CareIncentives.gms(qof)
    spend = CoveredSpend(np.zeros(n), np.zeros(n))
    if not rows.contracts:
        return incentives, spend
    practice, k = rows.practice, rows.contract
    lists = np.maximum(state.list_size[practice].astype(float), 1.0)
    emergency = emergency_without_effort[practice] * rows.emergency_share
    elective = elective_without_effort[practice] * rows.population_lot
    emergency_cut, elective_cut = (share[0] for share in effort_reductions(FULL_EFFORT, levers))
    per_patient_year = QUARTERS_PER_YEAR / lists
    avoided = emergency * emergency_cut * per_patient_year
    hospital = (
        levers.emergency_tariff_gbp * avoided
        + levers.elective_tariff_gbp * elective * elective_cut * per_patient_year
    )

    population = rows.per_contract(state.list_size[practice].astype(float))
    price = rows.attribute("price_gbp_per_head_per_quarter")
    held = np.array([c.quarters_held for c in rows.contracts])
    variance = np.array([c.variance_share for c in rows.contracts])
    kept = marginal_retained_share(variance, price * population, held, levers)
    holder = rows.attribute("holder", object)
    kept = np.where(holder == "alliance", kept * (1.0 - levers.ico_trust_risk_share), kept)
    federation = np.array(
        [NO_FEDERATION if c.federation is None else c.federation for c in rows.contracts]
    )
    own = np.isin(holder[k], MEMBER_HOLDERS) & (federation[k] == state.federation[practice])
    holder_kept = np.where(own, kept[k], 0.0)
    member_share = np.where(own, payout_share[practice], 0.0)
    by_performance = levers.federation_sharing_rule == "performance"

    expected = rows.attribute("expected_emergency_per_head_per_quarter")
    target = levers.admissions_target_reduction * expected
    outcome_per_admission = np.divide(
        levers.outcome_payment_share * price,
        target,
        out=np.zeros_like(price),
        where=target > 0,
    )
    alliance_part = np.where(holder == "alliance", 1.0 - levers.ico_trust_risk_share, 1.0)

    def per_practice(values: np.ndarray) -> np.ndarray:
        full = np.zeros(n)
        full[practice] = values
        return full

    incentives = CareIncentives(
        kept_share=per_practice(holder_kept * (1.0 if by_performance else member_share)),
        hospital_gbp_at_full=per_practice(hospital),
        outcome_gbp_per_admission=per_practice(
            (outcome_per_admission * alliance_part)[k] * member_share
        ),
        avoided_admissions_at_full=per_practice(avoided),
        target_admissions=per_practice(target[k] * QUARTERS_PER_YEAR),
        qof_gbp_at_full=qof,
    )
    benchmark = tariff_cost_gbp(emergency, elective, levers)
    return incentives, CoveredSpend(per_practice(benchmark), per_practice(holder_kept))


def anticipated_effort_saving(
    emergency_share: float,
    elective_share: float,
    baseline_gbp_per_head_per_year: float,
    holder_kept_share: float | np.ndarray,
    n_members: np.ndarray,
    qof_gbp_at_full: float,
    practice_class: type[Practice],
    levers: Levers,
) -> tuple[np.ndarray, np.ndarray]:
    """What federations bidding for a lot expect their members' effort to do.

    Returns, for each federation, the share of the lot's baseline it expects the effort to
    save, and the share of the covered emergency admissions it expects the effort to avoid
    (against the outcome target).

    Each bidder reckons the effort a typical member would choose as a member of the holder
    (:meth:`Practice.choose_care_effort`): it keeps ``holder_kept_share`` of a saving (the
    contract's marginal retained share at budget, less an alliance trust's part) and a member
    gets all of its own saving under sharing by performance, about 1/n of it under the other
    rules (the free-rider problem). Outcome pay is left out: a cautious bidder. All of a lot's
    bidders are reckoned at once; each one's figures are what it alone would give.

    Args:
        emergency_share: share of the lot's baseline spent on emergency admissions.
        elective_share: share spent on elective admissions.
        baseline_gbp_per_head_per_year: the lot's baseline per patient a year, £.
        holder_kept_share: share of a saving the holder keeps (for all, or for each bidder).
        n_members: each bidding federation's members.
        qof_gbp_at_full: QOF a year per patient the quality of full effort brings, £.
        practice_class: the class whose effort decision members take.
        levers: levers in force.
    """
    emergency_cut, elective_cut = (share[0] for share in effort_reductions(FULL_EFFORT, levers))
    at_full = emergency_share * emergency_cut + elective_share * elective_cut
    n_members = np.asarray(n_members, dtype=np.int64)
    if levers.federation_sharing_rule == "performance":
        member_share = np.ones(len(n_members))
    else:
        member_share = 1.0 / n_members
    one = np.ones(len(n_members))
    incentives = CareIncentives(
        kept_share=one * holder_kept_share * member_share,
        hospital_gbp_at_full=one * baseline_gbp_per_head_per_year * at_full,
        outcome_gbp_per_admission=0.0 * one,
        avoided_admissions_at_full=0.0 * one,
        target_admissions=0.0 * one,
        qof_gbp_at_full=one * qof_gbp_at_full,
    )
    effort = practice_class.choose_care_effort(incentives, levers)
    achieved = effort_achieved(effort, levers.care_effort_returns_curvature)
    return at_full * achieved, emergency_cut * achieved
