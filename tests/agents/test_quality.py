"""Quality that moves, on hand-made practices: effort raises it, strain lowers it, slowly."""

import numpy as np
import pytest

from gpfed.agents.quality import move_quality, quality_target
from gpfed.agents.workforce import workload_per_gp
from tests.handmade import levers, practice_state

LV = levers(
    quality_effort_gain=0.03,
    quality_strain_loss=0.05,
    quality_adjustment_per_year=0.25,
    locum_cover_share=0.61,
)


def test_a_practice_as_it_started_stays_where_it_started():
    state = practice_state([1000, 2000], partners=[1, 2], quality=[0.7, 0.9])
    for _ in range(8):
        state.quality = move_quality(state, 1.0, LV)
    assert state.quality.tolist() == [0.7, 0.9]


def test_effort_raises_the_target_and_strain_lowers_it():
    state = practice_state([1000, 1000, 1000], quality=0.8, care_effort=[1.0, 0.0, 0.0])
    # Practice 2 takes on half as many patients again with the same partner: strain 0.5.
    state.list_size[2] = 1500
    target = quality_target(state, 1.0, LV)
    assert target == pytest.approx([0.83, 0.8, 0.8 - 0.05 * 0.5])


def test_need_per_patient_counts_as_workload():
    state = practice_state([1000], partners=2, quality=0.8)
    assert workload_per_gp(state, 1.2, LV).tolist() == [600.0]
    assert quality_target(state, 1.2, LV) == pytest.approx([0.8 - 0.05 * 0.2])


def test_a_year_closes_the_yearly_share_of_the_gap():
    state = practice_state([1000], quality=0.8, care_effort=[1.0])
    for _ in range(4):
        state.quality = move_quality(state, 1.0, LV)
    # The target 0.83 is held fixed: a quarter of the 0.03 gap is closed in a year.
    assert state.quality[0] == pytest.approx(0.8 + 0.25 * 0.03)


def test_quality_stays_in_the_unit_interval_and_closed_practices_keep_theirs():
    state = practice_state(
        [1000, 1000], quality=[0.99, 0.5], care_effort=1.0, is_open=[True, False]
    )
    lv = levers(
        quality_effort_gain=0.5,
        quality_strain_loss=0.05,
        quality_adjustment_per_year=1.0,
        locum_cover_share=0.61,
    )
    state.quality = move_quality(state, 1.0, lv)
    assert state.quality.tolist() == [1.0, 0.5]
    assert np.all(quality_target(state, 1.0, lv) <= 1.0)
