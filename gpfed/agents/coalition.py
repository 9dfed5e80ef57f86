"""What a federation is worth to its members, and how they divide it.

The characteristic value of a federation S (MODEL-SPEC "Federations"), £ a year, as practices
expect it under the levers in force:

    v(S) = incentive(L_S) + scale reward(L_S) + out-of-hours margin(L_S) + bid value(L_S)
           + back-office saving s L_ref (L_S / L_ref)^beta
           + pooling rho L_S (1 - 1 / sqrt(|S|)) - coordination c (|S| / 10)^gamma

with L_S the pooled list and L_ref = 50,000; a lone practice has v = 0 (nothing to pool). It
depends on the members only through their pooled list and their number, so the value of any
sub-coalition is one vectorised call. Shares are by list, equal, or Shapley values: exact by
enumerating every sub-coalition up to a size, and estimated from sampled member orderings above
it (each ordering's marginal contributions sum to the grand coalition's value, so the estimate is
efficient too). :class:`Membership` reads every federation's members from the practices'
federation column, the one record of who belongs where.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from math import factorial
from typing import Protocol

import numpy as np

from gpfed.agents.holders import federation_capacity, integration_saving
from gpfed.institutions.network_contract import (
    REFERENCE_LIST_PATIENTS,
    incentive_gbp_per_year,
    ooh_margin_gbp_per_year,
    scale_reward_gbp_per_year,
)
from gpfed.parameters import Levers
from gpfed.world.arrays import compact_keys
from gpfed.world.state import federation_sums
from gpfed.world.units import NO_FEDERATION, QUARTERS_PER_YEAR

REFERENCE_MEMBERS = 10
"""Coordination cost is quoted for a federation of this many practices."""
BID_WIN_CHANCE = 0.5
"""[P] A federation's expected chance of winning the lot it bids for, when valuing a bid."""

ValueFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Value of coalitions from their pooled lists and member counts (arrays of equal shape)."""


@dataclass(frozen=True)
class CoalitionValue:
    """v(S) from pooled list and member count, under the levers in force.

    Attributes:
        levers: parameter values in force.
        contract_margin: expected integrated-contract surplus, £ per patient a year, as a
            function of the pooled list (zero where no lots exist).
    """

    levers: Levers
    contract_margin: Callable[[np.ndarray], np.ndarray]

    def __call__(self, pooled_list: np.ndarray, members: np.ndarray) -> np.ndarray:
        """Value of coalitions, £ a year (zero for coalitions of fewer than two)."""
        lv = self.levers
        pooled = np.asarray(pooled_list, dtype=float)
        n = np.asarray(members, dtype=float)
        value = (
            incentive_gbp_per_year(pooled, lv)
            + scale_reward_gbp_per_year(pooled, lv)
            + backoffice_saving_gbp_per_year(pooled, lv)
            + lv.risk_pooling_value_gbp_per_patient_per_year
            * pooled
            * (1.0 - 1.0 / np.sqrt(np.maximum(n, 1.0)))
            - coordination_cost_gbp_per_year(n, lv)
            + self.contract_margin(pooled) * pooled
        )
        if lv.ooh_to_federations:
            value = value + ooh_margin_gbp_per_year(pooled, lv)
        return np.where(n >= 2, value, 0.0)


def backoffice_saving_gbp_per_year(pooled_list: np.ndarray, levers: Levers) -> np.ndarray:
    """Pooled back-office saving of federations, £ a year."""
    scale = np.asarray(pooled_list, dtype=float) / REFERENCE_LIST_PATIENTS
    return (
        levers.backoffice_saving_gbp_per_patient_per_year
        * REFERENCE_LIST_PATIENTS
        * scale**levers.backoffice_saving_exponent
    )


def coordination_cost_gbp_per_year(members: np.ndarray, levers: Levers) -> np.ndarray:
    """Governance and coordination cost of federations, £ a year."""
    return levers.coordination_cost_gbp_per_year * (
        np.asarray(members, dtype=float) / REFERENCE_MEMBERS
    ) ** (levers.coordination_cost_exponent)


def contract_margin_gbp_per_patient_per_year(
    pooled_list: np.ndarray, levers: Levers, baseline: tuple[float, float]
) -> np.ndarray:
    """Expected integrated-contract surplus of a federation, £ per patient a year.

    Half the chance of winning times the expected margin: the integration saving its
    coordination capacity would bring on the emergency part of a lot, less the savings target,
    plus half the first markup (``bid_markup``). Zero under GMS or below the bidder size.

    Args:
        pooled_list: federation lists (patients).
        levers: parameter values in force.
        baseline: (spend per patient a quarter on lot services, emergency share of it).
    """
    pooled = np.asarray(pooled_list, dtype=float)
    if levers.gp_contract_regime == "gms":
        return np.zeros_like(pooled)
    per_head, emergency_share = baseline
    saving = integration_saving(federation_capacity(pooled), levers) * emergency_share
    margin = np.maximum(saving - levers.savings_target + levers.bid_markup / 2, 0.0)
    eligible = pooled >= levers.bidder_min_population
    return QUARTERS_PER_YEAR * per_head * margin * BID_WIN_CHANCE * eligible


def shapley_values(
    lists: np.ndarray,
    value: ValueFunction,
    exact_max_members: int,
    samples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Shapley value of each member of the coalition whose members have ``lists``.

    Args:
        lists: each member's list (patients).
        value: coalition value from pooled list and member count.
        exact_max_members: enumerate all sub-coalitions up to this many members.
        samples: orderings sampled for larger coalitions.
        rng: generator for the sampled orderings.
    """
    lists = np.asarray(lists, dtype=float)
    n = len(lists)
    if n <= exact_max_members:
        return _exact_shapley(lists, value)
    orders = np.argsort(rng.random((samples, n)), axis=1)
    pooled = np.cumsum(lists[orders], axis=1)
    counts = np.broadcast_to(np.arange(1, n + 1), pooled.shape)
    worth = value(pooled, counts)
    marginal = np.diff(worth, axis=1, prepend=0.0)
    phi = np.zeros(n)
    np.add.at(phi, orders.ravel(), marginal.ravel())
    return phi / samples


def _exact_shapley(lists: np.ndarray, value: ValueFunction) -> np.ndarray:
    layout = _ShapleyLayout.of(len(lists))
    worth = value(layout.members @ lists, layout.sizes)
    # Member i's value: sum over coalitions S without i of w(|S|) (v(S + i) - v(S)), one row
    # of S per member (each row sums in the same order as that member's coalitions alone).
    return np.sum(layout.weight * (worth[layout.joined] - worth[layout.without]), axis=1)


@dataclass(frozen=True)
class _ShapleyLayout:
    """The sub-coalitions of an n-member coalition, as exact Shapley values read them.

    Attributes:
        members: which members each coalition (a bitmask 0 .. 2^n - 1) holds, (2^n, n).
        sizes: each coalition's member count.
        without: row i, the coalitions without member i, ascending, (n, 2^(n-1)).
        joined: the same coalitions with member i added.
        weight: |S|! (n - |S| - 1)! / n! for each coalition S of ``without``.
    """

    members: np.ndarray
    sizes: np.ndarray
    without: np.ndarray
    joined: np.ndarray
    weight: np.ndarray

    @staticmethod
    @cache
    def of(n: int) -> _ShapleyLayout:
        """The layout for n members (made once per n: the same for every coalition)."""
        coalitions = np.arange(2**n)
        members = ((coalitions[:, None] >> np.arange(n)) & 1).astype(bool)
        sizes = members.sum(axis=1)
        without = np.nonzero(~members.T)[1].reshape(n, -1)
        by_size = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
        layout = _ShapleyLayout(
            members, sizes, without, without | (1 << np.arange(n))[:, None], by_size[sizes[without]]
        )
        for array in (members, sizes, without, layout.joined, layout.weight):
            array.flags.writeable = False
        return layout


def rule_shares(
    rule: str,
    lists: np.ndarray,
    value: ValueFunction,
    exact_max_members: int = 10,
    samples: int = 200,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Each member's share of the coalition's value under a sharing rule.

    Args:
        rule: ``"list"``, ``"equal"``, ``"shapley"`` or ``"performance"`` (by list).
        lists: each member's list (patients).
        value: coalition value from pooled list and member count.
        exact_max_members: see :func:`shapley_values`.
        samples: see :func:`shapley_values`.
        rng: generator for sampled Shapley values.

    Returns:
        Shares that sum to the coalition's value.
    """
    lists = np.asarray(lists, dtype=float)
    n = len(lists)
    if rule == "shapley":
        return shapley_values(
            lists, value, exact_max_members, samples, rng or np.random.default_rng(0)
        )
    total = float(value(np.array([lists.sum()]), np.array([n]))[0])
    if rule == "equal":
        return np.full(n, total / n)
    # Sharing by performance splits what is left after the performance payments by list.
    if rule in ("list", "performance"):
        return total * lists / lists.sum()
    raise ValueError(
        f"unknown sharing rule {rule!r}; allowed 'list', 'equal', 'shapley', 'performance'"
    )


def payout_weights(rule: str, shares: np.ndarray, lists: np.ndarray) -> np.ndarray:
    """Weights by which realised money (surplus or loss) is split among members.

    By list and equal split use their own weights; Shapley splits in proportion to the positive
    parts of the members' Shapley values (by list if none is positive).
    """
    lists = np.asarray(lists, dtype=float)
    if rule == "equal":
        return np.full(len(lists), 1.0 / len(lists))
    if rule == "shapley":
        positive = np.maximum(shares, 0.0)
        if positive.sum() > 0:
            return positive / positive.sum()
    return lists / lists.sum()


class FederationRecord(Protocol):
    """What a federation is to the rest of the agents layer: its id, account and area."""

    unique_id: int
    account: int
    area: int


@dataclass(frozen=True)
class Membership:
    """Every federation's members as flat arrays (federations in id order).

    Attributes:
        ids: each federation's unique id, ascending.
        members: practice index of each membership.
        group: position in ``ids`` of each membership's federation.
        pooled_list: each federation's list (patients).
        size: each federation's number of members.
        by_id: the federations by unique id.
    """

    ids: np.ndarray
    members: np.ndarray
    group: np.ndarray
    pooled_list: np.ndarray
    size: np.ndarray
    by_id: Mapping[int, FederationRecord]

    @cached_property
    def federations(self) -> list[FederationRecord]:
        """The federations, in ``ids`` order (looked up when first asked for)."""
        return list(map(self.by_id.__getitem__, self.ids.tolist()))

    @classmethod
    def of(
        cls,
        federation_column: np.ndarray,
        list_size: np.ndarray,
        by_id: Mapping[int, FederationRecord],
    ) -> Membership:
        """Read the current membership from the practices' federation column.

        Args:
            federation_column: each practice's federation (unique id or ``NO_FEDERATION``).
            list_size: each practice's list.
            by_id: the federations by unique id.
        """
        members = np.flatnonzero(federation_column != NO_FEDERATION)
        owner = federation_column[members]
        order = np.argsort(compact_keys(owner), kind="stable")
        members, owner = members[order], owner[order]
        # The ids are sorted now: each federation starts where the id changes.
        previous = np.empty_like(owner)
        previous[:1], previous[1:] = NO_FEDERATION, owner[:-1]
        first = np.flatnonzero(owner != previous)
        ids = owner[first]
        size = np.diff(first, append=len(owner))
        group = np.repeat(np.arange(len(ids)), size)
        pooled, _ = pooled_lists(federation_column, list_size)
        return cls(ids, members, group, pooled, size, by_id)

    def shares_gbp_per_year(
        self,
        list_size: np.ndarray,
        value: ValueFunction,
        levers: Levers,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Each membership's share of its federation's value under the sharing rule in force."""
        rule = levers.federation_sharing_rule
        lists = list_size[self.members].astype(float)
        if rule == "shapley":
            if not len(self.ids):
                return np.zeros(0)
            return np.concatenate(
                [
                    rule_shares(
                        rule,
                        lists[self.group == g],
                        value,
                        levers.shapley_exact_max_members,
                        levers.shapley_samples,
                        rng,
                    )
                    for g in range(len(self.ids))
                ]
            )
        worth = value(self.pooled_list, self.size)
        if rule == "equal":
            return worth[self.group] / self.size[self.group]
        return worth[self.group] * lists / self.pooled_list[self.group]

    def payout_weights(self, list_size: np.ndarray, rule: str, shares: np.ndarray) -> np.ndarray:
        """Weights by which each federation splits realised money among its members."""
        lists = list_size[self.members].astype(float)
        if rule != "shapley":
            return payout_weights(rule, shares, lists)
        weights = np.zeros(len(self.members))
        for g in range(len(self.ids)):
            rows = self.group == g
            weights[rows] = payout_weights(rule, shares[rows], lists[rows])
        return weights


def pooled_lists(
    federation_column: np.ndarray, list_size: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each federation's pooled list and member count, federations in id order.

    Members' lists are added in practice order (:attr:`Membership.pooled_list` is this), without
    grouping the members.
    """
    size, pooled = federation_sums(federation_column, list_size)
    present = size > 0
    return pooled[present], size[present]


def agreed_pairs(
    absorbed: np.ndarray,
    absorber: np.ndarray,
    keenness: np.ndarray,
    hurdle: float,
    rng: np.random.Generator,
) -> list[tuple[int, int]]:
    """Pairs that agree to merge, each party at most once: (absorbed, absorber).

    A pair agrees when its less keen side's gain (``keenness``) clears ``hurdle``; the keenest
    pairs go first (ties in random order), and a party already taken is not paired again.
    """
    agreed = np.flatnonzero(keenness > hurdle)
    order = agreed[np.lexsort((rng.random(len(agreed)), -keenness[agreed]))]
    taken: set[int] = set()
    pairs = []
    for k in order.tolist():
        small, large = int(absorbed[k]), int(absorber[k])
        if small not in taken and large not in taken:
            taken.update((small, large))
            pairs.append((small, large))
    return pairs


def paid_ratios(
    membership: Membership,
    shares_gbp_per_year: np.ndarray,
    paid_gbp_per_year: np.ndarray,
    quarters_paid: np.ndarray,
) -> dict[int, float]:
    """What each federation has paid its members against their formula shares, by unique id.

    Over the members it has paid at least once: the sum of their records (what it paid them, a
    year, smoothed) over the sum of their shares of its value. A federation none of whose
    members has been paid yet is left out (a practice then goes by the formula).

    Args:
        membership: the federations now.
        shares_gbp_per_year: each membership's formula share, in ``membership.members`` order.
        paid_gbp_per_year: each practice's record of what its federation has paid it.
        quarters_paid: quarters each practice has been paid by its federation.
    """
    members = membership.members
    paid = quarters_paid[members] > 0
    n = len(membership.ids)
    records = np.bincount(
        membership.group[paid], weights=paid_gbp_per_year[members][paid], minlength=n
    )
    formula = np.bincount(membership.group[paid], weights=shares_gbp_per_year[paid], minlength=n)
    known = formula > 0
    ratio = records[known] / formula[known]
    return dict(zip(membership.ids[known].tolist(), ratio.tolist(), strict=True))
