"""Network payments: federation incentive, reward for scale and out-of-hours, by hand."""

import numpy as np
import pytest

from gpfed.institutions.network_contract import (
    incentive_gbp_per_year,
    ooh_margin_gbp_per_year,
    pay_network_payments,
    scale_reward_gbp_per_year,
)
from gpfed.world.ledger import ECONOMY
from tests.handmade import accounts_and_ledger, levers_with

# £3 a patient incentive from 30,000 patients, £2 reward for scale, £4 out-of-hours,
# back-office exponent 0.8.
levers = levers_with(
    {
        "federation_incentive_gbp_per_patient_per_year": 3.0,
        "federation_incentive_threshold_patients": 30_000,
        "reward_for_scale_gbp_per_patient_per_year": 2.0,
        "ooh_gbp_per_patient_per_year": 4.0,
        "backoffice_saving_exponent": 0.8,
        "ooh_to_federations": False,
    }
)


def test_incentive_only_from_the_threshold_list():
    pooled = np.array([0.0, 29_999.0, 30_000.0, 60_000.0])
    assert incentive_gbp_per_year(pooled, levers()) == pytest.approx(
        [0.0, 0.0, 90_000.0, 180_000.0]
    )


def test_incentive_threshold_follows_the_lever():
    pooled = np.array([25_000.0])
    assert incentive_gbp_per_year(pooled, levers()).tolist() == [0.0]
    lowered = levers(federation_incentive_threshold_patients=20_000)
    assert incentive_gbp_per_year(pooled, lowered) == pytest.approx([75_000.0])


def test_scale_reward_rises_with_the_list_and_is_capped_at_100000_patients():
    # 2 x list x min(list / 100,000, 1)
    pooled = np.array([0.0, 50_000.0, 100_000.0, 150_000.0])
    assert scale_reward_gbp_per_year(pooled, levers()) == pytest.approx(
        [0.0, 50_000.0, 200_000.0, 300_000.0]
    )


def test_ooh_margin_is_zero_at_50000_patients():
    assert ooh_margin_gbp_per_year(np.array([50_000.0]), levers()) == pytest.approx([0.0])


def test_ooh_margin_is_positive_above_and_negative_below_50000():
    # Cost per patient is the payment x (list / 50,000) ^ (0.8 - 1):
    #   200,000 patients: 4 x 200,000 x (1 - 4 ^ -0.2)   = 800,000 x (1 - 2 ^ -0.4) > 0
    #   12,500 patients:  4 x 12,500 x (1 - 0.25 ^ -0.2) = 50,000 x (1 - 2 ^ 0.4)   < 0
    margin = ooh_margin_gbp_per_year(np.array([200_000.0, 12_500.0]), levers())
    assert margin[0] > 0 > margin[1]
    assert margin == pytest.approx([800_000.0 * (1 - 2**-0.4), 50_000.0 * (1 - 2**0.4)])


def test_ooh_margin_is_zero_without_economies_of_scale():
    margin = ooh_margin_gbp_per_year(
        np.array([1_000.0, 50_000.0, 500_000.0]), levers(backoffice_saving_exponent=1.0)
    )
    assert margin == pytest.approx([0.0, 0.0, 0.0])


def federations():
    """Three federations: one in area 0 (40,000 patients), two in area 1 (20,000 and 100,000)."""
    accounts, ledger = accounts_and_ledger(n_commissioners=2, n_practices=0, n_trusts=0)
    federation_accounts = np.array([ledger.open_account("federation") for _ in range(3)])
    return accounts, ledger, federation_accounts, np.array([0, 1, 1])


POOLED = np.array([40_000.0, 20_000.0, 100_000.0])
# A quarter: incentive [30000, 0 (below 30,000), 75000];
# reward for scale 2 x list x share of 100,000 / 4: [8000, 2000, 50000].
INCENTIVE = [30_000.0, 0.0, 75_000.0]
REWARD = [8_000.0, 2_000.0, 50_000.0]


def test_pay_network_payments_without_out_of_hours():
    accounts, ledger, fed, area = federations()
    spend = pay_network_payments(ledger, accounts, fed, area, POOLED, levers())
    assert spend == pytest.approx([38_000.0, 127_000.0])
    assert ledger.balance_gbp(fed) == pytest.approx([38_000.0, 2_000.0, 125_000.0])
    assert ledger.balance_gbp(accounts.commissioner) == pytest.approx([-38_000.0, -127_000.0])
    assert ledger.totals_by_purpose() == pytest.approx(
        {"federation_incentive": sum(INCENTIVE), "reward_for_scale": sum(REWARD)}
    )
    assert ledger.total_pence() == 0


def test_pay_network_payments_with_out_of_hours():
    # Out-of-hours pays £4 / 4 = £1 a patient a quarter; each federation pays the economy its
    # provision cost, the payment x (list / 50,000) ^ -0.2.
    accounts, ledger, fed, area = federations()
    spend = pay_network_payments(
        ledger, accounts, fed, area, POOLED, levers(ooh_to_federations=True)
    )
    payment = POOLED  # £1 a patient
    cost = POOLED * (POOLED / 50_000.0) ** -0.2
    assert spend == pytest.approx([38_000.0 + 40_000.0, 127_000.0 + 120_000.0])
    expected = np.array(INCENTIVE) + np.array(REWARD) + payment - cost
    assert ledger.balance_gbp(fed) == pytest.approx(expected, abs=0.01)
    assert ledger.balance_gbp(ECONOMY) == pytest.approx(cost.sum(), abs=0.02)
    totals = ledger.totals_by_purpose()
    assert totals["ooh_payment"] == pytest.approx(160_000.0)
    assert totals["ooh_costs"] == pytest.approx(cost.sum(), abs=0.02)
    # The economy's part is not the commissioners' spend.
    assert ledger.balance_gbp(accounts.commissioner) == pytest.approx(-spend)
    assert ledger.total_pence() == 0


def test_pay_network_payments_spend_for_an_area_with_no_federation_is_zero():
    accounts, ledger = accounts_and_ledger(n_commissioners=3, n_practices=0, n_trusts=0)
    fed = np.array([ledger.open_account("federation")])
    spend = pay_network_payments(
        ledger, accounts, fed, np.array([2]), np.array([40_000.0]), levers()
    )
    assert spend == pytest.approx([0.0, 0.0, 38_000.0])
