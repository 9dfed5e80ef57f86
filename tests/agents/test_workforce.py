"""The GP workforce on hand-made practices: leaving, ageing, take-overs, recruitment, posts."""

import numpy as np
import pytest

from gpfed.agents import Practice
from gpfed.agents import workforce as wf
from gpfed.world.costs import NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP, locum_premium_gbp
from tests.handmade import levers, practice_state

LV = levers(
    gp_leaving_under_55_per_year=0.0,
    gp_leaving_55_59_per_year=0.0,
    gp_leaving_60_plus_per_year=0.0,
    gp_vacancy_fill_per_quarter=0.8,
    new_gp_partner_share=0.35,
    locum_cover_share=0.61,
    locum_premium_gbp_per_year=30_000.0,
    initial_gp_vacancy_rate=0.05,
    gp_fte_per_head=0.85,
)


def rng(seed=0):
    return np.random.default_rng(seed)


def test_a_yearly_chance_is_spread_over_four_quarters():
    assert wf.per_quarter(0.0) == 0.0
    assert wf.per_quarter(1.0) == 1.0
    assert (1 - wf.per_quarter(0.19)) ** 4 == pytest.approx(0.81)


def test_nobody_leaves_without_a_hazard_and_everyone_over_60_leaves_with_a_certain_one():
    state = practice_state([1000, 1000])
    state.partners_by_age[:] = [[1, 1, 1, 2], [0, 2, 0, 3]]
    state.salaried_by_age[:] = [[2, 0, 0, 1], [0, 0, 0, 0]]
    before = state.partners_by_age.copy(), state.salaried_by_age.copy()
    assert wf.leave(state, np.zeros(2), LV, rng()) == (0, 0)
    np.testing.assert_array_equal(state.partners_by_age, before[0])
    certain = levers(
        gp_leaving_under_55_per_year=0.0,
        gp_leaving_55_59_per_year=0.0,
        gp_leaving_60_plus_per_year=1.0,
    )
    retirements, others = wf.leave(state, np.zeros(2), certain, rng())
    assert (retirements, others) == (2 + 1 + 3, 0)
    np.testing.assert_array_equal(state.partners_by_age[:, 3], [0, 0])
    np.testing.assert_array_equal(state.salaried_by_age[:, 3], [0, 0])


def test_a_closed_practice_loses_nobody_and_senior_partners_never_outnumber_partners():
    state = practice_state([1000, 1000], is_open=[True, False], senior_partners=[2, 2])
    state.partners_by_age[:] = [[0, 0, 0, 2], [0, 0, 0, 2]]
    certain = levers(
        gp_leaving_under_55_per_year=0.0,
        gp_leaving_55_59_per_year=0.0,
        gp_leaving_60_plus_per_year=1.0,
    )
    wf.leave(state, np.zeros(2), certain, rng())
    assert state.partners.tolist() == [0, 2]
    assert state.senior_partners.tolist() == [0, 2]


def test_partners_quit_a_partnership_that_pays_too_little():
    state = practice_state([1000], partners=200)
    retirements, quits = wf.leave(state, np.array([1.0]), LV, rng())
    assert (retirements, quits) == (0, 200)


def test_the_most_senior_salaried_gp_takes_over_a_partnership_left_empty():
    state = practice_state([1000, 1000], partners=[0, 0])
    state.salaried_by_age[:] = [[1, 0, 2, 0], [0, 0, 0, 0]]
    wf.take_over(state)
    assert state.partners_by_age[0].tolist() == [0, 0, 1, 0]
    assert state.salaried_by_age[0].tolist() == [1, 0, 1, 0]
    assert state.partners.tolist() == [1, 0]


def test_ageing_moves_gps_up_and_keeps_every_one():
    state = practice_state([1000] * 50)
    state.partners_by_age[:] = [10, 10, 10, 10]
    state.salaried_by_age[:] = [10, 0, 0, 0]
    wf.age(state, rng())
    assert state.gps.sum() == 50 * 50
    assert state.partners_by_age[:, 3].sum() > 50 * 10
    # Five years in the 55-59 band: 5% of them reach 60 a quarter.
    moved = state.partners_by_age[:, 3].sum() - 500
    assert moved == pytest.approx(500 * 0.05, abs=4 * np.sqrt(500 * 0.05))


def test_posts_sought_follow_need_from_the_starting_patients_per_post():
    state = practice_state([1900, 3800], partners=[1, 2])
    # Starting patients per GP 1,900, posts carry 5% vacancies: 1,805 patients a post.
    posts = Practice.seek_gp_posts(state, 1.0, LV)
    assert posts == pytest.approx([1 / 0.95, 2 / 0.95])
    assert Practice.seek_gp_posts(state, 1.1, LV) == pytest.approx(1.1 * posts)


def test_partner_quits_rise_with_pay_shortfall_and_workload():
    lv = levers(
        partner_quit_pay_per_year=0.1,
        partner_quit_workload_per_year=0.2,
        salaried_gp_pay_gbp_per_year=70_000.0,
    )
    profit = 70_000.0 * np.array([1.2, 1.0, 0.5, 0.5, -1.0])
    hazard = Practice.partner_quit_hazard(profit, np.array([0.0, 0.0, 0.0, 0.5, 0.0]), lv)
    assert hazard == pytest.approx([0.0, 0.0, 0.05, 0.15, 0.1])


def test_an_average_practice_has_attractiveness_one_and_each_draw_moves_it():
    lv = levers(
        gp_attraction_profit=1.0,
        gp_attraction_workload=2.0,
        gp_attraction_network=0.2,
        gp_attraction_rural=0.3,
    )
    quarter = NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP / 4
    state = practice_state(
        [1000] * 4, income_gbp=quarter, expenses_gbp=0.0, rural=[False, True, False, False]
    )
    a = wf.attractiveness(
        state, np.array([0.0, 0.0, 0.0, 0.5]), np.array([False, False, True, False]), lv
    )
    assert a == pytest.approx([1.0, np.exp(-0.3), np.exp(0.2), np.exp(-1.0)])


def test_plentiful_supply_fills_at_the_fastest_rate_and_scarce_supply_is_shared_out():
    openings = np.array([1, 2, 3])
    attraction = np.array([1.0, 0.5, 2.0])
    assert wf.clearing_rate(openings, attraction, 100.0, 0.8) == 0.8
    rate = wf.clearing_rate(openings, attraction, 1.5, 0.8)
    assert rate < 0.8
    assert (openings * -np.expm1(-rate * attraction)).sum() == pytest.approx(1.5, abs=1e-9)
    assert wf.clearing_rate(openings, attraction, 0.0, 0.8) == 0.0


def test_recruits_fill_vacancies_only_and_a_practice_without_partners_gets_one():
    state = practice_state([1000, 1000, 1000], partners=[0, 2, 2], is_open=[True, True, False])
    state.gp_posts = np.array([3.0, 2.0, 5.0])
    hires = wf.recruit(
        state,
        np.ones(3),
        1000.0,
        levers(**{"gp_vacancy_fill_per_quarter": 50.0, "new_gp_partner_share": 0.0}),
        rng(),
    )
    # Practice 0 fills its three posts, one as a partner; practice 1 has no vacancy; practice 2
    # is closed.
    assert hires == 3
    assert state.partners.tolist() == [1, 2, 2]
    assert state.salaried.tolist() == [2, 0, 0]
    assert wf.recruit(state, np.ones(3), 0.0, LV, rng()) == 0


def test_locums_cover_their_share_of_vacancies_at_a_premium():
    state = practice_state([1000, 1000], partners=[2, 3], is_open=[True, False])
    state.gp_posts = np.array([4.0, 5.0])
    # Two vacant posts, 61% covered, £30,000 a year above salaried cost: a quarter's premium.
    assert locum_premium_gbp(state, LV).tolist() == pytest.approx([2 * 0.61 * 30_000 / 4, 0.0])
    assert wf.patients_per_gp_fte(state, LV)[0] == pytest.approx(1000 / ((2 + 1.22) * 0.85))


def test_failing_counts_practices_without_partners_or_staff():
    state = practice_state([1000] * 3, partners=[1, 0, 1], income_gbp=1e6, expenses_gbp=0.0)
    quarters = Practice.count_failing_quarters(state, 0.45, np.array([False, False, True]))
    assert quarters.tolist() == [0, 1, 1]
