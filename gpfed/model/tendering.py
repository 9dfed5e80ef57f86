"""Tendering: lots, bids, scoring and award of integrated-care contracts.

On the tender calendar each commissioner offers the lots its GP contract regime allows:

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

from gpfed.model.contracts import (
    NO_CONTRACT,
    Contract,
    diabetes_attributable_share,
    federation_capacity,
    integration_saving,
)
from gpfed.model.demand import QUARTERS_PER_YEAR, expected_activity, induced_demand
from gpfed.model.ledger import ECONOMY

if TYPE_CHECKING:
    from gpfed.agents.federation import Federation
    from gpfed.model.model import GPFedModel

TRUST_QUALITY = 0.5
"""Quality a trust brings to a bid before coordination capacity [P]."""

K_MEANS_ROUNDS = 12


@dataclass(frozen=True)
class Lot:
    """A lot on offer.

    Attributes:
        kind: ``"population"`` or ``"diabetes"``.
        area: the commissioner letting it.
        practices: practices covered.
        baseline_gbp_per_quarter: what the commissioner spends on the covered care now.
        emergency_share: share of that baseline spent on emergency admissions.
        expected_emergency: covered emergency admissions expected a quarter without integration
            (the outcome target's baseline).
        federation: the opting-in federation (optional regime), else None.
    """

    kind: str
    area: int
    practices: np.ndarray
    baseline_gbp_per_quarter: float
    emergency_share: float
    expected_emergency: float
    federation: Federation | None = None

    def reserve_gbp_per_quarter(self, levers: SimpleNamespace) -> float:
        """The budget and reserve price: baseline less the savings target."""
        return self.baseline_gbp_per_quarter * (1.0 - levers.savings_target)


@dataclass(frozen=True)
class Bid:
    """A bid for a lot: who, at what price per quarter, promising what quality."""

    holder: str
    federation: Federation | None
    trust: int | None
    price_gbp_per_quarter: float
    quality: float
    capacity: float


def assign_localities(
    xy_km: np.ndarray, area: np.ndarray, lists: np.ndarray, target_population: int
) -> np.ndarray:
    """Split each area into localities of about ``target_population`` by k-means on position.

    Deterministic: centres start at practices spread along the area's first coordinate.
    """
    locality = np.zeros(len(area), dtype=np.int64)
    next_id = 0
    for a in np.unique(area):
        members = np.flatnonzero(area == a)
        k = int(max(1, min(len(members), round(lists[members].sum() / target_population))))
        points = xy_km[members]
        order = np.argsort(points[:, 0], kind="stable")
        centres = points[order[(np.arange(k) * len(members)) // k]].astype(float)
        labels = np.zeros(len(members), dtype=np.int64)
        for _ in range(K_MEANS_ROUNDS):
            labels = np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
            for c in range(k):
                if np.any(labels == c):
                    centres[c] = points[labels == c].mean(axis=0)
        _, dense = np.unique(labels, return_inverse=True)
        locality[members] = next_id + dense
        next_id += int(dense.max()) + 1
    return locality


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


def lot_baseline_per_head(model: GPFedModel) -> tuple[float, float]:
    """Spend per patient a quarter on what a population lot covers, and its emergency share."""
    state, levers = model.practice_state, model.levers
    emergency, elective, _ = _expected(model)
    hospital_e = float((emergency * levers.emergency_tariff_gbp).sum())
    hospital_el = float((elective * levers.elective_tariff_gbp).sum())
    population = float((state.list_size * state.is_open).sum())
    community = levers.community_services_gbp_per_head_per_year / QUARTERS_PER_YEAR * population
    total = hospital_e + hospital_el + community
    return total / population, hospital_e / total


def _expected(model: GPFedModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected admissions a quarter per practice: emergency and elective as paid for now.

    The third array is emergency admissions once capitated (no supply-induced demand): the
    outcome baseline of a population lot, so that dropping induced demand alone does not earn
    the outcome payment.
    """
    state, levers = model.practice_state, model.levers
    induced = induced_demand(state, model.trust_state.spare_capacity, levers)
    emergency, elective, _ = expected_activity(state, model.demand_rates, levers, induced)
    none = np.zeros(len(induced))
    capitated, _, _ = expected_activity(state, model.demand_rates, levers, none)
    return emergency, elective, capitated


def tender_round(model: GPFedModel) -> None:
    """Offer this quarter's lots, collect bids and award (module docstring)."""
    regime = model.levers.gp_contract_regime
    if regime == "gms":
        return
    lots = _optional_lots(model) if regime == "optional" else _tendered_lots(model)
    rng = model.streams["tenders"]
    by_area: dict[int, list[Federation]] = {}
    for federation in sorted(model.federations.values(), key=lambda f: f.unique_id):
        by_area.setdefault(federation.area, []).append(federation)
    bid_costs: list[tuple[int, float]] = []
    for lot in lots:
        free = lot.practices[model.contracts.coverage[lot.practices] == NO_CONTRACT]
        if len(free) != len(lot.practices) or len(free) == 0:
            continue
        bids = _bids(model, lot, by_area.get(lot.area, []), rng, bid_costs)
        if bids:
            _award(model, lot, bids, rng)
    if bid_costs:
        payer, amount = zip(*bid_costs, strict=True)
        model.ledger.pay(np.array(payer), ECONOMY, np.array(amount), "bid_costs")


def _lot(model, kind, area, practices, expected, federation=None) -> Lot:
    state, levers = model.practice_state, model.levers
    emergency, elective, capitated = expected
    lists = state.list_size[practices].astype(float)
    if kind == "population":
        e = emergency[practices]
        target_base = float(capitated[practices].sum())
        hospital_el = float((elective[practices] * levers.elective_tariff_gbp).sum())
        other = levers.community_services_gbp_per_head_per_year / QUARTERS_PER_YEAR * lists.sum()
    else:
        e = emergency[practices] * diabetes_attributable_share(state, levers, practices)
        target_base = float(e.sum())
        hospital_el = 0.0
        diabetics = (lists * state.diabetes_prevalence[practices]).sum()
        other = levers.diabetes_care_gbp_per_diabetic_per_year / QUARTERS_PER_YEAR * diabetics
    hospital_e = float(e.sum() * levers.emergency_tariff_gbp)
    total = hospital_e + hospital_el + float(other)
    return Lot(kind, int(area), practices, total, hospital_e / total, target_base, federation)


def _optional_lots(model: GPFedModel) -> list[Lot]:
    """Federations large enough, holding no contract, offer their members."""
    expected = _expected(model)
    minimum = model.levers.bidder_min_population
    return [
        _lot(model, "population", f.area, np.array(f.members), expected, f)
        for f in sorted(model.federations.values(), key=lambda f: f.unique_id)
        if f.contract is None and f.list_size >= minimum
    ]


def _tendered_lots(model: GPFedModel) -> list[Lot]:
    """Each locality's uncovered open practices, then a diabetes lot per area."""
    state, book = model.practice_state, model.contracts
    expected = _expected(model)
    lots = []
    free = np.flatnonzero(state.is_open & (book.coverage == NO_CONTRACT))
    for practices in _grouped(free, model.locality[free]):
        lots.append(_lot(model, "population", state.area[practices[0]], practices, expected))
    if model.levers.pathway_lots:
        for practices in _grouped(free, state.area[free]):
            lots.append(_lot(model, "diabetes", state.area[practices[0]], practices, expected))
    return lots


def _grouped(items: np.ndarray, keys: np.ndarray) -> list[np.ndarray]:
    """``items`` split by ``keys``, groups in key order, items in their order within each."""
    order = np.argsort(keys, kind="stable")
    bounds = np.flatnonzero(np.diff(keys[order])) + 1
    return np.split(items[order], bounds) if len(items) else []


def _bids(
    model: GPFedModel,
    lot: Lot,
    area_federations: list[Federation],
    rng: np.random.Generator,
    bid_costs: list[tuple[int, float]],
) -> list[Bid]:
    """Every eligible bidder's bid, if it expects to cover its cost within the reserve.

    Each bidder's bid cost (account, £) is appended to ``bid_costs``.
    """
    levers, state = model.levers, model.practice_state
    if lot.federation is not None:
        federations = [lot.federation]
    else:
        # A federation bids where it has members: for its locality, or its area's pathway.
        local = set(state.federation[lot.practices].tolist())
        federations = [
            f
            for f in area_federations
            if (lot.kind != "population" or f.unique_id in local)
            and f.contract is None
            and f.list_size >= levers.bidder_min_population
        ]
    referred = np.bincount(
        state.referral_trust[lot.practices].ravel(),
        weights=(
            state.list_size[lot.practices, None] * state.referral_share[lot.practices]
        ).ravel(),
        minlength=len(model.trust_state.capacity),
    )
    main_trust = int(np.argmax(referred))
    bidders: list[tuple[str, Federation | None, int | None, float, float, float]] = []
    trust_capacity = levers.trust_coordination_capacity
    for federation in federations:
        capacity = federation.coordination_capacity
        bidders.append(("federation", federation, None, capacity, federation.quality, 1.0))
        if levers.alliances_may_bid:
            bidders.append(
                (
                    "alliance",
                    federation,
                    main_trust,
                    capacity + trust_capacity,
                    (federation.quality + TRUST_QUALITY) / 2,
                    1.0,
                )
            )
    if levers.trusts_may_bid and lot.federation is None:
        bidders.append(("trust", None, main_trust, trust_capacity, TRUST_QUALITY, 1.0))
    if levers.outside_entrants and lot.federation is None:
        bidders.append(
            (
                "entrant",
                None,
                None,
                trust_capacity,
                levers.entrant_quality,
                levers.entrant_cost_efficiency,
            )
        )
    reserve = lot.reserve_gbp_per_quarter(levers)
    markup = levers.bid_markup / max(len(bidders), 1)
    bids = []
    for holder, federation, trust, capacity, quality, efficiency in bidders:
        noise = rng.lognormal(-(levers.holder_cost_sd**2) / 2, levers.holder_cost_sd)
        saving = float(integration_saving(capacity, levers)) * lot.emergency_share
        cost = lot.baseline_gbp_per_quarter * efficiency * noise * (1.0 - saving)
        if cost >= reserve:
            continue
        bid_costs.append(
            (
                _account(model, holder, federation, trust),
                levers.bid_cost_share_of_annual_value * QUARTERS_PER_YEAR * reserve,
            )
        )
        bids.append(
            Bid(
                holder,
                federation,
                trust,
                min(cost * (1.0 + markup), reserve),
                0.5 * quality + 0.5 * (1.0 - np.exp(-capacity)),
                capacity,
            )
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
    prices = np.array([b.price_gbp_per_quarter for b in bids])
    quality = np.array([b.quality for b in bids])
    gp_led = np.array([b.holder == "federation" for b in bids])
    w = levers.quality_weight
    return (
        w * quality
        + (1.0 - w) * prices.min() / prices
        + levers.commissioner_own_federation_bias * gp_led
    )


def _award(model: GPFedModel, lot: Lot, bids: list[Bid], rng: np.random.Generator) -> None:
    levers, state = model.levers, model.practice_state
    reserve = lot.reserve_gbp_per_quarter(levers)
    if rng.random() < levers.direct_award_probability:
        winner = max(bids, key=lambda b: b.capacity)
        price = reserve
    else:
        winner = bids[int(np.argmax(score(bids, levers)))]
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
