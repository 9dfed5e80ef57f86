"""The practice/trust network drawn at the world's own positions (km), on a bare Figure.

Positions come from the world generator and never change, so the geometry (edges, area outlines)
is computed once per model; each frame only recolours and resizes the practices. Figures are built
without pyplot: no global registry, nothing shared between browser sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.patheffects import withStroke
from scipy.spatial import ConvexHull, QhullError

from gpfed.institutions.contract_terms import HOLDER_KINDS, NO_CONTRACT

if TYPE_CHECKING:
    from gpfed.model.model import GPFedModel

COLOUR_MODES = {"federation": "federation", "contract": "contract holder"}
"""How practices can be coloured: the toggle's word for it, and the map title's."""

UNFEDERATED = "#d4d4d4"
HOLDER_COLOURS = {
    "GMS": UNFEDERATED,
    "federation": "#1f77b4",
    "trust": "#d62728",
    "alliance": "#9467bd",
    "entrant": "#ff7f0e",
}
HOLDER_LABELS = {
    "GMS": "GMS only",
    "federation": "federation-held contract",
    "trust": "trust-held contract",
    "alliance": "alliance (ICO) contract",
    "entrant": "entrant-held contract",
}
AREA_COLOURS = ("#8dd3c7", "#fdb462", "#bebada", "#fb8072", "#80b1d3", "#b3de69", "#fccde5")
TRUST_COLOUR = "#222222"
# Marker area (points²) of a practice with the starting mean list.
MEAN_LIST_MARKER = 36.0
# Federations take colours in turn from this qualitative palette (tab20), by federation id.
FEDERATION_PALETTE = np.array(
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
        "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
        "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
    ]
)  # fmt: skip


@dataclass(frozen=True)
class NetworkGeometry:
    """What never changes in a model's drawing.

    Attributes:
        practice_xy: practice positions (km), shape (n, 2).
        trust_xy: trust positions (km), shape (T, 2).
        neighbour_segments: practice-practice edges as segments, shape (E, 2, 2).
        referral_segments: practice-trust referral edges as segments, shape (R, 2, 2).
        area_outlines: each commissioner area's convex outline (vertices, km).
        area_centres: each area's mean practice position (km).
        mean_list: mean starting list, the size reference.
    """

    practice_xy: np.ndarray
    trust_xy: np.ndarray
    neighbour_segments: np.ndarray
    referral_segments: np.ndarray
    area_outlines: list[np.ndarray]
    area_centres: np.ndarray
    mean_list: float

    @classmethod
    def of(cls, model: GPFedModel) -> NetworkGeometry:
        """Read the geometry from ``model.world`` (its graph and fixed positions)."""
        world = model.world
        positions = world.positions()
        neighbour, referral = [], []
        for u, v, kind in world.graph.edges(data="kind"):
            segment = (positions[u], positions[v])
            (neighbour if kind == "neighbour" else referral).append(segment)
        areas = range(int(world.practice_area.max()) + 1)
        members = [world.practice_xy_km[world.practice_area == a] for a in areas]
        return cls(
            practice_xy=world.practice_xy_km,
            trust_xy=world.trust_xy_km,
            neighbour_segments=np.array(neighbour, dtype=float).reshape(-1, 2, 2),
            referral_segments=np.array(referral, dtype=float).reshape(-1, 2, 2),
            area_outlines=[_outline(points) for points in members],
            area_centres=np.array([points.mean(axis=0) for points in members]),
            mean_list=float(world.list_size.mean()),
        )


def practice_colours(model: GPFedModel, colour_by: str) -> np.ndarray:
    """Colour of every practice: by federation (one colour each) or by contract holder."""
    if colour_by == "federation":
        federation = model.practice_state.federation
        colours = FEDERATION_PALETTE[np.maximum(federation, 0) % len(FEDERATION_PALETTE)]
        return np.where(federation >= 0, colours, UNFEDERATED)
    if colour_by == "contract":
        return np.array([HOLDER_COLOURS[holder] for holder in contract_holders(model)])
    raise ValueError(f"colour_by = {colour_by!r}; allowed one of {', '.join(COLOUR_MODES)}")


def contract_holders(model: GPFedModel) -> list[str]:
    """Who holds the integrated contract covering each practice ("GMS" where none does)."""
    book = model.contracts
    return [
        "GMS" if contract_id == NO_CONTRACT else book.contracts[int(contract_id)].holder
        for contract_id in book.coverage
    ]


def draw_network(
    model: GPFedModel,
    geometry: NetworkGeometry,
    colour_by: str = "federation",
    highlight: int | None = None,
) -> Figure:
    """Draw the practices, trusts, their links and the commissioner areas as they are now.

    Args:
        model: the model to draw.
        geometry: its fixed geometry (:meth:`NetworkGeometry.of`).
        colour_by: ``"federation"`` or ``"contract"`` (see :data:`COLOUR_MODES`).
        highlight: a practice index to ring, if any.
    """
    state = model.practice_state
    # Fixed margins rather than constrained layout: half the time per frame.
    fig = Figure(figsize=(6.0, 6.6))
    ax = fig.add_axes((0.1, 0.19, 0.88, 0.76))
    for a, outline in enumerate(geometry.area_outlines):
        colour = AREA_COLOURS[a % len(AREA_COLOURS)]
        ax.add_patch(Polygon(outline, closed=True, facecolor=colour, alpha=0.18, edgecolor=colour))
        ax.annotate(
            f"area {a}", geometry.area_centres[a], color="0.2", fontsize=9, ha="center",
            path_effects=[withStroke(linewidth=3, foreground="white")], zorder=6,
        )  # fmt: skip
    ax.add_collection(LineCollection(geometry.referral_segments, colors="0.75", lw=0.3, alpha=0.4))
    ax.add_collection(LineCollection(geometry.neighbour_segments, colors="0.55", lw=0.5))

    is_open = state.is_open
    xy = geometry.practice_xy
    sizes = MEAN_LIST_MARKER * state.list_size / geometry.mean_list
    colours = practice_colours(model, colour_by)
    ax.scatter(
        *xy[is_open].T, s=sizes[is_open], c=colours[is_open], edgecolors="0.3", lw=0.4, zorder=3
    )
    ax.scatter(*xy[~is_open].T, s=14, marker="x", c="0.45", linewidths=0.8, zorder=3)
    ax.scatter(*geometry.trust_xy.T, s=90, marker="s", c=TRUST_COLOUR, zorder=4)
    for t, (x, y) in enumerate(geometry.trust_xy):
        ax.annotate(f"T{t}", (x, y), xytext=(5, 4), textcoords="offset points", fontsize=8)
    if highlight is not None:
        ring = sizes[highlight] + 160
        ax.scatter(*xy[highlight], s=ring, facecolors="none", edgecolors="k", lw=1.6, zorder=5)

    ax.set_aspect("equal")
    ax.set_xlabel("km")
    ax.tick_params(labelsize=8)
    ax.set_title(
        f"{model.quarter}, step {model.quarters_simulated}: practices by {COLOUR_MODES[colour_by]}"
    )
    legend = _legend(colour_by)
    fig.legend(handles=legend, loc="lower center", ncols=3, fontsize=8, frameon=False)
    return fig


def _legend(colour_by: str) -> list[Line2D]:
    def dot(colour: str, label: str, marker: str = "o", size: float = 7) -> Line2D:
        return Line2D([], [], ls="", marker=marker, ms=size, mfc=colour, mec="0.3", label=label)

    if colour_by == "federation":
        colours = [
            dot(FEDERATION_PALETTE[0], "federated (colour per federation)"),
            dot(UNFEDERATED, "not federated"),
        ]
    else:
        colours = [dot(HOLDER_COLOURS[k], HOLDER_LABELS[k]) for k in ("GMS", *HOLDER_KINDS)]
    return [
        *colours,
        dot("0.45", "closed practice", marker="x"),
        dot(TRUST_COLOUR, "acute trust", marker="s"),
        Line2D([], [], color="0.55", lw=0.8, label="neighbours"),
        Line2D([], [], color="0.75", lw=0.8, label="referrals"),
        dot("none", "size: list", size=10),
    ]


def _outline(points: np.ndarray) -> np.ndarray:
    """Convex outline of an area's practices; the points themselves when too few for a hull."""
    try:
        return points[ConvexHull(points).vertices]
    except (QhullError, ValueError):
        return points
