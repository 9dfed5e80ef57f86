"""Fixed-seed runs reproduce the stored baselines bit for bit (tests/baselines/).

A change that alters outcomes on purpose updates them with ``scripts/update_baselines.py``, in a
commit of its own that says why.
"""

import pandas as pd
import pytest

from tests.baselines.cases import cases, path, run_case

ENGLAND_SCALE = {"england_2013"}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.slow) if name in ENGLAND_SCALE else name
        for name in cases()
    ],
)
def test_run_reproduces_its_baseline(name):
    for table, frame in run_case(name).items():
        stored = pd.read_parquet(path(name, table))
        pd.testing.assert_frame_equal(frame, stored, check_exact=True, obj=f"{name}/{table}")


def test_every_stored_case_is_still_run():
    folder = path("x", "y").parents[1]
    stored = {p.name for p in folder.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert stored == set(cases())
