"""Tender rules: eligibility, scores, bid costs and the contract an award makes."""

import numpy as np
import pytest

from gpfed.institutions.lots import Lot
from gpfed.institutions.tender import (
    Bid,
    award_contract,
    bid_cost_gbp,
    eligible_federation,
    scores,
)
from tests.handmade import levers_with

levers = levers_with({"quality_weight": 0.6, "commissioner_own_federation_bias": 0.0})


def bid(holder, price, quality, federation=None, trust=None):
    return Bid(holder, federation, trust, price, quality, capacity=0.5, account=99)


def quality_of(bids):
    """Each bid's promised quality, taken as the commissioner's judgement of it."""
    return [b.quality for b in bids]


# --- scores -----------------------------------------------------------------------------------
# Weight 0.6 on quality, 0.4 on price (lowest price / price):
#   federation 100, quality 0.5: 0.30 + 0.4 x 1.0 = 0.70
#   trust      125, quality 1.0: 0.60 + 0.4 x 0.8 = 0.92
#   entrant    200, quality 0.0: 0.00 + 0.4 x 0.5 = 0.20
BIDS = [
    bid("federation", 100.0, 0.5, federation=3),
    bid("trust", 125.0, 1.0, trust=0),
    bid("entrant", 200.0, 0.0),
]


def test_the_judged_quality_not_the_promise_is_scored():
    judged = [0.0, 1.0, 0.0]
    assert scores(BIDS, judged, levers()) == pytest.approx([0.40, 0.92, 0.20])


def test_scores_by_hand():
    assert scores(BIDS, quality_of(BIDS), levers()) == pytest.approx([0.70, 0.92, 0.20])


def test_lowest_price_gets_full_price_marks():
    # All weight on price: the lowest bid scores 1 whatever its quality.
    assert scores(BIDS, quality_of(BIDS), levers(quality_weight=0.0)) == pytest.approx(
        [1.0, 0.8, 0.5]
    )


def test_quality_weight_of_one_scores_quality_alone():
    assert scores(BIDS, quality_of(BIDS), levers(quality_weight=1.0)) == pytest.approx(
        [0.5, 1.0, 0.0]
    )


def test_own_federation_bias_applies_to_federations_alone():
    bids = [*BIDS, bid("alliance", 100.0, 0.5, federation=3, trust=0)]
    plain = scores(bids, quality_of(bids), levers())
    biased = scores(bids, quality_of(bids), levers(commissioner_own_federation_bias=0.1))
    assert plain == pytest.approx([0.70, 0.92, 0.20, 0.70])
    # Only the federation bidding alone gains the 0.1; the alliance with the same federation,
    # price and quality does not.
    assert biased == pytest.approx([0.80, 0.92, 0.20, 0.70])


def test_one_bid_scores_full_price_marks():
    alone = [bid("trust", 500.0, 0.4, trust=1)]
    assert scores(alone, quality_of(alone), levers()) == pytest.approx([0.64])


# --- eligibility, bid cost -----------------------------------------------------------


@pytest.mark.parametrize(
    ("pooled", "holds", "local", "eligible"),
    [
        (20_000.0, False, True, True),  # exactly the minimum list
        (19_999.0, False, True, False),  # too small
        (50_000.0, True, True, False),  # holds a contract already
        (50_000.0, False, False, False),  # no members in the lot
    ],
)
def test_eligible_federation(pooled, holds, local, eligible):
    lv = levers(bidder_min_population=20_000)
    assert eligible_federation(pooled, holds, local, lv) is eligible


def test_bid_cost_is_a_share_of_the_annual_value():
    # 1% of 4 x £250,000 a quarter
    assert bid_cost_gbp(250_000.0, levers(bid_cost_share_of_annual_value=0.01)) == pytest.approx(
        10_000.0
    )


# --- award_contract ---------------------------------------------------------------------------

LIST_SIZE = np.array([100, 1000, 100, 2000])


def lot(kind="population", federation=7):
    # Practices 1 and 3: 3,000 patients; baseline £300,000 a quarter; 60 emergencies expected.
    return Lot(kind, 1, np.array([1, 3]), 300_000.0, 0.2, 60.0, federation)


WINNER = Bid("federation", 7, None, 270_000.0, 0.8, 0.5, 42)


def award(lot_, **changes):
    lv = levers(contract_length_quarters=12, **changes)
    return award_contract(5, lot_, WINNER, 240_000.0, LIST_SIZE, lv, now=8)


def test_award_prices_the_contract_per_patient():
    c = award(lot(), gp_contract_regime="optional")
    assert (c.id, c.kind, c.area, c.practices.tolist()) == (5, "population", 1, [1, 3])
    assert (c.holder, c.account, c.federation, c.trust) == ("federation", 42, 7, None)
    # The price awarded (not the bid's), per patient: 240,000 / 3,000.
    assert c.price_gbp_per_head_per_quarter == pytest.approx(80.0)
    assert c.baseline_gbp_per_head_per_quarter == pytest.approx(100.0)
    assert c.expected_emergency_per_head_per_quarter == pytest.approx(0.02)
    assert (c.quality, c.capacity) == (0.8, 0.5)
    assert (c.start, c.end) == (8, 20)
    assert (c.status, c.notices, c.achievements, c.result_gbp) == ("active", 0, [], 0.0)


def test_award_copies_the_practices():
    offered = lot()
    c = award(offered)
    offered.practices[0] = 0
    assert c.practices.tolist() == [1, 3]


def test_right_of_return_only_for_opt_in_lots():
    assert award(lot(federation=7), gp_contract_regime="optional").right_of_return
    assert not award(lot(federation=None), gp_contract_regime="mandatory").right_of_return


@pytest.mark.parametrize(
    ("regime", "merged_lever", "kind", "merged"),
    [
        ("optional", False, "population", False),
        ("mandatory", False, "population", False),
        ("mandatory", True, "population", True),  # the lever merges GMS
        ("optional", True, "population", True),
        ("competitive", False, "population", True),  # no national contract: always merged
        ("competitive", True, "diabetes", False),  # never in a pathway lot
        ("mandatory", True, "diabetes", False),
    ],
)
def test_merged_gms_per_regime(regime, merged_lever, kind, merged):
    c = award(
        lot(kind=kind, federation=None),
        gp_contract_regime=regime,
        gms_merged_into_contract=merged_lever,
    )
    assert c.merged_gms is merged
