"""Market parameters: how trusts plan capacity and how the regulator steps in (MODEL-SPEC §C).

Each year a trust moves its capacity part of the way toward the activity it expects to be paid
for, plus the spare capacity payment per episode makes worth holding; a trust in deficit for long
enough comes under regulator intervention (a capacity freeze and a cost-improvement requirement).
"""

from __future__ import annotations

from gpfed.parameters.machinery import Parameter

GROUP = "markets"

PARAMETERS = [
    Parameter(
        "trust_capacity_adjustment_per_year",
        0.5,
        "share of the gap a year",
        "Share of the gap between a trust's capacity and the capacity it plans for that it "
        "closes in a year (adjustment costs make the move gradual).",
        "[P] partial adjustment; beds move slowly (G&A beds fell about 1% a year from 110,568 "
        "in 2010/11, KH03 via BMJ 2021)",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "trust_capacity_change_cap_per_year",
        0.05,
        "share of capacity a year",
        "Largest change in a trust's capacity in one year, up or down.",
        "[P] about five times the national yearly fall in G&A beds (KH03 via BMJ 2021)",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "trust_capacity_adjustment_cost_years",
        0.5,
        "years of running cost",
        "One-off cost of opening or closing a unit of capacity, in years of that unit's "
        "running (fixed) cost: recruitment, commissioning, redundancy.",
        "[P]",
        GROUP,
        low=0,
        high=10,
    ),
    Parameter(
        "trust_deficit_years_to_intervention",
        2,
        "years",
        "Consecutive years in deficit after which the regulator intervenes in a trust "
        "(capacity frozen, cost improvement required) until it has a year in surplus.",
        "[P] NHS Improvement's financial special measures (2016) were for trusts with "
        "sustained deficits",
        GROUP,
        low=1,
        high=40,
    ),
    Parameter(
        "trust_cost_improvement_per_year",
        0.04,
        "share of running cost a year",
        "Cost improvement the regulator requires of a trust under intervention: its running "
        "cost per unit of capacity falls by this share a year.",
        "tariff efficiency requirement of about 4% a year, 2011/12-2014/15 (Monitor; King's "
        "Fund on the Nicholson challenge)",
        GROUP,
        low=0,
        high=0.5,
    ),
]
