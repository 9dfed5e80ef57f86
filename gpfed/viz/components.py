"""Solara components of the page: the network, the outcome panels and the side panels.

Each reads Mesa's ``update_counter`` so Step, Play and Reset redraw it, and memoises its figure on
what it shows (model, step, choices), so other re-renders cost nothing.
"""

# Solara components are named like classes (Page, SolaraViz), as Solara's own are.
# ruff: noqa: N802

from __future__ import annotations

from typing import TYPE_CHECKING

import solara
from mesa.visualization.utils import update_counter

from gpfed.parameters import SPEC
from gpfed.scenarios import get_scenario
from gpfed.viz.charts import draw_outcomes
from gpfed.viz.controls import LEVERS, lever_label
from gpfed.viz.inspector import levers_in_force, practice_facts
from gpfed.viz.network import COLOUR_MODES, NetworkGeometry, draw_network

if TYPE_CHECKING:
    from gpfed.model.model import GPFedModel


@solara.component
def NetworkView(model: GPFedModel, practice: solara.Reactive[int]) -> None:
    """The network at fixed positions, coloured by federation or contract holder."""
    update_counter.get()
    colour_by, set_colour_by = solara.use_state("federation")
    geometry = solara.use_memo(lambda: NetworkGeometry.of(model), [model])
    shown = [model, model.quarters_simulated, colour_by, practice.value]
    figure = solara.use_memo(
        lambda: draw_network(model, geometry, colour_by, practice.value), shown
    )
    with solara.Column(classes=["gpfed-network"]):
        solara.ToggleButtonsSingle(
            value=colour_by,
            on_value=set_colour_by,
            values=list(COLOUR_MODES),
        )
        solara.FigureMatplotlib(figure, format="png", dependencies=shown)


@solara.component
def OutcomePlots(model: GPFedModel) -> None:
    """The outcome series so far: federation, practices, admissions, spend, paid twice, holders."""
    update_counter.get()
    shown = [model, model.quarters_simulated]
    figure = solara.use_memo(lambda: draw_outcomes(model), shown)
    with solara.Column(classes=["gpfed-plots"]):
        solara.FigureMatplotlib(figure, format="png", dependencies=shown)


@solara.component
def PracticeInspector(model: GPFedModel, practice: solara.Reactive[int]) -> None:
    """Pick a practice by number; its list, money, federation and contract now."""
    update_counter.get()
    n = model.world.n_practices
    with solara.Card("Inspect a practice", classes=["gpfed-inspector"]):
        solara.InputInt(
            f"practice number (0 to {n - 1}; ringed on the map)",
            value=practice.value,
            on_value=lambda index: practice.set(min(max(index, 0), n - 1)),
        )
        _rows(practice_facts(model, practice.value))


@solara.component
def LeverGuide(model: GPFedModel) -> None:
    """The scenario and the levers in force, with each lever's meaning, range and source."""
    update_counter.get()
    scenario = model.params.scenario
    with solara.Card("Scenario and levers", classes=["gpfed-levers"]), solara.Column():
        if scenario is not None:
            solara.Text(f"{scenario}: {get_scenario(scenario).title}.")
        solara.Text(
            f"Levers in force in {model.quarter}. A lever left at its default keeps the "
            "scenario's value (or schedule); a lever moved applies from the first quarter."
        )
        _rows(levers_in_force(model))
        with solara.Details("What the levers mean"), solara.Column():
            for name in LEVERS:
                parameter = SPEC[name]
                solara.Text(
                    f"{lever_label(parameter)}: {parameter.doc} Allowed {parameter.allowed()}; "
                    f"default {parameter.default}. Source: {parameter.source}."
                )


def _rows(rows: list[tuple[str, str]]) -> None:
    with solara.Column(gap="2px"):
        for label, value in rows:
            with solara.Row(justify="space-between"):
                solara.Text(label, style={"color": "#666"})
                solara.Text(value)
