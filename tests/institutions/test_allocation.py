"""Commissioners' allocations and other services, by hand."""

import numpy as np
import pytest

from gpfed.institutions.allocation import buy_other_services, pay_allocations
from gpfed.world.ledger import ECONOMY, TREASURY
from gpfed.world.state import CommissionerState
from tests.handmade import accounts_and_ledger, levers


def make_ledger(n_commissioners: int):
    return accounts_and_ledger(n_commissioners, n_practices=2, n_trusts=1)


def test_allocation_is_a_quarter_of_the_yearly_rate_per_head():
    # £1,200 a head a year is £300 a quarter: 1,000 and 3,000 patients.
    accounts, ledger = make_ledger(2)
    lv = levers(commissioner_allocation_gbp_per_head_per_year=1200.0)
    pay_allocations(ledger, accounts, np.array([1000.0, 3000.0]), lv)
    assert ledger.balance_gbp(accounts.commissioner) == pytest.approx([300_000.0, 900_000.0])
    assert ledger.balance_gbp(TREASURY) == pytest.approx(-1_200_000.0)
    assert ledger.totals_by_purpose() == pytest.approx({"allocation": 1_200_000.0})
    assert ledger.total_pence() == 0


def test_allocation_to_an_empty_area_is_nothing():
    accounts, ledger = make_ledger(2)
    lv = levers(commissioner_allocation_gbp_per_head_per_year=1200.0)
    pay_allocations(ledger, accounts, np.array([0.0, 10.0]), lv)
    assert ledger.balance_gbp(accounts.commissioner) == pytest.approx([0.0, 3000.0])


def test_other_services_at_the_rate_per_head_less_what_contracts_buy():
    # Rates [10, 20, 5] a head a quarter on [100, 50, 10] patients: [1000, 1000, 50];
    # contracts buy [300, 0, 80] of it: [700, 1000, max(50 - 80, 0) = 0].
    accounts, ledger = make_ledger(3)
    commissioners = CommissionerState(
        other_services_gbp_per_head_per_quarter=np.array([10.0, 20.0, 5.0]),
        spend_gbp=np.zeros(3),
    )
    paid = buy_other_services(
        ledger,
        accounts,
        commissioners,
        np.array([100.0, 50.0, 10.0]),
        np.array([300.0, 0.0, 80.0]),
    )
    assert paid == pytest.approx([700.0, 1000.0, 0.0])
    assert ledger.balance_gbp(accounts.commissioner) == pytest.approx([-700.0, -1000.0, 0.0])
    assert ledger.balance_gbp(ECONOMY) == pytest.approx(1700.0)
    assert ledger.totals_by_purpose() == pytest.approx({"other_services": 1700.0})
    assert ledger.total_pence() == 0


def test_other_services_never_flow_back_when_contracts_buy_more():
    accounts, ledger = make_ledger(1)
    commissioners = CommissionerState(
        other_services_gbp_per_head_per_quarter=np.array([1.0]), spend_gbp=np.zeros(1)
    )
    paid = buy_other_services(ledger, accounts, commissioners, np.array([10.0]), np.array([99.0]))
    assert paid.tolist() == [0.0]
    assert ledger.balance_gbp(ECONOMY) == 0.0
    assert ledger.totals_by_purpose() == {}
