"""Hospital payment levers: PbR with MRET, block, capitation, blends; tariffs and allocations.

How commissioners pay trusts and what they receive per head.
"""

from __future__ import annotations

from gpfed.parameters.machinery import PROPOSED, Parameter

GROUP = "hospital payment"

PARAMETERS = [
    Parameter(
        "emergency_tariff_gbp",
        2360.0,
        "£ per admission",
        "Average tariff of an emergency admission.",
        "NAO 2013, 2012/13: ~£2,360 each",
        GROUP,
        low=0,
        high=50000,
        schedulable=True,
    ),
    Parameter(
        "elective_tariff_gbp",
        1300.0,
        "£ per admission",
        "Average tariff of an elective admission (day case and ordinary).",
        "[P] approx., between day-case and ordinary tariffs",
        GROUP,
        low=0,
        high=50000,
        schedulable=True,
    ),
    Parameter(
        "trust_spare_capacity_share",
        0.136,
        "share of baseline activity",
        "Trust capacity above baseline activity.",
        "[I] general and acute beds about 88% occupied (KH03: 86% Q1 2010/11, 88% Q4 2019/20, "
        "Nuffield Trust; 91.4% at the winter peak, Q4 2016/17, HSJ): 1 / 0.88 - 1 = 0.136",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "hospital_payment",
        "pbr",
        "",
        "How commissioners pay trusts: payment by results "
        "(tariff per episode), block, capitation, or a blend of PbR and block.",
        "DESIGN.md §2",
        GROUP,
        choices=("pbr", "block", "capitation", "blend"),
        schedulable=True,
    ),
    Parameter(
        "blend_pbr_share",
        0.5,
        "share",
        "PbR share of trust income under the blend.",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
        schedulable=True,
    ),
    Parameter(
        "mret_marginal_rate",
        0.3,
        "share of tariff",
        "Rate paid for emergency admissions above "
        "the baseline (marginal rate emergency tariff); the commissioner keeps the rest.",
        "DH: 30% in 2010-14 (50% proposed for 2015/16)",
        GROUP,
        low=0,
        high=1,
        schedulable=True,
    ),
    Parameter(
        "trust_fixed_cost_share",
        0.5,
        "share of baseline cost",
        "Share of a trust's baseline cost that does not vary with activity.",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "commissioner_allocation_gbp_per_head_per_year",
        1281.0,
        "£ per registered patient per year",
        "Allocation to commissioners; what the modelled services do not use buys other "
        "services at a fixed rate.",
        "approx.: CCG allocations 2013/14 (~£64bn / ~56m) plus GP services £136 per patient (IfG)",
        GROUP,
        low=0,
        high=10000,
        schedulable=True,
    ),
]
