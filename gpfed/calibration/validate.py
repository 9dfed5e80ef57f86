"""Validation: the calibrated ``england_2013`` scenario against the record, 2013-2024.

:func:`validate` runs the scenario from April 2013 to the last target (mid-2024) through the
sweep layer, at England scale or a scaled-down England, one run per parameter set drawn from the
stored posterior (so the spread carries parameter and stochastic uncertainty together), or over
replicates at the point estimate. It returns a :class:`Validation`: simulated against observed
for every target, in two tables (the fitting window, and out of sample after it), and a figure of
the trajectories with every observed figure.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import YearLocator
from matplotlib.figure import Figure

from gpfed.calibration.fit import (
    PRIORS,
    SCENARIO,
    england_world,
    run_replicates,
)
from gpfed.calibration.targets import (
    BY_CONSTRUCTION,
    BY_NAME,
    ENGLAND_PRACTICES_JULY_2013,
    FITTED,
    OUT_OF_SAMPLE,
    REPORTED,
    SERIES_NEEDED,
    TARGETS,
    Target,
    quarters_needed,
    summarise_runs,
    targets_with,
)
from gpfed.experiments import Dimension, Results, SweepSpec, sweep
from gpfed.parameters import check_whole_number
from gpfed.scenarios import posterior_draws
from gpfed.world.units import QUARTERS_PER_YEAR

QUARTERS = quarters_needed()
"""Quarters from 2013Q2 to the last target (mid-2024)."""

PREDICTIVE = (0.05, 0.95)
"""The spread of runs reported: the 5th to 95th percentile."""

TABLE_COLUMNS = (
    "name",
    "target",
    "period",
    "role",
    "observed",
    "simulated",
    "p05",
    "p95",
    "error_pct",
    "error_in_tolerances",
    "tolerance",
    "within",
)

ROLE_STYLE = {
    FITTED: ("black", "o", "fitted"),
    BY_CONSTRUCTION: ("grey", "s", "by construction"),
    REPORTED: ("tab:orange", "D", "reported, not fitted"),
    OUT_OF_SAMPLE: ("tab:red", "^", "out of sample"),
}
"""Colour, marker and legend text of each role's observed points."""

PANELS = (
    ("practices_open", "Open practices"),
    ("exits_a_year", "Closures and mergers a year"),
    ("mean_list_size", "Mean list (patients)"),
    ("registered_patients", "Registered patients"),
    ("gp_fte", "Fully qualified GPs, FTE"),
    ("partner_fte", "GP partners, FTE"),
    ("admissions_a_year", "Emergency admissions a year"),
    ("share_practices_federated", "Share of practices federated"),
    ("federation_mean_list", "Mean federation list (patients)"),
    ("trusts_in_deficit_share", "Share of trusts in deficit"),
)
"""The figure's panels: a column of :func:`_england_series` and its title."""


@dataclass
class Validation:
    """Simulated against observed for every target.

    Attributes:
        table: one row per target: label, period, role, observed, simulated mean with the
            5th-95th percentile of runs, error in % and in tolerances, the tolerance and whether
            the mean is within it.
        runs: one row of target values per run (England terms).
        series: the runs' model series (counts in England terms).
        n_practices: practices per run.
        replications: runs.
        posterior: whether each run drew its parameters from the posterior (else the point
            estimate over replicates).
    """

    table: pd.DataFrame
    runs: pd.DataFrame
    series: pd.DataFrame
    n_practices: int
    replications: int
    posterior: bool

    @property
    def all_within(self) -> bool:
        """Whether every fitted target's simulated mean is within its tolerance."""
        fitted = self.table[self.table["role"] == FITTED]
        return bool(fitted["within"].all())

    def markdown(self) -> str:
        """The fitting-window and out-of-sample tables as Markdown (docs/VALIDATION.md)."""
        lines = []
        for title, roles in (
            ("Fitting window, April 2013 to June 2017", (FITTED, BY_CONSTRUCTION, REPORTED)),
            ("Out of sample, after June 2017", (OUT_OF_SAMPLE,)),
        ):
            lines += [
                f"**{title}**",
                "",
                "| Target | Period | Role | Observed | Simulated (5th-95th pct) | Error | "
                "Tolerance | Within | Source |",
                "|---|---|---|---:|---:|---:|---|:-:|---|",
            ]
            for row in self.table[self.table["role"].isin(roles)].itertuples(index=False):
                target = BY_NAME[row.name]
                fmt = _format(target.unit)
                lines.append(
                    f"| {row.target} | {row.period} | {row.role} | {fmt(row.observed)} | "
                    f"{fmt(row.simulated)} ({fmt(row.p05)} to {fmt(row.p95)}) | "
                    f"{row.error_pct:+.1f}% | {row.tolerance} | "
                    f"{'yes' if row.within else '**no**'} | {target.source} |"
                )
            lines.append("")
        scale = (
            "England (8,053 practices)"
            if self.n_practices == ENGLAND_PRACTICES_JULY_2013
            else f"a scaled-down England of {self.n_practices:,} practices (counts scaled up)"
        )
        how = (
            "each with its own parameter set drawn from the posterior"
            if self.posterior
            else "at the point estimate"
        )
        lines.append(f"{self.replications} runs of `{SCENARIO}` at {scale}, {how}.")
        return "\n".join(lines) + "\n"

    def figure(self) -> Figure:
        """Each run's trajectory (blue) against every observed figure, by role."""
        figure = Figure(figsize=(15, 7.5), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.subplots(2, 5).ravel()
        end_of_fit = max(t.steps[1] for t in targets_with(FITTED))
        cut = self.series.loc[self.series["step"] == end_of_fit, "date"].iloc[0]
        shown = set()
        for ax, (column, title) in zip(axes, PANELS, strict=True):
            for _, run in self.series.groupby("run_id"):
                ax.plot(run["date"], run[column], color="tab:blue", alpha=0.25, lw=0.8)
            ax.axvline(cut, color="black", ls=":", lw=1)
            for target in TARGETS:
                if _panel_of(target) != column:
                    continue
                colour, marker, label = ROLE_STYLE[target.role]
                ax.errorbar(
                    [_target_date(target)],
                    [target.observed],
                    yerr=[target.tolerance],
                    fmt=marker,
                    color=colour,
                    capsize=3,
                    ms=5,
                    label=None if label in shown else label,
                )
                shown.add(label)
            ax.set_title(title, fontsize=10)
            ax.xaxis.set_major_locator(YearLocator(2))
            ax.tick_params(labelsize=8)
        figure.legend(loc="outside lower center", ncols=4, fontsize=9)
        figure.suptitle(
            "england_2013 against the record: runs (blue), observed ± tolerance; "
            "dotted line: end of the fitting window (June 2017)",
            fontsize=11,
        )
        return figure

    def write(self, out: str | Path) -> dict[str, Path]:
        """Write ``validation.csv``, ``validation.md``, ``runs.csv`` and ``validation.png``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "table": out / "validation.csv",
            "markdown": out / "validation.md",
            "runs": out / "runs.csv",
            "figure": out / "validation.png",
        }
        self.table.to_csv(paths["table"], index=False)
        paths["markdown"].write_text(self.markdown())
        self.runs.to_csv(paths["runs"])
        self.figure().savefig(paths["figure"], dpi=100)
        return paths


def _format(unit: str):
    if unit.startswith("share"):
        return lambda x: f"{x:.1%}"
    if unit.startswith("admissions") or (unit == "patients"):
        return lambda x: f"{x / 1e6:.2f}m" if abs(x) >= 1e6 else f"{x:,.0f}"
    return lambda x: f"{x:,.0f}"


def _panel_of(target: Target) -> str:
    if target.columns == ("closures", "mergers"):
        return "exits_a_year"
    if target.columns == ("emergency_admissions",):
        return "admissions_a_year"
    return target.columns[0]


def _target_date(target: Target) -> pd.Timestamp:
    """Where a target sits on the time axis.

    A stock at the end of its last quarter, a flow there too (the panels plot year-long flows
    as rolling sums ending at each quarter), a mean over quarters in the middle of them.
    """
    first, last = (pd.Period(q, freq="Q") for q in (target.first, target.last))
    if target.reading == "mean":
        return first.start_time + (last.end_time - first.start_time) / 2
    return last.end_time.normalize() + pd.Timedelta(days=1)


def validate(
    replications: int = 20,
    n_practices: int = ENGLAND_PRACTICES_JULY_2013,
    *,
    seed: int = 1,
    out: str | Path = "out/validation",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    overrides: dict[str, Any] | None = None,
    point: bool = False,
) -> Validation:
    """Run ``england_2013`` to mid-2024 and compare it with every target.

    Args:
        replications: runs (2 or more); each draws its own parameter set from the stored
            posterior unless ``point``.
        n_practices: practices per run; fewer than 8,053 runs a scaled-down England (areas and
            trusts in proportion) whose counts are scaled up.
        seed: root seed of the draws and the runs.
        out: folder for the resumable sweep results (a subfolder per distinct validation).
        workers: local worker processes (default: all cores).
        scheduler: a Dask scheduler address to run on instead.
        progress: show a progress bar.
        overrides: parameter values over the scenario's and the draws' (e.g. to validate
            another fit).
        point: run replicates at the stored point estimate instead of posterior draws.

    Raises:
        ParameterError: fewer than two runs, or an invalid value.
    """
    check_whole_number("replications", replications, 2)
    overrides = overrides or {}
    folder = Path(out) / _runs_folder(n_practices, replications, seed, overrides, point)
    options = {"workers": workers, "scheduler": scheduler, "progress": progress}
    if point:
        results = run_replicates(
            overrides,
            n_practices,
            folder,
            replications=replications,
            seed=seed,
            name="england_2013 validation at the point estimate",
            quarters=QUARTERS,
            **options,
        )
    else:
        results = _posterior_runs(replications, n_practices, seed, overrides, folder, options)
    if len(results.failed):
        raise RuntimeError(f"validation runs failed: {results.failed['error'].iloc[0]}")
    runs = summarise_runs(results.series, n_practices)
    return Validation(
        table=_table(runs),
        runs=runs,
        series=_england_series(results.series, n_practices),
        n_practices=n_practices,
        replications=replications,
        posterior=not point,
    )


def _posterior_runs(
    replications: int,
    n_practices: int,
    seed: int,
    overrides: dict[str, Any],
    folder: Path,
    options: dict[str, Any],
) -> Results:
    """One run per posterior draw (the points sampler), draws and run seeds from ``seed``."""
    draws = posterior_draws(replications, seed)
    varied = [p.name for p in PRIORS if p.name not in overrides]
    spec = SweepSpec(
        parameters=tuple(Dimension(name, levels=tuple(d[name] for d in draws)) for name in varied),
        sampler="points",
        replications=1,
        quarters=QUARTERS,
        seed=seed,
        outputs=SERIES_NEEDED,
        keep=("final", "series"),
        fixed={**england_world(n_practices), **overrides},
        scenario=SCENARIO,
        name="england_2013 validation over posterior draws",
    )
    return sweep(spec, folder, **options)


def _runs_folder(
    n_practices: int, replications: int, seed: int, overrides: dict, point: bool
) -> str:
    """A results folder per distinct validation, so a rerun resumes and another one starts."""
    key = json.dumps(overrides, sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    kind = "point" if point else "posterior"
    return f"runs-{kind}-{n_practices}p-{replications}r-seed{seed}-{digest}"


def _table(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for target in TARGETS:
        values = runs[target.name]
        mean = float(values.mean())
        low, high = (float(values.quantile(q)) for q in PREDICTIVE)
        rows.append(
            {
                "name": target.name,
                "target": target.label,
                "period": target.period,
                "role": target.role,
                "observed": target.observed,
                "simulated": mean,
                "p05": low,
                "p95": high,
                "error_pct": 100 * (mean - target.observed) / target.observed,
                "error_in_tolerances": (mean - target.observed) / target.tolerance,
                "tolerance": target.tolerance_text,
                "within": bool(abs(mean - target.observed) <= target.tolerance),
            }
        )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def _england_series(series: pd.DataFrame, n_practices: int) -> pd.DataFrame:
    """Series with counts in England terms, exits and admissions as rolling yearly sums."""
    scale = ENGLAND_PRACTICES_JULY_2013 / n_practices
    frame = series.sort_values(["run_id", "step"]).copy()
    for column in ("practices_open", "registered_patients", "gp_fte", "partner_fte"):
        frame[column] = frame[column] * scale
    for column, flow in (
        ("exits_a_year", frame["closures"] + frame["mergers"]),
        ("admissions_a_year", frame["emergency_admissions"]),
    ):
        frame[column] = (
            (flow * scale)
            .groupby(frame["run_id"])
            .transform(lambda quarter: quarter.rolling(QUARTERS_PER_YEAR).sum())
        )
    frame["date"] = pd.to_datetime(frame["date"])
    return frame
