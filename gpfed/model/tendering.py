"""Tendering, as the model applies it: what commissioners procure, who bids, who wins.

The rules are institutions (:mod:`gpfed.institutions.lots`, :mod:`gpfed.institutions.tender`);
every choice is an agent's decision: which lots a commissioner procures and when
(``Commissioner.choose_procurements``), which federations opt in (``Federation.opt_in``), who
bids in what form (``Federation.choose_bid_form``, ``Trust.choose_bid_form``), at what price or
not at all (``price_bid`` of each bidder class; an outside entrant prices as a trust), how good
the commissioner judges each bidder (``Commissioner.judge_quality``), who wins
(``Commissioner.award``) and how bidders adapt their markups (``adapt_markup``). This module
only puts them in order and records the outcome.

Under the mandatory and competitive regimes a lot is procured: the commissioner may start it in
any quarter it has capacity, pays its cost, and the tender is decided ``procurement_quarters``
later, with at most ``procurements_at_once`` in progress per commissioner. Under the optional
regime an opting-in federation's lot is offered on standard terms, on the offer calendar, and
decided at once. Procurements in progress when the regime changes away from tendering are
cancelled.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field

import numpy as np

from gpfed.agents import Commissioner, Federation, Practice, Trust
from gpfed.agents.holders import (
    Bidder,
    BidderRecord,
    LotTerms,
    can_carry,
    federation_capacity,
    integration_saving,
    result_sd_gbp_per_year,
)
from gpfed.institutions import lots as lots_
from gpfed.institutions.contract_terms import ContractBook
from gpfed.institutions.risk_sharing import marginal_retained_share
from gpfed.institutions.tender import Bid, award_contract, bid_cost_gbp, eligible_federation
from gpfed.model.incentives import anticipated_effort_saving
from gpfed.parameters import Levers
from gpfed.world.ledger import ECONOMY, Ledger, Purpose
from gpfed.world.state import PracticeState, TrustState, federation_sums
from gpfed.world.units import NO_CONTRACT, NO_FEDERATION, QUARTERS_PER_YEAR

BidderAccount = Callable[[str, "int | None", "int | None"], int]
"""The account a bidder (holder kind, federation id, trust) pays from and would be paid into."""

FAILED_CONTRACT_QUARTERS = 4
"""[P] A contract handed back or terminated counts in its holder's record as a year of zero
outcome achievement."""

FAILURES = ("handed_back", "terminated")


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

    practice: type[Practice]
    federation: type[Federation]
    trust: type[Trust]
    commissioner: type[Commissioner]


@dataclass(frozen=True)
class Procurement:
    """A procurement in progress: the lot's kind, area and practices, and when it is decided."""

    kind: str
    area: int
    practices: np.ndarray
    decided_at: int


@dataclass
class Market:
    """What tendering remembers between quarters.

    Attributes:
        procurements: procurements in progress.
        completed: procurements decided so far, per commissioner area.
        records: each bidder's record, by its account.
        counts: this quarter's tenders started, decided, failed (no award) and bids made.
        bids_by_holder: bids made over the run by kind of bidder (federation, alliance, trust,
            entrant).
    """

    procurements: list[Procurement]
    completed: np.ndarray
    records: MutableMapping[int, BidderRecord] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    bids_by_holder: Counter[str] = field(default_factory=Counter)

    def reset_counts(self) -> None:
        """Start counting this quarter's tenders."""
        self.counts = dict.fromkeys(("started", "decided", "failed", "bids"), 0)

    def in_progress(self) -> np.ndarray:
        """Procurements in progress per commissioner area."""
        areas = np.array([p.area for p in self.procurements], dtype=np.int64)
        return np.bincount(areas, minlength=len(self.completed))

    def idle(self, now: int, capacity: int) -> bool:
        """Whether nothing is due now and every commissioner is at its procurement capacity."""
        if any(p.decided_at <= now for p in self.procurements):
            return False
        return bool((self.in_progress() >= capacity).all())


@dataclass(frozen=True)
class Parties:
    """Who may take part in a lot's tender, read once a quarter.

    Attributes:
        federations: the federations by unique id.
        by_area: federations by area, in id order.
        lists: each federation's pooled list, by unique id.
        federation_loss_capacity: what each federation can lose in a year (its reserves and its
            members' yearly profit), by unique id, £.
        trust_loss_capacity: what each trust can lose in a year (a year of its running cost), £.
        n_members: each federation's members, by unique id.
        qof_gbp_at_full: QOF a year per patient the quality of full care effort brings, £.
    """

    federations: Mapping[int, Federation]
    by_area: dict[int, list[Federation]]
    lists: dict[int, float]
    federation_loss_capacity: dict[int, float]
    trust_loss_capacity: np.ndarray
    n_members: dict[int, int]
    qof_gbp_at_full: float

    @classmethod
    def read(
        cls,
        state: PracticeState,
        trusts: TrustState,
        federations: Mapping[int, Federation],
        account_balances_gbp: Callable[[np.ndarray], np.ndarray],
        qof_gbp_at_full: float,
    ) -> Parties:
        """Read lists, members and loss capacities of every federation and trust.

        ``account_balances_gbp`` gives the ledger balances of accounts (an array of them), £.
        """
        by_id = sorted(federations.values(), key=lambda f: f.unique_id)
        members = np.flatnonzero(state.federation != NO_FEDERATION)
        size = max(federations, default=-1) + 1
        count, lists = federation_sums(state.federation, state.list_size, size)
        yearly_profit = QUARTERS_PER_YEAR * np.maximum(state.profit_gbp[members], 0.0)
        profit = np.bincount(state.federation[members], weights=yearly_profit, minlength=size)
        by_area: dict[int, list[Federation]] = {}
        for federation in by_id:
            by_area.setdefault(federation.area, []).append(federation)
        ids = np.array([f.unique_id for f in by_id], dtype=np.int64)
        balances = account_balances_gbp(np.array([f.account for f in by_id], dtype=np.int64))
        keys = ids.tolist()
        return cls(
            federations,
            by_area,
            dict(zip(keys, lists[ids].tolist(), strict=True)),
            dict(zip(keys, (profit[ids] + np.maximum(balances, 0.0)).tolist(), strict=True)),
            QUARTERS_PER_YEAR * trusts.fixed_cost_gbp,
            dict(zip(keys, count[ids].tolist(), strict=True)),
            qof_gbp_at_full,
        )


def tender_round(
    state: PracticeState,
    trusts: TrustState,
    book: ContractBook,
    ledger: Ledger,
    commissioner_accounts: np.ndarray,
    parties: Parties,
    locality: np.ndarray,
    expected: lots_.ExpectedActivity,
    market: Market,
    levers: Levers,
    deciders: Deciders,
    bidder_account: BidderAccount,
    rng: np.random.Generator,
    now: int,
    offer: bool,
    opt_in_terms: OptInTerms | None = None,
) -> np.ndarray:
    """Decide the procurements due and start new ones; or, on the calendar, opt-in offers.

    Args:
        state: practice columns.
        trusts: trust columns.
        book: the contract book (awards are added).
        ledger: the ledger (bid and procurement costs are paid).
        commissioner_accounts: each commissioner's account.
        parties: federations and trusts as they stand.
        locality: each practice's locality.
        expected: expected activity per practice, as paid for now and once capitated.
        market: procurements in progress and bidders' records (updated).
        levers: levers in force.
        deciders: the agent classes that decide.
        bidder_account: the account of a bidder.
        rng: the tenders stream.
        now: steps simulated, this quarter included.
        offer: whether the optional contract is offered this quarter.
        opt_in_terms: what the optional contract offers members (the optional regime only).

    Returns:
        Each commissioner's procurement costs this quarter, £.
    """
    procurement_gbp = np.zeros(len(commissioner_accounts))
    tender = _Tender(state, trusts, book, ledger, parties, market, levers, deciders, rng, now)
    if levers.gp_contract_regime == "optional":
        market.procurements = []
        if offer:
            lots = _opt_in_lots(state, book, parties, expected, levers, deciders, opt_in_terms)
            for tendered in tender.put_out(lots):
                tender.decide(tendered, bidder_account)
        return procurement_gbp
    due = [p for p in market.procurements if p.decided_at <= now]
    market.procurements = [p for p in market.procurements if p.decided_at > now]
    # A practice is in one procurement at most, so an award changes no other lot: every lot
    # due is made, and its terms reckoned, before any is decided.
    lots: list[lots_.Lot | None] = []
    for procurement in due:
        market.completed[procurement.area] += 1
        market.counts["decided"] += 1
        practices = procurement.practices[
            state.is_open[procurement.practices]
            & (book.coverage[procurement.practices] == NO_CONTRACT)
        ]
        lots.append(
            lots_.lots_of(state, levers, procurement.kind, [practices], expected)[0]
            if len(practices)
            else None
        )
    tendered = iter(tender.put_out([lot for lot in lots if lot is not None]))
    for lot in lots:
        if lot is None or not tender.decide(next(tendered), bidder_account):
            market.counts["failed"] += 1
    procurement_gbp = _start_procurements(
        state, book, locality, expected, market, levers, deciders.commissioner, now
    )
    ledger.pay(commissioner_accounts, ECONOMY, procurement_gbp, Purpose.PROCUREMENT_COSTS)
    return procurement_gbp


def _start_procurements(
    state: PracticeState,
    book: ContractBook,
    locality: np.ndarray,
    expected: lots_.ExpectedActivity,
    market: Market,
    levers: Levers,
    commissioner: type[Commissioner],
    now: int,
) -> np.ndarray:
    """Each commissioner starts the procurements it chooses; returns what they cost it, £."""
    cost = np.zeros(len(market.completed))
    in_progress = market.in_progress()
    if (in_progress >= levers.procurements_at_once).all():
        return cost
    # Lots are made only where a commissioner can start a procurement (most of a quarter's
    # commissioners have one in progress): each area's lots are the same either way.
    left_out = ~(in_progress < levers.procurements_at_once)[state.area]
    for procurement in market.procurements:
        left_out[procurement.practices] = True
    candidates = lots_.tendered_lots(state, levers, book.coverage, locality, expected, left_out)
    if not candidates:
        return cost
    success = _success_rates(book, market.completed)
    years = levers.contract_length_quarters / QUARTERS_PER_YEAR
    by_area: dict[int, list[lots_.Lot]] = {}
    for lot in candidates:
        by_area.setdefault(lot.area, []).append(lot)
    for area, lots in sorted(by_area.items()):
        saving = np.array(
            [
                success[area]
                * levers.savings_target
                * QUARTERS_PER_YEAR
                * lot.baseline_gbp_per_quarter
                * years
                for lot in lots
            ]
        )
        free = levers.procurements_at_once - int(in_progress[area])
        for k in commissioner.choose_procurements(saving, free, levers).tolist():
            lot = lots[k]
            market.procurements.append(
                Procurement(lot.kind, area, lot.practices, now + levers.procurement_quarters)
            )
            cost[area] += levers.procurement_cost_gbp
            market.counts["started"] += 1
    return cost


def _success_rates(book: ContractBook, completed: np.ndarray) -> np.ndarray:
    """Each commissioner's share of procurements that produced a contract that has not failed.

    (awards less failed contracts + 1) / (procurements decided + 2): a half before any.
    """
    succeeded = np.zeros(len(completed))
    for contract in book.contracts.values():
        if not contract.right_of_return:
            succeeded[contract.area] += contract.status not in FAILURES
    return (succeeded + 1.0) / (completed + 2.0)


def _opt_in_lots(
    state: PracticeState,
    book: ContractBook,
    parties: Parties,
    expected: lots_.ExpectedActivity,
    levers: Levers,
    deciders: Deciders,
    terms: OptInTerms | None,
) -> list[lots_.Lot]:
    """A lot for each federation whose members opt into the optional contract."""
    by_id = sorted(parties.federations.values(), key=lambda f: f.unique_id)
    if not by_id:
        return []
    pooled = np.array([parties.lists[f.unique_id] for f in by_id])
    holds = np.array([book.held_by(f.unique_id) is not None for f in by_id], dtype=bool)
    terms = terms or OptInTerms(np.zeros_like, np.zeros_like)
    offering = deciders.federation.opt_in(
        pooled, holds, terms.margin(pooled), terms.risk(pooled), levers
    )
    return lots_.optional_lots(
        state,
        levers,
        [(f.unique_id, np.array(f.members)) for f, o in zip(by_id, offering, strict=True) if o],
        expected,
    )


@dataclass(frozen=True)
class _Tendered:
    """A lot put out to tender, with what every bidder reckons of it.

    Attributes:
        lot: the lot.
        terms: what every bidder knows of it.
        population: its patients.
        holder_kept_share: what a holder keeps of one more pound saved, at budget.
        main_trust: the trust most of its patients are referred to.
    """

    lot: lots_.Lot
    terms: LotTerms
    population: float
    holder_kept_share: float
    main_trust: int


class _Tender:
    """One quarter's tenders: bidders decide, the commissioner awards, bidders learn."""

    def __init__(
        self,
        state: PracticeState,
        trusts: TrustState,
        book: ContractBook,
        ledger: Ledger,
        parties: Parties,
        market: Market,
        levers: Levers,
        deciders: Deciders,
        rng: np.random.Generator,
        now: int,
    ) -> None:
        self.state, self.trusts, self.book, self.ledger = state, trusts, book, ledger
        self.parties, self.market, self.levers, self.deciders = parties, market, levers, deciders
        self.rng, self.now = rng, now

    def put_out(self, lots: list[lots_.Lot]) -> list[_Tendered]:
        """The lots with their terms and what every bidder reckons of them, all at once.

        Each lot's figures are what reckoning it alone gives; none depends on another's award.
        """
        if not lots:
            return []
        levers, state = self.levers, self.state
        reserve = np.array([lot.reserve_gbp_per_quarter(levers) for lot in lots])
        population = np.array([float(state.list_size[lot.practices].sum()) for lot in lots])
        result_sd = result_sd_gbp_per_year(population, reserve, levers)
        # What a holder keeps of a saving at budget: the same for every bidder for a lot.
        kept = marginal_retained_share(0.0, reserve, levers.contract_length_quarters, levers)
        main_trust = lots_.main_trusts(state, len(self.trusts.capacity), lots)
        return [
            _Tendered(
                lot,
                LotTerms(
                    lot.baseline_gbp_per_quarter,
                    lot.emergency_share,
                    reserve_k,
                    result_sd_k,
                    bid_cost_gbp(reserve_k, levers),
                    levers.contract_length_quarters,
                    levers.outcome_payment_share,
                ),
                population_k,
                kept_k,
                trust,
            )
            for lot, reserve_k, result_sd_k, population_k, kept_k, trust in zip(
                lots,
                reserve.tolist(),
                result_sd.tolist(),
                population.tolist(),
                kept.tolist(),
                main_trust.tolist(),
                strict=True,
            )
        ]

    def decide(self, tendered: _Tendered, bidder_account: BidderAccount) -> bool:
        """Tender a lot put out (:meth:`put_out`): collect bids, award it if any.

        Returns:
            True if a contract was let.
        """
        levers, lot, terms = self.levers, tendered.lot, tendered.terms
        reserve = terms.reserve_gbp_per_quarter
        bids, deciders = [], []
        for decider, bidder in self._bidders(tendered):
            account = bidder_account(bidder.holder, bidder.federation, bidder.trust)
            record = self.market.records.setdefault(account, BidderRecord(levers.bid_markup))
            price = decider.price_bid(bidder, terms, record, levers, self.rng)
            if price is None:
                continue
            self.ledger.pay(account, ECONOMY, terms.bid_cost_gbp, Purpose.BID_COSTS)
            bids.append(
                Bid(
                    bidder.holder,
                    bidder.federation,
                    bidder.trust,
                    price,
                    bidder.quality,
                    bidder.capacity,
                    account,
                )
            )
            deciders.append(decider)
            self.market.bids_by_holder[bidder.holder] += 1
        self.market.counts["bids"] += len(bids)
        if not bids:
            return False
        judged = [self._judged_quality(b) for b in bids]
        commissioner = self.deciders.commissioner
        winner, price = commissioner.award(bids, judged, reserve, levers, self.rng)
        for bid, decider in zip(bids, deciders, strict=True):
            record = self.market.records[bid.account]
            won = bid is winner
            record.bids += 1
            record.wins += won
            record.markup = decider.adapt_markup(record.markup, won, levers)
        self.book.add(
            award_contract(
                len(self.book.contracts),
                lot,
                winner,
                price,
                self.state.list_size,
                levers,
                self.now,
            )
        )
        return True

    def _judged_quality(self, bid: Bid) -> float:
        """The bid's quality as the commissioner judges it from the bidder's record."""
        achieved, quarters = 0.0, 0
        for contract in self.book.contracts.values():
            if contract.account != bid.account:
                continue
            achieved += sum(contract.achievements)
            quarters += len(contract.achievements)
            if contract.status in FAILURES:
                quarters += FAILED_CONTRACT_QUARTERS
        observed = achieved / quarters if quarters else 0.0
        return self.deciders.commissioner.judge_quality(
            float(bid.quality), observed, quarters, self.levers
        )

    def _bidders(self, tendered: _Tendered) -> list[tuple[type, Bidder]]:
        """Who bids for the lot and in what form, each with the class whose pricing applies.

        A federation bids alone where it can carry the risk, else asks the lot's main trust for
        an alliance; the trust allies with one that asks, or bids alone, or stays out (never
        both); an outside entrant bids where allowed. No bidder is in two bids.
        """
        levers, parties, lot, terms = self.levers, self.parties, tendered.lot, tendered.terms
        main_trust = tendered.main_trust
        trust_w = float(parties.trust_loss_capacity[main_trust])
        sd = terms.result_sd_gbp_per_year
        bidders: list[tuple[type, Bidder]] = []
        asking: list[Bidder] = []
        kept = tendered.holder_kept_share
        population = max(tendered.population, 1.0)
        eligible = self._eligible_federations(lot)
        for alone, allied in zip(
            *self._federation_bidders(lot, eligible, main_trust, trust_w, kept, population),
            strict=True,
        ):
            form = self.deciders.federation.choose_bid_form(can_carry(alone, sd, levers), levers)
            if form == "alone":
                bidders.append((self.deciders.federation, alone))
            # It asks only for an alliance that could bear the worst case together.
            elif form == "allied" and can_carry(allied, sd, levers):
                asking.append(allied)
        trust_alone = self._trust_bidder(main_trust, trust_w)
        may_bid_alone = lot.federation is None
        form, partner = self.deciders.trust.choose_bid_form(
            np.array([parties.lists[b.federation] for b in asking]),
            may_bid_alone and can_carry(trust_alone, sd, levers),
            levers,
        )
        if form == "allied" and partner is not None:
            bidders.append((self.deciders.federation, asking[partner]))
        elif form == "alone" and may_bid_alone:
            bidders.append((self.deciders.trust, trust_alone))
        if levers.outside_entrants and lot.federation is None:
            entrant = self._entrant_bidder(terms)
            if can_carry(entrant, sd, levers):
                bidders.append((self.deciders.trust, entrant))
        return bidders

    def _eligible_federations(self, lot: lots_.Lot) -> list[int]:
        """Federations that may bid: the opting-in one, or those large enough and local."""
        if lot.federation is not None:
            return [lot.federation]
        population = lot.kind == "population"
        local = set(self.state.federation[lot.practices].tolist()) if population else set()
        return [
            f.unique_id
            for f in self.parties.by_area.get(lot.area, [])
            if eligible_federation(
                self.parties.lists[f.unique_id],
                self.book.held_by(f.unique_id) is not None,
                not population or f.unique_id in local,
                self.levers,
            )
        ]

    def _federation_bidders(
        self,
        lot: lots_.Lot,
        federations: list[int],
        main_trust: int,
        trust_w: float,
        kept: float,
        population: float,
    ) -> tuple[list[Bidder], list[Bidder]]:
        """Each federation bidding alone, and each allied with the lot's main trust, in order.

        Each expects its members' care effort to save what they would choose to save as members
        of the holder (:func:`~gpfed.model.incentives.anticipated_effort_saving`, reckoned for
        all of them, alone and allied, at once), keeping ``kept`` of a saving alone and less
        the trust's part allied; ``population`` is the lot's patients.
        """
        if not federations:
            return [], []
        levers, parties = self.levers, self.parties
        n = len(federations)
        capacity = federation_capacity(np.array([parties.lists[f] for f in federations]))
        quality = np.array([parties.federations[f].quality for f in federations])
        capacity = np.concatenate([capacity, capacity + levers.trust_coordination_capacity])
        quality = np.concatenate([quality, (quality + levers.trust_bid_quality) / 2])
        kept_as = np.repeat([kept, kept * (1.0 - levers.ico_trust_risk_share)], n)
        saving = integration_saving(capacity, levers)
        effort_saving, avoided = anticipated_effort_saving(
            lot.emergency_share,
            lot.elective_share,
            QUARTERS_PER_YEAR * lot.baseline_gbp_per_quarter / population,
            kept_as,
            np.tile([max(parties.n_members[f], 1) for f in federations], 2),
            parties.qof_gbp_at_full,
            self.deciders.practice,
            levers,
        )
        bidders = [
            Bidder(
                "alliance" if allied else "federation",
                federation,
                main_trust if allied else None,
                capacity_k,
                saving_k,
                _promised_quality(quality_k, capacity_k),
                1.0,
                parties.federation_loss_capacity[federation],
                trust_w if allied else 0.0,
                effort_k,
                _achievement(avoided_k + saving_k, levers),
            )
            for allied, federation, capacity_k, quality_k, saving_k, effort_k, avoided_k in zip(
                [False] * n + [True] * n,
                federations * 2,
                capacity.tolist(),
                quality.tolist(),
                saving.tolist(),
                effort_saving.tolist(),
                avoided.tolist(),
                strict=True,
            )
        ]
        return bidders[:n], bidders[n:]

    def _trust_bidder(self, trust: int, trust_w: float) -> Bidder:
        """The lot's main trust bidding alone."""
        capacity = self.levers.trust_coordination_capacity
        saving = float(integration_saving(capacity, self.levers))
        return Bidder(
            "trust",
            None,
            trust,
            capacity,
            saving,
            _promised_quality(self.levers.trust_bid_quality, capacity),
            1.0,
            trust_w,
            achievement=_achievement(saving, self.levers),
        )

    def _entrant_bidder(self, terms: LotTerms) -> Bidder:
        """An outside entrant: a trust's coordination capacity, its own cost and quality.

        It can lose a year of the lot's value (a national provider's balance sheet).
        """
        levers = self.levers
        capacity = levers.trust_coordination_capacity
        saving = float(integration_saving(capacity, levers))
        return Bidder(
            "entrant",
            None,
            None,
            capacity,
            saving,
            _promised_quality(levers.entrant_quality, capacity),
            levers.entrant_cost_efficiency,
            QUARTERS_PER_YEAR * terms.baseline_gbp_per_quarter,
            achievement=_achievement(saving, levers),
        )


def _achievement(emergency_cut: float, levers: Levers) -> float:
    """Share of the outcome target a holder expects to meet, cutting covered emergencies so."""
    if levers.admissions_target_reduction <= 0:
        return 1.0
    return min(emergency_cut / levers.admissions_target_reduction, 1.0)


def _promised_quality(quality: float, capacity: float) -> float:
    """Quality a bid promises: half the bidder's quality, half its reach, 1 - exp(-C)."""
    return 0.5 * quality + 0.5 * (1.0 - float(np.exp(-capacity)))
