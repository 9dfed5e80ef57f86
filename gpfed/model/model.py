"""GPFedModel: the health economy, one step per quarter.

Step order (one quarter), written once here:

1. levers in force this quarter; MPIG and seniority phase-outs advance;
2. registered lists grow by net population growth;
3. federations: unhappy members leave, some unfederated practices join or found one
   (:func:`gpfed.model.federations.federation_round`);
4. tenders on the commissioners' calendar (:func:`gpfed.model.tendering.tender_round`);
5. demand: consultations, elective and emergency admissions drawn per practice, with the
   integration effect of contracts in force;
6. money: allocations, GMS payments, hospital payments, other services, practice expenses and
   drawings, trust costs (:func:`gpfed.model.finance.settle_quarter`); integrated contracts,
   outcome payments, risk sharing, notices, terminations, hand-backs and expiries
   (:func:`gpfed.model.contracts.settle_contracts`); federations' own money and the sharing of
   their results (:func:`gpfed.model.federations.settle_federations`); the commissioners'
   yearly quality premium;
7. exits: practices failing for long enough (or terminated under the GMS quality floor) merge or
   hand back their contracts, patients move;
8. outcome series are computed and collected.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from mesa import DataCollector, Model
from mesa.discrete_space import Network

from gpfed.agents import Commissioner, Federation, Practice, Trust
from gpfed.model import streams as streams_
from gpfed.model.contracts import NO_CONTRACT, ContractBook, settle_contracts
from gpfed.model.demand import (
    DemandRates,
    draw_activity,
    expected_activity,
    starting_induced_demand,
)
from gpfed.model.federations import CoalitionValue, federation_round, settle_federations
from gpfed.model.finance import (
    NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP,
    CommissionerState,
    Coverage,
    PhaseOuts,
    area_totals,
    gms_income,
    settle_quarter,
    viable_cost_efficiency,
)
from gpfed.model.ledger import TREASURY, Accounts, Ledger
from gpfed.model.lots import assign_localities, lot_baseline_per_head
from gpfed.model.metrics import METRICS, compute_metrics
from gpfed.model.registration import Registrations
from gpfed.model.state import PracticeState, TrustState, by_area_and_trust
from gpfed.model.tendering import contract_margin_gbp_per_patient_per_year, tender_round
from gpfed.model.world import generate_world
from gpfed.params import Params, step_to_quarter

PRACTICE_TABLE = {
    "index": "index",
    "list_size": "list_size",
    "partners": "partners",
    "quality": "quality",
    "area": "area",
    "income_gbp": "income_gbp",
    "profit_per_partner_gbp_per_year": "profit_per_partner_gbp_per_year",
    "reserves_gbp": "reserves_gbp",
    "emergency_admissions": "emergency_admissions",
    "federation_id": "federation_id",
    "contract": "contract",
}
TRUST_TABLE = {
    "index": "index",
    "emergency_admissions": "emergency_admissions",
    "elective_admissions": "elective_admissions",
    "spare_capacity": "spare_capacity",
    "income_gbp": "income_gbp",
    "surplus_gbp": "surplus_gbp",
    "balance_gbp": "balance_gbp",
}
FEDERATION_TABLE = {
    "area": "area",
    "founded_step": "founded_step",
    "n_members": "n_members",
    "list_size": "list_size",
    "reserves_gbp": "reserves_gbp",
    "contract_kind": "contract_kind",
}
COMMISSIONER_TABLE = {
    "index": "index",
    "area_team": "area_team",
    "population": "population",
    "practices_open": "practices_open",
    "spend_gbp": "spend_gbp",
    "balance_gbp": "balance_gbp",
}


class GPFedModel(Model):
    """A synthetic English health economy of GP practices, trusts and commissioners.

    Args:
        params: a :class:`~gpfed.params.Params`, a mapping of values, or a scenario name.
        rng: seed (int), SeedSequence or Generator; None draws fresh entropy (recorded in
            ``model.seed``). Same seed and parameters give the same results, bit for bit.
        **levers: parameter values by name (as Mesa's ``batch_run`` and SolaraViz pass them);
            they override ``params``.

    Raises:
        ParameterError: unknown parameter names or values out of range.

    Example:
        >>> model = GPFedModel(rng=1, n_practices=60).run(8)
        >>> model.to_frame()[["quarter", "practices_open"]].tail(1)  # doctest: +SKIP
    """

    def __init__(
        self,
        params: Params | Mapping[str, Any] | str | None = None,
        *,
        rng: int | np.random.SeedSequence | np.random.Generator | None = None,
        **levers: Any,
    ) -> None:
        self.params = Params.coerce(params, **levers)
        root = streams_.seed_sequence(rng)
        super().__init__(rng=root)
        self.seed = root.entropy
        self.streams = streams_.RandomStreams(root)
        self.timeline = self.params.timeline()
        self.levers = self.timeline.at(0)

        self.world = generate_world(self.params, self.streams["world"])
        self.network = Network(self.world.graph, layout=self.world.positions(), random=self.random)
        self.practice_neighbours = _practice_neighbours(self.world.graph, self.world.n_practices)
        self.practice_edges = _same_area_edges(self.practice_neighbours, self.world.practice_area)
        self.practice_state = PracticeState.from_world(self.world)
        n_areas, n_trusts = self.params.n_commissioners, self.world.n_trusts
        self.accounts = Accounts.layout(n_areas, self.world.n_practices, n_trusts)
        self.ledger = Ledger(self.accounts)
        self.phase_outs = PhaseOuts()
        self.registrations = Registrations()
        self.demand_rates = DemandRates.calibrate(self.practice_state, self.levers)
        self.qof_reference_list = float(self.practice_state.list_size.mean())
        starting_income = sum(
            gms_income(
                self.practice_state, self.levers, self.phase_outs, self.qof_reference_list
            ).values()
        )
        self.practice_state.cost_efficiency = viable_cost_efficiency(
            self.world.cost_quantile,
            starting_income,
            self.practice_state,
            self.params.practice_cost_efficiency_sd,
            self.levers.exit_profit_threshold_share * NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP,
        )
        self.trust_state = self._starting_trusts(n_areas, n_trusts)
        self.commissioner_state = self._starting_commissioners(n_areas, starting_income)
        self._start_integrated_care()

        self.practice_agents = {
            i: Practice(self, i, self.network[i]) for i in range(self.world.n_practices)
        }
        for t in range(n_trusts):
            Trust(self, t, self.network[self.world.n_practices + t])
        for a in range(n_areas):
            Commissioner(self, a, int(self.world.area_team[a]))

        self.metrics = compute_metrics(self, exits=None)
        self.datacollector = DataCollector(
            model_reporters={name: partial(_read_metric, name=name) for name in METRICS},
            agenttype_reporters={
                Practice: PRACTICE_TABLE,
                Trust: TRUST_TABLE,
                Commissioner: COMMISSIONER_TABLE,
                Federation: FEDERATION_TABLE,
            },
        )
        self._collect()

    def _starting_trusts(self, n_areas: int, n_trusts: int) -> TrustState:
        """Baselines from expected activity under PbR (the regime the published rates saw)."""
        state, levers = self.practice_state, self.levers
        induced = np.full(len(state.list_size), starting_induced_demand(levers))
        emergency, elective, _ = expected_activity(state, self.demand_rates, levers, induced)
        baseline_e = by_area_and_trust(emergency, state, n_areas, n_trusts)
        baseline_el = by_area_and_trust(elective, state, n_areas, n_trusts)
        variable = 1.0 - levers.trust_fixed_cost_share
        baseline_cost = (
            baseline_e.sum(axis=0) * levers.emergency_tariff_gbp
            + baseline_el.sum(axis=0) * levers.elective_tariff_gbp
        )
        return TrustState(
            baseline_emergency=baseline_e,
            baseline_elective=baseline_el,
            baseline_population=by_area_and_trust(
                state.list_size.astype(float), state, n_areas, n_trusts
            ),
            capacity=(baseline_e.sum(axis=0) + baseline_el.sum(axis=0))
            * (1 + levers.trust_spare_capacity_share),
            emergency_cost_gbp=variable * levers.emergency_tariff_gbp,
            elective_cost_gbp=variable * levers.elective_tariff_gbp,
            fixed_cost_gbp=levers.trust_fixed_cost_share * baseline_cost,
        )

    def _starting_commissioners(self, n_areas: int, gms: np.ndarray) -> CommissionerState:
        """Other services absorb what the allocation leaves after the modelled baseline spend.

        Args:
            n_areas: number of commissioner areas.
            gms: each practice's GMS income in the first quarter, £.
        """
        state, levers = self.practice_state, self.levers
        population = area_totals(state.list_size.astype(float), state, n_areas)
        trusts = self.trust_state
        hospital = (
            trusts.baseline_emergency * levers.emergency_tariff_gbp
            + trusts.baseline_elective * levers.elective_tariff_gbp
        ).sum(axis=1)
        allocation = levers.commissioner_allocation_gbp_per_head_per_year / 4 * population
        left = allocation - area_totals(gms, state, n_areas) - hospital
        return CommissionerState(
            other_services_gbp_per_head_per_quarter=np.maximum(left, 0.0) / population,
            spend_gbp=np.zeros(n_areas),
        )

    def _start_integrated_care(self) -> None:
        """Federation and contract state: none at the start, as in 2013."""
        state, levers = self.practice_state, self.levers
        n = self.world.n_practices
        self.federations: dict[int, Federation] = {}
        self.contracts = ContractBook(coverage=np.full(n, NO_CONTRACT, dtype=np.int64))
        self.contracts.reset_events()
        self.entrant_account: int | None = None
        self.federation_counts = {"left": 0, "joined": 0, "founded": 0}
        self.locality = assign_localities(
            self.world.practice_xy_km, state.area, state.list_size, levers.locality_population
        )
        self.lot_baseline = lot_baseline_per_head(self)
        sd = levers.federation_autonomy_cost_sd
        state.autonomy_cost_gbp_per_year = (
            levers.federation_autonomy_cost_gbp_per_year
            * self.streams["autonomy"].lognormal(-(sd**2) / 2, sd, n)
        )
        self.federation_value = self._coalition_value(levers)
        # The premium's admissions baseline is the starting world as paid for (with the
        # induced demand of PbR at the trusts' usual spare capacity), as the published rates.
        n_areas = len(self.accounts.commissioner)
        induced = np.full(n, starting_induced_demand(levers))
        emergency = expected_activity(state, self.demand_rates, levers, induced)[0]
        self.area_emergency_baseline_per_head = area_totals(emergency, state, n_areas) / np.maximum(
            area_totals(state.list_size.astype(float), state, n_areas), 1.0
        )

    def _coalition_value(self, levers: Any) -> CoalitionValue:
        return CoalitionValue(
            levers,
            partial(
                contract_margin_gbp_per_patient_per_year, levers=levers, baseline=self.lot_baseline
            ),
        )

    def step(self) -> None:
        """Simulate one quarter (see the module docstring for the order)."""
        quarter = self.steps - 1
        self.levers = levers = self.timeline.at(quarter)
        self.ledger.step = quarter
        state = self.practice_state
        self.phase_outs.advance(levers)
        self.registrations.grow(
            state, levers.registered_population_growth_per_year, self.streams["population"]
        )
        self.contracts.reset_events()
        self.federation_value = self._coalition_value(levers)
        self.federation_counts = federation_round(self)
        accounts = [f.account for f in self.federations.values()]
        federation_balances = dict(
            zip(self.federations, self.ledger.balance_pence[accounts].tolist(), strict=True)
        )
        if quarter % levers.tender_every_quarters == 0:
            tender_round(self)
        coverage = self._coverage(levers)
        draw_activity(
            state,
            self.demand_rates,
            levers,
            self.trust_state.spare_capacity,
            self.streams["demand"],
            integration_effect=self.contracts.integration_effect(state, levers),
            capitated=coverage.elective_share > 0,
        )
        drift = levers.practice_cost_drift_sd
        state.cost_efficiency *= self.streams["practice_costs"].lognormal(
            -(drift**2) / 2, drift, len(state.list_size)
        )
        settle_quarter(
            self.ledger,
            self.accounts,
            state,
            self.trust_state,
            self.commissioner_state,
            levers,
            self.phase_outs,
            self.qof_reference_list,
            quarter / 4,
            coverage,
        )
        settle_contracts(self)
        settle_federations(self, federation_balances)
        if quarter % 4 == 3:
            self._quality_premium(levers)
        Practice.count_failing_quarters(state, levers.exit_profit_threshold_share)
        exits = self._exits(levers)
        self.metrics = compute_metrics(self, exits)
        self._collect()
        self.running = self.steps < self.params.horizon_quarters

    def _coverage(self, levers: Any) -> Coverage:
        """What contracts in force pay for this quarter, for the commissioner's own payments."""
        state, book = self.practice_state, self.contracts
        emergency, elective, merged = book.covered_shares(state, levers)
        gms_payer = self.accounts.commissioner[state.area].copy()
        if merged.any():
            gms_payer[merged] = book.typed_terms("account", np.int64)[book.coverage[merged]]
        lists = state.list_size * state.is_open
        n_areas = len(self.accounts.commissioner)
        community = levers.community_services_gbp_per_head_per_year * lists * elective
        diabetes = (
            levers.diabetes_care_gbp_per_diabetic_per_year
            * lists
            * state.diabetes_prevalence
            * ((emergency > 0) & (elective == 0))
        )
        return Coverage(
            emergency_share=emergency,
            elective_share=elective,
            gms_payer=gms_payer,
            community_gbp=area_totals(community + diabetes, state, n_areas) / 4,
        )

    def _quality_premium(self, levers: Any) -> None:
        """Pay the yearly quality premium from the treasury to commissioners not in deficit.

        The score weighs avoidable emergency admissions against the area's baseline and
        practice quality.
        """
        state = self.practice_state
        n_areas = len(self.accounts.commissioner)
        lists = (state.list_size * state.is_open).astype(float)
        population = area_totals(lists, state, n_areas)
        # An area whose practices have all closed has no patients and earns nothing.
        heads = np.maximum(population, 1.0)
        per_head = area_totals(state.emergency_admissions.astype(float), state, n_areas) / heads
        baseline = self.area_emergency_baseline_per_head
        admissions = np.clip(
            (baseline - per_head)
            / np.maximum(levers.admissions_target_reduction * baseline, 1e-12),
            0.0,
            1.0,
        )
        quality = area_totals(state.quality * lists, state, n_areas) / heads
        weight = levers.quality_premium_admissions_weight
        score = weight * admissions + (1.0 - weight) * quality
        eligible = self.ledger.balance_gbp(self.accounts.commissioner) >= 0
        amount = levers.quality_premium_gbp_per_head_per_year * population * score * eligible
        self.ledger.pay(TREASURY, self.accounts.commissioner, amount, "quality_premium")

    def _exits(self, levers: Any) -> dict[str, int]:
        """Failing practices leave, in random order; a merger resets the absorber's run.

        Under the GMS quality floor, a practice below it gets a remedial notice each year and
        hands back its contract after ``termination_notices`` of them.
        """
        state = self.practice_state
        rng = self.streams["exits"]
        counts = {"closures": 0, "mergers": 0}
        terminated = np.zeros(len(state.is_open), dtype=bool)
        if levers.gms_quality_floor > 0 and (self.steps - 1) % 4 == 3:
            below = state.is_open & (state.quality < levers.gms_quality_floor)
            below &= self.contracts.coverage == NO_CONTRACT
            state.gms_notices[below] += 1
            terminated = below & (state.gms_notices >= levers.termination_notices)
        leaving = (state.failing_quarters >= levers.exit_quarters) | terminated
        for i in rng.permutation(np.flatnonzero(leaving)):
            # The last open practice stays: its patients would have nowhere to go.
            still_failing = state.failing_quarters[i] >= levers.exit_quarters or terminated[i]
            if state.is_open[i] and still_failing and np.count_nonzero(state.is_open) > 1:
                merge = 0.0 if terminated[i] else levers.merge_probability
                outcome = self.practice_agents.pop(int(i)).exit(merge, rng)
                counts["closures" if outcome == "closure" else "mergers"] += 1
        return counts

    def _collect(self) -> None:
        every = self.params.agent_table_every
        if every and self.steps % every == 0:
            self.datacollector.collect(self)
        else:
            saved, self.datacollector.agenttype_reporters = (
                self.datacollector.agenttype_reporters,
                {},
            )
            self.datacollector.collect(self)
            self.datacollector.agenttype_reporters = saved

    @property
    def quarter(self) -> str:
        """Calendar quarter just simulated (the start quarter before any step)."""
        return step_to_quarter(max(self.steps - 1, 0), *self._start)

    @property
    def _start(self) -> tuple[int, int]:
        return self.params.start_year, self.params.start_quarter

    def run(self, quarters: int | None = None) -> GPFedModel:
        """Simulate ``quarters`` quarters (default: up to ``horizon_quarters``) and return self."""
        remaining = self.params.horizon_quarters - self.steps
        for _ in range(remaining if quarters is None else quarters):
            self.step()
        return self

    def to_frame(self) -> pd.DataFrame:
        """Model-level series, one row per collected step, tidy.

        Columns: ``step`` (0 = the start, k = after k quarters), ``quarter`` (the quarter just
        simulated), ``date`` (the day the state holds: the start of the next quarter), ``seed``,
        then every series in :data:`gpfed.model.metrics.METRICS`.
        """
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        steps = np.arange(len(frame))
        first = pd.Period(f"{self._start[0]}Q{self._start[1]}", freq="Q")
        head = pd.DataFrame(
            {
                "step": steps,
                "quarter": [str(first + max(int(s) - 1, 0)) for s in steps],
                "date": [(first + int(s)).start_time for s in steps],
                "seed": str(self.seed),
            }
        )
        return pd.concat([head, frame], axis=1)

    def agent_frame(self, agent_type: type = Practice) -> pd.DataFrame:
        """Per-agent table of ``agent_type`` (Practice, Trust, Commissioner or Federation), tidy.

        Columns: ``step``, ``agent_id``, ``index`` (row in the state columns), the reporters.
        """
        frame = self.datacollector.get_agenttype_vars_dataframe(agent_type).reset_index()
        frame = frame.rename(columns={"Step": "step", "AgentID": "agent_id"})
        frame["step"] = frame["step"].astype(int)
        return frame

    def contracts_frame(self) -> pd.DataFrame:
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
                "federation": c.federation.unique_id if c.federation is not None else -1,
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
            for c in self.contracts.contracts.values()
        ]
        columns = [
            "id", "kind", "area", "holder", "federation", "trust", "start", "end", "status",
            "practices", "price_gbp_per_head_per_quarter", "baseline_gbp_per_head_per_quarter",
            "quality", "capacity", "notices", "mean_achievement", "result_gbp",
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def ledger_frame(self) -> pd.DataFrame:
        """Money paid per quarter and purpose, £ (see :meth:`Ledger.transfers_frame` for all)."""
        return self.ledger.totals_frame()

    def plot(self, path: str | None = None):
        """Plot the main outcome series as a panel; save to ``path`` if given.

        Returns:
            The matplotlib Figure.
        """
        from gpfed.plots import outcome_panel

        return outcome_panel(self.to_frame(), path)


def _read_metric(model: GPFedModel, name: str) -> float:
    """DataCollector reporter: one series from the metrics computed this step."""
    return model.metrics[name]


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
