"""Patients choose: switching follows quality when patients weigh it, and not when they do not."""

import numpy as np
import pandas as pd
import pytest

from gpfed import GPFedModel
from tests.model.test_integrated_mechanisms import assert_paired_increase

SEEDS = [1, 2, 3, 4, 5, 6, 7, 8]
# No exits, so every practice's list change over the decade is from growth and switching only:
# none fails on pay, none loses its GPs or passes the staffing limit, none merges by choice.
STAY_OPEN = {
    "n_practices": 120,
    "agent_table_every": 0,
    "exit_profit_threshold_share": 0.0,
    "gp_leaving_under_55_per_year": 0.0,
    "gp_leaving_55_59_per_year": 0.0,
    "gp_leaving_60_plus_per_year": 0.0,
    "partner_quit_pay_per_year": 0.0,
    "partner_quit_workload_per_year": 0.0,
    "understaffed_patients_per_gp": 100000.0,
    "merger_saving_gbp_per_patient_per_year": 0.0,
}


def quality_slope(seed: int, **values) -> float:
    """Change in log list over ten years per SD of starting quality, over open practices."""
    model = GPFedModel(rng=seed, **STAY_OPEN, **values)
    quality = model.practice_state.quality.copy()
    start = model.practice_state.list_size.astype(float)
    model.run(40)
    state = model.practice_state
    kept = state.is_open
    z = (quality - quality.mean()) / quality.std()
    return float(np.polyfit(z[kept], np.log(state.list_size[kept] / start[kept]), 1)[0])


def test_practices_of_higher_quality_gain_patients_only_when_patients_weigh_quality():
    weighed = [quality_slope(seed) for seed in SEEDS]
    ignored = [quality_slope(seed, patient_choice_quality_per_sd=0.0) for seed in SEEDS]
    # +1 SD of quality keeps or gains about 1-3% more of the list over ten years, seed by seed
    # (the lists also move with mergers and growth, so a seed can go the other way).
    assert_paired_increase(ignored, weighed)
    assert np.mean(weighed) - np.mean(ignored) > 0.008


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_with_nobody_switching_quality_weights_change_no_list(seed):
    nobody = quality_slope(seed, patient_switching_per_1000_per_year=0.0)
    also_nobody = quality_slope(
        seed, patient_switching_per_1000_per_year=0.0, patient_choice_quality_per_sd=2.0
    )
    assert nobody == also_nobody


def test_with_nobody_switching_the_choice_weights_change_nothing():
    still = GPFedModel(rng=3, **STAY_OPEN, patient_switching_per_1000_per_year=0.0).run(12)
    weights = GPFedModel(
        rng=3,
        **STAY_OPEN,
        patient_switching_per_1000_per_year=0.0,
        patient_choice_distance_per_km=5.0,
    ).run(12)
    pd.testing.assert_frame_equal(still.to_frame(), weights.to_frame())
