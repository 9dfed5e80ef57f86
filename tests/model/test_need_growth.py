"""Need per patient grows at its lever's rate, and admissions per head follow (MODEL-SPEC B7)."""

import numpy as np
import pytest

from gpfed import GPFedModel

SEEDS = [1, 2, 3, 4]


def admissions_per_1000(seed: int, growth: float) -> tuple[float, float]:
    frame = (
        GPFedModel(rng=seed, n_practices=80, agent_table_every=0, need_growth_per_year=growth)
        .run(40)
        .to_frame()
    )
    series = frame["emergency_admissions_per_1000"]
    return float(series.iloc[1:5].mean()), float(series.iloc[-4:].mean())


@pytest.mark.parametrize("seed", SEEDS)
def test_admissions_per_head_rise_with_need_and_not_without(seed):
    first, last = admissions_per_1000(seed, 0.015)
    # Nine and a half years at 1.5% a year: about +15% from need alone.
    assert last / first > 1.08
    first_flat, last_flat = admissions_per_1000(seed, 0.0)
    assert last_flat / first_flat < 1.03


def test_need_growth_can_follow_a_schedule():
    frame = (
        GPFedModel(
            rng=5,
            n_practices=80,
            agent_table_every=0,
            need_growth_per_year={0: 0.0, 20: 0.05},
        )
        .run(40)
        .to_frame()
    )
    series = frame["emergency_admissions_per_1000"].to_numpy()
    before, after = series[1:20].mean(), series[-4:].mean()
    assert np.isfinite(before) and after / before > 1.15
