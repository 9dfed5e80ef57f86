"""Integrated-care contracts: the book, coverage, and a quarter's money and enforcement by hand.

The settlement world: two areas, three practices, two trusts. Practices 0 (1,000 patients) and
1 (3,000) in area 0 are covered; practice 2 (2,000) in area 1 is not. Tariffs £1,000 an
emergency and £500 an elective admission, community care £40 a head a year (£10 a quarter),
no cost shock, shares risk rule with half the gain kept and no glide path.

The base case, a population contract at £25 a head a quarter (budget £100,000) expecting 50
emergencies (0.0125 a head), target cut 20% (10 admissions):
  commissioner -> holder   contract money 100,000 x (1 - 0.05 withheld) = 95,000
                           paid twice 0.1 omega x (1 - 0.25 core) x 100,000 = 7,500
  holder -> trusts         practice 0: 10 x 1000 + 6 x 500 = 13,000, all to trust 0;
                           practice 1: 35 x 1000 + 14 x 500 = 42,000, half to each trust;
                           trust 0 34,000, trust 1 21,000
  holder -> economy        community 10 x 4,000 = 40,000
  achievement              (50 - 45) / 10 = 0.5: outcome 0.5 x 5,000 withheld = 2,500
  variance                 100,000 - 95,000 spent = 5,000: the holder keeps 2,500 and returns
                           2,500 to the commissioner
  commissioner spend       95,000 + 7,500 + 2,500 - 2,500 = 102,500
  holder result            7,500
"""

from types import SimpleNamespace

import numpy as np
import pytest

from gpfed.institutions.catalogue import packaged_catalogue
from gpfed.institutions.contract_terms import (
    Contract,
    ContractBook,
    coverage,
    settle_contracts,
)
from gpfed.world.ledger import ECONOMY, TREASURY
from gpfed.world.units import NO_CONTRACT
from tests.handmade import accounts_and_ledger, levers_with, practice_state, trust_state

levers = levers_with(
    {
        "emergency_tariff_gbp": 1000.0,
        "elective_tariff_gbp": 500.0,
        "community_services_gbp_per_head_per_year": 40.0,
        "diabetes_care_gbp_per_diabetic_per_year": 40.0,
        "diabetes_excess_admission_risk": 1.0,
        "outcome_payment_share": 0.05,
        "core_definition": 0.25,
        "admissions_target_reduction": 0.2,
        "holder_cost_sd": 0.0,
        "risk_sharing": "shares",
        "provider_gain_share": 0.5,
        "provider_loss_share": 0.5,
        "loss_share_glide_quarters": 0,
        "stop_loss_share_of_budget": 1.0,
        "profit_cap_share_of_budget": 1.0,
        "remedial_threshold": 0.2,
        "termination_notices": 3,
        "retention_threshold": 0.5,
        "contract_length_quarters": 20,
        "handback_loss_share": 0.1,
        "ico_trust_risk_share": 0.5,
    }
)


CATALOGUE = packaged_catalogue()


def population_overlap_gbp_per_head_per_year(n_core: int) -> float:
    """Value of the population bundle's overlapping lines less the n_core most valuable."""
    lines = CATALOGUE.lines("population")
    values = np.sort(CATALOGUE.gbp_per_head_per_year[lines[CATALOGUE.overlapping[lines]]])[::-1]
    return float(values[n_core:].sum())


# core_definition 0.25 of the six overlapping population lines: one (the most valuable) is core.
# Practice 0 (1,000 patients) is paid for the other five again, a quarter of a year's worth.
PAID_TWICE = float(np.rint(1000 * population_overlap_gbp_per_head_per_year(1) / 4 * 100) / 100)


def make_world(emergency=(10, 35, 20)):
    n = 3
    state = practice_state(
        [1000, 3000, 2000],
        # Diabetes-attributable share with delta = 1: 0.25 / 1.25 = 0.2.
        diabetes_prevalence=np.array([0.25, 0.25, 0.1]),
        partners=2,
        area=np.array([0, 0, 1]),
        referral_trust=np.array([[0, 1], [0, 1], [1, 0]]),
        referral_share=np.array([[1.0, 0.0], [0.5, 0.5], [1.0, 0.0]]),
        emergency_admissions=np.array(emergency),
        elective_admissions=np.array([6, 14, 10]),
        income_gbp=np.array([5000.0, 15000.0, 8000.0]),  # this quarter's GMS
    )
    # Practice 0 already delivers every catalogue line GMS, QOF or enhanced services pay for;
    # practices 1 and 2 deliver none.
    state.services_delivered = np.zeros((n, CATALOGUE.n_lines), dtype=bool)
    state.services_delivered[0] = CATALOGUE.overlapping
    trusts = trust_state(np.zeros((2, 2)), np.zeros((2, 2)), np.ones((2, 2)), capacity=100.0)
    accounts, ledger = accounts_and_ledger(n_commissioners=2, n_practices=n, n_trusts=2)
    federation = ledger.open_account("federation")
    book = ContractBook(coverage=np.full(n, NO_CONTRACT, dtype=np.int64))
    book.reset_events()
    return SimpleNamespace(
        state=state,
        trusts=trusts,
        accounts=accounts,
        ledger=ledger,
        federation=federation,
        book=book,
    )


def make_contract(account, **terms) -> Contract:
    values = {
        "id": 0,
        "kind": "population",
        "area": 0,
        "practices": np.array([0, 1]),
        "holder": "federation",
        "account": account,
        "federation": 7,
        "trust": None,
        "price_gbp_per_head_per_quarter": 25.0,
        "baseline_gbp_per_head_per_quarter": 26.0,
        "expected_emergency_per_head_per_quarter": 0.0125,
        "quality": 0.8,
        "capacity": 0.5,
        "start": 0,
        "end": 20,
        "merged_gms": False,
    }
    values.update(terms)
    return Contract(**values)


def settle(world, lv, now=1):
    return settle_contracts(
        world.book,
        world.ledger,
        world.accounts,
        world.state,
        world.trusts,
        lv,
        np.random.default_rng(0),
        now,
    )


# --- ContractBook -----------------------------------------------------------------------------


def book_of_two():
    book = ContractBook(coverage=np.full(5, NO_CONTRACT, dtype=np.int64))
    book.reset_events()
    opt_in = make_contract(20, id=0, practices=np.array([0, 1]), right_of_return=True)
    by_trust = make_contract(
        21, id=1, practices=np.array([3]), holder="trust", federation=None, trust=0
    )
    book.add(opt_in)
    book.add(by_trust)
    return book, opt_in, by_trust


def test_reset_events_counts_from_zero():
    book = ContractBook()
    book.reset_events()
    assert book.events == {"awarded": 0, "expired": 0, "handed_back": 0, "terminated": 0}


def test_add_covers_the_practices_and_counts_the_award():
    book, opt_in, by_trust = book_of_two()
    assert book.coverage.tolist() == [0, 0, NO_CONTRACT, 1, NO_CONTRACT]
    assert book.events["awarded"] == 2
    assert book.active() == [opt_in, by_trust]
    assert book.held_by(7) is opt_in
    assert book.held_by(8) is None
    assert book.label(0) == "population (federation)"
    assert book.label(1) == "population (trust)"
    assert book.typed_terms("account", np.int64).tolist() == [20, 21]


def test_end_returns_the_practices_to_gms_once():
    book, opt_in, by_trust = book_of_two()
    book.end(opt_in, "terminated")
    assert opt_in.status == "terminated"
    assert book.coverage.tolist() == [NO_CONTRACT, NO_CONTRACT, NO_CONTRACT, 1, NO_CONTRACT]
    assert book.active() == [by_trust]
    assert book.held_by(7) is None
    assert book.events["terminated"] == 1
    book.end(opt_in, "expired")  # already ended: nothing changes
    assert opt_in.status == "terminated"
    assert book.events["expired"] == 0
    assert book.contracts[0] is opt_in  # ended contracts stay on the record


def test_end_leaves_a_practice_another_contract_now_covers():
    book, opt_in, _ = book_of_two()
    book.return_to_gms(1, 7)
    later = make_contract(22, id=2, practices=np.array([1]), federation=9)
    book.add(later)
    book.end(opt_in, "expired")
    assert book.coverage[1] == 2
    assert book.coverage[0] == NO_CONTRACT
    assert book.events["expired"] == 1


def test_return_to_gms_only_from_its_own_federations_opt_in_contract():
    book, _, _ = book_of_two()
    book.return_to_gms(0, 8)  # another federation: stays
    book.return_to_gms(3, 0)  # a trust's locality contract has no right of return
    book.return_to_gms(2, 7)  # not covered: nothing to do
    assert book.coverage.tolist() == [0, 0, NO_CONTRACT, 1, NO_CONTRACT]
    book.return_to_gms(1, 7)
    assert book.coverage.tolist() == [0, NO_CONTRACT, NO_CONTRACT, 1, NO_CONTRACT]
    assert book.contracts[0].status == "active"


def test_release_practice_leaves_the_contract_in_force():
    book, _, by_trust = book_of_two()
    book.release_practice(3)
    assert book.coverage[3] == NO_CONTRACT
    assert by_trust.status == "active"
    assert book.active()[-1] is by_trust


# --- what contracts cover ---------------------------------------------------------------------


def covered_world(merged=True, **terms):
    """A population contract (area 0, practices 0 and 1) and a diabetes one (practice 2).

    Held by federations 7 and 8 unless ``terms`` (set on both) say otherwise.
    """
    world = make_world()
    world.book.add(make_contract(world.federation, id=0, merged_gms=merged, **terms))
    world.book.add(
        make_contract(
            world.federation,
            id=1,
            kind="diabetes",
            area=1,
            practices=np.array([2]),
            **{"federation": 8, **terms},
        )
    )
    return world


def test_covered_shares():
    # Practice 2's prevalence 0.1: attributable 0.1 / 1.1.
    world = covered_world()
    emergency, elective, merged = world.book.covered_shares(world.state, levers())
    assert emergency == pytest.approx([1.0, 1.0, 0.1 / 1.1])
    assert elective.tolist() == [1.0, 1.0, 0.0]
    assert merged.tolist() == [True, True, False]


def test_covered_shares_with_no_contract():
    world = make_world()
    emergency, elective, merged = world.book.covered_shares(world.state, levers())
    assert emergency.tolist() == elective.tolist() == [0.0, 0.0, 0.0]
    assert not merged.any()


def test_coverage_payers_and_community_money():
    # Merged GMS of practices 0 and 1 is paid by the holder; practice 2's by its commissioner.
    # Community money moved into contracts a quarter: area 0 £10 x 4,000 = 40,000; area 1
    # diabetes care £10 x 2,000 x 0.1 diabetics = 2,000.
    world = covered_world(merged=True)
    cover = coverage(world.book, world.state, world.accounts, levers())
    commissioner = world.accounts.commissioner
    assert cover.gms_payer.tolist() == [world.federation, world.federation, commissioner[1]]
    assert cover.community_gbp == pytest.approx([40_000.0, 2_000.0])
    assert cover.elective_share.tolist() == [1.0, 1.0, 0.0]


def test_coverage_without_merged_gms_leaves_the_commissioners_paying():
    world = covered_world(merged=False)
    cover = coverage(world.book, world.state, world.accounts, levers())
    assert cover.gms_payer.tolist() == world.accounts.commissioner[[0, 0, 1]].tolist()


def test_coverage_of_a_closed_practice_moves_no_community_money():
    world = covered_world()
    world.state.is_open[1] = False
    cover = coverage(world.book, world.state, world.accounts, levers())
    assert cover.community_gbp == pytest.approx([10_000.0, 2_000.0])


# --- settle_contracts: money ------------------------------------------------------------------


def test_settle_base_case_by_hand():
    world = make_world()
    contract = make_contract(world.federation)
    world.book.add(contract)
    spend = settle(world, levers())
    ledger, accounts = world.ledger, world.accounts
    assert spend == pytest.approx([95_000.0 + PAID_TWICE, 0.0])
    assert ledger.totals_by_purpose() == pytest.approx(
        {
            "integrated_contract": 95_000.0,
            "paid_twice": PAID_TWICE,
            "integrated_hospital_care": 55_000.0,
            "integrated_community_care": 40_000.0,
            "outcome_payment": 2_500.0,
            "risk_share": 2_500.0,
        }
    )
    assert ledger.balance_gbp(accounts.commissioner) == pytest.approx([-95_000.0 - PAID_TWICE, 0.0])
    assert ledger.balance_gbp(world.federation) == pytest.approx(PAID_TWICE)
    assert ledger.balance_gbp(accounts.trust) == pytest.approx([34_000.0, 21_000.0])
    assert world.trusts.income_gbp == pytest.approx([34_000.0, 21_000.0])
    assert ledger.balance_gbp(ECONOMY) == pytest.approx(40_000.0)
    assert ledger.balance_gbp(TREASURY) == 0.0
    assert ledger.total_pence() == 0
    assert contract.achievements == pytest.approx([0.5])
    assert contract.result_gbp == pytest.approx(PAID_TWICE)
    assert contract.status == "active"


def test_a_contract_with_a_subnormal_budget_is_settled_without_overflow():
    # Found by the property tests: a budget > 0 but subnormal overflowed variance / budget.
    world = make_world()
    contract = make_contract(world.federation, price_gbp_per_head_per_quarter=2.2e-311)
    world.book.add(contract)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        settle(world, levers())
    assert np.isfinite(contract.variance_share)
    assert world.ledger.total_pence() == 0


def test_settle_conserves_money_with_a_cost_shock():
    world = covered_world(merged=False)
    for now in range(1, 5):
        settle(world, levers(holder_cost_sd=0.2, risk_sharing="corridor"), now)
    assert world.ledger.total_pence() == 0


def test_settle_spend_is_by_area_and_adds_up_over_contracts():
    # Contract ids are their order of award (0, 1, ...), as the model numbers them.
    def diabetes_contract(account, contract_id):
        return make_contract(
            account, id=contract_id, kind="diabetes", area=1, practices=np.array([2]), federation=8
        )

    alone = []
    for build in (
        lambda w: make_contract(w.federation),
        lambda w: diabetes_contract(w.federation, 0),
    ):
        world = make_world()
        world.book.add(build(world))
        alone.append(settle(world, levers()))
    world = make_world()
    world.book.add(make_contract(world.federation))
    world.book.add(diabetes_contract(world.federation, 1))
    both = settle(world, levers())
    assert alone[0] == pytest.approx([95_000.0 + PAID_TWICE, 0.0])
    assert alone[1][0] == 0.0 < alone[1][1]
    assert both == pytest.approx(alone[0] + alone[1])


@pytest.mark.parametrize(("core_definition", "n_core"), [(0.0, 0), (0.25, 1), (0.5, 3), (1.0, 6)])
def test_paid_twice_is_the_delivered_lines_not_defined_as_core(core_definition, n_core):
    world = make_world()
    world.book.add(make_contract(world.federation))
    settle(world, levers(core_definition=core_definition))
    totals = world.ledger.totals_by_purpose()
    expected = 1000 * population_overlap_gbp_per_head_per_year(n_core) / 4
    assert totals.get("paid_twice", 0.0) == pytest.approx(expected, abs=0.01)
    assert (expected > 0) == (core_definition < 1.0)
    assert "gms_in_contract" not in totals


def test_a_pathway_contract_pays_twice_per_diabetic_patient():
    # Practice 2 (2,000 patients, 10% diabetic) now delivers every overlapping line too.
    world = make_world()
    world.state.services_delivered[2] = CATALOGUE.overlapping
    world.book.add(
        make_contract(world.federation, kind="diabetes", area=1, practices=np.array([2]))
    )
    settle(world, levers(core_definition=0.0))
    lines = CATALOGUE.lines("diabetes")
    overlap = CATALOGUE.gbp_per_head_per_year[lines[CATALOGUE.overlapping[lines]]].sum()
    expected = 2000 * 0.1 * overlap / 4
    assert world.ledger.totals_by_purpose()["paid_twice"] == pytest.approx(expected, abs=0.01)


def test_merged_gms_pays_nothing_twice_and_passes_gms_through():
    # The holder receives the covered practices' GMS (5,000 + 15,000) to pay on; paid twice is
    # nothing; the result loses the 7,500 paid twice: 97,500 in, 95,000 spent, 2,500 returned.
    world = make_world()
    contract = make_contract(world.federation, merged_gms=True)
    world.book.add(contract)
    spend = settle(world, levers())
    totals = world.ledger.totals_by_purpose()
    assert "paid_twice" not in totals
    assert totals["gms_in_contract"] == pytest.approx(20_000.0)
    assert spend == pytest.approx([115_000.0, 0.0])
    assert world.ledger.balance_gbp(world.federation) == pytest.approx(20_000.0)
    assert contract.result_gbp == pytest.approx(0.0)
    assert world.ledger.total_pence() == 0


@pytest.mark.parametrize(
    ("practice_1_emergency", "achievement"),
    [(25, 1.0), (30, 1.0), (35, 0.5), (38, 0.2), (40, 0.0), (45, 0.0)],
)
def test_outcome_payment_scales_with_achievement(practice_1_emergency, achievement):
    # Covered emergencies 10 + practice 1's against 50 expected, target cut 10; capped at 0 and 1.
    world = make_world(emergency=(10, practice_1_emergency, 20))
    contract = make_contract(world.federation)
    world.book.add(contract)
    settle(world, levers())
    assert contract.achievements == pytest.approx([achievement])
    paid = world.ledger.totals_by_purpose().get("outcome_payment", 0.0)
    assert paid == pytest.approx(5_000.0 * achievement)


def test_alliance_trust_partner_takes_its_share_of_the_result():
    # The base result (what was paid twice): half goes to the alliance's trust, trust 1.
    world = make_world()
    contract = make_contract(world.federation, holder="alliance", trust=1)
    world.book.add(contract)
    settle(world, levers())
    half = PAID_TWICE / 2
    assert world.ledger.totals_by_purpose()["alliance_share"] == pytest.approx(half, abs=0.01)
    assert contract.result_gbp == pytest.approx(half, abs=0.01)
    assert world.ledger.balance_gbp(world.federation) == pytest.approx(half, abs=0.01)
    assert world.ledger.balance_gbp(world.accounts.trust[1]) == pytest.approx(
        21_000.0 + half, abs=0.01
    )
    assert world.ledger.total_pence() == 0


def test_diabetes_contract_pays_attributable_admissions_and_diabetes_care():
    # Attributable emergencies 0.2 x [10, 35] = [2, 7]: 2,000 to trust 0, 7,000 split; no
    # electives; diabetes care £10 x 1,000 diabetics = 10,000. Expected 0.0025 x 4,000 = 10,
    # cut 2: achievement (10 - 9) / 2 = 0.5.
    world = make_world()
    contract = make_contract(
        world.federation, kind="diabetes", expected_emergency_per_head_per_quarter=0.0025
    )
    world.book.add(contract)
    settle(world, levers())
    totals = world.ledger.totals_by_purpose()
    assert totals["integrated_hospital_care"] == pytest.approx(9_000.0)
    assert totals["integrated_community_care"] == pytest.approx(10_000.0)
    assert world.trusts.income_gbp == pytest.approx([5_500.0, 3_500.0])
    assert contract.achievements == pytest.approx([0.5])
    assert world.ledger.total_pence() == 0


def test_settle_with_no_contract_moves_nothing():
    world = make_world()
    spend = settle(world, levers())
    assert spend.tolist() == [0.0, 0.0]
    assert world.ledger.totals_by_purpose() == {}


# --- settle_contracts: enforcement ------------------------------------------------------------


def test_remedial_notices_then_termination():
    # 50 covered emergencies against 50 expected: achievement 0, below the 0.2 threshold.
    world = make_world(emergency=(10, 40, 20))
    contract = make_contract(world.federation)
    world.book.add(contract)
    for now, notices in [(1, 1), (2, 2)]:
        settle(world, levers(), now)
        assert (contract.notices, contract.status) == (notices, "active")
    settle(world, levers(), 3)
    assert (contract.notices, contract.status) == (3, "terminated")
    assert world.book.events["terminated"] == 1
    assert world.book.coverage.tolist() == [NO_CONTRACT] * 3
    # Terminated: it is paid no more.
    before = world.ledger.balance_pence.copy()
    assert settle(world, levers(), 4).tolist() == [0.0, 0.0]
    assert np.array_equal(world.ledger.balance_pence, before)


def test_no_notice_at_the_remedial_threshold():
    world = make_world(emergency=(10, 38, 20))  # achievement exactly 0.2
    contract = make_contract(world.federation)
    world.book.add(contract)
    settle(world, levers())
    assert contract.notices == 0


def test_expiry_without_retention():
    # Mean achievement 0.5 below a 0.6 retention threshold: it lapses at its end.
    world = make_world()
    contract = make_contract(world.federation, end=2)
    world.book.add(contract)
    settle(world, levers(retention_threshold=0.6), 1)
    assert contract.status == "active"
    settle(world, levers(retention_threshold=0.6), 2)
    assert contract.status == "expired"
    assert world.book.events["expired"] == 1
    assert world.book.held_by(7) is None
    assert world.book.coverage.tolist() == [NO_CONTRACT] * 3


def test_expiry_with_retention_renews_the_contract():
    # Mean achievement 0.5 reaches a 0.5 threshold: re-awarded for another 20 quarters.
    world = make_world()
    contract = make_contract(world.federation, end=2)
    world.book.add(contract)
    settle(world, levers(), 1)
    settle(world, levers(), 2)
    assert contract.status == "active"
    assert contract.end == 22
    assert world.book.events["expired"] == 0
    assert world.book.coverage.tolist() == [0, 0, NO_CONTRACT]


@pytest.mark.parametrize(
    ("holder", "loss_so_far", "handed_back"),
    [
        # The hand-back line: 0.1 x a year's value (4 x £25 x 4,000) = 40,000. This quarter
        # adds what it pays twice.
        ("trust", -50_000.0, True),
        ("trust", -39_900.0 - PAID_TWICE, False),  # -39,900 after this quarter
        ("entrant", -50_000.0, True),
        ("federation", -50_000.0, False),  # federations hand back when they cannot pay
    ],
)
def test_hand_back_of_a_losing_trust_contract(holder, loss_so_far, handed_back):
    world = make_world()
    account = world.accounts.trust[0] if holder == "trust" else world.federation
    contract = make_contract(
        account,
        holder=holder,
        trust=0 if holder == "trust" else None,
        federation=7 if holder == "federation" else None,
        result_gbp=loss_so_far,
    )
    world.book.add(contract)
    settle(world, levers())
    assert contract.result_gbp == pytest.approx(loss_so_far + PAID_TWICE)
    assert contract.status == ("handed_back" if handed_back else "active")
    assert world.book.events["handed_back"] == int(handed_back)
    assert world.ledger.total_pence() == 0


def test_a_contract_left_with_no_patients_lapses():
    world = make_world()
    contract = make_contract(world.federation)
    world.book.add(contract)
    world.book.release_practice(0)
    world.book.release_practice(1)
    spend = settle(world, levers())
    assert contract.status == "expired"
    assert contract.notices == 0
    assert spend.tolist() == [0.0, 0.0]
    assert world.ledger.totals_by_purpose() == {}
