"""Registered patients: net list growth and the moves when a practice closes or merges.

Patients are counted, never created or lost here except by the explicit net growth of the
registered population, which :class:`Registrations` records so the patient count can be audited.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from gpfed.model.state import PracticeState


@dataclass
class Registrations:
    """Running count of patients added by net population growth (can be negative)."""

    net_growth: int = 0

    def grow(self, state: PracticeState, growth_per_year: float, rng: np.random.Generator) -> None:
        """Add (or remove) this quarter's net growth to open practices, binomially by list."""
        rate = abs(growth_per_year) / 4.0
        change = rng.binomial(state.list_size * state.is_open, min(rate, 1.0))
        if growth_per_year < 0:
            change = -change
        state.list_size += change
        self.net_growth += int(change.sum())


def split_integer(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder; exact sum)."""
    weights = np.asarray(weights, dtype=float)
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    exact = total * weights / weights.sum()
    whole = np.floor(exact).astype(np.int64)
    left = total - int(whole.sum())
    if left:
        order = np.argsort(-(exact - whole), kind="stable")
        whole[order[:left]] += 1
    return whole


def nearest_open_practices(
    start: int, neighbours: list[np.ndarray], is_open: np.ndarray
) -> np.ndarray:
    """Open practices nearest to ``start`` on the practice graph (the first ring that has any).

    Breadth-first from ``start`` over practice-practice edges; falls back to every open practice
    if the graph component has none (possible only when a whole area has closed).
    """
    seen = {start}
    frontier = deque([start])
    while frontier:
        ring: list[int] = []
        for _ in range(len(frontier)):
            node = frontier.popleft()
            for other in neighbours[node]:
                other = int(other)
                if other not in seen:
                    seen.add(other)
                    ring.append(other)
        found = [p for p in ring if is_open[p]]
        if found:
            return np.array(sorted(found), dtype=np.int64)
        frontier.extend(ring)
    return np.flatnonzero(is_open)


def disperse_list(state: PracticeState, practice: int, receivers: np.ndarray) -> np.ndarray:
    """Move a closing practice's whole list to ``receivers`` in proportion to their GP partners.

    The receivers' need weights and diabetes prevalence become list-weighted blends, since the
    patients bring their morbidity with them.

    Returns:
        The number of patients each receiver took.
    """
    moved = split_integer(int(state.list_size[practice]), state.partners[receivers])
    blend_into(state, receivers, practice, moved, ("need_weight", "diabetes_prevalence"))
    state.list_size[receivers] += moved
    state.list_size[practice] = 0
    return moved


def blend_into(
    state: PracticeState,
    receivers: np.ndarray,
    donor: int,
    moved: np.ndarray,
    columns: tuple[str, ...],
) -> None:
    """Blend the donor's values of ``columns`` into the receivers', weighted by patients moved."""
    before = state.list_size[receivers].astype(float)
    total = np.maximum(before + moved, 1.0)
    for name in columns:
        column = getattr(state, name)
        column[receivers] = (column[receivers] * before + column[donor] * moved) / total
