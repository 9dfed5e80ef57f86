"""Plots of a run's outcome series (matplotlib, headless-safe)."""

from __future__ import annotations

import gc
import pickle
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

PANEL = [
    ("practices_open", "Practices open"),
    ("mean_list_size", "Mean list size (patients)"),
    ("list_hhi", "List concentration (HHI)"),
    ("emergency_admissions_per_1000", "Emergency admissions per 1,000 a year"),
    ("commissioner_spend_per_capita_gbp", "Commissioner spend per capita (£ a year)"),
    ("trust_balance_gbp", "Trusts' balance (£m)"),
    ("profit_per_partner_mean_gbp", "Profit per partner (£k a year): mean, p10, p90"),
    ("exits_per_100_practices_per_year", "Closures and mergers per 100 practices a year"),
    ("mpig_paid_gbp", "MPIG and seniority paid (£m a quarter)"),
    ("share_practices_federated", "Share of practices federated"),
    ("integrated_population_share", "Share of patients under integrated contracts"),
    ("paid_twice_gbp", "Paid twice (£m a quarter)"),
    ("gp_fte", "GPs in post (FTE): all, partners, salaried"),
    ("gp_vacancy_rate", "Share of GP posts vacant"),
    ("patients_per_gp_fte", "Patients per FTE GP"),
    ("care_effort_mean", "Care-management effort (0-1, list-weighted)"),
]


PANEL_MARGINS = {
    "left": 0.045,
    "right": 0.99,
    "bottom": 0.04,
    "top": 0.94,
    "wspace": 0.24,
    "hspace": 0.22,
}
"""The panel's margins and gaps (figure fractions): room for tick labels such as 60,000,000."""


PANEL_DPI = 110
"""Resolution of the saved panel (dots per inch): 1,980 x 1,430 pixels."""


def panel_axes() -> tuple[Figure, np.ndarray]:
    """The panel's figure before any series: a 4x4 grid of axes with their titles and grids.

    Returns:
        The figure and its axes (4 x 4, sharing the x axis), in :data:`PANEL` order row by row.
    """
    # Fixed margins: a constrained layout draws the figure again to measure it, doubling the
    # time to save (gpfed run's plot was a fifth of an England run).
    fig, axes = plt.subplots(4, 4, figsize=(18, 13), sharex=True)
    fig.subplots_adjust(**PANEL_MARGINS)
    for ax, (_, title) in zip(axes.ravel(), PANEL, strict=True):
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    return fig, axes


def plot_series(fig: Figure, axes: np.ndarray, frame: pd.DataFrame) -> Figure:
    """Draw the main series of a model frame on the axes of :func:`panel_axes`.

    Args:
        fig: the panel's figure.
        axes: its axes.
        frame: the model-level series, one row per step, with ``date`` and ``seed`` columns.
    """
    dates = frame["date"]
    for ax, (column, _) in zip(axes.ravel(), PANEL, strict=True):
        values = frame[column]
        if column in ("trust_balance_gbp", "paid_twice_gbp"):
            values = values / 1e6
        if column == "profit_per_partner_mean_gbp":
            for extra in ("profit_per_partner_p10_gbp", "profit_per_partner_p90_gbp"):
                ax.plot(dates, frame[extra] / 1e3, color="0.6", lw=1)
            values = values / 1e3
        if column == "mpig_paid_gbp":
            ax.plot(dates, frame["seniority_paid_gbp"] / 1e6, label="seniority")
            values = values / 1e6
        if column == "gp_fte":
            ax.plot(dates, frame["partner_fte"], lw=1, label="partners")
            ax.plot(dates, frame["salaried_gp_fte"], lw=1, label="salaried")
        labels = {"mpig_paid_gbp": "MPIG", "gp_fte": "all"}
        ax.plot(dates, values, label=labels.get(column))
        if column in labels:
            ax.legend(frameon=False)
    fig.suptitle(f"gpfed run (seed {frame['seed'].iloc[0]})")
    return fig


def outcome_panel(frame: pd.DataFrame, path: str | None = None) -> Figure:
    """Draw the main series of a model frame (``GPFedModel.to_frame()``) in a 4x4 panel.

    Args:
        frame: the model-level series, one row per step, with a ``date`` column.
        path: where to save a PNG, if given.
    """
    fig = plot_series(*panel_axes(), frame)
    if path is not None:
        fig.savefig(path, dpi=PANEL_DPI)
    return fig


def _draw_from_stdin(path: str) -> None:
    """``python -m gpfed.plots PATH``: draw the panel of a pickled model frame read from stdin.

    ``gpfed run`` starts this process before its model runs. While the model runs, it imports
    matplotlib and draws the empty panel once: the axes, their ticks, fonts and titles then
    exist when the series arrive (a third of the drawing, the same picture), so only the lines
    and the saving are left for after the run. Once the panel is written, the objects left are
    frozen (:func:`gc.freeze`), so the interpreter's collections on the way out skip them:
    walking matplotlib and pandas again took a third of a second that ``gpfed run`` spent
    waiting.
    """
    fig, axes = panel_axes()
    fig.canvas.draw()
    frame = pickle.load(sys.stdin.buffer)
    plot_series(fig, axes, frame).savefig(path, dpi=PANEL_DPI)
    plt.close(fig)
    gc.freeze()


if __name__ == "__main__":
    _draw_from_stdin(sys.argv[1])
