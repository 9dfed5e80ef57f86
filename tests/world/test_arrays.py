"""Array helpers: each gives what the plain Python it replaces gives."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gpfed.world.arrays import lookup


@given(
    table=st.dictionaries(st.integers(0, 50), st.floats(-1e6, 1e6), max_size=20),
    keys=st.lists(st.integers(0, 60), max_size=30),
    default=st.floats(-10, 10),
)
def test_lookup_gives_what_get_gives_key_by_key(table, keys, default):
    looked_up = lookup(table, np.array(keys, dtype=np.int64), default)
    assert looked_up.tolist() == [table.get(k, default) for k in keys]


@given(
    table=st.dictionaries(st.integers(0, 50), st.integers(-(2**62), 2**62), max_size=20),
    keys=st.lists(st.integers(0, 60), max_size=30),
)
def test_lookup_of_whole_numbers_stays_whole_and_exact(table, keys):
    looked_up = lookup(table, np.array(keys, dtype=np.int64), 0)
    assert looked_up.dtype == np.int64
    assert looked_up.tolist() == [table.get(k, 0) for k in keys]
