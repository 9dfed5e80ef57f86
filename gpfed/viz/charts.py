"""The outcome series beside the network: six small panels over the run's horizon.

Series names are those of :data:`gpfed.outputs.METRICS`; each panel says its unit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from gpfed.institutions.contract_terms import HOLDER_KINDS
from gpfed.viz.network import HOLDER_COLOURS
from gpfed.world.units import QUARTERS_PER_YEAR

if TYPE_CHECKING:
    from gpfed.model.model import GPFedModel

# (title, series, divisor, whether the axis starts at 0): a panel per outcome of the debate.
PANELS = (
    ("Share of practices federated", "share_practices_federated", 1.0, True),
    ("Practices open", "practices_open", 1.0, False),
    ("Emergency admissions per 1,000 a year", "emergency_admissions_per_1000", 1.0, False),
    ("Commissioner spend per capita, £ a year", "commissioner_spend_per_capita_gbp", 1.0, False),
    ("Paid twice, £m a quarter", "paid_twice_gbp", 1e6, True),
)
HOLDERS_TITLE = "Population contracts by holder, k patients"
HOLDER_SERIES = {kind: f"integrated_population_{kind}" for kind in HOLDER_KINDS}


def draw_outcomes(model: GPFedModel) -> Figure:
    """Draw the outcome panels of a model's series so far, over its whole horizon.

    The time axis (calendar years) spans the horizon, so it stays put while the lines grow.
    Flows are NaN at step 0 (no quarter simulated yet), so their lines start at step 1.
    """
    frame = model.to_frame()
    params = model.params
    start = params.start_year + (params.start_quarter - 1) / QUARTERS_PER_YEAR
    years = start + frame["step"].to_numpy() / QUARTERS_PER_YEAR
    # Fixed margins rather than constrained layout: a third of the time per frame.
    fig = Figure(figsize=(6.4, 6.6))
    fig.subplots_adjust(left=0.09, right=0.98, top=0.95, bottom=0.05, hspace=0.32, wspace=0.28)
    axes = fig.subplots(3, 2, sharex=True).ravel()
    for ax, (title, series, divisor, from_zero) in zip(axes, PANELS, strict=False):
        ax.plot(years, frame[series] / divisor, color="#1f77b4", marker=".", ms=3)
        ax.set_title(title, fontsize=9)
        if from_zero:
            ax.set_ylim(bottom=0)
    holders = axes[len(PANELS)]
    for kind, series in HOLDER_SERIES.items():
        holders.plot(years, frame[series] / 1e3, color=HOLDER_COLOURS[kind], label=kind)
    holders.set_title(HOLDERS_TITLE, fontsize=9)
    holders.legend(fontsize=7, frameon=False)
    holders.set_ylim(bottom=0)
    for ax in axes:
        ax.set_xlim(start, start + params.horizon_quarters / QUARTERS_PER_YEAR)
        ax.set_xticks(np.arange(np.ceil(start), start + params.horizon_quarters / 4, 2))
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    return fig
