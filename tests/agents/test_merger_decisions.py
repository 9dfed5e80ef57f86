"""Mergers by choice on hand-made neighbours: what each side gains, and who merges with whom."""

import numpy as np
import pytest

from gpfed.agents import Practice
from gpfed.agents.practice import MergerOptions, merger_options
from gpfed.agents.workforce import excess_workload, pooled_excess_workload
from gpfed.world.costs import EXPENSES_GBP_PER_PATIENT_PER_YEAR
from tests.handmade import levers, practice_state

LV = levers(
    merger_saving_gbp_per_patient_per_year=5.0,
    merger_cost_gbp=75_000.0,
    merger_hurdle_share=0.2,
    salaried_gp_pay_gbp_per_year=70_000.0,
    locum_cover_share=0.61,
)
BOTH_WAYS = (np.array([0, 1]), np.array([1, 0]))


def options(state, lv=LV):
    return merger_options(state, BOTH_WAYS, 1.0, lv)


def test_twins_gain_the_saving_less_the_cost_over_their_pooled_profit():
    # Two practices of 7,000 patients and 2 partners, each £50,000 profit a quarter.
    state = practice_state([7000, 7000], partners=2, income_gbp=80_000.0, expenses_gbp=30_000.0)
    pair = options(state)
    assert pair.absorbed.tolist() == [1] and pair.absorber.tolist() == [0]
    # Both stay in the 2-3 partner band when merged (4 partners: the 4-5 band costs more per
    # patient): expenses rescale by the bands' ratio.
    bands = EXPENSES_GBP_PER_PATIENT_PER_YEAR
    expenses = 4 * 2 * 30_000.0 * bands[2] / bands[1]
    profit = 4 * 2 * 80_000.0 - expenses + 5.0 * 14_000 - 75_000 / 5
    gain = profit / 4 / (200_000 / 2) - 1
    assert pair.gain_absorbed == pytest.approx([gain])
    assert pair.gain_absorber == pytest.approx([gain])


def test_a_merged_workload_lies_between_the_two_and_counts_every_gp():
    state = practice_state([6000, 6000], partners=[3, 3])
    state.partners_by_age[0, 1] = 1  # practice 0 lost two of its three partners
    state.gp_posts = np.array([3.0, 3.0])
    excess = excess_workload(state, 1.0, LV)
    pooled = pooled_excess_workload(state, np.array([0]), np.array([1]), 1.0, LV)[0]
    assert excess[1] < pooled < excess[0]
    # 12,000 patients over 1 + 3 GPs and 0.61 x 2 locum posts, against 2,000 each at the start.
    assert pooled == pytest.approx(12_000 / (4 + 0.61 * 2) / 2000 - 1)


def test_pairs_merge_only_past_the_hurdle_each_practice_once_the_keenest_first():
    pairs = MergerOptions(
        absorbed=np.array([1, 2, 3, 5]),
        absorber=np.array([0, 0, 4, 6]),
        gain_absorbed=np.array([0.5, 0.9, 0.3, 0.6]),
        gain_absorber=np.array([0.4, 0.8, 0.25, 0.1]),
    )
    chosen = Practice.choose_mergers(pairs, LV, np.random.default_rng(0))
    # (2, 0) is keenest (0.8) and takes practice 0, so (1, 0) cannot follow; (3, 4) passes the
    # hurdle on both sides; (5, 6) does not (0.1 on the absorber's side).
    assert chosen == [(2, 0), (3, 4)]


def test_no_saving_no_voluntary_merger_between_twins():
    state = practice_state([7000, 7000], partners=2, income_gbp=80_000.0, expenses_gbp=30_000.0)
    lv = levers(
        merger_saving_gbp_per_patient_per_year=0.0,
        merger_cost_gbp=75_000.0,
        merger_hurdle_share=0.0,
        salaried_gp_pay_gbp_per_year=70_000.0,
        locum_cover_share=0.61,
    )
    assert Practice.choose_mergers(options(state, lv), lv, np.random.default_rng(0)) == []
