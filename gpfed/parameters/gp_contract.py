"""GP contract levers: GMS payments, their phase-outs, the quality floor, network payments.

What the national GP contract pays practices (global sum, MPIG, QOF, seniority, enhanced
services), the contractual levers against poor performers, and what federations or networks are
paid (federation incentive, reward for scale, out-of-hours).
"""

from __future__ import annotations

from gpfed.parameters.machinery import PROPOSED, Parameter, Schedule

GROUP = "gp contract"

PARAMETERS = [
    Parameter(
        "global_sum_gbp_per_weighted_patient",
        Schedule(
            {"2013Q2": 66.25, "2014Q2": 73.56, "2015Q2": 75.77, "2016Q2": 80.59, "2018Q2": 88.96}
        ),
        "£ per weighted patient per year",
        "GMS global sum (payment per need-weighted patient).",
        "NHS Employers/BMA GMS contract changes: £66.25 (2013/14), £73.56 (2014/15), £75.77 "
        "(2015/16), £80.59 (2016/17), £88.96 (2018/19); 2017/18 not in our sources, held",
        GROUP,
        low=0,
        high=500,
        schedulable=True,
    ),
    Parameter(
        "mpig_phase_out_rate_per_year",
        Schedule({"2013Q2": 0.0, "2014Q2": 1 / 7}),
        "share of the initial top-up per year",
        "Speed of the MPIG phase-out.",
        "BMA: phased out over seven years from 2014/15",
        GROUP,
        low=0,
        high=1,
        schedulable=True,
    ),
    Parameter(
        "qof_points_available",
        Schedule({"2013Q2": 900, "2014Q2": 559}),
        "points",
        "QOF points a fully achieving practice earns in a year.",
        "NHS Employers: 900 points (2013/14), 559 from 2014/15",
        GROUP,
        low=0,
        high=2000,
        schedulable=True,
    ),
    Parameter(
        "qof_gbp_per_point",
        156.92,
        "£ per point (average practice)",
        "Value of a QOF point for a practice of average list.",
        "NHS Employers 2013/14: £156.92",
        GROUP,
        low=0,
        high=1000,
        schedulable=True,
    ),
    Parameter(
        "seniority_gbp_per_senior_partner_per_year",
        4000.0,
        "£ per senior partner per year",
        "Average seniority payment to an eligible partner.",
        "[P] average of a scale up to ~£8,000 (AISMA)",
        GROUP,
        low=0,
        high=20000,
    ),
    Parameter(
        "seniority_cut_rate_per_year",
        Schedule({"2013Q2": 0.0, "2014Q2": 0.15}),
        "share of the initial payment per year",
        "Speed of the seniority phase-out.",
        "AISMA: cut ~15% a year from 2014 to 2020",
        GROUP,
        low=0,
        high=1,
        schedulable=True,
    ),
    Parameter(
        "enhanced_services_gbp_per_patient_per_year",
        16.3,
        "£ per patient per year",
        "Enhanced services income.",
        "~12% of general-practice spend (Pulse) x £136 per patient (IfG, 2013/14)",
        GROUP,
        low=0,
        high=200,
        schedulable=True,
    ),
    Parameter(
        "other_reimbursements_gbp_per_patient_per_year",
        29.0,
        "£ per patient per year",
        "Premises, IT, dispensing and other NHS reimbursements.",
        "[P] derived: brings NHS spend per registered patient to ~£136 in 2013/14 (IfG)",
        GROUP,
        low=0,
        high=300,
        schedulable=True,
    ),
    Parameter(
        "federation_incentive_gbp_per_patient_per_year",
        0.0,
        "£ per patient per year",
        "Payment by the commissioner to federations of at least the threshold list.",
        "[P] e.g. £3 (MODEL-SPEC); PM's Challenge Fund: £50m for 7m patients",
        GROUP,
        low=0,
        high=50,
        schedulable=True,
    ),
    Parameter(
        "federation_incentive_threshold_patients",
        30_000,
        "patients",
        "Smallest federation list that earns the federation incentive.",
        "[P] MODEL-SPEC; PM's Challenge Fund required 30,000-40,000",
        GROUP,
        low=0,
        high=2_000_000,
    ),
    Parameter(
        "reward_for_scale_gbp_per_patient_per_year",
        0.0,
        "£ per patient per year at 100,000 patients",
        "Reward for scale paid per federation patient, rising linearly with the federation's "
        "list up to 100,000 patients.",
        "[P] NHS Confederation 2010: rewards for scale",
        GROUP,
        low=0,
        high=50,
        schedulable=True,
    ),
    Parameter(
        "ooh_to_federations",
        False,
        "",
        "Out-of-hours responsibility moves to federations: they are paid per patient and "
        "provide it at a cost that falls with scale.",
        "NHS Confederation 2010: more out-of-hours",
        GROUP,
        schedulable=True,
    ),
    Parameter(
        "ooh_gbp_per_patient_per_year",
        4.0,
        "£ per patient per year",
        "Out-of-hours payment to a federation holding the responsibility; provision costs "
        "the same per patient at 50,000 patients and less above.",
        "6% of the global sum deducted on opting out of out-of-hours (GMS 2004): ~£4",
        GROUP,
        low=0,
        high=50,
    ),
    Parameter(
        "termination_notices",
        6,
        "notices",
        "Remedial notices after which the commissioner terminates (strength of contractual "
        "levers: fewer is tougher).",
        PROPOSED,
        GROUP,
        low=1,
        high=40,
    ),
    Parameter(
        "gms_quality_floor",
        0.0,
        "quality (0-1)",
        "Tougher levers on GMS: a practice below this quality gets a remedial notice each year "
        "and loses its contract after termination_notices of them (0: off).",
        "NHS Confederation 2010: tougher contractual levers",
        GROUP,
        low=0,
        high=1,
    ),
]
