"""The commissioners' quality premium: paid yearly by the treasury for outcomes and quality.

The score weighs the fall in emergency admissions per head against the area's baseline (full
marks at the target reduction) and list-weighted practice quality; commissioners in deficit earn
nothing.
"""

from __future__ import annotations

import numpy as np

from gpfed.parameters import Levers
from gpfed.world.ledger import TREASURY, Accounts, Ledger, Purpose
from gpfed.world.state import PracticeState, area_totals


def pay_quality_premium(
    ledger: Ledger,
    accounts: Accounts,
    state: PracticeState,
    emergency_baseline_per_head: np.ndarray,
    levers: Levers,
) -> np.ndarray:
    """Pay each eligible commissioner its premium for the year.

    Args:
        ledger: the ledger (commissioners' balances decide eligibility).
        accounts: account numbers.
        state: practice columns (this quarter's admissions, lists, quality).
        emergency_baseline_per_head: each area's emergency admissions per patient a quarter at
            the start, as paid for then.
        levers: levers in force.

    Returns:
        The premium paid to each commissioner, £.
    """
    n_areas = len(accounts.commissioner)
    lists = (state.list_size * state.is_open).astype(float)
    population = area_totals(lists, state, n_areas)
    # An area whose practices have all closed has no patients and earns nothing.
    heads = np.maximum(population, 1.0)
    per_head = area_totals(state.emergency_admissions.astype(float), state, n_areas) / heads
    baseline = emergency_baseline_per_head
    admissions = np.clip(
        (baseline - per_head) / np.maximum(levers.admissions_target_reduction * baseline, 1e-12),
        0.0,
        1.0,
    )
    quality = area_totals(state.quality * lists, state, n_areas) / heads
    weight = levers.quality_premium_admissions_weight
    score = weight * admissions + (1.0 - weight) * quality
    eligible = ledger.balance_gbp(accounts.commissioner) >= 0
    amount = levers.quality_premium_gbp_per_head_per_year * population * score * eligible
    ledger.pay(TREASURY, accounts.commissioner, amount, Purpose.QUALITY_PREMIUM)
    return amount
