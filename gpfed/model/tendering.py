"""Tendering: bids, scoring and award of integrated-care contracts.

On the tender calendar each commissioner offers the lots its GP contract regime allows
(:mod:`gpfed.model.lots`):

* ``gms``: none;
* ``optional``: a federation large enough may opt its members into a capitated contract (alone
  or allied with its main trust), with the right of return (members who leave the federation go
  back to GMS; at expiry the contract lapses unless retained);
* ``mandatory``: every locality (a population lot of about ``locality_population`` patients)
  is tendered, and a diabetes pathway lot for practices no population contract covers;
* ``competitive``: as mandatory, with no national GP contract: GMS money is in the contracts.

Bidders are federations, trusts, federation-trust alliances (ICOs) and optionally an outside
entrant. A bid prices the bidder's own expected cost, baseline x cost factor x (1 - expected
integration saving), at a markup that falls with the number of rivals; its quality promise
rises with quality and coordination capacity. Score = w_q quality + (1 - w_q) p_min / p, plus
the own-federation bias of a merged commissioner-provider for bids by federations alone. The
best bid within the reserve price (the lot's budget) wins, or with ``direct_award_probability``
the most capable bidder gets the lot at the reserve price.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from gpfed.agents.federation import NO_FEDERATION
from gpfed.model.contracts import (
    NO_CONTRACT,
    Contract,
    federation_capacity,
    integration_saving,
)
from gpfed.model.demand import QUARTERS_PER_YEAR
from gpfed.model.ledger import ECONOMY
from gpfed.model.lots import Lot, main_trusts, optional_lots, tendered_lots

if TYPE_CHECKING:
    from gpfed.agents.federation import Federation
    from gpfed.model.model import GPFedModel

TRUST_QUALITY = 0.5
"""Quality a trust brings to a bid before coordination capacity [P]."""


@dataclass(frozen=True)
class Bid:
    """A bid for a lot: who, at what price per quarter, promising what quality."""

    holder: str
    federation: Federation | None
    trust: int | None
    price_gbp_per_quarter: float
    quality: float
    capacity: float


def contract_margin_gbp_per_patient_per_year(
    pooled_list: np.ndarray, levers: SimpleNamespace, baseline: tuple[float, float]
) -> np.ndarray:
    """Expected integrated-contract surplus of a federation, £ per patient a year.

    Half the chance of winning times the expected margin: the integration saving its
    coordination capacity would bring on the emergency part of a lot, less the savings target,
    plus half the no-rival markup. Zero under GMS or below the bidder size.

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
    win_chance = 0.5
    eligible = pooled >= levers.bidder_min_population
    return QUARTERS_PER_YEAR * per_head * margin * win_chance * eligible


def tender_round(model: GPFedModel) -> None:
    """Offer this quarter's lots, collect bids and award (module docstring)."""
    regime = model.levers.gp_contract_regime
    if regime == "gms":
        return
    lots = optional_lots(model) if regime == "optional" else tendered_lots(model)
    if not lots:
        return
    rng = model.streams["tenders"]
    by_area: dict[int, list[Federation]] = {}
    for federation in sorted(model.federations.values(), key=lambda f: f.unique_id):
        by_area.setdefault(federation.area, []).append(federation)
    facts = _Bidders(model)
    bid_costs: list[tuple[int, float]] = []
    for lot, main_trust in zip(lots, main_trusts(model, lots).tolist(), strict=True):
        covered = model.contracts.coverage[lot.practices] != NO_CONTRACT
        if len(covered) == 0 or covered.any():
            continue
        bids = _bids(model, lot, by_area.get(lot.area, []), rng, bid_costs, main_trust, facts)
        if bids:
            _award(model, lot, bids, rng)
    if bid_costs:
        payer, amount = zip(*bid_costs, strict=True)
        model.ledger.pay(np.array(payer), ECONOMY, np.array(amount), "bid_costs")


_Bidder = tuple[str, "Federation | None", "int | None", float, float, float, float]
"""A bidder for a lot: holder kind, federation, trust, coordination capacity, integration saving
at that capacity, quality promised, cost efficiency."""


class _Bidders:
    """What each potential bidder brings to a bid, read once a tender round.

    Awards change neither lists nor quality, so a round reads them once instead of once per lot,
    with the arithmetic of the Federation properties and of a bid, element by element.

    Args:
        model: the model.
    """

    def __init__(self, model: GPFedModel) -> None:
        state, levers = model.practice_state, model.levers
        members = np.flatnonzero(state.federation != NO_FEDERATION)
        ids = np.fromiter(model.federations, dtype=np.int64, count=len(model.federations))
        # Integer lists summed as floats stay exact (far below 2**53).
        lists = np.bincount(
            state.federation[members],
            weights=state.list_size[members],
            minlength=max(model.federations, default=-1) + 1,
        )[ids]
        trust_capacity = levers.trust_coordination_capacity
        capacity = federation_capacity(lists)
        allied = capacity + trust_capacity

        def by_id(values: np.ndarray) -> dict[int, float]:
            return dict(zip(ids.tolist(), values.tolist(), strict=True))

        self._list_size = by_id(lists.astype(np.int64))
        self._capacity = (by_id(capacity), by_id(allied))
        self._saving = (
            by_id(integration_saving(capacity, levers)),
            by_id(integration_saving(allied, levers)),
        )
        self._reach = (by_id(1.0 - np.exp(-capacity)), by_id(1.0 - np.exp(-allied)))
        self._federation_bidders: dict[int, tuple[_Bidder, _Bidder]] = {}
        saving = float(integration_saving(trust_capacity, levers))
        reach = 1.0 - np.exp(-trust_capacity)
        self._trust = (trust_capacity, saving, 0.5 * TRUST_QUALITY + 0.5 * reach, 1.0)
        self.entrant: _Bidder = (
            "entrant",
            None,
            None,
            trust_capacity,
            saving,
            0.5 * levers.entrant_quality + 0.5 * reach,
            levers.entrant_cost_efficiency,
        )

    def list_size(self, federation: Federation) -> int:
        """Pooled registered list (patients), as ``Federation.list_size``."""
        return self._list_size[federation.unique_id]

    def federation(self, federation: Federation, main_trust: int) -> tuple[_Bidder, _Bidder]:
        """The federation bidding alone, and allied with ``main_trust``."""
        key = federation.unique_id
        if key not in self._federation_bidders:
            quality = federation.quality
            allied_quality = (quality + TRUST_QUALITY) / 2
            self._federation_bidders[key] = (
                (
                    "federation",
                    federation,
                    None,
                    self._capacity[0][key],
                    self._saving[0][key],
                    np.float64(0.5 * quality + 0.5 * self._reach[0][key]),
                    1.0,
                ),
                (
                    "alliance",
                    federation,
                    None,
                    self._capacity[1][key],
                    self._saving[1][key],
                    np.float64(0.5 * allied_quality + 0.5 * self._reach[1][key]),
                    1.0,
                ),
            )
        alone, allied = self._federation_bidders[key]
        return alone, (*allied[:2], main_trust, *allied[3:])

    def trust(self, main_trust: int) -> _Bidder:
        """The lot's main trust bidding alone."""
        return ("trust", None, main_trust, *self._trust)


def _bids(
    model: GPFedModel,
    lot: Lot,
    area_federations: list[Federation],
    rng: np.random.Generator,
    bid_costs: list[tuple[int, float]],
    main_trust: int,
    facts: _Bidders,
) -> list[Bid]:
    """Every eligible bidder's bid, if it expects to cover its cost within the reserve.

    Each bidder's bid cost (account, £) is appended to ``bid_costs``.
    """
    levers, state = model.levers, model.practice_state
    if lot.federation is not None:
        federations = [lot.federation]
    else:
        # A federation bids where it has members: for its locality, or its area's pathway.
        population = lot.kind == "population"
        local = set(state.federation[lot.practices].tolist()) if population else set()
        federations = [
            f
            for f in area_federations
            if (not population or f.unique_id in local)
            and f.contract is None
            and facts.list_size(f) >= levers.bidder_min_population
        ]
    bidders: list[_Bidder] = []
    for federation in federations:
        alone, allied = facts.federation(federation, main_trust)
        bidders.append(alone)
        if levers.alliances_may_bid:
            bidders.append(allied)
    if levers.trusts_may_bid and lot.federation is None:
        bidders.append(facts.trust(main_trust))
    if levers.outside_entrants and lot.federation is None:
        bidders.append(facts.entrant)
    reserve = lot.reserve_gbp_per_quarter(levers)
    markup = levers.bid_markup / max(len(bidders), 1)
    bids = []
    for holder, federation, trust, capacity, saving, quality, efficiency in bidders:
        noise = rng.lognormal(-(levers.holder_cost_sd**2) / 2, levers.holder_cost_sd)
        cost = (
            lot.baseline_gbp_per_quarter * efficiency * noise * (1.0 - saving * lot.emergency_share)
        )
        if cost >= reserve:
            continue
        bid_costs.append(
            (
                _account(model, holder, federation, trust),
                levers.bid_cost_share_of_annual_value * QUARTERS_PER_YEAR * reserve,
            )
        )
        bids.append(
            Bid(holder, federation, trust, min(cost * (1.0 + markup), reserve), quality, capacity)
        )
    return bids


def _account(model: GPFedModel, holder: str, federation, trust) -> int:
    if federation is not None:
        return federation.account
    if holder == "trust":
        return int(model.accounts.trust[trust])
    if model.entrant_account is None:
        model.entrant_account = model.ledger.open_account("entrant")
    return model.entrant_account


def score(bids: list[Bid], levers: SimpleNamespace) -> np.ndarray:
    """Score of each bid: w_q quality + (1 - w_q) p_min / p, plus the own-federation bias."""
    return np.array(_scores(bids, levers))


def _scores(bids: list[Bid], levers: SimpleNamespace) -> list[float]:
    # Python floats round each operation as numpy's float64 arrays do, in the same order, and
    # are quicker on the few bids of a lot.
    lowest = min(b.price_gbp_per_quarter for b in bids)
    w, bias = levers.quality_weight, levers.commissioner_own_federation_bias
    return [
        w * float(b.quality)
        + (1.0 - w) * lowest / b.price_gbp_per_quarter
        + bias * (b.holder == "federation")
        for b in bids
    ]


def _award(model: GPFedModel, lot: Lot, bids: list[Bid], rng: np.random.Generator) -> None:
    levers, state = model.levers, model.practice_state
    reserve = lot.reserve_gbp_per_quarter(levers)
    if rng.random() < levers.direct_award_probability:
        winner = max(bids, key=lambda b: b.capacity)
        price = reserve
    else:
        scores = _scores(bids, levers)
        winner = bids[scores.index(max(scores))]  # the first best, as argmax
        price = winner.price_gbp_per_quarter
    population = float(state.list_size[lot.practices].sum())
    contract = Contract(
        id=len(model.contracts.contracts),
        kind=lot.kind,
        area=lot.area,
        practices=lot.practices.copy(),
        holder=winner.holder,
        account=_account(model, winner.holder, winner.federation, winner.trust),
        federation=winner.federation,
        trust=winner.trust,
        price_gbp_per_head_per_quarter=price / population,
        baseline_gbp_per_head_per_quarter=lot.baseline_gbp_per_quarter / population,
        expected_emergency_per_head_per_quarter=lot.expected_emergency / population,
        quality=winner.quality,
        capacity=winner.capacity,
        start=model.steps,
        end=model.steps + levers.contract_length_quarters,
        right_of_return=lot.federation is not None,
        merged_gms=lot.kind == "population"
        and (levers.gp_contract_regime == "competitive" or levers.gms_merged_into_contract),
    )
    model.contracts.add(contract)
