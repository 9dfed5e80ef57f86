"""Risk-sharing levers: how a contract's variance against its budget is split.

Gain and loss shares with a glide path, or a symmetric corridor, with stop-loss and profit cap;
and an ICO trust partner's share of the alliance's result.
"""

from __future__ import annotations

from gpfed.parameters.machinery import PROPOSED, Parameter

GROUP = "risk sharing"

PARAMETERS = [
    Parameter(
        "risk_sharing",
        "corridor",
        "",
        "How a contract's over- or underspend is split: risk corridors, or gain and loss "
        "shares with a glide path.",
        "MODEL-SPEC; ACA section 1342 corridors; AQC shares",
        GROUP,
        choices=("corridor", "shares"),
    ),
    Parameter(
        "provider_gain_share",
        0.5,
        "share",
        "Share of an underspend the provider keeps (shares rule).",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "provider_loss_share",
        0.5,
        "share",
        "Share of an overspend the provider bears after the glide path (shares rule).",
        "AQC-style [P]",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "loss_share_glide_quarters",
        8,
        "quarters",
        "Quarters at the start of a contract in which the provider bears no overspend "
        "(shares rule).",
        "AQC-style: none in years 1-2 [P]",
        GROUP,
        low=0,
        high=60,
    ),
    Parameter(
        "corridor_inner_band",
        0.03,
        "share of budget",
        "Variance within this share of budget is the provider's alone.",
        "ACA section 1342: 3%",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "corridor_outer_band",
        0.08,
        "share of budget",
        "Beyond this share of budget the payer bears the outer share.",
        "ACA section 1342: 8%",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "corridor_payer_share_inner",
        0.5,
        "share",
        "Payer's share of variance between the inner and outer bands.",
        "ACA section 1342: 50%",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "corridor_payer_share_outer",
        0.8,
        "share",
        "Payer's share of variance beyond the outer band.",
        "ACA section 1342: 80%",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "stop_loss_share_of_budget",
        0.1,
        "share of budget per quarter",
        "Stop-loss: the provider's loss in a quarter is capped at this share of its budget.",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "profit_cap_share_of_budget",
        1.0,
        "share of budget per quarter",
        "Profit cap: the provider keeps at most this share of its budget (1: no cap).",
        "Alzira concession: 7.5% of turnover",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "ico_trust_risk_share",
        0.5,
        "share",
        "Share of an alliance's (ICO's) contract result borne by its trust partner.",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
]
