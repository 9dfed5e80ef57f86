"""Practice state: many federations at once read what one at a time reads; the membership record."""

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpfed.world.units import NO_FEDERATION
from tests.handmade import practice_state


@given(
    lists=st.lists(st.integers(0, 20_000), min_size=1, max_size=30),
    owners=st.lists(st.sampled_from([NO_FEDERATION, 101, 102, 105]), min_size=30, max_size=30),
)
def test_federation_totals_are_each_federations_count_and_pooled_list(lists, owners):
    state = practice_state(list_size=lists)
    for practice, owner in enumerate(owners[: len(lists)]):
        state.set_federation(practice, owner)
    asked = np.array([105, 101, 999, 102, 101], dtype=np.int64)
    counts, pooled = state.federation_totals(asked)
    assert counts.tolist() == [state.member_count(f) for f in asked.tolist()]
    assert pooled.tolist() == [state.federation_list_size(f) for f in asked.tolist()]
    assert counts.dtype == pooled.dtype == np.int64


def test_the_federation_column_refuses_writes_but_follows_every_move():
    state = practice_state(list_size=[100, 200, 300])
    column = state.federation
    state.set_federation([0, 2], 7)
    state.set_federation(1, 8)
    assert column.tolist() == [7, 8, 7]
    with pytest.raises(ValueError, match="read-only"):
        column[0] = 9


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda s: pickle.loads(pickle.dumps(s))])
def test_a_copied_state_keeps_its_federation_column_and_moves_on_its_own(duplicate):
    state = practice_state(list_size=[100, 200, 300])
    state.set_federation([0, 1], 7)
    again = duplicate(state)
    assert again.federation.tolist() == [7, 7, NO_FEDERATION]
    again.set_federation(2, 7)
    assert again.federation.tolist() == [7, 7, 7] and again.members_of(7) == [0, 1, 2]
    assert state.federation.tolist() == [7, 7, NO_FEDERATION] and state.members_of(7) == [0, 1]
    with pytest.raises(ValueError, match="read-only"):
        again.federation[0] = 9


@given(areas=st.lists(st.integers(0, 6), min_size=1, max_size=40))
def test_area_rows_are_each_areas_practices_in_row_order(areas):
    state = practice_state(list_size=[1_000] * len(areas), area=np.array(areas))
    for area in range(-1, 9):
        assert state.area_rows(area).tolist() == np.flatnonzero(state.area == area).tolist()
