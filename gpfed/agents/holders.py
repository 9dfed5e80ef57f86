"""What a contract holder can achieve, and how a bidder prices: shared by every kind of bidder.

A holder's care-coordination capacity C grows with the list it coordinates (concave); the share
of covered emergency admissions integrated care avoids rises with C towards a ceiling,
I = I_max (1 - exp(-kappa C)), ramping up over a contract's first quarters. A bid prices the
bidder's own expected cost of the lot, baseline x cost factor x noise x (1 - expected saving), at
a markup that falls with the number of rivals, and is made only if that cost is within the
reserve price.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gpfed.parameters import Levers
from gpfed.world.units import QUARTERS_PER_YEAR

CAPACITY_REFERENCE_PATIENTS = 100_000
"""A federation of this list has coordination capacity 1."""
TRUST_QUALITY = 0.5
"""[P] Quality a trust brings to a bid before coordination capacity."""

Bidder = tuple[str, "int | None", "int | None", float, float, float, float]
"""A potential bidder: holder kind, federation id, trust, coordination capacity, integration
saving at that capacity, quality promised, cost factor."""


def federation_capacity(list_size: float | np.ndarray) -> float | np.ndarray:
    """Care-coordination capacity C of a federation: sqrt(list / 100,000), concave in scale."""
    return np.sqrt(np.asarray(list_size, dtype=float) / CAPACITY_REFERENCE_PATIENTS)


def integration_saving(capacity: float | np.ndarray, levers: Levers) -> np.ndarray:
    """I = I_max (1 - exp(-kappa C)): emergency admissions avoided at coordination capacity C."""
    return levers.integration_max_effect * (
        1.0 - np.exp(-levers.integration_capacity_rate * np.asarray(capacity, dtype=float))
    )


def integration_effect(
    n_practices: int,
    practice: np.ndarray,
    contract: np.ndarray,
    capacity: np.ndarray,
    quarters_held: np.ndarray,
    emergency_share: np.ndarray,
    levers: Levers,
) -> np.ndarray:
    """Share of each practice's emergency admissions avoided by integrated care (I).

    Args:
        n_practices: number of practices.
        practice: each covered practice.
        contract: position of its contract among ``capacity`` and ``quarters_held``.
        capacity: each contract's holder's coordination capacity at award.
        quarters_held: quarters each contract has been in force.
        emergency_share: share of the covered practice's emergency admissions in the contract.
        levers: levers in force.
    """
    effect = np.zeros(n_practices)
    if len(capacity):
        ramp = np.minimum(1.0, (quarters_held + 1) / levers.integration_ramp_quarters)
        full = integration_saving(capacity * ramp, levers)
        effect[practice] = full[contract] * emergency_share
    return effect


def holder_cost_sd_share(
    pooled_list: np.ndarray, budget_gbp_per_head_per_quarter: float, levers: Levers
) -> np.ndarray:
    """SD of a holder's quarterly cost around budget, as a share of it, by the list it covers.

    The holder's own cost shock (``holder_cost_sd``) and the chance variation of its patients'
    admissions at tariff (Poisson at the published rates), which shrinks with the list: the
    actuarial reason small lists cannot carry capitated risk.
    """
    lists = np.maximum(np.asarray(pooled_list, dtype=float), 1.0)
    admissions_variance_per_head = (
        levers.emergency_tariff_gbp**2 * levers.emergency_admissions_per_1000_per_year
        + levers.elective_tariff_gbp**2 * levers.elective_admissions_per_1000_per_year
    ) / (1000 * QUARTERS_PER_YEAR)
    chance = np.sqrt(admissions_variance_per_head / lists) / budget_gbp_per_head_per_quarter
    return np.sqrt(levers.holder_cost_sd**2 + chance**2)


def cost_based_bid(
    baseline_gbp_per_quarter: float,
    emergency_share: float,
    reserve_gbp_per_quarter: float,
    saving: float,
    cost_efficiency: float,
    markup: float,
    levers: Levers,
    rng: np.random.Generator,
) -> float | None:
    """A bid's price per quarter, or None if the bidder's expected cost is not within the reserve.

    Args:
        baseline_gbp_per_quarter: what the commissioner spends now on the lot's care.
        emergency_share: share of that baseline spent on emergency admissions.
        reserve_gbp_per_quarter: the reserve price (the lot's budget).
        saving: the integration saving the bidder expects at its coordination capacity.
        cost_efficiency: the bidder's cost factor.
        markup: the markup over cost, given the number of bidders.
        levers: levers in force (``holder_cost_sd``).
        rng: the tenders stream (one draw a bid).
    """
    noise = rng.lognormal(-(levers.holder_cost_sd**2) / 2, levers.holder_cost_sd)
    cost = baseline_gbp_per_quarter * cost_efficiency * noise * (1.0 - saving * emergency_share)
    if cost >= reserve_gbp_per_quarter:
        return None
    return min(cost * (1.0 + markup), reserve_gbp_per_quarter)


class BidderFacts:
    """What each potential bidder brings to a bid, read once a tender round.

    Awards change neither lists nor quality, so a round reads them once instead of once per lot.
    A bidder is (holder kind, federation id, trust, coordination capacity, integration saving at
    that capacity, quality promised, cost factor).

    Args:
        ids: the federations' unique ids.
        lists: their pooled lists (patients; integer sums held as floats, exact below 2**53).
        federation_quality: a federation's list-weighted member quality, by unique id (read
            when first needed).
        levers: levers in force.

    Attributes:
        list_size: each federation's pooled list, by unique id.
    """

    def __init__(
        self,
        ids: np.ndarray,
        lists: np.ndarray,
        federation_quality: Callable[[int], float],
        levers: Levers,
    ) -> None:
        trust_capacity = levers.trust_coordination_capacity
        capacity = federation_capacity(lists)
        allied = capacity + trust_capacity

        def by_id(values: np.ndarray) -> dict[int, float]:
            return dict(zip(ids.tolist(), values.tolist(), strict=True))

        self.list_size = by_id(lists.astype(np.int64))
        self._quality_of = federation_quality
        self._capacity = (by_id(capacity), by_id(allied))
        self._saving = (
            by_id(integration_saving(capacity, levers)),
            by_id(integration_saving(allied, levers)),
        )
        self._reach = (by_id(1.0 - np.exp(-capacity)), by_id(1.0 - np.exp(-allied)))
        self._federation_bidders: dict[int, tuple[Bidder, Bidder]] = {}
        saving = float(integration_saving(trust_capacity, levers))
        reach = 1.0 - np.exp(-trust_capacity)
        self._trust = (trust_capacity, saving, 0.5 * TRUST_QUALITY + 0.5 * reach, 1.0)
        self.entrant: Bidder = (
            "entrant",
            None,
            None,
            trust_capacity,
            saving,
            0.5 * levers.entrant_quality + 0.5 * reach,
            levers.entrant_cost_efficiency,
        )

    def federation(self, federation: int, main_trust: int) -> tuple[Bidder, Bidder]:
        """The federation (unique id) bidding alone, and allied with ``main_trust``."""
        if federation not in self._federation_bidders:
            quality = self._quality_of(federation)
            allied_quality = (quality + TRUST_QUALITY) / 2
            self._federation_bidders[federation] = (
                (
                    "federation",
                    federation,
                    None,
                    self._capacity[0][federation],
                    self._saving[0][federation],
                    np.float64(0.5 * quality + 0.5 * self._reach[0][federation]),
                    1.0,
                ),
                (
                    "alliance",
                    federation,
                    None,
                    self._capacity[1][federation],
                    self._saving[1][federation],
                    np.float64(0.5 * allied_quality + 0.5 * self._reach[1][federation]),
                    1.0,
                ),
            )
        alone, allied = self._federation_bidders[federation]
        return alone, (*allied[:2], main_trust, *allied[3:])

    def trust(self, main_trust: int) -> Bidder:
        """The lot's main trust bidding alone."""
        return ("trust", None, main_trust, *self._trust)


class CostBidder:
    """Bidders that price a lot at their own expected cost plus the markup (a mixin).

    Federations (alone or allied) and trusts bid this way; override :meth:`price_bid` in a
    subclass to try a strategic rule.
    """

    @classmethod
    def price_bid(
        cls,
        baseline_gbp_per_quarter: float,
        emergency_share: float,
        reserve_gbp_per_quarter: float,
        saving: float,
        markup: float,
        levers: Levers,
        rng: np.random.Generator,
    ) -> float | None:
        """Price per quarter of a bid, or None to stay out.

        The bidder's expected cost of the lot at its coordination capacity, at the markup
        (:func:`cost_based_bid`, cost factor 1).
        """
        return cost_based_bid(
            baseline_gbp_per_quarter,
            emergency_share,
            reserve_gbp_per_quarter,
            saving,
            1.0,
            markup,
            levers,
            rng,
        )
