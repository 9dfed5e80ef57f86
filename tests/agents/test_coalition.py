"""Sharing a federation's value: rules that sum to v(S), exact Shapley values, exact pence."""

from itertools import permutations
from math import factorial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpfed import GPFedModel
from gpfed.agents.coalition import (
    payout_weights,
    rule_shares,
    shapley_values,
)
from gpfed.world.arrays import (
    split_pence,
    split_pence_by_group,
)

# --- a simple value function ----------------------------------------------------------------


def square_less_count(pooled: np.ndarray, members: np.ndarray) -> np.ndarray:
    """v(S) = L_S^2 - 2 |S| for coalitions of two or more, 0 otherwise."""
    pooled = np.asarray(pooled, dtype=float)
    members = np.asarray(members, dtype=float)
    return np.where(members >= 2, pooled**2 - 2 * members, 0.0)


def grand_value(value, lists) -> float:
    lists = np.asarray(lists, dtype=float)
    return float(value(np.array([lists.sum()]), np.array([len(lists)]))[0])


def shapley_by_orderings(lists, value) -> np.ndarray:
    """Shapley values by brute force: mean marginal contribution over every ordering."""
    lists = np.asarray(lists, dtype=float)
    n = len(lists)
    phi = np.zeros(n)
    orders = list(permutations(range(n)))
    for order in orders:
        pooled, before = 0.0, 0.0
        for k, i in enumerate(order, start=1):
            pooled += lists[i]
            after = float(value(np.array([pooled]), np.array([k]))[0])
            phi[i] += after - before
            before = after
    return phi / len(orders)


# --- Shapley values ---------------------------------------------------------------------------


def test_exact_shapley_matches_a_hand_computed_three_player_game():
    # Lists [1, 2, 3] and v(S) = L_S^2 - 2|S| for |S| >= 2, else 0:
    #   v({1}) = v({2}) = v({3}) = 0
    #   v({1,2}) = 9 - 4 = 5     v({1,3}) = 16 - 4 = 12     v({2,3}) = 25 - 4 = 21
    #   v({1,2,3}) = 36 - 6 = 30
    # Shapley weights for n = 3: |S| = 0 -> 1/3, |S| = 1 -> 1/6, |S| = 2 -> 1/3 (S without i).
    #   phi_1 = 1/3*0 + 1/6*(5 - 0) + 1/6*(12 - 0) + 1/3*(30 - 21) = 17/6 + 3   = 35/6
    #   phi_2 = 1/3*0 + 1/6*(5 - 0) + 1/6*(21 - 0) + 1/3*(30 - 12) = 26/6 + 6   = 62/6
    #   phi_3 = 1/3*0 + 1/6*(12 - 0) + 1/6*(21 - 0) + 1/3*(30 - 5) = 33/6 + 25/3 = 83/6
    #   sum = 180/6 = 30 = v({1,2,3})
    rng = np.random.default_rng(0)
    phi = shapley_values(np.array([1, 2, 3]), square_less_count, 10, 100, rng)
    np.testing.assert_allclose(phi, [35 / 6, 62 / 6, 83 / 6], rtol=1e-12)
    assert phi.sum() == pytest.approx(30.0)


@settings(max_examples=30, deadline=None)
@given(lists=st.lists(st.integers(1, 20_000), min_size=1, max_size=6))
def test_exact_shapley_equals_the_mean_over_every_ordering(lists):
    rng = np.random.default_rng(0)
    exact = shapley_values(np.array(lists), square_less_count, 10, 100, rng)
    np.testing.assert_allclose(
        exact, shapley_by_orderings(lists, square_less_count), rtol=1e-9, atol=1e-6
    )


@settings(max_examples=60, deadline=None)
@given(
    lists=st.lists(
        st.floats(1.0, 20_000.0, allow_nan=False, allow_infinity=False), min_size=1, max_size=9
    )
)
def test_exact_shapley_sums_each_member_as_its_own_coalitions_would(lists):
    """All members at once give each member's sum over its own coalitions, bit for bit."""
    lists = np.array(lists)
    n = len(lists)
    coalitions = np.arange(2**n)
    members = ((coalitions[:, None] >> np.arange(n)) & 1).astype(bool)
    sizes = members.sum(axis=1)
    worth = square_less_count(members @ lists, sizes)
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    one_by_one = [
        np.sum(
            weight[sizes[~members[:, i]]]
            * (worth[coalitions[~members[:, i]] | (1 << i)] - worth[~members[:, i]])
        )
        for i in range(n)
    ]
    exact = shapley_values(lists, square_less_count, 10, 1, np.random.default_rng(0))
    assert exact.tolist() == one_by_one


def test_sampled_shapley_is_close_to_exact_and_efficient():
    lists = np.array([1_500, 3_000, 4_500, 6_000, 8_000, 12_000], dtype=float)
    model = GPFedModel(rng=0, n_practices=60, federation_incentive_gbp_per_patient_per_year=3.0)
    value = model.federation_value
    exact = shapley_values(lists, value, 6, 1, np.random.default_rng(0))
    sampled = shapley_values(lists, value, 3, 5_000, np.random.default_rng(1))
    total = grand_value(value, lists)
    # Every sampled ordering's marginal contributions sum to v(N): the estimate is efficient.
    assert sampled.sum() == pytest.approx(total, rel=1e-9)
    assert exact.sum() == pytest.approx(total, rel=1e-9)
    # Sampling error of each member's value: within 2% of v(N).
    np.testing.assert_allclose(sampled, exact, atol=0.02 * abs(total))
    assert not np.allclose(sampled, exact, rtol=0, atol=1e-9)  # it really sampled


# --- rules sum to v(grand coalition) --------------------------------------------------------


@pytest.mark.parametrize("rule", ["list", "equal", "shapley"])
@pytest.mark.parametrize("value_name", ["square_less_count", "model"])
def test_every_rule_shares_out_exactly_the_grand_coalition_value(rule, value_name):
    if value_name == "model":
        model = GPFedModel(
            rng=0,
            n_practices=60,
            federation_incentive_gbp_per_patient_per_year=3.0,
            gp_contract_regime="optional",
        )
        value = model.federation_value
        lists = np.array([2_500, 4_000, 7_200, 9_000, 11_000, 6_300, 3_100, 8_800])
    else:
        value = square_less_count
        lists = np.array([1, 2, 3, 5, 8])
    rng = np.random.default_rng(3)
    for exact_max in (2, 10):  # sampled and exact Shapley
        shares = rule_shares(rule, lists, value, exact_max, 300, rng)
        assert len(shares) == len(lists)
        assert shares.sum() == pytest.approx(grand_value(value, lists), rel=1e-9)


def test_list_and_equal_rules_split_as_named():
    lists = np.array([1.0, 3.0])
    total = grand_value(square_less_count, lists)  # 16 - 4 = 12
    np.testing.assert_allclose(rule_shares("list", lists, square_less_count), [3.0, 9.0])
    np.testing.assert_allclose(rule_shares("equal", lists, square_less_count), [6.0, 6.0])
    assert total == 12.0


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown sharing rule 'nucleolus'"):
        rule_shares("nucleolus", np.array([1.0, 2.0]), square_less_count)


# --- payout weights ------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    rule=st.sampled_from(["list", "equal", "shapley"]),
    lists=st.lists(st.integers(1, 30_000), min_size=1, max_size=12),
    data=st.data(),
)
def test_payout_weights_are_a_distribution(rule, lists, data):
    shares = np.array(
        data.draw(
            st.lists(
                st.floats(-1e6, 1e6, allow_nan=False), min_size=len(lists), max_size=len(lists)
            )
        )
    )
    weights = payout_weights(rule, shares, np.array(lists, dtype=float))
    assert weights.sum() == pytest.approx(1.0)
    assert (weights >= 0).all()


def test_shapley_payout_follows_positive_shares_or_falls_back_to_lists():
    lists = np.array([1.0, 1.0, 2.0])
    np.testing.assert_allclose(
        payout_weights("shapley", np.array([3.0, -5.0, 1.0]), lists), [0.75, 0.0, 0.25]
    )
    np.testing.assert_allclose(
        payout_weights("shapley", np.array([-1.0, -5.0, 0.0]), lists), [0.25, 0.25, 0.5]
    )


# --- exact pence -----------------------------------------------------------------------------

weights_strategy = st.lists(
    st.one_of(st.just(0.0), st.floats(1e-3, 1e6, allow_nan=False)), min_size=1, max_size=40
).filter(lambda w: sum(w) > 0)


@settings(max_examples=200, deadline=None)
@given(total=st.integers(-(10**12), 10**12), weights=weights_strategy)
def test_split_pence_parts_sum_exactly_and_stay_within_a_penny(total, weights):
    weights = np.array(weights)
    parts = split_pence(total, weights)
    assert parts.dtype == np.int64
    assert int(parts.sum()) == total
    exact = total * weights / weights.sum()
    assert np.all(np.abs(parts - exact) < 1 + 1e-6 * np.abs(exact) + 1e-9)


@settings(max_examples=200, deadline=None)
@given(
    totals=st.lists(st.integers(0, 10**12), min_size=1, max_size=8),
    data=st.data(),
)
def test_split_pence_by_group_sums_exactly_per_group(totals, data):
    n_groups = len(totals)
    # Every group has at least one member with positive weight; members are shuffled.
    sizes = data.draw(st.lists(st.integers(1, 6), min_size=n_groups, max_size=n_groups))
    group = np.repeat(np.arange(n_groups), sizes)
    weights = np.array(
        data.draw(
            st.lists(
                st.one_of(st.just(0.0), st.floats(1e-3, 1e6, allow_nan=False)),
                min_size=len(group),
                max_size=len(group),
            )
        )
    )
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    weights[first] = np.maximum(weights[first], 1.0)
    order = np.array(data.draw(st.permutations(range(len(group)))), dtype=np.int64)
    group, weights = group[order], weights[order]

    parts = split_pence_by_group(np.array(totals, dtype=np.int64), weights, group)
    sums = np.zeros(n_groups, dtype=np.int64)
    np.add.at(sums, group, parts)
    assert sums.tolist() == totals
    assert (parts >= 0).all()
    # Same split as split_pence group by group (largest remainder within each group).
    for g in range(n_groups):
        rows = group == g
        np.testing.assert_array_equal(
            np.sort(parts[rows]), np.sort(split_pence(totals[g], weights[rows]))
        )
