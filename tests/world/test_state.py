"""Practice state readers: many federations at once read what one at a time reads."""

import numpy as np
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
