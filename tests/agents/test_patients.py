"""Patients' use of care and registration, on hand-made practice states."""

import dataclasses

import numpy as np
import pytest

from gpfed.agents.patients import (
    DemandRates,
    EdgeSlots,
    NeedGrowth,
    Registrations,
    disperse_list,
    expected_activity,
    move_patients,
    nearest_open_practices,
    starting_induced_demand,
    switch_practice,
    use_care,
)
from gpfed.world.state import PracticeState
from tests.handmade import LEVERS, levers, practice_state


def mixed_state() -> PracticeState:
    return practice_state(
        [1000, 2000, 3000, 4500],
        need_weight=[1.2, 0.9, 1.0, 1.1],
        diabetes_prevalence=[0.05, 0.08, 0.06, 0.04],
        quality=[0.6, 0.9, 0.8, 0.75],
    )


# --- calibration ----------------------------------------------------------------------------------


def test_calibration_reads_the_list_weighted_mean_quality():
    state = practice_state([1000, 2000, 3000], quality=[0.6, 0.9, 0.8])
    # (600 + 1800 + 2400) / 6000 = 0.8.
    assert DemandRates.calibrate(state, LEVERS).quality_reference == pytest.approx(0.8)


def test_calibration_on_a_uniform_world_divides_out_only_the_starting_induced_demand():
    lv = levers(
        emergency_admissions_per_1000_per_year=100.0,
        elective_admissions_per_1000_per_year=140.0,
        gp_consultations_per_patient_per_year=6.0,
        induced_demand_elasticity=0.5,
        trust_spare_capacity_share=0.08,
    )
    rates = DemandRates.calibrate(practice_state([1000, 3000]), lv)
    induced = 0.5 * 0.08 / 1.08
    assert starting_induced_demand(lv) == pytest.approx(induced)
    assert rates.emergency_per_patient == pytest.approx(0.1 / 4 / (1 + induced))
    assert rates.elective_per_patient == pytest.approx(0.14 / 4 / (1 + induced))
    assert rates.consultations_per_patient == pytest.approx(6.0 / 4)


@pytest.mark.parametrize("elasticity", [0.0, 0.5, 2.0])
def test_the_starting_world_reproduces_the_published_rates(elasticity):
    lv = levers(induced_demand_elasticity=elasticity)
    state = mixed_state()
    rates = DemandRates.calibrate(state, lv)
    induced = np.full(4, starting_induced_demand(lv))
    emergency, elective, consultations = expected_activity(state, rates, lv, induced)
    patients = state.list_size.sum()
    per_1000_a_year = 1000 * 4 / patients
    assert emergency.sum() * per_1000_a_year == pytest.approx(
        lv.emergency_admissions_per_1000_per_year
    )
    assert elective.sum() * per_1000_a_year == pytest.approx(
        lv.elective_admissions_per_1000_per_year
    )
    assert consultations.sum() * 4 / patients == pytest.approx(
        lv.gp_consultations_per_patient_per_year
    )


def test_without_induced_demand_the_starting_world_has_fewer_admissions_than_the_record():
    lv = LEVERS
    state = mixed_state()
    rates = DemandRates.calibrate(state, lv)
    emergency, _, _ = expected_activity(state, rates, lv, np.zeros(4))
    published = lv.emergency_admissions_per_1000_per_year * state.list_size.sum() / 4000
    assert emergency.sum() == pytest.approx(published / (1 + starting_induced_demand(lv)))


# --- expected activity ----------------------------------------------------------------------------


RATES = DemandRates(
    emergency_per_patient=0.02,
    elective_per_patient=0.03,
    consultations_per_patient=1.5,
    quality_reference=0.8,
)


def one_practice(**columns) -> PracticeState:
    return practice_state(
        [1000],
        **{"need_weight": [1.2], "diabetes_prevalence": [0.1], "quality": [0.9], **columns},
    )


def test_expected_activity_by_hand():
    lv = levers(diabetes_excess_admission_risk=1.5, quality_admission_effect=0.5)
    induced = np.array([0.1])
    # Morbidity 1.2 x (1 + 1.5 x 0.1) = 1.38; quality factor 1 - 0.5 x (0.9 - 0.8) = 0.95.
    emergency, elective, consultations = expected_activity(one_practice(), RATES, lv, induced)
    assert emergency[0] == pytest.approx(1000 * 0.02 * 1.38 * 0.95 * 1.1)
    assert elective[0] == pytest.approx(1000 * 0.03 * 1.38 * 1.1)
    assert consultations[0] == pytest.approx(1000 * 1.5 * 1.2)
    # Integrated care avoids a share of emergency admissions only.
    emergency_i, elective_i, _ = expected_activity(
        one_practice(), RATES, lv, induced, integration_effect=np.array([0.05])
    )
    assert emergency_i[0] == pytest.approx(emergency[0] * 0.95)
    assert elective_i[0] == pytest.approx(elective[0])


def test_the_quality_factor_is_floored_above_zero():
    lv = levers(quality_admission_effect=10.0, diabetes_excess_admission_risk=0.0)
    rates = dataclasses.replace(RATES, quality_reference=0.0)
    state = one_practice(quality=[1.0], need_weight=[1.0])
    emergency, _, _ = expected_activity(state, rates, lv, np.zeros(1))
    assert emergency[0] == pytest.approx(1000 * 0.02 * 0.05)


def test_closed_practices_have_no_activity():
    state = practice_state([1000, 2000], is_open=[True, False])
    means = expected_activity(state, RATES, LEVERS, np.zeros(2))
    for mean in means:
        assert mean[1] == 0
        assert mean[0] > 0


# --- drawing activity -----------------------------------------------------------------------------


def test_use_care_draws_poisson_counts_with_the_expected_means():
    n = 4000
    state = practice_state(
        np.full(n, 2000),
        need_weight=np.full(n, 1.2),
        diabetes_prevalence=np.full(n, 0.1),
        quality=np.full(n, 0.9),
    )
    induced = np.full(n, 0.1)
    means = [m[0] for m in expected_activity(state, RATES, LEVERS, induced)]
    draws = use_care(state, RATES, LEVERS, induced, np.random.default_rng(6))
    for draw, mean in zip(draws, means, strict=True):
        assert draw.dtype.kind == "i"
        # Poisson: sample mean within 4 standard errors, variance equal to the mean.
        assert abs(draw.mean() - mean) < 4 * np.sqrt(mean / n)
        assert draw.var() == pytest.approx(mean, rel=0.1)


def test_use_care_gives_nothing_to_an_empty_or_closed_practice():
    state = practice_state([0, 3000, 3000], is_open=[True, False, True])
    rng = np.random.default_rng(0)
    for _ in range(20):
        for draw in use_care(state, RATES, LEVERS, np.zeros(3), rng):
            assert draw[0] == 0
            assert draw[1] == 0
            assert draw[2] > 0


def test_use_care_applies_the_integration_effect():
    n = 2000
    state = practice_state(np.full(n, 5000))
    rng = np.random.default_rng(3)
    without, _, _ = use_care(state, RATES, LEVERS, np.zeros(n), rng)
    halved, _, _ = use_care(state, RATES, LEVERS, np.zeros(n), rng, np.full(n, 0.5))
    assert halved.mean() / without.mean() == pytest.approx(0.5, abs=0.01)


# --- registration ---------------------------------------------------------------------------------


def test_growth_adds_patients_to_open_practices_and_records_the_count():
    state = practice_state([10_000, 5_000, 3_000], is_open=[True, True, False])
    before = state.list_size.copy()
    registrations = Registrations()
    registrations.grow(state, 0.04, np.random.default_rng(0))
    change = state.list_size - before
    assert change[2] == 0
    assert (change >= 0).all()
    assert registrations.net_growth == change.sum()
    # 1% a quarter of 15,000 open-practice patients: about 150.
    assert 100 < change.sum() < 200
    registrations.grow(state, 0.04, np.random.default_rng(1))
    assert registrations.net_growth == (state.list_size - before).sum()


def test_decline_removes_patients_and_records_a_negative_count():
    state = practice_state([10_000, 5_000])
    before = state.list_size.sum()
    registrations = Registrations()
    registrations.grow(state, -0.04, np.random.default_rng(0))
    assert registrations.net_growth < 0
    assert state.list_size.sum() == before + registrations.net_growth


def test_growth_rate_a_quarter_is_capped_at_the_whole_list():
    state = practice_state([10_000, 5_000])
    registrations = Registrations()
    registrations.grow(state, -4.0, np.random.default_rng(0))
    np.testing.assert_array_equal(state.list_size, [0, 0])
    assert registrations.net_growth == -15_000
    state = practice_state([10_000, 5_000])
    Registrations().grow(state, 8.0, np.random.default_rng(0))
    np.testing.assert_array_equal(state.list_size, [20_000, 10_000])


def test_no_growth_changes_nothing():
    state = practice_state([10_000, 5_000])
    registrations = Registrations()
    registrations.grow(state, 0.0, np.random.default_rng(0))
    np.testing.assert_array_equal(state.list_size, [10_000, 5_000])
    assert registrations.net_growth == 0


# --- dispersal ------------------------------------------------------------------------------------


def test_a_closing_list_is_shared_by_partners_and_no_patient_is_lost():
    state = practice_state([1000, 2000, 3000, 4000], partners=[3, 1, 2, 2])
    moved = disperse_list(state, 0, np.array([1, 2, 3]))
    np.testing.assert_array_equal(moved, [200, 400, 400])
    np.testing.assert_array_equal(state.list_size, [0, 2200, 3400, 4400])


def test_dispersal_rounds_by_largest_remainder_and_conserves_patients():
    state = practice_state([1001, 2000, 3000, 4000], partners=[3, 1, 2, 2])
    total = state.list_size.sum()
    moved = disperse_list(state, 0, np.array([1, 2, 3]))
    # Exact shares 200.2, 400.4, 400.4: the one patient left goes to the first largest remainder.
    np.testing.assert_array_equal(moved, [200, 401, 400])
    assert state.list_size.sum() == total
    assert state.list_size[0] == 0


def test_dispersed_patients_bring_their_morbidity():
    state = practice_state(
        [600, 1000, 1000],
        partners=[1, 1, 2],
        need_weight=[2.0, 1.0, 1.0],
        diabetes_prevalence=[0.1, 0.05, 0.05],
    )
    moved = disperse_list(state, 0, np.array([1, 2]))
    np.testing.assert_array_equal(moved, [200, 400])
    np.testing.assert_allclose(state.need_weight[1:], [1200 / 1200 + 200 / 1200, 1800 / 1400])
    np.testing.assert_allclose(state.diabetes_prevalence[1:], [70 / 1200, 90 / 1400])


def test_receivers_without_partners_share_equally():
    state = practice_state([900, 100, 100, 100], partners=[1, 0, 0, 0])
    moved = disperse_list(state, 0, np.array([1, 2, 3]))
    np.testing.assert_array_equal(moved, [300, 300, 300])


# --- nearest open practices -----------------------------------------------------------------------


def path_graph():
    # 0 - 1 - 3 - 5, 0 - 2 - 4; 6 stands alone.
    edges = [(0, 1), (0, 2), (1, 3), (2, 4), (3, 5)]
    neighbours = [[] for _ in range(7)]
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    return [np.array(sorted(n), dtype=np.int64) for n in neighbours]


def test_nearest_open_practices_are_the_first_ring_with_any_open():
    neighbours = path_graph()
    is_open = np.array([False, False, False, True, True, True, True])
    np.testing.assert_array_equal(nearest_open_practices(0, neighbours, is_open), [3, 4])
    is_open[1] = True
    np.testing.assert_array_equal(nearest_open_practices(0, neighbours, is_open), [1])
    is_open[[3, 4]] = False
    np.testing.assert_array_equal(nearest_open_practices(0, neighbours, is_open), [1])


def test_the_starting_practice_is_never_its_own_receiver():
    neighbours = path_graph()
    is_open = np.array([True, False, False, False, False, True, True])
    np.testing.assert_array_equal(nearest_open_practices(0, neighbours, is_open), [5])


def test_with_no_open_practice_reachable_every_open_practice_receives():
    neighbours = path_graph()
    is_open = np.array([False, True, False, True, False, False, False])
    np.testing.assert_array_equal(nearest_open_practices(6, neighbours, is_open), [1, 3])


def test_need_grows_by_the_yearly_rate_over_four_quarters():
    need = NeedGrowth()
    for _ in range(4):
        need.advance(0.015)
    assert need.index == pytest.approx(1.015, rel=1e-12)
    still = NeedGrowth()
    still.advance(0.0)
    assert still.index == 1.0


def test_expected_activity_scales_with_need():
    state = practice_state(list_size=[1000, 2000])
    rates = DemandRates.calibrate(state, LEVERS)
    induced = np.zeros(2)
    base = expected_activity(state, rates, LEVERS, induced)
    grown = expected_activity(state, rates, LEVERS, induced, need_index=1.1)
    for before, after in zip(base, grown, strict=True):
        np.testing.assert_allclose(after, 1.1 * before)


# --- switching practice ---------------------------------------------------------------------
# Four practices in a row, 1 km apart: 0 - 1 - 2 - 3; edges both ways, sorted by source.
ROW_SRC = np.array([0, 1, 1, 2, 2, 3])
ROW_DST = np.array([1, 0, 2, 1, 3, 2])
ROW_KM = np.ones(6)


def switching(rate=400.0, **choice):
    return levers(patient_switching_per_1000_per_year=rate, **choice)


def test_switchers_are_conserved_and_land_only_on_open_neighbours():
    state = practice_state(list_size=[5000, 8000, 6000, 4000], quality=[0.7, 0.9, 0.8, 0.6])
    state.is_open[3] = False
    flows = switch_practice(
        state, (ROW_SRC, ROW_DST), ROW_KM, switching(), np.random.default_rng(0)
    )
    assert flows.sum() > 0
    assert flows[(ROW_DST == 3) | (ROW_SRC == 3)].sum() == 0
    before = state.list_size.copy()
    move_patients(state, (ROW_SRC, ROW_DST), flows)
    assert state.list_size.sum() == before.sum()
    out = np.bincount(ROW_SRC, weights=flows, minlength=4)
    arrived = np.bincount(ROW_DST, weights=flows, minlength=4)
    np.testing.assert_array_equal(state.list_size, before - out + arrived)


def test_nobody_switches_at_a_zero_rate():
    state = practice_state(list_size=[5000, 8000, 6000, 4000])
    flows = switch_practice(
        state, (ROW_SRC, ROW_DST), ROW_KM, switching(0.0), np.random.default_rng(0)
    )
    assert not flows.any()


def test_the_better_neighbour_draws_more_and_the_worse_practice_loses_more():
    # Practice 1 chooses between 0 (quality 0.9) and 2 (quality 0.6); 0 and 2 have only it.
    state = practice_state(list_size=[10_000] * 4, quality=[0.9, 0.75, 0.6, 0.75])
    rng = np.random.default_rng(3)
    total = np.zeros(6)
    for _ in range(50):
        total += switch_practice(state, (ROW_SRC, ROW_DST), ROW_KM, switching(), rng)
    to_better, to_worse = total[1], total[2]  # edges 1 -> 0 and 1 -> 2
    assert to_better > 1.2 * to_worse
    # The worse practice's patients look next door more often than the better one's.
    assert total[ROW_SRC == 2].sum() > 1.2 * total[ROW_SRC == 0].sum()


def test_distance_holds_patients_near_home():
    state = practice_state(list_size=[10_000] * 4, quality=[0.8] * 4)
    km = np.array([1.0, 1.0, 5.0, 1.0, 1.0, 1.0])  # 1 -> 2 is far
    rng = np.random.default_rng(4)
    total = np.zeros(6)
    for _ in range(50):
        total += switch_practice(state, (ROW_SRC, ROW_DST), km, switching(), rng)
    assert total[1] > 2 * total[2]  # 1 -> 0 (1 km) against 1 -> 2 (5 km)


def test_the_switching_rate_over_all_patients_is_the_sourced_one():
    state = practice_state(list_size=[10_000] * 4, quality=[0.9, 0.75, 0.6, 0.8])
    rng = np.random.default_rng(5)
    quarters = 200
    moved = sum(
        switch_practice(state, (ROW_SRC, ROW_DST), ROW_KM, switching(11.2), rng).sum()
        for _ in range(quarters)
    )
    per_1000_a_year = moved / state.list_size.sum() / (quarters / 4) * 1000
    assert per_1000_a_year == pytest.approx(11.2, rel=0.05)


def test_slots_kept_by_the_caller_give_the_same_switches():
    state = practice_state(list_size=[5000, 8000, 6000, 4000], quality=[0.7, 0.9, 0.8, 0.6])
    slots = EdgeSlots.of(ROW_SRC)
    assert [r.tolist() for r in slots.rows] == [[0, 1, 3, 5], [2, 4]]
    assert [s.tolist() for s in slots.sources] == [[0, 1, 2, 3], [1, 2]]
    for seed in range(5):
        kept = switch_practice(
            state, (ROW_SRC, ROW_DST), ROW_KM, switching(), np.random.default_rng(seed), slots
        )
        made = switch_practice(
            state, (ROW_SRC, ROW_DST), ROW_KM, switching(), np.random.default_rng(seed)
        )
        np.testing.assert_array_equal(kept, made)
