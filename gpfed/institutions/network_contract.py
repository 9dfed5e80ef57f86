"""Network payments: what commissioners pay federations (or networks) for being one.

The federation incentive (£ per patient a year to federations of at least a threshold list: the
2019 network contract is one), the reward for scale (rising with the list up to 100,000
patients), and out-of-hours provision handed to federations with its payment per patient.
"""

from __future__ import annotations

import numpy as np

from gpfed.parameters import Levers
from gpfed.world.ledger import ECONOMY, Accounts, Ledger, Purpose
from gpfed.world.units import QUARTERS_PER_YEAR

REFERENCE_LIST_PATIENTS = 50_000
"""Out-of-hours provision costs its payment at this list; it falls with scale like back office."""
SCALE_REWARD_FULL_PATIENTS = 100_000
"""The reward for scale is paid in full from this list."""


def incentive_gbp_per_year(pooled_list: np.ndarray, levers: Levers) -> np.ndarray:
    """Federation incentive of federations of at least the threshold list, £ a year."""
    return (
        levers.federation_incentive_gbp_per_patient_per_year
        * pooled_list
        * (pooled_list >= levers.federation_incentive_threshold_patients)
    )


def scale_reward_gbp_per_year(pooled_list: np.ndarray, levers: Levers) -> np.ndarray:
    """Reward for scale, rising with the list up to 100,000 patients, £ a year."""
    return (
        levers.reward_for_scale_gbp_per_patient_per_year
        * pooled_list
        * np.minimum(pooled_list / SCALE_REWARD_FULL_PATIENTS, 1.0)
    )


def ooh_margin_gbp_per_year(pooled_list: np.ndarray, levers: Levers) -> np.ndarray:
    """Out-of-hours payment less provision cost, £ a year.

    Provision per patient costs the payment at 50,000 patients and falls with scale like
    back-office costs.
    """
    scale = np.maximum(pooled_list, 1.0) / REFERENCE_LIST_PATIENTS
    cost_ratio = scale ** (levers.backoffice_saving_exponent - 1.0)
    return levers.ooh_gbp_per_patient_per_year * pooled_list * (1.0 - cost_ratio)


def pay_network_payments(
    ledger: Ledger,
    accounts: Accounts,
    federation_accounts: np.ndarray,
    federation_areas: np.ndarray,
    pooled_list: np.ndarray,
    levers: Levers,
) -> np.ndarray:
    """Commissioners pay federations this quarter's incentive, reward for scale and out-of-hours.

    Federations holding out-of-hours pay its provision cost to the economy.

    Returns:
        Each commissioner's spend on network payments, £.
    """
    commissioner = accounts.commissioner[federation_areas]
    quarter = 1.0 / QUARTERS_PER_YEAR
    incentive = incentive_gbp_per_year(pooled_list, levers) * quarter
    reward = scale_reward_gbp_per_year(pooled_list, levers) * quarter
    ledger.pay(commissioner, federation_accounts, incentive, Purpose.FEDERATION_INCENTIVE)
    ledger.pay(commissioner, federation_accounts, reward, Purpose.REWARD_FOR_SCALE)
    spend = incentive + reward
    if levers.ooh_to_federations:
        payment = levers.ooh_gbp_per_patient_per_year * pooled_list * quarter
        ledger.pay(commissioner, federation_accounts, payment, Purpose.OOH_PAYMENT)
        ledger.pay(
            federation_accounts,
            ECONOMY,
            payment - ooh_margin_gbp_per_year(pooled_list, levers) * quarter,
            Purpose.OOH_COSTS,
        )
        spend = spend + payment
    return np.bincount(federation_areas, weights=spend, minlength=len(accounts.commissioner))
