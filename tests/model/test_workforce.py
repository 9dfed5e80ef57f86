"""The GP workforce in whole runs, paired by seed: supply, pay and rurality have their effects.

Each test runs the same seeds with one lever low and high and asks the paired difference to go
the claimed way (tests.model.test_integrated_mechanisms.assert_paired_increase).
"""

import numpy as np

from gpfed import GPFedModel
from tests.model.test_integrated_mechanisms import assert_paired_increase, final_year

SEEDS = range(8)
QUARTERS = 16


def run(seed: int, **levers) -> GPFedModel:
    return GPFedModel(rng=seed, n_practices=150, agent_table_every=0, **levers).run(QUARTERS)


def test_a_short_supply_of_gps_raises_vacancies_patients_per_gp_and_locum_spend():
    plenty = [run(s, gp_entrants_per_1000_gps_per_year=120.0) for s in SEEDS]
    short = [run(s, gp_entrants_per_1000_gps_per_year=40.0) for s in SEEDS]
    for series in ("gp_vacancy_rate", "patients_per_gp_fte", "locum_premium_gbp"):
        assert_paired_increase(
            [final_year(m, series) for m in plenty], [final_year(m, series) for m in short]
        )


def test_partners_leave_partnerships_that_overwork_them():
    def partners(seed: int, sensitivity: float) -> float:
        model = run(
            seed, gp_entrants_per_1000_gps_per_year=40.0, partner_quit_workload_per_year=sensitivity
        )
        return final_year(model, "partner_fte")

    assert_paired_increase([partners(s, 1.0) for s in SEEDS], [partners(s, 0.0) for s in SEEDS])


def test_partners_leave_partnerships_that_pay_too_little():
    def partners(seed: int, sensitivity: float) -> float:
        return final_year(run(seed, partner_quit_pay_per_year=sensitivity), "partner_fte")

    assert_paired_increase([partners(s, 1.0) for s in SEEDS], [partners(s, 0.0) for s in SEEDS])


def rural_vacancy_gap(model: GPFedModel) -> float:
    """Vacancy rate of open rural practices less that of urban ones."""
    state = model.practice_state
    rates = []
    for rural in (True, False):
        rows = state.is_open & (state.rural == rural)
        rates.append(state.vacancies[rows].sum() / state.gp_posts[rows].sum())
    return float(rates[0] - rates[1])


def test_rural_practices_recruit_less_only_when_rurality_puts_gps_off():
    penalised = [rural_vacancy_gap(run(s, gp_attraction_rural=1.0)) for s in SEEDS]
    neutral = [rural_vacancy_gap(run(s, gp_attraction_rural=0.0)) for s in SEEDS]
    assert_paired_increase(neutral, penalised)
    assert abs(np.mean(neutral)) < 0.02


def test_gp_counts_stay_whole_and_senior_partners_within_partners_through_a_retirement_wave():
    model = run(1, gp_leaving_55_59_per_year=1.0, gp_leaving_60_plus_per_year=1.0)
    state = model.practice_state
    assert (state.partners_by_age >= 0).all() and (state.salaried_by_age >= 0).all()
    assert (state.senior_partners <= state.partners).all()
    assert (state.gps[~state.is_open] == 0).all()
    frame = model.to_frame()
    assert frame["gp_retirements"].iloc[1] > 0
    assert np.isfinite(frame[["gp_fte", "gp_vacancy_rate", "patients_per_gp_fte"]]).all().all()
