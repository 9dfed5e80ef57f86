"""Named policy scenarios: a value (or schedule) for each lever a policy proposal changes.

A scenario is data: its values are validated by :class:`gpfed.parameters.Params` when used, so a
scenario here can never hold a value the spec forbids (a test builds every one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from gpfed.parameters import check_whole_number
from gpfed.parameters.scenario import (
    Scenario,
    all_scenarios,
    get_scenario,
    policy_scenarios,
    register,
)

__all__ = ["Scenario", "all_scenarios", "get_scenario", "policy_scenarios", "register"]

register(
    Scenario(
        name="status_quo",
        title="GMS contract and payment by results as in 2013/14, with the announced GMS changes "
        "(global sum path, MPIG and seniority phase-outs, QOF points cut)",
        source="NHS Employers/BMA GMS 2013/14-2018/19 contract changes; DH PbR and MRET rules",
        values={},
        carried_by="the defaults: GMS with its announced changes, PbR with MRET (trusts plan "
        "capacity for what PbR pays), no integrated lots; practices choose federations, care "
        "effort (QOF only), GP posts and mergers under those incentives",
    )
)

register(
    Scenario(
        name="nhs_confederation",
        title="Rising to the challenge: federation incentives and rewards for scale, MPIG "
        "removed, seniority reviewed, tougher contractual levers, out-of-hours to federations",
        source="NHS Confederation 2010, via Pulse 'NHS managers call for new GP contract'",
        values={
            "federation_incentive_gbp_per_patient_per_year": {"2013Q2": 0.0, "2015Q2": 3.0},
            "reward_for_scale_gbp_per_patient_per_year": {"2013Q2": 0.0, "2015Q2": 2.0},
            "mpig_phase_out_rate_per_year": {"2013Q2": 0.0, "2014Q2": 1.0},
            "seniority_cut_rate_per_year": {"2013Q2": 0.0, "2014Q2": 0.3},
            "gms_quality_floor": 0.6,
            "termination_notices": 2,
            "ooh_to_federations": True,
        },
        carried_by="network payments (federation incentive, reward for scale, out-of-hours) "
        "change what federating is worth to practices' choices; MPIG and seniority cuts and "
        "the GMS quality floor (commissioners' notices and terminations) change practices' "
        "income, partners' quits and exits",
    )
)

register(
    Scenario(
        name="kings_fund_2011",
        title="Tear up the contract: core services defined, integrated population and pathway "
        "contracts let by competitive tender alongside GMS, PbR reformed to capitation, quality "
        "premium on outcomes",
        source="Pulse, \"'Tear up' GP contract, advisory body urges\" (2011); A. Dixon, King's "
        "Fund blog 'Is the GP contract a barrier to integrated care?'",
        values={
            "gp_contract_regime": {"2013Q2": "gms", "2015Q2": "mandatory"},
            "hospital_payment": {"2013Q2": "pbr", "2015Q2": "capitation"},
            "core_definition": 0.9,
            "pathway_lots": True,
            "quality_premium_admissions_weight": 0.5,
        },
        carried_by="commissioners procure population and diabetes lots when the saving they "
        "expect beats the procurement cost, within their procurement capacity; bidders decide "
        "whether and at what price to bid; PbR is reformed to capitation, so trusts stop "
        "planning spare capacity for induced volume; core services defined (90% of the "
        "overlapping service lines netted out of contracts) cut what is paid twice; the quality "
        "premium on admissions rewards commissioners",
    )
)

register(
    Scenario(
        name="kings_fund_2014",
        title="Optional new contract: federations (family care networks) opt into capitated "
        "contracts merging GP and community funding, outcome incentives, right of return",
        source="King's Fund, Addicott & Ham 2014, 'Commissioning and funding general practice'",
        values={
            "gp_contract_regime": {"2013Q2": "gms", "2015Q2": "optional"},
            "gms_merged_into_contract": True,
            "outcome_payment_share": 0.05,
            "federation_incentive_gbp_per_patient_per_year": {"2013Q2": 0.0, "2015Q2": 2.0},
            "contract_length_quarters": 40,
        },
        carried_by="federations opt into capitated contracts by the margin they expect less the "
        "risk they would keep, bid alone or with their trust, and use the right of return when "
        "the contract keeps losing; members' care effort follows what the holder keeps; "
        "outcome pay (5%) adds to it",
    )
)

register(
    Scenario(
        name="competitive_commissioning",
        title="Competitive commissioning with no national GP contract: all primary care within "
        "tendered integrated contracts, outside entrants bid",
        source="A. Dixon (King's Fund, 2011): GP care contracted within integrated care through "
        "competitive commissioning",
        values={
            "gp_contract_regime": {"2013Q2": "gms", "2015Q2": "competitive"},
            "outside_entrants": True,
        },
        carried_by="commissioners procure every locality's primary and community care (GMS "
        "money inside the contracts) within their procurement capacity; federations, trusts, "
        "alliances and outside entrants decide whether and at what price to bid",
    )
)

register(
    Scenario(
        name="trust_led_ico",
        title="Trust-led integrated care organisations: trusts and practices in ICOs hold "
        "population contracts with GP funding merged in; commissioner discretion over retention",
        source="Nuffield Trust & King's Fund 2010, 'Where next for integrated care organisations "
        "in the English NHS?'",
        values={
            "gp_contract_regime": {"2013Q2": "gms", "2015Q2": "mandatory"},
            "gms_merged_into_contract": True,
            "trust_coordination_capacity": 0.8,
            "pathway_lots": False,
            "retention_threshold": 0.2,
            "contract_length_quarters": 40,
            "gms_quality_floor": 0.6,
        },
        carried_by="trusts, with more coordination capacity, ally with federations or bid alone "
        "for population contracts with GP funding merged in; commissioners' discretion over GP "
        "contract retention is the GMS quality floor (notices and termination of practices "
        "below it) and a low retention threshold for the integrated contracts",
    )
)

register(
    Scenario(
        name="commissioner_provider_merger",
        title="GP commissioners also provide (fundholding): federations hold their patients' "
        "hospital budget and keep what they save; awards favour commissioners' own federations",
        source="R. Lewis (King's Fund) at the 2011 launch: merging commissioner and provider roles",
        values={
            "gp_contract_regime": {"2013Q2": "gms", "2015Q2": "mandatory"},
            "commissioner_own_federation_bias": 0.15,
            "savings_target": 0.01,
            "risk_sharing": "shares",
            "provider_gain_share": 1.0,
            "provider_loss_share": 0.2,
            "federation_sharing_rule": "performance",
        },
        carried_by="fundholding: the contract's budget is the patients' own baseline less 1%, "
        "the holder keeps every pound it saves and bears a fifth of an "
        "overspend, and each member is paid its own saving, so members' care effort follows; "
        "the conflict of interest is the award bias toward the commissioner's own federations "
        "bidding alone",
    )
)

ENGLAND_2013_CALIBRATION = (
    Path(__file__).resolve().parent / "data" / "england_2013_calibration.json"
)
"""Fitted behavioural values of ``england_2013`` with their provenance (``gpfed calibrate``)."""


def fitted_values(path: Path = ENGLAND_2013_CALIBRATION) -> dict[str, Any]:
    """The calibration's point estimate stored at ``path`` (empty before the first one)."""
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text())["values"])


POSTERIOR_COLUMNS = ("weight", "distance")
"""Fields of a stored posterior particle that are not parameter values."""


def posterior_draws(
    n: int, seed: int, path: Path = ENGLAND_2013_CALIBRATION
) -> list[dict[str, Any]]:
    """``n`` parameter sets drawn by weight from the posterior stored at ``path`` (seeded).

    Each is a dict of the calibrated parameters' values; passed over a scenario's values, a set
    of runs carries the parameter uncertainty of the calibration as well as the stochastic one.
    Draws are with replacement (the posterior is a weighted sample of particles).

    Raises:
        ParameterError: ``n`` below 1.
    """
    check_whole_number("n", n, 1)
    particles = json.loads(path.read_text())["draws"]
    weights = np.array([particle["weight"] for particle in particles], dtype=float)
    chosen = np.random.default_rng(seed).choice(len(particles), size=n, p=weights / weights.sum())
    return [
        {k: v for k, v in particles[int(i)].items() if k not in POSTERIOR_COLUMNS} for i in chosen
    ]


# NHS England, Network Contract DES 2019/20: £1.50 per registered patient to each primary care
# network (30,000-50,000 patients) plus the £1.761 network participation payment per weighted
# patient to each member practice.
PCN_GBP_PER_PATIENT_PER_YEAR = 1.50 + 1.761

register(
    Scenario(
        name="england_2013",
        title="England as it was from April 2013: the england preset, the announced GMS changes "
        "(global sum path, MPIG and seniority phase-outs, QOF cut), the paid opt-in network "
        "contract from 2019/20, and behavioural values calibrated to 2013-2015",
        source="NHS Digital practice and list counts; HSJ 2015 closures and mergers; Nuffield "
        "Trust/RCGP 2015 survey; NAO 2013 emergency admissions; NHS England Network Contract DES "
        "2019/20 (docs/VALIDATION.md)",
        values={
            "preset": "england",
            "federation_incentive_gbp_per_patient_per_year": {
                "2013Q2": 0.0,
                "2019Q2": PCN_GBP_PER_PATIENT_PER_YEAR,
            },
            "federation_incentive_threshold_patients": 30000,
            **fitted_values(),
        },
        policy=False,
        carried_by="the england preset and the status quo's rules; the 2019 network contract's "
        "payment changes what federating is worth; practices' behavioural values are fitted "
        "(docs/VALIDATION.md)",
    )
)
