"""Members who learn what their federation actually pays them, in whole runs paired by seed."""

import numpy as np

from gpfed import GPFedModel
from tests.model.test_integrated_mechanisms import assert_paired_increase

SEEDS = range(8)


def run(seed: int, **levers) -> GPFedModel:
    return GPFedModel(rng=seed, n_practices=150, agent_table_every=0, **levers).run(20)


def leavers(model: GPFedModel) -> float:
    return float(model.to_frame()["federation_leavers"].iloc[1:].sum())


def test_members_who_learn_what_is_paid_leave_more_than_those_who_trust_the_formula():
    # The formula counts value a federation never pays out (pooled risk, contracts it never
    # wins); members who go by their own record find it worth less.
    formula = [leavers(run(s, federation_learning_rate=0.0)) for s in SEEDS]
    learning = [leavers(run(s, federation_learning_rate=0.25)) for s in SEEDS]
    assert_paired_increase(formula, learning)


def test_the_record_is_what_the_ledger_paid_each_member_smoothed():
    model = GPFedModel(rng=3, n_practices=100, agent_table_every=0, federation_learning_rate=1.0)
    model.run(8)
    state = model.practice_state
    transfers = model.ledger.transfers_frame()
    last = transfers[transfers["step"] == model.ledger.step]
    members = np.flatnonzero((state.federation >= 0) & (state.federation_quarters > 0))
    assert len(members) > 0
    accounts = model.accounts.practice[members]
    purposes = ["federation_dividend", "federation_levy", "performance_share"]
    flows = last[last["purpose"].isin(purposes)]
    received = flows.groupby("payee")["amount_pence"].sum().reindex(accounts, fill_value=0)
    paid_back = flows.groupby("payer")["amount_pence"].sum().reindex(accounts, fill_value=0)
    # With a learning rate of 1 the record is last quarter's net payment, a year.
    expected = 4 * (received.to_numpy() - paid_back.to_numpy()) / 100
    np.testing.assert_allclose(state.federation_paid_gbp_per_year[members], expected, atol=1e-6)
