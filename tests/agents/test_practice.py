import numpy as np
import pytest

from gpfed import GPFedModel
from gpfed.agents import Commissioner, Practice, Trust


@pytest.fixture
def model():
    return GPFedModel(rng=9, n_practices=60, n_commissioners=2, agent_table_every=1).run(2)


def test_merger_moves_list_partners_and_reserves_to_one_neighbour(model):
    state, ledger = model.practice_state, model.ledger
    practice = model.practice_agent(0)
    lists, partners = state.list_size.copy(), state.partners.copy()
    balances = ledger.balance_pence[model.accounts.practice].copy()
    assert model.exit_practice(0, merge_probability=1.0, rng=np.random.default_rng(0)) == "mergers"
    gained = np.flatnonzero(state.list_size > lists)
    assert len(gained) == 1
    absorber = gained[0]
    assert absorber in model.practice_neighbours[0]
    assert state.list_size[absorber] == lists[absorber] + lists[0]
    assert state.partners[absorber] == partners[absorber] + partners[0]
    moved = ledger.balance_pence[model.accounts.practice[absorber]] - balances[absorber]
    assert moved == balances[0]
    assert practice not in model.agents and practice.cell is None
    assert not state.is_open[0] and state.list_size[0] == 0


def test_closure_shares_the_list_among_nearest_open_practices(model):
    state = model.practice_state
    lists = state.list_size.copy()
    before_total = lists.sum()
    outcome = model.exit_practice(5, merge_probability=0.0, rng=np.random.default_rng(0))
    assert outcome == "closures"
    gained = np.flatnonzero(state.list_size > lists)
    assert set(gained) <= set(model.practice_neighbours[5].tolist())
    assert state.list_size.sum() == before_total
    assert model.ledger.balance_pence[model.accounts.practice[5]] == 0


def test_failing_count_resets_after_a_good_quarter(model):
    state = model.practice_state
    state.failing_quarters[:] = 0
    state.income_gbp[:] = 0.0
    state.failing_quarters = Practice.count_failing_quarters(state, threshold_share=0.5)
    state.failing_quarters = Practice.count_failing_quarters(state, threshold_share=0.5)
    assert (state.failing_quarters[state.is_open] == 2).all()
    state.income_gbp[:] = 1e9
    state.failing_quarters = Practice.count_failing_quarters(state, threshold_share=0.5)
    assert (state.failing_quarters == 0).all()


def test_agent_views_read_the_state(model):
    practice = model.practice_agent(3)
    assert practice.list_size == model.practice_state.list_size[3]
    assert practice.contract == "GMS"
    assert practice.reserves_gbp == model.ledger.balance_pence[model.accounts.practice[3]] / 100
    trusts = list(model.agents_by_type[Trust])
    assert sum(t.income_gbp for t in trusts) > 0
    commissioners = list(model.agents_by_type[Commissioner])
    assert sum(c.population for c in commissioners) == model.practice_state.list_size.sum()


def test_agent_tables_are_tidy(model):
    practices = model.agent_frame(Practice)
    assert {"step", "agent_id", "index", "list_size", "reserves_gbp"} <= set(practices.columns)
    assert practices.groupby("step").size().tolist() == [60, 60, 60]


def test_federation_members_are_shown_as_agent_ids(model):
    federation = next(iter(model.federations.values()))
    assert federation.member_ids == [model.practice_agent(i).unique_id for i in federation.members]
    frame = model.agent_frame()
    last = frame[frame["step"] == frame["step"].max()]
    by_id = last.set_index("agent_id")["federation_id"]
    assert (by_id.loc[federation.member_ids] == federation.unique_id).all()
