"""The starting economy, built top to bottom from the parameters and the world stream.

Everything a model starts from that is not a Mesa agent: the drawn world and its graph, the state
columns, accounts and ledger, calibrated demand, practices' cost multipliers (conditioned on being
viable at the start), trusts' and commissioners' baselines, localities and the baselines
integrated-care contracts and the quality premium refer to. ``GPFedModel`` places the agents on
it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gpfed.agents.patients import (
    DemandRates,
    NeedGrowth,
    expected_activity,
    starting_induced_demand,
)
from gpfed.agents.trust import Trust
from gpfed.institutions.catalogue import delivered_lines, packaged_catalogue
from gpfed.institutions.contract_terms import ContractBook
from gpfed.institutions.gms import PhaseOuts, gms_income
from gpfed.institutions.lots import ExpectedActivity, assign_localities, lot_baseline_per_head
from gpfed.parameters import Levers, Params
from gpfed.world.costs import NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP, viable_cost_efficiency
from gpfed.world.geography import World, generate_world
from gpfed.world.ledger import Accounts, Ledger
from gpfed.world.state import (
    CommissionerState,
    PracticeState,
    TrustState,
    area_totals,
    by_area_and_trust,
)
from gpfed.world.streams import RandomStreams
from gpfed.world.units import NO_CONTRACT, QUARTERS_PER_YEAR


@dataclass
class Economy:
    """The whole starting state (see the module docstring)."""

    world: World
    practice_neighbours: list[np.ndarray]
    practice_edges: tuple[np.ndarray, np.ndarray]
    practice_edge_km: np.ndarray
    practice_state: PracticeState
    trust_state: TrustState
    commissioner_state: CommissionerState
    accounts: Accounts
    ledger: Ledger
    phase_outs: PhaseOuts
    demand_rates: DemandRates
    qof_reference_list: float
    contracts: ContractBook
    locality: np.ndarray
    lot_baseline: tuple[float, float]
    area_emergency_baseline_per_head: np.ndarray
    need: NeedGrowth


def build_economy(params: Params, levers: Levers, streams: RandomStreams) -> Economy:
    """Draw the world and derive every starting column, account and baseline from it."""
    world = generate_world(params, streams["world"])
    neighbours = _practice_neighbours(world.graph, world.n_practices)
    edges = _same_area_edges(neighbours, world.practice_area)
    state = PracticeState.from_world(world)
    # Some posts are empty at the start: the practices seek more GPs than they have.
    state.gp_posts = state.gps / (1.0 - levers.initial_gp_vacancy_rate)
    state.services_delivered = delivered_lines(
        state.quality,
        packaged_catalogue(),
        streams["service_delivery"],
        levers.service_delivery_quality_slope,
    )
    n_areas, n_trusts = params.n_commissioners, world.n_trusts
    accounts = Accounts.layout(n_areas, world.n_practices, n_trusts)
    phase_outs = PhaseOuts()
    rates = DemandRates.calibrate(state, levers)
    qof_reference_list = float(state.list_size.mean())
    starting_income = sum(gms_income(state, levers, phase_outs, qof_reference_list).values())
    state.cost_efficiency = viable_cost_efficiency(
        world.cost_quantile,
        starting_income,
        state,
        params.practice_cost_efficiency_sd,
        levers.exit_profit_threshold_share * NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP,
    )
    trusts = _starting_trusts(state, rates, levers, n_areas, n_trusts)
    commissioners = _starting_commissioners(state, trusts, levers, n_areas, starting_income)
    contracts = ContractBook(coverage=np.full(world.n_practices, NO_CONTRACT, dtype=np.int64))
    contracts.reset_events()
    locality = assign_localities(
        world.practice_xy_km, state.area, state.list_size, levers.locality_population
    )
    lot_baseline = lot_baseline_per_head(state, expected_now(state, trusts, rates, levers), levers)
    sd = levers.federation_autonomy_cost_sd
    state.autonomy_cost_gbp_per_year = levers.federation_autonomy_cost_gbp_per_year * streams[
        "autonomy"
    ].lognormal(-(sd**2) / 2, sd, world.n_practices)
    # The premium's admissions baseline is the starting world as paid for (with the induced
    # demand of PbR at the trusts' usual spare capacity), as the published rates.
    induced = np.full(world.n_practices, starting_induced_demand(levers))
    emergency = expected_activity(state, rates, levers, induced)[0]
    baseline_per_head = area_totals(emergency, state, n_areas) / np.maximum(
        area_totals(state.list_size.astype(float), state, n_areas), 1.0
    )
    return Economy(
        world=world,
        practice_neighbours=neighbours,
        practice_edges=edges,
        practice_edge_km=np.linalg.norm(
            world.practice_xy_km[edges[0]] - world.practice_xy_km[edges[1]], axis=1
        ),
        practice_state=state,
        trust_state=trusts,
        commissioner_state=commissioners,
        accounts=accounts,
        ledger=Ledger(accounts),
        phase_outs=phase_outs,
        demand_rates=rates,
        qof_reference_list=qof_reference_list,
        contracts=contracts,
        locality=locality,
        lot_baseline=lot_baseline,
        area_emergency_baseline_per_head=baseline_per_head,
        need=NeedGrowth(),
    )


def expected_now(
    state: PracticeState,
    trusts: TrustState,
    rates: DemandRates,
    levers: Levers,
    trust_class: type[Trust] = Trust,
    need_index: float = 1.0,
) -> ExpectedActivity:
    """Expected admissions a quarter per practice as paid for now, and once capitated."""
    induced = trust_class.induce_demand(state, trusts.spare_capacity, levers)
    emergency, elective, _ = expected_activity(state, rates, levers, induced, None, need_index)
    none = np.zeros(len(induced))
    capitated, _, _ = expected_activity(state, rates, levers, none, None, need_index)
    return emergency, elective, capitated


def _starting_trusts(
    state: PracticeState, rates: DemandRates, levers: Levers, n_areas: int, n_trusts: int
) -> TrustState:
    """Baselines from expected activity under PbR (the regime the published rates saw)."""
    induced = np.full(len(state.list_size), starting_induced_demand(levers))
    emergency, elective, _ = expected_activity(state, rates, levers, induced)
    baseline_e = by_area_and_trust(emergency, state, n_areas, n_trusts)
    baseline_el = by_area_and_trust(elective, state, n_areas, n_trusts)
    variable = 1.0 - levers.trust_fixed_cost_share
    baseline_cost = (
        baseline_e.sum(axis=0) * levers.emergency_tariff_gbp
        + baseline_el.sum(axis=0) * levers.elective_tariff_gbp
    )
    capacity = (baseline_e.sum(axis=0) + baseline_el.sum(axis=0)) * (
        1 + levers.trust_spare_capacity_share
    )
    return TrustState(
        baseline_emergency=baseline_e,
        baseline_elective=baseline_el,
        baseline_population=by_area_and_trust(
            state.list_size.astype(float), state, n_areas, n_trusts
        ),
        capacity=capacity,
        emergency_cost_gbp=variable * levers.emergency_tariff_gbp,
        elective_cost_gbp=variable * levers.elective_tariff_gbp,
        # The fixed share of the baseline cost is the running cost of the capacity held.
        capacity_cost_gbp=np.divide(
            levers.trust_fixed_cost_share * baseline_cost,
            capacity,
            out=np.zeros_like(capacity),
            where=capacity > 0,
        ),
    )


def _starting_commissioners(
    state: PracticeState, trusts: TrustState, levers: Levers, n_areas: int, gms: np.ndarray
) -> CommissionerState:
    """Other services absorb what the allocation leaves after the modelled baseline spend.

    Args:
        state: practice columns.
        trusts: trust columns with their baselines.
        levers: levers at the start.
        n_areas: number of commissioner areas.
        gms: each practice's GMS income in the first quarter, £.
    """
    population = area_totals(state.list_size.astype(float), state, n_areas)
    hospital = (
        trusts.baseline_emergency * levers.emergency_tariff_gbp
        + trusts.baseline_elective * levers.elective_tariff_gbp
    ).sum(axis=1)
    allocation = (
        levers.commissioner_allocation_gbp_per_head_per_year / QUARTERS_PER_YEAR * population
    )
    left = allocation - area_totals(gms, state, n_areas) - hospital
    return CommissionerState(
        other_services_gbp_per_head_per_quarter=np.maximum(left, 0.0) / population,
        spend_gbp=np.zeros(n_areas),
    )


def _practice_neighbours(graph: Any, n_practices: int) -> list[np.ndarray]:
    """Practice-practice neighbours of each practice (referral edges to trusts excluded)."""
    return [
        np.fromiter((j for j in graph.neighbors(i) if j < n_practices), dtype=np.int64)
        for i in range(n_practices)
    ]


def _same_area_edges(
    neighbours: list[np.ndarray], area: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Practice-practice edges within one area, both directions, as (source, target) arrays."""
    src = np.repeat(np.arange(len(neighbours)), [len(n) for n in neighbours])
    dst = np.concatenate(neighbours) if neighbours else np.zeros(0, dtype=np.int64)
    same = area[src] == area[dst]
    return src[same], dst[same]
