"""Hospital payment: how commissioners pay trusts for their patients' admissions.

Payment by results (a tariff per episode, emergency activity above the baseline at the marginal
rate, MRET), a block (the baseline's value whatever happens), capitation (the baseline's value
following the referred population), or a PbR/block blend. Activity an integrated contract pays
for is taken out first, and the blocks, capitation and MRET thresholds shrink with it.
"""

from __future__ import annotations

import numpy as np

from gpfed.parameters import Levers
from gpfed.world.ledger import Accounts, Ledger, Purpose
from gpfed.world.state import PracticeState, TrustState, by_area_and_trust


def pbr_share(levers: Levers) -> float:
    """Share of trust income paid per episode under the hospital payment lever in force."""
    return {"pbr": 1.0, "blend": levers.blend_pbr_share}.get(levers.hospital_payment, 0.0)


def hospital_payments(
    trusts: TrustState,
    emergency: np.ndarray,
    elective: np.ndarray,
    population: np.ndarray,
    levers: Levers,
    uncovered_emergency: np.ndarray | float = 1.0,
    uncovered_elective: np.ndarray | float = 1.0,
) -> dict[Purpose, np.ndarray]:
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
        return {Purpose.CAPITATION: (baseline_e * tariff_e + baseline_el * tariff_el) * growth}
    block = {Purpose.BLOCK_CONTRACT: baseline_e * tariff_e + baseline_el * tariff_el}
    if mode == "block":
        return block
    within = np.minimum(emergency, baseline_e)
    above = emergency - within
    pbr = {
        Purpose.PBR_EMERGENCY: tariff_e * (within + levers.mret_marginal_rate * above),
        Purpose.PBR_ELECTIVE: tariff_el * elective,
    }
    if mode == "pbr":
        return pbr
    share = levers.blend_pbr_share
    return {
        **{purpose: share * amount for purpose, amount in pbr.items()},
        Purpose.BLOCK_CONTRACT: (1.0 - share) * block[Purpose.BLOCK_CONTRACT],
    }


def pay_hospitals(
    ledger: Ledger,
    accounts: Accounts,
    state: PracticeState,
    trusts: TrustState,
    levers: Levers,
    emergency_share: np.ndarray,
    elective_share: np.ndarray,
) -> dict[Purpose, np.ndarray]:
    """Pay trusts this quarter's activity; record it and their income on the trust columns.

    Args:
        ledger: the ledger.
        accounts: account numbers.
        state: practice columns (this quarter's admissions, lists, referrals).
        trusts: trust columns (baselines; activity and income are written).
        levers: levers in force.
        emergency_share: share of each practice's emergency admissions a contract pays for.
        elective_share: the same for elective admissions.

    Returns:
        Each commissioner's spend on trusts by purpose, £, in the order paid.
    """
    n_areas, n_trusts = trusts.baseline_emergency.shape

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

    all_e, emergency, uncovered_e = uncovered(state.emergency_admissions, emergency_share)
    all_el, elective, uncovered_el = uncovered(state.elective_admissions, elective_share)
    trusts.emergency_admissions = all_e.sum(axis=0)
    trusts.elective_admissions = all_el.sum(axis=0)

    payer = np.repeat(accounts.commissioner, n_trusts).reshape(n_areas, n_trusts)
    payee = np.tile(accounts.trust, n_areas).reshape(n_areas, n_trusts)
    trusts.income_gbp = np.zeros(n_trusts)
    spend = {}
    payments = hospital_payments(
        trusts, emergency, elective, referred, levers, uncovered_e, uncovered_el
    )
    for purpose, amount in payments.items():
        ledger.pay(payer, payee, amount, purpose)
        trusts.income_gbp += amount.sum(axis=0)
        spend[purpose] = amount.sum(axis=1)
    return spend
