"""The trust regulator: intervention in trusts that stay in deficit (MODEL-SPEC §C1).

A trust that ends ``trust_deficit_years_to_intervention`` years in a row in deficit comes under
intervention (as NHS Improvement's financial special measures from 2016): its capacity is frozen
and it must cut its running cost per unit of capacity by ``trust_cost_improvement_per_year`` a
year. Intervention ends after a year in surplus.
"""

from __future__ import annotations

import numpy as np

from gpfed.parameters import Levers


def review_trusts(
    deficit_years: np.ndarray,
    in_deficit: np.ndarray,
    under_intervention: np.ndarray,
    levers: Levers,
) -> tuple[np.ndarray, np.ndarray]:
    """The year-end review: consecutive deficit years and who is under intervention next year.

    Args:
        deficit_years: consecutive years each trust had ended in deficit before this one.
        in_deficit: whether each trust ended this year in deficit.
        under_intervention: whether each trust was under intervention this year.
        levers: levers in force.
    """
    years = np.where(in_deficit, deficit_years + 1, 0)
    intervened = (under_intervention & in_deficit) | (
        years >= levers.trust_deficit_years_to_intervention
    )
    return years, intervened


def improved_capacity_cost_gbp(
    capacity_cost_gbp: np.ndarray, under_intervention: np.ndarray, levers: Levers
) -> np.ndarray:
    """Running cost per unit of capacity after a year of the required cost improvement."""
    return np.where(
        under_intervention,
        capacity_cost_gbp * (1.0 - levers.trust_cost_improvement_per_year),
        capacity_cost_gbp,
    )
