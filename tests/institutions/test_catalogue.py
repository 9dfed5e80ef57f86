"""Service catalogue and paid twice, against small hand-made catalogues and the packaged one."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpfed.institutions.catalogue import (
    BUNDLES,
    FUNDERS,
    Catalogue,
    contract_bundle_gbp_per_head_per_year,
    core_lines,
    delivered_lines,
    load_catalogue,
    paid_twice_gbp_per_head_per_year,
)


def hand_made() -> Catalogue:
    """Five lines; values (£ per head a year) in brackets.

    diabetes:   review 20x1 (20, gms), test 5x2 (10, qof), foot 10x1 (10, qof),
                specialist 100x0.5 (50, none)
    population: flu 8x0.25 (2, enhanced)
    """
    return Catalogue(
        bundle=["diabetes", "diabetes", "diabetes", "diabetes", "population"],
        name=["review", "test", "foot", "specialist", "flu"],
        gbp_per_unit=[20.0, 5.0, 10.0, 100.0, 8.0],
        units_per_head_per_year=[1.0, 2.0, 1.0, 0.5, 0.25],
        funded_by=["gms", "qof", "qof", "none", "enhanced"],
        delivery_base=[0.9, 0.8, 0.7, 0.0, 0.95],
    )


ALL_DELIVERED = np.array([[True, True, True, False, True]])


def test_values_and_overlap_by_hand():
    catalogue = hand_made()
    np.testing.assert_allclose(catalogue.gbp_per_head_per_year, [20, 10, 10, 50, 2])
    np.testing.assert_array_equal(catalogue.overlapping, [True, True, True, False, True])
    np.testing.assert_array_equal(catalogue.lines("diabetes"), [0, 1, 2, 3])
    np.testing.assert_array_equal(catalogue.lines("population"), [4])


def test_core_lines_by_value_ties_in_catalogue_order_rounded_down():
    catalogue = hand_made()
    # Diabetes has 3 overlapping lines (20, 10, 10); population 1 (2).
    #   0.34 x 3 = 1.02 -> 1: review;   0.34 x 1 -> 0
    #   0.67 x 3 = 2.01 -> 2: review and test (the tie with foot goes to catalogue order)
    #   1.0: all four overlapping lines; the specialist line is never core.
    np.testing.assert_array_equal(core_lines(catalogue, 0.34), [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(core_lines(catalogue, 0.67), [1, 1, 0, 0, 0])
    np.testing.assert_array_equal(core_lines(catalogue, 1.0), [1, 1, 1, 0, 1])
    np.testing.assert_array_equal(core_lines(catalogue, 0.0), [0, 0, 0, 0, 0])


def test_core_share_that_is_not_a_binary_fraction_rounds_to_the_exact_count():
    # 0.29 x 100 is 28.999... in floating point; 29 lines must be core, not 28.
    n = 100
    catalogue = Catalogue(
        bundle=["population"] * n,
        name=[f"line {i}" for i in range(n)],
        gbp_per_unit=np.arange(n, 0, -1, dtype=float),
        units_per_head_per_year=np.ones(n),
        funded_by=["qof"] * n,
        delivery_base=np.full(n, 0.5),
    )
    assert core_lines(catalogue, 0.29).sum() == 29


def test_paid_twice_by_hand():
    catalogue = hand_made()
    delivered = np.array(
        [
            [True, True, True, False, True],  # all overlapping lines
            [False, True, False, False, False],  # the test only
            [False, False, False, False, False],  # nothing
        ]
    )
    none_core = core_lines(catalogue, 0.0)
    np.testing.assert_allclose(
        paid_twice_gbp_per_head_per_year(delivered, catalogue, "diabetes", none_core),
        [40.0, 10.0, 0.0],
    )
    np.testing.assert_allclose(
        paid_twice_gbp_per_head_per_year(delivered, catalogue, "population", none_core),
        [2.0, 0.0, 0.0],
    )
    # With the review core, it is netted out: only test and foot remain.
    one_core = core_lines(catalogue, 0.34)
    np.testing.assert_allclose(
        paid_twice_gbp_per_head_per_year(delivered, catalogue, "diabetes", one_core),
        [20.0, 10.0, 0.0],
    )


def test_paid_twice_is_zero_when_every_overlapping_line_is_core():
    catalogue = hand_made()
    for bundle in BUNDLES:
        paid = paid_twice_gbp_per_head_per_year(
            ALL_DELIVERED, catalogue, bundle, core_lines(catalogue, 1.0)
        )
        np.testing.assert_array_equal(paid, [0.0])


def test_contract_price_nets_out_core_lines():
    catalogue = hand_made()
    assert contract_bundle_gbp_per_head_per_year(
        catalogue, "diabetes", core_lines(catalogue, 0.0)
    ) == pytest.approx(90.0)
    assert contract_bundle_gbp_per_head_per_year(
        catalogue, "diabetes", core_lines(catalogue, 1.0)
    ) == pytest.approx(50.0)
    assert contract_bundle_gbp_per_head_per_year(
        catalogue, "population", core_lines(catalogue, 1.0)
    ) == pytest.approx(0.0)


def test_delivery_is_never_drawn_for_lines_only_the_contract_pays_for():
    catalogue = Catalogue(
        bundle=["diabetes", "diabetes"],
        name=["specialist", "review"],
        gbp_per_unit=[100.0, 20.0],
        units_per_head_per_year=[1.0, 1.0],
        funded_by=["none", "gms"],
        delivery_base=[1.0, 1.0],
    )
    delivered = delivered_lines(np.full(50, 0.5), catalogue, np.random.default_rng(1), 0.4)
    assert not delivered[:, 0].any()
    assert delivered[:, 1].all()


def test_delivery_probability_follows_the_formula_and_rises_with_quality():
    catalogue = hand_made()
    n = 20_000
    rng = np.random.default_rng(3)
    low = delivered_lines(np.full(n, 0.2), catalogue, rng, quality_slope=0.5).mean(axis=0)
    high = delivered_lines(np.full(n, 0.8), catalogue, rng, quality_slope=0.5).mean(axis=0)
    # Expected: base -/+ 0.5 x 0.3 = 0.15, clipped at 1 for flu (0.95 + 0.15).
    np.testing.assert_allclose(low, [0.75, 0.65, 0.55, 0.0, 0.80], atol=0.015)
    np.testing.assert_allclose(high, [1.0, 0.95, 0.85, 0.0, 1.0], atol=0.015)


def test_each_line_has_its_own_draw():
    # Same stream, same draws: changing one line's base changes that column only.
    base = hand_made()
    raised = Catalogue(
        bundle=base.bundle,
        name=base.name,
        gbp_per_unit=base.gbp_per_unit,
        units_per_head_per_year=base.units_per_head_per_year,
        funded_by=base.funded_by,
        delivery_base=[0.9, 0.8, 0.7, 0.0, 0.2],
    )
    quality = np.linspace(0, 1, 500)
    first = delivered_lines(quality, base, np.random.default_rng(9), 0.4)
    second = delivered_lines(quality, raised, np.random.default_rng(9), 0.4)
    np.testing.assert_array_equal(first[:, :4], second[:, :4])
    assert not np.array_equal(first[:, 4], second[:, 4])


@st.composite
def catalogue_and_delivery(draw):
    n_lines = draw(st.integers(1, 8))
    bundle = draw(st.lists(st.sampled_from(BUNDLES), min_size=n_lines, max_size=n_lines))
    funded_by = draw(st.lists(st.sampled_from(FUNDERS), min_size=n_lines, max_size=n_lines))
    money = st.floats(0, 500, allow_nan=False)
    catalogue = Catalogue(
        bundle=bundle,
        name=[f"line {i}" for i in range(n_lines)],
        gbp_per_unit=draw(st.lists(money, min_size=n_lines, max_size=n_lines)),
        units_per_head_per_year=draw(
            st.lists(st.floats(0, 3, allow_nan=False), min_size=n_lines, max_size=n_lines)
        ),
        funded_by=funded_by,
        delivery_base=draw(
            st.lists(st.floats(0, 1, allow_nan=False), min_size=n_lines, max_size=n_lines)
        ),
    )
    n_practices = draw(st.integers(1, 5))
    delivered = (
        np.array(
            draw(
                st.lists(
                    st.lists(st.booleans(), min_size=n_lines, max_size=n_lines),
                    min_size=n_practices,
                    max_size=n_practices,
                )
            )
        )
        & catalogue.overlapping
    )
    return catalogue, delivered


@settings(max_examples=200, deadline=None)
@given(
    case=catalogue_and_delivery(),
    shares=st.lists(st.floats(0, 1, allow_nan=False), min_size=2, max_size=6),
)
def test_paid_twice_bounds_and_monotone_in_core_definition(case, shares):
    catalogue, delivered = case
    value = catalogue.gbp_per_head_per_year
    for bundle in BUNDLES:
        in_bundle = catalogue.bundle == bundle
        # No line is core: paid twice is the value of every delivered overlapping line.
        overlap_cost = (delivered & in_bundle) @ value
        paid_at_zero = paid_twice_gbp_per_head_per_year(
            delivered, catalogue, bundle, core_lines(catalogue, 0.0)
        )
        np.testing.assert_allclose(paid_at_zero, overlap_cost)
        paid_at_one = paid_twice_gbp_per_head_per_year(
            delivered, catalogue, bundle, core_lines(catalogue, 1.0)
        )
        np.testing.assert_array_equal(paid_at_one, 0.0)
        previous = paid_at_zero
        for share in sorted(shares):
            paid = paid_twice_gbp_per_head_per_year(
                delivered, catalogue, bundle, core_lines(catalogue, share)
            )
            assert np.all(paid <= previous + 1e-9)
            previous = paid


@pytest.mark.parametrize(
    ("change", "field", "line"),
    [
        ({"gbp_per_unit": [-1.0, 8.0]}, "gbp_per_unit", "review"),
        ({"units_per_head_per_year": [1.0, -0.5]}, "units_per_head_per_year", "flu"),
        ({"delivery_base": [1.2, 0.95]}, "delivery_base", "review"),
        ({"delivery_base": [0.9, float("nan")]}, "delivery_base", "flu"),
        ({"funded_by": ["gms", "practice"]}, "funded_by", "flu"),
        ({"bundle": ["maternity", "population"]}, "bundle", "review"),
    ],
)
def test_bad_data_gives_a_one_line_error_naming_line_and_field(change, field, line):
    values = {
        "bundle": ["diabetes", "population"],
        "name": ["review", "flu"],
        "gbp_per_unit": [20.0, 8.0],
        "units_per_head_per_year": [1.0, 0.25],
        "funded_by": ["gms", "enhanced"],
        "delivery_base": [0.9, 0.95],
    }
    Catalogue(**values)  # the unchanged lines are valid
    with pytest.raises(ValueError) as error:
        Catalogue(**{**values, **change})
    message = str(error.value)
    assert "\n" not in message
    assert field in message
    assert repr(line) in message


GOOD_LINE = {
    "name": "review",
    "bundle": "diabetes",
    "gbp_per_unit": 20.0,
    "units_per_head_per_year": 1.0,
    "funded_by": "gms",
    "delivery_base": 0.9,
    "source": "hand-made",
}


def write_catalogue(tmp_path, lines):
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps({"lines": lines}))
    return path


def test_a_good_file_loads(tmp_path):
    catalogue = load_catalogue(write_catalogue(tmp_path, [GOOD_LINE]))
    assert catalogue.n_lines == 1
    assert catalogue.source[0] == "hand-made"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"source": " "}, "source"),
        ({"gbp_per_unit": "twenty"}, "gbp_per_unit"),
        ({"gbp_per_unit": -20.0}, "gbp_per_unit"),
        ({"delivery_base": 2}, "delivery_base"),
        ({"funded_by": "gp"}, "funded_by"),
        ({"bundle": "maternity"}, "bundle"),
    ],
)
def test_bad_file_errors_name_line_and_field(tmp_path, change, field):
    path = write_catalogue(tmp_path, [GOOD_LINE, {**GOOD_LINE, "name": "flu", **change}])
    with pytest.raises(ValueError, match=rf"^service line 1 \('flu'\): .*{field}[^\n]*$"):
        load_catalogue(path)


def test_missing_field_in_file_is_named(tmp_path):
    missing = {k: v for k, v in GOOD_LINE.items() if k != "delivery_base"}
    with pytest.raises(
        ValueError, match=r"service line 0 \('review'\): missing field 'delivery_base'"
    ):
        load_catalogue(write_catalogue(tmp_path, [missing]))


def test_core_definition_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match="core_definition"):
        core_lines(hand_made(), 1.5)


def test_unknown_bundle_is_refused():
    with pytest.raises(ValueError, match="valid: diabetes, population"):
        hand_made().lines("maternity")


# --- the packaged catalogue ------------------------------------------------------------------


def test_packaged_catalogue_loads_with_sources_and_positive_figures():
    catalogue = load_catalogue()
    assert set(catalogue.bundle) == set(BUNDLES)
    for bundle in BUNDLES:
        lines = catalogue.lines(bundle)
        # Each bundle has lines the practice may be paid for and lines only the contract buys.
        assert catalogue.overlapping[lines].any()
        assert (~catalogue.overlapping[lines]).any()
    assert all(str(source).strip() for source in catalogue.source)
    assert np.all(catalogue.gbp_per_unit > 0)
    assert np.all(catalogue.units_per_head_per_year > 0)
    overlapping = catalogue.overlapping
    assert np.all(catalogue.delivery_base[overlapping] > 0)
    assert len(set(catalogue.name)) == catalogue.n_lines


def test_packaged_catalogue_overlap_is_a_minority_of_population_contract_value():
    # A population contract is mostly community and hospital care; the practice overlap is small.
    catalogue = load_catalogue()
    none_core = core_lines(catalogue, 0.0)
    lines = catalogue.lines("population")
    overlap = catalogue.gbp_per_head_per_year[lines][catalogue.overlapping[lines]].sum()
    total = contract_bundle_gbp_per_head_per_year(catalogue, "population", none_core)
    assert 0 < overlap < 0.2 * total


def test_packaged_paid_twice_falls_as_core_is_defined():
    catalogue = load_catalogue()
    delivered = delivered_lines(
        np.linspace(0, 1, 200), catalogue, np.random.default_rng(11), quality_slope=0.4
    )
    paid = [
        paid_twice_gbp_per_head_per_year(
            delivered, catalogue, "diabetes", core_lines(catalogue, share)
        ).mean()
        for share in (0.0, 0.5, 1.0)
    ]
    assert paid[0] > paid[1] > paid[2] == 0.0
