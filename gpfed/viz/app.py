"""The browser page: Mesa's SolaraViz controls with the network, outcome panels and side panels.

``solara run gpfed.viz.app`` serves :func:`Page` inside :func:`Layout`. Solara renders them once
per browser session, and the model is created inside ``Page``, so every session drives its own
model.
"""

# Solara finds the page and its layout by these names: Page, Layout.
# ruff: noqa: N802

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz

from gpfed.parameters import ParameterError
from gpfed.viz.components import LeverGuide, NetworkView, OutcomePlots, PracticeInspector
from gpfed.viz.controls import model_params
from gpfed.viz.factory import PolicyModel, build_model

TITLE = "gpfed: general practice, federations and integrated-care contracts"
# Mesa's sliders put their label beside the slider, so a label with its unit squeezes the slider
# to nothing, and Vuetify shows a slider's value only while it is dragged: the labels get their
# own line and each thumb carries its value (the slider's own aria-valuenow, kept live).
SIDEBAR_CSS = """
.v-navigation-drawer .v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-navigation-drawer .v-input__slider .v-label {
    flex: 0 0 100%; max-width: 100%; white-space: normal; margin-bottom: 16px;
}
.v-navigation-drawer .v-slider__thumb-container::after {
    content: attr(aria-valuenow); position: absolute; top: -22px; left: 0;
    transform: translateX(-50%); font-size: 11px;
}
"""


@solara.component
def Page() -> None:
    """One session's page: controls in the sidebar, the model's pictures in the main area."""
    initial = solara.use_memo(build_model, [])
    model: solara.Reactive[PolicyModel] = solara.use_reactive(initial)
    practice = solara.use_reactive(0)
    solara.Style(SIDEBAR_CSS)
    # SolaraViz draws the sidebar (step, play, reset, the controls, the step counter); the main
    # area is laid out here rather than in its draggable grid, whose fixed-height cells would clip
    # the map and the panels.
    SolaraViz(model, components=[], model_params=model_params(), name=TITLE)
    with solara.Columns([1, 1]):
        NetworkView(model.value, practice)
        OutcomePlots(model.value)
    with solara.Columns([1, 1]):
        PracticeInspector(model.value, practice)
        LeverGuide(model.value)


@solara.component
def Layout(children: list[solara.Element]) -> solara.Element:
    """Solara's app layout, or a page saying why a reset was refused (a bad seed).

    Mesa's Reset builds the model in a click handler in the sidebar, which Solara renders in the
    layout's own tree, so a :class:`~gpfed.parameters.ParameterError` raised there lands here. Like
    any error boundary this replaces the page it guards; "Back" builds a fresh one. Any other
    error still fails loudly.
    """
    error, back = solara.use_exception()
    if error is None:
        return solara.AppLayout(children=children)
    if not isinstance(error, ParameterError):
        raise error
    with solara.Column(classes=["gpfed-error"], margin=4) as refused:
        solara.Error(f"Not reset: {error}.")
        solara.Button("Back to a fresh page", on_click=back, color="primary")
    return refused
