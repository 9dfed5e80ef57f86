"""Risk sharing: how a contract's variance against its capitated budget is split.

The variance of a quarter is V = budget - realised cost (positive: underspend). The provider
keeps part of it and the commissioner takes the rest, by one of two rules (MODEL-SPEC "Risk
sharing"):

* ``shares``: the provider keeps ``gain_share`` of an underspend and bears ``loss_share`` of an
  overspend, except during the glide path at the start of a contract, when it bears none;
* ``corridor`` (ACA section 1342 style, symmetric): within the inner band of the budget the
  provider bears all of V; between the bands the payer bears ``payer_share_inner`` of the part in
  that band; beyond the outer band the payer bears ``payer_share_outer`` of the part beyond it.

Then the stop-loss caps the provider's loss and the profit cap its gain, each as a share of the
quarter's budget. All amounts are £ a quarter; the caller moves the money through the ledger.

:func:`marginal_retained_share` is what a provider keeps of one more pound saved: the incentive
the terms give its members to lower costs.
"""

from __future__ import annotations

import numpy as np

from gpfed.parameters import Levers
from gpfed.world.units import QUARTERS_PER_YEAR


def provider_retained_gbp(
    variance_gbp: float | np.ndarray,
    budget_gbp: float | np.ndarray,
    quarters_held: int | np.ndarray,
    levers: Levers,
) -> np.ndarray:
    """The part of the variance the provider keeps (a gain) or bears (negative: a loss), £.

    Works on one contract or on arrays of contracts.

    Args:
        variance_gbp: budget less realised cost this quarter.
        budget_gbp: the contract's budget this quarter.
        quarters_held: quarters since the contract started (0 in its first quarter).
        levers: parameter values in force.
    """
    variance = np.asarray(variance_gbp, dtype=float)
    budget = np.asarray(budget_gbp, dtype=float)
    if levers.risk_sharing == "shares":
        in_glide = np.asarray(quarters_held) < levers.loss_share_glide_quarters
        loss = np.where(in_glide, 0.0, levers.provider_loss_share * variance)
        kept = np.where(variance >= 0, levers.provider_gain_share * variance, loss)
    else:
        kept = variance - payer_corridor_share_gbp(variance, budget, levers)
    stop_loss = levers.stop_loss_share_of_budget * budget
    profit_cap = levers.profit_cap_share_of_budget * budget
    return np.minimum(np.maximum(kept, -stop_loss), profit_cap)


def payer_corridor_share_gbp(
    variance_gbp: float | np.ndarray, budget_gbp: float | np.ndarray, levers: Levers
) -> np.ndarray:
    """The payer's part of the variance under the risk corridor, £ (same sign as the variance)."""
    variance = np.asarray(variance_gbp, dtype=float)
    budget = np.asarray(budget_gbp, dtype=float)
    size = np.abs(variance)
    inner = levers.corridor_inner_band * budget
    outer = np.maximum(levers.corridor_outer_band * budget, inner)
    in_band = np.clip(size - inner, 0.0, None)
    in_band = np.minimum(in_band, outer - inner)
    beyond = np.clip(size - outer, 0.0, None)
    payer = levers.corridor_payer_share_inner * in_band + levers.corridor_payer_share_outer * beyond
    return np.where(variance >= 0, payer, -payer)


MARGINAL_STEP_SHARE = 0.001
"""Step, as a share of the budget, over which the marginal retained share is measured."""


def marginal_retained_share(
    variance_share: float | np.ndarray,
    budget_gbp: float | np.ndarray,
    quarters_held: int | np.ndarray,
    levers: Levers,
) -> np.ndarray:
    """The share of one more pound saved that the provider keeps, at its present variance.

    Measured on :func:`provider_retained_gbp` itself over a small step towards a larger
    underspend (saving is what care effort does), so gain shares, corridors, glide paths,
    stop-loss and profit caps all act on the incentive exactly as they act on the money: a
    provider at its profit cap keeps nothing of a further saving.

    Args:
        variance_share: the provider's variance against budget last quarter, as a share of budget.
        budget_gbp: the contract's budget this quarter (positive).
        quarters_held: quarters since the contract started.
        levers: parameter values in force.
    """
    budget = np.asarray(budget_gbp, dtype=float)
    variance = np.asarray(variance_share, dtype=float) * budget
    step = MARGINAL_STEP_SHARE * budget
    kept_before = provider_retained_gbp(variance, budget, quarters_held, levers)
    kept_after = provider_retained_gbp(variance + step, budget, quarters_held, levers)
    return np.divide(kept_after - kept_before, step, out=np.zeros_like(budget), where=step > 0)


def yearly_retained_risk_gbp(
    cost_sd_share: float | np.ndarray, budget_gbp: float, levers: Levers
) -> np.ndarray:
    """SD of the result a provider keeps over a year of independent quarterly cost shocks, £.

    Past the glide path (a provider plans for the whole contract): twice the quarterly SD
    (:func:`retained_risk_gbp`), as four independent quarters add their variances.

    Args:
        cost_sd_share: SD of realised cost around budget each quarter, as a share of budget.
        budget_gbp: the budget a quarter (per patient for a per-patient figure).
        levers: parameter values in force.
    """
    quarterly = retained_risk_gbp(
        cost_sd_share, budget_gbp, levers.loss_share_glide_quarters, levers
    )
    return np.sqrt(QUARTERS_PER_YEAR) * quarterly


def retained_risk_gbp(
    cost_sd_share: float | np.ndarray,
    budget_gbp: float | np.ndarray,
    quarters_held: int,
    levers: Levers,
) -> np.ndarray:
    """The spread of what a provider keeps when its cost misses budget by one SD, £ a quarter.

    Half the difference between what it keeps of a one-SD underspend and bears of a one-SD
    overspend: the SD of its retained result for a symmetric cost shock (all of it without
    sharing, less under gain shares, corridors, stop-loss and caps).

    Args:
        cost_sd_share: SD of realised cost around budget, as a share of budget.
        budget_gbp: the budget a quarter.
        quarters_held: quarters into the contract (the glide path bears no loss).
        levers: parameter values in force.
    """
    budget = np.asarray(budget_gbp, dtype=float)
    shock = np.asarray(cost_sd_share, dtype=float) * budget
    kept = provider_retained_gbp(shock, budget, quarters_held, levers)
    borne = provider_retained_gbp(-shock, budget, quarters_held, levers)
    return (kept - borne) / 2
