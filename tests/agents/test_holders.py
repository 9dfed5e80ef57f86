"""What a holder achieves and how a bidder prices; what a coalition is worth (hand-made inputs)."""

import dataclasses
import math

import numpy as np
import pytest

from gpfed.agents.coalition import CoalitionValue, contract_margin_gbp_per_patient_per_year
from gpfed.agents.holders import (
    TRUST_QUALITY,
    BidderFacts,
    cost_based_bid,
    federation_capacity,
    holder_cost_sd_share,
    integration_effect,
    integration_saving,
)
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


# --- cost-based bids ------------------------------------------------------------------------------


def bid(reserve, *, saving=0.1, share=0.5, efficiency=1.0, markup=0.04, sd=0.0, seed=0):
    return cost_based_bid(
        1_000_000.0,
        share,
        reserve,
        saving,
        efficiency,
        markup,
        levers(holder_cost_sd=sd),
        np.random.default_rng(seed),
    )


def test_a_bid_is_its_expected_cost_at_the_markup():
    # 1,000,000 x (1 - 0.1 x 0.5) = 950,000; at 4%: 988,000.
    assert bid(2e6) == pytest.approx(988_000.0)
    assert bid(2e6, markup=0.0) == pytest.approx(950_000.0)
    assert bid(2e6, markup=0.1) == pytest.approx(1_045_000.0)
    # The cost factor scales the cost: 0.9 x 950,000 x 1.04.
    assert bid(2e6, efficiency=0.9) == pytest.approx(889_200.0)
    # The saving applies to the emergency share only.
    assert bid(2e6, share=1.0, markup=0.0) == pytest.approx(900_000.0)


def test_a_bid_is_capped_at_the_reserve():
    assert bid(970_000.0) == pytest.approx(970_000.0)


def test_no_bid_when_the_cost_is_not_within_the_reserve():
    assert bid(950_000.0) is None
    assert bid(900_000.0) is None
    assert bid(1e6, efficiency=1.2) is None


def test_cost_noise_has_mean_one():
    prices = [bid(1e9, saving=0.0, markup=0.0, sd=0.1, seed=s) for s in range(3000)]
    assert np.mean(prices) == pytest.approx(1_000_000.0, rel=0.01)
    assert np.std(prices) / 1_000_000.0 == pytest.approx(0.1, rel=0.1)


# --- bidder facts ---------------------------------------------------------------------------------


def test_bidder_facts_by_hand():
    lv = levers(
        trust_coordination_capacity=0.4,
        entrant_quality=0.4,
        entrant_cost_efficiency=0.97,
        integration_max_effect=0.06,
        integration_capacity_rate=1.5,
    )
    asked = []

    def quality_of(federation):
        asked.append(federation)
        return {3: 0.8, 9: 0.6}[federation]

    facts = BidderFacts(np.array([3, 9]), np.array([100_000.0, 400_000.0]), quality_of, lv)
    assert facts.list_size == {3: 100_000, 9: 400_000}
    assert asked == []

    alone, allied = facts.federation(3, main_trust=2)
    reach_alone, reach_allied = 1 - math.exp(-1.0), 1 - math.exp(-1.4)
    assert alone[:3] == ("federation", 3, None)
    np.testing.assert_allclose(alone[3:], [1.0, saving_at(1.0), 0.5 * 0.8 + 0.5 * reach_alone, 1.0])
    assert allied[:3] == ("alliance", 3, 2)
    np.testing.assert_allclose(
        allied[3:],
        [1.4, saving_at(1.4), 0.5 * (0.8 + TRUST_QUALITY) / 2 + 0.5 * reach_allied, 1.0],
    )
    # The alliance is with the lot's main trust; quality is read once per federation.
    _, allied_5 = facts.federation(3, main_trust=5)
    assert allied_5[2] == 5
    assert allied_5[3:] == allied[3:]
    assert asked == [3]

    trust = facts.trust(1)
    reach_trust = 1 - math.exp(-0.4)
    assert trust[:3] == ("trust", None, 1)
    np.testing.assert_allclose(
        trust[3:], [0.4, saving_at(0.4), 0.5 * TRUST_QUALITY + 0.5 * reach_trust, 1.0]
    )
    entrant = facts.entrant
    assert entrant[:3] == ("entrant", None, None)
    np.testing.assert_allclose(
        entrant[3:], [0.4, saving_at(0.4), 0.5 * 0.4 + 0.5 * reach_trust, 0.97]
    )

    alone_9, _ = facts.federation(9, main_trust=0)
    assert alone_9[3] == pytest.approx(2.0)
    assert asked == [3, 9]


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
