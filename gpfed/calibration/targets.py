"""What happened to English general practice, 2013-2015: the targets the model answers to.

Each :class:`Target` holds an observed figure, the period it covers, its source and the
tolerance the model must meet. Tolerances were fixed before any fitting (see docs/VALIDATION.md)
and are not to be widened after seeing a fit.

Runs at a reduced scale (fewer practices than England's 8,053) are compared in England terms:
counts are multiplied by ``8,053 / n_practices`` (:func:`summarise`), shares and means are not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

ENGLAND_PRACTICES_JULY_2013 = 8053
"""Open practices in England on 1 July 2013 (NHS Digital), the scale counts are expressed at."""

SERIES_NEEDED = (
    "practices_open",
    "closures",
    "mergers",
    "mean_list_size",
    "share_practices_federated",
    "emergency_admissions",
)
"""Model series the summaries read (sweeps must keep them as series)."""

QUARTERS_NEEDED = 12
"""Quarters from 2013Q2 that cover every target period (to the end of 2015/16)."""


@dataclass(frozen=True)
class Target:
    """One observed figure the model must reproduce.

    Attributes:
        name: identifier (column of :func:`summarise`'s output).
        label: what it is, for tables.
        observed: the observed value, in ``unit``.
        unit: unit of ``observed``, ``tolerance`` and the simulated value.
        tolerance: largest acceptable |simulated - observed|, in ``unit``.
        tolerance_text: the tolerance as stated before fitting (e.g. "within 2%").
        period: when the figure applies.
        source: where the figure comes from.
        count: a count that scales with the number of practices (compared in England terms).
        fitted: used by the calibration (False: reported by the validation only).
    """

    name: str
    label: str
    observed: float
    unit: str
    tolerance: float
    tolerance_text: str
    period: str
    source: str
    count: bool
    fitted: bool = True


TARGETS: tuple[Target, ...] = (
    Target(
        name="practices_july_2013",
        label="Open GP practices",
        observed=8053,
        unit="practices",
        tolerance=0.02 * 8053,
        tolerance_text="within 2%",
        period="1 July 2013",
        source="NHS Digital (HSCIC), Numbers of Patients Registered at a GP Practice, July 2013",
        count=True,
        # The model starts with this many practices, so it checks the set-up, not the fit.
        fitted=False,
    ),
    Target(
        name="exits_2013_14",
        label="Practice closures and mergers a year",
        observed=99,
        unit="practices a year",
        tolerance=0.30 * 99,
        tolerance_text="within 30%",
        period="2013/14",
        source="HSCIC figures reported by HSJ (2015), 'Nearly 600 GP practices closed since "
        "2010': 91, 115, 145, 99, 149 closures and mergers in 2010/11-2014/15",
        count=True,
    ),
    Target(
        name="exits_2014_15",
        label="Practice closures and mergers a year",
        observed=149,
        unit="practices a year",
        tolerance=0.30 * 149,
        tolerance_text="within 30%",
        period="2014/15",
        source="HSCIC figures reported by HSJ (2015), as above",
        count=True,
    ),
    Target(
        name="mean_list_2013_14",
        label="Mean registered list",
        observed=6911,
        unit="patients",
        tolerance=0.02 * 6911,
        tolerance_text="within 2%",
        period="2013/14 (mean of the four quarters)",
        source="NHS Digital (HSCIC) registered patients and practice counts, 2013/14",
        count=False,
    ),
    Target(
        name="mean_list_2014_15",
        label="Mean registered list",
        observed=7052,
        unit="patients",
        tolerance=0.02 * 7052,
        tolerance_text="within 2%",
        period="2014/15 (mean of the four quarters)",
        source="NHS Digital (HSCIC) registered patients and practice counts, 2014/15",
        count=False,
    ),
    Target(
        name="collaboration_2015",
        label="Share of practices in some form of collaboration",
        observed=0.73,
        unit="share of practices",
        tolerance=0.05,
        tolerance_text="within 5 points",
        period="2015 (mean of the calendar year's quarters)",
        source="Nuffield Trust / RCGP survey of GP practices, 2015",
        count=False,
    ),
    Target(
        name="emergency_admissions_a_year",
        label="Emergency admissions a year",
        observed=5.3e6,
        unit="admissions a year",
        tolerance=0.05 * 5.3e6,
        tolerance_text="within 5%",
        period="2012/13 observed; the model's first year, 2013/14, simulated",
        source="National Audit Office (2013), Emergency admissions to hospital: managing the "
        "demand (5.3m in 2012/13)",
        count=True,
    ),
)
"""Every target, in reporting order."""

BY_NAME: dict[str, Target] = {t.name: t for t in TARGETS}


def fitted_targets() -> tuple[Target, ...]:
    """The targets the calibration fits (all but the set-up check)."""
    return tuple(t for t in TARGETS if t.fitted)


def _financial_year(quarter: pd.Series) -> pd.Series:
    """Year in which the financial year of each ``"YYYYQn"`` label starts (April-March)."""
    year = quarter.str.slice(0, 4).astype(int)
    return year - (quarter.str.slice(5, 6).astype(int) == 1)


def _in_financial_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    simulated = frame[frame["step"] > 0]
    rows = simulated[_financial_year(simulated["quarter"]) == year]
    if len(rows) != 4:
        raise ValueError(
            f"financial year {year}/{(year + 1) % 100:02d} needs four simulated quarters; "
            f"the run has {len(rows)} (run at least {QUARTERS_NEEDED} quarters from 2013Q2)"
        )
    return rows


def _flow(frame: pd.DataFrame, year: int, columns: tuple[str, ...]) -> float:
    return float(_in_financial_year(frame, year)[list(columns)].to_numpy().sum())


def _year_mean(frame: pd.DataFrame, year: int, column: str) -> float:
    return float(_in_financial_year(frame, year)[column].mean())


def _practices_july_2013(frame: pd.DataFrame) -> float:
    # Row s holds the state at the end of the quarter in its ``quarter`` column and the flows
    # during it (row 0 is the starting state), so the end of 2013Q2 is 1 July 2013.
    return float(frame.loc[frame["quarter"] == "2013Q2", "practices_open"].iloc[-1])


def _collaboration_2015(frame: pd.DataFrame) -> float:
    in_2015 = frame["quarter"].str.startswith("2015")
    return float(frame.loc[in_2015, "share_practices_federated"].mean())


SUMMARIES: dict[str, Callable[[pd.DataFrame], float]] = {
    "practices_july_2013": _practices_july_2013,
    "exits_2013_14": partial(_flow, year=2013, columns=("closures", "mergers")),
    "exits_2014_15": partial(_flow, year=2014, columns=("closures", "mergers")),
    "mean_list_2013_14": partial(_year_mean, year=2013, column="mean_list_size"),
    "mean_list_2014_15": partial(_year_mean, year=2014, column="mean_list_size"),
    "collaboration_2015": _collaboration_2015,
    "emergency_admissions_a_year": partial(_flow, year=2013, columns=("emergency_admissions",)),
}
"""How each target's simulated value is read from one run's series."""


def summarise(series: pd.DataFrame, n_practices: int) -> dict[str, float]:
    """Simulated value of every target from one run's series, in England terms.

    Args:
        series: one run's model series (``step``, ``quarter`` and :data:`SERIES_NEEDED`),
            starting in 2013Q2 and covering at least :data:`QUARTERS_NEEDED` quarters.
        n_practices: practices the run started with; counts are scaled by
            ``8,053 / n_practices``.
    """
    scale = ENGLAND_PRACTICES_JULY_2013 / n_practices
    frame = series.sort_values("step")
    values = {}
    for target in TARGETS:
        value = SUMMARIES[target.name](frame)
        values[target.name] = value * scale if target.count else value
    return values


def summarise_runs(series: pd.DataFrame, n_practices: int) -> pd.DataFrame:
    """:func:`summarise` for every run of a sweep's kept series (one row per ``run_id``)."""
    rows = {
        run_id: summarise(frame, n_practices)
        for run_id, frame in series.groupby("run_id", sort=True)
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("run_id")


def distance(simulated: pd.DataFrame) -> np.ndarray:
    """The largest error on any fitted target, in units of its tolerance (one per row).

    A run (or a mean over runs) is within every tolerance exactly when its distance is at most
    1: the maximum norm matches the aim of meeting every tolerance, where a root mean square
    would trade a large miss on one target against small ones elsewhere.
    """
    fitted = fitted_targets()
    errors = np.column_stack(
        [(simulated[t.name].to_numpy() - t.observed) / t.tolerance for t in fitted]
    )
    return np.abs(errors).max(axis=1)
