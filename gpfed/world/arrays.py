"""Array helpers every layer uses: exact splits of whole pence, fast stable sorts and groups."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


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


def indices_by_key(keys: np.ndarray, n_keys: int) -> list[np.ndarray]:
    """For each key 0 .. n_keys - 1, the positions holding it, ascending (empty if none).

    One stable sort, split where the key changes: the same positions, in the same order, as
    ``np.flatnonzero(keys == k)`` for each k, without a pass over ``keys`` per key.
    """
    order = np.argsort(compact_keys(keys), kind="stable")
    return np.split(order, np.cumsum(np.bincount(keys, minlength=n_keys))[:-1])


def lookup(table: Mapping[int, float], keys: np.ndarray, default: float) -> np.ndarray:
    """``table.get(k, default)`` for each of ``keys``, as one array (one sort, one search).

    The array has the default's type: pass ``0`` for whole numbers, ``0.0`` for floats.
    """
    out = np.full(len(keys), default)
    if table:
        known = np.fromiter(table.keys(), dtype=np.int64, count=len(table))
        values = np.fromiter(table.values(), dtype=out.dtype, count=len(table))
        order = np.argsort(known)
        known, values = known[order], values[order]
        at = np.minimum(np.searchsorted(known, keys), len(known) - 1)
        found = known[at] == keys
        out[found] = values[at[found]]
    return out
