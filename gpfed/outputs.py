"""Model-level outcome series, computed once per quarter from the state columns and the ledger.

Flows (admissions, spend, income) are annualised from the quarter just simulated; at the start
(step 0) they are NaN because no quarter has been simulated yet.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gpfed.agents.coalition import pooled_lists
from gpfed.agents.workforce import WorkforceFlows
from gpfed.institutions.contract_terms import HOLDER_KINDS, ContractBook
from gpfed.parameters import Levers
from gpfed.world.costs import locum_cover
from gpfed.world.ledger import Accounts, Ledger, Purpose
from gpfed.world.state import (
    CommissionerState,
    PracticeState,
    TrustState,
    band_total,
    gp_vacancies,
    profit_per_partner_gbp_per_year,
)
from gpfed.world.units import NO_FEDERATION, QUARTERS_PER_YEAR

METRICS: dict[str, str] = {
    "practices_open": "open GP practices",
    "registered_patients": "patients registered with open practices",
    "mean_list_size": "mean list of open practices (patients)",
    "sd_list_size": "SD of the list of open practices (patients)",
    "list_hhi": "list concentration: Herfindahl-Hirschman index of list shares within each "
    "commissioner area (0-10,000), population weighted",
    "closures": "practices handing back their contract this quarter",
    "mergers": "practices merging into a neighbour this quarter (failing or by choice)",
    "voluntary_mergers": "practices merging into a neighbour by choice this quarter (both "
    "partnerships gaining)",
    "exits_per_100_practices_per_year": "closures and mergers per 100 practices open at the "
    "start of the quarter, annualised",
    "emergency_admissions": "emergency admissions this quarter",
    "emergency_admissions_per_1000": "emergency admissions per 1,000 patients a year",
    "elective_admissions_per_1000": "elective admissions per 1,000 patients a year",
    "consultations_per_patient": "GP consultations per patient a year",
    "commissioner_spend_per_capita_gbp": "commissioner spend per registered patient a year, £",
    "commissioner_balance_gbp": "commissioners' accumulated balance, £",
    "trust_surplus_gbp": "trusts' income less costs this quarter, £",
    "trust_balance_gbp": "trusts' accumulated balance, £",
    "trust_capacity": "admissions a quarter the trusts can treat (the capacity they planned)",
    "trust_spare_capacity": "share of the trusts' capacity unused this quarter",
    "trusts_under_intervention": "trusts under regulator intervention (years in deficit)",
    "trusts_in_deficit_share": "share of trusts that ended the last year in deficit",
    "practice_income_per_patient_gbp": "practice NHS income per patient a year, £",
    "profit_per_partner_mean_gbp": "mean profit per partner a year (open practices), £",
    "profit_per_partner_p10_gbp": "10th percentile of profit per partner a year, £",
    "profit_per_partner_p50_gbp": "median profit per partner a year, £",
    "profit_per_partner_p90_gbp": "90th percentile of profit per partner a year, £",
    "mpig_paid_gbp": "MPIG paid this quarter, £",
    "seniority_paid_gbp": "seniority paid this quarter, £",
    "quality_mean": "list-weighted mean practice quality (0-1)",
    "gp_fte": "GPs in post (partners and salaried), FTE",
    "partner_fte": "GP partners, FTE",
    "salaried_gp_fte": "salaried GPs, FTE",
    "locum_fte": "locum cover of vacant GP posts, FTE",
    "gp_vacancy_rate": "share of the GP posts practices seek that are vacant",
    "patients_per_gp_fte": "registered patients per FTE GP in post",
    "gp_retirements": "GPs aged 55 or over who left this quarter, for any reason (headcount)",
    "gp_other_leavers": "GPs under 55 who left or quit this quarter (headcount)",
    "gp_recruits": "GP vacancies filled this quarter (headcount)",
    "locum_premium_gbp": "practices' spend on locums above salaried cost this quarter, £",
    "care_effort_mean": "list-weighted mean care-management effort of open practices (0-1)",
    "share_practices_federated": "share of open practices in a federation",
    "federations": "federations",
    "federation_mean_members": "mean practices per federation",
    "federation_max_members": "practices in the largest federation",
    "federation_mean_list": "mean federation list (patients)",
    "federation_joins": "practices joining or founding a federation this quarter",
    "federation_leavers": "practices leaving a federation this quarter",
    "federation_switches": "practices moving from their federation to an adjacent one this quarter",
    "federation_mergers": "federations absorbed by an adjacent federation this quarter (both "
    "sides' members gaining)",
    "integrated_population_share": "share of patients under a population contract",
    "integrated_population_federation": "patients under population contracts held by federations",
    "integrated_population_trust": "patients under population contracts held by trusts",
    "integrated_population_alliance": "patients under population contracts held by "
    "federation-trust alliances (ICOs)",
    "integrated_population_entrant": "patients under population contracts held by entrants",
    "diabetes_pathway_population": "patients whose diabetes care is under a pathway contract",
    "contracts_active": "integrated contracts in force",
    "contract_awards": "integrated contracts awarded this quarter",
    "contract_handbacks": "integrated contracts handed back this quarter",
    "contract_terminations": "integrated contracts terminated this quarter",
    "contract_expiries": "integrated contracts expired this quarter",
    "contract_quality_mean": "mean quality promised by the holders of contracts in force (0-1)",
    "tenders_started": "procurements commissioners started this quarter",
    "tenders_decided": "procurements decided this quarter (tendered lots)",
    "tenders_failed": "procurements decided this quarter with no contract let (no acceptable bid)",
    "tender_bids": "bids made this quarter (tendered lots and opt-in offers)",
    "paid_twice_gbp": "spend on integrated contracts for services GMS already pays for, this "
    "quarter, £",
    "risk_share_transfers_gbp": "money moved between commissioners and holders by risk sharing "
    "this quarter, £",
    "federation_payments_gbp": "federation incentive, reward for scale and out-of-hours paid to "
    "federations this quarter, £",
}
"""Every model-level series with its meaning and unit: the DataCollector's model reporters."""

PRACTICE_TABLE = (
    "index",
    "list_size",
    "partners",
    "salaried_gps",
    "gp_vacancies",
    "quality",
    "care_effort",
    "area",
    "income_gbp",
    "profit_per_partner_gbp_per_year",
    "reserves_gbp",
    "emergency_admissions",
    "federation_id",
    "contract",
)
"""The practices' table: each column is the Practice attribute of that name, read for all
practices at once by :func:`practice_table` (at England scale Mesa's per-agent reporters took
most of a run's time)."""
TRUST_TABLE = {
    "index": "index",
    "emergency_admissions": "emergency_admissions",
    "elective_admissions": "elective_admissions",
    "spare_capacity": "spare_capacity",
    "income_gbp": "income_gbp",
    "surplus_gbp": "surplus_gbp",
    "balance_gbp": "balance_gbp",
}
FEDERATION_TABLE = (
    "area",
    "founded_step",
    "n_members",
    "list_size",
    "reserves_gbp",
    "contract_kind",
)
"""The federations' table: each column is the Federation attribute of that name, read for all
federations at once by :func:`federation_table` (thousands form and dissolve in an England
run)."""
COMMISSIONER_TABLE = {
    "index": "index",
    "area_team": "area_team",
    "population": "population",
    "practices_open": "practices_open",
    "spend_gbp": "spend_gbp",
    "balance_gbp": "balance_gbp",
}
"""The trusts' and commissioners' tables: each agent type's reporters (DataCollector agenttype
reporters)."""


def federation_table(
    state: PracticeState,
    ids: np.ndarray,
    areas: np.ndarray,
    founded_steps: np.ndarray,
    balances_gbp: np.ndarray,
    contracts: ContractBook,
) -> dict[str, np.ndarray]:
    """The federations' table for the federations ``ids``: :data:`FEDERATION_TABLE`'s columns.

    Each column holds what the Federation attribute of that name reads, with the type Mesa's
    DataCollector would give it.

    Args:
        state: practice columns (federation membership, lists).
        ids: the federations' unique ids.
        areas: each one's commissioner area.
        founded_steps: the quarter each was founded.
        balances_gbp: each one's ledger balance (its reserves), £.
        contracts: the contract book (which contract each holds).
    """
    n_members, list_size = state.federation_totals(ids)
    return {
        "area": areas.astype(np.int64),
        "founded_step": founded_steps.astype(np.int64),
        "n_members": n_members,
        "list_size": list_size,
        "reserves_gbp": np.asarray(balances_gbp, dtype=float),
        "contract_kind": np.array([contracts.kind_held_by(f) for f in ids.tolist()], dtype=object),
    }


def practice_table(
    state: PracticeState,
    balances_gbp: np.ndarray,
    contracts: ContractBook,
    rows: np.ndarray,
) -> dict[str, np.ndarray]:
    """The practices' table for the practices in ``rows``: :data:`PRACTICE_TABLE`'s columns.

    Each column holds what the Practice attribute of that name reads, for every row at once,
    with the type Mesa's DataCollector would give it (int64, float64 or str).

    Args:
        state: practice columns.
        balances_gbp: each row's ledger balance (its reserves), £.
        contracts: the contract book (which contract covers each practice, and its label).
        rows: the practices' rows in the state columns.
    """
    partners = band_total(state.partners_by_age[rows])
    salaried = band_total(state.salaried_by_age[rows])
    covering = contracts.coverage[rows]
    labels = {int(c): contracts.label(int(c)) for c in np.unique(covering)}
    return {
        "index": rows.astype(np.int64),
        "list_size": state.list_size[rows].astype(np.int64),
        "partners": partners.astype(np.int64),
        "salaried_gps": salaried.astype(np.int64),
        "gp_vacancies": gp_vacancies(state.gp_posts[rows], partners + salaried),
        "quality": state.quality[rows].astype(float),
        "care_effort": state.care_effort[rows].astype(float),
        "area": state.area[rows].astype(np.int64),
        "income_gbp": state.income_gbp[rows].astype(float),
        "profit_per_partner_gbp_per_year": np.asarray(
            profit_per_partner_gbp_per_year(
                state.income_gbp[rows], state.expenses_gbp[rows], partners
            ),
            dtype=float,
        ),
        "reserves_gbp": np.asarray(balances_gbp, dtype=float),
        "emergency_admissions": state.emergency_admissions[rows].astype(np.int64),
        "federation_id": state.federation[rows].astype(np.int64),
        "contract": np.array([labels[int(c)] for c in covering], dtype=object),
    }


SIGNED = {
    "commissioner_balance_gbp",
    "trust_surplus_gbp",
    "trust_balance_gbp",
    "profit_per_partner_mean_gbp",
    "profit_per_partner_p10_gbp",
    "profit_per_partner_p50_gbp",
    "profit_per_partner_p90_gbp",
}
"""Series that can be negative (balances, surpluses, profits); every other one cannot."""

SHARES = {
    "share_practices_federated",
    "integrated_population_share",
    "quality_mean",
    "care_effort_mean",
    "gp_vacancy_rate",
    "contract_quality_mean",
    "trust_spare_capacity",
    "trusts_in_deficit_share",
}
"""Series that are shares or scores between 0 and 1."""


PROFIT_PERCENTILES = (10, 50, 90)
"""The deciles of profit per partner the series report."""


def series_range(name: str) -> tuple[float, float]:
    """The values series ``name`` can take: (-inf, inf), [0, 1] or [0, inf)."""
    if name in SIGNED:
        return -np.inf, np.inf
    return 0.0, 1.0 if name in SHARES else np.inf


FLOWS = {
    "closures",
    "mergers",
    "voluntary_mergers",
    "exits_per_100_practices_per_year",
    "emergency_admissions",
    "emergency_admissions_per_1000",
    "elective_admissions_per_1000",
    "consultations_per_patient",
    "commissioner_spend_per_capita_gbp",
    "trust_surplus_gbp",
    "practice_income_per_patient_gbp",
    "profit_per_partner_mean_gbp",
    "profit_per_partner_p10_gbp",
    "profit_per_partner_p50_gbp",
    "profit_per_partner_p90_gbp",
    "gp_retirements",
    "gp_other_leavers",
    "gp_recruits",
    "locum_premium_gbp",
    "mpig_paid_gbp",
    "seniority_paid_gbp",
    "federation_joins",
    "federation_leavers",
    "federation_mergers",
    "federation_switches",
    "contract_awards",
    "contract_handbacks",
    "contract_terminations",
    "contract_expiries",
    "paid_twice_gbp",
    "risk_share_transfers_gbp",
    "federation_payments_gbp",
    "tenders_started",
    "tenders_decided",
    "tenders_failed",
    "tender_bids",
}


def _spare_share(trusts: TrustState) -> float:
    """Share of all trusts' capacity unused in the last quarter (0 when they run full)."""
    used = float((trusts.emergency_admissions + trusts.elective_admissions).sum())
    capacity = float(trusts.capacity.sum())
    return min(max(1.0 - used / capacity, 0.0), 1.0) if capacity > 0 else 0.0


def list_hhi(lists: np.ndarray, area: np.ndarray, n_areas: int) -> float:
    """Population-weighted mean over areas of the HHI of practices' list shares (0-10,000)."""
    population = np.bincount(area, weights=lists, minlength=n_areas)
    share = lists / np.maximum(population[area], 1.0)
    hhi_by_area = np.bincount(area, weights=share**2, minlength=n_areas) * 10_000
    return float(np.average(hhi_by_area, weights=population)) if population.sum() else 0.0


def compute_metrics(
    state: PracticeState,
    trusts: TrustState,
    commissioners: CommissionerState,
    ledger: Ledger,
    accounts: Accounts,
    contracts: ContractBook,
    levers: Levers,
    federation_counts: Mapping[str, int],
    exits: Mapping[str, int] | None,
    workforce: WorkforceFlows,
    tenders: Mapping[str, int],
) -> dict[str, float]:
    """Every series in :data:`METRICS` for the current state; flows NaN when ``exits`` is None.

    Args:
        state: practice columns.
        trusts: trust columns.
        commissioners: commissioner columns.
        ledger: the ledger (balances and this quarter's payments by purpose).
        accounts: account numbers.
        contracts: the contract book.
        levers: levers in force.
        federation_counts: practices that ``left``, ``joined`` and ``founded`` this quarter.
        exits: ``closures`` and ``mergers`` this quarter; None at the start.
        workforce: GPs who left and joined this quarter.
        tenders: procurements ``started``, ``decided`` and ``failed`` and ``bids`` this quarter.
    """
    is_open = state.is_open
    lists = state.list_size[is_open].astype(float)
    patients = lists.sum()
    stock = {
        "practices_open": int(is_open.sum()),
        "registered_patients": int(patients),
        "mean_list_size": float(lists.mean()),
        "sd_list_size": float(lists.std()),
        "list_hhi": list_hhi(state.list_size * is_open, state.area, len(accounts.commissioner)),
        "commissioner_balance_gbp": float(ledger.balance_gbp(accounts.commissioner).sum()),
        "trust_balance_gbp": float(ledger.balance_gbp(accounts.trust).sum()),
        "trust_capacity": float(trusts.capacity.sum()),
        "trust_spare_capacity": _spare_share(trusts),
        "trusts_under_intervention": int(trusts.under_intervention.sum()),
        "trusts_in_deficit_share": float((trusts.deficit_years > 0).mean()),
        "quality_mean": float(np.average(state.quality[is_open], weights=lists)),
        "care_effort_mean": float(np.average(state.care_effort[is_open], weights=lists)),
        **_workforce_stock(state, levers),
        **_integrated_care_stock(state, contracts, levers),
    }
    if exits is None:
        return {**stock, **dict.fromkeys(FLOWS, float("nan"))}
    per_year = float(QUARTERS_PER_YEAR)
    profit = state.profit_per_partner_gbp_per_year[is_open]
    # One partition for the three deciles (each is the same order statistics as alone).
    p10, p50, p90 = np.percentile(profit, PROFIT_PERCENTILES)
    paid = ledger.totals_by_purpose(ledger.step)
    open_before = stock["practices_open"] + exits["closures"] + exits["mergers"]
    flows = {
        "closures": exits["closures"],
        "mergers": exits["mergers"],
        "voluntary_mergers": exits["voluntary_mergers"],
        "exits_per_100_practices_per_year": 100
        * per_year
        * (exits["closures"] + exits["mergers"])
        / open_before,
        "emergency_admissions": int(state.emergency_admissions.sum()),
        "emergency_admissions_per_1000": 1000
        * per_year
        * state.emergency_admissions.sum()
        / patients,
        "elective_admissions_per_1000": 1000
        * per_year
        * state.elective_admissions.sum()
        / patients,
        "consultations_per_patient": per_year * state.consultations.sum() / patients,
        "commissioner_spend_per_capita_gbp": per_year * commissioners.spend_gbp.sum() / patients,
        "trust_surplus_gbp": float((trusts.income_gbp - trusts.costs_gbp).sum()),
        "practice_income_per_patient_gbp": per_year * state.income_gbp.sum() / patients,
        "profit_per_partner_mean_gbp": float(
            (state.profit_gbp[is_open]).sum()
            * per_year
            / max(int(state.partners[is_open].sum()), 1)
        ),
        "profit_per_partner_p10_gbp": float(p10),
        "profit_per_partner_p50_gbp": float(p50),
        "profit_per_partner_p90_gbp": float(p90),
        "gp_retirements": workforce.retirements,
        "gp_other_leavers": workforce.other_leavers,
        "gp_recruits": workforce.recruits,
        "locum_premium_gbp": paid.get(Purpose.LOCUM_PREMIUM, 0.0),
        "mpig_paid_gbp": paid.get(Purpose.MPIG, 0.0),
        "seniority_paid_gbp": paid.get(Purpose.SENIORITY, 0.0),
        "federation_joins": federation_counts["joined"] + federation_counts["founded"],
        "federation_leavers": federation_counts["left"],
        "federation_mergers": federation_counts["merged"],
        "federation_switches": federation_counts["switched"],
        "contract_awards": contracts.events["awarded"],
        "contract_handbacks": contracts.events["handed_back"],
        "contract_terminations": contracts.events["terminated"],
        "contract_expiries": contracts.events["expired"],
        "tenders_started": tenders["started"],
        "tenders_decided": tenders["decided"],
        "tenders_failed": tenders["failed"],
        "tender_bids": tenders["bids"],
        "paid_twice_gbp": paid.get(Purpose.PAID_TWICE, 0.0),
        "risk_share_transfers_gbp": paid.get(Purpose.RISK_SHARE, 0.0),
        "federation_payments_gbp": sum(
            paid.get(p, 0.0)
            for p in (Purpose.FEDERATION_INCENTIVE, Purpose.REWARD_FOR_SCALE, Purpose.OOH_PAYMENT)
        ),
    }
    return {**stock, **flows}


def _workforce_stock(state: PracticeState, levers: Levers) -> dict[str, float]:
    """GPs in post, locum cover and vacancies of open practices (FTE and shares)."""
    is_open = state.is_open
    fte = levers.gp_fte_per_head
    partners = float(state.partners[is_open].sum())
    salaried = float(state.salaried[is_open].sum())
    posts = float(state.gp_posts[is_open].sum())
    in_post = partners + salaried
    return {
        "gp_fte": in_post * fte,
        "partner_fte": partners * fte,
        "salaried_gp_fte": salaried * fte,
        "locum_fte": float(locum_cover(state, levers)[is_open].sum()) * fte,
        "gp_vacancy_rate": float(state.vacancies[is_open].sum()) / posts if posts > 0 else 0.0,
        "patients_per_gp_fte": float(state.list_size[is_open].sum()) / max(in_post * fte, fte),
    }


def _integrated_care_stock(
    state: PracticeState, book: ContractBook, levers: Levers
) -> dict[str, float]:
    """Federation and contract series that are states, not flows."""
    is_open = state.is_open
    lists = state.list_size * is_open
    pooled, sizes = pooled_lists(state.federation, state.list_size)
    sizes = sizes.astype(float)
    rows = book.covered_rows(state, levers)
    active = rows.contracts
    covered = lists[rows.practice].astype(float)
    holder = rows.attribute("holder", object) if active else np.zeros(0, dtype=object)
    population_lot = rows.population_lot
    # Holders compared once per contract, then read per covered practice.
    by_holder = {
        kind: float(covered[population_lot & (holder == kind)[rows.contract]].sum())
        for kind in HOLDER_KINDS
    }
    pathway = float(covered[~population_lot].sum())
    return {
        "share_practices_federated": float(np.mean(state.federation[is_open] >= 0)),
        "federations": len(sizes),
        "federation_mean_members": float(sizes.mean()) if len(sizes) else 0.0,
        "federation_max_members": float(sizes.max()) if len(sizes) else 0.0,
        "federation_mean_list": float(pooled.mean()) if len(pooled) else 0.0,
        "integrated_population_share": sum(by_holder.values()) / max(float(lists.sum()), 1.0),
        **{f"integrated_population_{kind}": value for kind, value in by_holder.items()},
        "diabetes_pathway_population": pathway,
        "contracts_active": len(active),
        "contract_quality_mean": float(rows.attribute("quality").mean())
        if active
        else float("nan"),
    }


def series_frame(
    collected: pd.DataFrame, start_year: int, start_quarter: int, seed: object
) -> pd.DataFrame:
    """The model-level series collected each step as a tidy frame with its calendar.

    Columns: ``step`` (0 = the start, k = after k quarters), ``quarter`` (the quarter just
    simulated), ``date`` (the day the state holds: the start of the next quarter), ``seed``,
    then every series in :data:`METRICS`.
    """
    frame = collected.reset_index(drop=True)
    steps = np.arange(len(frame))
    first = pd.Period(f"{start_year}Q{start_quarter}", freq="Q")
    head = pd.DataFrame(
        {
            "step": steps,
            "quarter": [str(first + max(int(s) - 1, 0)) for s in steps],
            "date": [(first + int(s)).start_time for s in steps],
            "seed": str(seed),
        }
    )
    return pd.concat([head, frame], axis=1)


CONTRACT_COLUMNS = (
    "id", "kind", "area", "holder", "federation", "trust", "start", "end", "status",
    "practices", "price_gbp_per_head_per_quarter", "baseline_gbp_per_head_per_quarter",
    "quality", "capacity", "notices", "mean_achievement", "result_gbp",
)  # fmt: skip
"""The columns of :func:`contracts_frame`."""


def contracts_frame(book: ContractBook) -> pd.DataFrame:
    """One row per integrated contract let in the run, ended ones included.

    Columns: id, kind, area, holder, federation (unique id or -1), trust (-1 if none),
    start and end step, status, practices covered at award, price and baseline per patient a
    quarter (£), quality promised, coordination capacity, remedial notices, mean outcome
    achievement, the holder's accumulated result (£).
    """
    rows = [
        {
            "id": c.id,
            "kind": c.kind,
            "area": c.area,
            "holder": c.holder,
            "federation": c.federation if c.federation is not None else NO_FEDERATION,
            "trust": c.trust if c.trust is not None else -1,
            "start": c.start,
            "end": c.end,
            "status": c.status,
            "practices": len(c.practices),
            "price_gbp_per_head_per_quarter": c.price_gbp_per_head_per_quarter,
            "baseline_gbp_per_head_per_quarter": c.baseline_gbp_per_head_per_quarter,
            "quality": c.quality,
            "capacity": c.capacity,
            "notices": c.notices,
            "mean_achievement": float(np.mean(c.achievements)) if c.achievements else np.nan,
            "result_gbp": c.result_gbp,
        }
        for c in book.contracts.values()
    ]
    return pd.DataFrame(rows, columns=list(CONTRACT_COLUMNS))
