import numpy as np
import pandas as pd
import pytest

from gpfed.world.ledger import ECONOMY, TREASURY, Accounts, Ledger


def make_ledger() -> Ledger:
    return Ledger(Accounts.layout(n_commissioners=2, n_practices=3, n_trusts=1))


def test_payments_move_money_to_the_penny_and_conserve_it():
    ledger = make_ledger()
    accounts = ledger.accounts
    ledger.pay(TREASURY, accounts.commissioner, np.array([100.004, 50.006]), "allocation")
    ledger.pay(
        accounts.commissioner[[0, 0, 1]], accounts.practice, [10.0, 20.0, 30.0], "global_sum"
    )
    assert ledger.balance_pence[accounts.commissioner].tolist() == [7000, 2001]
    assert ledger.balance_pence[accounts.practice].tolist() == [1000, 2000, 3000]
    assert ledger.total_pence() == 0


def test_settle_pays_signed_amounts_in_the_right_direction():
    ledger = make_ledger()
    p = ledger.accounts.practice
    ledger.settle(p, ECONOMY, np.array([5.0, -3.0, 0.0]), "closure_settlement")
    assert ledger.balance_pence[p].tolist() == [-500, 300, 0]
    assert ledger.balance_pence[ECONOMY] == 200
    assert ledger.total_pence() == 0


def test_negative_payment_is_refused():
    ledger = make_ledger()
    with pytest.raises(ValueError, match="negative payment for 'x'"):
        ledger.pay(TREASURY, ECONOMY, -1.0, "x")


def test_transfer_record_reproduces_balances_and_totals():
    ledger = make_ledger()
    rng = np.random.default_rng(0)
    for step in range(3):
        ledger.step = step
        payer = rng.integers(0, ledger.accounts.size, 20)
        payee = rng.integers(0, ledger.accounts.size, 20)
        ledger.pay(payer, payee, rng.uniform(0, 1000, 20), f"purpose_{step % 2}")
    frame = ledger.transfers_frame()
    inflow = frame.groupby("payee")["amount_pence"].sum()
    outflow = frame.groupby("payer")["amount_pence"].sum()
    net = inflow.sub(outflow, fill_value=0).reindex(range(ledger.accounts.size), fill_value=0)
    assert net.to_numpy().tolist() == ledger.balance_pence.tolist()
    totals = ledger.totals_frame().groupby("purpose")["amount_gbp"].sum()
    assert totals.to_dict() == pytest.approx(frame.groupby("purpose")["amount_gbp"].sum().to_dict())


@pytest.mark.parametrize("amount", [12.34, -0.07, 0.0, 1e7 + 0.005])
def test_a_settlement_of_one_element_arrays_is_the_same_as_of_scalars(amount):
    scalar, arrays = make_ledger(), make_ledger()
    practice = int(scalar.accounts.practice[1])
    scalar.settle(practice, ECONOMY, amount, "wind_up")
    arrays.settle(np.array([practice]), np.array([ECONOMY]), np.array([amount]), "wind_up")
    assert scalar.balance_pence.tolist() == arrays.balance_pence.tolist()
    assert scalar.totals_by_purpose() == arrays.totals_by_purpose()
    pd.testing.assert_frame_equal(scalar.transfers_frame(), arrays.transfers_frame())
