"""The trust regulator's year-end review and cost improvement, on hand-made trusts."""

import numpy as np

from gpfed.institutions.regulator import improved_capacity_cost_gbp, review_trusts
from tests.handmade import levers

LEVERS = levers(trust_deficit_years_to_intervention=2, trust_cost_improvement_per_year=0.04)


def test_intervention_comes_after_the_stated_run_of_deficit_years():
    years = np.array([0, 1, 1, 5])
    in_deficit = np.array([True, True, False, True])
    intervened = np.array([False, False, False, True])
    new_years, under = review_trusts(years, in_deficit, intervened, LEVERS)
    np.testing.assert_array_equal(new_years, [1, 2, 0, 6])
    np.testing.assert_array_equal(under, [False, True, False, True])


def test_a_year_in_surplus_lifts_intervention_and_resets_the_count():
    years, under = review_trusts(np.array([4]), np.array([False]), np.array([True]), LEVERS)
    np.testing.assert_array_equal(years, [0])
    np.testing.assert_array_equal(under, [False])


def test_a_longer_allowance_delays_intervention():
    lenient = levers(trust_deficit_years_to_intervention=3)
    _, under = review_trusts(np.array([1]), np.array([True]), np.array([False]), lenient)
    np.testing.assert_array_equal(under, [False])


def test_only_trusts_under_intervention_cut_their_running_cost():
    cost = np.array([100.0, 100.0])
    np.testing.assert_allclose(
        improved_capacity_cost_gbp(cost, np.array([True, False]), LEVERS), [96.0, 100.0]
    )
