"""Commissioners' money: an allocation per head from the treasury, and the other services it buys.

What the modelled services (GMS, hospital activity, contracts) leave of the allocation buys other
services at a rate per head fixed at the start, less what integrated contracts now buy.
"""

from __future__ import annotations

import numpy as np

from gpfed.parameters import Levers
from gpfed.world.ledger import ECONOMY, TREASURY, Accounts, Ledger, Purpose
from gpfed.world.state import CommissionerState
from gpfed.world.units import QUARTERS_PER_YEAR


def pay_allocations(
    ledger: Ledger, accounts: Accounts, population: np.ndarray, levers: Levers
) -> None:
    """The treasury pays each commissioner its allocation per registered patient this quarter."""
    ledger.pay(
        TREASURY,
        accounts.commissioner,
        levers.commissioner_allocation_gbp_per_head_per_year * population / QUARTERS_PER_YEAR,
        Purpose.ALLOCATION,
    )


def buy_other_services(
    ledger: Ledger,
    accounts: Accounts,
    commissioners: CommissionerState,
    population: np.ndarray,
    in_contracts_gbp: np.ndarray,
) -> np.ndarray:
    """Each commissioner buys other services at its rate per head, less what contracts buy.

    Returns:
        What each commissioner paid, £.
    """
    other = np.maximum(
        commissioners.other_services_gbp_per_head_per_quarter * population - in_contracts_gbp,
        0.0,
    )
    ledger.pay(accounts.commissioner, ECONOMY, other, Purpose.OTHER_SERVICES)
    return other
