"""Hospital payment rules and their ledger moves on a hand-made 2-area, 2-trust world.

Tariffs are £1,000 an emergency and £500 an elective admission, MRET 30%, throughout.
"""

import numpy as np
import pytest

from gpfed.institutions.hospital_payment import hospital_payments, pay_hospitals, pbr_share
from gpfed.world.ledger import Purpose
from gpfed.world.state import TrustState
from tests.handmade import accounts_and_ledger, levers_with, practice_state, trust_state


def approx(expected):
    """pytest.approx of an array (nested lists are not supported by approx itself)."""
    return pytest.approx(np.asarray(expected, dtype=float))


levers = levers_with(
    {
        "emergency_tariff_gbp": 1000.0,
        "elective_tariff_gbp": 500.0,
        "mret_marginal_rate": 0.3,
        "blend_pbr_share": 0.4,
    }
)


# --- pbr_share --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "share"), [("pbr", 1.0), ("blend", 0.4), ("block", 0.0), ("capitation", 0.0)]
)
def test_pbr_share_per_payment_model(mode, share):
    assert pbr_share(levers(hospital_payment=mode)) == share


def test_pbr_share_of_the_blend_follows_the_lever():
    assert pbr_share(levers(hospital_payment="blend", blend_pbr_share=0.7)) == 0.7


# --- hospital_payments ------------------------------------------------------------------------
# Baselines by (area, trust): emergency [[10, 20], [5, 0]], elective [[4, 6], [2, 0]],
# population [[1000, 2000], [500, 0]].
# This quarter: emergency [[12, 15], [5, 3]], elective [[4, 8], [1, 2]].


def trusts_2x2() -> TrustState:
    return trust_state([[10, 20], [5, 0]], [[4, 6], [2, 0]], [[1000, 2000], [500, 0]])


EMERGENCY = np.array([[12.0, 15.0], [5.0, 3.0]])
ELECTIVE = np.array([[4.0, 8.0], [1.0, 2.0]])
POPULATION = np.array([[1100.0, 2000.0], [400.0, 50.0]])
# Within the baseline [[10, 15], [5, 0]], above it [[2, 0], [0, 3]]:
#   emergency 1000 x (within + 0.3 above) = [[10600, 15000], [5000, 900]]
PBR_EMERGENCY = [[10600.0, 15000.0], [5000.0, 900.0]]
PBR_ELECTIVE = [[2000.0, 4000.0], [500.0, 1000.0]]
# The baselines' value: 1000 x emergency + 500 x elective.
BLOCK = [[12000.0, 23000.0], [6000.0, 0.0]]


def payments(mode, **kwargs):
    return hospital_payments(
        trusts_2x2(), EMERGENCY, ELECTIVE, POPULATION, levers(hospital_payment=mode), **kwargs
    )


def test_pbr_pays_the_tariff_with_mret_above_the_baseline():
    paid = payments("pbr")
    assert set(paid) == {Purpose.PBR_EMERGENCY, Purpose.PBR_ELECTIVE}
    assert paid[Purpose.PBR_EMERGENCY] == approx(PBR_EMERGENCY)
    assert paid[Purpose.PBR_ELECTIVE] == approx(PBR_ELECTIVE)


def test_mret_rate_of_one_pays_every_admission_in_full():
    paid = hospital_payments(
        trusts_2x2(),
        EMERGENCY,
        ELECTIVE,
        POPULATION,
        levers(hospital_payment="pbr", mret_marginal_rate=1.0),
    )
    assert paid[Purpose.PBR_EMERGENCY] == approx(1000.0 * EMERGENCY)


def test_block_pays_the_baseline_whatever_the_activity():
    paid = payments("block")
    assert set(paid) == {Purpose.BLOCK_CONTRACT}
    assert paid[Purpose.BLOCK_CONTRACT] == approx(BLOCK)
    idle = hospital_payments(
        trusts_2x2(),
        np.zeros((2, 2)),
        np.zeros((2, 2)),
        POPULATION,
        levers(hospital_payment="block"),
    )
    assert idle[Purpose.BLOCK_CONTRACT] == approx(BLOCK)


def test_capitation_follows_population_growth():
    paid = payments("capitation")
    assert set(paid) == {Purpose.CAPITATION}
    # growth [[1.1, 1.0], [0.8, none: no baseline population]]
    assert paid[Purpose.CAPITATION] == approx([[13200.0, 23000.0], [4800.0, 0.0]])


def test_blend_splits_pbr_and_block_by_the_pbr_share():
    paid = payments("blend")
    assert set(paid) == {Purpose.PBR_EMERGENCY, Purpose.PBR_ELECTIVE, Purpose.BLOCK_CONTRACT}
    assert paid[Purpose.PBR_EMERGENCY] == approx(0.4 * np.array(PBR_EMERGENCY))
    assert paid[Purpose.PBR_ELECTIVE] == approx(0.4 * np.array(PBR_ELECTIVE))
    assert paid[Purpose.BLOCK_CONTRACT] == approx(0.6 * np.array(BLOCK))


def test_covered_share_lowers_the_mret_threshold():
    # Half the cell's expected emergencies are a contract's: the threshold falls from 10 to 5,
    # so of 8 admissions 5 are paid in full and 3 at 30%: 1000 x (5 + 0.9) = 5900.
    trusts = trust_state([[10.0]], [[4.0]], [[1000.0]])
    paid = hospital_payments(
        trusts,
        np.array([[8.0]]),
        np.array([[2.0]]),
        np.array([[1000.0]]),
        levers(hospital_payment="pbr"),
        uncovered_emergency=np.array([[0.5]]),
    )
    assert paid[Purpose.PBR_EMERGENCY] == approx([[5900.0]])
    assert paid[Purpose.PBR_ELECTIVE] == approx([[1000.0]])


def test_covered_shares_shrink_the_block():
    # (10 x 1000 x 0.5) + (4 x 500 x 0.25) = 5000 + 500
    trusts = trust_state([[10.0]], [[4.0]], [[1000.0]])
    paid = hospital_payments(
        trusts,
        np.array([[8.0]]),
        np.array([[2.0]]),
        np.array([[1000.0]]),
        levers(hospital_payment="block"),
        uncovered_emergency=0.5,
        uncovered_elective=0.25,
    )
    assert paid[Purpose.BLOCK_CONTRACT] == approx([[5500.0]])


# --- pay_hospitals ----------------------------------------------------------------------------
# Three practices:
#   0: area 0, 1,000 patients, refers 75% to trust 0 and 25% to trust 1; 8 emergency, 4 elective
#   1: area 0, 2,000 patients, refers all to trust 1;                     12 emergency, 8 elective
#   2: area 1, 1,000 patients, refers half to each trust;                 4 emergency, 2 elective
# By (area, trust): emergency [[6, 14], [2, 2]], elective [[3, 9], [1, 1]],
# referred patients [[750, 2250], [500, 500]].


def world_3_practices():
    state = practice_state(
        [1000, 2000, 1000],
        diabetes_prevalence=0.06,
        partners=2,
        area=np.array([0, 0, 1]),
        referral_trust=np.array([[0, 1], [1, 0], [0, 1]]),
        referral_share=np.array([[0.75, 0.25], [1.0, 0.0], [0.5, 0.5]]),
        emergency_admissions=np.array([8, 12, 4]),
        elective_admissions=np.array([4, 8, 2]),
    )
    trusts = trust_state([[5, 18], [2, 2]], [[3, 9], [1, 1]], [[750, 2250], [500, 500]])
    accounts, ledger = accounts_and_ledger(n_commissioners=2, n_practices=3, n_trusts=2)
    return state, trusts, accounts, ledger


NO_COVER = np.zeros(3)


def test_pay_hospitals_pbr_by_hand():
    state, trusts, accounts, ledger = world_3_practices()
    spend = pay_hospitals(
        ledger, accounts, state, trusts, levers(hospital_payment="pbr"), NO_COVER, NO_COVER
    )
    # Emergency: cell (0, 0) is 1 above its baseline of 5: 1000 x (5 + 0.3) = 5300; the others
    # are within: [[5300, 14000], [2000, 2000]]. Elective: 500 x [[3, 9], [1, 1]].
    assert list(spend) == [Purpose.PBR_EMERGENCY, Purpose.PBR_ELECTIVE]
    assert spend[Purpose.PBR_EMERGENCY] == approx([19300.0, 4000.0])
    assert spend[Purpose.PBR_ELECTIVE] == approx([6000.0, 1000.0])
    assert trusts.income_gbp == approx([9300.0, 21000.0])
    assert trusts.emergency_admissions.tolist() == approx([8.0, 16.0])
    assert trusts.elective_admissions.tolist() == approx([4.0, 10.0])


@pytest.mark.parametrize("mode", ["pbr", "block", "capitation", "blend"])
@pytest.mark.parametrize("covered", [False, True])
def test_pay_hospitals_ledger_matches_spend_and_trust_income(mode, covered):
    state, trusts, accounts, ledger = world_3_practices()
    share = np.array([0.0, 1.0, 0.0]) if covered else NO_COVER
    spend = pay_hospitals(
        ledger, accounts, state, trusts, levers(hospital_payment=mode), share, share
    )
    totals = ledger.totals_by_purpose()
    assert set(totals) == {str(p) for p in spend}
    for purpose, by_area in spend.items():
        assert totals[purpose] == approx(by_area.sum())
    paid_by_area = np.sum(list(spend.values()), axis=0)
    assert ledger.balance_gbp(accounts.commissioner) == approx(-paid_by_area)
    assert ledger.balance_gbp(accounts.trust) == approx(trusts.income_gbp)
    assert trusts.income_gbp.sum() == approx(paid_by_area.sum())
    assert ledger.total_pence() == 0


def test_pay_hospitals_takes_contract_activity_out():
    # Practice 1 is wholly in a population contract: its 12 emergencies and 8 electives are the
    # holder's. The commissioner pays emergency [[6, 2], [2, 2]] and elective [[3, 1], [1, 1]];
    # in cell (0, 1) only 250 of 2,250 referred patients are left, so its baseline shrinks to
    # 18 / 9 = 2 and its 2 admissions are all within it.
    state, trusts, accounts, ledger = world_3_practices()
    share = np.array([0.0, 1.0, 0.0])
    spend = pay_hospitals(
        ledger, accounts, state, trusts, levers(hospital_payment="pbr"), share, share
    )
    # Emergency [[5300, 2000], [2000, 2000]], elective [[1500, 500], [500, 500]].
    assert spend[Purpose.PBR_EMERGENCY] == approx([7300.0, 4000.0])
    assert spend[Purpose.PBR_ELECTIVE] == approx([2000.0, 1000.0])
    assert trusts.income_gbp == approx([9300.0, 5000.0])
    # The trusts still treat every admission.
    assert trusts.emergency_admissions == approx([8.0, 16.0])
    assert trusts.elective_admissions == approx([4.0, 10.0])


def test_pay_hospitals_block_shrinks_with_covered_patients():
    # Block = baseline value x uncovered share: cell (0, 1) (18 x 1000 + 9 x 500) / 9 = 2500;
    # the others in full: (0, 0) 6500, (1, 0) 2500, (1, 1) 2500.
    state, trusts, accounts, ledger = world_3_practices()
    share = np.array([0.0, 1.0, 0.0])
    spend = pay_hospitals(
        ledger, accounts, state, trusts, levers(hospital_payment="block"), share, share
    )
    assert spend[Purpose.BLOCK_CONTRACT] == approx([9000.0, 5000.0])
    assert trusts.income_gbp == approx([9000.0, 5000.0])


def test_pay_hospitals_capitation_follows_open_lists():
    # Practice 1 closes: cell (0, 1) keeps 250 of its 2,250 baseline patients, so it is paid
    # (18 x 1000 + 9 x 500) / 9 = 2500; the other cells their baseline value.
    state, trusts, accounts, ledger = world_3_practices()
    state.is_open[1] = False
    spend = pay_hospitals(
        ledger, accounts, state, trusts, levers(hospital_payment="capitation"), NO_COVER, NO_COVER
    )
    assert spend[Purpose.CAPITATION] == approx([9000.0, 5000.0])


def test_pay_hospitals_resets_trust_income_each_quarter():
    state, trusts, accounts, ledger = world_3_practices()
    trusts.income_gbp = np.array([1e6, 1e6])
    pay_hospitals(
        ledger, accounts, state, trusts, levers(hospital_payment="pbr"), NO_COVER, NO_COVER
    )
    assert trusts.income_gbp == approx([9300.0, 21000.0])
