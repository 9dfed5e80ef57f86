"""Quarterly activity per practice: GP consultations, elective and emergency admissions.

Emergency admissions of practice i in a quarter are Poisson with mean (MODEL-SPEC.md)

    lambda_i = L_i e w_i (1 + delta d_i) (1 - a_q (q_i - q_ref)) (1 - I_i) (1 + iota_i)

with L the list, e the per-patient base rate, w the need weight, d diabetes prevalence, q
quality, I the integration effect of an integrated-care contract (zero without one) and iota the
supply-induced demand of payment by results: ``elasticity * PbR share * spare capacity of the
practice's referral trusts`` (Cochrane CD002215: fee-for-service raises volumes against
capitation). Elective admissions follow the same form without the quality and integration terms;
consultations scale with list and need only.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from gpfed.model.state import PracticeState

QUARTERS_PER_YEAR = 4


def pbr_share(levers: SimpleNamespace) -> float:
    """Share of trust income paid per episode under the hospital payment lever in force."""
    return {"pbr": 1.0, "blend": levers.blend_pbr_share}.get(levers.hospital_payment, 0.0)


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
    def calibrate(cls, state: PracticeState, levers: SimpleNamespace) -> DemandRates:
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


def starting_induced_demand(levers: SimpleNamespace) -> float:
    """Supply-induced demand (iota) at the start: PbR with trusts at their usual spare capacity.

    The published activity rates were observed in that state, so calibration, trust baselines
    and the quality premium's reference all start from it.
    """
    spare = levers.trust_spare_capacity_share / (1 + levers.trust_spare_capacity_share)
    return levers.induced_demand_elasticity * spare


def morbidity(state: PracticeState, levers: SimpleNamespace) -> np.ndarray:
    """Need weight times the diabetes excess risk, per practice."""
    return state.need_weight * (
        1.0 + levers.diabetes_excess_admission_risk * state.diabetes_prevalence
    )


def quality_factor(
    state: PracticeState, levers: SimpleNamespace, quality_reference: float
) -> np.ndarray:
    """Emergency-admission multiplier of practice quality, floored so it stays positive."""
    effect = 1.0 - levers.quality_admission_effect * (state.quality - quality_reference)
    return np.maximum(effect, 0.05)


def induced_demand(
    state: PracticeState, trust_spare: np.ndarray, levers: SimpleNamespace
) -> np.ndarray:
    """Supply-induced demand iota per practice from its referral trusts' spare capacity."""
    spare = (trust_spare[state.referral_trust] * state.referral_share).sum(axis=1)
    return levers.induced_demand_elasticity * pbr_share(levers) * spare


def expected_activity(
    state: PracticeState,
    rates: DemandRates,
    levers: SimpleNamespace,
    induced: np.ndarray,
    integration_effect: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean emergency admissions, elective admissions and consultations a quarter, per practice.

    Args:
        state: practice columns.
        rates: calibrated base rates.
        levers: parameter values in force.
        induced: supply-induced demand iota per practice.
        integration_effect: share of emergency admissions avoided by integrated care (I), per
            practice; none when no practice is under an integrated contract.
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
    consultations = lists * rates.consultations_per_patient * state.need_weight
    return emergency, elective, consultations


def draw_activity(
    state: PracticeState,
    rates: DemandRates,
    levers: SimpleNamespace,
    trust_spare: np.ndarray,
    rng: np.random.Generator,
    integration_effect: np.ndarray | None = None,
    capitated: np.ndarray | None = None,
) -> None:
    """Draw this quarter's activity (Poisson) into the practice columns.

    Args:
        state: practice columns (activity is written into them).
        rates: calibrated base rates.
        levers: parameter values in force.
        trust_spare: each trust's spare capacity last quarter.
        rng: the demand stream.
        integration_effect: share of emergency admissions integrated care avoids, per practice.
        capitated: practices whose patients are under a capitated population contract: the
            holder manages referrals, so trusts' spare capacity induces no demand for them.
    """
    induced = induced_demand(state, trust_spare, levers)
    if capitated is not None:
        induced = np.where(capitated, 0.0, induced)
    means = expected_activity(state, rates, levers, induced, integration_effect)
    state.emergency_admissions, state.elective_admissions, state.consultations = (
        rng.poisson(mean) for mean in means
    )
