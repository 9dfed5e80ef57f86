"""GPFedModel: the health economy, one step per quarter, as a printable plan of named stages.

Each stage either applies an institution (a payment rule, tender rules, contract terms: what
policy sets, :mod:`gpfed.institutions`) or asks one agent type to decide (:mod:`gpfed.agents`)
and applies its choices. :meth:`GPFedModel.plan` lists the stages in order with the time each has
taken; the order is written once, in :data:`PLAN`.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from mesa import DataCollector, Model
from mesa.discrete_space import Network

from gpfed.agents import Commissioner, Federation, Practice, Trust, workforce
from gpfed.agents.coalition import (
    CoalitionValue,
    Membership,
    backoffice_saving_gbp_per_year,
    contract_margin_gbp_per_patient_per_year,
    coordination_cost_gbp_per_year,
    paid_ratios,
)
from gpfed.agents.federation import federation_merger_options
from gpfed.agents.holders import holder_cost_sd_share, integration_effect
from gpfed.agents.patients import (
    EdgeSlots,
    Registrations,
    blend_into,
    disperse_list,
    expected_activity,
    move_patients,
    nearest_open_practices,
    switch_practice,
    use_care,
)
from gpfed.agents.practice import (
    STAY_ALONE,
    FederationOptions,
    federation_options,
    merger_options,
)
from gpfed.agents.quality import move_quality
from gpfed.agents.workforce import (
    WorkforceFlows,
    excess_workload,
    understaffed_practices,
)
from gpfed.institutions import contract_terms
from gpfed.institutions.allocation import buy_other_services, pay_allocations
from gpfed.institutions.gms import (
    gms_income,
    pay_gms,
    qof_gbp_per_quality_per_patient,
    quality_floor_terminations,
)
from gpfed.institutions.hospital_payment import pay_hospitals
from gpfed.institutions.network_contract import pay_network_payments
from gpfed.institutions.quality_premium import pay_quality_premium
from gpfed.institutions.regulator import improved_capacity_cost_gbp, review_trusts
from gpfed.institutions.risk_sharing import yearly_retained_risk_gbp
from gpfed.model.build import build_economy, expected_now
from gpfed.model.incentives import CoveredSpend, care_incentives
from gpfed.model.tendering import Deciders, Market, OptInTerms, Parties, tender_round
from gpfed.outputs import (
    COMMISSIONER_TABLE,
    FEDERATION_TABLE,
    METRICS,
    PRACTICE_TABLE,
    TRUST_TABLE,
    compute_metrics,
    contracts_frame,
    federation_table,
    practice_table,
    series_frame,
)
from gpfed.parameters import SPEC, Levers, ParameterError, Params, step_to_quarter
from gpfed.world import streams as streams_
from gpfed.world.arrays import lookup, split_pence_by_group
from gpfed.world.costs import (
    capacity_change_cost_gbp,
    care_effort_cost_gbp,
    expense_growth,
    locum_premium_gbp,
    merger_efficiency,
    practice_expenses,
    trust_costs,
)
from gpfed.world.ledger import ECONOMY, Purpose
from gpfed.world.state import area_totals
from gpfed.world.units import NO_CONTRACT, NO_FEDERATION, PENCE_PER_GBP, QUARTERS_PER_YEAR


@dataclass(frozen=True)
class Stage:
    """One stage of the quarter: its name, who acts, and the method that runs it."""

    name: str
    actor: str
    method: str


PLAN: tuple[Stage, ...] = (
    Stage("levers", "policy", "_stage_levers"),
    Stage("population", "patients", "_stage_population"),
    Stage("patient choice", "patients", "_stage_patient_choice"),
    Stage("federation departures", "practices", "_stage_federation_departures"),
    Stage("federation choices", "practices, federations", "_stage_federation_choices"),
    Stage("tenders", "commissioners, bidders", "_stage_tenders"),
    Stage("care effort", "practices", "_stage_care_effort"),
    Stage("care used", "patients, trusts", "_stage_care"),
    Stage("quality", "practices", "_stage_quality"),
    Stage("core payments", "institutions, practices", "_stage_core_payments"),
    Stage("integrated contracts", "institutions", "_stage_contracts"),
    Stage("federation money", "institutions, federations", "_stage_federation_money"),
    Stage("quality premium", "institutions", "_stage_quality_premium"),
    Stage("trusts", "trusts, regulator", "_stage_trusts"),
    Stage("workforce", "practices, GPs", "_stage_workforce"),
    Stage("exits", "practices, patients", "_stage_exits"),
    Stage("outputs", "model", "_stage_outputs"),
)
"""The quarter, in order (written once here)."""


class GPFedModel(Model):
    """A synthetic English health economy of GP practices, trusts and commissioners.

    Args:
        params: a :class:`~gpfed.parameters.Params`, a mapping of values, or a scenario name.
        rng: seed (int), SeedSequence or Generator; None draws fresh entropy (recorded in
            ``model.seed``). Same seed and parameters give the same results, bit for bit.
        practice_class: the Practice agent class whose decisions practices take; a subclass
            overriding one decision (e.g. ``choose_federation``) tries another behavioural rule.
        federation_class: the same for federations.
        trust_class: the same for trusts.
        commissioner_class: the same for commissioners.
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
        practice_class: type[Practice] = Practice,
        federation_class: type[Federation] = Federation,
        trust_class: type[Trust] = Trust,
        commissioner_class: type[Commissioner] = Commissioner,
        **levers: Any,
    ) -> None:
        self.params = Params.coerce(params, **levers)
        for name, cls, base in (
            ("practice_class", practice_class, Practice),
            ("federation_class", federation_class, Federation),
            ("trust_class", trust_class, Trust),
            ("commissioner_class", commissioner_class, Commissioner),
        ):
            if not (isinstance(cls, type) and issubclass(cls, base)):
                raise TypeError(f"{name} = {cls!r}; allowed {base.__name__} or a subclass of it")
        self.practice_class, self.federation_class = practice_class, federation_class
        self.trust_class, self.commissioner_class = trust_class, commissioner_class
        root = streams_.seed_sequence(rng)
        self._federation_index: dict[int, Federation] = {}
        super().__init__(rng=root)
        self.seed = root.entropy
        self.streams = streams_.RandomStreams(root)
        self.timeline = self.params.timeline()
        self.levers: Levers = self.timeline.at(0)

        # The world is tens of thousands of long-lived objects (the graph, Mesa's cells): the
        # cyclic collector would scan them again and again while they are made, for nothing.
        with _collector_paused():
            economy = build_economy(self.params, self.levers, self.streams)
            self.world = economy.world
            self.network = Network(
                self.world.graph, layout=self.world.positions(), random=self.random
            )
        self.practice_neighbours = economy.practice_neighbours
        self.practice_edges = economy.practice_edges
        self.practice_edge_km = economy.practice_edge_km
        self.practice_edge_slots = EdgeSlots.of(self.practice_edges[0])
        self.practice_state = economy.practice_state
        self.trust_state = economy.trust_state
        self.commissioner_state = economy.commissioner_state
        self.accounts, self.ledger = economy.accounts, economy.ledger
        self.phase_outs = economy.phase_outs
        self.demand_rates = economy.demand_rates
        self.qof_reference_list = economy.qof_reference_list
        self.contracts = economy.contracts
        self.locality = economy.locality
        self.lot_baseline = economy.lot_baseline
        self.area_emergency_baseline_per_head = economy.area_emergency_baseline_per_head
        self.need = economy.need
        self.registrations = Registrations()
        self.entrant_account: int | None = None
        self.market = Market([], np.zeros(len(self.accounts.commissioner), dtype=np.int64))
        self.market.reset_counts()
        self._procurement_gbp = np.zeros(len(self.accounts.commissioner))
        self.federation_counts = {
            "left": 0,
            "joined": 0,
            "founded": 0,
            "switched": 0,
            "merged": 0,
        }
        self._judged_worth = np.zeros(len(self.practice_state.list_size))
        self._paid_ratio: dict[int, float] = {}
        self.federation_value = self._coalition_value(self.levers)
        self._federation_balances: dict[int, int] = {}
        self._exit_counts: dict[str, int] = {"closures": 0, "mergers": 0, "voluntary_mergers": 0}
        self._workforce_flows = WorkforceFlows.none()
        self.starting_gps = int(self.practice_state.gps.sum())
        n_rows = self.world.n_practices
        self._payout_share = np.zeros(n_rows)
        self._covered_spend = CoveredSpend(np.zeros(n_rows), np.zeros(n_rows))
        self._stage_seconds = dict.fromkeys((stage.name for stage in PLAN), 0.0)

        n_practices = self.world.n_practices
        for i in range(n_practices):
            practice_class(self, i, self.network[i])
        for t in range(self.world.n_trusts):
            trust_class(self, t, self.network[n_practices + t])
        for a in range(self.params.n_commissioners):
            commissioner_class(self, a, int(self.world.area_team[a]))

        self.metrics = self._metrics(exits=None)
        # The practices' and federations' tables: one dict of columns per collection, by step
        # (outputs.practice_table, federation_table); Mesa's DataCollector keeps the others.
        self._tables: dict[type, dict[int, dict[str, np.ndarray]]] = {
            Practice: {},
            Federation: {},
        }
        self.datacollector = DataCollector(
            model_reporters={name: partial(_read_metric, name=name) for name in METRICS},
            agenttype_reporters={
                trust_class: TRUST_TABLE,
                commissioner_class: COMMISSIONER_TABLE,
            },
        )
        self._collect()

    # --- the agents, as Mesa registers them -------------------------------------------------------
    @property
    def federations(self) -> Mapping[int, Federation]:
        """The federations in existence, by unique id, in the order Mesa registered them.

        An index of Mesa's agent registry, kept by Mesa's own registration hooks below (read-only
        to callers).
        """
        return MappingProxyType(self._federation_index)

    def register_agent(self, agent: Any) -> None:
        """Mesa's registration of a new agent; a federation enters the federation index."""
        super().register_agent(agent)
        if isinstance(agent, Federation):
            self._federation_index[agent.unique_id] = agent

    def deregister_agent(self, agent: Any) -> None:
        """Mesa's removal of an agent; a federation leaves the federation index."""
        super().deregister_agent(agent)
        if isinstance(agent, Federation):
            del self._federation_index[agent.unique_id]

    def practice_agent(self, index: int) -> Practice | None:
        """The Practice agent of row ``index`` (on its network node), None once it has exited."""
        agents = self.network[index].agents
        return agents[0] if agents else None

    # --- the quarter ------------------------------------------------------------------------------
    def step(self) -> None:
        """Simulate one quarter: every stage of :data:`PLAN`, in order."""
        for stage in PLAN:
            start = time.perf_counter()
            getattr(self, stage.method)()
            self._stage_seconds[stage.name] += time.perf_counter() - start

    def plan(self) -> pd.DataFrame:
        """The quarter's stages in order: who acts, and the seconds each has taken so far."""
        return pd.DataFrame(
            {
                "stage": [s.name for s in PLAN],
                "actor": [s.actor for s in PLAN],
                "method": [s.method for s in PLAN],
                "seconds": [self._stage_seconds[s.name] for s in PLAN],
            }
        )

    @property
    def quarters_simulated(self) -> int:
        """Quarters simulated so far, the one under way included (Mesa's clock, ``model.time``).

        Read from ``model.time`` rather than Mesa 3's ``model.steps``, which Mesa 4 removes.
        """
        return int(self.time)

    @property
    def _quarter_index(self) -> int:
        """Quarters simulated before this one (0 in the first quarter)."""
        return self.quarters_simulated - 1

    def _stage_levers(self) -> None:
        """Levers in force this quarter; MPIG and seniority phase-outs advance."""
        quarter = self._quarter_index
        self.levers = levers = self.timeline.at(quarter)
        # Payments are labelled with the step whose row of to_frame() holds this quarter's flows.
        self.ledger.step = self.quarters_simulated
        self.phase_outs.advance(levers)
        self.contracts.reset_events()
        self.federation_value = self._coalition_value(levers)

    def _stage_population(self) -> None:
        """Registered lists grow by net population growth; need per patient grows."""
        self.need.advance(self.levers.need_growth_per_year)
        self.registrations.grow(
            self.practice_state,
            self.levers.registered_population_growth_per_year,
            self.streams["population"],
        )

    def _stage_patient_choice(self) -> None:
        """Some patients change practice without moving home (switch_practice)."""
        flows = switch_practice(
            self.practice_state,
            self.practice_edges,
            self.practice_edge_km,
            self.levers,
            self.streams["patient_choice"],
            self.practice_edge_slots,
        )
        move_patients(self.practice_state, self.practice_edges, flows)

    def _stage_federation_departures(self) -> None:
        """Members judge their federation by what it has paid them and may leave.

        (Practice.judge_federation, Practice.leave_federation.)
        """
        state = self.practice_state
        membership = Membership.of(state.federation, state.list_size, self.federations)
        shares = membership.shares_gbp_per_year(
            state.list_size, self.federation_value, self.levers, self.streams["federations"]
        )
        members = membership.members
        judged = self.practice_class.judge_federation(
            shares,
            state.federation_paid_gbp_per_year[members],
            state.federation_quarters[members],
            self.levers,
        )
        self._judged_worth = np.zeros(len(state.list_size))
        self._judged_worth[members] = judged
        self._paid_ratio = paid_ratios(
            membership, shares, state.federation_paid_gbp_per_year, state.federation_quarters
        )
        quarters, leaving = self.practice_class.leave_federation(
            state, members, judged, self.levers, self.streams["federations"]
        )
        state.below_share_quarters = quarters
        left = 0
        for i in leaving.tolist():
            federation = self.federations.get(int(state.federation[i]))
            if federation is not None:
                self.contracts.return_to_gms(i, federation.unique_id)
                federation.release(i)
                left += 1
        self.federation_counts = {
            "left": left,
            "joined": 0,
            "founded": 0,
            "switched": 0,
            "merged": 0,
        }

    def _stage_federation_choices(self) -> None:
        """Reconsidering practices stay alone, found or join (Practice.choose_federation)."""
        state, levers = self.practice_state, self.levers
        rng = self.streams["federations"]
        free = state.is_open & (state.federation == NO_FEDERATION)
        # The options last offered: the switches are checked against them when applied.
        offered: list[FederationOptions] = []

        def options_for(candidates: np.ndarray) -> FederationOptions:
            membership = Membership.of(state.federation, state.list_size, self.federations)
            offered[:] = [
                federation_options(
                    state,
                    candidates,
                    self.practice_edges,
                    membership,
                    self.federation_value,
                    levers,
                    rng,
                )
            ]
            return offered[0]

        choices = self.practice_class.choose_federation(free, options_for, levers, rng)
        if choices is not None:
            self._apply_federation_choices(choices, rng)
        members = np.flatnonzero(state.is_open & (state.federation != NO_FEDERATION))
        switches = self.practice_class.switch_federation(
            members,
            self._judged_worth[members],
            options_for,
            state.autonomy_cost_gbp_per_year,
            self._paid_ratio,
            levers,
            rng,
        )
        switched = self._apply_switches(switches, offered, rng)
        merged = self._federation_mergers(rng) if self._year_end else 0
        self.federation_counts = {
            **self.federation_counts,
            "switched": switched,
            "merged": merged,
        }
        # Federations' balances before this quarter's money: their result is measured from here.
        accounts = [f.account for f in self.federations.values()]
        self._federation_balances = dict(
            zip(self.federations, self.ledger.balance_pence[accounts].tolist(), strict=True)
        )

    def _apply_switches(
        self, switches: dict[int, int], offered: list[FederationOptions], rng: np.random.Generator
    ) -> int:
        """Members move to the federation they chose, in random order, checked when applied.

        The target must still exist, admit the practice and have a member next to it (earlier
        moves may have changed it); the old federation releases the practice (its opt-in
        contract returns it to GMS; the rest may split). A target with the members' count and
        list it had when last ``offered`` (every option offered was admitted) admits as it did.
        """
        state, moved = self.practice_state, 0
        offered_as = offered[-1].as_offered(switches) if offered else {}
        for i in rng.permutation(np.array(sorted(switches), dtype=np.int64)).tolist():
            target = self.federations.get(switches[i])
            old = self.federations.get(int(state.federation[i]))
            if target is None or old is None or old is target:
                continue
            neighbours = self.practice_neighbours[i]
            if not (state.federation[neighbours] == target.unique_id).any():
                continue
            as_offered = (target.n_members, target.list_size + int(state.list_size[i]))
            if as_offered != offered_as.get((i, target.unique_id)) and not self._admits(target, i):
                continue
            self.contracts.return_to_gms(i, old.unique_id)
            old.release(i)
            target.add(i)
            moved += 1
        return moved

    def _admits(self, federation: Federation, practice: int) -> bool:
        """Whether ``federation``, as it is now, admits ``practice`` (Federation.admits)."""
        return self.federation_class.admits(
            float(federation.list_size),
            federation.n_members,
            self.practice_state.list_size[practice],
            self.federation_value,
        )

    def _federation_mergers(self, rng: np.random.Generator) -> int:
        """At each year's end adjacent federations merge by choice (Federation.choose_mergers).

        Federations holding an integrated contract do not merge (the contract names its holder).
        """
        state = self.practice_state
        membership = Membership.of(state.federation, state.list_size, self.federations)
        if len(membership.ids) < 2:
            return 0
        holding = set(self.contracts.holders())
        options = federation_merger_options(
            state.federation,
            self.practice_edges,
            membership,
            self.federation_value,
            holding,
            self.levers,
        )
        pairs = self.federation_class.choose_mergers(options, self.levers, rng)
        for absorbed, absorber in pairs:
            self.federations[absorber].absorb(self.federations[absorbed])
        return len(pairs)

    def _apply_federation_choices(self, choices, rng: np.random.Generator) -> None:
        """Apply choices in random order, checked again when applied (a partner may have moved)."""
        state, options = self.practice_state, choices.options
        joined = founded = 0
        targets, founds = options.target.tolist(), options.founds.tolist()
        sizes = options.size.tolist()
        for i in rng.permutation(choices.candidates).tolist():
            k = choices.best[i]
            if k == STAY_ALONE or state.federation[i] != NO_FEDERATION or not state.is_open[i]:
                continue
            target = targets[k]
            if founds[k]:
                if state.federation[target] == NO_FEDERATION and state.is_open[target]:
                    self.federation_class(self, [i, target])
                    founded += 2
            else:
                federation = self.federations.get(target)
                if federation is None:
                    continue
                # Admission was checked when the options were built; check again only if the
                # federation has changed since. Here practices only join, so a federation with
                # the count it had then has the same members, hence the same pooled list.
                unchanged = federation.n_members == sizes[k] - 1
                if unchanged or self._admits(federation, i):
                    federation.add(i)
                    joined += 1
        self.federation_counts = {**self.federation_counts, "joined": joined, "founded": founded}

    def _stage_tenders(self) -> None:
        """Procurements due are decided and commissioners start new ones (or opt-in offers)."""
        levers = self.levers
        self.market.reset_counts()
        self._procurement_gbp = np.zeros(len(self.accounts.commissioner))
        if levers.gp_contract_regime == "gms":
            # A return to GMS cancels the procurements in progress.
            self.market.procurements = []
            return
        offer = self.commissioner_class.tenders_now(self._quarter_index, levers)
        if levers.gp_contract_regime == "optional" and not offer:
            return
        if self.market.idle(self.quarters_simulated, levers.procurements_at_once):
            return
        state = self.practice_state
        self._procurement_gbp = tender_round(
            state,
            self.trust_state,
            self.contracts,
            self.ledger,
            self.accounts.commissioner,
            Parties.read(
                state,
                self.trust_state,
                self.federations,
                self.ledger.balance_gbp,
                levers.quality_effort_gain
                * qof_gbp_per_quality_per_patient(levers, self.qof_reference_list),
            ),
            self.locality,
            expected_now(
                state,
                self.trust_state,
                self.demand_rates,
                levers,
                self.trust_class,
                self.need.index,
            ),
            self.market,
            levers,
            Deciders(
                self.practice_class,
                self.federation_class,
                self.trust_class,
                self.commissioner_class,
            ),
            self._bidder_account,
            self.streams["tenders"],
            self.quarters_simulated,
            offer,
            OptInTerms(self.federation_value.contract_margin, self._opt_in_risk),
        )

    def _opt_in_risk(self, pooled_list: np.ndarray) -> np.ndarray:
        """SD of the yearly result a holder of this list would keep, £ per patient."""
        per_head = self.lot_baseline[0]
        shares = holder_cost_sd_share(pooled_list, per_head, self.levers)
        return yearly_retained_risk_gbp(shares, per_head, self.levers)

    def _bidder_account(self, holder: str, federation: int | None, trust: int | None) -> int:
        """The account a bidder pays bid costs from; an entrant's is opened at its first bid."""
        if federation is not None:
            return self.federations[federation].account
        if holder == "trust":
            return int(self.accounts.trust[trust])
        if self.entrant_account is None:
            self.entrant_account = self.ledger.open_account("entrant")
        return self.entrant_account

    def _stage_care_effort(self) -> None:
        """Practices choose care-management effort by what it would earn them.

        What contracts cover, the trusts' induced demand and the holders' organisational effect
        are read here for this quarter's care too.
        """
        state, levers = self.practice_state, self.levers
        self._coverage = contract_terms.coverage(self.contracts, state, self.accounts, levers)
        rows = self.contracts.covered_rows(state, levers)
        held = np.array([c.quarters_held for c in rows.contracts], dtype=float)
        self._integration_effect = integration_effect(
            len(state.list_size),
            rows.practice,
            rows.contract,
            rows.attribute("capacity") if rows.contracts else np.zeros(0),
            held,
            rows.emergency_share,
            levers,
        )
        induced = self.trust_class.induce_demand(state, self.trust_state.spare_capacity, levers)
        # The holder of a capitated population contract manages referrals: no induced demand.
        self._induced = np.where(self._coverage.elective_share > 0, 0.0, induced)
        if rows.contracts:
            emergency, elective, _ = expected_activity(
                state,
                self.demand_rates,
                levers,
                self._induced,
                self._integration_effect,
                self.need.index,
                with_effort=False,
            )
        else:
            # No contract in force: no practice's hospital care is anybody's saving to share.
            emergency = elective = np.zeros(len(state.list_size))
        incentives, self._covered_spend = care_incentives(
            self.contracts,
            state,
            emergency,
            elective,
            self._payout_share,
            qof_gbp_per_quality_per_patient(levers, self.qof_reference_list),
            levers,
        )
        state.care_effort = self.practice_class.choose_care_effort(incentives, levers)

    def _stage_care(self) -> None:
        """Patients use care at their practices' effort; activity is drawn."""
        state, levers = self.practice_state, self.levers
        state.emergency_admissions, state.elective_admissions, state.consultations = use_care(
            state,
            self.demand_rates,
            levers,
            self._induced,
            self.streams["demand"],
            self._integration_effect,
            self.need.index,
        )
        drift = levers.practice_cost_drift_sd
        state.cost_efficiency *= self.streams["practice_costs"].lognormal(
            -(drift**2) / 2, drift, len(state.list_size)
        )

    def _stage_quality(self) -> None:
        """Practice quality moves towards what effort and strain make of it."""
        self.practice_state.quality = move_quality(
            self.practice_state, self.need.index, self.levers
        )

    def _stage_core_payments(self) -> None:
        """Allocations, GMS, hospital payments, other services, practice and trust costs."""
        state, levers, ledger, accounts = (
            self.practice_state,
            self.levers,
            self.ledger,
            self.accounts,
        )
        trusts, coverage = self.trust_state, self._coverage
        n_areas = len(accounts.commissioner)
        population = area_totals(state.list_size * state.is_open.astype(float), state, n_areas)
        pay_allocations(ledger, accounts, population, levers)
        income = gms_income(state, levers, self.phase_outs, self.qof_reference_list)
        state.income_gbp = pay_gms(ledger, coverage.gms_payer, accounts.practice, income)
        by_commissioner = coverage.gms_payer == accounts.commissioner[state.area]
        spend = self._procurement_gbp + area_totals(
            state.income_gbp * by_commissioner, state, n_areas
        )
        for amount in pay_hospitals(
            ledger,
            accounts,
            state,
            trusts,
            levers,
            coverage.emergency_share,
            coverage.elective_share,
        ).values():
            spend += amount
        other = buy_other_services(
            ledger, accounts, self.commissioner_state, population, coverage.community_gbp
        )
        self.commissioner_state.spend_gbp = spend + other
        state.expenses_gbp = practice_expenses(
            state, levers, self._quarter_index / QUARTERS_PER_YEAR
        )
        ledger.pay(accounts.practice, ECONOMY, state.expenses_gbp, Purpose.PRACTICE_EXPENSES)
        if state.care_effort.any():
            effort_cost = care_effort_cost_gbp(state, levers)
            ledger.pay(accounts.practice, ECONOMY, effort_cost, Purpose.CARE_MANAGEMENT)
            state.expenses_gbp = state.expenses_gbp + effort_cost
        locums = locum_premium_gbp(state, levers)
        ledger.pay(accounts.practice, ECONOMY, locums, Purpose.LOCUM_PREMIUM)
        state.expenses_gbp = state.expenses_gbp + locums
        drawings = self.practice_class.draw_profits(
            ledger.balance_gbp(accounts.practice), state.expenses_gbp, levers
        )
        ledger.pay(accounts.practice, ECONOMY, drawings, Purpose.PARTNER_DRAWINGS)
        trusts.costs_gbp = trust_costs(trusts)
        ledger.pay(accounts.trust, ECONOMY, trusts.costs_gbp, Purpose.TRUST_COSTS)

    def _stage_contracts(self) -> None:
        """Integrated contracts are paid, measured and enforced (contract terms).

        Then the members of opt-in contracts that keep losing money use their right of return.
        """
        self.commissioner_state.spend_gbp += contract_terms.settle_contracts(
            self.contracts,
            self.ledger,
            self.accounts,
            self.practice_state,
            self.trust_state,
            self.levers,
            self.streams["contract_costs"],
            self.quarters_simulated,
        )
        active = self.contracts.active()
        if active:
            leaving = self.federation_class.use_right_of_return(
                np.array([c.losing_quarters for c in active]),
                np.array([c.right_of_return for c in active]),
                self.levers,
            )
            for k in np.flatnonzero(leaving).tolist():
                self.contracts.end(active[k], "handed_back")

    def _stage_federation_money(self) -> None:
        """Network payments and federations' costs; each shares its result; losers hand back."""
        state, levers, ledger = self.practice_state, self.levers, self.ledger
        membership = Membership.of(state.federation, state.list_size, self.federations)
        if not len(membership.ids):
            return
        feds = membership.federations
        account = np.array([f.account for f in feds])
        area = np.array([f.area for f in feds])
        pooled, size = membership.pooled_list, membership.size
        self.commissioner_state.spend_gbp += pay_network_payments(
            ledger, self.accounts, account, area, pooled, levers
        )
        quarter = 1.0 / QUARTERS_PER_YEAR
        ledger.pay(
            ECONOMY,
            account,
            backoffice_saving_gbp_per_year(pooled, levers) * quarter,
            Purpose.BACKOFFICE_SAVING,
        )
        ledger.pay(
            account,
            ECONOMY,
            coordination_cost_gbp_per_year(size, levers) * quarter,
            Purpose.COORDINATION_COSTS,
        )
        self._share_results(membership, account)
        holds = np.isin(membership.ids, self.contracts.holders())
        # Ending a contract moves no money, so the balances can be read once.
        handing_back = self.federation_class.hand_back(ledger.balance_pence[account], holds)
        for federation in membership.ids[handing_back].tolist():
            self.contracts.end(self.contracts.held_by(federation), "handed_back")

    def _share_results(self, membership: Membership, account: np.ndarray) -> None:
        """Pay out or levy each federation's result among its members by the sharing rule."""
        levers, ledger, state = self.levers, self.ledger, self.practice_state
        balance = ledger.balance_pence[account].copy()
        before = self._federation_balances
        starting = lookup(before, membership.ids, 0)
        result = balance - starting
        expenses = np.bincount(
            membership.group,
            weights=state.expenses_gbp[membership.members],
            minlength=len(account),
        )
        member_accounts = self.accounts.practice[membership.members]
        received_before = ledger.balance_pence[member_accounts].copy()
        if levers.federation_sharing_rule == "performance":
            self._pay_performance(membership, account, member_accounts)
            balance = ledger.balance_pence[account].copy()
            result = balance - starting
        payout = self.federation_class.share_results(balance, result, expenses, levers)
        shares = membership.shares_gbp_per_year(
            state.list_size, self.federation_value, levers, self.streams["federations"]
        )
        weights = membership.payout_weights(state.list_size, levers.federation_sharing_rule, shares)
        # The weights are relative within each federation: a member's share of its own.
        group_total = np.bincount(membership.group, weights=weights)[membership.group]
        self._payout_share = np.zeros(len(state.list_size))
        self._payout_share[membership.members] = np.divide(
            weights, group_total, out=np.zeros_like(weights), where=group_total > 0
        )
        dividends = split_pence_by_group(payout, weights, membership.group)
        ledger.pay(
            account[membership.group],
            member_accounts,
            dividends / PENCE_PER_GBP,
            Purpose.FEDERATION_DIVIDEND,
        )
        # Dividends and levies are practice income: they count towards profit per partner, so a
        # federation's results (and its pooling of losses) bear on whether members fail.
        np.add.at(state.income_gbp, membership.members, dividends / PENCE_PER_GBP)
        owed = np.clip(-balance, 0, None).astype(np.int64)
        if owed.any():
            asked = split_pence_by_group(owed, weights, membership.group)
            capacity = np.clip(ledger.balance_pence[member_accounts], 0, None)
            levied = np.minimum(asked, capacity) / PENCE_PER_GBP
            ledger.pay(member_accounts, account[membership.group], levied, Purpose.FEDERATION_LEVY)
            np.subtract.at(state.income_gbp, membership.members, levied)
        self._learn_what_federations_pay(
            membership.members, ledger.balance_pence[member_accounts] - received_before, levers
        )

    def _learn_what_federations_pay(
        self, members: np.ndarray, received_pence: np.ndarray, levers: Levers
    ) -> None:
        """Each member adds this quarter's net payment from its federation to its record."""
        state, rate = self.practice_state, levers.federation_learning_rate
        received = QUARTERS_PER_YEAR * received_pence / PENCE_PER_GBP
        state.federation_paid_gbp_per_year[members] = (1.0 - rate) * (
            state.federation_paid_gbp_per_year[members]
        ) + rate * received
        state.federation_quarters[members] += 1

    def _pay_performance(
        self, membership: Membership, account: np.ndarray, member_accounts: np.ndarray
    ) -> None:
        """Sharing by performance: each member of a holding federation is paid its own saving.

        The holder's kept share of what the member's covered patients cost below their
        benchmark (expected spend at no effort), or charged its share of an overspend.
        """
        state, spend = self.practice_state, self._covered_spend
        members = membership.members
        realised = contract_terms.tariff_cost_gbp(
            state.emergency_admissions[members] * self._coverage.emergency_share[members],
            state.elective_admissions[members] * self._coverage.elective_share[members],
            self.levers,
        )
        saving = spend.holder_kept_share[members] * (spend.benchmark_gbp[members] - realised)
        self.ledger.settle(
            account[membership.group], member_accounts, saving, Purpose.PERFORMANCE_SHARE
        )
        np.add.at(state.income_gbp, members, np.rint(saving * PENCE_PER_GBP) / PENCE_PER_GBP)

    def _stage_quality_premium(self) -> None:
        """At each year's end the treasury pays commissioners the quality premium."""
        if self._year_end:
            pay_quality_premium(
                self.ledger,
                self.accounts,
                self.practice_state,
                self.area_emergency_baseline_per_head,
                self.levers,
            )

    def _stage_trusts(self) -> None:
        """Trusts count the activity they were paid for; at a year's end they plan capacity.

        The regulator reviews each trust's year first (intervention, cost improvement).
        """
        trusts, levers, ledger = self.trust_state, self.levers, self.ledger
        trusts.paid_admissions_this_year += trusts.paid_admissions(
            levers.emergency_tariff_gbp, levers.elective_tariff_gbp
        )
        if not self._year_end:
            return
        accounts = self.accounts.trust
        in_deficit = ledger.balance_gbp(accounts) < trusts.balance_at_year_start_gbp
        trusts.deficit_years, trusts.under_intervention = review_trusts(
            trusts.deficit_years, in_deficit, trusts.under_intervention, levers
        )
        trusts.capacity_cost_gbp = improved_capacity_cost_gbp(
            trusts.capacity_cost_gbp, trusts.under_intervention, levers
        )
        planned = self.trust_class.plan_capacity(
            trusts.capacity,
            trusts.paid_admissions_this_year / QUARTERS_PER_YEAR,
            trusts.under_intervention,
            levers,
        )
        ledger.pay(
            accounts,
            ECONOMY,
            capacity_change_cost_gbp(planned - trusts.capacity, trusts.capacity_cost_gbp, levers),
            Purpose.TRUST_CAPACITY_CHANGE,
        )
        trusts.capacity = planned
        trusts.paid_admissions_this_year = np.zeros_like(planned)
        trusts.balance_at_year_start_gbp = ledger.balance_gbp(accounts)

    @property
    def _year_end(self) -> bool:
        """Whether this quarter ends a year of the run."""
        return self._quarter_index % QUARTERS_PER_YEAR == QUARTERS_PER_YEAR - 1

    def _stage_workforce(self) -> None:
        """GPs leave and age; practices seek posts; GPs seeking posts fill vacancies."""
        state, levers, need = self.practice_state, self.levers, self.need.index
        rng = self.streams["workforce"]
        excess = excess_workload(state, need, levers)
        quits = self.practice_class.partner_quit_hazard(
            state.profit_per_partner_gbp_per_year, excess, levers
        )
        retirements, other_leavers = workforce.leave(state, quits, levers, rng)
        workforce.age(state, rng)
        state.gp_posts = self.practice_class.seek_gp_posts(state, need, levers)
        federated = state.federation != NO_FEDERATION
        attraction = workforce.attractiveness(
            state, excess_workload(state, need, levers), federated, levers
        )
        entrants = rng.poisson(
            levers.gp_entrants_per_1000_gps_per_year / 1000 * self.starting_gps / QUARTERS_PER_YEAR
        )
        recruits = workforce.recruit(state, attraction, entrants, levers, rng)
        self._workforce_flows = WorkforceFlows(retirements, other_leavers, recruits)

    def _stage_exits(self) -> None:
        """Failing practices (paying too little, unable to staff, or terminated) leave."""
        state, levers = self.practice_state, self.levers
        excess = excess_workload(state, self.need.index, levers)
        state.failing_quarters = self.practice_class.count_failing_quarters(
            state,
            levers.exit_profit_threshold_share,
            understaffed_practices(state, excess, levers),
            excess,
        )
        rng = self.streams["exits"]
        counts = {"closures": 0, "mergers": 0, "voluntary_mergers": 0}
        terminated = np.zeros(len(state.is_open), dtype=bool)
        year_end = self._year_end
        if levers.gms_quality_floor > 0 and year_end:
            eligible = state.is_open & (self.contracts.coverage == NO_CONTRACT)
            state.gms_notices, terminated = quality_floor_terminations(
                state.gms_notices, state.quality, eligible, levers
            )
        for i in self.practice_class.decide_exits(
            state.failing_quarters, terminated, levers, rng
        ).tolist():
            # The last open practice stays: its patients would have nowhere to go.
            still_failing = state.failing_quarters[i] >= levers.exit_quarters or terminated[i]
            if state.is_open[i] and still_failing and np.count_nonzero(state.is_open) > 1:
                merge = 0.0 if terminated[i] else levers.merge_probability
                counts[self.exit_practice(i, merge, rng)] += 1
        counts["voluntary_mergers"] = self._voluntary_mergers(rng) if year_end else 0
        counts["mergers"] += counts["voluntary_mergers"]
        self._exit_counts = counts

    def _voluntary_mergers(self, rng: np.random.Generator) -> int:
        """At each year's end, neighbours merge by choice (Practice.choose_mergers)."""
        state, levers, need = self.practice_state, self.levers, self.need.index
        options = merger_options(state, self.practice_edges, need, levers)
        pairs = self.practice_class.choose_mergers(options, levers, rng)
        for absorbed, absorber in pairs:
            self.merge_practice(absorbed, absorber)
        return len(pairs)

    def exit_practice(self, i: int, merge_probability: float, rng: np.random.Generator) -> str:
        """Practice ``i`` leaves the market as it chooses (Practice.choose_exit).

        Returns:
            ``"mergers"`` or ``"closures"`` (the outcome series it counts in).

        In a merger the absorber takes the whole list, the GPs and posts, the MPIG entitlement
        and the reserves or debts (:meth:`merge_practice`); on hand-back the list goes to the
        nearest open practices by GP partners, the partners settle the reserves with the outside
        economy and the GPs leave with the practice.
        """
        state = self.practice_state
        self._leave_market(i)
        receivers = nearest_open_practices(i, self.practice_neighbours, state.is_open)
        absorbed_by = self.practice_class.choose_exit(
            receivers, state.list_size[receivers], merge_probability, rng
        )
        if absorbed_by is not None:
            self._merge_into(i, absorbed_by)
            return "mergers"
        disperse_list(state, i, receivers)
        balance = self.ledger.balance_gbp(self.accounts.practice[i])
        self.ledger.settle(self.accounts.practice[i], ECONOMY, balance, Purpose.CLOSURE_SETTLEMENT)
        self._clear_row(i)
        return "closures"

    def merge_practice(self, i: int, absorber: int) -> None:
        """Practice ``i`` merges into ``absorber`` by choice (Practice.choose_mergers).

        The merged practice pays the merger's cost once and makes its saving: its expenses per
        patient fall by ``merger_saving_gbp_per_patient_per_year`` from now on.
        """
        self._leave_market(i)
        self._merge_into(i, absorber)
        state, levers = self.practice_state, self.levers
        growth = expense_growth(levers, self._quarter_index / QUARTERS_PER_YEAR)
        state.cost_efficiency[absorber] = merger_efficiency(
            float(state.cost_efficiency[absorber]),
            int(state.partners_of(absorber)),
            levers.merger_saving_gbp_per_patient_per_year,
            growth,
        )
        self.ledger.pay(
            self.accounts.practice[absorber], ECONOMY, levers.merger_cost_gbp, Purpose.MERGER_COSTS
        )

    def _leave_market(self, i: int) -> None:
        """Practice ``i`` leaves its federation and any contract, and closes its row."""
        state = self.practice_state
        federation = self.federations.get(int(state.federation[i]))
        if federation is not None:
            self.contracts.return_to_gms(i, federation.unique_id)
            federation.release(i)
        self.contracts.release_practice(i)
        state.is_open[i] = False

    def _merge_into(self, i: int, absorbed_by: int) -> None:
        """The absorber takes practice ``i``'s list, GPs, posts, MPIG and reserves or debts."""
        state, ledger, accounts = self.practice_state, self.ledger, self.accounts
        absorber = np.array([absorbed_by])
        moved = np.array([state.list_size[i]])
        blend_into(
            state,
            absorber,
            i,
            moved,
            ("quality", "quality_base", "reference_workload_per_gp", "cost_efficiency"),
        )
        disperse_list(state, i, absorber)
        for column in (
            "partners_by_age",
            "salaried_by_age",
            "gp_posts",
            "senior_partners",
            "mpig_gbp_per_year",
        ):
            getattr(state, column)[absorber] += getattr(state, column)[i]
        state.failing_quarters[absorber] = 0
        balance = ledger.balance_gbp(accounts.practice[i])
        ledger.settle(accounts.practice[i], accounts.practice[absorbed_by], balance, Purpose.MERGER)
        self._clear_row(i)

    def _clear_row(self, i: int) -> None:
        """A practice that has left keeps its row, with no GPs, posts, MPIG or failing run."""
        state = self.practice_state
        # A closing practice's GPs leave with it (its patients join practices already staffed);
        # a merged one's are the absorber's now.
        state.partners_by_age[i] = state.salaried_by_age[i] = 0
        state.senior_partners[i] = 0
        state.gp_posts[i] = 0.0
        state.mpig_gbp_per_year[i] = 0.0
        state.failing_quarters[i] = 0
        self.practice_agent(i).remove()

    def _stage_outputs(self) -> None:
        """Outcome series computed and collected; the run stops at the horizon."""
        self.metrics = self._metrics(self._exit_counts)
        self._collect()
        self.running = self.quarters_simulated < self.params.horizon_quarters

    def _metrics(self, exits: dict[str, int] | None) -> dict[str, float]:
        return compute_metrics(
            self.practice_state,
            self.trust_state,
            self.commissioner_state,
            self.ledger,
            self.accounts,
            self.contracts,
            self.levers,
            self.federation_counts,
            exits,
            self._workforce_flows,
            self.market.counts,
        )

    def _coalition_value(self, levers: Levers) -> CoalitionValue:
        return CoalitionValue(
            levers,
            partial(
                contract_margin_gbp_per_patient_per_year, levers=levers, baseline=self.lot_baseline
            ),
        )

    def _collect(self) -> None:
        every = self.params.agent_table_every
        if every and self.quarters_simulated % every == 0:
            self.datacollector.collect(self)
            self._tables[Practice][int(self.time)] = self._practice_table()
            self._tables[Federation][int(self.time)] = self._federation_table()
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
        return step_to_quarter(max(self.quarters_simulated - 1, 0), *self._start)

    @property
    def _start(self) -> tuple[int, int]:
        return self.params.start_year, self.params.start_quarter

    def run(self, quarters: int | None = None, time_limit_s: float | None = None) -> GPFedModel:
        """Simulate ``quarters`` quarters (default: up to ``horizon_quarters``) and return self.

        Args:
            quarters: quarters to simulate.
            time_limit_s: stop with :class:`TimeoutError` once this many seconds have passed
                (checked between quarters); None for no limit. Sweeps set it per run.

        Raises:
            ParameterError: ``quarters`` is not a whole number from 0 to the longest horizon.
            TimeoutError: the run passed ``time_limit_s``.
        """
        if quarters is None:
            quarters = max(self.params.horizon_quarters - self.quarters_simulated, 0)
        longest = int(SPEC["horizon_quarters"].high)
        whole = isinstance(quarters, int | np.integer) and not isinstance(quarters, bool)
        if not whole or not 0 <= quarters <= longest:
            raise ParameterError(
                f"quarters = {quarters!r}; allowed a whole number from 0 to {longest}"
            )
        started = time.perf_counter()
        for done in range(quarters):
            if time_limit_s is not None and time.perf_counter() - started > time_limit_s:
                raise TimeoutError(
                    f"run stopped after {done} of {quarters} quarters: over its time limit of "
                    f"{time_limit_s:g} s"
                )
            self.step()
        return self

    def to_frame(self) -> pd.DataFrame:
        """Model-level series, one row per collected step, tidy.

        Columns: ``step`` (0 = the start, k = after k quarters), ``quarter`` (the quarter just
        simulated), ``date`` (the day the state holds: the start of the next quarter), ``seed``,
        then every series in :data:`gpfed.outputs.METRICS`.
        """
        collected = self.datacollector.get_model_vars_dataframe()
        return series_frame(collected, *self._start, self.seed)

    def _practice_table(self) -> dict[str, np.ndarray]:
        """The practices' table now: agent ids and :func:`practice_table`'s columns.

        Rows in the order Mesa holds the practices, as its DataCollector would read them.
        """
        practices = list(self.agents_by_type.get(self.practice_class, ()))
        rows = np.fromiter((p.index for p in practices), dtype=np.int64, count=len(practices))
        agent_ids = np.fromiter((p.unique_id for p in practices), np.int64, len(practices))
        balances = self.ledger.balance_gbp(self.accounts.practice[rows])
        return {
            "agent_id": agent_ids,
            **practice_table(self.practice_state, balances, self.contracts, rows),
        }

    def _federation_table(self) -> dict[str, np.ndarray]:
        """The federations' table now: agent ids and :func:`federation_table`'s columns."""
        federations = list(self.agents_by_type.get(self.federation_class, ()))
        ids = np.array([f.unique_id for f in federations], dtype=np.int64)
        accounts = np.array([f.account for f in federations], dtype=np.int64)
        return {
            "agent_id": ids,
            **federation_table(
                self.practice_state,
                ids,
                np.array([f.area for f in federations], dtype=np.int64),
                np.array([f.founded_step for f in federations], dtype=np.int64),
                self.ledger.balance_gbp(accounts),
                self.contracts,
            ),
        }

    def agent_frame(self, agent_type: type = Practice) -> pd.DataFrame:
        """Per-agent table of ``agent_type`` (Practice, Trust, Commissioner or Federation), tidy.

        Columns: ``step``, ``agent_id``, ``index`` (row in the state columns), the reporters. Empty
        (with those columns) when no row of the type was collected, e.g. a run shorter than
        ``agent_table_every``.
        """
        if issubclass(agent_type, Practice):
            return self._table_frame(Practice, PRACTICE_TABLE)
        if issubclass(agent_type, Federation):
            return self._table_frame(Federation, FEDERATION_TABLE)
        collected = self.datacollector.get_agenttype_vars_dataframe(agent_type)
        # With no row collected Mesa returns a frame without its (Step, AgentID) index.
        if not isinstance(collected.index, pd.MultiIndex):
            reporters = list(self.datacollector.agenttype_reporters.get(agent_type, {}))
            return pd.DataFrame(columns=["step", "agent_id", *reporters])
        frame = collected.reset_index()
        frame = frame.rename(columns={"Step": "step", "AgentID": "agent_id"})
        frame["step"] = frame["step"].astype(int)
        return frame

    def _table_frame(self, kind: type, reporters: Sequence[str]) -> pd.DataFrame:
        """One of the tables this model keeps itself (practices, federations), tidy."""
        columns = ["step", "agent_id", *reporters]
        collected = self._tables[kind]
        if not collected:
            return pd.DataFrame(columns=columns)
        steps = [
            np.full(len(table["agent_id"]), step, dtype=np.int64)
            for step, table in collected.items()
        ]
        tables = collected.values()
        data = {"step": np.concatenate(steps)}
        for column in columns[1:]:
            data[column] = np.concatenate([table[column] for table in tables])
        return pd.DataFrame(data, columns=columns)

    def contracts_frame(self) -> pd.DataFrame:
        """One row per integrated contract let in the run, ended ones included.

        Columns: id, kind, area, holder, federation (unique id or -1), trust (-1 if none),
        start and end step, status, practices covered at award, price and baseline per patient a
        quarter (£), quality promised, coordination capacity, remedial notices, mean outcome
        achievement, the holder's accumulated result (£).
        """
        return contracts_frame(self.contracts)

    def ledger_frame(self) -> pd.DataFrame:
        """Money paid per quarter and purpose, £ (see :meth:`Ledger.transfers_frame` for all).

        ``step`` k is the k-th quarter simulated, as in :meth:`to_frame` and :meth:`agent_frame`
        (whose row k holds the state after it and its flows), so the frames join on ``step``.
        """
        return self.ledger.totals_frame()

    def plot(self, path: str | None = None):
        """Plot the main outcome series as a panel; save to ``path`` if given.

        Returns:
            The matplotlib Figure.
        """
        from gpfed.plots import outcome_panel

        return outcome_panel(self.to_frame(), path)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off inside the block (as it was after it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_metric(model: GPFedModel, name: str) -> float:
    """DataCollector reporter: one series from the metrics computed this step."""
    return model.metrics[name]
