"""Practice decisions on small hand-made states (no model runs but the extension-point test)."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from gpfed import GPFedModel
from gpfed.agents import Practice
from gpfed.agents.coalition import Membership
from gpfed.agents.practice import STAY_ALONE, FederationOptions, federation_options
from gpfed.world.state import PracticeState
from gpfed.world.units import NO_FEDERATION
from tests.handmade import LEVERS, levers, linear_value, practice_state


def set_federations(state: PracticeState, column) -> None:
    column = np.asarray(column)
    for federation in np.unique(column[column != NO_FEDERATION]).tolist():
        state.set_federation(np.flatnonzero(column == federation), federation)
    np.testing.assert_array_equal(state.federation, column)


# --- failing --------------------------------------------------------------------------------------


def test_failing_run_counts_quarters_below_threshold_and_one_good_quarter_resets_it():
    # Threshold 0.5 x £106,100 = £53,050 a partner a year = £13,262.50 a quarter for one partner.
    state = practice_state(
        [1000] * 5,
        is_open=[True, True, True, False, True],
        partners=[1, 1, 2, 1, 1],
        income_gbp=[10_000.0, 20_000.0, 20_000.0, 0.0, 13_262.5],
        expenses_gbp=[0.0, 5_000.0, 0.0, 0.0, 0.0],
    )
    # Per partner a year: 40,000 (failing), 60,000 (fine), 40,000 (two partners: failing),
    # closed (never failing), exactly 53,050 (at the threshold: not failing).
    state.failing_quarters = Practice.count_failing_quarters(state, threshold_share=0.5)
    np.testing.assert_array_equal(state.failing_quarters, [1, 0, 1, 0, 0])
    state.failing_quarters = Practice.count_failing_quarters(state, threshold_share=0.5)
    np.testing.assert_array_equal(state.failing_quarters, [2, 0, 2, 0, 0])
    state.income_gbp = np.array([14_000.0, 20_000.0, 20_000.0, 0.0, 13_262.5])
    state.failing_quarters = Practice.count_failing_quarters(state, threshold_share=0.5)
    np.testing.assert_array_equal(state.failing_quarters, [0, 0, 3, 0, 0])


def test_failing_threshold_scales_with_its_share():
    state = practice_state([1000], income_gbp=[10_000.0], expenses_gbp=[0.0])
    # £40,000 a partner a year: below 0.45 x 106,100 = 47,745, above 0.3 x 106,100 = 31,830.
    assert Practice.count_failing_quarters(state, threshold_share=0.45).tolist() == [1]
    assert Practice.count_failing_quarters(state, threshold_share=0.3).tolist() == [0]


# --- drawings -------------------------------------------------------------------------------------


def test_drawings_leave_exactly_the_working_capital():
    lv = levers(practice_working_capital_quarters=0.5)
    balance = np.array([1000.0, 1500.25, 100.0, -50.0])
    expenses = np.array([1000.0, 1000.0, 300.0, 10.0])
    drawn = Practice.draw_profits(balance, expenses, lv)
    # Working capital: 500, 500, 150, 5. Nothing drawn at or below it.
    np.testing.assert_array_equal(drawn, [500.0, 1000.25, 0.0, 0.0])
    np.testing.assert_array_equal((balance - drawn)[:2], [500.0, 500.0])


def test_drawings_are_floored_to_the_penny():
    lv = levers(practice_working_capital_quarters=2.0)
    drawn = Practice.draw_profits(np.array([1234.5678]), np.array([100.0]), lv)
    # 1234.5678 - 2 x 100 = 1034.5678: £1,034.56 drawn, the 0.78p stays.
    assert drawn.tolist() == [1034.56]


def test_drawings_scale_with_working_capital_quarters():
    balance, expenses = np.array([1000.0]), np.array([200.0])
    assert Practice.draw_profits(balance, expenses, levers(practice_working_capital_quarters=0))[
        0
    ] == pytest.approx(1000.0)
    assert Practice.draw_profits(balance, expenses, levers(practice_working_capital_quarters=3))[
        0
    ] == pytest.approx(400.0)


def test_drawings_of_an_exact_whole_pence_surplus_take_all_of_it():
    lv = levers(practice_working_capital_quarters=0.5)
    balance = np.array([0.29, 1500.29])
    expenses = np.array([0.0, 1000.0])
    np.testing.assert_array_equal(Practice.draw_profits(balance, expenses, lv), [0.29, 1000.29])


# --- leaving a federation -------------------------------------------------------------------------


def test_members_below_their_autonomy_cost_for_long_enough_leave():
    state = practice_state([1000] * 6)
    set_federations(state, [7, 7, 7, NO_FEDERATION, 8, 8])
    state.autonomy_cost_gbp_per_year = np.full(6, 100.0)
    state.below_share_quarters = np.array([3, 3, 3, 5, 0, 3])
    before = state.below_share_quarters.copy()
    members = np.array([0, 1, 2, 4, 5])
    # Shares: 0 below (run 3 -> 4: leaves), 1 above (reset), 2 below (3 -> 4: leaves),
    # 4 below (0 -> 1), 5 exactly at its cost (not below: reset).
    shares = np.array([50.0, 150.0, 99.99, 10.0, 100.0])
    quarters, leaving = Practice.leave_federation(
        state, members, shares, levers(federation_leave_quarters=4), np.random.default_rng(0)
    )
    np.testing.assert_array_equal(quarters, [4, 0, 4, 5, 1, 0])
    # Practice 3 has a long run but is in no federation: it does not "leave".
    assert sorted(leaving.tolist()) == [0, 2]
    np.testing.assert_array_equal(state.below_share_quarters, before)


def test_leaving_waits_for_federation_leave_quarters():
    state = practice_state([1000] * 2)
    set_federations(state, [7, 7])
    state.autonomy_cost_gbp_per_year = np.full(2, 100.0)
    members, shares = np.array([0, 1]), np.array([0.0, 0.0])
    lv, rng = levers(federation_leave_quarters=3), np.random.default_rng(1)
    departures = []
    for _ in range(3):
        state.below_share_quarters, leaving = Practice.leave_federation(
            state, members, shares, lv, rng
        )
        departures.append(sorted(leaving.tolist()))
    assert departures == [[], [], [0, 1]]


def test_departure_order_is_a_random_permutation_of_the_leavers():
    n = 30
    state = practice_state([1000] * n)
    set_federations(state, np.full(n, 7))
    state.autonomy_cost_gbp_per_year = np.full(n, 100.0)
    state.below_share_quarters = np.full(n, 10)
    members = np.arange(n)
    orders = {
        tuple(
            Practice.leave_federation(
                state, members, np.zeros(n), LEVERS, np.random.default_rng(seed)
            )[1].tolist()
        )
        for seed in range(3)
    }
    assert all(sorted(order) == list(range(n)) for order in orders)
    assert len(orders) > 1


# --- choosing a federation ------------------------------------------------------------------------


def options(chooser, founds, target, utility, size) -> FederationOptions:
    return FederationOptions(
        chooser=np.asarray(chooser, dtype=np.int64),
        founds=np.asarray(founds, dtype=bool),
        target=np.asarray(target, dtype=np.int64),
        utility=np.asarray(utility, dtype=float),
        size=np.asarray(size, dtype=np.int64),
        pooled_list=np.zeros(len(chooser)),
    )


NO_OPTIONS = options([], [], [], [], [])


def test_without_noise_each_candidate_takes_its_best_positive_option_or_stays_alone():
    free = np.array([True, True, False, True, True])
    seen = []
    # Rows out of chooser order on purpose.
    table = options(
        chooser=[1, 0, 3, 0, 1, 3],
        founds=[True, True, True, False, False, False],
        target=[0, 1, 4, 42, 42, 42],
        utility=[-5.0, 100.0, 50.0, 300.0, -10.0, 0.0],
        size=[2, 2, 2, 3, 3, 3],
    )

    def options_for(candidates):
        seen.append(candidates.tolist())
        return table

    lv = levers(federation_reconsider_share=1.0, federation_choice_noise_gbp_per_year=0.0)
    choices = Practice.choose_federation(free, options_for, lv, np.random.default_rng(0))
    # Every free practice reconsiders (share 1); practice 2 is not free.
    assert seen == [[0, 1, 3, 4]]
    np.testing.assert_array_equal(choices.candidates, [0, 1, 3, 4])
    assert choices.options is table
    # 0: joins federation 42 (300 beats 100); 1: every option negative, stays alone;
    # 3: founds with 4 (50 beats 0); 4: has no option, stays alone.
    assert choices.best == {0: 3, 1: STAY_ALONE, 3: 2, 4: STAY_ALONE}


def test_an_option_worth_exactly_nothing_does_not_beat_staying_alone():
    lv = levers(federation_reconsider_share=1.0, federation_choice_noise_gbp_per_year=0.0)
    choices = Practice.choose_federation(
        np.array([True]),
        lambda c: options([0], [True], [1], [0.0], [2]),
        lv,
        np.random.default_rng(0),
    )
    assert choices.best == {0: STAY_ALONE}


def test_no_options_means_no_choices():
    lv = levers(federation_reconsider_share=1.0)
    free = np.array([True, True, False])
    assert (
        Practice.choose_federation(free, lambda c: NO_OPTIONS, lv, np.random.default_rng(0)) is None
    )


def test_only_the_reconsider_share_of_free_practices_are_candidates():
    free = np.ones(4000, dtype=bool)
    free[::2] = False
    seen = []

    def options_for(candidates):
        seen.append(candidates)
        return NO_OPTIONS

    lv = levers(federation_reconsider_share=0.25)
    assert Practice.choose_federation(free, options_for, lv, np.random.default_rng(3)) is None
    (candidates,) = seen
    assert free[candidates].all()
    assert len(candidates) / free.sum() == pytest.approx(0.25, abs=0.03)
    seen.clear()
    lv = levers(federation_reconsider_share=0.0)
    Practice.choose_federation(free, options_for, lv, np.random.default_rng(3))
    assert len(seen[0]) == 0


def test_choice_noise_gives_logit_choice_probabilities():
    # One option each worth noise x ln 3 over staying alone: logit probability 3 / (1 + 3).
    n, noise = 20_000, 10_000.0
    table = options(np.arange(n), np.ones(n), np.arange(n), np.full(n, noise * np.log(3)), 2)
    lv = levers(federation_reconsider_share=1.0, federation_choice_noise_gbp_per_year=noise)
    choices = Practice.choose_federation(
        np.ones(n, dtype=bool), lambda c: table, lv, np.random.default_rng(5)
    )
    took = np.mean([choices.best[i] != STAY_ALONE for i in range(n)])
    assert took == pytest.approx(0.75, abs=0.015)


# --- federation options ---------------------------------------------------------------------------


def options_world():
    # Practices 3 and 4 form federation 7; practice 5 is closed; candidates are 0, 2 and 6.
    state = practice_state(
        [1000, 2000, 3000, 4000, 1500, 500, 400],
        is_open=[True, True, True, True, True, False, True],
    )
    set_federations(state, [-1, -1, -1, 7, 7, -1, -1])
    state.autonomy_cost_gbp_per_year = np.array([50.0, 150.0, 200.0, 0.0, 0.0, 0.0, 10.0])
    pairs = [(0, 1), (0, 3), (1, 2), (0, 5), (2, 4), (6, 4)]
    src = np.array([a for a, b in pairs] + [b for a, b in pairs])
    dst = np.array([b for a, b in pairs] + [a for a, b in pairs])
    by_id = {7: SimpleNamespace(unique_id=7, account=0, area=0)}
    membership = Membership.of(state.federation, state.list_size, by_id)
    return state, (src, dst), membership


def option_rows(opts: FederationOptions):
    return sorted(
        zip(
            opts.chooser.tolist(),
            opts.founds.tolist(),
            opts.target.tolist(),
            np.round(opts.utility, 6).tolist(),
            opts.size.tolist(),
            strict=True,
        )
    )


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # By list. Found 0+1: v(3000, 2) = 200, partner 1 gets 133.33 < its cost 150: refused.
        # Join 0 -> 7: v(6500, 3) = 500 > v(5500, 2) = 450: admitted; 0 gets 500/6.5 - 50.
        # Found 2+1: v(5000, 2) = 400; 2 gets 240 - 200 = 40; 1 gets 160 > 150: accepted.
        # Join 2 -> 7: v(8500, 3) = 700; 2 gets 700 x 3/8.5 - 200.
        # Join 6 -> 7: v(5900, 3) = 440 < 450: not admitted. 0 -> 5: closed.
        (
            "list",
            [
                (0, False, 7, 500 / 6.5 - 50, 3),
                (2, False, 7, 700 * 3 / 8.5 - 200, 3),
                (2, True, 1, 40.0, 2),
            ],
        ),
        # Equal: found 0+1 gives 1 only 100 < 150: refused; found 2+1 gives each 200.
        (
            "equal",
            [(0, False, 7, 500 / 3 - 50, 3), (2, False, 7, 700 / 3 - 200, 3), (2, True, 1, 0.0, 2)],
        ),
        # Shapley of 0 joining {3, 4} (lists 4000, 1500, 1000): over coalitions without 0,
        # 1/6 (v{3,0} - v{3}) + 1/6 (v{4,0} - v{4}) + 1/3 (v{3,4,0} - v{3,4})
        # = 400/6 + 150/6 + 50/3 = 650/6. Of 2 joining (3000): 1/6 (600) + 1/6 (350) + 1/3 (250).
        # A pair splits its value equally.
        (
            "shapley",
            [
                (0, False, 7, 650 / 6 - 50, 3),
                (2, False, 7, 950 / 6 + 250 / 3 - 200, 3),
                (2, True, 1, 0.0, 2),
            ],
        ),
    ],
)
def test_federation_options_from_hand_made_neighbours(rule, expected):
    state, edges, membership = options_world()
    lv = levers(federation_sharing_rule=rule)
    opts = federation_options(
        state, np.array([0, 2, 6]), edges, membership, linear_value, lv, np.random.default_rng(0)
    )
    rows = option_rows(opts)
    assert [row[:3] + row[4:] for row in rows] == [e[:3] + e[4:] for e in expected]
    np.testing.assert_allclose([r[3] for r in rows], [e[3] for e in expected], atol=1e-6)


def test_federation_options_without_any_federation():
    state = practice_state([1000, 2000, 3000])
    state.autonomy_cost_gbp_per_year = np.array([0.0, 0.0, 0.0])
    edges = (np.array([0, 1, 1, 2]), np.array([1, 0, 2, 1]))
    membership = Membership.of(state.federation, state.list_size, {})
    opts = federation_options(
        state, np.array([1]), edges, membership, linear_value, LEVERS, np.random.default_rng(0)
    )
    # 1 may found with 0 (v(3000, 2) = 200, 1 gets 2/3) or with 2 (v(5000, 2) = 400, 1 gets 2/5).
    rows = option_rows(opts)
    assert [row[:3] + row[4:] for row in rows] == [(1, True, 0, 2), (1, True, 2, 2)]
    np.testing.assert_allclose([r[3] for r in rows], [400 / 3, 160.0])


def test_a_candidate_with_no_open_neighbour_has_no_options():
    state = practice_state([1000, 2000], is_open=[True, False])
    edges = (np.array([0, 1]), np.array([1, 0]))
    membership = Membership.of(state.federation, state.list_size, {})
    opts = federation_options(
        state, np.array([0]), edges, membership, linear_value, LEVERS, np.random.default_rng(0)
    )
    assert len(opts.chooser) == 0


def test_a_member_may_only_switch_to_a_neighbours_federation():
    # Practice 3 (federation 7) neighbours 0 (unfederated), 4 (its own federation) and 2 (in
    # federation 9 with 1): its only option is to join 9.
    state = practice_state([1000, 2000, 3000, 4000, 1500])
    set_federations(state, [-1, 9, 9, 7, 7])
    state.autonomy_cost_gbp_per_year = np.zeros(5)
    pairs = [(3, 0), (3, 4), (3, 2), (2, 1)]
    src = np.array([a for a, b in pairs] + [b for a, b in pairs])
    dst = np.array([b for a, b in pairs] + [a for a, b in pairs])
    by_id = {k: SimpleNamespace(unique_id=k, account=0, area=0) for k in (7, 9)}
    membership = Membership.of(state.federation, state.list_size, by_id)
    opts = federation_options(
        state, np.array([3]), (src, dst), membership, linear_value, LEVERS, np.random.default_rng(0)
    )
    assert option_rows(opts)[0][:3] == (3, False, 9)
    assert len(opts.chooser) == 1


def test_a_member_switches_only_for_a_judged_gain_beyond_the_switching_cost():
    members = np.array([2, 5, 8])
    judged = np.array([100.0, 400.0, 100.0])
    autonomy = np.array([0, 0, 20.0, 0, 0, 20.0, 0, 0, 20.0])
    # Formula shares (utility + autonomy): 2 may join 11 (5,250) or 12 (6,150); 5 may join 11
    # (3,300); 8 has none. Federation 11 has paid its members 80% of their shares, 12 half.
    table = options([2, 2, 5], [False] * 3, [11, 12, 11], [5_230.0, 6_130.0, 3_280.0], [3, 3, 3])
    lv = levers(federation_reconsider_share=1.0, federation_switch_cost_gbp=10_000.0)
    switches = Practice.switch_federation(
        members, judged, lambda c: table, autonomy, {11: 0.8, 12: 0.5}, lv, np.random.default_rng(0)
    )
    # 2: 11 is judged 4,200, 12 3,075: 11, a gain of 4,100 over 100, past the 2,000 hurdle;
    # 5: 11 is judged 2,640 against 400 at home, a gain of 2,240: it switches too.
    assert switches == {2: 11, 5: 11}
    dear = levers(federation_reconsider_share=1.0, federation_switch_cost_gbp=15_000.0)
    # A 3,000 hurdle keeps 5 (gain 2,240) where it is.
    assert Practice.switch_federation(
        members,
        judged,
        lambda c: table,
        autonomy,
        {11: 0.8, 12: 0.5},
        dear,
        np.random.default_rng(0),
    ) == {2: 11}


def test_a_federation_that_has_paid_nobody_yet_is_judged_by_the_formula():
    table = options([2], [False], [11], [2_980.0], [3])
    lv = levers(federation_reconsider_share=1.0, federation_switch_cost_gbp=10_000.0)
    # Formula 3,000 against 900 at home: a gain of 2,100 beyond the 2,000 hurdle.
    assert Practice.switch_federation(
        np.array([2]),
        np.array([900.0]),
        lambda c: table,
        np.full(3, 20.0),
        {},
        lv,
        np.random.default_rng(0),
    ) == {2: 11}


def test_no_member_reconsidering_means_no_switch():
    table = options([2], [False], [11], [1e6], [3])
    lv = levers(federation_reconsider_share=0.0)
    assert (
        Practice.switch_federation(
            np.array([2]),
            np.array([0.0]),
            lambda c: table if len(c) else NO_OPTIONS,
            np.zeros(3),
            {},
            lv,
            np.random.default_rng(0),
        )
        == {}
    )


# --- exits ----------------------------------------------------------------------------------------


def test_practices_failing_long_enough_or_terminated_exit_in_random_order():
    failing = np.array([4, 3, 0, 5, 0])
    terminated = np.array([False, False, True, False, False])
    lv = levers(exit_quarters=4)
    leaving = Practice.decide_exits(failing, terminated, lv, np.random.default_rng(0))
    assert sorted(leaving.tolist()) == [0, 2, 3]
    again = Practice.decide_exits(failing, terminated, lv, np.random.default_rng(0))
    np.testing.assert_array_equal(leaving, again)
    assert Practice.decide_exits(
        failing, terminated, levers(exit_quarters=6), np.random.default_rng(0)
    ).tolist() == [2]


def test_exit_by_merger_picks_a_receiver_in_proportion_to_its_list():
    rng = np.random.default_rng(11)
    receivers, lists = np.array([10, 20, 30]), np.array([1000, 3000, 0])
    picks = [Practice.choose_exit(receivers, lists, 1.0, rng) for _ in range(4000)]
    assert all(isinstance(p, int) for p in picks)
    counts = {r: picks.count(r) for r in (10, 20, 30)}
    assert counts[30] == 0
    assert counts[20] / len(picks) == pytest.approx(0.75, abs=0.03)


def test_exit_without_merger_hands_back_the_contract():
    rng = np.random.default_rng(11)
    receivers, lists = np.array([10, 20]), np.array([1000, 3000])
    assert all(Practice.choose_exit(receivers, lists, 0.0, rng) is None for _ in range(200))


def test_exit_merges_with_the_merge_probability():
    rng = np.random.default_rng(2)
    receivers, lists = np.array([10]), np.array([1000])
    picks = [Practice.choose_exit(receivers, lists, 0.3, rng) for _ in range(4000)]
    assert set(picks) == {10, None}
    assert picks.count(10) / len(picks) == pytest.approx(0.3, abs=0.03)


# --- the extension point --------------------------------------------------------------------------


class NeverFederates(Practice):
    @classmethod
    def choose_federation(cls, free, options_for, levers, rng):
        return None


class SamePractice(Practice):
    pass


@pytest.fixture(scope="module")
def default_frame() -> pd.DataFrame:
    return GPFedModel(rng=1, n_practices=60).run(12).to_frame()


def test_a_practice_subclass_overriding_choose_federation_never_federates(default_frame):
    assert default_frame["share_practices_federated"].iloc[-1] > 0
    frame = GPFedModel(rng=1, n_practices=60, practice_class=NeverFederates).run(12).to_frame()
    assert len(frame) == len(default_frame)
    assert (frame["share_practices_federated"] == 0).all()


def test_a_practice_subclass_overriding_nothing_changes_nothing(default_frame):
    frame = GPFedModel(rng=1, n_practices=60, practice_class=SamePractice).run(12).to_frame()
    pd.testing.assert_frame_equal(frame, default_frame)


# --- judging a federation by what it pays -----------------------------------------------------


def test_a_new_member_goes_by_what_it_expected_and_learns_from_what_it_is_paid():
    lv = levers(federation_learning_rate=0.25)
    expected = np.array([10_000.0, 10_000.0, 10_000.0])
    # Records of a member paid £2,000 a year every quarter, started from nothing.
    quarters = np.array([0, 1, 40])
    paid = 2_000.0 * (1 - 0.75**quarters)
    judged = Practice.judge_federation(expected, paid, quarters, lv)
    assert judged[0] == 10_000.0
    assert judged[1] == pytest.approx(0.25 * 2_000 + 0.75 * 10_000)
    assert judged[2] == pytest.approx(2_000.0, rel=1e-4)
    # Without learning a member's record stays empty and it keeps to the formula.
    no_learning = levers(federation_learning_rate=0.0)
    judged = Practice.judge_federation(expected, np.zeros(3), np.array([40] * 3), no_learning)
    assert judged.tolist() == [10_000.0] * 3


def test_a_member_that_changes_federation_starts_its_record_afresh():
    state = practice_state([1000, 1000])
    set_federations(state, [7, 7])
    state.federation_paid_gbp_per_year[:] = 5_000.0
    state.federation_quarters[:] = 6
    state.set_federation([0], 9)
    state.set_federation([1], 7)  # no change: the record stays
    assert state.federation_paid_gbp_per_year.tolist() == [0.0, 5_000.0]
    assert state.federation_quarters.tolist() == [0, 6]


def test_an_option_as_offered_is_the_target_before_joining_and_the_list_after():
    offered = FederationOptions(
        chooser=np.array([1, 1, 4], dtype=np.int64),
        founds=np.zeros(3, dtype=bool),
        target=np.array([70, 71, 70], dtype=np.int64),
        utility=np.zeros(3),
        size=np.array([3, 5, 3], dtype=np.int64),
        pooled_list=np.array([21_000.0, 40_000.0, 19_000.0]),
    )
    assert offered.as_offered([1]) == {(1, 70): (2, 21_000.0), (1, 71): (4, 40_000.0)}
    assert offered.as_offered([]) == {}
