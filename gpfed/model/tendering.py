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

from gpfed.agents.federation import NO_FEDERATION
from gpfed.model.contracts import (
    NO_CONTRACT,
    Contract,
    diabetes_attributable_share,
    federation_capacity,
    integration_saving,
)
from gpfed.model.demand import QUARTERS_PER_YEAR, expected_activity, induced_demand
from gpfed.model.ledger import ECONOMY
from gpfed.model.sharing import compact_keys

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
    if not lots:
        return
    rng = model.streams["tenders"]
    by_area: dict[int, list[Federation]] = {}
    for federation in sorted(model.federations.values(), key=lambda f: f.unique_id):
        by_area.setdefault(federation.area, []).append(federation)
    facts = _Bidders(model)
    bid_costs: list[tuple[int, float]] = []
    for lot, main_trust in zip(lots, _main_trusts(model, lots).tolist(), strict=True):
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


def _main_trusts(model: GPFedModel, lots: list[Lot]) -> np.ndarray:
    """The trust most of each lot's patients are referred to (patients weighted by share).

    One bincount over (lot, trust) cells adds each cell's terms in the same order as a bincount
    per lot would, so the sums (and ties) are the same.
    """
    state = model.practice_state
    n_trusts = len(model.trust_state.capacity)
    practices = np.concatenate([lot.practices for lot in lots])
    lot_of = np.repeat(np.arange(len(lots)), [len(lot.practices) for lot in lots])
    cells = lot_of[:, None] * n_trusts + state.referral_trust[practices]
    referred = np.bincount(
        cells.ravel(),
        weights=(state.list_size[practices, None] * state.referral_share[practices]).ravel(),
        minlength=len(lots) * n_trusts,
    )
    return np.argmax(referred.reshape(len(lots), n_trusts), axis=1)


def _lots(
    model: GPFedModel,
    kind: str,
    groups: list[np.ndarray],
    expected: tuple[np.ndarray, np.ndarray, np.ndarray],
    federations: list[Federation] | None = None,
) -> list[Lot]:
    """A lot of ``kind`` for each group of practices (offered by ``federations``, if given).

    Per-practice terms are gathered once for all the lots; each lot sums its own slice, which
    numpy sums exactly as it would a copy of it.
    """
    if not groups:
        return []
    state, levers = model.practice_state, model.levers
    emergency, elective, capitated = expected
    practices = np.concatenate(groups)
    lists = state.list_size[practices].astype(float)
    if kind == "population":
        covered_emergency = emergency[practices]
        target = capitated[practices]
        hospital_elective = elective[practices] * levers.elective_tariff_gbp
        other_rate = levers.community_services_gbp_per_head_per_year / QUARTERS_PER_YEAR
        other_base = lists
    else:
        covered_emergency = emergency[practices] * diabetes_attributable_share(
            state, levers, practices
        )
        target = covered_emergency
        hospital_elective = None
        other_rate = levers.diabetes_care_gbp_per_diabetic_per_year / QUARTERS_PER_YEAR
        other_base = lists * state.diabetes_prevalence[practices]
    areas = state.area[practices].tolist()
    lots, start = [], 0
    for k, group in enumerate(groups):
        end = start + len(group)
        hospital_e = float(covered_emergency[start:end].sum() * levers.emergency_tariff_gbp)
        hospital_el = (
            0.0 if hospital_elective is None else float(hospital_elective[start:end].sum())
        )
        total = hospital_e + hospital_el + float(other_rate * other_base[start:end].sum())
        lots.append(
            Lot(
                kind,
                areas[start],
                practices[start:end],
                total,
                hospital_e / total,
                float(target[start:end].sum()),
                federations[k] if federations is not None else None,
            )
        )
        start = end
    return lots


def _optional_lots(model: GPFedModel) -> list[Lot]:
    """Federations large enough, holding no contract, offer their members."""
    minimum = model.levers.bidder_min_population
    offering = [
        f
        for f in sorted(model.federations.values(), key=lambda f: f.unique_id)
        if f.contract is None and f.list_size >= minimum
    ]
    groups = [np.array(f.members) for f in offering]
    return _lots(model, "population", groups, _expected(model), offering)


def _tendered_lots(model: GPFedModel) -> list[Lot]:
    """Each locality's uncovered open practices, then a diabetes lot per area."""
    state, book = model.practice_state, model.contracts
    expected = _expected(model)
    free = np.flatnonzero(state.is_open & (book.coverage == NO_CONTRACT))
    lots = _lots(model, "population", _grouped(free, model.locality[free]), expected)
    if model.levers.pathway_lots:
        lots += _lots(model, "diabetes", _grouped(free, state.area[free]), expected)
    return lots


def _grouped(items: np.ndarray, keys: np.ndarray) -> list[np.ndarray]:
    """``items`` split by ``keys``, groups in key order, items in their order within each."""
    order = np.argsort(compact_keys(keys), kind="stable")
    bounds = np.flatnonzero(np.diff(keys[order])) + 1
    return np.split(items[order], bounds) if len(items) else []


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
