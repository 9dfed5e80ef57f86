"""GMS: what the national GP contract pays each practice, and its lever against poor performers.

Global sum per weighted patient, MPIG (the list-size income guarantee, phased out), QOF points
earned by quality, seniority (cut), enhanced services and other reimbursements, each a ledger
purpose; and the quality floor: a practice below it gets a remedial notice each year and its
contract is terminated after enough of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpfed.parameters import Levers
from gpfed.world.ledger import Ledger, Purpose
from gpfed.world.state import PracticeState
from gpfed.world.units import QUARTERS_PER_YEAR

GMS_PURPOSES = (
    Purpose.GLOBAL_SUM,
    Purpose.MPIG,
    Purpose.QOF,
    Purpose.SENIORITY,
    Purpose.ENHANCED_SERVICES,
    Purpose.REIMBURSEMENTS,
)
"""The GMS payments, in the order they are paid."""


@dataclass
class PhaseOuts:
    """Share of the starting MPIG and seniority payments still paid (1 at the start)."""

    mpig_remaining: float = 1.0
    seniority_remaining: float = 1.0

    def advance(self, levers: Levers) -> None:
        """Cut each payment by a quarter of its yearly phase-out rate in force."""
        self.mpig_remaining = max(
            0.0, self.mpig_remaining - levers.mpig_phase_out_rate_per_year / QUARTERS_PER_YEAR
        )
        self.seniority_remaining = max(
            0.0, self.seniority_remaining - levers.seniority_cut_rate_per_year / QUARTERS_PER_YEAR
        )


def gms_income(
    state: PracticeState, levers: Levers, phase: PhaseOuts, qof_reference_list: float
) -> dict[str, np.ndarray]:
    """GMS payments to each practice this quarter, £, by purpose (zero for closed practices)."""
    lists = state.list_size * state.is_open
    weighted = lists * state.need_weight
    per_year = {
        "global_sum": levers.global_sum_gbp_per_weighted_patient * weighted,
        "mpig": state.mpig_gbp_per_year * phase.mpig_remaining * state.is_open,
        # A QOF point is worth its price for a practice of average list, scaled by list.
        "qof": qof_gbp_per_quality_per_patient(levers, qof_reference_list) * state.quality * lists,
        "seniority": state.senior_partners
        * state.is_open
        * levers.seniority_gbp_per_senior_partner_per_year
        * phase.seniority_remaining,
        "enhanced_services": levers.enhanced_services_gbp_per_patient_per_year * lists,
        "reimbursements": levers.other_reimbursements_gbp_per_patient_per_year * lists,
    }
    return {purpose: amount / QUARTERS_PER_YEAR for purpose, amount in per_year.items()}


def qof_gbp_per_quality_per_patient(levers: Levers, qof_reference_list: float) -> float:
    """QOF income a year per patient per unit of quality: what better quality earns under GMS."""
    return levers.qof_points_available * levers.qof_gbp_per_point / qof_reference_list


def pay_gms(
    ledger: Ledger, payer: np.ndarray, practice_accounts: np.ndarray, income: dict[str, np.ndarray]
) -> np.ndarray:
    """Pay each GMS purpose from ``payer`` (commissioner or contract holder) to each practice.

    Returns:
        Each practice's GMS income this quarter, £ (purposes added in the order paid).
    """
    total = np.zeros(len(practice_accounts))
    for purpose in GMS_PURPOSES:
        ledger.pay(payer, practice_accounts, income[purpose], purpose)
        total += income[purpose]
    return total


def quality_floor_terminations(
    notices: np.ndarray, quality: np.ndarray, eligible: np.ndarray, levers: Levers
) -> tuple[np.ndarray, np.ndarray]:
    """A year's remedial notices under the GMS quality floor, and the contracts terminated.

    Args:
        notices: remedial notices each practice has had so far.
        quality: each practice's quality (0-1).
        eligible: open practices still under GMS (no integrated contract covers them).
        levers: levers in force (``gms_quality_floor``, ``termination_notices``).

    Returns:
        The notices after this year's, and the practices whose contract is terminated.
    """
    below = eligible & (quality < levers.gms_quality_floor)
    notices = notices + below
    return notices, below & (notices >= levers.termination_notices)
