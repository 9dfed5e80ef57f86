"""Intervals respect what a quantity can be: a count's not below zero, a share's not above one."""

import numpy as np
import pandas as pd
import pytest

from gpfed import GPFedModel
from gpfed.compare import t_interval
from gpfed.outputs import METRICS, series_range


def test_an_interval_is_cut_to_the_values_the_quantity_can_take():
    rare = pd.Series([0.0, 0.0, 0.0, 3.0])  # e.g. hand-backs: mean 0.75, wide t-interval
    whole = t_interval(rare)
    cut = t_interval(rare, *series_range("contract_handbacks"))
    assert whole["ci_low"] < 0
    assert cut["ci_low"] == 0.0 and cut["ci_high"] == whole["ci_high"]
    share = t_interval(pd.Series([1.0, 1.0, 0.7]), *series_range("share_practices_federated"))
    assert share["ci_high"] == 1.0


@pytest.mark.parametrize("scenario", ["status_quo", "competitive_commissioning"])
def test_every_series_stays_within_its_stated_range(scenario):
    frame = GPFedModel(scenario, rng=3, n_practices=80).run(24).to_frame()
    for name in METRICS:
        low, high = series_range(name)
        values = frame[name].dropna().to_numpy(dtype=float)
        assert np.all(values >= low) and np.all(values <= high), name
