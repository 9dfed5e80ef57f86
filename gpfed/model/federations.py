"""Federation formation: the value of a coalition of practices and each quarter's choices.

The characteristic value of a federation S (MODEL-SPEC "Federations"), £ a year:

    v(S) = incentive(L_S) + scale reward(L_S) + out-of-hours margin(L_S) + bid value(L_S)
           + back-office saving s L_ref (L_S / L_ref)^beta
           + pooling rho L_S (1 - 1 / sqrt(|S|)) - coordination c (|S| / 10)^gamma

with L_S the pooled list and L_ref = 50,000; a lone practice has v = 0 (nothing to pool). Each
quarter members whose share stays below their autonomy cost leave, then a share of unfederated
practices reconsider: stay alone, found a federation with an unfederated neighbour, or join a
neighbour's federation, by a logit over each option's share net of the practice's autonomy cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from gpfed.agents.federation import NO_FEDERATION, Federation
from gpfed.model.demand import QUARTERS_PER_YEAR
from gpfed.model.ledger import ECONOMY, PENCE_PER_GBP
from gpfed.model.sharing import compact_keys, payout_weights, rule_shares, split_pence_by_group

if TYPE_CHECKING:
    from gpfed.model.model import GPFedModel

REFERENCE_LIST_PATIENTS = 50_000
REFERENCE_MEMBERS = 10
SCALE_REWARD_FULL_PATIENTS = 100_000


@dataclass(frozen=True)
class CoalitionValue:
    """v(S) from pooled list and member count, under the levers in force.

    Attributes:
        levers: parameter values in force.
        contract_margin: expected integrated-contract surplus, £ per patient a year, as a
            function of the pooled list (zero where no lots exist).
    """

    levers: SimpleNamespace
    contract_margin: Callable[[np.ndarray], np.ndarray]

    def __call__(self, pooled_list: np.ndarray, members: np.ndarray) -> np.ndarray:
        """Value of coalitions, £ a year (zero for coalitions of fewer than two)."""
        lv = self.levers
        pooled = np.asarray(pooled_list, dtype=float)
        n = np.asarray(members, dtype=float)
        value = (
            incentive_gbp_per_year(pooled, lv)
            + scale_reward_gbp_per_year(pooled, lv)
            + backoffice_saving_gbp_per_year(pooled, lv)
            + lv.risk_pooling_value_gbp_per_patient_per_year
            * pooled
            * (1.0 - 1.0 / np.sqrt(np.maximum(n, 1.0)))
            - coordination_cost_gbp_per_year(n, lv)
            + self.contract_margin(pooled) * pooled
        )
        if lv.ooh_to_federations:
            value = value + ooh_margin_gbp_per_year(pooled, lv)
        return np.where(n >= 2, value, 0.0)


def incentive_gbp_per_year(pooled_list: np.ndarray, levers: SimpleNamespace) -> np.ndarray:
    """Federation incentive of federations of at least the threshold list, £ a year."""
    return (
        levers.federation_incentive_gbp_per_patient_per_year
        * pooled_list
        * (pooled_list >= levers.federation_incentive_threshold_patients)
    )


def scale_reward_gbp_per_year(pooled_list: np.ndarray, levers: SimpleNamespace) -> np.ndarray:
    """Reward for scale, rising with the list up to 100,000 patients, £ a year."""
    return (
        levers.reward_for_scale_gbp_per_patient_per_year
        * pooled_list
        * np.minimum(pooled_list / SCALE_REWARD_FULL_PATIENTS, 1.0)
    )


def ooh_margin_gbp_per_year(pooled_list: np.ndarray, levers: SimpleNamespace) -> np.ndarray:
    """Out-of-hours payment less provision cost, £ a year.

    Provision per patient costs the payment at 50,000 patients and falls with scale like
    back-office costs.
    """
    scale = np.maximum(pooled_list, 1.0) / REFERENCE_LIST_PATIENTS
    cost_ratio = scale ** (levers.backoffice_saving_exponent - 1.0)
    return levers.ooh_gbp_per_patient_per_year * pooled_list * (1.0 - cost_ratio)


def backoffice_saving_gbp_per_year(pooled_list: np.ndarray, levers: SimpleNamespace) -> np.ndarray:
    """Pooled back-office saving of federations, £ a year."""
    scale = np.asarray(pooled_list, dtype=float) / REFERENCE_LIST_PATIENTS
    return (
        levers.backoffice_saving_gbp_per_patient_per_year
        * REFERENCE_LIST_PATIENTS
        * scale**levers.backoffice_saving_exponent
    )


def coordination_cost_gbp_per_year(members: np.ndarray, levers: SimpleNamespace) -> np.ndarray:
    """Governance and coordination cost of federations, £ a year."""
    return levers.coordination_cost_gbp_per_year * (
        np.asarray(members, dtype=float) / REFERENCE_MEMBERS
    ) ** (levers.coordination_cost_exponent)


def federation_round(model: GPFedModel) -> dict[str, int]:
    """One quarter of federation choices: departures, then joins and foundings.

    Returns:
        Counts of practices that ``left``, ``joined`` and ``founded`` this quarter.
    """
    left = _departures(model)
    joined, founded = _choices(model)
    return {"left": left, "joined": joined, "founded": founded}


@dataclass(frozen=True)
class Membership:
    """Every federation's members as flat arrays (federations in id order).

    Attributes:
        federations: the Federation agents.
        members: practice index of each membership.
        group: position in ``federations`` of each membership's federation.
        pooled_list: each federation's list (patients).
        size: each federation's number of members.
    """

    federations: list[Federation]
    members: np.ndarray
    group: np.ndarray
    pooled_list: np.ndarray
    size: np.ndarray

    @classmethod
    def of(cls, model: GPFedModel) -> Membership:
        """Read the current membership from the practices' federation column."""
        column = model.practice_state.federation
        members = np.flatnonzero(column != NO_FEDERATION)
        owner = column[members]
        order = np.argsort(compact_keys(owner), kind="stable")
        members, owner = members[order], owner[order]
        # The ids are sorted now: each federation starts where the id changes.
        previous = np.empty_like(owner)
        previous[:1], previous[1:] = NO_FEDERATION, owner[:-1]
        first = np.flatnonzero(owner != previous)
        ids = owner[first]
        size = np.diff(first, append=len(owner))
        group = np.repeat(np.arange(len(ids)), size)
        federations = list(map(model.federations.__getitem__, ids.tolist()))
        pooled, _ = pooled_lists(model)
        return cls(federations, members, group, pooled, size)

    def shares_gbp_per_year(self, model: GPFedModel) -> np.ndarray:
        """Each membership's share of its federation's value under the sharing rule."""
        rule = model.levers.federation_sharing_rule
        if rule == "shapley":
            if not self.federations:
                return np.zeros(0)
            return np.concatenate([f.member_shares_gbp_per_year() for f in self.federations])
        worth = model.federation_value(self.pooled_list, self.size)
        lists = model.practice_state.list_size[self.members].astype(float)
        if rule == "equal":
            return worth[self.group] / self.size[self.group]
        return worth[self.group] * lists / self.pooled_list[self.group]

    def payout_weights(self, model: GPFedModel, shares: np.ndarray) -> np.ndarray:
        """Weights by which each federation splits realised money among its members."""
        rule = model.levers.federation_sharing_rule
        lists = model.practice_state.list_size[self.members].astype(float)
        if rule != "shapley":
            return payout_weights(rule, shares, lists)
        weights = np.zeros(len(self.members))
        for g in range(len(self.federations)):
            rows = self.group == g
            weights[rows] = payout_weights(rule, shares[rows], lists[rows])
        return weights


def pooled_lists(model: GPFedModel) -> tuple[np.ndarray, np.ndarray]:
    """Each federation's pooled list and member count, federations in id order.

    Members' lists are added in practice order (:attr:`Membership.pooled_list` is this), without
    grouping the members.
    """
    state = model.practice_state
    members = np.flatnonzero(state.federation != NO_FEDERATION)
    owner = state.federation[members]
    size = np.bincount(owner)
    pooled = np.bincount(owner, weights=state.list_size[members].astype(float))
    present = size > 0
    return pooled[present], size[present]


def _departures(model: GPFedModel) -> int:
    """Members whose share stays below their autonomy cost for long enough leave."""
    state, levers = model.practice_state, model.levers
    membership = Membership.of(model)
    members = membership.members
    below = membership.shares_gbp_per_year(model) < state.autonomy_cost_gbp_per_year[members]
    state.below_share_quarters[members] = np.where(
        below, state.below_share_quarters[members] + 1, 0
    )
    leaving = np.flatnonzero(
        (state.federation != NO_FEDERATION)
        & (state.below_share_quarters >= levers.federation_leave_quarters)
    )
    count = 0
    for i in model.streams["federations"].permutation(leaving):
        federation = model.federations.get(int(state.federation[i]))
        if federation is not None:
            model.practice_agents[int(i)].leave_federation(federation)
            count += 1
    return count


def _choices(model: GPFedModel) -> tuple[int, int]:
    """Reconsidering unfederated practices pick an option by logit.

    Choices apply in random order and are checked again when applied (a partner may have
    moved meanwhile).
    """
    state, levers = model.practice_state, model.levers
    rng = model.streams["federations"]
    free = state.is_open & (state.federation == NO_FEDERATION)
    draws = rng.random(len(free))
    candidates = np.flatnonzero(free & (draws < levers.federation_reconsider_share))
    options = _options(model, candidates)
    if len(options.chooser) == 0:
        return 0, 0
    noise = levers.federation_choice_noise_gbp_per_year
    # Gumbel-max: the argmax of utility plus Gumbel noise is a draw from the logit choice,
    # with staying alone (utility 0) as one option of every candidate.
    chooser = np.concatenate([candidates, options.chooser])
    score = np.concatenate(
        [
            noise * rng.gumbel(size=len(candidates)),
            options.utility + noise * rng.gumbel(size=len(options.chooser)),
        ]
    )
    option = np.concatenate([np.full(len(candidates), -1), np.arange(len(options.chooser))])
    order = np.lexsort((-score, compact_keys(chooser)))
    first = np.flatnonzero(np.diff(chooser[order], prepend=-1) != 0)
    best = dict(zip(chooser[order][first].tolist(), option[order][first].tolist(), strict=True))
    joined = founded = 0
    targets, founds, sizes = options.target.tolist(), options.founds.tolist(), options.size.tolist()
    for i in rng.permutation(candidates).tolist():
        k = best[i]
        if k < 0 or state.federation[i] != NO_FEDERATION or not state.is_open[i]:
            continue
        target = targets[k]
        if founds[k]:
            if state.federation[target] == NO_FEDERATION and state.is_open[target]:
                Federation(model, [i, target])
                founded += 2
        else:
            federation = model.federations.get(target)
            # Admission was checked when the options were built; check again only if the
            # federation has changed since.
            unchanged = federation is not None and len(federation.members) == sizes[k] - 1
            if federation is not None and (unchanged or federation.admits(i)):
                federation.add(i)
                joined += 1
    return joined, founded


@dataclass(frozen=True)
class Options:
    """Federation options open to reconsidering practices, one row per option.

    Attributes:
        chooser: the practice choosing.
        founds: True to found a federation with ``target`` (an unfederated neighbour who would
            accept), False to join federation ``target`` (which would admit the practice).
        target: the partner practice, or the federation's unique id.
        utility: the chooser's share of the new coalition's value less its autonomy cost,
            £ a year.
        size: members of the coalition the option would make.
    """

    chooser: np.ndarray
    founds: np.ndarray
    target: np.ndarray
    utility: np.ndarray
    size: np.ndarray


def _options(model: GPFedModel, candidates: np.ndarray) -> Options:
    """Every option open to the candidates, from the same-area practice edges."""
    state, levers, value = model.practice_state, model.levers, model.federation_value
    lists = state.list_size.astype(float)
    autonomy = state.autonomy_cost_gbp_per_year
    is_candidate = np.zeros(len(lists), dtype=bool)
    is_candidate[candidates] = True
    src, dst = model.practice_edges
    keep = is_candidate[src] & state.is_open[dst]
    src, dst = src[keep], dst[keep]
    fid = state.federation[dst]

    lone = fid == NO_FEDERATION
    found_i, found_j = src[lone], dst[lone]
    # Each (chooser, federation) pair once, sorted by chooser then federation: as sorted keys.
    span = int(fid.max()) + 1 if len(fid) else 1
    pairs = np.unique(src[~lone] * span + fid[~lone])
    join_i, join_f = pairs // span, pairs % span
    membership = Membership.of(model)
    ids = np.array([f.unique_id for f in membership.federations], dtype=np.int64)
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
        own, partner_share = _shapley_options(model, chooser, partner, join_f, len(found_i))
    elif rule == "equal":
        own = partner_share = worth / size
    else:
        own = worth * lists[chooser] / pooled
        partner_share = worth * lists[np.maximum(partner, 0)] / pooled
    founds = np.arange(len(chooser)) < len(found_i)
    accepted = np.where(founds, partner_share > autonomy[np.maximum(partner, 0)], True)
    valid = accepted & np.concatenate([np.ones(len(found_i), dtype=bool), admitted])
    return Options(
        chooser=chooser[valid],
        founds=founds[valid],
        target=np.concatenate([found_j, join_f])[valid],
        utility=(own - autonomy[chooser])[valid],
        size=size[valid],
    )


def _shapley_options(
    model: GPFedModel,
    chooser: np.ndarray,
    partner: np.ndarray,
    join_federation: np.ndarray,
    n_found: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Shapley shares of the chooser and (for foundings) the partner in each option."""
    levers, lists = model.levers, model.practice_state.list_size.astype(float)
    own, partner_share = np.zeros(len(chooser)), np.zeros(len(chooser))
    for k, i in enumerate(chooser.tolist()):
        if k < n_found:
            members = [int(partner[k])]
        else:
            members = model.federations[int(join_federation[k - n_found])].members
        shares = rule_shares(
            "shapley",
            lists[[*members, i]],
            model.federation_value,
            levers.shapley_exact_max_members,
            levers.shapley_samples,
            model.streams["federations"],
        )
        own[k], partner_share[k] = shares[-1], shares[0]
    return own, partner_share


def settle_federations(model: GPFedModel, balances_before: dict[int, int]) -> None:
    """Federations' own money this quarter, then each shares its result with its members.

    Through the ledger: the commissioner pays the federation incentive, the reward for scale
    and (if federations hold it) out-of-hours; pooled back-office savings come back from the
    economy as lower costs; coordination and out-of-hours provision are paid to the economy.
    The quarter's result (these plus contract results and bid costs since
    ``balances_before``) then tops up reserves, is paid out as dividends, or is levied on
    members by the sharing rule. A federation that still cannot cover its losses hands back
    any contract it holds (the UnitingCare failure mode).
    """
    membership = Membership.of(model)
    if not membership.federations:
        return
    levers, ledger, accounts = model.levers, model.ledger, model.accounts
    feds = membership.federations
    account = np.array([f.account for f in feds])
    area = np.array([f.area for f in feds])
    commissioner = accounts.commissioner[area]
    pooled, size = membership.pooled_list, membership.size
    quarter = 1.0 / QUARTERS_PER_YEAR
    incentive = incentive_gbp_per_year(pooled, levers) * quarter
    reward = scale_reward_gbp_per_year(pooled, levers) * quarter
    ledger.pay(commissioner, account, incentive, "federation_incentive")
    ledger.pay(commissioner, account, reward, "reward_for_scale")
    spend = incentive + reward
    if levers.ooh_to_federations:
        payment = levers.ooh_gbp_per_patient_per_year * pooled * quarter
        ledger.pay(commissioner, account, payment, "ooh_payment")
        ledger.pay(
            account,
            ECONOMY,
            payment - ooh_margin_gbp_per_year(pooled, levers) * quarter,
            "ooh_costs",
        )
        spend = spend + payment
    areas = len(accounts.commissioner)
    model.commissioner_state.spend_gbp += np.bincount(area, weights=spend, minlength=areas)
    ledger.pay(
        ECONOMY,
        account,
        backoffice_saving_gbp_per_year(pooled, levers) * quarter,
        "backoffice_saving",
    )
    ledger.pay(
        account,
        ECONOMY,
        coordination_cost_gbp_per_year(size, levers) * quarter,
        "coordination_costs",
    )
    _share_results(model, membership, account, balances_before)
    # Ending a contract moves no money, so the balances can be read once.
    for k in np.flatnonzero(ledger.balance_pence[account] < 0).tolist():
        if feds[k].contract is not None:
            model.contracts.end(feds[k].contract, "handed_back")


def _share_results(
    model: GPFedModel, membership: Membership, account: np.ndarray, before: dict[int, int]
) -> None:
    """Retain, pay out or levy each federation's result by its sharing rule."""
    levers, ledger, state = model.levers, model.ledger, model.practice_state
    balance = ledger.balance_pence[account].copy()
    result = balance - np.array([before.get(f.unique_id, 0) for f in membership.federations])
    expenses = np.bincount(
        membership.group,
        weights=state.expenses_gbp[membership.members],
        minlength=len(account),
    )
    target = levers.federation_reserve_target_quarters * expenses * PENCE_PER_GBP
    # Keep the retained share of a surplus, but only what tops reserves up to the target.
    room = np.clip(target - (balance - result), 0, None)
    retained = np.where(
        result > 0, np.minimum(np.floor(levers.federation_retained_share * result), room), 0
    ).astype(np.int64)
    payout = np.clip(np.minimum(result - retained, balance), 0, None).astype(np.int64)
    shares = membership.shares_gbp_per_year(model)
    weights = membership.payout_weights(model, shares)
    member_accounts = model.accounts.practice[membership.members]
    dividends = split_pence_by_group(payout, weights, membership.group)
    ledger.pay(
        account[membership.group], member_accounts, dividends / PENCE_PER_GBP, "federation_dividend"
    )
    # Dividends and levies are practice income: they count towards profit per partner, so a
    # federation's results (and its pooling of losses) bear on whether members fail.
    np.add.at(state.income_gbp, membership.members, dividends / PENCE_PER_GBP)
    owed = np.clip(-balance, 0, None).astype(np.int64)
    if owed.any():
        asked = split_pence_by_group(owed, weights, membership.group)
        capacity = np.clip(ledger.balance_pence[member_accounts], 0, None)
        levied = np.minimum(asked, capacity) / PENCE_PER_GBP
        ledger.pay(member_accounts, account[membership.group], levied, "federation_levy")
        np.subtract.at(state.income_gbp, membership.members, levied)
