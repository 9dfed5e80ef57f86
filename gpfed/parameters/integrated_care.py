"""Integrated-care levers: the GP contract regime, tenders, contract terms, outcome pay.

What lots are let and how (regime, calendar, localities, eligibility, scoring), what a contract
pays (capitation, outcome-linked share, the definition of core services behind paying twice)
and how it is enforced (notices, retention), plus the commissioners' quality premium.
"""

from __future__ import annotations

from gpfed.parameters.machinery import PROPOSED, Parameter

GROUP = "integrated care"

PARAMETERS = [
    Parameter(
        "gp_contract_regime",
        "gms",
        "",
        "GP contract regime: GMS only (no integrated lots), optional integrated contract "
        "held by federations with right of return, mandatory tenders of integrated contracts "
        "alongside GMS, or competitive commissioning with no national GP contract.",
        "DESIGN.md §1-2",
        GROUP,
        choices=("gms", "optional", "mandatory", "competitive"),
        schedulable=True,
    ),
    Parameter(
        "tender_every_quarters",
        4,
        "quarters",
        "Offer calendar of the optional contract: federations may opt in every this many "
        "quarters (under mandatory and competitive tendering commissioners may start a "
        "procurement in any quarter).",
        PROPOSED,
        GROUP,
        low=1,
        high=40,
    ),
    Parameter(
        "locality_population",
        50_000,
        "patients",
        "Target population of a locality (population lot) under mandatory or competitive "
        "tendering.",
        "King's Fund 2014: family care networks of 25,000-100,000",
        GROUP,
        low=5_000,
        high=2_000_000,
    ),
    Parameter(
        "pathway_lots",
        True,
        "",
        "Commissioners also tender a diabetes pathway lot for practices no population "
        "contract covers (mandatory and competitive regimes).",
        "MODEL-SPEC: pathway lots, e.g. diabetes",
        GROUP,
    ),
    Parameter(
        "bidder_min_population",
        20_000,
        "patients",
        "Smallest federation list that can hold an integrated contract.",
        PROPOSED,
        GROUP,
        low=0,
        high=2_000_000,
    ),
    Parameter(
        "trusts_may_bid",
        True,
        "",
        "Trusts may bid alone for integrated contracts.",
        "DESIGN.md §2",
        GROUP,
    ),
    Parameter(
        "alliances_may_bid",
        True,
        "",
        "Federation and trust alliances (integrated care organisations) may bid.",
        "Nuffield Trust & King's Fund 2010, ICOs",
        GROUP,
    ),
    Parameter(
        "outside_entrants",
        False,
        "",
        "An outside entrant (e.g. an independent-sector provider) may bid for every tendered lot.",
        "DESIGN.md §2",
        GROUP,
    ),
    Parameter(
        "savings_target",
        0.02,
        "share of baseline spend",
        "Budget of a lot = its baseline spend x (1 - savings target); the reserve price.",
        PROPOSED,
        GROUP,
        low=0,
        high=0.5,
    ),
    Parameter(
        "community_services_gbp_per_head_per_year",
        160.0,
        "£ per patient per year",
        "Community health services in a population lot (bought from other services).",
        "approx.: community services ~£9bn in 2013/14 (King's Fund) / 56m patients",
        GROUP,
        low=0,
        high=2000,
    ),
    Parameter(
        "diabetes_care_gbp_per_diabetic_per_year",
        400.0,
        "£ per diabetic patient per year",
        "Community and specialist diabetes care in a pathway lot (bought from other services).",
        PROPOSED,
        GROUP,
        low=0,
        high=10_000,
    ),
    Parameter(
        "quality_weight",
        0.65,
        "weight",
        "Weight of quality in a bid's score (the rest on price).",
        "the only published NHS example found used 65% quality / 35% price (MODEL-SPEC)",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "direct_award_probability",
        0.0,
        "probability",
        "Chance a commissioner awards a lot directly to the most capable bidder at the "
        "reserve price, without competition.",
        "Procurement Regulations 2013 allow no tender",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "contract_length_quarters",
        20,
        "quarters",
        "Length of an integrated contract.",
        "APMS 5 years; new care-model contracts 10-15 years",
        GROUP,
        low=4,
        high=60,
    ),
    Parameter(
        "bid_cost_share_of_annual_value",
        0.007,
        "share of annual lot value",
        "Cost of preparing a bid, paid by every bidder.",
        "UnitingCare: ~£1m to bid for a £726m five-year contract",
        GROUP,
        low=0,
        high=0.1,
    ),
    Parameter(
        "commissioner_own_federation_bias",
        0.0,
        "score points",
        "Score added to bids by GP federations of the commissioner's own area (commissioner-"
        "provider merger).",
        "R. Lewis (King's Fund): merging commissioner and provider roles",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "retention_threshold",
        0.5,
        "achievement (0-1)",
        "At expiry a holder whose mean outcome achievement reaches this keeps the contract "
        "without a tender (commissioner discretion); otherwise the lot is tendered again.",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "service_delivery_quality_slope",
        0.4,
        "probability per unit of quality",
        "How much more likely a practice of higher quality is to deliver each GMS, QOF or "
        "enhanced-service line of the service catalogue (drawn at the start): probability = "
        "the line's share of practices delivering it + slope x (quality - 0.5).",
        "[P] National Diabetes Audit 2012-13: each care process done for 87-96% of patients, "
        "all of them for 59.9%, the best area four times the worst",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "core_definition",
        0.0,
        "share of overlapping lines",
        "How tightly core GP services are defined: the share of the service-catalogue lines GMS, "
        "QOF or enhanced services already pay for (highest value first) defined as core and "
        "netted out of integrated contracts (1: nothing paid twice).",
        "King's Fund 2011: core services undefined (0)",
        GROUP,
        low=0,
        high=1,
        schedulable=True,
    ),
    Parameter(
        "gms_merged_into_contract",
        False,
        "",
        "GMS money of covered practices is merged into population contracts (the holder pays "
        "them); always so under competitive commissioning.",
        "King's Fund 2014: one contract merging general practice and community funding",
        GROUP,
    ),
    Parameter(
        "outcome_payment_share",
        0.025,
        "share of contract value",
        "Share of contract value withheld and paid by achievement of the admissions target.",
        "CQUIN 0.5% (2009) to 2.5%; Bedfordshire MSK 3-5%; AQC up to 10%",
        GROUP,
        low=0,
        high=0.1,
    ),
    Parameter(
        "admissions_target_reduction",
        0.03,
        "share of baseline",
        "Emergency admissions target of a contract: this much below its baseline.",
        PROPOSED,
        GROUP,
        low=0.001,
        high=0.5,
    ),
    Parameter(
        "remedial_threshold",
        0.2,
        "achievement (0-1)",
        "A holder whose quarterly achievement falls below this gets a remedial notice.",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "quality_premium_gbp_per_head_per_year",
        5.0,
        "£ per patient per year",
        "Largest quality premium paid to a commissioner (yearly), nothing if it is in deficit.",
        "NHS England quality premium 2014/15: up to £5 per head",
        GROUP,
        low=0,
        high=50,
    ),
    Parameter(
        "quality_premium_admissions_weight",
        0.25,
        "weight",
        "Weight of avoidable emergency admissions in the quality premium (the rest on "
        "practice quality).",
        "NHS England 2014/15: 25%",
        GROUP,
        low=0,
        high=1,
    ),
]
