"""What a contract holder can achieve, and how a bidder prices: shared by every kind of bidder.

A holder's care-coordination capacity C grows with the list it coordinates (concave); the share
of covered emergency admissions integrated care avoids rises with C towards a ceiling,
I = I_max (1 - exp(-kappa C)), ramping up over a contract's first quarters.

A bid (MODEL-SPEC §C3) prices the bidder's own expected cost of the lot, baseline x cost factor x
noise x (1 - expected saving), plus a premium for the risk it would bear under the contract's
risk-sharing terms (r SD^2 / 2W: the SD of the yearly result it would keep, W what it can lose in
a year), grossed up for the outcome pay it expects to miss, plus the markup it has learned; it is
made only if that is within the reserve and the expected profit at the chance of winning it has
learned beats the bid cost. A bidder whose worst-case yearly loss exceeds what it can lose does
not bid in that form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpfed.institutions.risk_sharing import yearly_retained_risk_gbp
from gpfed.parameters import Levers
from gpfed.world.units import QUARTERS_PER_YEAR

CAPACITY_REFERENCE_PATIENTS = 100_000
"""A federation of this list has coordination capacity 1."""
WORST_CASE_SDS = 2.33
"""A yearly loss this many SDs deep (the 99th percentile of a normal result) is the worst case a
bidder must be able to bear to bid on its own."""


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
    pooled_list: np.ndarray, budget_gbp_per_head_per_quarter: float | np.ndarray, levers: Levers
) -> np.ndarray:
    """SD of a holder's quarterly cost around budget, as a share of it, by the list it covers.

    The holder's own cost shock (``holder_cost_sd``) and the chance variation of its patients'
    admissions at tariff (Poisson at the published rates), which shrinks with the list: the
    actuarial reason small lists cannot carry capitated risk. A lot with no budget has no
    chance variation to share out.
    """
    lists = np.maximum(np.asarray(pooled_list, dtype=float), 1.0)
    admissions_variance_per_head = (
        levers.emergency_tariff_gbp**2 * levers.emergency_admissions_per_1000_per_year
        + levers.elective_tariff_gbp**2 * levers.elective_admissions_per_1000_per_year
    ) / (1000 * QUARTERS_PER_YEAR)
    spread = np.sqrt(admissions_variance_per_head / lists)
    chance = np.divide(
        spread,
        budget_gbp_per_head_per_quarter,
        out=np.zeros_like(spread),
        where=budget_gbp_per_head_per_quarter > 0,
    )
    return np.sqrt(levers.holder_cost_sd**2 + chance**2)


@dataclass(frozen=True)
class Bidder:
    """A potential bidder for a lot, as it stands at the tender.

    Attributes:
        holder: ``"federation"``, ``"trust"``, ``"alliance"`` or ``"entrant"``.
        federation: unique id of the federation (alone or allied), if any.
        trust: the trust (alone or allied), if any.
        capacity: its coordination capacity.
        saving: the integration saving it expects at that capacity (of emergency spend).
        quality: quality it promises (0-1).
        cost_factor: its expected cost relative to the lot's baseline, before integration.
        loss_capacity_gbp: what it can lose in a year (a federation: its reserves and its
            members' yearly profit; a trust: a year of its running cost; an entrant: a year
            of the lot's value); an alliance's federation part.
        trust_loss_capacity_gbp: an alliance's trust partner's.
        effort_saving: share of the lot's baseline it expects its members' care effort to save
            (a federation or alliance holding the contract: its members keep part of what they
            save, :func:`gpfed.model.incentives.anticipated_effort_saving`); 0 for others.
        achievement: the share of the outcome target it expects to meet (0-1).
    """

    holder: str
    federation: int | None
    trust: int | None
    capacity: float
    saving: float
    quality: float
    cost_factor: float
    loss_capacity_gbp: float
    trust_loss_capacity_gbp: float = 0.0
    effort_saving: float = 0.0
    achievement: float = 0.0


@dataclass(frozen=True)
class LotTerms:
    """What every bidder knows of a lot.

    Attributes:
        baseline_gbp_per_quarter: what the commissioner spends now on the lot's care.
        emergency_share: share of that baseline spent on emergency admissions.
        reserve_gbp_per_quarter: the reserve price (the lot's budget).
        result_sd_gbp_per_year: SD of the yearly result a holder keeps under the contract's
            risk-sharing terms (its cost shock and its patients' chance variation), £.
        bid_cost_gbp: what preparing a bid costs, £.
        contract_quarters: the contract's length.
        outcome_share: share of the price withheld and paid by achievement of the target.
    """

    baseline_gbp_per_quarter: float
    emergency_share: float
    reserve_gbp_per_quarter: float
    result_sd_gbp_per_year: float
    bid_cost_gbp: float
    contract_quarters: int
    outcome_share: float = 0.0


def result_sd_gbp_per_year(
    population: float | np.ndarray, reserve_gbp_per_quarter: float | np.ndarray, levers: Levers
) -> np.ndarray:
    """SD of the yearly result a holder of a lot keeps under the risk-sharing terms, £.

    Of one lot or of arrays of lots (each its patients and reserve price a quarter).
    """
    patients = np.maximum(np.asarray(population, dtype=float), 1.0)
    per_head = np.asarray(reserve_gbp_per_quarter, dtype=float) / patients
    share = holder_cost_sd_share(patients, per_head, levers)
    return yearly_retained_risk_gbp(share, per_head, levers) * patients


def risk_shares(bidder: Bidder, levers: Levers) -> tuple[float, float]:
    """Shares of the holder's result the bidder and (for an alliance) its trust partner bear."""
    if bidder.holder == "alliance":
        return 1.0 - levers.ico_trust_risk_share, levers.ico_trust_risk_share
    return 1.0, 0.0


def risk_premium_gbp_per_year(bidder: Bidder, sd_gbp_per_year: float, levers: Levers) -> float:
    """What bearing the contract's risk costs the bidder a year: r (share x SD)^2 / 2W per party.

    A mean-variance certainty equivalent with absolute risk aversion r / W: the same risk weighs
    more on a bidder that can lose less.
    """
    own, partner = risk_shares(bidder, levers)
    r = levers.bidder_risk_aversion
    premium = r * (own * sd_gbp_per_year) ** 2 / (2.0 * max(bidder.loss_capacity_gbp, 1.0))
    if partner > 0:
        premium += (
            r * (partner * sd_gbp_per_year) ** 2 / (2.0 * max(bidder.trust_loss_capacity_gbp, 1.0))
        )
    return premium


def can_carry(bidder: Bidder, sd_gbp_per_year: float, levers: Levers) -> bool:
    """Whether every party to the bid could bear its share of a worst-case yearly loss."""
    own, partner = risk_shares(bidder, levers)
    worst = WORST_CASE_SDS * sd_gbp_per_year
    return own * worst <= bidder.loss_capacity_gbp and partner * worst <= (
        bidder.trust_loss_capacity_gbp if partner > 0 else np.inf
    )


@dataclass
class BidderRecord:
    """What a bidder has learned from the tenders it entered.

    Attributes:
        markup: its markup over expected cost now.
        bids: tenders it has bid in.
        wins: tenders it has won.
    """

    markup: float
    bids: int = 0
    wins: int = 0

    @property
    def win_chance(self) -> float:
        """Its chance of winning as it reckons it: (wins + 1) / (bids + 2), a half at first."""
        return (self.wins + 1) / (self.bids + 2)


class CostBidder:
    """Bidders that price a lot at their own expected cost plus risk premium and markup (a mixin).

    Federations (alone or allied), trusts and outside entrants bid this way; override
    :meth:`price_bid` or :meth:`adapt_markup` in a subclass to try another rule.
    """

    @classmethod
    def price_bid(
        cls,
        bidder: Bidder,
        lot: LotTerms,
        record: BidderRecord,
        levers: Levers,
        rng: np.random.Generator,
    ) -> float | None:
        """Price per quarter of a bid, or None to stay out.

        Expected cost = baseline x cost factor x noise x (1 - saving x emergency share - the
        saving it expects of its members' effort); the
        floor adds the risk premium (:func:`risk_premium_gbp_per_year`, a quarter of it) and
        grosses up for the outcome pay it expects to miss (it is paid ``1 - s (1 - a)`` of its
        price, s the outcome share, a the achievement it expects); the price adds the learned
        markup on cost, likewise grossed up, capped at the reserve. It stays out when the
        floor is not below the reserve, or when its learned chance of winning times the profit
        over the contract (price less floor) does not beat the bid cost.

        Args:
            bidder: who bids.
            lot: what it knows of the lot.
            record: what it has learned from past tenders.
            levers: levers in force (``holder_cost_sd`` for its cost estimate's noise).
            rng: the tenders stream (one draw a bidder).
        """
        sd = levers.holder_cost_sd
        noise = rng.lognormal(-(sd**2) / 2, sd)
        cost = (
            lot.baseline_gbp_per_quarter
            * bidder.cost_factor
            * noise
            * (1.0 - bidder.saving * lot.emergency_share - bidder.effort_saving)
        )
        paid_share = 1.0 - lot.outcome_share * (1.0 - bidder.achievement)
        premium = risk_premium_gbp_per_year(bidder, lot.result_sd_gbp_per_year, levers)
        floor = (cost + premium / QUARTERS_PER_YEAR) / paid_share
        if floor >= lot.reserve_gbp_per_quarter:
            return None
        price = min(floor + record.markup * cost / paid_share, lot.reserve_gbp_per_quarter)
        expected_profit = record.win_chance * (price - floor) * paid_share * lot.contract_quarters
        if expected_profit <= lot.bid_cost_gbp:
            return None
        return price

    @classmethod
    def adapt_markup(cls, markup: float, won: bool, levers: Levers) -> float:
        """The markup for its next bid: raised by ``bid_markup_step`` after a win, else lowered."""
        step = levers.bid_markup_step
        return float(min(markup * (1.0 + step) if won else markup * (1.0 - step), 1.0))
