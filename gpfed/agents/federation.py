"""The federation: an agent made of practice agents, with its own account, and its decisions.

A federation's members are connected on the practice graph and lie in one commissioner area
(:meth:`Federation.release` splits it when a departure disconnects it). Who belongs is recorded
once, in the practices' federation column; :attr:`Federation.members` reads it. It has a ledger
account that receives network payments and contract results and pays coordination costs.

Decisions (class methods, vectorised over federations; override in a subclass and pass it as
``GPFedModel(federation_class=...)``):

- :meth:`Federation.admits`: admit an applicant whose marginal value is positive;
- :meth:`Federation.share_results`: keep part of a surplus as reserves, pay the rest out;
- :meth:`Federation.hand_back`: hand back a contract it cannot carry;
- :meth:`Federation.opt_in`: offer its members for the optional contract, by expected margin
  less a risk-aversion term;
- :meth:`Federation.use_right_of_return`: leave an opt-in contract that keeps losing money;
- :meth:`Federation.choose_mergers`: adjacent federations of an area merge when both sides' members
  gain by more than their part of the merger's cost (:func:`federation_merger_options`);
- :meth:`Federation.choose_bid_form`: bid alone where it can carry the risk, else ask the lot's
  main trust for an alliance (an ICO);
- :meth:`Federation.price_bid` and :meth:`Federation.adapt_markup` (from
  :class:`~gpfed.agents.holders.CostBidder`): at what price, or not at all; the markup it learns.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np
from mesa import Agent

from gpfed.agents.coalition import Membership, ValueFunction, agreed_pairs, rule_shares
from gpfed.agents.holders import CostBidder, federation_capacity
from gpfed.agents.practice import MERGER_PAYBACK_YEARS
from gpfed.parameters import Levers
from gpfed.world.arrays import split_pence
from gpfed.world.ledger import ECONOMY, Purpose
from gpfed.world.units import NO_FEDERATION, PENCE_PER_GBP


@dataclass(frozen=True)
class FederationMergerOptions:
    """Adjacent federations of one area that could merge, and what each side's members gain.

    Attributes:
        absorbed: unique id of the smaller federation (by list; the lower id of equal lists).
        absorber: unique id of the larger.
        gain_absorbed: what the absorbed federation's members together gain a year, £: their
            part of the merged federation's value v(A + B) under the sharing rule, less v(A).
        gain_absorber: the same for the absorber's members.
    """

    absorbed: np.ndarray
    absorber: np.ndarray
    gain_absorbed: np.ndarray
    gain_absorber: np.ndarray


def federation_merger_options(
    federation_column: np.ndarray,
    edges: tuple[np.ndarray, np.ndarray],
    membership: Membership,
    value: ValueFunction,
    excluded: set[int],
    levers: Levers,
) -> FederationMergerOptions:
    """Every pair of federations with members that are graph neighbours in one area.

    The merged federation's value is split between the two sides as its members would share it:
    by list (``list`` and ``performance``), by members (``equal``), or as a two-player Shapley
    value, each side's own value plus half the surplus (``shapley``).

    Args:
        federation_column: each practice's federation (unique id or ``NO_FEDERATION``).
        edges: same-area practice edges, both directions, as (source, target).
        membership: the federations now.
        value: coalition value v(S).
        excluded: federations that may not merge (those holding an integrated contract).
        levers: levers in force.
    """
    src, dst = edges
    a, b = federation_column[src], federation_column[dst]
    keep = (a != NO_FEDERATION) & (b != NO_FEDERATION) & (a < b)
    span = int(federation_column.max()) + 1 if len(federation_column) else 1
    pairs = np.unique(a[keep] * span + b[keep])
    first, second = pairs // span, pairs % span
    if excluded:
        free = ~np.isin(first, list(excluded)) & ~np.isin(second, list(excluded))
        first, second = first[free], second[free]
    ids = membership.ids
    ga, gb = np.searchsorted(ids, first), np.searchsorted(ids, second)
    list_a, list_b = membership.pooled_list[ga], membership.pooled_list[gb]
    size_a, size_b = membership.size[ga], membership.size[gb]
    value_a, value_b = value(list_a, size_a), value(list_b, size_b)
    merged = value(list_a + list_b, size_a + size_b)
    rule = levers.federation_sharing_rule
    if rule == "shapley":
        share_a = value_a + (merged - value_a - value_b) / 2
    elif rule == "equal":
        share_a = merged * size_a / (size_a + size_b)
    else:
        share_a = merged * list_a / np.maximum(list_a + list_b, 1.0)
    gain_a, gain_b = share_a - value_a, merged - share_a - value_b
    a_absorbs = (list_a > list_b) | ((list_a == list_b) & (first < second))
    return FederationMergerOptions(
        np.where(a_absorbs, second, first),
        np.where(a_absorbs, first, second),
        np.where(a_absorbs, gain_b, gain_a),
        np.where(a_absorbs, gain_a, gain_b),
    )


class Federation(CostBidder, Agent):
    """A federation of GP practices.

    Args:
        model: the model it belongs to.
        members: practice indices (connected, one area).
    """

    def __init__(self, model, members: list[int] | np.ndarray) -> None:
        super().__init__(model)
        state = model.practice_state
        members = sorted(int(i) for i in members)
        self.area = int(state.area[members[0]])
        self.account = model.ledger.open_account("federation")
        self.founded_step = model.quarters_simulated
        state.set_federation(members, self.unique_id)
        state.below_share_quarters[members] = 0

    # --- what it is ---------------------------------------------------------------------------
    @property
    def members(self) -> list[int]:
        """Member practices (indices, ascending), read from the practices' federation column."""
        return self.model.practice_state.members_of(self.unique_id)

    @property
    def member_agents(self) -> list:
        """The member Practice agents."""
        return [self.model.practice_agent(i) for i in self.members]

    @property
    def member_ids(self) -> list[int]:
        """The member practices' agent ids (``unique_id``, as agent tables show them)."""
        return [agent.unique_id for agent in self.member_agents]

    @property
    def n_members(self) -> int:
        """Number of member practices."""
        return self.model.practice_state.member_count(self.unique_id)

    @property
    def list_size(self) -> int:
        """Pooled registered list of its members (patients)."""
        return self.model.practice_state.federation_list_size(self.unique_id)

    @property
    def member_lists(self) -> np.ndarray:
        """Each member's list (patients), in member order."""
        return self.model.practice_state.list_size[self.members].astype(float)

    @property
    def coordination_capacity(self) -> float:
        """Care-coordination capacity C = sqrt(list / 100,000): grows with scale, concave."""
        return float(federation_capacity(self.list_size))

    @property
    def reserves_gbp(self) -> float:
        """Money it holds (its ledger balance), £."""
        return float(self.model.ledger.balance_gbp(self.account))

    @property
    def quality(self) -> float:
        """List-weighted mean quality of its members (0-1)."""
        state, members = self.model.practice_state, self.members
        lists = state.list_size[members].astype(float)
        return float(state.quality[members] @ lists / lists.sum())

    @property
    def contract(self):
        """The integrated contract it holds (alone or in an alliance), if any."""
        return self.model.contracts.held_by(self.unique_id)

    @property
    def contract_kind(self) -> str:
        """Kind of integrated contract it holds, or "none"."""
        return self.model.contracts.kind_held_by(self.unique_id)

    # --- value and shares ---------------------------------------------------------------------
    def value_gbp_per_year(self) -> float:
        """Its characteristic value v(S) under the levers in force, £ a year."""
        lists = self.member_lists
        value = self.model.federation_value
        return float(value(np.array([lists.sum()]), np.array([len(lists)]))[0])

    def member_shares_gbp_per_year(self) -> np.ndarray:
        """Each member's share of v(S) under the sharing rule, £ a year (sums to v(S))."""
        levers = self.model.levers
        return rule_shares(
            levers.federation_sharing_rule,
            self.member_lists,
            self.model.federation_value,
            levers.shapley_exact_max_members,
            levers.shapley_samples,
            self.model.streams["federations"],
        )

    # --- decisions ----------------------------------------------------------------------------
    @classmethod
    def admits(cls, pooled_list: float, members: int, applicant_list: float, value) -> bool:
        """An applicant is admitted only if its marginal value to the federation is positive.

        Args:
            pooled_list: the federation's list now.
            members: its members now.
            applicant_list: the applicant's list.
            value: coalition value v(S) under the levers in force.
        """
        before, after = value(
            np.array([pooled_list, pooled_list + applicant_list]), np.array([members, members + 1])
        )
        return bool(after > before)

    @classmethod
    def share_results(
        cls,
        balance_pence: np.ndarray,
        result_pence: np.ndarray,
        member_expenses_gbp: np.ndarray,
        levers: Levers,
    ) -> np.ndarray:
        """How much of this quarter's result each federation pays out to its members, pence.

        A federation keeps ``federation_retained_share`` of a surplus, but only what tops its
        reserves up to ``federation_reserve_target_quarters`` of its members' expenses, and pays
        out the rest (never more than it holds). A loss is levied on members separately.

        Args:
            balance_pence: each federation's balance now.
            result_pence: its result this quarter (balance now less balance at the start).
            member_expenses_gbp: its members' expenses this quarter.
            levers: levers in force.
        """
        target = levers.federation_reserve_target_quarters * member_expenses_gbp * PENCE_PER_GBP
        # Keep the retained share of a surplus, but only what tops reserves up to the target.
        room = np.clip(target - (balance_pence - result_pence), 0, None)
        retained = np.where(
            result_pence > 0,
            np.minimum(np.floor(levers.federation_retained_share * result_pence), room),
            0,
        ).astype(np.int64)
        return np.clip(np.minimum(result_pence - retained, balance_pence), 0, None).astype(np.int64)

    @classmethod
    def hand_back(cls, balance_pence: np.ndarray, holds_contract: np.ndarray) -> np.ndarray:
        """Federations that cannot cover their losses hand back the contract they hold.

        The UnitingCare failure mode. Returns a mask over the federations given.
        """
        return (balance_pence < 0) & holds_contract

    @classmethod
    def opt_in(
        cls,
        pooled_list: np.ndarray,
        holds_contract: np.ndarray,
        margin_gbp_per_patient_per_year: np.ndarray,
        risk_gbp_per_patient_per_year: np.ndarray,
        levers: Levers,
    ) -> np.ndarray:
        """Under the optional regime, which federations' members offer themselves for the contract.

        A federation large enough to bid and holding no contract opts in when the margin its
        members expect beats the risk they would keep: margin - ``opt_in_risk_aversion`` x SD
        of the yearly result > 0 (mean minus a risk-aversion term). Returns a mask over the
        federations given.

        Args:
            pooled_list: each federation's list.
            holds_contract: whether each already holds one.
            margin_gbp_per_patient_per_year: the contract margin each expects, £ per patient a
                year (:func:`gpfed.agents.coalition.contract_margin_gbp_per_patient_per_year`).
            risk_gbp_per_patient_per_year: SD of the yearly result each would keep as holder, £
                per patient (larger for smaller lists: fewer patients pool less risk).
            levers: levers in force.
        """
        worth_it = (
            margin_gbp_per_patient_per_year
            - levers.opt_in_risk_aversion * risk_gbp_per_patient_per_year
            > 0
        )
        return ~holds_contract & (pooled_list >= levers.bidder_min_population) & worth_it

    @classmethod
    def use_right_of_return(
        cls, losing_quarters: np.ndarray, right_of_return: np.ndarray, levers: Levers
    ) -> np.ndarray:
        """Which opt-in contracts the members leave for GMS: those losing money for long enough.

        Returns a mask over the contracts given (the contract is handed back).

        Args:
            losing_quarters: quarters in a row each contract's result has been negative.
            right_of_return: whether each is an opt-in contract with a right of return.
            levers: levers in force (``right_of_return_quarters``).
        """
        return right_of_return & (losing_quarters >= levers.right_of_return_quarters)

    @classmethod
    def choose_bid_form(cls, can_carry_alone: bool, levers: Levers) -> str | None:
        """How it bids: alone if it can bear the risk, else allied (asking), else not at all.

        ``"alone"`` if it can bear a worst-case year alone, else ``"allied"`` where alliances
        may bid (it asks the lot's main trust to share the risk), else None (no bid).

        Args:
            can_carry_alone: whether it could bear the worst-case yearly loss of the contract on
                its own (:func:`~gpfed.agents.holders.can_carry`).
            levers: levers in force.
        """
        if can_carry_alone:
            return "alone"
        return "allied" if levers.alliances_may_bid else None

    @classmethod
    def choose_mergers(
        cls, options: FederationMergerOptions, levers: Levers, rng: np.random.Generator
    ) -> list[tuple[int, int]]:
        """Adjacent federations that merge: (absorbed, absorber) pairs of unique ids.

        A pair merges when each side's members gain more a year than their half of the one-off
        ``federation_merger_cost_gbp``, weighed over five years as partners weigh a practice
        merger. The pairs where the less keen side gains most go first (ties in random order);
        a federation merges at most once a year.

        Args:
            options: every adjacent pair, with each side's gain (:func:`federation_merger_options`).
            levers: levers in force.
            rng: the federations stream (the order of equal pairs).
        """
        hurdle = levers.federation_merger_cost_gbp / (2 * MERGER_PAYBACK_YEARS)
        keen = np.minimum(options.gain_absorbed, options.gain_absorber)
        return agreed_pairs(options.absorbed, options.absorber, keen, hurdle, rng)

    # --- membership (applied by the model) ----------------------------------------------------
    def add(self, practice: int) -> None:
        """Admit a practice (a graph neighbour of a member, in the same area)."""
        state = self.model.practice_state
        state.set_federation(practice, self.unique_id)
        state.below_share_quarters[practice] = 0

    def release(self, practice: int) -> None:
        """A member leaves (or closes); the rest split into connected federations.

        The largest connected remainder keeps this federation; other remainders of two or more
        practices become new federations with a share of the reserves by list; a lone practice
        is no longer federated. A federation left with fewer than two members dissolves.
        """
        state = self.model.practice_state
        state.set_federation(practice, NO_FEDERATION)
        state.below_share_quarters[practice] = 0
        if state.member_count(self.unique_id) < 2:
            self.dissolve()
            return
        graph = self.model.practice_neighbours
        neighbours = graph[practice]
        touched = neighbours[state.federation[neighbours] == self.unique_id]
        if len(touched) <= 1:
            # The members were connected and the leaver touched at most one of them: they still
            # are, and nothing splits.
            return
        if _connect(touched.tolist(), state.member_set(self.unique_id), graph):
            return
        members = self.members
        parts = sorted(
            _connected_parts(members, graph),
            key=lambda part: (-state.list_size[part].sum(), part[0]),
        )
        others = parts[1:]
        for part in others:
            for i in part:
                state.set_federation(i, NO_FEDERATION)
                self.model.contracts.return_to_gms(i, self.unique_id)
        # Every spun-off part's share is of the balance and list before any part leaves.
        balance = int(self.model.ledger.balance_pence[self.account])
        remaining = max(int(state.list_size[[i for part in parts for i in part]].sum()), 1)
        for part in others:
            if len(part) >= 2:
                spun_off = type(self)(self.model, part)
                share = balance * int(state.list_size[part].sum()) // remaining
                self.model.ledger.settle(
                    self.account, spun_off.account, share / PENCE_PER_GBP, Purpose.FEDERATION_SPLIT
                )
        # The largest connected part stays in this federation.
        if len(parts[0]) < 2:
            self.dissolve()

    def absorb(self, other: Federation) -> None:
        """Take in every member and the reserves of ``other`` (a merger); ``other`` leaves."""
        model = self.model
        members = other.members
        balance = int(model.ledger.balance_pence[other.account])
        if balance:
            model.ledger.settle(
                other.account, self.account, balance / PENCE_PER_GBP, Purpose.FEDERATION_MERGER
            )
        state = model.practice_state
        state.set_federation(members, self.unique_id)
        state.below_share_quarters[members] = 0
        model.ledger.pay(
            self.account,
            ECONOMY,
            model.levers.federation_merger_cost_gbp,
            Purpose.FEDERATION_MERGER_COSTS,
        )
        other.remove()

    def dissolve(self) -> None:
        """Wind up: hand back any contract, share the balance among the members, leave."""
        model = self.model
        contract = self.contract
        if contract is not None:
            model.contracts.end(contract, "handed_back")
        members = self.members
        balance = int(model.ledger.balance_pence[self.account])
        if members and balance:
            parts = split_pence(balance, model.practice_state.list_size[members].astype(float))
            model.ledger.settle(
                self.account,
                model.accounts.practice[members],
                parts / PENCE_PER_GBP,
                Purpose.FEDERATION_WIND_UP,
            )
        elif balance:
            model.ledger.settle(
                self.account, ECONOMY, balance / PENCE_PER_GBP, Purpose.FEDERATION_WIND_UP
            )
        state = model.practice_state
        state.set_federation(members, NO_FEDERATION)
        state.below_share_quarters[members] = 0
        self.remove()


def _connect(touched: list[int], members: AbstractSet[int], neighbours: list[np.ndarray]) -> bool:
    """Whether the members a leaver touched still reach each other through ``members``.

    The members were connected through the leaver or each other, so they all still are exactly
    when those it touched are: the search stops as soon as it has found them all.
    """
    wanted = set(touched[1:])
    seen, frontier = {touched[0]}, [touched[0]]
    while frontier and wanted:
        for j in neighbours[frontier.pop()].tolist():
            if j in members and j not in seen:
                seen.add(j)
                wanted.discard(j)
                frontier.append(j)
    return not wanted


def _connected_parts(members: list[int], neighbours: list[np.ndarray]) -> list[list[int]]:
    """Connected components of the practice graph restricted to ``members``."""
    left = set(members)
    parts = []
    while left:
        start = min(left)
        left.discard(start)
        part, frontier = [start], [start]
        while frontier:
            i = frontier.pop()
            for j in neighbours[i].tolist():
                if j in left:
                    left.discard(j)
                    part.append(j)
                    frontier.append(j)
        parts.append(sorted(part))
    return parts
