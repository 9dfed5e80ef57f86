"""Targets: each is read from the right rows, in England terms; roles and the distance."""

import numpy as np
import pandas as pd
import pytest

from gpfed.calibration.targets import (
    BY_CONSTRUCTION,
    BY_NAME,
    FITTED,
    OUT_OF_SAMPLE,
    QUARTERS_NEEDED,
    SERIES_NEEDED,
    TARGETS,
    distance,
    fitted_targets,
    quarters_needed,
    summarise,
    summarise_runs,
)
from gpfed.outputs import METRICS


def synthetic_series(quarters: int = QUARTERS_NEEDED) -> pd.DataFrame:
    """A run of 805 practices: every column counts up by one a quarter from its step."""
    labels = pd.period_range("2013Q2", periods=quarters, freq="Q")
    steps = np.arange(quarters + 1)
    frame = pd.DataFrame({"step": steps, "quarter": ["2013Q2", *(str(q) for q in labels)]})
    for column in SERIES_NEEDED:
        frame[column] = 1000.0 + steps
    return frame


def test_readings_pick_the_target_quarters_and_scale_counts_to_england():
    values = summarise(synthetic_series(), n_practices=805)
    scale = 8053 / 805
    # 1 July 2013 is the end of the first simulated quarter (row 1); 1 October 2014 row 6.
    assert values["practices_july_2013"] == pytest.approx(1001 * scale)
    assert values["practices_oct_2014"] == pytest.approx(1006 * scale)
    # Mean lists are not scaled; 1 April 2015 is the end of 2015Q1 (row 8).
    assert values["mean_list_apr_2015"] == pytest.approx(1008)
    # A financial year's flow sums its four quarters: 2013Q2-2014Q1 are rows 1-4, and
    # closures and mergers are added.
    assert values["exits_2013_14"] == pytest.approx(2 * (1001 + 1002 + 1003 + 1004) * scale)
    # July 2016 to June 2017: rows 14-17.
    assert values["exits_2016_17"] == pytest.approx(2 * (1014 + 1015 + 1016 + 1017) * scale)
    # Calendar 2015 (2015Q1-2015Q4, rows 8-11) is a mean; shares are not scaled.
    assert values["collaboration_2015"] == pytest.approx(1009.5)
    # Out-of-sample targets need a longer run: a run of the fitting window omits them.
    assert "practices_mar_2018" not in values


def test_too_short_a_run_is_refused_with_the_quarters_needed():
    with pytest.raises(ValueError, match=f"at least {quarters_needed()} quarters"):
        summarise(synthetic_series(quarters=12), n_practices=805, targets=TARGETS)
    everything = summarise(synthetic_series(quarters=quarters_needed()), n_practices=805)
    assert set(everything) == set(BY_NAME)


def test_summarise_runs_gives_one_row_per_run():
    one, two = synthetic_series().assign(run_id="a"), synthetic_series().assign(run_id="b")
    two["mean_list_size"] += 100
    table = summarise_runs(pd.concat([one, two]), n_practices=805)
    assert list(table.index) == ["a", "b"]
    assert table.loc["b", "mean_list_oct_2014"] - table.loc["a", "mean_list_oct_2014"] == 100


def test_distance_is_the_largest_miss_in_tolerances_over_fitted_targets():
    exact = pd.DataFrame([{t.name: t.observed for t in TARGETS}])
    edge = pd.DataFrame([{t.name: t.observed + t.tolerance for t in TARGETS}])
    assert distance(exact)[0] == 0
    assert distance(edge)[0] == pytest.approx(1.0)
    # Targets reproduced by construction, reported ones and out-of-sample ones are not fitted.
    far = edge.assign(
        practices_july_2013=0.0, trusts_in_deficit_2015_16=0.0, practices_mar_2022=0.0
    )
    assert distance(far)[0] == pytest.approx(1.0)
    one_miss = exact.assign(collaboration_2015=0.73 - 3 * 0.05)
    assert distance(one_miss)[0] == pytest.approx(3.0)


def test_fitted_targets_lie_in_the_fitting_window_and_out_of_sample_ones_after_it():
    end_of_window = QUARTERS_NEEDED  # the end of June 2017
    assert end_of_window == 17
    for target in TARGETS:
        last = target.steps[1]
        if target.role == OUT_OF_SAMPLE:
            assert target.steps[0] > end_of_window - 4, target.name
        else:
            assert last <= end_of_window, target.name
    assert {t.role for t in TARGETS} >= {FITTED, BY_CONSTRUCTION, OUT_OF_SAMPLE}
    assert len(fitted_targets()) >= 15


def test_every_target_reads_model_series_and_states_its_source_and_tolerance():
    for target in TARGETS:
        assert set(target.columns) <= set(METRICS), target.name
        assert target.source and target.tolerance > 0 and target.tolerance_text, target.name
        if target.role == BY_CONSTRUCTION:
            assert target.note, target.name
    assert BY_NAME["practices_oct_2014"].tolerance == pytest.approx(0.01 * 7875)
    assert BY_NAME["collaboration_2015"].tolerance == pytest.approx(0.05)


def test_a_target_with_an_unknown_reading_or_role_is_refused():
    target = BY_NAME["practices_oct_2014"]
    with pytest.raises(ValueError, match="reading 'median'"):
        type(target)(**{**target.__dict__, "reading": "median"})
