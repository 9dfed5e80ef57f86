"""care_incentives on a hand-made contract book: who keeps what of a saving, and outcome pay."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpfed.agents import Practice
from gpfed.institutions.contract_terms import diabetes_attributable_share
from gpfed.model.incentives import anticipated_effort_saving, care_incentives
from gpfed.world.units import NO_FEDERATION
from tests.handmade import levers
from tests.institutions.test_contract_terms import covered_world

EMERGENCY = np.array([10.0, 30.0, 20.0])
ELECTIVE = np.array([6.0, 18.0, 10.0])
PAYOUT = np.array([0.4, 0.0, 1.0])
QOF_PER_QUALITY = 12.0
# Full effort avoids 24% x 12% of emergency admissions and 10% of electives.
LV = levers(
    avoidable_emergency_share=0.24,
    care_effort_avoidable_reduction=0.12,
    care_effort_elective_reduction=0.10,
    quality_effort_gain=0.03,
    risk_sharing="corridor",
    corridor_inner_band=0.03,
    outcome_payment_share=0.025,
    admissions_target_reduction=0.03,
    ico_trust_risk_share=0.5,
    federation_sharing_rule="list",
    stop_loss_share_of_budget=1.0,
    profit_cap_share_of_budget=1.0,
    emergency_tariff_gbp=2000.0,
    elective_tariff_gbp=1000.0,
)


def world_with_members(**terms):
    """:func:`covered_world` with practice 0 in federation 7 (the population contract's holder
    unless ``terms`` say otherwise), practice 1 in none and practice 2 in federation 8."""
    world = covered_world(merged=False, **terms)
    world.state.set_federation([0], 7)
    world.state.set_federation([2], 8)
    assert world.state.federation.tolist() == [7, NO_FEDERATION, 8]
    return world


def incentives(world, lv=LV):
    return care_incentives(
        world.book, world.state, EMERGENCY, ELECTIVE, PAYOUT, QOF_PER_QUALITY, lv
    )


def test_a_member_of_the_holder_keeps_its_payout_share_of_the_holders_margin():
    inc, spend = incentives(world_with_members())
    # Inside the corridor's inner band the holder keeps every pound; the member gets 40% of it.
    assert inc.kept_share.tolist() == pytest.approx([0.4, 0.0, 1.0])
    assert spend.holder_kept_share.tolist() == pytest.approx([1.0, 0.0, 1.0])


def test_what_full_effort_would_save_is_priced_at_the_tariffs():
    inc, spend = incentives(world_with_members())
    emergency_cut = 0.24 * 0.12
    per_patient_year = 4 / np.array([1000.0, 3000.0, 2000.0])
    # Practice 2: a diabetes pathway lot covers only the diabetes-attributable share.
    diabetes_share = diabetes_attributable_share(world_with_members().state, LV, np.array([2]))[0]
    covered_emergency = EMERGENCY * np.array([1.0, 1.0, diabetes_share])
    covered_elective = ELECTIVE * np.array([1.0, 1.0, 0.0])
    expected = per_patient_year * (
        2000.0 * covered_emergency * emergency_cut + 1000.0 * covered_elective * 0.10
    )
    assert inc.hospital_gbp_at_full == pytest.approx(expected)
    assert inc.avoided_admissions_at_full == pytest.approx(
        per_patient_year * covered_emergency * emergency_cut
    )
    assert spend.benchmark_gbp == pytest.approx(
        2000.0 * covered_emergency + 1000.0 * covered_elective
    )


def test_outcome_pay_per_avoided_admission_reaches_members_by_their_share():
    inc, _ = incentives(world_with_members())
    # Withheld 2.5% of £25 a head a quarter, paid in full for cutting 3% of 0.0125 admissions a
    # head a quarter: £0.625 / 0.000375 = £1,666.67 an admission, 40% of it to practice 0.
    per_admission = 0.025 * 25.0 / (0.03 * 0.0125)
    assert inc.outcome_gbp_per_admission[:2] == pytest.approx([0.4 * per_admission, 0.0])
    assert inc.target_admissions[0] == pytest.approx(0.03 * 0.0125 * 4)


def test_sharing_by_performance_gives_each_member_the_holders_whole_margin():
    lv = dataclasses.replace(LV, federation_sharing_rule="performance")
    inc, _ = incentives(world_with_members(), lv)
    assert inc.kept_share.tolist() == pytest.approx([1.0, 0.0, 1.0])


def test_nobody_keeps_a_saving_on_a_contract_a_trust_holds():
    inc, spend = incentives(world_with_members(holder="trust", federation=None, trust=0))
    assert inc.kept_share.tolist() == [0.0, 0.0, 0.0]
    assert inc.outcome_gbp_per_admission.tolist() == [0.0, 0.0, 0.0]
    assert spend.holder_kept_share.tolist() == [0.0, 0.0, 0.0]


def test_an_alliance_trust_takes_its_part_of_the_margin():
    inc, _ = incentives(world_with_members(holder="alliance", trust=0))
    assert inc.kept_share.tolist() == pytest.approx([0.4 * 0.5, 0.0, 1.0 * 0.5])


def test_a_holder_that_keeps_nothing_passes_no_incentive_on():
    lv = dataclasses.replace(
        LV, risk_sharing="shares", provider_gain_share=0.0, provider_loss_share=0.0
    )
    inc, _ = incentives(world_with_members(), lv)
    assert inc.kept_share.tolist() == [0.0, 0.0, 0.0]


def test_qof_pays_for_the_quality_effort_brings_whether_covered_or_not():
    inc, _ = incentives(world_with_members())
    assert inc.qof_gbp_at_full.tolist() == pytest.approx([0.03 * 12.0] * 3)
    world = world_with_members()
    for contract in list(world.book.active()):
        world.book.end(contract, "expired")
    inc, spend = incentives(world)
    assert inc.kept_share.tolist() == [0.0, 0.0, 0.0]
    assert inc.qof_gbp_at_full.tolist() == pytest.approx([0.03 * 12.0] * 3)
    assert spend.benchmark_gbp.tolist() == [0.0, 0.0, 0.0]


# --- what a bidding federation anticipates ----------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    members=st.lists(st.integers(1, 60), min_size=1, max_size=12),
    kept=st.floats(0.0, 1.0),
    shares=st.tuples(st.floats(0.0, 0.6), st.floats(0.0, 0.4)),
    per_head=st.floats(50.0, 2_000.0),
    qof=st.floats(0.0, 20.0),
    rule=st.sampled_from(["list", "performance"]),
)
def test_a_lots_bidders_reckoned_at_once_expect_what_each_alone_would(
    members, kept, shares, per_head, qof, rule
):
    lv = levers(federation_sharing_rule=rule)
    together = anticipated_effort_saving(*shares, per_head, kept, members, qof, Practice, lv)
    alone = [
        anticipated_effort_saving(*shares, per_head, kept, [n], qof, Practice, lv) for n in members
    ]
    for k in range(2):
        assert together[k].tolist() == [figures[k][0] for figures in alone]
    # Bidders that keep different shares (alone, or allied with a trust) at once, too.
    shares_kept = np.linspace(0.0, kept, len(members))
    mixed = anticipated_effort_saving(*shares, per_head, shares_kept, members, qof, Practice, lv)
    each = [
        anticipated_effort_saving(*shares, per_head, share, [n], qof, Practice, lv)[0][0]
        for share, n in zip(shares_kept.tolist(), members, strict=True)
    ]
    assert mixed[0].tolist() == each
    # Members keep less of a saving in a larger federation (unless paid by performance).
    if rule == "list" and kept > 0 and len(set(members)) > 1:
        fewest, most = together[0][np.argmin(members)], together[0][np.argmax(members)]
        assert fewest >= most
