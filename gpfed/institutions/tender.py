"""Tender rules: who may bid, how bids are scored, what contract an award makes.

The lots a GP contract regime allows (:mod:`gpfed.institutions.lots`):

* ``gms``: none;
* ``optional``: on the offer calendar a federation large enough may opt its members into a
  capitated contract (alone or allied with its main trust), with the right of return (members
  who leave the federation go back to GMS; at expiry the contract lapses unless retained);
* ``mandatory``: each locality's uncovered practices (a population lot of about
  ``locality_population`` patients), and a diabetes pathway lot for practices no population
  contract covers, may be procured (the commissioner decides which and when);
* ``competitive``: as mandatory, with no national GP contract: GMS money is in the contracts.

Eligible bidders are federations of at least ``bidder_min_population`` with no contract and with
members in the lot, federation-trust alliances (ICOs) where allowed, the lot's main trust where
trusts may bid, and an outside entrant where allowed. Score = w_q quality + (1 - w_q) p_min / p,
plus the own-federation bias of a merged commissioner-provider for bids by federations alone.
Whether and how much to bid is each bidder's decision (:mod:`gpfed.agents`); what to procure and
which bid wins is the commissioner's (:class:`gpfed.agents.Commissioner`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpfed.institutions.contract_terms import Contract
from gpfed.institutions.lots import Lot
from gpfed.parameters import Levers
from gpfed.world.units import QUARTERS_PER_YEAR


@dataclass(frozen=True)
class Bid:
    """A bid for a lot: who, at what price per quarter, promising what quality.

    Attributes:
        holder: ``"federation"``, ``"trust"``, ``"alliance"`` or ``"entrant"``.
        federation: unique id of the bidding federation (alone or allied), if any.
        trust: the bidding trust (alone or allied), if any.
        price_gbp_per_quarter: the price asked.
        quality: quality promised (0-1).
        capacity: the bidder's coordination capacity.
        account: the ledger account that pays the bid cost and would hold the contract.
    """

    holder: str
    federation: int | None
    trust: int | None
    price_gbp_per_quarter: float
    quality: float
    capacity: float
    account: int


def eligible_federation(
    pooled_list: float, holds_contract: bool, has_members_in_lot: bool, levers: Levers
) -> bool:
    """A federation may bid for a lot if large enough, holding no contract, and local to it."""
    return has_members_in_lot and not holds_contract and pooled_list >= levers.bidder_min_population


def bid_cost_gbp(reserve_gbp_per_quarter: float, levers: Levers) -> float:
    """What preparing a bid costs the bidder: a share of the lot's annual value, £."""
    return levers.bid_cost_share_of_annual_value * QUARTERS_PER_YEAR * reserve_gbp_per_quarter


def scores(bids: list[Bid], quality: list[float], levers: Levers) -> list[float]:
    """Score of each bid: w_q quality + (1 - w_q) p_min / p, plus the own-federation bias.

    ``quality`` is each bid's quality as the commissioner judges it.
    """
    # Python floats round each operation as numpy's float64 arrays do, in the same order, and
    # are quicker on the few bids of a lot.
    lowest = min(b.price_gbp_per_quarter for b in bids)
    w, bias = levers.quality_weight, levers.commissioner_own_federation_bias
    return [
        w * float(q)
        + (1.0 - w) * lowest / b.price_gbp_per_quarter
        + bias * (b.holder == "federation")
        for b, q in zip(bids, quality, strict=True)
    ]


def award_contract(
    contract_id: int,
    lot: Lot,
    winner: Bid,
    price_gbp_per_quarter: float,
    list_size: np.ndarray,
    levers: Levers,
    now: int,
) -> Contract:
    """The contract an award makes: priced per patient, for ``contract_length_quarters``.

    GMS money runs through a population contract under the competitive regime or where the
    lever merges it; a federation's opt-in contract carries its members' right of return.
    """
    population = float(list_size[lot.practices].sum())
    return Contract(
        id=contract_id,
        kind=lot.kind,
        area=lot.area,
        practices=lot.practices.copy(),
        holder=winner.holder,
        account=winner.account,
        federation=winner.federation,
        trust=winner.trust,
        price_gbp_per_head_per_quarter=price_gbp_per_quarter / population,
        baseline_gbp_per_head_per_quarter=lot.baseline_gbp_per_quarter / population,
        expected_emergency_per_head_per_quarter=lot.expected_emergency / population,
        quality=winner.quality,
        capacity=winner.capacity,
        start=now,
        end=now + levers.contract_length_quarters,
        right_of_return=lot.federation is not None,
        merged_gms=lot.kind == "population"
        and (levers.gp_contract_regime == "competitive" or levers.gms_merged_into_contract),
    )
