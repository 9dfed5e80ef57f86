"""Practice.choose_care_effort on hand-made incentives, checked against a brute-force search."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpfed.agents import Practice
from gpfed.agents.patients import effort_achieved
from gpfed.agents.practice import CareIncentives
from tests.handmade import levers

COST = 10.0
BETA = 3.0
LV = levers(care_effort_cost_gbp_per_patient_per_year=COST, care_effort_returns_curvature=BETA)
GRID = np.linspace(0.0, 1.0, 100_001)


def incentives(kept=0.0, hospital=24.0, outcome=0.0, avoided=0.003, target=np.inf, qof=0.0):
    def column(value):
        return np.array([float(value)])

    return CareIncentives(
        kept_share=column(kept),
        hospital_gbp_at_full=column(hospital),
        outcome_gbp_per_admission=column(outcome),
        avoided_admissions_at_full=column(avoided),
        target_admissions=column(target),
        qof_gbp_at_full=column(qof),
    )


def brute_force(inc: CareIncentives, cost=COST, beta=BETA) -> float:
    """The effort on a fine grid that maximises the practice's return, B(e)."""
    g = effort_achieved(GRID, beta)
    a = inc.avoided_admissions_at_full[0]
    gain = (
        inc.kept_share[0] * inc.hospital_gbp_at_full[0] * g
        + inc.outcome_gbp_per_admission[0] * np.minimum(a * g, inc.target_admissions[0])
        - (cost - inc.qof_gbp_at_full[0]) * GRID
    )
    return float(GRID[np.argmax(gain)])


def test_return_curve_runs_from_nothing_to_full_with_diminishing_steps():
    g = effort_achieved(np.array([0.0, 0.25, 0.5, 0.75, 1.0]), 3.0)
    assert g[0] == 0.0 and g[-1] == pytest.approx(1.0)
    assert np.all(np.diff(np.diff(g)) < 0)


def test_no_share_of_the_saving_no_effort():
    assert Practice.choose_care_effort(incentives(kept=0.0), LV).tolist() == [0.0]


def test_keeping_the_whole_saving_buys_the_interior_optimum():
    # M = 24, slope at e: 24 * 3 e^{-3e} / (1 - e^{-3}) = 10 => e = ln(7.2 / 0.9502) / 3 = 0.675.
    effort = Practice.choose_care_effort(incentives(kept=1.0), LV)[0]
    assert effort == pytest.approx(np.log(24 * 3 / (10 * -np.expm1(-3))) / 3)
    assert effort == pytest.approx(brute_force(incentives(kept=1.0)), abs=1e-4)


def test_effort_rises_with_the_share_kept():
    kept = [0.05, 0.2, 0.5, 1.0]
    efforts = [Practice.choose_care_effort(incentives(kept=k), LV)[0] for k in kept]
    assert efforts[0] == 0.0  # 5% of £24 cannot pay for £10 of effort (free riding)
    assert np.all(np.diff(efforts) > 0)


def test_outcome_pay_stops_where_the_target_is_met():
    # Outcome pay alone would buy more effort than the target needs; beyond it only the kept
    # saving counts, which buys less: the practice stops exactly at the target.
    inc = incentives(kept=0.1, outcome=20_000.0, avoided=0.003, target=0.0015)
    effort = Practice.choose_care_effort(inc, LV)[0]
    assert effort_achieved(np.array([effort]), BETA)[0] * 0.003 == pytest.approx(0.0015)
    assert effort == pytest.approx(brute_force(inc), abs=1e-4)


def test_qof_pay_for_quality_lowers_the_net_cost():
    without = Practice.choose_care_effort(incentives(kept=0.5), LV)[0]
    with_qof = Practice.choose_care_effort(incentives(kept=0.5, qof=4.0), LV)[0]
    assert with_qof > without


@settings(max_examples=200, deadline=None)
@given(
    kept=st.floats(0, 1),
    hospital=st.floats(0, 200),
    outcome=st.floats(0, 50_000),
    avoided=st.floats(0, 0.01),
    target=st.floats(0, 0.01),
    qof=st.floats(0, 20),
    cost=st.floats(0.5, 60),
    beta=st.floats(0.05, 15),
)
def test_the_closed_form_matches_a_brute_force_search(
    kept, hospital, outcome, avoided, target, qof, cost, beta
):
    inc = incentives(kept, hospital, outcome, avoided, target, qof)
    lv = levers(care_effort_cost_gbp_per_patient_per_year=cost, care_effort_returns_curvature=beta)
    effort = Practice.choose_care_effort(inc, lv)[0]
    assert 0.0 <= effort <= 1.0

    def value(e):
        g = effort_achieved(np.array([e]), beta)[0]
        return kept * hospital * g + outcome * min(avoided * g, target) - (cost - qof) * e

    # The chosen effort does at least as well as the best point of the grid (to rounding).
    assert value(effort) >= value(brute_force(inc, cost, beta)) - 1e-7 * (1 + abs(value(effort)))
