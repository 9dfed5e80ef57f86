"""Validation: the calibrated ``england_2013`` scenario against the record, over replicates.

:func:`validate` runs the scenario (at England scale or a scaled-down England) through the sweep
layer and returns a :class:`Validation`: a table of simulated against observed for every target,
with the mean, its 95% t-interval over replicates, the error and whether the mean is within the
tolerance stated before fitting; and a figure of the trajectories and the errors.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import ConciseDateFormatter, YearLocator
from matplotlib.figure import Figure

from gpfed.calibration.fit import SCENARIO, run_replicates
from gpfed.calibration.targets import (
    BY_NAME,
    ENGLAND_PRACTICES_JULY_2013,
    TARGETS,
    summarise_runs,
)
from gpfed.compare import t_interval
from gpfed.parameters import check_whole_number
from gpfed.world.units import QUARTERS_PER_YEAR

TABLE_COLUMNS = (
    "name",
    "target",
    "period",
    "observed",
    "simulated",
    "ci_low",
    "ci_high",
    "error_pct",
    "tolerance",
    "within",
)


@dataclass
class Validation:
    """Simulated against observed for every target.

    Attributes:
        table: one row per target: label, period, observed, simulated mean with its 95%
            t-interval over replicates, error in % of the observed value, the tolerance and
            whether the mean is within it.
        runs: one row of target values per replicate (England terms).
        series: the replicates' model series (counts in England terms).
        n_practices: practices per run.
        replications: replicates run.
    """

    table: pd.DataFrame
    runs: pd.DataFrame
    series: pd.DataFrame
    n_practices: int
    replications: int

    @property
    def all_within(self) -> bool:
        """Whether every target's simulated mean is within its tolerance."""
        return bool(self.table["within"].all())

    def markdown(self) -> str:
        """The table as Markdown (the table in docs/VALIDATION.md)."""
        lines = [
            "| Target | Period | Observed | Simulated (95% CI) | Error | Tolerance | Within |",
            "|---|---|---:|---:|---:|---|:-:|",
        ]
        for row in self.table.itertuples(index=False):
            fmt = _format(BY_NAME[row.name].unit)
            simulated = f"{fmt(row.simulated)} ({fmt(row.ci_low)} to {fmt(row.ci_high)})"
            lines.append(
                f"| {row.target} | {row.period} | {fmt(row.observed)} | {simulated} | "
                f"{row.error_pct:+.1f}% | {row.tolerance} | {'yes' if row.within else 'no'} |"
            )
        scale = (
            "England (8,053 practices)"
            if self.n_practices == ENGLAND_PRACTICES_JULY_2013
            else f"a scaled-down England of {self.n_practices:,} practices (counts scaled up)"
        )
        lines.append("")
        lines.append(f"{self.replications} replicates of `{SCENARIO}` at {scale}.")
        return "\n".join(lines) + "\n"

    def figure(self) -> Figure:
        """Trajectories with the observed points (top) and each target's error (bottom)."""
        figure = Figure(figsize=(13, 7), layout="constrained")
        FigureCanvasAgg(figure)
        top = figure.subfigures(2, 1, height_ratios=[1.2, 1])
        axes = top[0].subplots(1, 4)
        panels = (
            ("practices_open", "Open practices (England)", ("practices_july_2013",)),
            ("exits_a_year", "Closures and mergers a year", ("exits_2013_14", "exits_2014_15")),
            ("mean_list_size", "Mean list (patients)", ("mean_list_2013_14", "mean_list_2014_15")),
            ("share_practices_federated", "Share in a federation", ("collaboration_2015",)),
        )
        for ax, (column, title, targets) in zip(axes, panels, strict=True):
            for _, run in self.series.groupby("run_id"):
                ax.plot(run["date"], run[column], color="tab:blue", alpha=0.35, lw=1)
            for name in targets:
                target = BY_NAME[name]
                when = _target_date(name)
                ax.errorbar(
                    [when],
                    [target.observed],
                    yerr=[target.tolerance],
                    fmt="o",
                    color="black",
                    capsize=4,
                    label="observed ± tolerance",
                )
            ax.set_title(title, fontsize=10)
            ax.xaxis.set_major_locator(YearLocator())
            ax.xaxis.set_major_formatter(ConciseDateFormatter(ax.xaxis.get_major_locator()))
        axes[0].legend(fontsize=8, loc="lower left")
        ax = top[1].subplots()
        labels = [
            f"{textwrap.fill(t.label, 24)}\n{t.period.split(' (')[0].split(' observed')[0]}"
            for t in TARGETS
        ]
        positions = np.arange(len(TARGETS))
        ax.axhspan(-1, 1, color="tab:green", alpha=0.15, label="within tolerance")
        ax.axhline(0, color="black", lw=0.8)
        for i, target in enumerate(TARGETS):
            errors = (self.runs[target.name] - target.observed) / target.tolerance
            ax.scatter(np.full(len(errors), i), errors, color="tab:blue", alpha=0.5, s=14)
            ax.scatter([i], [errors.mean()], color="tab:red", marker="D", s=36, zorder=3)
        ax.set_xticks(positions, labels, fontsize=8)
        ax.set_ylabel("error / tolerance")
        ax.set_title("Error on each target in tolerances (dots: replicates; diamond: mean)")
        ax.legend(fontsize=8, loc="upper right")
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
        self.figure().savefig(paths["figure"], dpi=110)
        return paths


def _format(unit: str):
    if unit.startswith("share"):
        return lambda x: f"{x:.1%}"
    if unit.startswith("admissions"):
        return lambda x: f"{x / 1e6:.2f}m"
    return lambda x: f"{x:,.0f}"


def _target_date(name: str) -> pd.Timestamp:
    """The middle of the period a target describes, for plotting."""
    middle = {
        "practices_july_2013": "2013-07-01",
        "exits_2013_14": "2013-10-01",
        "exits_2014_15": "2014-10-01",
        "mean_list_2013_14": "2013-10-01",
        "mean_list_2014_15": "2014-10-01",
        "collaboration_2015": "2015-07-01",
        "emergency_admissions_a_year": "2013-10-01",
    }
    return pd.Timestamp(middle[name])


def validate(
    replications: int = 10,
    n_practices: int = ENGLAND_PRACTICES_JULY_2013,
    *,
    seed: int = 1,
    out: str | Path = "out/validation",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    overrides: dict[str, Any] | None = None,
) -> Validation:
    """Run ``england_2013`` over replicates and compare it with every target.

    Args:
        replications: independent replicates (2 or more, for the interval).
        n_practices: practices per run; fewer than 8,053 runs a scaled-down England (areas and
            trusts in proportion) whose counts are scaled up.
        seed: root seed of the replicates.
        out: folder for the resumable sweep results (a subfolder per distinct validation).
        workers: local worker processes (default: all cores).
        scheduler: a Dask scheduler address to run on instead.
        progress: show a progress bar.
        overrides: parameter values over the scenario's (e.g. to validate another fit).

    Raises:
        ParameterError: fewer than two replicates, or an invalid value.
    """
    check_whole_number("replications", replications, 2)
    results = run_replicates(
        overrides or {},
        n_practices,
        Path(out) / _runs_folder(n_practices, replications, seed, overrides or {}),
        replications=replications,
        seed=seed,
        name="england_2013 validation",
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
    if len(results.failed):
        raise RuntimeError(f"validation runs failed: {results.failed['error'].iloc[0]}")
    runs = summarise_runs(results.series, n_practices)
    return Validation(
        table=_table(runs),
        runs=runs,
        series=_england_series(results.series, n_practices),
        n_practices=n_practices,
        replications=replications,
    )


def _runs_folder(n_practices: int, replications: int, seed: int, overrides: dict) -> str:
    """A results folder per distinct validation, so a rerun resumes and another one starts."""
    key = json.dumps(overrides, sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return f"runs-{n_practices}p-{replications}r-seed{seed}-{digest}"


def _table(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for target in TARGETS:
        # Every target is a count, a mean list, a share or admissions: none below zero.
        interval = t_interval(runs[target.name], low=0.0)
        rows.append(
            {
                "name": target.name,
                "target": target.label,
                "period": target.period,
                "observed": target.observed,
                "simulated": interval["mean"],
                "ci_low": interval["ci_low"],
                "ci_high": interval["ci_high"],
                "error_pct": 100 * (interval["mean"] - target.observed) / target.observed,
                "tolerance": target.tolerance_text,
                "within": bool(abs(interval["mean"] - target.observed) <= target.tolerance),
            }
        )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def _england_series(series: pd.DataFrame, n_practices: int) -> pd.DataFrame:
    """Series with counts in England terms, and exits as an annual count."""
    scale = ENGLAND_PRACTICES_JULY_2013 / n_practices
    frame = series.copy()
    frame["practices_open"] = frame["practices_open"] * scale
    frame["exits_a_year"] = QUARTERS_PER_YEAR * (frame["closures"] + frame["mergers"]) * scale
    return frame
