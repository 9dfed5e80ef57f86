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
"""

from __future__ import annotations

from types import SimpleNamespace


def provider_retained_gbp(
    variance_gbp: float, budget_gbp: float, quarters_held: int, levers: SimpleNamespace
) -> float:
    """The part of the variance the provider keeps (a gain) or bears (negative: a loss), £.

    Args:
        variance_gbp: budget less realised cost this quarter.
        budget_gbp: the contract's budget this quarter.
        quarters_held: quarters since the contract started (0 in its first quarter).
        levers: parameter values in force.
    """
    if levers.risk_sharing == "shares":
        if variance_gbp >= 0:
            kept = levers.provider_gain_share * variance_gbp
        elif quarters_held < levers.loss_share_glide_quarters:
            kept = 0.0
        else:
            kept = levers.provider_loss_share * variance_gbp
    else:
        kept = variance_gbp - payer_corridor_share_gbp(variance_gbp, budget_gbp, levers)
    stop_loss = levers.stop_loss_share_of_budget * budget_gbp
    profit_cap = levers.profit_cap_share_of_budget * budget_gbp
    return min(max(kept, -stop_loss), profit_cap)


def payer_corridor_share_gbp(
    variance_gbp: float, budget_gbp: float, levers: SimpleNamespace
) -> float:
    """The payer's part of the variance under the risk corridor, £ (same sign as the variance)."""
    size = abs(variance_gbp)
    inner = levers.corridor_inner_band * budget_gbp
    outer = max(levers.corridor_outer_band * budget_gbp, inner)
    in_band = min(max(size - inner, 0.0), outer - inner)
    beyond = max(size - outer, 0.0)
    payer = levers.corridor_payer_share_inner * in_band + levers.corridor_payer_share_outer * beyond
    return payer if variance_gbp >= 0 else -payer
