"""Payment rules: who pays whom, how much and why, each quarter, all through the ledger.

Practices are paid under GMS (global sum, MPIG, QOF, seniority, enhanced services, other
reimbursements); trusts under payment by results with the marginal rate for emergency activity
above baseline (MRET), a block, capitation, or a PbR/block blend; commissioners receive an
allocation per head and buy other services with what the modelled services leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from scipy.stats import norm

from gpfed.model.demand import QUARTERS_PER_YEAR
from gpfed.model.ledger import ECONOMY, TREASURY, Accounts, Ledger
from gpfed.model.state import PracticeState, TrustState, by_area_and_trust

# Practice expenses per patient a year by number of GPs, 2013/14: single-handed £88.49, 2-3 GPs
# £91.11, 4-5 £95.82, 6+ £98.45 (NHS Digital GP earnings and expenses, via GPonline 2016).
EXPENSE_BANDS_MAX_PARTNERS = np.array([1, 3, 5])
EXPENSES_GBP_PER_PATIENT_PER_YEAR = np.array([88.49, 91.11, 95.82, 98.45])

# Mean profit per GP partner in England, 2011/12 (NHS Information Centre): £106,100.
NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP = 106_100.0

GMS_PURPOSES = ("global_sum", "mpig", "qof", "seniority", "enhanced_services", "reimbursements")


@dataclass
class PhaseOuts:
    """Share of the starting MPIG and seniority payments still paid (1 at the start)."""

    mpig_remaining: float = 1.0
    seniority_remaining: float = 1.0

    def advance(self, levers: SimpleNamespace) -> None:
        """Cut each payment by a quarter of its yearly phase-out rate in force."""
        self.mpig_remaining = max(
            0.0, self.mpig_remaining - levers.mpig_phase_out_rate_per_year / QUARTERS_PER_YEAR
        )
        self.seniority_remaining = max(
            0.0, self.seniority_remaining - levers.seniority_cut_rate_per_year / QUARTERS_PER_YEAR
        )


@dataclass
class Coverage:
    """What integrated contracts take out of the commissioner's direct payments this quarter.

    Attributes:
        emergency_share: share of each practice's emergency admissions a contract pays for.
        elective_share: share of each practice's elective admissions a contract pays for.
        gms_payer: account that pays each practice's GMS (a contract holder where GMS money is
            merged into its contract, else the practice's commissioner).
        community_gbp: other-services spend per area moved into contracts this quarter, £.
    """

    emergency_share: np.ndarray
    elective_share: np.ndarray
    gms_payer: np.ndarray
    community_gbp: np.ndarray


@dataclass
class CommissionerState:
    """Per-area columns: the fixed rate at which each commissioner buys other services."""

    other_services_gbp_per_head_per_quarter: np.ndarray
    spend_gbp: np.ndarray


def gms_income(
    state: PracticeState, levers: SimpleNamespace, phase: PhaseOuts, qof_reference_list: float
) -> dict[str, np.ndarray]:
    """GMS payments to each practice this quarter, £, by purpose (zero for closed practices)."""
    lists = state.list_size * state.is_open
    weighted = lists * state.need_weight
    per_year = {
        "global_sum": levers.global_sum_gbp_per_weighted_patient * weighted,
        "mpig": state.mpig_gbp_per_year * phase.mpig_remaining * state.is_open,
        # A QOF point is worth its price for a practice of average list, scaled by list.
        "qof": levers.qof_points_available
        * state.quality
        * levers.qof_gbp_per_point
        * lists
        / qof_reference_list,
        "seniority": state.senior_partners
        * state.is_open
        * levers.seniority_gbp_per_senior_partner_per_year
        * phase.seniority_remaining,
        "enhanced_services": levers.enhanced_services_gbp_per_patient_per_year * lists,
        "reimbursements": levers.other_reimbursements_gbp_per_patient_per_year * lists,
    }
    return {purpose: amount / QUARTERS_PER_YEAR for purpose, amount in per_year.items()}


def band_expenses_gbp_per_patient_per_year(partners: np.ndarray) -> np.ndarray:
    """Expenses per patient a year of the size band each practice is in (2013/14 £)."""
    band = np.searchsorted(EXPENSE_BANDS_MAX_PARTNERS, partners, side="left")
    return EXPENSES_GBP_PER_PATIENT_PER_YEAR[band]


def practice_expenses(
    state: PracticeState, levers: SimpleNamespace, years_elapsed: float
) -> np.ndarray:
    """Expenses of each practice this quarter, £: size-band rate x cost multiplier x growth."""
    per_patient = band_expenses_gbp_per_patient_per_year(state.partners) * state.cost_efficiency
    growth = (1.0 + levers.practice_expense_growth_per_year) ** years_elapsed
    return per_patient * growth * state.list_size * state.is_open / QUARTERS_PER_YEAR


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
    base = band_expenses_gbp_per_patient_per_year(state.partners) * state.list_size / 4
    allowed = (income_gbp - threshold_gbp_per_partner * state.partners / 4) / base
    mu = -(sd**2) / 2
    with np.errstate(divide="ignore"):
        top = norm.cdf((np.log(np.maximum(allowed, 0.0)) - mu) / sd)
    return np.exp(mu + sd * norm.ppf(quantile * np.maximum(top, 1e-6)))


def hospital_payments(
    trusts: TrustState,
    emergency: np.ndarray,
    elective: np.ndarray,
    population: np.ndarray,
    levers: SimpleNamespace,
    uncovered_emergency: np.ndarray | float = 1.0,
    uncovered_elective: np.ndarray | float = 1.0,
) -> dict[str, np.ndarray]:
    """Commissioner-to-trust payments this quarter, £ by purpose, each an (area, trust) array.

    Args:
        trusts: trust columns with the baselines contracts refer to.
        emergency: emergency admissions this quarter the commissioner pays for, by (area, trust).
        elective: elective admissions this quarter the commissioner pays for, by (area, trust).
        population: registered patients referring to each trust by (area, trust).
        levers: parameter values in force.
        uncovered_emergency: share of each cell's expected emergency admissions not paid for by
            an integrated contract; blocks, capitation and MRET thresholds shrink with it.
        uncovered_elective: the same for elective admissions.
    """
    tariff_e, tariff_el = levers.emergency_tariff_gbp, levers.elective_tariff_gbp
    baseline_e = trusts.baseline_emergency * uncovered_emergency
    baseline_el = trusts.baseline_elective * uncovered_elective
    mode = levers.hospital_payment
    if mode == "capitation":
        # Capitation follows the referred population's growth since the baselines were set.
        growth = np.divide(
            population,
            trusts.baseline_population,
            out=np.zeros_like(population, dtype=float),
            where=trusts.baseline_population > 0,
        )
        return {"capitation": (baseline_e * tariff_e + baseline_el * tariff_el) * growth}
    block = {"block_contract": baseline_e * tariff_e + baseline_el * tariff_el}
    if mode == "block":
        return block
    within = np.minimum(emergency, baseline_e)
    above = emergency - within
    pbr = {
        "pbr_emergency": tariff_e * (within + levers.mret_marginal_rate * above),
        "pbr_elective": tariff_el * elective,
    }
    if mode == "pbr":
        return pbr
    share = levers.blend_pbr_share
    return {
        **{purpose: share * amount for purpose, amount in pbr.items()},
        "block_contract": (1.0 - share) * block["block_contract"],
    }


def trust_costs(trusts: TrustState) -> np.ndarray:
    """Costs of each trust this quarter, £: fixed plus variable cost of last quarter's activity."""
    return (
        trusts.fixed_cost_gbp
        + trusts.emergency_cost_gbp * trusts.emergency_admissions
        + trusts.elective_cost_gbp * trusts.elective_admissions
    )


def area_totals(values: np.ndarray, state: PracticeState, n_areas: int) -> np.ndarray:
    """Sum a per-practice quantity by commissioner area."""
    return np.bincount(state.area, weights=values, minlength=n_areas)


def settle_quarter(
    ledger: Ledger,
    accounts: Accounts,
    state: PracticeState,
    trusts: TrustState,
    commissioners: CommissionerState,
    levers: SimpleNamespace,
    phase: PhaseOuts,
    qof_reference_list: float,
    years_elapsed: float,
    coverage: Coverage,
) -> None:
    """Make every payment of one quarter, in order.

    1. Treasury pays each commissioner its allocation per head.
    2. Commissioners (or, where GMS is merged into a contract, its holder) pay practices GMS.
    3. Commissioners pay trusts for their patients' activity under the payment model in force,
       except the activity integrated contracts pay for.
    4. Commissioners buy other services (to the economy) at their fixed rate per head, less
       what contracts now buy.
    5. Practices pay expenses; partners draw profit above working capital.
    6. Trusts pay their costs.
    """
    n_areas, n_trusts = trusts.baseline_emergency.shape
    population = area_totals(state.list_size * state.is_open.astype(float), state, n_areas)
    ledger.pay(
        TREASURY,
        accounts.commissioner,
        levers.commissioner_allocation_gbp_per_head_per_year * population / QUARTERS_PER_YEAR,
        "allocation",
    )
    spend = np.zeros(n_areas)

    income = gms_income(state, levers, phase, qof_reference_list)
    state.income_gbp = np.zeros(len(state.list_size))
    for purpose in GMS_PURPOSES:
        ledger.pay(coverage.gms_payer, accounts.practice, income[purpose], purpose)
        state.income_gbp += income[purpose]
    by_commissioner = coverage.gms_payer == accounts.commissioner[state.area]
    spend += area_totals(state.income_gbp * by_commissioner, state, n_areas)

    def by_cell(values: np.ndarray) -> np.ndarray:
        return by_area_and_trust(values, state, n_areas, n_trusts)

    lists = state.list_size * state.is_open
    referred = by_cell(lists)

    def uncovered(
        values: np.ndarray, share: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | float]:
        """All by cell, what contracts leave the commissioner, and the share they leave."""
        everything = by_cell(values)
        if not share.any():
            return everything, everything, 1.0
        left = by_cell(lists * (1.0 - share))
        return (
            everything,
            by_cell(values * (1.0 - share)),
            np.divide(left, referred, out=np.ones_like(left), where=referred > 0),
        )

    all_e, emergency, uncovered_e = uncovered(state.emergency_admissions, coverage.emergency_share)
    all_el, elective, uncovered_el = uncovered(state.elective_admissions, coverage.elective_share)
    trusts.emergency_admissions = all_e.sum(axis=0)
    trusts.elective_admissions = all_el.sum(axis=0)

    payer = np.repeat(accounts.commissioner, n_trusts).reshape(n_areas, n_trusts)
    payee = np.tile(accounts.trust, n_areas).reshape(n_areas, n_trusts)
    trusts.income_gbp = np.zeros(n_trusts)
    payments = hospital_payments(
        trusts,
        emergency,
        elective,
        referred,
        levers,
        uncovered_e,
        uncovered_el,
    )
    for purpose, amount in payments.items():
        ledger.pay(payer, payee, amount, purpose)
        trusts.income_gbp += amount.sum(axis=0)
        spend += amount.sum(axis=1)

    other = np.maximum(
        commissioners.other_services_gbp_per_head_per_quarter * population - coverage.community_gbp,
        0.0,
    )
    ledger.pay(accounts.commissioner, ECONOMY, other, "other_services")
    commissioners.spend_gbp = spend + other

    state.expenses_gbp = practice_expenses(state, levers, years_elapsed)
    ledger.pay(accounts.practice, ECONOMY, state.expenses_gbp, "practice_expenses")
    working_capital = levers.practice_working_capital_quarters * state.expenses_gbp
    drawable = ledger.balance_gbp(accounts.practice) - working_capital
    ledger.pay(
        accounts.practice,
        ECONOMY,
        np.floor(np.maximum(drawable, 0.0) * 100) / 100,
        "partner_drawings",
    )

    trusts.costs_gbp = trust_costs(trusts)
    ledger.pay(accounts.trust, ECONOMY, trusts.costs_gbp, "trust_costs")
