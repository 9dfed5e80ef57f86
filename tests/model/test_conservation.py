"""Money and patients are conserved every quarter, including through closures and mergers."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpfed import GPFedModel
from gpfed.world.ledger import ECONOMY, TREASURY


def assert_quarter_conserves(model: GPFedModel, before: dict) -> None:
    ledger, state = model.ledger, model.practice_state
    assert ledger.total_pence() == 0
    internal = ledger.balance_pence.copy()
    internal[[TREASURY, ECONOMY]] = 0
    outside_in = before["treasury"] - ledger.balance_pence[TREASURY]
    outside_out = ledger.balance_pence[ECONOMY] - before["economy"]
    assert internal.sum() - before["internal"] == outside_in - outside_out
    patients = int(state.list_size.sum())
    assert patients == before["patients"] + model.registrations.net_growth - before["growth"]
    assert int(state.list_size[~state.is_open].sum()) == 0


def snapshot(model: GPFedModel) -> dict:
    balances = model.ledger.balance_pence
    return {
        "treasury": int(balances[TREASURY]),
        "economy": int(balances[ECONOMY]),
        "internal": int(balances.sum() - balances[TREASURY] - balances[ECONOMY]),
        "patients": int(model.practice_state.list_size.sum()),
        "growth": model.registrations.net_growth,
    }


def run_checking(model: GPFedModel, quarters: int) -> None:
    for _ in range(quarters):
        before = snapshot(model)
        model.step()
        assert_quarter_conserves(model, before)


def test_money_and_patients_conserved_through_many_exits():
    # A high exit threshold forces closures and mergers in the first year.
    model = GPFedModel(rng=3, n_practices=120, exit_profit_threshold_share=0.9, exit_quarters=1)
    run_checking(model, 12)
    frame = model.to_frame()
    assert frame["closures"].sum() > 5 and frame["mergers"].sum() > 5


def test_every_balance_equals_its_recorded_payments(small_run):
    transfers = small_run.ledger.transfers_frame()
    inflow = transfers.groupby("payee")["amount_pence"].sum()
    outflow = transfers.groupby("payer")["amount_pence"].sum()
    size = len(small_run.ledger.balance_pence)
    net = inflow.sub(outflow, fill_value=0).reindex(range(size), fill_value=0).to_numpy()
    np.testing.assert_array_equal(net, small_run.ledger.balance_pence)


def test_closed_practices_hold_no_money_and_no_patients():
    model = GPFedModel(rng=5, n_practices=100, exit_profit_threshold_share=0.9, exit_quarters=2)
    model.run(8)
    closed = ~model.practice_state.is_open
    assert closed.any()
    assert (model.ledger.balance_pence[model.accounts.practice[closed]] == 0).all()
    assert (model.practice_state.partners[closed] == 0).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_practices=st.integers(20, 90),
    hospital_payment=st.sampled_from(["pbr", "block", "capitation", "blend"]),
    threshold=st.floats(0.0, 1.2),
    merge_probability=st.floats(0.0, 1.0),
    growth=st.floats(-0.05, 0.1),
    drift=st.floats(0.0, 0.1),
    elasticity=st.floats(0.0, 5.0),
    allocation=st.floats(0.0, 3000.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_conservation_holds_for_random_parameters(
    n_practices,
    hospital_payment,
    threshold,
    merge_probability,
    growth,
    drift,
    elasticity,
    allocation,
    seed,
):
    model = GPFedModel(
        rng=seed,
        n_practices=n_practices,
        n_commissioners=2,
        n_trusts=3,
        hospital_payment=hospital_payment,
        exit_profit_threshold_share=threshold,
        exit_quarters=1,
        merge_probability=merge_probability,
        registered_population_growth_per_year=growth,
        practice_cost_drift_sd=drift,
        induced_demand_elasticity=elasticity,
        commissioner_allocation_gbp_per_head_per_year=allocation,
        agent_table_every=0,
    )
    run_checking(model, 6)


def test_the_last_open_practice_never_exits():
    model = GPFedModel(
        rng=1,
        n_practices=10,
        n_commissioners=1,
        n_trusts=1,
        trusts_per_practice=1,
        exit_profit_threshold_share=2.0,
        exit_quarters=1,
        merge_probability=0.0,
    )
    run_checking(model, 6)
    assert model.practice_state.is_open.sum() == 1  # everyone else failed at once
