"""Market parameters: trusts' capacity, the regulator, commissioners' procurement, bidders.

Each year a trust moves its capacity part of the way toward the activity it expects to be paid
for, plus the spare capacity payment per episode makes worth holding; a trust in deficit for long
enough comes under regulator intervention (a capacity freeze and a cost-improvement requirement).
Commissioners procure a lot only when the saving they expect, at the success rate they have seen,
beats the cost of procuring it, within a procurement capacity and a procurement's duration.
Bidders price expected cost plus a premium for the risk they would bear and a markup they adapt,
bid only when the expected profit at their learned chance of winning beats the bid cost, and do
not bid alone for a risk they cannot carry (MODEL-SPEC §C).
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
    Parameter(
        "procurement_quarters",
        5,
        "quarters",
        "Quarters from a tender notice to the contract's start (a procurement in progress).",
        "Bedfordshire MSK: about 15 months from tender notice to start (MODEL-SPEC §C2)",
        GROUP,
        low=1,
        high=20,
    ),
    Parameter(
        "procurements_at_once",
        1,
        "procurements per commissioner",
        "Integrated-contract procurements a commissioner can run at the same time.",
        "[P] CCGs ran about 4.3 competitive tenders a year in 2019, 1.96% of clinical spend, "
        "nearly all small services (IHPN FOI); an integrated contract is a major procurement",
        GROUP,
        low=0,
        high=50,
    ),
    Parameter(
        "procurement_cost_gbp",
        500_000.0,
        "£ per procurement",
        "What running a procurement costs the commissioner (specification, evaluation, advice).",
        "[P] bidders spent about £1m each on UnitingCare (MODEL-SPEC §Contracts); commissioning "
        "support under the Lead Provider Framework cost £8.4m to Dec 2015 (MODEL-SPEC §C2)",
        GROUP,
        low=0,
        high=100_000_000,
    ),
    Parameter(
        "commissioner_record_weight_quarters",
        8,
        "quarters",
        "Weight of a bidder's promised quality when the commissioner judges it, in quarters of "
        "observed outcome achievement: judged quality = (k x promised + n x observed) / (k + n).",
        "[P]",
        GROUP,
        low=0,
        high=400,
    ),
    Parameter(
        "bidder_risk_aversion",
        2.0,
        "relative risk aversion",
        "A bidder's risk premium a year = r x SD^2 / (2 W): SD of the yearly result it would "
        "keep under the contract's risk-sharing terms, W what it can lose in a year.",
        "[I] estimates of relative risk aversion mostly lie between 1 and 4 (e.g. Holt & Laury, "
        "AER 2002)",
        GROUP,
        low=0,
        high=20,
    ),
    Parameter(
        "bid_markup_step",
        0.2,
        "share of the markup",
        "How far a bidder moves its markup after a tender: up by this share after a win, down "
        "after a loss.",
        "[P]",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "trust_bid_quality",
        0.5,
        "quality (0-1)",
        "Quality a trust brings to a bid before coordination capacity (a federation brings its "
        "members' quality).",
        "[P] the middle of the scale",
        GROUP,
        low=0,
        high=1,
    ),
]
