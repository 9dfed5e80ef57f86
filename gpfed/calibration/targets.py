"""What happened to English general practice, 2013-2024: the targets the model answers to.

Each :class:`Target` holds an observed figure, the quarters it covers, how it is read from a run,
its source, the tolerance the model must meet and its role:

- ``fitted``: in the fitting window (April 2013 to June 2017) and used by the calibration;
- ``by construction``: reproduced by the set-up or a sourced input, reported, never evidence;
- ``reported``: in the fitting window, compared but not fitted (no fitted parameter acts on it);
- ``out of sample``: after the fitting window, compared by the validation only.

Tolerances were fixed before any fitting (docs/VALIDATION.md) and are not to be widened after
seeing a fit. Runs at a reduced scale (fewer practices than England's 8,053) are compared in
England terms: counts are multiplied by ``8,053 / n_practices`` (:func:`summarise`), shares and
means are not.

Row ``s`` of a run's series is the state at the end of the quarter in its ``quarter`` column and
the flows during it (row 0 is the starting state); "1 April 2015" is read at the end of 2015Q1,
a figure for the start of a month between quarter ends at the nearest quarter end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ENGLAND_PRACTICES_JULY_2013 = 8053
"""Open practices in England on 1 July 2013 (NHS Digital), the scale counts are expressed at."""

FITTED = "fitted"
BY_CONSTRUCTION = "by construction"
REPORTED = "reported"
OUT_OF_SAMPLE = "out of sample"
ROLES = (FITTED, BY_CONSTRUCTION, REPORTED, OUT_OF_SAMPLE)

FIRST_QUARTER = pd.Period("2013Q2", freq="Q")
"""The quarter ``england_2013`` starts in (its first simulated row ends it)."""

READINGS = ("end", "sum", "mean")
"""How a target is read over its quarters: the value at the end of the last, the sum of a flow,
or the mean of a stock."""


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
        period: when the figure applies, in words.
        source: where the figure comes from.
        columns: the model series it is read from (a sum of them).
        first: first quarter read (``"YYYYQn"``).
        last: last quarter read.
        reading: one of :data:`READINGS`.
        count: a count that scales with the number of practices (compared in England terms).
        role: one of :data:`ROLES`.
        note: why the role, or what the comparison does not show.
    """

    name: str
    label: str
    observed: float
    unit: str
    tolerance: float
    tolerance_text: str
    period: str
    source: str
    columns: tuple[str, ...]
    first: str
    last: str
    reading: str
    count: bool
    role: str = FITTED
    note: str = ""

    def __post_init__(self) -> None:
        if self.reading not in READINGS or self.role not in ROLES:
            raise ValueError(f"{self.name}: reading {self.reading!r}, role {self.role!r}")

    @property
    def fitted(self) -> bool:
        """Whether the calibration fits this target."""
        return self.role == FITTED

    @property
    def steps(self) -> tuple[int, int]:
        """First and last row of a run's series read (row 1 ends the first quarter)."""
        first = (pd.Period(self.first, freq="Q") - FIRST_QUARTER).n + 1
        return first, (pd.Period(self.last, freq="Q") - FIRST_QUARTER).n + 1


def _share(name, label, observed, points, period, source, first, last, reading, column, **kw):
    return Target(
        name,
        label,
        observed,
        "share",
        points,
        f"within {points * 100:.0f} points",
        period,
        source,
        (column,),
        first,
        last,
        reading,
        count=False,
        **kw,
    )


def _relative(
    name, label, observed, unit, share, period, source, first, last, reading, columns, count, **kw
):
    return Target(
        name,
        label,
        observed,
        unit,
        share * observed,
        f"within {share * 100:g}%",
        period,
        source,
        columns,
        first,
        last,
        reading,
        count=count,
        **kw,
    )


def _practices(name, observed, period, quarter, source, role=FITTED, note=""):
    return _relative(
        name, "Open GP practices", observed, "practices", 0.01, period, source, quarter,
        quarter, "end", ("practices_open",), True, role=role, note=note,
    )  # fmt: skip


def _mean_list(name, observed, period, quarter, source, role=FITTED, note=""):
    return _relative(
        name, "Mean registered list", observed, "patients", 0.01, period, source, quarter,
        quarter, "end", ("mean_list_size",), False, role=role, note=note,
    )  # fmt: skip


def _registered(name, observed, period, quarter, source, role=FITTED):
    return _relative(
        name, "Registered patients", observed, "patients", 0.01, period, source, quarter,
        quarter, "end", ("registered_patients",), True, role=role,
    )  # fmt: skip


def _gps(name, observed, period, quarter, source, role=FITTED):
    return _relative(
        name, "Fully qualified GPs in post, FTE", observed, "FTE", 0.03, period, source,
        quarter, quarter, "end", ("gp_fte",), True, role=role,
    )  # fmt: skip


def _partners(name, observed, period, quarter, source, role=FITTED, note=""):
    return _relative(
        name, "GP partners, FTE", observed, "FTE", 0.03, period, source, quarter, quarter,
        "end", ("partner_fte",), True, role=role, note=note,
    )  # fmt: skip


def _admissions(name, observed, period, first, source, role=FITTED, note=""):
    last = str(pd.Period(first, freq="Q") + 3)
    return _relative(
        name, "Emergency admissions a year", observed, "admissions a year", 0.02, period,
        source, first, last, "sum", ("emergency_admissions",), True, role=role, note=note,
    )  # fmt: skip


def _exits(name, observed, period, first, source, role=FITTED):
    last = str(pd.Period(first, freq="Q") + 3)
    return _relative(
        name, "Practice closures and mergers a year", observed, "practices a year", 0.30,
        period, source, first, last, "sum", ("closures", "mergers"), True, role=role,
    )  # fmt: skip


DIGITAL = "NHS Digital, Patients Registered at a GP Practice"
GPONLINE_2019 = (
    "GPonline (Nov 2019), 'Proportion of GP practices with 20,000+ patients triples in five "
    "years', from NHS Digital: 7,875 practices, average list 7,212 and 56,793,044 patients in "
    "October 2014; 6,876 practices, average list 8,727 in September 2019"
)
GPONLINE_2022 = (
    "GPonline (2022), 'Soul of general practice at risk as small practices decimated since "
    "2015', from NHS Digital: practices 7,816 (April 2015) to 6,522 (March 2022), average list "
    "7,294 to 9,441"
)
PULSE_LISTS = (
    "Pulse (2015, 2016) from HSCIC: average list up 2.8% (197 patients) from April 2014 to "
    "April 2015, and 2.3% from April to December 2015 (with 7,294 in April 2015, GPonline 2022)"
)
YORKSHIRE_POST = (
    "NHS Digital registered patients on 1 July 2015, 2016 and 2017: 57,111,235, 57,744,814 and "
    "58,492,541 (reported by the Yorkshire Post, July 2017)"
)
CURRENT_WORKFORCE = (
    "NHS Digital General Practice Workforce, current series, as reported by Pettigrew et al., "
    "BJGP 2025 (29,364 in September 2015 and 27,966 in September 2024)"
)
NAO_2018 = (
    "National Audit Office (2018), Reducing emergency admissions, HC 833: 5.8m in 2016/17, up "
    "9.3% from 2013/14 and 7% from 2013/14 to 2015/16"
)
HSJ_2015 = (
    "HSCIC figures reported by HSJ (2015), 'Nearly 600 GP practices closed since 2010': 91, "
    "115, 145, 99, 149 closures and mergers in 2010/11-2014/15"
)

TARGETS: tuple[Target, ...] = (
    # The fitting window: April 2013 to June 2017.
    _practices(
        "practices_july_2013",
        8053,
        "1 July 2013",
        "2013Q2",
        f"{DIGITAL}, July 2013",
        role=BY_CONSTRUCTION,
        note="the model starts with this many practices",
    ),
    _practices("practices_oct_2014", 7875, "1 October 2014", "2014Q3", GPONLINE_2019),
    _practices("practices_apr_2015", 7816, "1 April 2015", "2015Q1", GPONLINE_2022),
    _exits("exits_2013_14", 99, "2013/14", "2013Q2", HSJ_2015),
    _exits("exits_2014_15", 149, "2014/15", "2014Q2", f"{HSJ_2015} (as above)"),
    _exits(
        "exits_2016_17",
        202,
        "July 2016 to June 2017",
        "2016Q3",
        "NHS Digital special topic, July 2017 registered patients release (202 practices "
        "closed or merged and 8 opened between 1 July 2016 and 30 June 2017; Management in "
        "Practice, 20 July 2017)",
    ),
    _mean_list("mean_list_apr_2014", 7097, "1 April 2014", "2014Q1", PULSE_LISTS),
    _mean_list("mean_list_oct_2014", 7212, "1 October 2014", "2014Q3", GPONLINE_2019),
    _mean_list("mean_list_apr_2015", 7294, "1 April 2015", "2015Q1", GPONLINE_2022),
    _mean_list("mean_list_dec_2015", 7462, "end of December 2015", "2015Q4", PULSE_LISTS),
    _registered("registered_july_2015", 57_111_235, "1 July 2015", "2015Q2", YORKSHIRE_POST),
    _registered("registered_july_2016", 57_744_814, "1 July 2016", "2016Q2", YORKSHIRE_POST),
    _registered("registered_july_2017", 58_492_541, "1 July 2017", "2017Q2", YORKSHIRE_POST),
    _gps("gp_fte_sep_2015", 29_364, "30 September 2015", "2015Q3", CURRENT_WORKFORCE),
    _partners(
        "partner_fte_sep_2015",
        21_688,
        "30 September 2015",
        "2015Q3",
        "NHS Digital General Practice Workforce (series before the February 2022 revision), "
        "as reported by GPonline, May 2021",
        role=REPORTED,
        note="fitted at first; no parameter set came within three tolerances, with partners "
        "fitted at the start as well: the model's partners fall at the 2015-2017 rate from "
        "2013, and enough of them in 2015 leaves too many GPs in all",
    ),
    _admissions(
        "emergency_admissions_2013_14",
        5.31e6,
        "2013/14 (5.8m / 1.093)",
        "2013Q2",
        NAO_2018,
        role=BY_CONSTRUCTION,
        note="the admission rate is set from the NAO's 5.3m for 2012/13 (DemandRates.calibrate)",
    ),
    _admissions(
        "emergency_admissions_2015_16", 5.68e6, "2015/16 (5.31m x 1.07)", "2015Q2", NAO_2018
    ),
    _admissions("emergency_admissions_2016_17", 5.8e6, "2016/17", "2016Q2", NAO_2018),
    _share(
        "collaboration_2015",
        "Share of practices in some form of collaboration",
        0.73,
        0.05,
        "2015 (mean of the calendar year's quarters)",
        "Nuffield Trust / RCGP survey of GP practices, 2015 (Nuffield Trust 2016, 'Is bigger "
        "better?': about three quarters)",
        "2015Q1",
        "2015Q4",
        "mean",
        "share_practices_federated",
        note="the survey counted any collaboration; its own breakdown (37% formal, 26% "
        "informal) sums to 63%",
    ),
    _share(
        "trusts_in_deficit_2014_15",
        "Share of trusts ending the year in deficit",
        0.47,
        0.10,
        "2014/15",
        "Monitor and NHS TDA via Pulse and HFMA: 44% of NHS trusts and half of the 152 "
        "foundation trusts",
        "2015Q1",
        "2015Q1",
        "end",
        "trusts_in_deficit_share",
        role=REPORTED,
        note="no fitted parameter acts on trust finances",
    ),
    _share(
        "trusts_in_deficit_2015_16",
        "Share of trusts ending the year in deficit",
        0.65,
        0.10,
        "2015/16",
        "NHS Improvement via the King's Fund: 157 of 240 trusts",
        "2016Q1",
        "2016Q1",
        "end",
        "trusts_in_deficit_share",
        role=REPORTED,
        note="no fitted parameter acts on trust finances",
    ),
    # After the fitting window.
    _practices(
        "practices_mar_2018",
        7271,
        "March 2018",
        "2018Q1",
        "Institute for Government, Performance Tracker 2018",
        role=OUT_OF_SAMPLE,
    ),
    _practices(
        "practices_sep_2019", 6876, "September 2019", "2019Q3", GPONLINE_2019, role=OUT_OF_SAMPLE
    ),
    _practices(
        "practices_jul_2020",
        6743,
        "July 2020",
        "2020Q2",
        f"{DIGITAL}, July 2020 spotlight report",
        role=OUT_OF_SAMPLE,
    ),
    _practices(
        "practices_mar_2022", 6522, "March 2022", "2022Q1", GPONLINE_2022, role=OUT_OF_SAMPLE
    ),
    _mean_list(
        "mean_list_dec_2018",
        8490,
        "1 December 2018",
        "2018Q4",
        "GPonline (December 2018) from NHS Digital: 59.6m patients with 7,017 practices",
        role=OUT_OF_SAMPLE,
    ),
    _mean_list(
        "mean_list_sep_2019", 8727, "September 2019", "2019Q3", GPONLINE_2019, role=OUT_OF_SAMPLE
    ),
    _mean_list(
        "mean_list_mar_2022", 9441, "March 2022", "2022Q1", GPONLINE_2022, role=OUT_OF_SAMPLE
    ),
    _mean_list(
        "mean_list_jun_2024",
        10_101,
        "June 2024",
        "2024Q2",
        "BMA analysis of NHS Digital, reported by South Staffordshire LMC (14 August 2024)",
        role=OUT_OF_SAMPLE,
    ),
    _registered(
        "registered_dec_2020",
        60_570_367,
        "1 December 2020",
        "2020Q4",
        f"{DIGITAL}, December 2020",
        role=OUT_OF_SAMPLE,
    ),
    _gps(
        "gp_fte_sep_2019",
        28_315,
        "September 2019",
        "2019Q3",
        "NHS Digital General Practice Workforce (2019 series: 29,403 in September 2015), "
        "GPonline November 2019",
        role=OUT_OF_SAMPLE,
    ),
    _gps(
        "gp_fte_sep_2023",
        27_302,
        "September 2023",
        "2023Q3",
        "NHS Digital General Practice Workforce, Pulse November 2023",
        role=OUT_OF_SAMPLE,
    ),
    _partners(
        "partner_fte_sep_2019",
        18_303,
        "September 2019",
        "2019Q3",
        "NHS Digital General Practice Workforce, Management in Practice November 2019",
        role=OUT_OF_SAMPLE,
    ),
    _partners(
        "partner_fte_sep_2023",
        16_342,
        "September 2023",
        "2023Q3",
        "NHS Digital General Practice Workforce, Pulse November 2023",
        role=OUT_OF_SAMPLE,
    ),
    _admissions(
        "emergency_admissions_2017_18",
        6.02e6,
        "2017/18",
        "2017Q2",
        "Health Foundation (2018), Emergency hospital admissions in England: 4.25m in 2006/07 "
        "to 6.02m in 2017/18",
        role=OUT_OF_SAMPLE,
    ),
    Target(
        "network_mean_list_2020",
        "Mean list of a network of practices (federation)",
        48_000,
        "patients",
        0.2 * 48_000,
        "within 20%",
        "2020 (mean of the calendar year's quarters)",
        "NHS England and BMA: about 1,250 primary care networks covering 99% of practices, "
        "average 48,020 patients",
        ("federation_mean_list",),
        "2020Q1",
        "2020Q4",
        "mean",
        count=False,
        role=OUT_OF_SAMPLE,
    ),
    _share(
        "networked_2020",
        "Share of practices in a network (federation)",
        0.99,
        0.05,
        "2020 (mean of the calendar year's quarters)",
        "NHS England and BMA: primary care networks cover over 99% of practices",
        "2020Q1",
        "2020Q4",
        "mean",
        "share_practices_federated",
        role=OUT_OF_SAMPLE,
    ),
)
"""Every target, in reporting order."""

BY_NAME: dict[str, Target] = {t.name: t for t in TARGETS}

SERIES_NEEDED = tuple(dict.fromkeys(c for t in TARGETS for c in t.columns))
"""Model series the summaries read (sweeps must keep them as series)."""


def targets_with(*roles: str) -> tuple[Target, ...]:
    """The targets whose role is one of ``roles``, in reporting order."""
    return tuple(t for t in TARGETS if t.role in roles)


def fitted_targets() -> tuple[Target, ...]:
    """The targets the calibration fits."""
    return targets_with(FITTED)


def quarters_needed(targets: tuple[Target, ...] = TARGETS) -> int:
    """Quarters a run must simulate from 2013Q2 to read every one of ``targets``."""
    return max(t.steps[1] for t in targets)


QUARTERS_NEEDED = quarters_needed(targets_with(FITTED, BY_CONSTRUCTION, REPORTED))
"""Quarters from 2013Q2 that cover the fitting window (to the end of June 2017)."""


def _read(frame: pd.DataFrame, target: Target) -> float:
    first, last = target.steps
    rows = frame.iloc[first : last + 1]
    values = rows[list(target.columns)].to_numpy(dtype=float).sum(axis=1)
    if target.reading == "end":
        return float(values[-1])
    return float(values.sum() if target.reading == "sum" else values.mean())


def summarise(
    series: pd.DataFrame, n_practices: int, targets: tuple[Target, ...] | None = None
) -> dict[str, float]:
    """Simulated value of every target (or of ``targets``) from one run's series, England terms.

    Args:
        series: one run's model series (``step`` and the targets' columns), starting in 2013Q2.
        n_practices: practices the run started with; counts are scaled by
            ``8,053 / n_practices``.
        targets: the targets to read (default: every target the run is long enough for).

    Raises:
        ValueError: the run is too short for one of ``targets``.
    """
    frame = series.sort_values("step").reset_index(drop=True)
    simulated = len(frame) - 1
    if targets is None:
        targets = tuple(t for t in TARGETS if t.steps[1] <= simulated)
    scale = ENGLAND_PRACTICES_JULY_2013 / n_practices
    values = {}
    for target in targets:
        if target.steps[1] > simulated:
            raise ValueError(
                f"{target.name} ({target.period}) needs {target.steps[1]} quarters from 2013Q2; "
                f"the run has {simulated} (run at least {quarters_needed(targets)} quarters)"
            )
        value = _read(frame, target)
        values[target.name] = value * scale if target.count else value
    return values


def summarise_runs(
    series: pd.DataFrame, n_practices: int, targets: tuple[Target, ...] | None = None
) -> pd.DataFrame:
    """:func:`summarise` for every run of a sweep's kept series (one row per ``run_id``)."""
    rows = {
        run_id: summarise(frame, n_practices, targets)
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
