"""GP workforce parameters: who leaves, who can be recruited, and what an empty post costs.

GPs are counted per practice by role (partner, salaried) and age band. Each quarter some leave
(retirement rising steeply from 55; partners also quit a partnership that pays too little for its
workload), practices seek posts in proportion to their patients' need, and vacancies are filled
from the national supply of GPs seeking posts, by how attractive each practice is. Posts left
empty are partly covered by locums at a premium; a practice that cannot staff its list fails
(MODEL-SPEC §B1).
"""

from __future__ import annotations

from gpfed.parameters.machinery import PROPOSED, Parameter

GROUP = "workforce"

PARAMETERS = [
    Parameter(
        "gp_fte_per_head",
        0.85,
        "FTE per GP",
        "Full-time equivalent of a GP in post (the model counts heads; outputs report FTE).",
        "[I] 29,364 FTE fully qualified GPs (Sep 2015; Pettigrew et al., BJGP 2025) for about "
        "34,500 in post",
        GROUP,
        low=0.1,
        high=1,
    ),
    Parameter(
        "initial_gp_vacancy_rate",
        0.05,
        "share of posts",
        "Share of GP posts vacant at the start.",
        "Pulse surveys: 4.2% (2012), 6.4% (2014)",
        GROUP,
        low=0,
        high=0.9,
    ),
    Parameter(
        "gp_leaving_under_55_per_year",
        0.03,
        "share a year",
        "Yearly chance a GP under 55 leaves general practice (emigration, other careers, "
        "career breaks).",
        "[I] permanent leavers 2,089 FTE in 2016/17 (parliamentary answer 79381) of 29,364 FTE: "
        "about 7% a year, less the retirements below",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "gp_leaving_55_59_per_year",
        0.15,
        "share a year",
        "Yearly chance a GP aged 55-59 retires or leaves.",
        "[I] about 1,700 GPs retire a year (1,779 in 2013/14, 1,704 in 2015/16, NHSBSA); mean "
        "age at first pension 60.4 (2011/12) falling to 58.5 (2016/17)",
        GROUP,
        low=0,
        high=1,
        schedulable=True,
    ),
    Parameter(
        "gp_leaving_60_plus_per_year",
        0.30,
        "share a year",
        "Yearly chance a GP aged 60 or over retires or leaves.",
        "[I] as for 55-59: with 7.8% of GPs aged 60+ (2015), about 1,700 retirements a year",
        GROUP,
        low=0,
        high=1,
        schedulable=True,
    ),
    Parameter(
        "salaried_gp_pay_gbp_per_year",
        70000.0,
        "£ per year",
        "What a GP earns in a salaried post: a partner's outside option.",
        "[I] NHS Employers model salaried contract 2015/16: £55,965-84,453 a year",
        GROUP,
        low=0,
        high=500000,
    ),
    Parameter(
        "partner_quit_pay_per_year",
        0.10,
        "share a year per unit of pay shortfall",
        "Extra yearly chance a partner quits the partnership (for salaried or locum work) per "
        "unit of shortfall of its profit per partner below salaried pay (0.5 = half of it).",
        PROPOSED,
        GROUP,
        low=0,
        high=2,
    ),
    Parameter(
        "partner_quit_workload_per_year",
        0.10,
        "share a year per unit of excess workload",
        "Extra yearly chance a partner quits per unit of need-adjusted patients per GP above "
        "the practice's own starting level.",
        PROPOSED,
        GROUP,
        low=0,
        high=2,
    ),
    Parameter(
        "gp_entrants_per_1000_gps_per_year",
        100.0,
        "GPs per 1,000 GPs at the start per year",
        "National supply: GPs seeking posts each year (newly qualified GPs and returners), per "
        "1,000 GPs in post at the start. Vacancies compete for them; those no vacancy takes "
        "work elsewhere.",
        "[I] about 2,700-3,000 GPs completing training a year 2014-2017 (Health Education "
        "England) and a few hundred returners, for about 34,500 GPs in post; with the defaults "
        "the region's vacancy rate goes from 5% (2013) to about 10% (2015-2017) against 4.2% "
        "(2012) to 12.2% (2017) in Pulse's surveys",
        GROUP,
        low=0,
        high=1000,
        schedulable=True,
    ),
    Parameter(
        "gp_vacancy_fill_per_quarter",
        1.0,
        "rate a quarter",
        "Fastest rate at which a vacancy at a practice of average attractiveness is filled when "
        "GPs seeking posts are plentiful: the chance of filling it in a quarter is "
        "1 - exp(-rate x attractiveness), lower when the national supply runs short.",
        "[I] leavers of ~8% a year of GPs, and posts growing ~2% a year with need, against a "
        "vacancy rate of ~5% (Pulse 2012-14): a post is filled in about a quarter when GPs "
        "seeking posts are plentiful",
        GROUP,
        low=0,
        high=10,
    ),
    Parameter(
        "gp_attraction_profit",
        1.0,
        "log-attractiveness per unit of relative profit",
        "How much more a GP seeking a post is drawn to a practice per unit of its profit per "
        "partner relative to the national mean.",
        PROPOSED,
        GROUP,
        low=0,
        high=10,
    ),
    Parameter(
        "gp_attraction_workload",
        2.0,
        "log-attractiveness per unit of excess workload",
        "How much a practice's excess workload per GP (above its starting level) puts off GPs "
        "seeking a post.",
        PROPOSED,
        GROUP,
        low=0,
        high=20,
    ),
    Parameter(
        "gp_attraction_network",
        0.2,
        "log-attractiveness",
        "Draw of a practice in a federation or network (shared staff, support, sessions "
        "elsewhere).",
        PROPOSED,
        GROUP,
        low=0,
        high=5,
    ),
    Parameter(
        "gp_attraction_rural",
        0.3,
        "log-attractiveness",
        "Penalty of a rural practice in recruiting.",
        PROPOSED + " (rural recruitment difficulties, RCGP 2015)",
        GROUP,
        low=0,
        high=5,
    ),
    Parameter(
        "new_gp_partner_share",
        0.35,
        "share of recruits",
        "Share of recruits who join as partners; the rest are salaried.",
        "[I] partner FTE fell from 21,688 (2015) to 20,036 (2017) while salaried posts grew "
        "(GPonline): recruits join as partners less often than the 74% partners are of GPs",
        GROUP,
        low=0,
        high=1,
        schedulable=True,
    ),
    Parameter(
        "locum_cover_share",
        0.61,
        "share of vacancies",
        "Share of vacant posts a practice covers with locums.",
        "RCGP 2015: 61% of vacancies covered by locums",
        GROUP,
        low=0,
        high=1,
    ),
    Parameter(
        "locum_premium_gbp_per_year",
        30000.0,
        "£ per locum-covered post per year",
        "What a locum costs above a salaried GP in the same post.",
        "[I] a locum at about £110,000 a year (£500-600 a day) against a salaried GP at about "
        "£80,000 with on-costs (NHS Employers model contract 2015/16: £55,965-84,453)",
        GROUP,
        low=0,
        high=500000,
    ),
    Parameter(
        "understaffed_patients_per_gp",
        3500.0,
        "patients per FTE GP",
        "Patients per FTE GP (locums included) above which a practice that has lost staff since "
        "the start cannot cope: it counts as failing and seeks a merger or hands back its "
        "contract.",
        PROPOSED + " (national mean 1,937 in 2015, BMA; recruitment was the final straw in "
        "over 40% of closures with a known trigger, Pulse 2022)",
        GROUP,
        low=500,
        high=100000,
    ),
]
