"""The GP practice: a partnership holding a GMS contract for a registered list, and its decisions.

State lives in the practice columns (:class:`~gpfed.world.state.PracticeState`); a Practice agent
is the view of its row, sitting on its node of the practice/trust network. Every decision a
practice takes is a class method here, vectorised over all practices, reading only what a
practice could know (its own row, its neighbours on the graph, public prices and rules) and
returning its choices; the model applies them. Override one in a subclass and pass it as
``GPFedModel(practice_class=...)`` to try another behavioural rule.

Decisions:

- :meth:`Practice.count_failing_quarters`: is it failing (profit per partner below a threshold,
  no partner left, or a list it cannot staff)?
- :meth:`Practice.seek_gp_posts` and :meth:`Practice.partner_quit_hazard`: the GP posts it seeks,
  and how likely its partners are to quit (:mod:`gpfed.agents.workforce`).
- :meth:`Practice.draw_profits`: partners draw profit above working capital.
- :meth:`Practice.judge_federation` and :meth:`Practice.leave_federation`: members reckon their
  federation's worth from what it has paid them, and leave when it stays below their autonomy
  cost.
- :meth:`Practice.choose_federation`: reconsidering practices stay alone, found or join one.
- :meth:`Practice.decide_exits` and :meth:`Practice.choose_exit`: who leaves the market, and
  whether by merging into a neighbour or by handing back the contract.
- :meth:`Practice.choose_mergers`: which neighbours merge by choice, when both partnerships' pay
  for work rises by enough (:func:`merger_options`).
- :meth:`Practice.choose_care_effort`: how much care management to give its patients, weighing
  its own cost against the part of the saving and the outcome pay it would itself receive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

import gpfed.agents.workforce as workforce
from gpfed.agents.coalition import Membership, ValueFunction, agreed_pairs, rule_shares
from gpfed.agents.node import NodeAgent
from gpfed.parameters import Levers
from gpfed.world.arrays import compact_keys, lookup
from gpfed.world.costs import NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP, merged_expenses_gbp
from gpfed.world.state import PracticeState, gp_vacancies, profit_per_partner_gbp_per_year
from gpfed.world.units import NO_FEDERATION, PENCE_PER_GBP, QUARTERS_PER_YEAR

STAY_ALONE = -1
"""A reconsidering practice's choice when it keeps to itself."""
PENCE_NOISE_DIGITS = 6
"""Amounts in pence are exact to a millionth of a penny; digits beyond are binary rounding noise."""


@dataclass(frozen=True)
class FederationOptions:
    """Federation options open to reconsidering practices, one row per option.

    Attributes:
        chooser: the practice choosing.
        founds: True to found a federation with ``target`` (an unfederated neighbour who would
            accept), False to join federation ``target`` (which would admit the practice).
        target: the partner practice, or the federation's unique id.
        utility: the chooser's share of the new coalition's value less its autonomy cost,
            £ a year.
        size: members of the coalition the option would make.
        pooled_list: its pooled list (patients): with ``size``, all its value depends on, so
            a federation found with the same members' count and list later admits as it did.
    """

    chooser: np.ndarray
    founds: np.ndarray
    target: np.ndarray
    utility: np.ndarray
    size: np.ndarray
    pooled_list: np.ndarray

    def as_offered(self, choosers: Iterable[int]) -> dict[tuple[int, int], tuple[int, float]]:
        """The target's members and pooled list with the chooser, by (chooser, target).

        For the options of ``choosers`` only: what admission was judged on when offered.
        """
        rows = np.isin(self.chooser, np.fromiter(choosers, dtype=np.int64))
        return {
            (chooser, target): (size - 1, pooled)
            for chooser, target, size, pooled in zip(
                self.chooser[rows].tolist(),
                self.target[rows].tolist(),
                self.size[rows].tolist(),
                self.pooled_list[rows].tolist(),
                strict=True,
            )
        }


@dataclass(frozen=True)
class FederationChoices:
    """What reconsidering practices chose this quarter.

    Attributes:
        candidates: the practices that reconsidered.
        best: each candidate's chosen option (a row of ``options``), or :data:`STAY_ALONE`.
        options: the options they chose among.
    """

    candidates: np.ndarray
    best: dict[int, int]
    options: FederationOptions


class Practice(NodeAgent):
    """A GP practice (a row of the practice columns, fixed to its network node)."""

    # --- the view of one practice ------------------------------------------------------------
    @property
    def _state(self) -> PracticeState:
        return self.model.practice_state

    @property
    def list_size(self) -> int:
        """Registered patients."""
        return int(self._state.list_size[self.index])

    @property
    def need_weight(self) -> float:
        """Carr-Hill style need weight of the list (mean 1 across England)."""
        return float(self._state.need_weight[self.index])

    @property
    def quality(self) -> float:
        """Quality in [0, 1]: drives QOF income and avoidable emergency admissions."""
        return float(self._state.quality[self.index])

    @property
    def care_effort(self) -> float:
        """Care-management effort (0-1) it chose this quarter."""
        return float(self._state.care_effort[self.index])

    @property
    def partners(self) -> int:
        """GP partners sharing the profit."""
        # A Python sum of the row's four bands: the per-agent tables read this for every
        # practice, and numpy's reduction is slower on four numbers.
        return sum(self._state.partners_by_age[self.index].tolist())

    @property
    def salaried_gps(self) -> int:
        """Salaried GPs."""
        return sum(self._state.salaried_by_age[self.index].tolist())

    @property
    def gp_vacancies(self) -> float:
        """GP posts sought but not filled."""
        return float(
            gp_vacancies(self._state.gp_posts[self.index], self.partners + self.salaried_gps)
        )

    @property
    def area(self) -> int:
        """Commissioner area (index of its Commissioner)."""
        return int(self._state.area[self.index])

    @property
    def income_gbp(self) -> float:
        """NHS income in the last quarter, £."""
        return float(self._state.income_gbp[self.index])

    @property
    def profit_per_partner_gbp_per_year(self) -> float:
        """Last quarter's profit per partner, annualised, £."""
        state, i = self._state, self.index
        return float(
            profit_per_partner_gbp_per_year(
                state.income_gbp[i], state.expenses_gbp[i], self.partners
            )
        )

    @property
    def reserves_gbp(self) -> float:
        """Money held by the practice (its ledger balance), £."""
        return float(self.model.ledger.balance_gbp(self.model.accounts.practice[self.index]))

    @property
    def emergency_admissions(self) -> int:
        """Emergency admissions of its patients in the last quarter."""
        return int(self._state.emergency_admissions[self.index])

    @property
    def federation(self):
        """The Federation agent it belongs to, if any."""
        return self.model.federations.get(int(self._state.federation[self.index]))

    @property
    def federation_id(self) -> int:
        """Unique id of its federation (-1: none)."""
        return int(self._state.federation[self.index])

    @property
    def contract(self) -> str:
        """How its patients' care is contracted.

        "GMS", or the integrated contract covering it as "<kind> (<holder>)", e.g.
        "population (alliance)".
        """
        book = self.model.contracts
        return book.label(int(book.coverage[self.index]))

    # --- decisions ----------------------------------------------------------------------------
    @classmethod
    def count_failing_quarters(
        cls,
        state: PracticeState,
        threshold_share: float,
        understaffed: np.ndarray | None = None,
        excess_workload: np.ndarray | None = None,
    ) -> np.ndarray:
        """Each practice's run of quarters failing: paying too little for its work, or unstaffed.

        A practice fails a quarter when its profit per partner, per unit of work per GP
        relative to its start (``1 + excess_workload``), is below ``threshold_share`` of the
        national mean (£106,100, NHS IC 2011/12); when it has no partner left to hold the
        contract; or when ``understaffed`` (patients per GP past the limit it can staff). One
        good quarter resets the run; closed practices are not failing.

        Returns:
            The updated run of failing quarters, per practice.
        """
        pay_for_work = state.profit_per_partner_gbp_per_year
        if excess_workload is not None:
            pay_for_work = pay_for_work / (1.0 + excess_workload)
        failing = (pay_for_work < threshold_share * NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP) | (
            state.partners == 0
        )
        if understaffed is not None:
            failing = failing | understaffed
        return np.where(state.is_open & failing, state.failing_quarters + 1, 0)

    @classmethod
    def seek_gp_posts(cls, state: PracticeState, need_index: float, levers: Levers) -> np.ndarray:
        """GP posts each practice seeks: its starting patients per post, for its need now.

        At the start a practice had ``initial_gp_vacancy_rate`` of its posts empty; it keeps
        the same need-weighted patients per post as its list and its patients' need grow.
        """
        start_patients_per_post = state.reference_workload_per_gp * (
            1.0 - levers.initial_gp_vacancy_rate
        )
        return state.list_size * need_index / start_patients_per_post * state.is_open

    @classmethod
    def partner_quit_hazard(
        cls, profit_per_partner_gbp: np.ndarray, excess_workload: np.ndarray, levers: Levers
    ) -> np.ndarray:
        """Extra yearly chance each practice's partners quit the partnership.

        Rises with the shortfall of profit per partner below what a salaried post pays (the
        partner's outside option) and with the workload per GP above the practice's starting
        level (MODEL-SPEC §B1).

        Args:
            profit_per_partner_gbp: last quarter's profit per partner, annualised, £.
            excess_workload: workload per GP above the starting level, as a share of it.
            levers: levers in force.
        """
        outside = max(levers.salaried_gp_pay_gbp_per_year, 1.0)
        shortfall = np.clip(1.0 - profit_per_partner_gbp / outside, 0.0, 1.0)
        return (
            levers.partner_quit_pay_per_year * shortfall
            + levers.partner_quit_workload_per_year * excess_workload
        )

    @classmethod
    def draw_profits(
        cls, balance_gbp: np.ndarray, expenses_gbp: np.ndarray, levers: Levers
    ) -> np.ndarray:
        """Partners draw what the practice holds above its working capital, £ (whole pence).

        Args:
            balance_gbp: each practice's money after this quarter's income and expenses.
            expenses_gbp: each practice's expenses this quarter.
            levers: levers in force (``practice_working_capital_quarters``).
        """
        working_capital = levers.practice_working_capital_quarters * expenses_gbp
        drawable_pence = np.maximum(balance_gbp - working_capital, 0.0) * PENCE_PER_GBP
        # Round off binary noise before flooring, so £0.29 (28.999... pence) draws 29 pence.
        whole_pence = np.floor(np.round(drawable_pence, PENCE_NOISE_DIGITS))
        return whole_pence / PENCE_PER_GBP

    @classmethod
    def judge_federation(
        cls,
        expected_gbp_per_year: np.ndarray,
        paid_gbp_per_year: np.ndarray,
        quarters_in: np.ndarray,
        levers: Levers,
    ) -> np.ndarray:
        """What each member reckons its federation is worth to it, £ a year.

        It joined expecting its share of the coalition's value; every quarter it is paid, it
        trusts its own record more. The record is an exponentially weighted sum of the quarters'
        payments started from nothing (weight a on the latest, a the
        ``federation_learning_rate``), so after q quarters its weights add up to
        1 - (1 - a)^q; what it expected fills the rest:
        worth = record + (1 - a)^q x expected. Value a federation never pays out (reserves it
        keeps, pooled risk, contracts it never wins) fades from the reckoning.

        Args:
            expected_gbp_per_year: each member's share of its federation's value.
            paid_gbp_per_year: its record of what its federation has paid it, a year.
            quarters_in: quarters it has been paid by this federation.
            levers: levers in force.
        """
        untried = (1.0 - levers.federation_learning_rate) ** quarters_in
        return paid_gbp_per_year + untried * expected_gbp_per_year

    @classmethod
    def leave_federation(
        cls,
        state: PracticeState,
        members: np.ndarray,
        shares_gbp_per_year: np.ndarray,
        levers: Levers,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Members whose federation stays worth less than their autonomy cost for long enough leave.

        Args:
            state: practice columns (autonomy costs, runs below share, federation column).
            members: every federated practice.
            shares_gbp_per_year: what each member reckons its federation is worth to it
                (:meth:`judge_federation`).
            levers: levers in force (``federation_leave_quarters``).
            rng: the federations stream (the order of departures).

        Returns:
            The updated run of quarters below share, per practice, and the leavers in the order
            they leave.
        """
        below = shares_gbp_per_year < state.autonomy_cost_gbp_per_year[members]
        quarters = state.below_share_quarters.copy()
        quarters[members] = np.where(below, quarters[members] + 1, 0)
        leaving = np.flatnonzero(
            (state.federation != NO_FEDERATION) & (quarters >= levers.federation_leave_quarters)
        )
        return quarters, rng.permutation(leaving)

    @classmethod
    def choose_federation(
        cls,
        free: np.ndarray,
        options_for: Callable[[np.ndarray], FederationOptions],
        levers: Levers,
        rng: np.random.Generator,
    ) -> FederationChoices | None:
        """A share of unfederated practices reconsider and pick an option by logit.

        Each candidate compares staying alone (utility 0) with every option open to it (see
        :func:`federation_options`), with Gumbel noise of scale
        ``federation_choice_noise_gbp_per_year``: the argmax is a draw from the logit choice.

        Args:
            free: open practices in no federation.
            options_for: the options open to the given candidates.
            levers: levers in force.
            rng: the federations stream.

        Returns:
            The choices, or None when no candidate has any option.
        """
        draws = rng.random(len(free))
        candidates = np.flatnonzero(free & (draws < levers.federation_reconsider_share))
        options = options_for(candidates)
        if len(options.chooser) == 0:
            return None
        noise = levers.federation_choice_noise_gbp_per_year
        chooser = np.concatenate([candidates, options.chooser])
        score = np.concatenate(
            [
                noise * rng.gumbel(size=len(candidates)),
                options.utility + noise * rng.gumbel(size=len(options.chooser)),
            ]
        )
        option = np.concatenate(
            [np.full(len(candidates), STAY_ALONE), np.arange(len(options.chooser))]
        )
        order = np.lexsort((-score, compact_keys(chooser)))
        first = np.flatnonzero(np.diff(chooser[order], prepend=-1) != 0)
        best = dict(zip(chooser[order][first].tolist(), option[order][first].tolist(), strict=True))
        return FederationChoices(candidates, best, options)

    @classmethod
    def switch_federation(
        cls,
        members: np.ndarray,
        judged_gbp_per_year: np.ndarray,
        options_for: Callable[[np.ndarray], FederationOptions],
        autonomy_gbp_per_year: np.ndarray,
        paid_ratio: Mapping[int, float],
        levers: Levers,
        rng: np.random.Generator,
    ) -> dict[int, int]:
        """Members that switch to an adjacent federation: {practice: federation unique id}.

        A share ``federation_reconsider_share`` of members reconsider. Each judges joining a
        neighbour's federation that would admit it as it judges its own: by what that
        federation has paid its members, its formula share there times the federation's paid
        ratio (what its members' records add up to against their formula shares). It switches to
        the best such option when that beats what it judges its own federation worth to it by
        more than ``federation_switch_cost_gbp`` spread over five years. Nothing random but who
        reconsiders.

        Args:
            members: every federated practice.
            judged_gbp_per_year: what each judges its federation to be worth to it.
            options_for: the options open to the given candidates (joins only, for members).
            autonomy_gbp_per_year: each practice's autonomy cost (every practice).
            paid_ratio: each federation's paid ratio, by unique id (1 if none of its members
                has been paid yet).
            levers: levers in force.
            rng: the federations stream.
        """
        draws = rng.random(len(members))
        reconsider = draws < levers.federation_reconsider_share
        candidates = members[reconsider]
        options = options_for(candidates)
        if len(options.chooser) == 0:
            return {}
        # Candidates are ascending (so are members): each option's row among them.
        staying = judged_gbp_per_year[reconsider][np.searchsorted(candidates, options.chooser)]
        autonomy = autonomy_gbp_per_year[options.chooser]
        judged_option = (options.utility + autonomy) * lookup(paid_ratio, options.target, 1.0)
        hurdle = levers.federation_switch_cost_gbp / MERGER_PAYBACK_YEARS
        gain = judged_option - staying
        order = np.lexsort((-gain, compact_keys(options.chooser)))
        first = order[np.flatnonzero(np.diff(options.chooser[order], prepend=-1) != 0)]
        best = first[gain[first] > hurdle]
        return dict(zip(options.chooser[best].tolist(), options.target[best].tolist(), strict=True))

    @classmethod
    def choose_care_effort(
        cls,
        incentives: CareIncentives,
        levers: Levers,
    ) -> np.ndarray:
        """Care-management effort e in [0, 1] per practice: what maximises its own return.

        Per patient a year the practice weighs what it keeps of the hospital spend effort
        avoids and the outcome pay it earns against the cost of the effort:

            B(e) = r H g(e) + o min(A g(e), T) - (c - Q) e

        with g the return curve (:func:`gpfed.agents.patients.effort_achieved`), H the
        covered hospital spend full effort avoids, r the share of a saving the practice keeps
        (0 when someone else bears its patients' hospital costs), A the emergency admissions
        full effort avoids, T those the outcome target asks for, o the outcome pay per avoided
        admission that reaches the practice, c (``care_effort_cost_gbp_per_patient_per_year``)
        the cost of full effort and Q the QOF income the quality full effort brings would add.
        B is concave, so the optimum is where its slope is zero,
        taking the kink where the target is met into account. Nothing is random.

        Args:
            incentives: what each practice would gain from effort (see :class:`CareIncentives`).
            levers: levers in force.
        """
        beta = levers.care_effort_returns_curvature
        cost = levers.care_effort_cost_gbp_per_patient_per_year - incentives.qof_gbp_at_full
        hospital = incentives.kept_share * incentives.hospital_gbp_at_full
        outcome = incentives.outcome_gbp_per_admission * incentives.avoided_admissions_at_full
        below_target = _best_effort(hospital + outcome, cost, beta)
        beyond_target = _best_effort(hospital, cost, beta)
        # A target beyond what full effort avoids is never met (share above 1, inf included).
        with np.errstate(over="ignore"):
            share_for_target = np.divide(
                incentives.target_admissions,
                incentives.avoided_admissions_at_full,
                out=np.full_like(hospital, np.inf),
                where=incentives.avoided_admissions_at_full > 0,
            )
        target_met = _effort_for_share(share_for_target, beta)
        return np.where(
            below_target <= target_met, below_target, np.maximum(target_met, beyond_target)
        )

    @classmethod
    def choose_mergers(
        cls, options: MergerOptions, levers: Levers, rng: np.random.Generator
    ) -> list[tuple[int, int]]:
        """Neighbouring practices that merge by choice: (absorbed, absorber) pairs.

        A pair merges when both partnerships' pay for work per partner rises by more than
        ``merger_hurdle_share``. The pairs where the less keen side gains most go first (ties
        in random order); a practice merges at most once a year.

        Args:
            options: every neighbouring pair, with each side's gain (:func:`merger_options`).
            levers: levers in force.
            rng: the exits stream (the order of equal pairs).
        """
        keen = np.minimum(options.gain_absorbed, options.gain_absorber)
        return agreed_pairs(
            options.absorbed, options.absorber, keen, levers.merger_hurdle_share, rng
        )

    @classmethod
    def decide_exits(
        cls, failing_quarters: np.ndarray, terminated: np.ndarray, levers: Levers, rng
    ) -> np.ndarray:
        """Practices failing for ``exit_quarters`` (or terminated) leave, in random order."""
        leaving = (failing_quarters >= levers.exit_quarters) | terminated
        return rng.permutation(np.flatnonzero(leaving))

    @classmethod
    def choose_exit(
        cls,
        receivers: np.ndarray,
        receiver_lists: np.ndarray,
        merge_probability: float,
        rng: np.random.Generator,
    ) -> int | None:
        """Merge into a neighbour (chosen in proportion to its list), or hand back the contract.

        Args:
            receivers: the nearest open practices.
            receiver_lists: their lists.
            merge_probability: chance of merging rather than handing back.
            rng: the exits stream.

        Returns:
            The absorbing practice, or None for a hand-back.
        """
        if rng.random() < merge_probability:
            lists = receiver_lists.astype(float)
            return int(rng.choice(receivers, p=lists / lists.sum()))
        return None


def federation_options(
    state: PracticeState,
    candidates: np.ndarray,
    edges: tuple[np.ndarray, np.ndarray],
    membership: Membership,
    value: ValueFunction,
    levers: Levers,
    rng: np.random.Generator,
) -> FederationOptions:
    """Every federation option open to the candidates, from their same-area neighbours.

    A candidate may found a federation with an unfederated open neighbour who would accept (its
    share beats its autonomy cost), or join a neighbour's federation that would admit it (its
    marginal value is positive). A candidate already in a federation may only join another (a
    switch): its own federation and foundings are not options for it.

    Args:
        state: practice columns.
        candidates: the reconsidering practices.
        edges: same-area practice edges, both directions, as (source, target).
        membership: the federations now.
        value: coalition value v(S).
        levers: levers in force.
        rng: the federations stream (sampled Shapley values).
    """
    lists = state.list_size.astype(float)
    autonomy = state.autonomy_cost_gbp_per_year
    is_candidate = np.zeros(len(lists), dtype=bool)
    is_candidate[candidates] = True
    src, dst = edges
    own_federation, fid = state.federation[src], state.federation[dst]
    # A member may switch to a neighbour's federation; it neither founds nor joins its own.
    other = np.where(own_federation == NO_FEDERATION, True, fid != NO_FEDERATION)
    other &= (own_federation == NO_FEDERATION) | (fid != own_federation)
    keep = is_candidate[src] & state.is_open[dst] & other
    src, dst = src[keep], dst[keep]
    fid = state.federation[dst]

    lone = fid == NO_FEDERATION
    found_i, found_j = src[lone], dst[lone]
    # Each (chooser, federation) pair once, sorted by chooser then federation: as sorted keys.
    span = int(fid.max()) + 1 if len(fid) else 1
    pairs = np.unique(src[~lone] * span + fid[~lone])
    join_i, join_f = pairs // span, pairs % span
    ids = membership.ids
    g = np.searchsorted(ids, join_f)
    joined_list = membership.pooled_list[g] + lists[join_i]
    joined_size = membership.size[g] + 1
    admitted = value(joined_list, joined_size) > value(
        membership.pooled_list[g], membership.size[g]
    )

    chooser = np.concatenate([found_i, join_i])
    partner = np.concatenate([found_j, np.full(len(join_i), -1)])
    pooled = np.concatenate([lists[found_i] + lists[found_j], joined_list])
    size = np.concatenate([np.full(len(found_i), 2), joined_size])
    worth = value(pooled, size)
    rule = levers.federation_sharing_rule
    if rule == "shapley":
        own, partner_share = _shapley_options(
            state, chooser, partner, join_f, len(found_i), value, levers, rng
        )
    elif rule == "equal":
        own = partner_share = worth / size
    else:
        own = worth * lists[chooser] / pooled
        partner_share = worth * lists[np.maximum(partner, 0)] / pooled
    founds = np.arange(len(chooser)) < len(found_i)
    accepted = np.where(founds, partner_share > autonomy[np.maximum(partner, 0)], True)
    valid = accepted & np.concatenate([np.ones(len(found_i), dtype=bool), admitted])
    return FederationOptions(
        chooser=chooser[valid],
        founds=founds[valid],
        target=np.concatenate([found_j, join_f])[valid],
        utility=(own - autonomy[chooser])[valid],
        size=size[valid],
        pooled_list=pooled[valid],
    )


def _shapley_options(
    state: PracticeState,
    chooser: np.ndarray,
    partner: np.ndarray,
    join_federation: np.ndarray,
    n_found: int,
    value: ValueFunction,
    levers: Levers,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Shapley shares of the chooser and (for foundings) the partner in each option."""
    lists = state.list_size.astype(float)
    own, partner_share = np.zeros(len(chooser)), np.zeros(len(chooser))
    for k, i in enumerate(chooser.tolist()):
        if k < n_found:
            members = [int(partner[k])]
        else:
            members = state.members_of(int(join_federation[k - n_found]))
        shares = rule_shares(
            "shapley",
            lists[[*members, i]],
            value,
            levers.shapley_exact_max_members,
            levers.shapley_samples,
            rng,
        )
        own[k], partner_share[k] = shares[-1], shares[0]
    return own, partner_share


@dataclass(frozen=True)
class CareIncentives:
    """What care-management effort would earn each practice, per patient a year.

    Attributes:
        kept_share: share of a hospital saving on its covered patients the practice itself
            keeps: the holder's marginal retained share (risk-sharing terms) times the
            practice's share of its federation's money (its sharing rule); 0 when its patients'
            hospital care is paid by the commissioner or by a holder it is not part of.
        hospital_gbp_at_full: covered hospital spend per patient a year that full effort avoids.
        outcome_gbp_per_admission: outcome pay per avoided emergency admission that reaches the
            practice, £.
        avoided_admissions_at_full: covered emergency admissions per patient a year that full
            effort avoids.
        target_admissions: avoided admissions per patient a year that meet the outcome target
            (beyond it no more is paid).
        qof_gbp_at_full: QOF income per patient a year the quality full effort brings would add.
    """

    kept_share: np.ndarray
    hospital_gbp_at_full: np.ndarray
    outcome_gbp_per_admission: np.ndarray
    avoided_admissions_at_full: np.ndarray
    target_admissions: np.ndarray
    qof_gbp_at_full: np.ndarray

    @classmethod
    def gms(cls, qof_gbp_at_full: np.ndarray) -> CareIncentives:
        """Only QOF rewards effort: GMS with hospitals paid by the commissioner."""
        zeros = np.zeros_like(qof_gbp_at_full)
        return cls(zeros, zeros, zeros, zeros, zeros, qof_gbp_at_full)


def _best_effort(gain_at_full: np.ndarray, cost_at_full: np.ndarray, beta: float) -> np.ndarray:
    """Argmax over e in [0, 1] of gain g(e) - cost e, g(e) = (1 - exp(-beta e)) / (1 - exp(-beta)).

    The slope gain beta exp(-beta e) / (1 - exp(-beta)) equals the cost where
    e = ln(gain beta / (cost (1 - exp(-beta)))) / beta; effort that costs nothing net is full.
    """
    cost = np.broadcast_to(np.asarray(cost_at_full, dtype=float), gain_at_full.shape)
    ratio = np.divide(
        gain_at_full * beta,
        cost * -np.expm1(-beta),
        out=np.full(gain_at_full.shape, np.inf),
        where=cost > 0,
    )
    interior = np.log(ratio, out=np.full_like(ratio, -np.inf), where=ratio > 0) / beta
    return np.clip(interior, 0.0, 1.0)


def _effort_for_share(share: np.ndarray, beta: float) -> np.ndarray:
    """The effort e with g(e) = share (1 beyond a share of 1): the inverse of the return curve."""
    reachable = np.minimum(share, 1.0)
    effort = -np.log1p(reachable * np.expm1(-beta)) / beta
    return np.where(share >= 1.0, 1.0, effort)


@dataclass(frozen=True)
class MergerOptions:
    """Every open same-area neighbouring pair, and what merging would do for each side.

    Attributes:
        absorbed: the smaller practice of each pair (its row closes).
        absorber: the larger (it keeps its row, contract and federation).
        gain_absorbed: the rise in pay for work per partner of the absorbed side's partners,
            as a share of what they have now.
        gain_absorber: the same for the absorber's partners.
    """

    absorbed: np.ndarray
    absorber: np.ndarray
    gain_absorbed: np.ndarray
    gain_absorber: np.ndarray


MINIMUM_PAY_FLOOR_GBP = 1.0
"""Pay for work below which a partnership's gain from merging is measured from £1 a year."""
MERGER_PAYBACK_YEARS = 5
"""Years over which partners weigh a merger's one-off cost."""


def merger_options(
    state: PracticeState,
    edges: tuple[np.ndarray, np.ndarray],
    need_index: float,
    levers: Levers,
) -> MergerOptions:
    """What merging would do for each pair of open neighbours (MODEL-SPEC §B2).

    Pay for work per partner is a year's profit per partner over (1 + excess workload per GP).
    Merged, the pair pools income, partners, GPs and lists; its expenses are the two practices'
    at the merged partnership's size band (:func:`gpfed.world.costs.merged_expenses_gbp`) less
    ``merger_saving_gbp_per_patient_per_year`` on the pooled list, and it bears
    ``merger_cost_gbp`` once, weighed over :data:`MERGER_PAYBACK_YEARS`. A partnership whose
    pay is low or whose GPs are stretched gains from a neighbour with spare capacity or pay;
    the neighbour gains only if the saving covers what it takes on. Gains are shares of the
    pay the partners have now (at least a tenth of salaried pay, so a loss-making partnership is
    not infinitely keen).

    Args:
        state: practice columns (last quarter's income and expenses, GPs, lists).
        edges: same-area practice edges, both directions, as (source, target).
        need_index: need per patient relative to the start (workload per GP).
        levers: levers in force.
    """
    src, dst = edges
    keep = (src < dst) & state.is_open[src] & state.is_open[dst]
    src, dst = src[keep], dst[keep]
    larger = state.list_size[src] >= state.list_size[dst]
    absorber = np.where(larger, src, dst)
    absorbed = np.where(larger, dst, src)
    partners = np.maximum(state.partners, 1).astype(float)
    floor = max(0.1 * levers.salaried_gp_pay_gbp_per_year, MINIMUM_PAY_FLOOR_GBP)
    excess = workforce.excess_workload(state, need_index, levers)
    pay_now = np.maximum(state.profit_per_partner_gbp_per_year / (1.0 + excess), floor)
    pooled_list = state.list_size[absorbed] + state.list_size[absorber]
    merged_profit = (
        QUARTERS_PER_YEAR
        * (
            state.income_gbp[absorbed]
            + state.income_gbp[absorber]
            - merged_expenses_gbp(state, absorbed, absorber)
        )
        + levers.merger_saving_gbp_per_patient_per_year * pooled_list
        - levers.merger_cost_gbp / MERGER_PAYBACK_YEARS
    )
    merged_pay = (
        merged_profit
        / (partners[absorbed] + partners[absorber])
        / (1.0 + workforce.pooled_excess_workload(state, absorbed, absorber, need_index, levers))
    )
    return MergerOptions(
        absorbed=absorbed,
        absorber=absorber,
        gain_absorbed=merged_pay / pay_now[absorbed] - 1.0,
        gain_absorber=merged_pay / pay_now[absorber] - 1.0,
    )
