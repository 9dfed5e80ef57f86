"""Target summaries read the right rows, in England terms, and the distance is in tolerances."""

import numpy as np
import pandas as pd
import pytest

from gpfed.calibration.targets import (
    BY_NAME,
    QUARTERS_NEEDED,
    TARGETS,
    distance,
    fitted_targets,
    summarise,
    summarise_runs,
)


def synthetic_series(quarters: int = QUARTERS_NEEDED) -> pd.DataFrame:
    """A run of 805 practices: 1 closure and 2 mergers a quarter, lists growing 10 a quarter."""
    labels = pd.period_range("2013Q2", periods=quarters, freq="Q")
    steps = np.arange(quarters + 1)
    return pd.DataFrame(
        {
            "step": steps,
            "quarter": ["2013Q2", *(str(q) for q in labels)],
            "practices_open": 805 - 3 * steps,
            "closures": [np.nan, *([1.0] * quarters)],
            "mergers": [np.nan, *([2.0] * quarters)],
            "mean_list_size": 6900.0 + 10 * steps,
            "share_practices_federated": steps / 100,
            "emergency_admissions": [np.nan, *([13_000.0] * quarters)],
        }
    )


def test_summaries_pick_the_target_periods_and_scale_counts_to_england():
    values = summarise(synthetic_series(), n_practices=805)
    scale = 8053 / 805
    # 1 July 2013 is the end of the first simulated quarter (row 1).
    assert values["practices_july_2013"] == pytest.approx(802 * scale)
    # Financial years: 2013Q2-2014Q1 are rows 1-4, 2014Q2-2015Q1 rows 5-8.
    assert values["exits_2013_14"] == pytest.approx(12 * scale)
    assert values["exits_2014_15"] == pytest.approx(12 * scale)
    assert values["mean_list_2013_14"] == pytest.approx(6900 + 10 * 2.5)
    assert values["mean_list_2014_15"] == pytest.approx(6900 + 10 * 6.5)
    # Calendar 2015: quarters 2015Q1-2015Q4 are rows 8-11; shares are not scaled.
    assert values["collaboration_2015"] == pytest.approx(0.095)
    assert values["emergency_admissions_a_year"] == pytest.approx(4 * 13_000 * scale)


def test_too_short_a_run_is_refused_with_the_quarters_needed():
    with pytest.raises(ValueError, match=f"at least {QUARTERS_NEEDED} quarters"):
        summarise(synthetic_series(quarters=6), n_practices=805)


def test_summarise_runs_gives_one_row_per_run():
    one, two = synthetic_series().assign(run_id="a"), synthetic_series().assign(run_id="b")
    two["mean_list_size"] += 100
    table = summarise_runs(pd.concat([one, two]), n_practices=805)
    assert list(table.index) == ["a", "b"]
    assert table.loc["b", "mean_list_2013_14"] - table.loc["a", "mean_list_2013_14"] == 100


def test_distance_is_the_largest_miss_in_tolerances():
    exact = pd.DataFrame([{t.name: t.observed for t in TARGETS}])
    edge = pd.DataFrame([{t.name: t.observed + t.tolerance for t in TARGETS}])
    assert distance(exact)[0] == 0
    assert distance(edge)[0] == pytest.approx(1.0)
    # The set-up check (practice count) is reported but not fitted.
    assert "practices_july_2013" not in {t.name for t in fitted_targets()}
    far = edge.assign(practices_july_2013=0.0)
    assert distance(far)[0] == pytest.approx(1.0)
    # The largest miss counts: one target at three tolerances gives 3 whatever the others.
    one_miss = exact.assign(collaboration_2015=0.73 - 3 * 0.05)
    assert distance(one_miss)[0] == pytest.approx(3.0)


def test_tolerances_are_as_stated():
    assert BY_NAME["practices_july_2013"].tolerance == pytest.approx(0.02 * 8053)
    assert BY_NAME["collaboration_2015"].tolerance == pytest.approx(0.05)
    for target in TARGETS:
        assert target.tolerance > 0 and target.source and target.period
