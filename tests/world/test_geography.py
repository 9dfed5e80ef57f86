import networkx as nx
import numpy as np
import pytest

from gpfed import GPFedModel, Params
from gpfed.agents import Practice
from gpfed.world.geography import generate_world


@pytest.fixture(scope="module")
def england():
    return generate_world(Params(preset="england"), np.random.default_rng(0))


def test_england_counts(england):
    assert england.n_practices == 8053
    assert england.n_trusts == 160
    assert len(np.unique(england.practice_area)) == 211
    assert len(np.unique(england.area_team)) == 27


def test_list_sizes_match_england_2011_12(england):
    # BJGP, England 2011/12: mean 6,980, SD 4,244, p10 2,392, p90 12,520.
    lists = england.list_size
    assert lists.mean() == pytest.approx(6980, rel=0.03)
    assert lists.std() == pytest.approx(4244, rel=0.05)
    assert np.percentile(lists, 10) == pytest.approx(2392, rel=0.06)
    assert np.percentile(lists, 90) == pytest.approx(12520, rel=0.04)


def test_morbidity_and_need(england):
    assert england.diabetes_prevalence.mean() == pytest.approx(0.062, abs=0.002)
    assert england.need_weight.mean() == pytest.approx(1.0, abs=0.01)
    assert ((england.quality >= 0) & (england.quality <= 1)).all()


def test_each_area_is_connected_and_neighbour_edges_stay_in_area(england):
    graph = england.graph
    neighbour = nx.Graph((u, v) for u, v, kind in graph.edges(data="kind") if kind == "neighbour")
    for u, v in neighbour.edges:
        assert england.practice_area[u] == england.practice_area[v]
    for area in range(211):
        members = np.flatnonzero(england.practice_area == area)
        if len(members) > 1:
            assert nx.is_connected(neighbour.subgraph(members.tolist()))


def test_referral_edges_and_shares(england):
    np.testing.assert_allclose(england.referral_share.sum(axis=1), 1.0)
    n = england.n_practices
    for i in (0, 100, 5000):
        trusts = [j - n for j in england.graph.neighbors(i) if j >= n]
        assert sorted(trusts) == sorted(england.referral_trust[i].tolist())


def test_model_places_agents_on_the_network_at_world_positions():
    model = GPFedModel(rng=2, n_practices=60)
    positions = model.world.positions()
    for practice in list(model.agents_by_type[Practice])[:10]:
        np.testing.assert_allclose(practice.cell.position, positions[practice.index])
    assert len(model.network.all_cells) == 60 + model.world.n_trusts


def test_region_preset_is_one_icb():
    params = Params()
    assert 150 <= params.n_practices <= 250 and 3 <= params.n_trusts <= 5
