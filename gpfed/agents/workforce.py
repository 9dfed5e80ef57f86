"""The GP workforce: GPs leave and age, and GPs seeking posts fill practices' vacancies.

GPs are headcounts per practice by role and age band (:data:`gpfed.world.state.GP_AGE_BANDS`),
not agents. Each quarter, at the end of the quarter's money (MODEL-SPEC §B1):

1. GPs leave: a yearly hazard by age band, rising steeply from 55 (retirement); partners add the
   hazard of quitting a partnership that pays too little for its workload
   (:meth:`gpfed.agents.Practice.partner_quit_hazard`);
2. those who stay age: a GP moves to the next band with the chance of reaching its end;
3. each practice seeks posts for its need-weighted list
   (:meth:`gpfed.agents.Practice.seek_gp_posts`), and the GPs seeking posts this quarter (the
   national supply, a schedulable lever) fill vacancies: each is filled with chance
   1 - exp(-r a_i), a_i how attractive practice i is to a GP seeking a post (profit per partner,
   workload, being in a federation, rurality) and r the rate at which the supply is taken up,
   no faster than the hiring itself allows (:func:`clearing_rate`);
4. recruits join as partners or salaried GPs, mostly under 45; where the last partner has gone,
   a salaried GP takes the partnership over, or the first recruit joins as a partner.

Posts left empty are partly covered by locums at a premium (paid with the practice's expenses);
the rest of the work falls on the GPs in post, whose workload per GP drives quality, partners'
quits, recruitment and, past a limit, failure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpfed.parameters import Levers
from gpfed.world.costs import NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP, locum_cover
from gpfed.world.state import PracticeState
from gpfed.world.units import QUARTERS_PER_YEAR

BAND_YEARS = (15.0, 10.0, 5.0)
"""Years a GP spends in each band but the last (under 45 counted from about 30)."""
RECRUIT_AGE_SHARES = (0.8, 0.2, 0.0, 0.0)
"""[I] Ages of recruits by band: mostly newly qualified GPs, some returners."""


@dataclass(frozen=True)
class WorkforceFlows:
    """GPs who moved this quarter (headcounts).

    Attributes:
        retirements: GPs aged 55 or over who left.
        other_leavers: GPs under 55 who left, and partners who quit.
        recruits: vacancies filled.
    """

    retirements: int
    other_leavers: int
    recruits: int

    @classmethod
    def none(cls) -> WorkforceFlows:
        """No GP moved (before the first quarter)."""
        return cls(0, 0, 0)


def per_quarter(rate_per_year: np.ndarray | float) -> np.ndarray:
    """The quarterly chance of an event with the given yearly chance."""
    return 1.0 - (1.0 - np.asarray(rate_per_year, dtype=float)) ** (1.0 / QUARTERS_PER_YEAR)


def leaving_per_year(levers: Levers) -> np.ndarray:
    """Yearly chance of leaving general practice, by age band."""
    under_55 = levers.gp_leaving_under_55_per_year
    return np.array(
        [under_55, under_55, levers.gp_leaving_55_59_per_year, levers.gp_leaving_60_plus_per_year]
    )


def working_gps(state: PracticeState, levers: Levers) -> np.ndarray:
    """GPs working at each practice: those in post plus the locum cover of its vacancies."""
    return state.gps + locum_cover(state, levers)


def workload_per_gp(state: PracticeState, need_index: float, levers: Levers) -> np.ndarray:
    """Need-adjusted patients per GP working there: GPs in post plus locum cover (at least one)."""
    return state.list_size * need_index / np.maximum(working_gps(state, levers), 1.0)


def excess_workload(state: PracticeState, need_index: float, levers: Levers) -> np.ndarray:
    """Workload per GP above the practice's own starting level, as a share of it (0 if below)."""
    ratio = workload_per_gp(state, need_index, levers) / state.reference_workload_per_gp
    return np.maximum(ratio - 1.0, 0.0)


def pooled_excess_workload(
    state: PracticeState, first: np.ndarray, second: np.ndarray, need_index: float, levers: Levers
) -> np.ndarray:
    """Excess workload per GP of each pair of practices were they one (GPs and lists pooled).

    Measured against the pair's pooled starting workload: their lists over the GPs they
    started with.
    """
    lists = state.list_size[first] + state.list_size[second]
    working = working_gps(state, levers)
    workload = lists * need_index / np.maximum(working[first] + working[second], 1.0)
    start_gps = (
        state.list_size[first] / state.reference_workload_per_gp[first]
        + state.list_size[second] / state.reference_workload_per_gp[second]
    )
    reference = lists / np.maximum(start_gps, 1e-9)
    return np.maximum(workload / reference - 1.0, 0.0)


def patients_per_gp_fte(state: PracticeState, levers: Levers) -> np.ndarray:
    """Registered patients per FTE GP working there (locum cover included)."""
    working = working_gps(state, levers) * levers.gp_fte_per_head
    return state.list_size / np.maximum(working, levers.gp_fte_per_head)


def understaffed_practices(
    state: PracticeState, excess_workload: np.ndarray, levers: Levers
) -> np.ndarray:
    """Practices that cannot staff their list.

    Past the limit of patients per FTE GP, and with more work per GP than at the start: a
    practice that started there and kept its GPs copes.
    """
    over_limit = patients_per_gp_fte(state, levers) > levers.understaffed_patients_per_gp
    return over_limit & (excess_workload > 0)


def relative_profit(state: PracticeState) -> np.ndarray:
    """Last quarter's profit per partner over the national mean."""
    return state.profit_per_partner_gbp_per_year / NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP


def leave(
    state: PracticeState,
    partner_quit_per_year: np.ndarray,
    levers: Levers,
    rng: np.random.Generator,
) -> tuple[int, int]:
    """GPs leave this quarter (open practices only); returns (retirements, other leavers)."""
    band_hazard = per_quarter(leaving_per_year(levers))
    quit_hazard = per_quarter(np.clip(partner_quit_per_year, 0.0, 1.0))
    partner_hazard = 1.0 - (1.0 - band_hazard[None, :]) * (1.0 - quit_hazard[:, None])
    open_rows = state.is_open[:, None]
    partners_leaving = rng.binomial(state.partners_by_age * open_rows, partner_hazard)
    salaried_leaving = rng.binomial(
        state.salaried_by_age * open_rows, np.broadcast_to(band_hazard, state.salaried_by_age.shape)
    )
    state.partners_by_age -= partners_leaving
    state.salaried_by_age -= salaried_leaving
    take_over(state)
    np.minimum(state.senior_partners, state.partners, out=state.senior_partners)
    leaving = partners_leaving + salaried_leaving
    retirements = int(leaving[:, 2:].sum())
    return retirements, int(leaving.sum()) - retirements


def take_over(state: PracticeState) -> None:
    """Where the last partner has gone, the most senior salaried GP becomes a partner.

    A GMS contract needs a partner to hold it; a practice left with none and no salaried GP
    either fails (:meth:`gpfed.agents.Practice.count_failing_quarters`) unless it recruits one.
    """
    orphaned = np.flatnonzero(state.is_open & (state.partners == 0) & (state.salaried > 0))
    if len(orphaned):
        # The oldest band with anyone in it: the last band whose running count is still zero.
        band = (state.salaried_by_age[orphaned][:, ::-1].cumsum(axis=1) == 0).sum(axis=1)
        band = state.salaried_by_age.shape[1] - 1 - band
        state.salaried_by_age[orphaned, band] -= 1
        state.partners_by_age[orphaned, band] += 1


def age(state: PracticeState, rng: np.random.Generator) -> None:
    """GPs move up an age band with the chance of reaching its end this quarter."""
    chance = 1.0 / (QUARTERS_PER_YEAR * np.array(BAND_YEARS))
    for counts in (state.partners_by_age, state.salaried_by_age):
        moving = rng.binomial(counts[:, :-1], np.broadcast_to(chance, counts[:, :-1].shape))
        counts[:, :-1] -= moving
        counts[:, 1:] += moving


def attractiveness(
    state: PracticeState, excess: np.ndarray, federated: np.ndarray, levers: Levers
) -> np.ndarray:
    """How strongly each practice draws GPs seeking a post (1 for an average one)."""
    return np.exp(
        levers.gp_attraction_profit * (np.clip(relative_profit(state), -2.0, 3.0) - 1.0)
        - levers.gp_attraction_workload * excess
        + levers.gp_attraction_network * federated
        - levers.gp_attraction_rural * state.rural
    )


def recruit(
    state: PracticeState,
    attraction: np.ndarray,
    entrants: float,
    levers: Levers,
    rng: np.random.Generator,
) -> int:
    """Fill vacancies from this quarter's GPs seeking posts; returns recruits.

    Each opening at practice i is filled with chance 1 - exp(-r a_i): r is the fill rate
    (``gp_vacancy_fill_per_quarter``) when GPs seeking posts are plentiful, and lower when they
    are not, so that the openings expected to be filled match the ``entrants`` available.
    Recruits join as partners or salaried GPs.
    """
    # Part posts (a practice seeking 4.3 GPs) open as a whole post by chance, so the openings
    # expected are the vacancies.
    vacancies = state.vacancies * state.is_open
    whole = np.floor(vacancies)
    openings = (whole + (rng.random(len(vacancies)) < vacancies - whole)).astype(np.int64)
    rate = clearing_rate(openings, attraction, entrants, levers.gp_vacancy_fill_per_quarter)
    hires = rng.binomial(openings, -np.expm1(-rate * attraction))
    partners = rng.binomial(hires, levers.new_gp_partner_share)
    # A practice with no partner recruits one first: someone must hold the contract.
    partners = np.where((state.partners == 0) & (hires > 0), np.maximum(partners, 1), partners)
    state.partners_by_age += rng.multinomial(partners, RECRUIT_AGE_SHARES)
    state.salaried_by_age += rng.multinomial(hires - partners, RECRUIT_AGE_SHARES)
    return int(hires.sum())


CLEARING_STEPS = 60
"""Bisection steps for the clearing rate (its bracket shrinks by 2**-60)."""


def clearing_rate(
    openings: np.ndarray, attraction: np.ndarray, entrants: float, fastest: float
) -> float:
    """The fill rate r at which the supply of GPs seeking posts is taken up, at most ``fastest``.

    The largest r whose expected recruits sum(o_i (1 - exp(-r a_i))) do not exceed ``entrants``,
    by bisection (expected recruits rise with r).
    """

    def expected(rate: float) -> float:
        return float((openings * -np.expm1(-rate * attraction)).sum())

    # Practices with no opening add nothing: leave them out of the sums.
    hiring = openings > 0
    openings, attraction = openings[hiring], attraction[hiring]
    if expected(fastest) <= entrants:
        return fastest
    low, high = 0.0, fastest
    for _ in range(CLEARING_STEPS):
        middle = 0.5 * (low + high)
        if expected(middle) <= entrants:
            low = middle
        else:
            high = middle
    return low
