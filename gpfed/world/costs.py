"""What running a practice or a trust costs: facts of the world, not levers a policy sets.

Practice expenses per patient rise a little with size (NHS Digital bands); each practice has a
cost multiplier drawn at the start and drifting each quarter; trusts have fixed costs and a
variable cost per admission.
"""

from __future__ import annotations

import numpy as np

# The standard normal CDF and its inverse as scipy.stats.norm computes them, from scipy.special,
# which Mesa imports anyway (scipy.stats would add ~0.5 s to every start).
from scipy.special import ndtr, ndtri

from gpfed.parameters import Levers
from gpfed.world.state import PracticeState, TrustState
from gpfed.world.units import QUARTERS_PER_YEAR

# Practice expenses per patient a year by number of GPs, 2013/14: single-handed £88.49, 2-3 GPs
# £91.11, 4-5 £95.82, 6+ £98.45 (NHS Digital GP earnings and expenses, via GPonline 2016).
EXPENSE_BANDS_MAX_PARTNERS = np.array([1, 3, 5])
EXPENSES_GBP_PER_PATIENT_PER_YEAR = np.array([88.49, 91.11, 95.82, 98.45])

# Mean profit per GP partner in England, 2011/12 (NHS Information Centre): £106,100.
NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP = 106_100.0


def band_expenses_gbp_per_patient_per_year(partners: np.ndarray) -> np.ndarray:
    """Expenses per patient a year of the size band each practice is in (2013/14 £)."""
    band = np.searchsorted(EXPENSE_BANDS_MAX_PARTNERS, partners, side="left")
    return EXPENSES_GBP_PER_PATIENT_PER_YEAR[band]


def expense_growth(levers: Levers, years_elapsed: float) -> float:
    """How far practices' expenses per patient have grown since the start (1 at the start)."""
    return (1.0 + levers.practice_expense_growth_per_year) ** years_elapsed


def practice_expenses(state: PracticeState, levers: Levers, years_elapsed: float) -> np.ndarray:
    """Expenses of each practice this quarter, £: size-band rate x cost multiplier x growth."""
    per_patient = band_expenses_gbp_per_patient_per_year(state.partners) * state.cost_efficiency
    growth = expense_growth(levers, years_elapsed)
    return per_patient * growth * state.list_size * state.is_open / QUARTERS_PER_YEAR


def merged_expenses_gbp(state: PracticeState, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Last quarter's expenses of each pair of practices had they been one, £.

    Each practice's expenses rescaled from its own size band to the merged partnership's (a
    larger partnership spends more per patient on staff and services).
    """
    merged_band = band_expenses_gbp_per_patient_per_year(
        state.partners[first] + state.partners[second]
    )
    own_band = band_expenses_gbp_per_patient_per_year(state.partners)
    return merged_band * (
        state.expenses_gbp[first] / own_band[first] + state.expenses_gbp[second] / own_band[second]
    )


def merger_efficiency(
    cost_efficiency: float, partners: int, saving_gbp_per_patient_per_year: float, growth: float
) -> float:
    """A merged practice's cost multiplier once its merger saving is made.

    Its expenses per patient (band rate x multiplier x growth) fall by the saving, never below
    zero.
    """
    per_patient = band_expenses_gbp_per_patient_per_year(np.array([partners]))[0] * growth
    return max(cost_efficiency - saving_gbp_per_patient_per_year / per_patient, 0.0)


def care_effort_cost_gbp(state: PracticeState, levers: Levers) -> np.ndarray:
    """What each practice's care-management effort costs it this quarter, £ (linear in effort)."""
    return (
        levers.care_effort_cost_gbp_per_patient_per_year
        * state.care_effort
        * state.list_size
        * state.is_open
        / QUARTERS_PER_YEAR
    )


def locum_premium_gbp(state: PracticeState, levers: Levers) -> np.ndarray:
    """What each practice pays this quarter above salaried cost for locums in its vacant posts, £.

    ``locum_cover_share`` of the vacancies are covered; the rest of the work falls on the GPs in
    post.
    """
    return (
        levers.locum_premium_gbp_per_year
        * locum_cover(state, levers)
        * state.is_open
        / QUARTERS_PER_YEAR
    )


def locum_cover(state: PracticeState, levers: Levers) -> np.ndarray:
    """Vacant posts covered by locums, per practice (GPs)."""
    return levers.locum_cover_share * state.vacancies


def viable_cost_efficiency(
    quantile: np.ndarray,
    income_gbp: np.ndarray,
    state: PracticeState,
    sd: float,
    threshold_gbp_per_partner: float,
) -> np.ndarray:
    """Cost multipliers at the start, conditioned on each practice being viable then.

    The practices open in the start quarter are survivors of the same exit rule the model
    applies, so each practice's multiplier is drawn (by its uniform ``quantile``) from the
    lognormal (mean 1, SD ``sd``) truncated where its profit per partner would fall below the
    exit threshold. A practice that could not be viable at any plausible cost keeps a very low
    quantile and fails in its first quarters.

    Args:
        quantile: uniform draw per practice.
        income_gbp: expected income per practice in the first quarter.
        state: practice columns (lists and partners).
        sd: SD of the multiplier's lognormal.
        threshold_gbp_per_partner: annual profit per partner below which a practice fails.
    """
    if sd == 0:
        return np.ones_like(quantile)
    base = (
        band_expenses_gbp_per_patient_per_year(state.partners) * state.list_size / QUARTERS_PER_YEAR
    )
    allowed = (income_gbp - threshold_gbp_per_partner * state.partners / QUARTERS_PER_YEAR) / base
    mu = -(sd**2) / 2
    with np.errstate(divide="ignore"):
        top = ndtr((np.log(np.maximum(allowed, 0.0)) - mu) / sd)
    return np.exp(mu + sd * ndtri(quantile * np.maximum(top, 1e-6)))


def trust_costs(trusts: TrustState) -> np.ndarray:
    """Costs of each trust this quarter, £: fixed plus variable cost of last quarter's activity."""
    return (
        trusts.fixed_cost_gbp
        + trusts.emergency_cost_gbp * trusts.emergency_admissions
        + trusts.elective_cost_gbp * trusts.elective_admissions
    )


def capacity_change_cost_gbp(
    change: np.ndarray, capacity_cost_gbp: np.ndarray, levers: Levers
) -> np.ndarray:
    """One-off cost of opening or closing capacity, £: years of the changed units' running cost."""
    return (
        np.abs(change)
        * capacity_cost_gbp
        * QUARTERS_PER_YEAR
        * levers.trust_capacity_adjustment_cost_years
    )
