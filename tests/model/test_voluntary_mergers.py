"""Mergers by choice in whole runs, paired by seed: waves come from pressure, not a rate."""

from gpfed import GPFedModel
from tests.model.test_integrated_mechanisms import assert_paired_increase

SEEDS = range(8)
QUARTERS = 24


def voluntary(seed: int, **levers) -> float:
    model = GPFedModel(rng=seed, agent_table_every=0, **levers).run(QUARTERS)
    return float(model.to_frame()["voluntary_mergers"].iloc[1:].sum())


def test_funding_pressure_brings_a_merger_wave():
    # The global sum frozen at £60 a weighted patient instead of rising from £66 to £89.
    usual = [voluntary(s) for s in SEEDS]
    squeezed = [voluntary(s, global_sum_gbp_per_weighted_patient=60.0) for s in SEEDS]
    assert_paired_increase(usual, squeezed)
    assert sum(squeezed) > 3 * sum(usual)


def test_no_merger_by_choice_without_a_saving_to_share():
    assert sum(voluntary(s, merger_saving_gbp_per_patient_per_year=0.0) for s in SEEDS) == 0
