"""GMS payments, phase-outs and the quality floor on a hand-made three-practice state."""

import numpy as np
import pytest

from gpfed.institutions.gms import (
    GMS_PURPOSES,
    PhaseOuts,
    gms_income,
    pay_gms,
    quality_floor_terminations,
)
from gpfed.world.ledger import Purpose
from gpfed.world.state import PracticeState
from tests.handmade import accounts_and_ledger, levers, levers_with, practice_state

# Round prices: £100 global sum, 10 QOF points at £20, £1,000 seniority, £8 + £4 a head.
gms_levers = levers_with(
    {
        "global_sum_gbp_per_weighted_patient": 100.0,
        "qof_points_available": 10,
        "qof_gbp_per_point": 20.0,
        "seniority_gbp_per_senior_partner_per_year": 1000.0,
        "enhanced_services_gbp_per_patient_per_year": 8.0,
        "other_reimbursements_gbp_per_patient_per_year": 4.0,
    }
)


def three_practices() -> PracticeState:
    # Practice 2 is closed: it is paid nothing, whatever its columns say.
    return practice_state(
        is_open=np.array([True, True, False]),
        list_size=np.array([1000, 2000, 3000]),
        need_weight=np.array([1.0, 1.5, 1.0]),
        quality=np.array([0.5, 1.0, 0.8]),
        senior_partners=np.array([1, 2, 3]),
        mpig_gbp_per_year=np.array([400.0, 0.0, 800.0]),
        area=np.array([0, 0, 1]),
        diabetes_prevalence=0.06,
        partners=2,
    )


# --- gms_income -------------------------------------------------------------------------------
# A year's payment, then the quarter (/4), per practice (practice 2 closed):
#   global sum    100 x weighted list [1000, 3000, 0]                 = [100000, 300000, 0]
#   MPIG          [400, 0, 800] x 0.5 remaining x open               = [200, 0, 0]
#   QOF           10 points x £20 x quality x list / 2000 reference  = [50, 200, 0]
#   seniority     £1,000 x senior partners [1, 2, 0] x 0.25 remaining = [250, 500, 0]
#   enhanced      £8 x list                                          = [8000, 16000, 0]
#   reimbursed    £4 x list                                          = [4000, 8000, 0]
EXPECTED_PER_QUARTER = {
    "global_sum": [25000.0, 75000.0, 0.0],
    "mpig": [50.0, 0.0, 0.0],
    "qof": [12.5, 50.0, 0.0],
    "seniority": [62.5, 125.0, 0.0],
    "enhanced_services": [2000.0, 4000.0, 0.0],
    "reimbursements": [1000.0, 2000.0, 0.0],
}


@pytest.mark.parametrize("purpose", list(EXPECTED_PER_QUARTER))
def test_gms_income_per_purpose_by_hand(purpose):
    phase = PhaseOuts(mpig_remaining=0.5, seniority_remaining=0.25)
    income = gms_income(three_practices(), gms_levers(), phase, qof_reference_list=2000.0)
    assert income[purpose] == pytest.approx(EXPECTED_PER_QUARTER[purpose])


def test_gms_income_has_one_entry_per_gms_purpose():
    income = gms_income(three_practices(), gms_levers(), PhaseOuts(), 2000.0)
    assert set(income) == {str(p) for p in GMS_PURPOSES}
    # Purposes are string enums: the ledger's Purpose keys read the same entries.
    assert income[Purpose.QOF] is income["qof"]


def test_gms_income_full_phase_outs_pay_the_starting_mpig_and_seniority():
    income = gms_income(three_practices(), gms_levers(), PhaseOuts(), 2000.0)
    assert income["mpig"] == pytest.approx([100.0, 0.0, 0.0])  # 400 / 4, closed practice 0
    assert income["seniority"] == pytest.approx([250.0, 500.0, 0.0])  # 1000 x partners / 4


def test_qof_scales_with_the_reference_list():
    # Halving the reference list doubles what a point is worth to each practice.
    state, lv = three_practices(), gms_levers()
    at_2000 = gms_income(state, lv, PhaseOuts(), 2000.0)["qof"]
    at_1000 = gms_income(state, lv, PhaseOuts(), 1000.0)["qof"]
    assert at_1000 == pytest.approx(2 * at_2000)
    assert at_1000 == pytest.approx([25.0, 100.0, 0.0])


# --- PhaseOuts --------------------------------------------------------------------------------


def test_phase_outs_start_in_full():
    phase = PhaseOuts()
    assert (phase.mpig_remaining, phase.seniority_remaining) == (1.0, 1.0)


def test_phase_outs_advance_by_a_quarter_of_the_yearly_rate():
    phase = PhaseOuts()
    lv = levers(mpig_phase_out_rate_per_year=0.4, seniority_cut_rate_per_year=0.2)
    phase.advance(lv)
    assert phase.mpig_remaining == pytest.approx(0.9)
    assert phase.seniority_remaining == pytest.approx(0.95)
    phase.advance(lv)
    assert phase.mpig_remaining == pytest.approx(0.8)
    assert phase.seniority_remaining == pytest.approx(0.9)


def test_phase_outs_stop_at_zero():
    phase = PhaseOuts()
    lv = levers(mpig_phase_out_rate_per_year=1.0, seniority_cut_rate_per_year=0.6)
    remaining = []
    for _ in range(8):
        phase.advance(lv)
        remaining.append((phase.mpig_remaining, phase.seniority_remaining))
    # MPIG: 0.75, 0.5, 0.25, 0 and stays; seniority: 0.85, 0.7, ..., 0.1, then 0 (not -0.05).
    assert remaining[3][0] == 0.0
    assert [m for m, _ in remaining[3:]] == [0.0] * 5
    assert remaining[5][1] == pytest.approx(0.1)
    assert remaining[6][1] == 0.0
    assert remaining[7][1] == 0.0


def test_phase_outs_do_not_move_at_a_zero_rate():
    phase = PhaseOuts(mpig_remaining=0.3, seniority_remaining=0.7)
    phase.advance(levers(mpig_phase_out_rate_per_year=0.0, seniority_cut_rate_per_year=0.0))
    assert (phase.mpig_remaining, phase.seniority_remaining) == (0.3, 0.7)


# --- pay_gms ----------------------------------------------------------------------------------


def hand_income() -> dict[str, np.ndarray]:
    return {
        "global_sum": np.array([100.0, 200.0, 0.0]),
        "mpig": np.array([10.0, 0.0, 0.0]),
        "qof": np.array([1.25, 2.5, 0.0]),
        "seniority": np.array([0.0, 30.0, 0.0]),
        "enhanced_services": np.array([4.0, 8.0, 0.0]),
        "reimbursements": np.array([2.0, 3.0, 0.5]),
    }


def test_pay_gms_moves_exactly_the_income_and_returns_its_sum():
    accounts, ledger = accounts_and_ledger(n_commissioners=2, n_practices=3, n_trusts=1)
    area = np.array([0, 0, 1])
    total = pay_gms(ledger, accounts.commissioner[area], accounts.practice, hand_income())
    assert total == pytest.approx([117.25, 243.5, 0.5])
    assert ledger.balance_gbp(accounts.practice) == pytest.approx([117.25, 243.5, 0.5])
    assert ledger.balance_gbp(accounts.commissioner) == pytest.approx([-360.75, -0.5])
    assert ledger.total_pence() == 0
    assert ledger.totals_by_purpose() == pytest.approx(
        {"global_sum": 300.0, "mpig": 10.0, "qof": 3.75, "seniority": 30.0}
        | {"enhanced_services": 12.0, "reimbursements": 5.5}
    )


def test_pay_gms_from_one_contract_holder():
    # Where GMS money runs through a contract, one holder account pays every practice.
    accounts, ledger = accounts_and_ledger(n_commissioners=1, n_practices=3, n_trusts=1)
    holder = ledger.open_account("federation")
    total = pay_gms(ledger, holder, accounts.practice, hand_income())
    assert ledger.balance_gbp(holder) == pytest.approx(-total.sum())
    assert ledger.balance_gbp(accounts.commissioner[0]) == 0.0
    assert ledger.balance_gbp(accounts.practice) == pytest.approx(total)


def test_pay_gms_of_gms_income_pays_each_practice_its_income():
    accounts, ledger = accounts_and_ledger(n_commissioners=2, n_practices=3, n_trusts=1)
    state = three_practices()
    income = gms_income(state, gms_levers(), PhaseOuts(0.5, 0.25), 2000.0)
    total = pay_gms(ledger, accounts.commissioner[state.area], accounts.practice, income)
    by_hand = np.sum([EXPECTED_PER_QUARTER[p] for p in EXPECTED_PER_QUARTER], axis=0)
    assert total == pytest.approx(by_hand)  # [28125, 81175, 0]
    assert ledger.balance_gbp(accounts.practice) == pytest.approx(by_hand)


# --- quality_floor_terminations ----------------------------------------------------------------


def test_notices_only_for_eligible_practices_below_the_floor():
    notices = np.array([0, 1, 2, 2, 0, 5])
    quality = np.array([0.5, 0.5, 0.9, 0.5, 0.6, 0.1])
    # 0: eligible, below        -> a notice
    # 1: not eligible, below    -> none (a contract covers it, or it is closed)
    # 2: eligible, above        -> none
    # 3: eligible, below        -> its third notice: terminated
    # 4: eligible, at the floor -> none (below means strictly below)
    # 5: not eligible, 5 notices already -> neither a notice nor a termination
    eligible = np.array([True, False, True, True, True, False])
    lv = levers(gms_quality_floor=0.6, termination_notices=3)
    after, terminated = quality_floor_terminations(notices, quality, eligible, lv)
    assert after.tolist() == [1, 1, 2, 3, 0, 5]
    assert terminated.tolist() == [False, False, False, True, False, False]


def test_termination_once_notices_reach_the_limit():
    lv = levers(gms_quality_floor=0.5, termination_notices=3)
    notices = np.zeros(1, dtype=np.int64)
    quality, eligible = np.array([0.4]), np.array([True])
    history = []
    for _ in range(3):
        notices, terminated = quality_floor_terminations(notices, quality, eligible, lv)
        history.append((int(notices[0]), bool(terminated[0])))
    assert history == [(1, False), (2, False), (3, True)]


def test_a_floor_of_zero_is_off():
    lv = levers(gms_quality_floor=0.0, termination_notices=1)
    after, terminated = quality_floor_terminations(
        np.zeros(3, dtype=np.int64), np.array([0.0, 0.2, 1.0]), np.ones(3, dtype=bool), lv
    )
    assert after.tolist() == [0, 0, 0]
    assert not terminated.any()
