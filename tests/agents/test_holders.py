"""What a holder achieves and how a bidder prices; what a coalition is worth (hand-made inputs)."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpfed.agents.coalition import CoalitionValue, contract_margin_gbp_per_patient_per_year
from gpfed.agents.holders import (
    Bidder,
    BidderRecord,
    CostBidder,
    LotTerms,
    can_carry,
    federation_capacity,
    holder_cost_sd_share,
    integration_effect,
    integration_saving,
    result_sd_gbp_per_year,
    risk_premium_gbp_per_year,
)
from gpfed.institutions.risk_sharing import marginal_retained_share
from tests.handmade import LEVERS, levers


def saving_at(capacity, max_effect=0.06, rate=1.5):
    return max_effect * (1 - math.exp(-rate * capacity))


# --- capacity and integration ---------------------------------------------------------------------


def test_coordination_capacity_is_the_square_root_of_list_over_100000():
    np.testing.assert_allclose(
        federation_capacity(np.array([0, 25_000, 100_000, 400_000])), [0.0, 0.5, 1.0, 2.0]
    )
    assert float(federation_capacity(900_000)) == pytest.approx(3.0)


def test_integration_saving_rises_with_capacity_towards_its_ceiling():
    lv = levers(integration_max_effect=0.06, integration_capacity_rate=1.5)
    saving = integration_saving(np.array([0.0, 1.0, 2.0, 100.0]), lv)
    np.testing.assert_allclose(saving, [0.0, saving_at(1.0), saving_at(2.0), 0.06])
    assert float(integration_saving(1.0, levers(integration_max_effect=0.12))) == pytest.approx(
        saving_at(1.0, max_effect=0.12)
    )


def test_integration_effect_ramps_up_and_applies_the_covered_emergency_share():
    lv = levers(integration_max_effect=0.06, integration_capacity_rate=1.5)
    lv = dataclasses.replace(lv, integration_ramp_quarters=8)
    effect = integration_effect(
        5,
        practice=np.array([0, 2, 3]),
        contract=np.array([0, 0, 1]),
        capacity=np.array([1.0, 2.0]),
        quarters_held=np.array([3, 20]),
        emergency_share=np.array([1.0, 0.5, 1.0]),
        levers=lv,
    )
    # Contract 0 is in its 4th of 8 ramp quarters: capacity 1 counts as 0.5. Contract 1 is
    # past its ramp: full capacity 2.
    np.testing.assert_allclose(
        effect, [saving_at(0.5), 0.0, 0.5 * saving_at(0.5), saving_at(2.0), 0.0]
    )


def test_no_contracts_no_integration_effect():
    empty_int, empty = np.zeros(0, dtype=np.int64), np.zeros(0)
    effect = integration_effect(3, empty_int, empty_int, empty, empty_int, empty, LEVERS)
    np.testing.assert_array_equal(effect, [0.0, 0.0, 0.0])


# --- bids: cost, risk premium, markup, bid or not --------------------------------------------


def bidder(*, holder="federation", saving=0.1, efficiency=1.0, w=1e12, trust_w=0.0):
    return Bidder(holder, 3, None, 1.0, saving, 0.7, efficiency, w, trust_w)


def lot_terms(reserve, *, sd_year=0.0, bid_cost=0.0, quarters=20, share=0.5):
    return LotTerms(1_000_000.0, share, reserve, sd_year, bid_cost, quarters)


def bid(reserve, *, markup=0.04, sd=0.0, seed=0, record=None, **terms):
    who = {
        k: terms.pop(k) for k in ("holder", "saving", "efficiency", "w", "trust_w") if k in terms
    }
    return CostBidder.price_bid(
        bidder(**who),
        lot_terms(reserve, **terms),
        record or BidderRecord(markup),
        levers(holder_cost_sd=sd, bidder_risk_aversion=2.0, ico_trust_risk_share=0.5),
        np.random.default_rng(seed),
    )


def test_a_bid_is_its_expected_cost_at_the_markup():
    # 1,000,000 x (1 - 0.1 x 0.5) = 950,000; at 4%: 988,000.
    assert bid(2e6) == pytest.approx(988_000.0)
    assert bid(2e6, markup=0.1) == pytest.approx(1_045_000.0)
    # The cost factor scales the cost: 0.9 x 950,000 x 1.04.
    assert bid(2e6, efficiency=0.9) == pytest.approx(889_200.0)
    # The saving applies to the emergency share only.
    assert bid(2e6, share=1.0) == pytest.approx(936_000.0)


def test_the_risk_premium_is_risk_aversion_times_variance_over_twice_what_it_can_lose():
    # SD 200,000 a year, W 1,000,000: 2 x 200,000^2 / 2,000,000 = 40,000 a year, 10,000 a quarter.
    assert bid(2e6, sd_year=200_000.0, w=1e6) == pytest.approx(998_000.0)
    # Twice the loss capacity halves it.
    assert bid(2e6, sd_year=200_000.0, w=2e6) == pytest.approx(993_000.0)


def test_an_alliance_splits_the_risk_and_its_premium_between_the_partners():
    one = Bidder("federation", 3, None, 1.0, 0.1, 0.7, 1.0, 1e6)
    allied = Bidder("alliance", 3, 2, 1.0, 0.1, 0.7, 1.0, 1e6, 1e6)
    lv = levers(bidder_risk_aversion=2.0, ico_trust_risk_share=0.5)
    # Each bears half: 2 x (100,000)^2 / 2,000,000 twice = 20,000 against 40,000 alone.
    assert risk_premium_gbp_per_year(one, 200_000.0, lv) == pytest.approx(40_000.0)
    assert risk_premium_gbp_per_year(allied, 200_000.0, lv) == pytest.approx(20_000.0)


def test_a_bidder_carries_a_risk_only_if_it_can_bear_a_worst_case_year():
    lv = levers(ico_trust_risk_share=0.5)
    small = Bidder("federation", 3, None, 1.0, 0.1, 0.7, 1.0, 1e6)
    # 2.33 SDs of 500,000 = 1,165,000 > 1,000,000; of 400,000 = 932,000.
    assert not can_carry(small, 500_000.0, lv)
    assert can_carry(small, 400_000.0, lv)
    allied = Bidder("alliance", 3, 2, 1.0, 0.1, 0.7, 1.0, 1e6, 1e6)
    assert can_carry(allied, 500_000.0, lv)


def test_a_bid_is_capped_at_the_reserve():
    assert bid(970_000.0) == pytest.approx(970_000.0)


def test_no_bid_when_cost_and_premium_are_not_within_the_reserve():
    assert bid(950_000.0) is None
    assert bid(1e6, efficiency=1.2) is None
    assert bid(955_000.0, sd_year=200_000.0, w=1e6) is None


def test_no_bid_when_the_expected_profit_does_not_beat_the_bid_cost():
    # Profit if won: 38,000 a quarter x 20 = 760,000; at a chance of a half, 380,000.
    assert bid(2e6, bid_cost=379_000.0) is not None
    assert bid(2e6, bid_cost=381_000.0) is None
    # A bidder that has won 3 of 4 reckons 4/6 and bids.
    assert bid(2e6, bid_cost=381_000.0, record=BidderRecord(0.04, bids=4, wins=3)) is not None


def test_cost_noise_has_mean_one():
    prices = [bid(1e9, saving=0.0, markup=0.01, sd=0.1, seed=s) for s in range(3000)]
    assert np.mean(prices) == pytest.approx(1_010_000.0, rel=0.01)
    assert np.std(prices) / 1_000_000.0 == pytest.approx(0.1, rel=0.1)


def test_markups_rise_after_a_win_and_fall_after_a_loss():
    lv = levers(bid_markup_step=0.2)
    assert CostBidder.adapt_markup(0.1, True, lv) == pytest.approx(0.12)
    assert CostBidder.adapt_markup(0.1, False, lv) == pytest.approx(0.08)
    assert CostBidder.adapt_markup(0.95, True, lv) == 1.0


def test_the_learned_chance_of_winning_starts_at_a_half():
    assert BidderRecord(0.08).win_chance == 0.5
    assert BidderRecord(0.08, bids=8, wins=0).win_chance == pytest.approx(0.1)


def test_a_smaller_list_keeps_more_risk_per_patient():
    lv = levers(holder_cost_sd=0.03)
    small = result_sd_gbp_per_year(20_000.0, 20_000 * 130.0, lv) / 20_000
    large = result_sd_gbp_per_year(200_000.0, 200_000 * 130.0, lv) / 200_000
    assert small > large > 0


@settings(max_examples=60, deadline=None)
@given(
    lots=st.lists(
        st.tuples(st.integers(0, 500_000), st.floats(1.0, 200.0)), min_size=1, max_size=10
    ),
    rule=st.sampled_from(["shares", "corridor"]),
)
def test_many_lots_result_sds_and_kept_shares_are_each_lots_own(lots, rule):
    """A quarter's lots are reckoned at once: each figure is what the lot alone gives."""
    lv = levers(risk_sharing=rule, holder_cost_sd=0.03)
    population = np.array([float(patients) for patients, _ in lots])
    reserve = population * np.array([per_head for _, per_head in lots])
    together = result_sd_gbp_per_year(population, reserve, lv)
    kept = marginal_retained_share(0.0, reserve, lv.contract_length_quarters, lv)
    for k in range(len(lots)):
        assert together[k] == float(result_sd_gbp_per_year(population[k], reserve[k], lv))
        assert kept[k] == float(
            marginal_retained_share(0.0, reserve[k], lv.contract_length_quarters, lv)
        )


# --- coalition value ------------------------------------------------------------------------------


def no_margin(pooled):
    return np.zeros_like(np.asarray(pooled, dtype=float))


def test_coalition_value_by_hand():
    lv = levers(
        federation_incentive_gbp_per_patient_per_year=0.0,
        reward_for_scale_gbp_per_patient_per_year=0.0,
        ooh_to_federations=False,
        backoffice_saving_gbp_per_patient_per_year=2.0,
        backoffice_saving_exponent=0.8,
        risk_pooling_value_gbp_per_patient_per_year=0.5,
        coordination_cost_gbp_per_year=40_000.0,
        coordination_cost_exponent=1.5,
    )
    value = CoalitionValue(lv, no_margin)
    worth = value(np.array([50_000.0, 100_000.0]), np.array([2, 10]))
    # Back office 2 x 50,000 x (L / 50,000)^0.8; pooling 0.5 L (1 - 1/sqrt(n));
    # coordination 40,000 (n / 10)^1.5.
    expected = [
        100_000 + 25_000 * (1 - 1 / math.sqrt(2)) - 40_000 * 0.2**1.5,
        100_000 * 2**0.8 + 50_000 * (1 - 1 / math.sqrt(10)) - 40_000,
    ]
    np.testing.assert_allclose(worth, expected, rtol=1e-12)


def test_coalitions_of_fewer_than_two_are_worth_nothing():
    lv = levers(federation_incentive_gbp_per_patient_per_year=10.0, ooh_to_federations=True)
    value = CoalitionValue(lv, lambda pooled: np.full_like(pooled, 5.0))
    np.testing.assert_array_equal(
        value(np.array([0.0, 10_000.0, 1e6]), np.array([0, 1, 1])), [0.0, 0.0, 0.0]
    )
    assert value(np.array([1e6]), np.array([2]))[0] > 0


def test_each_payment_adds_to_the_coalition_value():
    base = levers(
        federation_incentive_gbp_per_patient_per_year=0.0,
        reward_for_scale_gbp_per_patient_per_year=0.0,
        ooh_to_federations=False,
    )
    pooled, members = np.array([20_000.0, 50_000.0, 100_000.0]), np.array([2, 2, 2])
    before = CoalitionValue(base, no_margin)(pooled, members)

    def gain(lv, margin=no_margin):
        return CoalitionValue(lv, margin)(pooled, members) - before

    # Incentive of £10 a patient from 30,000 patients.
    incentive = dataclasses.replace(
        base,
        federation_incentive_gbp_per_patient_per_year=10.0,
        federation_incentive_threshold_patients=30_000,
    )
    np.testing.assert_allclose(gain(incentive), [0.0, 500_000.0, 1_000_000.0])
    # Reward for scale of £1 a patient, in full from 100,000 patients.
    reward = dataclasses.replace(base, reward_for_scale_gbp_per_patient_per_year=1.0)
    np.testing.assert_allclose(gain(reward), [4_000.0, 25_000.0, 100_000.0])
    # Out of hours: £4 a patient less a cost equal to it at 50,000, falling with scale.
    ooh = dataclasses.replace(base, ooh_to_federations=True, ooh_gbp_per_patient_per_year=4.0)
    np.testing.assert_allclose(
        gain(ooh),
        [80_000 * (1 - 0.4 ** (0.8 - 1)), 0.0, 400_000 * (1 - 2 ** (0.8 - 1))],
        atol=1e-6,
    )
    # The expected contract margin, £ a patient.
    np.testing.assert_allclose(
        gain(base, lambda p: np.full_like(p, 3.0)), [60_000.0, 150_000.0, 300_000.0]
    )


# --- expected contract margin ---------------------------------------------------------------------


def margin_levers(regime="mandatory", **changes):
    values = {
        "gp_contract_regime": regime,
        "integration_max_effect": 0.06,
        "integration_capacity_rate": 1.5,
        "savings_target": 0.02,
        "bid_markup": 0.08,
        "bidder_min_population": 20_000,
    }
    return levers(**{**values, **changes})


def test_contract_margin_by_hand():
    pooled = np.array([100_000.0, 20_000.0, 19_999.0])
    margin = contract_margin_gbp_per_patient_per_year(pooled, margin_levers(), (300.0, 0.4))

    # Half the chance of winning x 4 quarters x £300 x (saving on the emergency share less the
    # target plus half the markup); nothing below the bidder size.
    def by_hand(capacity):
        return 4 * 300.0 * 0.5 * (saving_at(capacity) * 0.4 - 0.02 + 0.04)

    np.testing.assert_allclose(margin, [by_hand(1.0), by_hand(math.sqrt(0.2)), 0.0])


@pytest.mark.parametrize("regime", ["optional", "competitive"])
def test_contract_margin_under_other_tendering_regimes(regime):
    margin = contract_margin_gbp_per_patient_per_year(
        np.array([100_000.0]), margin_levers(regime), (300.0, 0.4)
    )
    assert margin[0] == pytest.approx(4 * 300.0 * 0.5 * (saving_at(1.0) * 0.4 + 0.02))


def test_no_contract_margin_under_gms():
    margin = contract_margin_gbp_per_patient_per_year(
        np.array([100_000.0, 1e6, 0.0]), margin_levers("gms"), (300.0, 0.4)
    )
    np.testing.assert_array_equal(margin, [0.0, 0.0, 0.0])


def test_contract_margin_is_never_negative():
    margin = contract_margin_gbp_per_patient_per_year(
        np.array([100_000.0]), margin_levers(savings_target=0.5), (300.0, 0.4)
    )
    np.testing.assert_array_equal(margin, [0.0])


def test_a_smaller_list_leaves_its_holder_more_cost_risk_per_pound():
    lv = levers(holder_cost_sd=0.03)
    shares = holder_cost_sd_share(np.array([5_000.0, 50_000.0, 5_000_000.0]), 150.0, lv)
    assert np.all(np.diff(shares) < 0)
    # A very large list is left with the holder's own cost shock alone.
    assert shares[-1] == pytest.approx(0.03, rel=0.01)
    no_shock = holder_cost_sd_share(np.array([10_000.0]), 150.0, levers(holder_cost_sd=0.0))
    variance = (
        lv.emergency_tariff_gbp**2 * lv.emergency_admissions_per_1000_per_year
        + lv.elective_tariff_gbp**2 * lv.elective_admissions_per_1000_per_year
    ) / 4000
    assert no_shock[0] == pytest.approx(np.sqrt(variance / 10_000) / 150.0)


def test_a_lot_with_no_budget_has_only_the_holders_own_cost_shock():
    # Found by the property tests: zero tariffs and budgets divided nothing by nothing.
    lv = levers(holder_cost_sd=0.03, emergency_tariff_gbp=0.0, elective_tariff_gbp=0.0)
    np.testing.assert_allclose(holder_cost_sd_share(np.array([5_000.0]), 0.0, lv), [0.03])
    with np.errstate(all="raise"):
        holder_cost_sd_share(np.array([5_000.0]), 0.0, levers(holder_cost_sd=0.03))
