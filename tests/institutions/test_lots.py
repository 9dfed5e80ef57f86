"""Localities and lots on hand-made practices and a hand-made expected-activity triple.

Tariffs £1,000 an emergency and £500 an elective admission; community services £400 a head a
year (£100 a quarter); diabetes care £800 a diabetic a year (£200 a quarter); a diabetic's extra
admission risk delta = 1, so a practice's diabetes-attributable share is d / (1 + d).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpfed.institutions.lots import (
    K_MEANS_ROUNDS,
    Lot,
    assign_localities,
    lot_baseline_per_head,
    main_trusts,
    optional_lots,
    tendered_lots,
)
from gpfed.world.state import PracticeState
from gpfed.world.units import NO_CONTRACT
from tests.handmade import levers_with, practice_state

levers = levers_with(
    {
        "emergency_tariff_gbp": 1000.0,
        "elective_tariff_gbp": 500.0,
        "community_services_gbp_per_head_per_year": 400.0,
        "diabetes_care_gbp_per_diabetic_per_year": 800.0,
        "diabetes_excess_admission_risk": 1.0,
        "pathway_lots": True,
        "savings_target": 0.05,
    }
)


# --- assign_localities ------------------------------------------------------------------------
# Area 0 (practices 0, 2, 4, 5): 100,000 patients at x = 0, 10, 1, 11 -> two localities of
# 50,000, {x = 0, 1} and {x = 10, 11}. Area 1 (practices 1, 3): 20,000 patients -> one.

XY = np.array([[0.0, 0.0], [5.0, 5.0], [10.0, 0.0], [6.0, 5.0], [1.0, 0.0], [11.0, 0.0]])
AREA = np.array([0, 1, 0, 1, 0, 0])
LISTS = np.array([25_000, 10_000, 25_000, 10_000, 25_000, 25_000])


def k_means_by_cluster_means(points: np.ndarray, k: int, rounds: int) -> np.ndarray:
    """The plain k-means the model's follows: each centre the mean of its points' rows."""
    order = np.argsort(points[:, 0], kind="stable")
    centres = points[order[(np.arange(k) * len(points)) // k]].astype(float)
    labels = np.zeros(len(points), dtype=np.int64)
    for _ in range(rounds):
        labels = np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        for c in range(k):
            rows = np.flatnonzero(labels == c)
            if len(rows):
                centres[c] = points[rows].mean(axis=0)
    return labels


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 120), clusters=st.integers(1, 8), seed=st.integers(0, 2**16))
def test_localities_are_the_plain_k_means_bit_for_bit(n, clusters, seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.0, 300.0, (n, 2))
    lists = np.full(n, 10_000)
    target = max(1, n * 10_000 // clusters)
    locality = assign_localities(xy, np.zeros(n, dtype=np.int64), lists, target)
    k = int(max(1, min(n, round(lists.sum() / target))))
    labels = k_means_by_cluster_means(xy, k, K_MEANS_ROUNDS)
    _, expected = np.unique(labels, return_inverse=True)
    assert locality.tolist() == expected.tolist()


def test_localities_split_each_area_by_position():
    locality = assign_localities(XY, AREA, LISTS, 50_000)
    assert locality.tolist() == [0, 2, 1, 2, 0, 1]


def test_localities_are_deterministic():
    first = assign_localities(XY, AREA, LISTS, 50_000)
    second = assign_localities(XY.copy(), AREA.copy(), LISTS.copy(), 50_000)
    assert np.array_equal(first, second)


def test_localities_cover_each_area_and_never_cross_areas():
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 30, size=(40, 2))
    area = rng.integers(0, 3, size=40)
    lists = rng.integers(2_000, 12_000, size=40)
    locality = assign_localities(xy, area, lists, 20_000)
    assert locality.min() == 0
    assert np.unique(locality).tolist() == list(range(locality.max() + 1))  # dense ids
    for loc in np.unique(locality):
        assert len(np.unique(area[locality == loc])) == 1
    for a in np.unique(area):
        members = area == a
        # About target-sized: round(list / target) localities, at least one.
        k = max(1, round(lists[members].sum() / 20_000))
        assert 1 <= len(np.unique(locality[members])) <= k


def test_a_small_area_is_one_locality_and_k_never_exceeds_practices():
    xy = np.array([[0.0, 0.0], [100.0, 0.0], [3.0, 4.0]])
    area = np.array([0, 0, 1])
    lists = np.array([1_000, 1_000, 500_000])  # area 1: 10 localities' worth, one practice
    assert assign_localities(xy, area, lists, 50_000).tolist() == [0, 0, 1]


# --- lots -------------------------------------------------------------------------------------
# Five practices, lists 1,000 ... 5,000, areas [0, 0, 0, 1, 1]; expected a quarter:
EMERGENCY = np.array([10.0, 20.0, 30.0, 60.0, 50.0])
ELECTIVE = np.array([5.0, 10.0, 15.0, 20.0, 25.0])
CAPITATED = np.array([9.0, 18.0, 27.0, 54.0, 45.0])
EXPECTED = (EMERGENCY, ELECTIVE, CAPITATED)


def five_practices(**columns) -> PracticeState:
    values = {
        "list_size": np.array([1000, 2000, 3000, 4000, 5000]),
        "area": np.array([0, 0, 0, 1, 1]),
        # Attributable shares d / (1 + d): 0.2, 0.2, 0.2, 1/3, 0.2.
        "diabetes_prevalence": np.array([0.25, 0.25, 0.25, 0.5, 0.25]),
        "partners": 2,
    }
    values.update(columns)
    return practice_state(5, **values)


def test_optional_lots_one_population_lot_per_opting_federation():
    # Federation 7 offers practices 0 and 1:
    #   hospital 30 x 1000 = 30,000 + 15 x 500 = 7,500; community 100 x 3,000 = 300,000
    #   -> 337,500; emergency share 30,000 / 337,500; outcome baseline: capitated 9 + 18 = 27.
    # Federation 9 offers practice 3: 60,000 + 10,000 + 400,000 = 470,000; capitated 54.
    lots = optional_lots(
        five_practices(), levers(), [(7, np.array([0, 1])), (9, np.array([3]))], EXPECTED
    )
    assert [(lot.kind, lot.area, lot.federation) for lot in lots] == [
        ("population", 0, 7),
        ("population", 1, 9),
    ]
    assert [lot.practices.tolist() for lot in lots] == [[0, 1], [3]]
    assert lots[0].baseline_gbp_per_quarter == pytest.approx(337_500.0)
    assert lots[0].emergency_share == pytest.approx(30_000.0 / 337_500.0)
    assert lots[0].expected_emergency == pytest.approx(27.0)
    assert lots[1].baseline_gbp_per_quarter == pytest.approx(470_000.0)
    assert lots[1].emergency_share == pytest.approx(60_000.0 / 470_000.0)
    assert lots[1].expected_emergency == pytest.approx(54.0)


def test_optional_lots_none_offered():
    assert optional_lots(five_practices(), levers(), [], EXPECTED) == []


def tendered(**lever_changes):
    # Practice 1 is covered by contract 3 and practice 4 is closed: the free practices are
    # 0 and 2 (locality 0) and 3 (locality 2).
    state = five_practices(is_open=np.array([True, True, True, True, False]))
    coverage = np.array([NO_CONTRACT, 3, NO_CONTRACT, NO_CONTRACT, NO_CONTRACT])
    locality = np.array([0, 1, 0, 2, 2])
    return tendered_lots(state, levers(**lever_changes), coverage, locality, EXPECTED)


def test_tendered_lots_groups():
    lots = tendered()
    assert [(lot.kind, lot.area, lot.practices.tolist()) for lot in lots] == [
        ("population", 0, [0, 2]),
        ("population", 1, [3]),
        ("diabetes", 0, [0, 2]),
        ("diabetes", 1, [3]),
    ]
    assert all(lot.federation is None for lot in lots)


def test_tendered_population_lot_baselines():
    # Locality 0 (practices 0, 2): 40 x 1000 + 20 x 500 + 100 x 4,000 = 450,000; capitated 36.
    # Locality 2 (practice 3):    60 x 1000 + 20 x 500 + 100 x 4,000 = 470,000; capitated 54.
    population = tendered()[:2]
    assert [lot.baseline_gbp_per_quarter for lot in population] == pytest.approx(
        [450_000.0, 470_000.0]
    )
    assert [lot.emergency_share for lot in population] == pytest.approx(
        [40_000.0 / 450_000.0, 60_000.0 / 470_000.0]
    )
    assert [lot.expected_emergency for lot in population] == pytest.approx([36.0, 54.0])


def test_tendered_diabetes_lot_baselines():
    # Area 0 (practices 0, 2): attributable emergencies 0.2 x 10 + 0.2 x 30 = 8 -> 8,000;
    #   no electives; diabetes care 200 x (0.25 x 1,000 + 0.25 x 3,000) = 200,000 -> 208,000.
    # Area 1 (practice 3): 60 / 3 = 20 -> 20,000; 200 x 0.5 x 4,000 = 400,000 -> 420,000.
    # The outcome baseline is the attributable emergencies as paid for now (not capitated).
    diabetes = tendered()[2:]
    assert [lot.baseline_gbp_per_quarter for lot in diabetes] == pytest.approx(
        [208_000.0, 420_000.0]
    )
    assert [lot.emergency_share for lot in diabetes] == pytest.approx(
        [8_000.0 / 208_000.0, 20_000.0 / 420_000.0]
    )
    assert [lot.expected_emergency for lot in diabetes] == pytest.approx([8.0, 20.0])


def test_no_pathway_lots_without_the_lever():
    lots = tendered(pathway_lots=False)
    assert [lot.kind for lot in lots] == ["population", "population"]


def test_an_area_left_out_leaves_the_other_areas_lots_exactly_as_they_were():
    """Lots are made only for commissioners that can tender: the others' lots are unchanged."""
    state = five_practices(is_open=np.array([True, True, True, True, False]))
    coverage = np.array([NO_CONTRACT, 3, NO_CONTRACT, NO_CONTRACT, NO_CONTRACT])
    locality = np.array([0, 1, 0, 2, 2])
    every = tendered_lots(state, levers(), coverage, locality, EXPECTED)
    area_0_left_out = tendered_lots(state, levers(), coverage, locality, EXPECTED, state.area == 0)

    def described(lots):
        return [{**vars(lot), "practices": lot.practices.tolist()} for lot in lots]

    assert described(area_0_left_out) == described([lot for lot in every if lot.area != 0])
    assert [lot.area for lot in area_0_left_out] == [1, 1]


def test_no_lots_when_every_open_practice_is_covered():
    state = five_practices()
    lots = tendered_lots(state, levers(), np.arange(5), np.zeros(5, dtype=np.int64), EXPECTED)
    assert lots == []


def test_lot_baseline_per_head():
    # All five practices (15,000 patients): emergency 170 x 1000 = 170,000, elective 75 x 500
    # = 37,500, community 100 x 15,000 = 1,500,000; total 1,707,500.
    per_head, emergency_share = lot_baseline_per_head(five_practices(), EXPECTED, levers())
    assert per_head == pytest.approx(1_707_500.0 / 15_000.0)
    assert emergency_share == pytest.approx(170_000.0 / 1_707_500.0)


# --- main_trusts ------------------------------------------------------------------------------


def test_main_trust_is_where_most_patients_are_referred():
    state = practice_state(
        6,
        list_size=np.array([1000, 2000, 3000, 500, 500, 5000]),
        referral_trust=np.array([[0, 1], [1, 2], [0, 1], [1, 0], [1, 0], [0, 2]]),
        referral_share=np.array(
            [[0.6, 0.4], [0.3, 0.7], [0.55, 0.45], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]
        ),
        diabetes_prevalence=0.06,
        partners=2,
    )

    def lot(practices):
        return Lot("population", 0, np.array(practices), 1.0, 0.5, 1.0)

    lots = [lot([0, 1]), lot([2]), lot([3, 4, 5])]
    # Lot 0: trust 0 600, trust 1 400 + 600 = 1,000, trust 2 1,400 -> trust 2.
    # Lot 1: trust 0 1,650, trust 1 1,350 -> trust 0.
    # Lot 2: two small practices refer to trust 1 (1,000) but the large one to trust 0 (5,000):
    #   patients, not practices, decide -> trust 0.
    assert main_trusts(state, 3, lots).tolist() == [2, 0, 0]
    # Many lots at once give each lot's own main trust.
    assert [int(main_trusts(state, 3, [one])[0]) for one in lots] == [2, 0, 0]


# --- Lot --------------------------------------------------------------------------------------


def test_reserve_is_the_baseline_less_the_savings_target():
    lot = Lot("population", 0, np.array([0]), 1000.0, 0.5, 1.0)
    assert lot.reserve_gbp_per_quarter(levers(savings_target=0.05)) == pytest.approx(950.0)
    assert lot.reserve_gbp_per_quarter(levers(savings_target=0.0)) == pytest.approx(1000.0)
