"""How a federation divides value among its members: by list, equally, or by Shapley value.

A federation's characteristic value depends on its members only through their pooled list and
their number (:func:`gpfed.model.federations.coalition_value_gbp_per_year`), so the value of any
sub-coalition is one vectorised call. Shapley values are exact by enumerating every
sub-coalition up to a size, and estimated from sampled member orderings above it (each ordering's
marginal contributions sum to the grand coalition's value, so the estimate is efficient too).
"""

from __future__ import annotations

from collections.abc import Callable
from math import factorial

import numpy as np

ValueFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Value of coalitions from their pooled lists and member counts (arrays of equal shape)."""


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
    n = len(lists)
    coalitions = np.arange(2**n)
    members = ((coalitions[:, None] >> np.arange(n)) & 1).astype(bool)
    sizes = members.sum(axis=1)
    worth = value(members @ lists, sizes)
    # Weight of a coalition of size s not containing i: s! (n - s - 1)! / n!.
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    phi = np.zeros(n)
    for i in range(n):
        without = ~members[:, i]
        phi[i] = np.sum(
            weight[sizes[without]] * (worth[coalitions[without] | (1 << i)] - worth[without])
        )
    return phi


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
        rule: ``"list"``, ``"equal"`` or ``"shapley"``.
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
    if rule == "list":
        return total * lists / lists.sum()
    raise ValueError(f"unknown sharing rule {rule!r}; allowed 'list', 'equal', 'shapley'")


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


def split_pence(total_pence: int, weights: np.ndarray) -> np.ndarray:
    """Split a signed whole number of pence by weights; the parts sum to it exactly.

    Largest-remainder rounding: each part is floored, and the pence left over go to the largest
    remainders.
    """
    weights = np.asarray(weights, dtype=float)
    exact = total_pence * weights / weights.sum()
    parts = np.floor(exact).astype(np.int64)
    left = int(total_pence - parts.sum())
    if left:
        order = np.argsort(-(exact - parts), kind="stable")
        parts[order[:left]] += 1
    return parts


def split_pence_by_group(
    totals_pence: np.ndarray, weights: np.ndarray, group: np.ndarray
) -> np.ndarray:
    """:func:`split_pence` for many coalitions at once.

    Args:
        totals_pence: whole pence to split, per group (non-negative).
        weights: weight of each member (members of one group need not be adjacent).
        group: each member's group index.

    Returns:
        Each member's part; the parts of each group sum to its total exactly.
    """
    weights = np.asarray(weights, dtype=float)
    n_groups = len(totals_pence)
    weight_sum = np.bincount(group, weights=weights, minlength=n_groups)
    exact = (
        np.asarray(totals_pence)[group] * weights / np.where(weight_sum > 0, weight_sum, 1)[group]
    )
    parts = np.floor(exact).astype(np.int64)
    left = np.asarray(totals_pence, dtype=np.int64) - np.bincount(
        group, weights=parts, minlength=n_groups
    ).astype(np.int64)
    # Only groups with pence left over need their members ranked by remainder.
    short = np.flatnonzero(left[group] > 0)
    order = short[np.lexsort((-(exact - parts)[short], compact_keys(group[short])))]
    first = np.searchsorted(group[order], np.arange(n_groups))
    rank = np.arange(len(order)) - first[group[order]]
    parts[order] += rank < left[group[order]]
    return parts


def compact_keys(keys: np.ndarray) -> np.ndarray:
    """Non-negative integer sort keys as 16-bit integers when they fit, else as they are.

    numpy's stable sorts radix-sort 16-bit keys, several times faster; a stable sort's order is
    unique, so the order is the same.
    """
    if len(keys) and keys.min() >= 0 and keys.max() < 2**16:
        return keys.astype(np.uint16)
    return keys
