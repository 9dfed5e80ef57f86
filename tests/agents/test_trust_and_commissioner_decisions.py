"""Trust and commissioner decisions on hand-made states and bids."""

import dataclasses

import numpy as np
import pytest

from gpfed.agents import Commissioner, Trust
from gpfed.institutions.tender import Bid
from gpfed.world.state import PracticeState
from tests.handmade import levers, practice_state


def referral_state() -> PracticeState:
    # Practice 0 refers 75% to trust 0 and 25% to trust 1; practice 1 half to 2, half to 1.
    return practice_state(
        [5000, 8000],
        referral_trust=np.array([[0, 1], [2, 1]]),
        referral_share=np.array([[0.75, 0.25], [0.5, 0.5]]),
    )


SPARE = np.array([0.1, 0.2, 0.0])
# Referral-weighted spare capacity: 0.75 x 0.1 + 0.25 x 0.2 = 0.125; 0.5 x 0 + 0.5 x 0.2 = 0.1.
WEIGHTED_SPARE = np.array([0.125, 0.1])


# --- induced demand -------------------------------------------------------------------------------


def test_induced_demand_is_elasticity_times_referral_weighted_spare_capacity_under_pbr():
    lv = levers(hospital_payment="pbr", induced_demand_elasticity=0.5)
    np.testing.assert_allclose(
        Trust.induce_demand(referral_state(), SPARE, lv), 0.5 * WEIGHTED_SPARE, rtol=1e-12
    )
    lv = levers(hospital_payment="pbr", induced_demand_elasticity=2.0)
    np.testing.assert_allclose(
        Trust.induce_demand(referral_state(), SPARE, lv), 2.0 * WEIGHTED_SPARE, rtol=1e-12
    )


@pytest.mark.parametrize("payment", ["block", "capitation"])
def test_no_induced_demand_without_payment_per_episode(payment):
    lv = levers(hospital_payment=payment, induced_demand_elasticity=0.5)
    np.testing.assert_array_equal(Trust.induce_demand(referral_state(), SPARE, lv), [0.0, 0.0])


def test_a_blend_induces_demand_in_proportion_to_its_pbr_share():
    lv = levers(hospital_payment="blend", blend_pbr_share=0.3, induced_demand_elasticity=0.5)
    np.testing.assert_allclose(
        Trust.induce_demand(referral_state(), SPARE, lv), 0.3 * 0.5 * WEIGHTED_SPARE, rtol=1e-12
    )


def test_full_trusts_induce_no_demand():
    lv = levers(hospital_payment="pbr", induced_demand_elasticity=0.5)
    np.testing.assert_array_equal(
        Trust.induce_demand(referral_state(), np.zeros(3), lv), [0.0, 0.0]
    )


# --- trusts' bids ---------------------------------------------------------------------------------


def test_a_trust_allies_with_the_largest_federation_that_asks():
    lv = levers(trusts_may_bid=True)
    assert Trust.choose_bid_form(np.array([30_000.0, 80_000.0, 50_000.0]), True, lv) == (
        "allied",
        1,
    )


def test_a_trust_nobody_asks_bids_alone_where_trusts_may_and_it_can_carry_the_risk():
    none = np.zeros(0)
    assert Trust.choose_bid_form(none, True, levers(trusts_may_bid=True)) == ("alone", None)
    assert Trust.choose_bid_form(none, False, levers(trusts_may_bid=True)) == (None, None)
    assert Trust.choose_bid_form(none, True, levers(trusts_may_bid=False)) == (None, None)


# --- the tender calendar --------------------------------------------------------------------------


def test_tenders_fall_every_tender_every_quarters_from_the_first():
    lv = levers(tender_every_quarters=4)
    assert [q for q in range(13) if Commissioner.tenders_now(q, lv)] == [0, 4, 8, 12]
    lv = levers(tender_every_quarters=3)
    assert [q for q in range(10) if Commissioner.tenders_now(q, lv)] == [0, 3, 6, 9]
    lv = levers(tender_every_quarters=1)
    assert all(Commissioner.tenders_now(q, lv) for q in range(5))


# --- awards ---------------------------------------------------------------------------------------


def bid(holder, price, quality, capacity, account):
    federation = 7 if holder in ("federation", "alliance") else None
    trust = 1 if holder in ("trust", "alliance") else None
    return Bid(holder, federation, trust, price, quality, capacity, account)


# With quality weight 0.65 and the lowest price 80:
#   A: 0.65 x 0.5 + 0.35 x 80/100 = 0.605    (the most capable)
#   B: 0.65 x 0.4 + 0.35 x 80/80  = 0.610    (the cheapest)
#   C: 0.65 x 0.6 + 0.35 x 80/90  = 0.7011   (the best score)
A = bid("federation", 100.0, 0.5, 2.0, account=11)
B = bid("trust", 80.0, 0.4, 0.4, account=12)
C = bid("alliance", 90.0, 0.6, 1.4, account=13)
RESERVE = 120.0


def award(bids, **changes):
    lv = levers(**{"quality_weight": 0.65, "direct_award_probability": 0.0, **changes})
    promised = [b.quality for b in bids]
    return Commissioner.award(bids, promised, RESERVE, lv, np.random.default_rng(0))


def test_the_best_score_wins_at_its_own_price():
    assert award([A, B, C]) == (C, 90.0)
    assert award([C, B, A]) == (C, 90.0)


def test_the_score_weighs_quality_against_price():
    assert award([A, B, C], quality_weight=0.0) == (B, 80.0)
    assert award([A, B, C], quality_weight=1.0) == (C, 90.0)
    assert award([A, B], quality_weight=1.0) == (A, 100.0)


def test_own_federation_bias_favours_federations_bidding_alone():
    # A: 0.605 + 0.2 = 0.805 beats C: 0.7011 (an alliance gets no bias).
    assert award([A, B, C], commissioner_own_federation_bias=0.2) == (A, 100.0)


def test_equal_scores_go_to_the_first_bid():
    twin = dataclasses.replace(C, account=99)
    winner, _ = award([A, twin, C])
    assert winner.account == 99
    winner, _ = award([A, C, twin])
    assert winner.account == 13


def test_direct_award_goes_to_the_most_capable_bidder_at_the_reserve():
    assert award([B, C, A], direct_award_probability=1.0) == (A, RESERVE)
    assert award([B, C], direct_award_probability=1.0) == (C, RESERVE)


def test_direct_awards_happen_with_their_probability():
    lv = levers(quality_weight=0.65, direct_award_probability=0.3)
    rng = np.random.default_rng(8)
    promised = [0.5, 0.4, 0.6]
    prices = [Commissioner.award([A, B, C], promised, RESERVE, lv, rng)[1] for _ in range(4000)]
    assert set(prices) == {90.0, RESERVE}
    assert prices.count(RESERVE) / len(prices) == pytest.approx(0.3, abs=0.03)


def test_a_judged_record_can_turn_the_award():
    # C wins on its promise; seen to deliver nothing, it is judged below A.
    lv = levers(quality_weight=0.65, direct_award_probability=0.0)
    judged_c = Commissioner.judge_quality(
        0.6, 0.0, 8, levers(commissioner_record_weight_quarters=8)
    )
    assert judged_c == pytest.approx(0.3)
    winner, _ = Commissioner.award(
        [A, B, C], [0.5, 0.4, judged_c], RESERVE, lv, np.random.default_rng(0)
    )
    assert winner is B


def test_judged_quality_weighs_the_promise_against_quarters_observed():
    lv = levers(commissioner_record_weight_quarters=4)
    assert Commissioner.judge_quality(0.8, 0.2, 0, lv) == 0.8
    assert Commissioner.judge_quality(0.8, 0.2, 4, lv) == pytest.approx(0.5)
    assert Commissioner.judge_quality(0.8, 0.2, 400, lv) == pytest.approx(0.2, abs=0.01)
    assert Commissioner.judge_quality(
        0.8, 0.2, 3, levers(commissioner_record_weight_quarters=0)
    ) == pytest.approx(0.2)


# --- procurement ----------------------------------------------------------------------------------


def test_a_commissioner_procures_what_saves_more_than_it_costs_best_first_within_capacity():
    lv = levers(procurement_cost_gbp=500_000.0)
    saving = np.array([400_000.0, 2_000_000.0, 900_000.0, 600_000.0])
    np.testing.assert_array_equal(Commissioner.choose_procurements(saving, 2, lv), [1, 2])
    np.testing.assert_array_equal(Commissioner.choose_procurements(saving, 5, lv), [1, 2, 3])
    assert len(Commissioner.choose_procurements(saving, 0, lv)) == 0
    dear = levers(procurement_cost_gbp=5_000_000.0)
    assert len(Commissioner.choose_procurements(saving, 5, dear)) == 0


# --- capacity ------------------------------------------------------------------------------------

CAPACITY = np.array([1000.0, 1000.0, 1000.0])
PAID = np.array([1000.0, 900.0, 1200.0])
NOT_FROZEN = np.zeros(3, dtype=bool)


def at_once(**changes):
    """Levers under which a trust closes the whole gap to its plan in one year, uncapped."""
    return levers(
        trust_capacity_adjustment_per_year=1.0, trust_capacity_change_cap_per_year=1.0, **changes
    )


def test_under_pbr_a_trust_plans_for_paid_activity_plus_the_spare_share():
    lv = at_once(hospital_payment="pbr", trust_spare_capacity_share=0.1)
    np.testing.assert_allclose(
        Trust.plan_capacity(CAPACITY, PAID, NOT_FROZEN, lv), PAID * 1.1, rtol=1e-12
    )


@pytest.mark.parametrize("payment", ["block", "capitation"])
def test_where_volume_does_not_pay_a_trust_plans_for_no_spare_capacity(payment):
    lv = at_once(hospital_payment=payment, trust_spare_capacity_share=0.1)
    np.testing.assert_allclose(Trust.plan_capacity(CAPACITY, PAID, NOT_FROZEN, lv), PAID)


def test_a_blend_plans_for_spare_capacity_in_proportion_to_its_pbr_share():
    lv = at_once(hospital_payment="blend", blend_pbr_share=0.4, trust_spare_capacity_share=0.1)
    np.testing.assert_allclose(
        Trust.plan_capacity(CAPACITY, PAID, NOT_FROZEN, lv), PAID * 1.04, rtol=1e-12
    )


def test_capacity_closes_part_of_the_gap_within_the_yearly_cap():
    lv = levers(
        hospital_payment="pbr",
        trust_spare_capacity_share=0.0,
        trust_capacity_adjustment_per_year=0.5,
        trust_capacity_change_cap_per_year=0.08,
    )
    # Gaps 0, -100, +200: half of each, the last capped at 8% of 1,000.
    np.testing.assert_allclose(
        Trust.plan_capacity(CAPACITY, PAID, NOT_FROZEN, lv), [1000.0, 950.0, 1080.0]
    )


def test_a_frozen_trust_may_shrink_but_not_grow():
    lv = at_once(hospital_payment="pbr", trust_spare_capacity_share=0.0)
    frozen = np.ones(3, dtype=bool)
    np.testing.assert_allclose(
        Trust.plan_capacity(CAPACITY, PAID, frozen, lv), [1000.0, 900.0, 1000.0]
    )
