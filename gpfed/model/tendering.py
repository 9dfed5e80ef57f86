"""A tender round, as the model applies it: lots offered, bidders decide, commissioners award.

The rules are institutions (:mod:`gpfed.institutions.lots`, :mod:`gpfed.institutions.tender`);
every choice is an agent's decision: which federations opt in (``Federation.opt_in``), who bids
and at what price (``Federation.decide_bids`` / ``price_bid``, ``Trust.decide_bid`` /
``price_bid``; an outside entrant prices by the shared rule), and who wins
(``Commissioner.award``). This module only puts them in order and records the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from gpfed.agents import Commissioner, Federation, Trust
from gpfed.agents.holders import Bidder, BidderFacts, cost_based_bid
from gpfed.institutions import lots as lots_
from gpfed.institutions.contract_terms import ContractBook
from gpfed.institutions.tender import Bid, award_contract, bid_cost_gbp, eligible_federation, markup
from gpfed.parameters import Levers
from gpfed.world.ledger import ECONOMY, Ledger, Purpose
from gpfed.world.state import PracticeState, TrustState
from gpfed.world.units import NO_CONTRACT, NO_FEDERATION

BidderAccount = Callable[[str, "int | None", "int | None"], int]
"""The account a bidder (holder kind, federation id, trust) pays from and would be paid into."""


@dataclass(frozen=True)
class OptInTerms:
    """What an optional contract offers a federation's members, as they reckon it.

    Attributes:
        margin: the contract margin a federation expects, £ per patient a year, by pooled list.
        risk: SD of the yearly result a holder would keep, £ per patient, by pooled list.
    """

    margin: Callable[[np.ndarray], np.ndarray]
    risk: Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Deciders:
    """The agent classes whose decisions a tender round asks for."""

    federation: type[Federation]
    trust: type[Trust]
    commissioner: type[Commissioner]


def tender_round(
    state: PracticeState,
    trusts: TrustState,
    book: ContractBook,
    ledger: Ledger,
    federations: Mapping[int, Federation],
    locality: np.ndarray,
    expected: lots_.ExpectedActivity,
    levers: Levers,
    deciders: Deciders,
    bidder_account: BidderAccount,
    rng: np.random.Generator,
    now: int,
    opt_in_terms: OptInTerms | None = None,
) -> None:
    """Offer this quarter's lots, collect bids and award contracts into ``book``.

    Args:
        state: practice columns.
        trusts: trust columns.
        book: the contract book (awards are added).
        ledger: the ledger (bid costs are paid).
        federations: the federations by unique id.
        locality: each practice's locality.
        expected: expected activity per practice, as paid for now and once capitated.
        levers: levers in force.
        deciders: the agent classes that decide.
        bidder_account: the account of a bidder.
        rng: the tenders stream.
        now: steps simulated, this quarter included.
        opt_in_terms: what the optional contract offers members (the optional regime only).
    """
    by_id = sorted(federations.values(), key=lambda f: f.unique_id)
    if levers.gp_contract_regime == "optional":
        pooled = np.array([f.list_size for f in by_id], dtype=float)
        holds = np.array([book.held_by(f.unique_id) is not None for f in by_id], dtype=bool)
        terms = opt_in_terms or OptInTerms(np.zeros_like, np.zeros_like)
        offering = (
            deciders.federation.opt_in(
                pooled, holds, terms.margin(pooled), terms.risk(pooled), levers
            )
            if by_id
            else []
        )
        lots = lots_.optional_lots(
            state,
            levers,
            [(f.unique_id, np.array(f.members)) for f, o in zip(by_id, offering, strict=True) if o],
            expected,
        )
    else:
        lots = lots_.tendered_lots(state, levers, book.coverage, locality, expected)
    if not lots:
        return
    by_area: dict[int, list[Federation]] = {}
    for federation in by_id:
        by_area.setdefault(federation.area, []).append(federation)
    members = np.flatnonzero(state.federation != NO_FEDERATION)
    ids = np.fromiter(federations, dtype=np.int64, count=len(federations))
    pooled_lists = np.bincount(
        state.federation[members],
        weights=state.list_size[members],
        minlength=max(federations, default=-1) + 1,
    )[ids]
    facts = BidderFacts(ids, pooled_lists, lambda f: federations[f].quality, levers)
    bid_costs: list[tuple[int, float]] = []
    main = lots_.main_trusts(state, len(trusts.capacity), lots)
    for lot, main_trust in zip(lots, main.tolist(), strict=True):
        covered = book.coverage[lot.practices] != NO_CONTRACT
        if len(covered) == 0 or covered.any():
            continue
        bidders = _bidders(
            lot,
            state.federation,
            by_area.get(lot.area, []),
            main_trust,
            facts,
            book,
            levers,
            deciders,
        )
        bids = _bids(lot, bidders, levers, bidder_account, bid_costs, rng)
        if bids:
            reserve = lot.reserve_gbp_per_quarter(levers)
            winner, price = deciders.commissioner.award(bids, reserve, levers, rng)
            book.add(
                award_contract(
                    len(book.contracts), lot, winner, price, state.list_size, levers, now
                )
            )
    if bid_costs:
        payer, amount = zip(*bid_costs, strict=True)
        ledger.pay(np.array(payer), ECONOMY, np.array(amount), Purpose.BID_COSTS)


def _bidders(
    lot: lots_.Lot,
    federation_column: np.ndarray,
    area_federations: list[Federation],
    main_trust: int,
    facts: BidderFacts,
    book: ContractBook,
    levers: Levers,
    deciders: Deciders,
) -> list[tuple[type | None, Bidder]]:
    """Who may and will bid for ``lot``, each with the class whose pricing decision applies."""
    if lot.federation is not None:
        federations = [lot.federation]
    else:
        # A federation bids where it has members: for its locality, or its area's pathway.
        population = lot.kind == "population"
        local = set(federation_column[lot.practices].tolist()) if population else set()
        federations = [
            f.unique_id
            for f in area_federations
            if eligible_federation(
                facts.list_size[f.unique_id],
                book.held_by(f.unique_id) is not None,
                not population or f.unique_id in local,
                levers,
            )
        ]
    bidders: list[tuple[type | None, Bidder]] = []
    alone_bids, allied_bids = deciders.federation.decide_bids(levers)
    for federation in federations:
        alone, allied = facts.federation(federation, main_trust)
        if alone_bids:
            bidders.append((deciders.federation, alone))
        if allied_bids:
            bidders.append((deciders.federation, allied))
    if lot.federation is None and deciders.trust.decide_bid(levers):
        bidders.append((deciders.trust, facts.trust(main_trust)))
    if levers.outside_entrants and lot.federation is None:
        bidders.append((None, facts.entrant))
    return bidders


def _bids(
    lot: lots_.Lot,
    bidders: list[tuple[type | None, Bidder]],
    levers: Levers,
    bidder_account: BidderAccount,
    bid_costs: list[tuple[int, float]],
    rng: np.random.Generator,
) -> list[Bid]:
    """Each bidder prices its bid, or stays out; the cost of each bid made is recorded."""
    reserve = lot.reserve_gbp_per_quarter(levers)
    rival_markup = markup(len(bidders), levers)
    bids = []
    for decider, (holder, federation, trust, capacity, saving, quality, efficiency) in bidders:
        args = (lot.baseline_gbp_per_quarter, lot.emergency_share, reserve, saving)
        if decider is None:
            price = cost_based_bid(*args, efficiency, rival_markup, levers, rng)
        else:
            price = decider.price_bid(*args, rival_markup, levers, rng)
        if price is None:
            continue
        account = bidder_account(holder, federation, trust)
        bid_costs.append((account, bid_cost_gbp(reserve, levers)))
        bids.append(Bid(holder, federation, trust, price, quality, capacity, account))
    return bids
