"""The network, the outcome panels and the side panels, drawn without a browser."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection

from gpfed.viz import build_model
from gpfed.viz.charts import HOLDER_SERIES, PANELS, draw_outcomes
from gpfed.viz.inspector import levers_in_force, practice_facts
from gpfed.viz.network import (
    COLOUR_MODES,
    UNFEDERATED,
    NetworkGeometry,
    contract_holders,
    draw_network,
    practice_colours,
)


@pytest.fixture(scope="module")
def run():
    """kings_fund_2014 after three years: federations, contracts and some closures."""
    return build_model("kings_fund_2014", seed=1).run(12)


def _practice_offsets(figure):
    ax = figure.axes[0]
    return next(c.get_offsets() for c in ax.collections if isinstance(c, PathCollection))


def test_practices_stay_at_the_world_positions_from_step_to_step():
    model = build_model(seed=2)
    geometry = NetworkGeometry.of(model)
    before = np.asarray(_practice_offsets(draw_network(model, geometry)))
    model.run(3)
    after = np.asarray(_practice_offsets(draw_network(model, NetworkGeometry.of(model))))
    is_open = model.practice_state.is_open
    np.testing.assert_array_equal(before, model.world.practice_xy_km)
    np.testing.assert_array_equal(after, model.world.practice_xy_km[is_open])


def test_geometry_is_the_world_graph(run):
    geometry = NetworkGeometry.of(run)
    graph = run.world.graph
    assert len(geometry.neighbour_segments) + len(geometry.referral_segments) == len(graph.edges)
    assert len(geometry.referral_segments) == run.world.n_practices * run.params.trusts_per_practice
    assert len(geometry.area_outlines) == run.params.n_commissioners
    np.testing.assert_array_equal(geometry.trust_xy, run.world.trust_xy_km)


@pytest.mark.parametrize("colour_by", list(COLOUR_MODES))
def test_network_draws_in_either_colouring_without_pyplot(run, colour_by):
    open_figures = plt.get_fignums()
    figure = draw_network(run, NetworkGeometry.of(run), colour_by, highlight=3)
    assert plt.get_fignums() == open_figures
    ax = figure.axes[0]
    assert f"step {run.quarters_simulated}" in ax.get_title()
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert "acute trust" in labels and "closed practice" in labels
    assert len([c for c in ax.collections if isinstance(c, PathCollection)]) == 4


def test_practices_are_coloured_by_federation_or_contract_holder(run):
    federation = run.practice_state.federation
    by_federation = practice_colours(run, "federation")
    assert (by_federation[federation < 0] == UNFEDERATED).all()
    assert (by_federation[federation >= 0] != UNFEDERATED).all()
    holders = contract_holders(run)
    assert set(holders) >= {"GMS"} and len(set(holders)) > 1
    by_contract = practice_colours(run, "contract")
    assert len(set(by_contract)) == len(set(holders))
    with pytest.raises(ValueError, match="colour_by"):
        practice_colours(run, "area")


def test_outcome_panels_show_each_series_so_far(run):
    figure = draw_outcomes(run)
    axes = figure.axes
    assert len(axes) == len(PANELS) + 1
    for ax, (title, _series, _divisor, _from_zero) in zip(axes, PANELS, strict=False):
        assert ax.get_title() == title
        assert len(ax.lines[0].get_xdata()) == run.quarters_simulated + 1
    assert len(axes[-1].lines) == len(HOLDER_SERIES)
    start = run.params.start_year + (run.params.start_quarter - 1) / 4
    assert axes[0].get_xlim() == pytest.approx((start, start + run.params.horizon_quarters / 4))


def test_practice_facts_for_an_open_and_a_closed_practice(run):
    member = int(np.flatnonzero(run.practice_state.federation >= 0)[0])
    facts = dict(practice_facts(run, member))
    assert facts["status"] == "open"
    assert facts["list size"] == f"{run.practice_agent(member).list_size:,} patients"
    assert facts["federation"].startswith(f"#{run.practice_state.federation[member]}: ")
    assert facts["contract"] == run.practice_agent(member).contract
    closed = int(np.flatnonzero(~run.practice_state.is_open)[0])
    facts = dict(practice_facts(run, closed))
    assert facts["status"].startswith("closed")
    assert "list size" not in facts
    with pytest.raises(IndexError, match="numbered 0 to"):
        practice_facts(run, run.world.n_practices)


def test_levers_in_force_follow_the_scenario_schedule(run):
    start = dict(levers_in_force(build_model("kings_fund_2014", seed=1)))
    assert start["gp contract regime"] == "gms"
    assert dict(levers_in_force(run))["gp contract regime"] == "optional"
