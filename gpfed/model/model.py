"""GPFedModel: the health economy, one step per quarter.

Step order (one quarter), written once here:

1. levers in force this quarter; MPIG and seniority phase-outs advance;
2. registered lists grow by net population growth;
3. demand: consultations, elective and emergency admissions drawn per practice;
4. money: allocations, GMS payments, hospital payments, other services, practice expenses and
   drawings, trust costs (:func:`gpfed.model.finance.settle_quarter`);
5. exits: practices failing for long enough merge or hand back their contracts, patients move;
6. outcome series are computed and collected.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from mesa import DataCollector, Model
from mesa.discrete_space import Network

from gpfed.agents import Commissioner, Practice, Trust
from gpfed.model import streams as streams_
from gpfed.model.demand import DemandRates, draw_activity, expected_activity
from gpfed.model.finance import (
    NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP,
    CommissionerState,
    PhaseOuts,
    area_totals,
    gms_income,
    settle_quarter,
    viable_cost_efficiency,
)
from gpfed.model.ledger import Accounts, Ledger
from gpfed.model.metrics import METRICS, compute_metrics
from gpfed.model.registration import Registrations
from gpfed.model.state import PracticeState, TrustState, by_area_and_trust
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
            },
        )
        self._collect()

    def _starting_trusts(self, n_areas: int, n_trusts: int) -> TrustState:
        """Baselines from expected activity under PbR (the regime the published rates saw)."""
        state, levers = self.practice_state, self.levers
        spare = levers.trust_spare_capacity_share / (1 + levers.trust_spare_capacity_share)
        induced = np.full(len(state.list_size), levers.induced_demand_elasticity * spare)
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
        draw_activity(
            state,
            self.demand_rates,
            levers,
            self.trust_state.spare_capacity,
            self.streams["demand"],
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
        )
        Practice.count_failing_quarters(state, levers.exit_profit_threshold_share)
        exits = self._exits(levers)
        self.metrics = compute_metrics(self, exits)
        self._collect()
        self.running = self.steps < self.params.horizon_quarters

    def _exits(self, levers: Any) -> dict[str, int]:
        """Failing practices leave, in random order; a merger resets the absorber's run."""
        state = self.practice_state
        rng = self.streams["exits"]
        counts = {"closures": 0, "mergers": 0}
        for i in rng.permutation(np.flatnonzero(state.failing_quarters >= levers.exit_quarters)):
            # The last open practice stays: its patients would have nowhere to go.
            if (
                state.is_open[i]
                and state.failing_quarters[i] >= levers.exit_quarters
                and np.count_nonzero(state.is_open) > 1
            ):
                outcome = self.practice_agents.pop(int(i)).exit(levers.merge_probability, rng)
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
        """Per-agent table of ``agent_type`` (Practice, Trust or Commissioner), tidy.

        Columns: ``step``, ``agent_id``, ``index`` (row in the state columns), the reporters.
        """
        frame = self.datacollector.get_agenttype_vars_dataframe(agent_type).reset_index()
        frame = frame.rename(columns={"Step": "step", "AgentID": "agent_id"})
        frame["step"] = frame["step"].astype(int)
        return frame

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
