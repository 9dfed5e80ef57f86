"""The federation: an agent made of practice agents, with its own account and sharing rule.

A federation's members are connected on the practice graph and lie in one commissioner area
(:meth:`Federation.release` splits it when a departure disconnects it). It has a ledger account
that receives incentives and contract results and pays coordination costs; each quarter
:func:`gpfed.model.federations.settle_federations` keeps part of a surplus as reserves and pays
the rest to members, or levies a loss on them, by its sharing rule (:mod:`gpfed.model.sharing`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from gpfed.model.contracts import federation_capacity
from gpfed.model.ledger import ECONOMY, PENCE_PER_GBP
from gpfed.model.sharing import rule_shares, split_pence

if TYPE_CHECKING:
    from gpfed.agents.practice import Practice
    from gpfed.model.contracts import Contract
    from gpfed.model.model import GPFedModel

NO_FEDERATION = -1


class Federation(Agent):
    """A federation of GP practices.

    Args:
        model: the model it belongs to.
        members: practice indices (connected, one area).
    """

    model: GPFedModel

    def __init__(self, model: GPFedModel, members: list[int] | np.ndarray) -> None:
        super().__init__(model)
        state = model.practice_state
        self.members: list[int] = sorted(int(i) for i in members)
        self.area = int(state.area[self.members[0]])
        self.account = model.ledger.open_account("federation")
        self.founded_step = model.steps
        self.contract: Contract | None = None
        state.federation[self.members] = self.unique_id
        state.below_share_quarters[self.members] = 0
        model.federations[self.unique_id] = self

    # --- what it is ---------------------------------------------------------------------------
    @property
    def member_agents(self) -> list[Practice]:
        """The member Practice agents."""
        return [self.model.practice_agents[i] for i in self.members]

    @property
    def n_members(self) -> int:
        """Number of member practices."""
        return len(self.members)

    @property
    def list_size(self) -> int:
        """Pooled registered list of its members (patients)."""
        return int(self.model.practice_state.list_size.take(self.members).sum())

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
        state = self.model.practice_state
        lists = self.member_lists
        return float(state.quality[self.members] @ lists / lists.sum())

    @property
    def contract_kind(self) -> str:
        """Kind of integrated contract it holds, or "none"."""
        return self.contract.kind if self.contract is not None else "none"

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

    def admits(self, practice: int) -> bool:
        """An applicant is admitted only if its marginal value to the federation is positive."""
        pooled = float(self.list_size)
        n = len(self.members)
        before, after = self.model.federation_value(
            np.array([pooled, pooled + self.model.practice_state.list_size[practice]]),
            np.array([n, n + 1]),
        )
        return bool(after > before)

    # --- membership ---------------------------------------------------------------------------
    def add(self, practice: int) -> None:
        """Admit a practice (a graph neighbour of a member, in the same area)."""
        self.members = sorted([*self.members, int(practice)])
        state = self.model.practice_state
        state.federation[practice] = self.unique_id
        state.below_share_quarters[practice] = 0

    def release(self, practice: int) -> None:
        """A member leaves (or closes); the rest split into connected federations.

        The largest connected remainder keeps this federation; other remainders of two or more
        practices become new federations with a share of the reserves by list; a lone practice
        is no longer federated. A federation left with fewer than two members dissolves.
        """
        state = self.model.practice_state
        state.federation[practice] = NO_FEDERATION
        state.below_share_quarters[practice] = 0
        self.members = [i for i in self.members if i != practice]
        if len(self.members) < 2:
            self.dissolve()
            return
        parts = sorted(
            _connected_parts(self.members, self.model.practice_neighbours),
            key=lambda part: (-state.list_size[part].sum(), part[0]),
        )
        keep, others = parts[0] if parts else [], parts[1:]
        for part in others:
            for i in part:
                state.federation[i] = NO_FEDERATION
                self.model.contracts.return_to_gms(i, self)
        self.members = keep
        # Every spun-off part's share is of the balance and list before any part leaves.
        balance = int(self.model.ledger.balance_pence[self.account])
        remaining = max(int(state.list_size[[i for part in parts for i in part]].sum()), 1)
        for part in others:
            if len(part) >= 2:
                spun_off = Federation(self.model, part)
                share = balance * int(state.list_size[part].sum()) // remaining
                self.model.ledger.settle(
                    self.account, spun_off.account, share / PENCE_PER_GBP, "federation_split"
                )
        if len(self.members) < 2:
            self.dissolve()

    def dissolve(self) -> None:
        """Wind up: hand back any contract, share the balance among the members, leave."""
        model = self.model
        if self.contract is not None:
            model.contracts.end(self.contract, "handed_back")
        members = self.members
        balance = int(model.ledger.balance_pence[self.account])
        if members and balance:
            parts = split_pence(balance, model.practice_state.list_size[members].astype(float))
            model.ledger.settle(
                self.account,
                model.accounts.practice[members],
                parts / PENCE_PER_GBP,
                "federation_wind_up",
            )
        elif balance:
            model.ledger.settle(
                self.account, ECONOMY, balance / PENCE_PER_GBP, "federation_wind_up"
            )
        state = model.practice_state
        state.federation[members] = NO_FEDERATION
        state.below_share_quarters[members] = 0
        self.members = []
        del model.federations[self.unique_id]
        self.remove()


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
