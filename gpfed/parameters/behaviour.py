"""Behavioural parameters: how practices, federations, trusts and bidders respond.

Not levers a policy sets but the behaviour it acts through: exit thresholds, the value of
federating and the inertia of choosing, sharing rules, bid markups, what contract holders can
achieve. Most are proposed ([P]) and are calibrated or swept.
"""

from __future__ import annotations

from gpfed.parameters.machinery import PROPOSED, Parameter

GROUP = "behaviour"

PARAMETERS = [
    Parameter(
        "patient_switching_per_1000_per_year",
        11.2,
        "patients per 1,000 per year",
        "Patients who change practice each year without moving home; they choose among the "
        "open practices near their own.",
        "BMC Fam Pract 2013;14:89: mean 11.2 per 1,000 a year (median 7.3), 8,450 practices, "
        "c. 2010",
        GROUP,
        low=0,
        high=200,
    ),
    Parameter(
        "patient_choice_quality_per_sd",
        0.157,
        "log-odds per SD of quality",
        "Weight a switching patient puts on a practice's quality (per standard deviation of "
        "quality across practices).",
        "Santos, Gravelle & Propper, Econ J 2017;127:445: +1 SD clinical quality, +17% patients "
        "choosing the practice (ln 1.17 = 0.157)",
        GROUP,
        low=0,
        high=5,
    ),
    Parameter(
        "patient_choice_distance_per_km",
        0.3,
        "log-odds per km",
        "Weight a switching patient puts on distance to a practice (most choose by proximity).",
        PROPOSED + " (Monitor 2015: most patients choose by proximity)",
        GROUP,
        low=0,
        high=10,
    ),
    Parameter(
        "quality_admission_effect",
        0.5,
        "per unit quality",
        "Fall in emergency admissions per "
        "unit of quality above the mean (smaller practices: more avoidable admissions, IFS "
        "2014).",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "induced_demand_elasticity",
        0.5,
        "per unit spare capacity",
        "Supply-induced demand "
        "under payment by results: extra activity per unit of the referral trust's spare "
        "capacity (fee-for-service raises volumes: Cochrane CD002215).",
        PROPOSED,
        GROUP,
        low=0,
        high=5,
        schedulable=True,
    ),
    Parameter(
        "practice_working_capital_quarters",
        0.5,
        "quarters of expenses",
        "Reserves partners keep in the practice before drawing profit.",
        PROPOSED,
        GROUP,
        low=0,
        high=8,
    ),
    Parameter(
        "exit_profit_threshold_share",
        0.45,
        "share of national mean profit per partner",
        "A practice is failing while its annualised profit per partner is below this share "
        "of £106,100 (NHS IC, 2011/12).",
        PROPOSED,
        GROUP,
        low=0,
        high=2,
    ),
    Parameter(
        "exit_quarters",
        4,
        "quarters",
        "Consecutive failing quarters before a practice exits.",
        PROPOSED,
        GROUP,
        low=1,
        high=40,
    ),
    Parameter(
        "merge_probability",
        0.6,
        "probability",
        "Chance an exiting practice merges into a neighbour rather than handing back its contract.",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "federation_reconsider_share",
        0.1,
        "share of practices per quarter",
        "Share of open practices that reconsider their federation choice each quarter "
        "(the rest keep it: inertia).",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "federation_autonomy_cost_gbp_per_year",
        20_000.0,
        "£ per practice per year",
        "Mean value a practice puts on its autonomy: the cost to it of being in a federation "
        "(lognormal across practices).",
        PROPOSED,
        GROUP,
        low=0,
        high=1_000_000,
    ),
    Parameter(
        "federation_autonomy_cost_sd",
        0.6,
        "log SD",
        "Spread of the autonomy cost across practices (SD of its logarithm).",
        PROPOSED,
        GROUP,
        low=0,
        high=3,
    ),
    Parameter(
        "federation_choice_noise_gbp_per_year",
        10_000.0,
        "£ per year",
        "Scale of the logit choice over federation options: larger means choices depend less "
        "on value.",
        PROPOSED,
        GROUP,
        low=1,
        high=1_000_000,
    ),
    Parameter(
        "backoffice_saving_gbp_per_patient_per_year",
        2.0,
        "£ per patient per year at 50,000 patients",
        "Pooled back-office saving per patient of a federation of 50,000 patients; total "
        "saving scales as (list / 50,000) ^ backoffice_saving_exponent.",
        PROPOSED + "; practice expenses show little scale economy (NHS Digital 2013/14)",
        GROUP,
        low=0,
        high=50,
    ),
    Parameter(
        "backoffice_saving_exponent",
        0.8,
        "exponent",
        "Concavity of pooled back-office savings in the federation's list (beta < 1).",
        PROPOSED,
        GROUP,
        low=0.1,
        high=1,
    ),
    Parameter(
        "coordination_cost_gbp_per_year",
        40_000.0,
        "£ per year at 10 members",
        "Governance and coordination cost of a federation of 10 practices; scales as "
        "(members / 10) ^ coordination_cost_exponent.",
        PROPOSED,
        GROUP,
        low=0,
        high=1_000_000,
    ),
    Parameter(
        "coordination_cost_exponent",
        1.5,
        "exponent",
        "Convexity of coordination cost in the number of members (gamma > 1).",
        PROPOSED,
        GROUP,
        low=1,
        high=4,
    ),
    Parameter(
        "risk_pooling_value_gbp_per_patient_per_year",
        0.5,
        "£ per patient per year",
        "Value of spreading a member's losses over the federation's reserves, at full "
        "diversification; scales as 1 - 1/sqrt(members).",
        PROPOSED,
        GROUP,
        low=0,
        high=20,
    ),
    Parameter(
        "federation_sharing_rule",
        "list",
        "",
        "How a federation shares its surplus or loss among members: by list, equally, by "
        "Shapley value, or by performance (each member of a contract-holding federation is "
        "first paid the holder's kept share of the hospital spend its own patients saved "
        "against their expected spend; the rest by list).",
        "MODEL-SPEC (Aumann-Dreze); performance: practice-based commissioning's indicative "
        "budgets (DH 2004)",
        GROUP,
        choices=("list", "equal", "shapley", "performance"),
    ),
    Parameter(
        "shapley_exact_max_members",
        10,
        "members",
        "Largest federation whose Shapley values are computed exactly; larger ones are "
        "estimated from sampled orderings.",
        "MODEL-SPEC",
        GROUP,
        low=1,
        high=16,
    ),
    Parameter(
        "shapley_samples",
        200,
        "orderings",
        "Member orderings sampled to estimate Shapley values of larger federations.",
        "Castro, Gomez & Tejada 2009: sampling error falls as 1/sqrt(samples)",
        GROUP,
        low=10,
        high=100_000,
    ),
    Parameter(
        "federation_leave_quarters",
        4,
        "quarters",
        "Quarters in a row a member's share must fall below its stand-alone value before it "
        "leaves.",
        PROPOSED,
        GROUP,
        low=1,
        high=40,
    ),
    Parameter(
        "federation_learning_rate",
        0.25,
        "weight of the latest quarter",
        "How members learn what their federation is worth: the weight of each quarter's "
        "payments in their smoothed record, and how fast that record displaces the value they "
        "expected when they joined.",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "federation_retained_share",
        0.2,
        "share of surplus",
        "Share of a federation's positive surplus kept as reserves before paying members.",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "federation_reserve_target_quarters",
        1.0,
        "quarters of members' expenses",
        "Reserves above which a federation pays out all its surplus.",
        PROPOSED,
        GROUP,
        low=0,
        high=8,
    ),
    Parameter(
        "entrant_cost_efficiency",
        0.97,
        "ratio",
        "An outside entrant's expected cost relative to the baseline, before integration.",
        PROPOSED,
        GROUP,
        low=0.5,
        high=1.5,
    ),
    Parameter(
        "entrant_quality",
        0.4,
        "quality (0-1)",
        "Quality an outside entrant brings to a bid before coordination capacity (a trust "
        "brings trust_bid_quality: it knows the local system).",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "bid_markup",
        0.08,
        "share of expected cost",
        "Markup of a bidder's first bid over its expected cost; each bidder then adapts its own "
        "after every tender (bid_markup_step).",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "care_effort_cost_gbp_per_patient_per_year",
        10.0,
        "£ per patient per year at full effort",
        "What full care-management effort costs a practice: case managers, care plans and "
        "referral review for its patients with long-term conditions (cost rises in proportion "
        "to effort).",
        "[I] Avoiding Unplanned Admissions enhanced service 2014/15: £2.87 per registered "
        "patient to case-manage 2% of adults (about £144 each); full effort extends it to the "
        "high-risk ~7% of patients",
        GROUP,
        low=0,
        high=500,
    ),
    Parameter(
        "avoidable_emergency_share",
        0.24,
        "share of emergency admissions",
        "Share of emergency admissions that better primary and community care could avoid "
        "(ambulatory-care-sensitive).",
        "NAO, Reducing emergency admissions (2018): 24% of 5.8m in 2016/17 avoidable",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "care_effort_avoidable_reduction",
        0.12,
        "share of avoidable emergency admissions",
        "Share of avoidable emergency admissions a practice's full care-management effort "
        "prevents (with diminishing returns below full effort).",
        "[I] Harrison et al., BMJ 2014;349:g6423: QOF-incentivised ACSC admissions -2.7% in "
        "year 1, -8.0% (6.9-9.1) by year 7; case management alone shows no effect (Stokes et "
        "al., PLoS One 2015): full effort at 1.5x the QOF effect",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "care_effort_elective_reduction",
        0.10,
        "share of elective admissions",
        "Share of elective admissions a practice's full effort on managing referrals avoids "
        "(with diminishing returns below full effort).",
        "[I] Roland et al., IJIC 2012 (integrated care pilots with case management): "
        "electives -21%, outpatients -22%; half that, as the pilots were uncontrolled",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "care_effort_returns_curvature",
        3.0,
        "per unit of effort",
        "beta in the share of the full-effort reduction achieved at effort e, "
        "(1 - exp(-beta e)) / (1 - exp(-beta)): larger means faster diminishing returns.",
        PROPOSED,
        GROUP,
        low=0.01,
        high=20,
    ),
    Parameter(
        "quality_effort_gain",
        0.03,
        "quality (0-1) at full effort",
        "How far full care-management effort raises a practice's quality target (clinical "
        "indicators achieved for patients with long-term conditions).",
        PROPOSED,
        GROUP,
        low=0,
        high=0.5,
    ),
    Parameter(
        "quality_strain_loss",
        0.05,
        "quality (0-1) per unit of excess workload",
        "How far a practice's quality target falls per unit of need-adjusted patients per GP "
        "above its own starting level (0.5 = half as many again).",
        "[I] Soc Sci Med 2022: a 10% change in list size moves quality by under 1%; IFS 2014: "
        "smaller, stretched practices score lower on QOF",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "quality_adjustment_per_year",
        0.25,
        "share of the gap a year",
        "Share of the gap between a practice's quality and its target closed in a year "
        "(staff, systems and habits change slowly).",
        PROPOSED,
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "integration_max_effect",
        0.0,
        "share of emergency admissions",
        "Organisational effect of integrated care beyond its members' effort: the largest "
        "share of emergency admissions a holder's coordination itself avoids (I_max). Off by "
        "default: the effect of a contract comes from the care effort its incentives buy.",
        "[P] no separate estimate; ICP evaluation 2012 (+2% overall, uncontrolled); Vanguards "
        "3.5-8.8% vs 12% growth (BMC HSR 2021) include the effort effect",
        GROUP,
        low=0,
        high=0.5,
    ),
    Parameter(
        "integration_capacity_rate",
        1.5,
        "per unit of capacity",
        "kappa in I = I_max (1 - exp(-kappa C)), C the holder's coordination capacity.",
        PROPOSED,
        GROUP,
        low=0,
        high=20,
    ),
    Parameter(
        "integration_ramp_quarters",
        8,
        "quarters",
        "Quarters a holder needs to reach its full coordination capacity.",
        PROPOSED,
        GROUP,
        low=1,
        high=40,
    ),
    Parameter(
        "trust_coordination_capacity",
        0.4,
        "capacity units",
        "Coordination capacity of a trust (a federation has sqrt(list / 100,000)).",
        PROPOSED,
        GROUP,
        low=0,
        high=5,
    ),
    Parameter(
        "holder_cost_sd",
        0.03,
        "share of budget per quarter",
        "SD of a holder's realised cost around its expected cost (epsilon).",
        PROPOSED,
        GROUP,
        low=0,
        high=0.5,
    ),
    Parameter(
        "merger_saving_gbp_per_patient_per_year",
        5.0,
        "£ per patient per year",
        "Overheads two practices save by merging (one back office, shared premises and "
        "rotas), per patient of the merged list; the merged practice's expenses fall by it.",
        "[I] of the order of a federation's back-office saving (fitted £4.88 a patient a year "
        "for england_2013); practice-level estimates are not published",
        GROUP,
        low=0,
        high=100,
    ),
    Parameter(
        "merger_cost_gbp",
        75000.0,
        "£ per merger",
        "What a merger costs the merged practice once (legal, IT, registration and premises); "
        "partners weigh it spread over five years.",
        PROPOSED,
        GROUP,
        low=0,
        high=5000000,
    ),
    Parameter(
        "federation_switch_cost_gbp",
        10000.0,
        "£ per switch",
        "What moving from one federation to another costs a practice once (new agreements, "
        "data sharing, systems, staff time); it switches only for a gain beyond this spread "
        "over five years.",
        "[P]",
        GROUP,
        low=0,
        high=1000000,
    ),
    Parameter(
        "federation_merger_cost_gbp",
        50000.0,
        "£ per merger",
        "What merging two federations costs once (governance, legal, systems); each side's "
        "members weigh half of it spread over five years.",
        "[P] two-thirds of a practice merger's cost: no premises or registration to move",
        GROUP,
        low=0,
        high=5000000,
    ),
    Parameter(
        "merger_hurdle_share",
        0.15,
        "share of pay for work",
        "How much each partnership's pay for work per partner must rise before it gives up its "
        "independence in a merger.",
        PROPOSED,
        GROUP,
        low=0,
        high=10,
    ),
    Parameter(
        "opt_in_risk_aversion",
        0.5,
        "SDs of the retained result",
        "Under the optional regime a federation's members offer themselves for the contract "
        "when its expected margin exceeds this many standard deviations of the yearly result "
        "they would keep (mean minus a risk-aversion term).",
        PROPOSED,
        GROUP,
        low=0,
        high=20,
    ),
    Parameter(
        "right_of_return_quarters",
        4,
        "quarters",
        "Quarters in a row an opt-in contract must lose money before its members use their "
        "right of return to GMS (the contract is handed back).",
        PROPOSED + " (the optional contract's right of return: NHS England MCP contract 2016)",
        GROUP,
        low=1,
        high=40,
    ),
    Parameter(
        "handback_loss_share",
        0.1,
        "share of annual contract value",
        "A trust or entrant hands a contract back once its losses on it exceed this share of "
        "a year's value (a federation hands back when it cannot cover its losses).",
        "[P] UnitingCare: collapsed after 8 months",
        GROUP,
        low=0,
        high=5,
    ),
]
