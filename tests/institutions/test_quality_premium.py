"""The commissioners' quality premium on a hand-made three-area state."""

import dataclasses

import numpy as np
import pytest

from gpfed.institutions.quality_premium import pay_quality_premium
from gpfed.world.ledger import ECONOMY, TREASURY, Purpose
from gpfed.world.state import PracticeState
from tests.handmade import accounts_and_ledger, levers, practice_state

LEVERS = levers(
    quality_premium_gbp_per_head_per_year=5.0,
    quality_premium_admissions_weight=0.25,
    admissions_target_reduction=0.4,
)
BASELINE_PER_HEAD = np.array([0.025, 0.025, 0.025])


def make_state(emergency=(20, 60, 60, 0)) -> PracticeState:
    """Area 0: practices 0 and 1; area 1: practice 2; area 2: practice 3, closed."""
    return practice_state(
        [1000, 3000, 2000, 1000],
        is_open=np.array([True, True, True, False]),
        diabetes_prevalence=0.06,
        quality=np.array([0.8, 0.6, 0.9, 1.0]),
        partners=2,
        area=np.array([0, 0, 1, 2]),
        emergency_admissions=np.array(emergency),
    )


# Area 0: 4,000 patients, 80 emergencies (0.02 a head) against 0.025: the fall 0.005 is half
#   the target cut (0.4 x 0.025 = 0.01); quality (0.8 x 1000 + 0.6 x 3000) / 4000 = 0.65;
#   score 0.25 x 0.5 + 0.75 x 0.65 = 0.6125; premium 5 x 4000 x 0.6125 = 12,250.
# Area 1: 2,000 patients, 60 emergencies (0.03 a head, above baseline): admissions score 0, not
#   negative; quality 0.9; score 0.675; premium 5 x 2000 x 0.675 = 6,750.
# Area 2: every practice closed: no patients, nothing.


def test_premium_by_hand():
    accounts, ledger = accounts_and_ledger(n_commissioners=3, n_practices=4, n_trusts=1)
    paid = pay_quality_premium(ledger, accounts, make_state(), BASELINE_PER_HEAD, LEVERS)
    assert paid == pytest.approx([12_250.0, 6_750.0, 0.0])
    assert ledger.balance_gbp(accounts.commissioner) == pytest.approx([12_250.0, 6_750.0, 0.0])
    assert ledger.balance_gbp(TREASURY) == pytest.approx(-19_000.0)
    assert ledger.totals_by_purpose() == pytest.approx({str(Purpose.QUALITY_PREMIUM): 19_000.0})


def test_full_admissions_marks_at_the_target_and_no_more_beyond_it():
    # Area 0 at 60 emergencies (0.015 a head) meets the target exactly; at 20 (0.005) it is
    # beyond it: both score 0.25 x 1 + 0.75 x 0.65 = 0.7375 -> 5 x 4000 x 0.7375 = 14,750.
    for emergency in [(15, 45, 60, 0), (5, 15, 60, 0)]:
        accounts, ledger = accounts_and_ledger(n_commissioners=3, n_practices=4, n_trusts=1)
        paid = pay_quality_premium(
            ledger, accounts, make_state(emergency), BASELINE_PER_HEAD, LEVERS
        )
        assert paid[0] == pytest.approx(14_750.0)


def test_admissions_weight_moves_the_score():
    # All weight on admissions: area 0 scores 0.5 (10,000), area 1 scores 0.
    accounts, ledger = accounts_and_ledger(n_commissioners=3, n_practices=4, n_trusts=1)
    lv = dataclasses.replace(LEVERS, quality_premium_admissions_weight=1.0)
    paid = pay_quality_premium(ledger, accounts, make_state(), BASELINE_PER_HEAD, lv)
    assert paid == pytest.approx([10_000.0, 0.0, 0.0])


def test_commissioners_in_deficit_get_nothing():
    accounts, ledger = accounts_and_ledger(n_commissioners=3, n_practices=4, n_trusts=1)
    ledger.pay(accounts.commissioner[1], ECONOMY, 0.01, Purpose.OTHER_SERVICES)  # a penny short
    paid = pay_quality_premium(ledger, accounts, make_state(), BASELINE_PER_HEAD, LEVERS)
    assert paid == pytest.approx([12_250.0, 0.0, 0.0])
    assert ledger.balance_gbp(accounts.commissioner[1]) == pytest.approx(-0.01)


def test_a_commissioner_breaking_even_is_eligible():
    accounts, ledger = accounts_and_ledger(n_commissioners=3, n_practices=4, n_trusts=1)
    ledger.pay(TREASURY, accounts.commissioner[0], 100.0, Purpose.ALLOCATION)
    ledger.pay(accounts.commissioner[0], ECONOMY, 100.0, Purpose.OTHER_SERVICES)
    paid = pay_quality_premium(ledger, accounts, make_state(), BASELINE_PER_HEAD, LEVERS)
    assert paid[0] == pytest.approx(12_250.0)


def test_an_empty_area_gets_nothing_even_with_admissions_and_quality_marks():
    # Area 2 has no open practice: its admissions per head (0) beat the baseline and its closed
    # practice had quality 1, but with no patients there is nothing to pay.
    accounts, ledger = accounts_and_ledger(n_commissioners=3, n_practices=4, n_trusts=1)
    state = make_state((20, 60, 60, 40))
    paid = pay_quality_premium(ledger, accounts, state, BASELINE_PER_HEAD, LEVERS)
    assert paid[2] == 0.0
    assert ledger.balance_gbp(accounts.commissioner[2]) == 0.0
