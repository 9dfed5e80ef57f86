"""Plots of a sweep: sensitivity indices, response curves, outputs by scenario (PNG, Agg).

Each function draws on its own :class:`matplotlib.figure.Figure` (no pyplot state), saves it and
returns the path.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gpfed.compare import OUTCOME_SCALES, outcome_title
from gpfed.experiments.analysis import CONFIDENCE, t_interval
from gpfed.experiments.spec import SCENARIO, SweepSpec
from gpfed.experiments.store import Results


def _figure(n_axes: int, ncols: int, width: float, height: float) -> tuple[Figure, list[Any]]:
    """A bare Agg figure with ``n_axes`` axes in a grid (spare grid cells removed)."""
    ncols = max(1, min(ncols, n_axes))
    nrows = math.ceil(n_axes / ncols)
    # Not through pyplot: no global figure registry or backend switch, so nothing leaks between
    # plots or into a caller's interactive session.
    fig = Figure(figsize=(width * ncols, height * nrows + 0.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[n_axes:]:
        fig.delaxes(ax)
    return fig, axes[:n_axes]


def _title(output: str) -> str:
    return textwrap.fill(outcome_title(output), 40)


def _wrap_name(name: str, width: int = 36) -> str:
    """A parameter name over several lines, broken after underscores (never inside a word)."""
    lines = [""]
    for part in name.split("_"):
        piece = part if not lines[-1] else f"_{part}"
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines[-1] += "_"
            lines.append(part)
        else:
            lines[-1] += piece
    return "\n".join(lines)


def plot_indices(table: pd.DataFrame, spec: SweepSpec, path: Path) -> Path:
    """Bar chart of each output's indices (S1 and ST, or mu*) with their 95% intervals.

    Args:
        table: the indices of :func:`sensitivity` (its ``attrs["notes"]`` label skipped outputs).
        spec: the sweep (sampler, outputs and parameters).
        path: the PNG to write.

    Returns:
        ``path``.
    """
    outputs = list(spec.outputs)
    names = spec.names
    fig, axes = _figure(len(outputs), 3, 4.6, 0.45 * len(names) + 1.6)
    positions = np.arange(len(names))
    notes = table.attrs.get("notes", [])
    for ax, output in zip(axes, outputs, strict=True):
        rows = table[table["output"] == output].set_index("parameter").reindex(names)
        ax.set_title(_title(output), fontsize=9)
        ax.set_yticks(positions, [_wrap_name(n, 30) for n in names], fontsize=7)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
        if rows.isna().all().all():
            note = next((n for n in notes if n.startswith(f"{output}:")), "no indices")
            ax.text(
                0.5,
                0.5,
                textwrap.fill(note.partition(": ")[2] or note, 40),
                ha="center",
                va="center",
                fontsize=7,
                transform=ax.transAxes,
            )
            continue
        if spec.sampler == "sobol":
            ax.barh(positions - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label="S1", capsize=2)
            ax.barh(positions + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label="ST", capsize=2)
            ax.axvline(0, color="black", lw=0.6)
            ax.legend(fontsize=7)
        else:
            ax.barh(positions, rows["mu_star"], 0.6, xerr=rows["mu_star_conf"], capsize=2)
            ax.set_xlabel("mu* (effect of a full-range change)", fontsize=8)
    kind = (
        "Sobol first-order (S1) and total (ST) indices"
        if spec.sampler == "sobol"
        else "Morris mu* (mean absolute elementary effect)"
    )
    fig.suptitle(f"{spec.name}: {kind}, {CONFIDENCE:.0%} bootstrap intervals", fontsize=10)
    fig.savefig(path, dpi=100)
    return path


def is_number(value: Any) -> bool:
    """Whether a level is a number (not a bool): numbers get a numeric axis."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _level_positions(levels: Sequence[Any]) -> tuple[dict[Any, float], bool]:
    """X-axis positions of levels: their values if all numbers, else 0, 1, 2 (categorical)."""
    if all(is_number(level) for level in levels):
        return {level: float(level) for level in levels}, False
    return {level: float(i) for i, level in enumerate(levels)}, True


def plot_responses(results: Results, summary: pd.DataFrame, output: str, path: Path) -> Path:
    """One output against each swept parameter: every run, and means with 95% intervals.

    Ranges show design-point means with their interval over replicates (where a point has two
    or more ok runs); levels show one mean per level over all runs at that level.

    Args:
        results: the loaded results folder.
        summary: its :func:`summarise` table.
        output: the output to plot.
        path: the PNG to write.

    Returns:
        ``path``.
    """
    spec = results.spec
    scale = OUTCOME_SCALES.get(output, 1.0)
    ok = results.ok
    fig, axes = _figure(len(spec.parameters), 3, 4.0, 3.2)
    jitter = np.random.default_rng(0)
    rows = summary[(summary["output"] == output) & (summary["n"] >= 2)]
    for ax, dimension in zip(axes, spec.parameters, strict=True):
        name = dimension.name
        values = ok[output].to_numpy(dtype=float) / scale if output in ok else np.array([])
        ax.set_xlabel(_wrap_name(name), fontsize=8)
        ax.grid(alpha=0.3)
        if dimension.is_range:
            ax.scatter(ok[name], values, s=8, alpha=0.35, color="C0", label="runs")
            if len(rows):
                ax.errorbar(
                    rows[name],
                    rows["mean"] / scale,
                    yerr=[
                        (rows["mean"] - rows["ci_low"]) / scale,
                        (rows["ci_high"] - rows["mean"]) / scale,
                    ],
                    fmt="o",
                    ms=3,
                    color="C1",
                    capsize=2,
                    lw=0.8,
                    label="design-point mean",
                )
        else:
            positions, categorical = _level_positions(dimension.levels)
            x = ok[name].map(positions).to_numpy(dtype=float)
            if categorical:
                # Spread the runs sideways so replicates at one level do not hide each other.
                x = x + jitter.uniform(-0.15, 0.15, len(x))
            ax.scatter(x, values, s=8, alpha=0.35, color="C0", label="runs")
            level_rows = [
                (positions[level], t_interval(values[(ok[name] == level).to_numpy()]))
                for level in dimension.levels
            ]
            level_rows = [(p, s) for p, s in level_rows if s[2] > 0]
            if level_rows:
                xs = [p for p, _ in level_rows]
                means = np.array([s[0] for _, s in level_rows])
                half = np.array([s[1] for _, s in level_rows])
                ax.errorbar(
                    xs,
                    means,
                    yerr=np.nan_to_num(half),
                    fmt="o",
                    ms=4,
                    color="C1",
                    capsize=3,
                    label="level mean",
                )
            if categorical:
                ax.set_xticks(
                    list(positions.values()),
                    [textwrap.shorten(str(level), 18) for level in dimension.levels],
                    fontsize=7,
                    rotation=20,
                )
            else:
                # Levels whose runs all failed still get their place on the axis.
                low, high = min(positions.values()), max(positions.values())
                if high > low:  # equal limits would only draw a warning
                    pad = 0.05 * (high - low)
                    ax.set_xlim(low - pad, high + pad)
                ax.set_xticks(list(positions.values()))
    if axes:
        axes[0].legend(fontsize=7)
    fig.suptitle(f"{spec.name}: {_title(output)}", fontsize=10)
    fig.supylabel(textwrap.fill(outcome_title(output), 50), fontsize=9)
    fig.savefig(path, dpi=100)
    return path


def plot_scenarios(results: Results, path: Path) -> Path:
    """Box plots of every output's run values by scenario (sweeps with scenario levels).

    Args:
        results: the loaded results folder of a sweep over ``scenario`` levels.
        path: the PNG to write.

    Returns:
        ``path``.
    """
    spec = results.spec
    dimension = next(d for d in spec.parameters if d.name == SCENARIO)
    ok = results.ok
    fig, axes = _figure(len(spec.outputs), 3, 0.9 * len(dimension.levels) + 2.4, 3.4)
    for ax, output in zip(axes, spec.outputs, strict=True):
        scale = OUTCOME_SCALES.get(output, 1.0)
        groups, labels = [], []
        for level in dimension.levels:
            column = (
                ok.loc[ok[SCENARIO] == level, output] if output in ok else pd.Series(dtype=float)
            )
            values = column.to_numpy(dtype=float) / scale
            values = values[np.isfinite(values)]
            # A scenario whose runs all failed has no box; it stays off the axis.
            if len(values):
                groups.append(values)
                labels.append(textwrap.shorten(str(level), 22))
        ax.set_title(_title(output), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        if groups:
            ax.boxplot(groups, tick_labels=labels)
            ax.tick_params(axis="x", labelsize=7, labelrotation=20)
    fig.suptitle(f"{spec.name}: outputs by scenario (all runs)", fontsize=10)
    fig.savefig(path, dpi=100)
    return path


# --- the report --------------------------------------------------------------------------------
