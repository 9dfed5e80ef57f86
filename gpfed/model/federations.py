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
from gpfed.model.sharing import payout_weights, rule_shares, split_pence_by_group

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
        scale = pooled / REFERENCE_LIST_PATIENTS
        value = (
            lv.federation_incentive_gbp_per_patient_per_year
            * pooled
            * (pooled >= lv.federation_incentive_threshold_patients)
            + lv.reward_for_scale_gbp_per_patient_per_year
            * pooled
            * np.minimum(pooled / SCALE_REWARD_FULL_PATIENTS, 1.0)
            + lv.backoffice_saving_gbp_per_patient_per_year
            * REFERENCE_LIST_PATIENTS
            * scale**lv.backoffice_saving_exponent
            + lv.risk_pooling_value_gbp_per_patient_per_year
            * pooled
            * (1.0 - 1.0 / np.sqrt(np.maximum(n, 1.0)))
            - lv.coordination_cost_gbp_per_year
            * (n / REFERENCE_MEMBERS) ** lv.coordination_cost_exponent
            + self.contract_margin(pooled) * pooled
        )
        if lv.ooh_to_federations:
            value = value + ooh_margin_gbp_per_year(pooled, lv)
        return np.where(n >= 2, value, 0.0)


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
        """Read the current membership."""
        federations = sorted(model.federations.values(), key=lambda f: f.unique_id)
        members = np.array([i for f in federations for i in f.members], dtype=np.int64)
        size = np.array([f.n_members for f in federations], dtype=np.int64)
        group = np.repeat(np.arange(len(federations)), size)
        lists = model.practice_state.list_size[members].astype(float)
        pooled = np.bincount(group, weights=lists, minlength=len(federations))
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
    if not options:
        return 0, 0
    chooser = np.array([o[0] for o in options])
    utility = np.array([o[3] for o in options])
    noise = levers.federation_choice_noise_gbp_per_year
    # Gumbel-max: the argmax of utility plus Gumbel noise is a draw from the logit choice.
    score = utility + noise * rng.gumbel(size=len(options))
    stay = noise * rng.gumbel(size=len(candidates))
    best: dict[int, tuple[float, int]] = {
        int(i): (float(s), -1) for i, s in zip(candidates, stay, strict=True)
    }
    for k in range(len(options)):
        i = int(chooser[k])
        if score[k] > best[i][0]:
            best[i] = (float(score[k]), k)
    joined = founded = 0
    for i in rng.permutation(candidates):
        k = best[int(i)][1]
        if k < 0 or state.federation[i] != NO_FEDERATION or not state.is_open[i]:
            continue
        _, kind, target, _ = options[k]
        if kind == "found":
            if state.federation[target] == NO_FEDERATION and state.is_open[target]:
                Federation(model, [int(i), int(target)])
                founded += 2
        else:
            federation = model.federations.get(target)
            if federation is not None and federation.admits(int(i)):
                federation.add(int(i))
                joined += 1
    return joined, founded


def _options(model: GPFedModel, candidates: np.ndarray) -> list[tuple[int, str, int, float]]:
    """Every (practice, kind, target, utility) option open to the candidates.

    ``kind`` is "found" (target: an unfederated neighbour who would accept) or "join"
    (target: a neighbouring federation that would admit the practice). Utility is the
    practice's share of the new coalition's value less its autonomy cost, £ a year.
    """
    state, levers, value = model.practice_state, model.levers, model.federation_value
    lists = state.list_size.astype(float)
    autonomy = state.autonomy_cost_gbp_per_year
    rule = levers.federation_sharing_rule
    federations = model.federations
    raw: list[tuple[int, str, int]] = []
    pooled: list[float] = []
    counts: list[int] = []
    base: list[float] = []
    for i in candidates:
        seen: set[int] = set()
        for j in model.practice_neighbours[i]:
            if not state.is_open[j] or state.area[j] != state.area[i]:
                continue
            fid = int(state.federation[j])
            if fid == NO_FEDERATION:
                raw.append((int(i), "found", int(j)))
                pooled.append(lists[i] + lists[j])
                counts.append(2)
                base.append(0.0)
            elif fid not in seen:
                seen.add(fid)
                federation = federations[fid]
                size = float(federation.list_size)
                raw.append((int(i), "join", fid))
                pooled.append(size + lists[i])
                counts.append(federation.n_members + 1)
                base.append(float(value(np.array([size]), np.array([federation.n_members]))[0]))
    if not raw:
        return []
    pooled_arr, counts_arr = np.array(pooled), np.array(counts)
    worth = value(pooled_arr, counts_arr)
    out = []
    for k, (i, kind, target) in enumerate(raw):
        if kind == "join" and worth[k] <= base[k]:
            continue
        if rule == "shapley":
            members = [target] if kind == "found" else federations[target].members
            shares = rule_shares(
                rule,
                lists[[*members, i]],
                value,
                levers.shapley_exact_max_members,
                levers.shapley_samples,
                model.streams["federations"],
            )
            own, partner = shares[-1], shares[0]
        elif rule == "equal":
            own = partner = worth[k] / counts_arr[k]
        else:
            own = worth[k] * lists[i] / pooled_arr[k]
            partner = worth[k] * lists[target] / pooled_arr[k] if kind == "found" else 0.0
        if kind == "found" and partner <= autonomy[target]:
            continue
        out.append((i, kind, target, float(own - autonomy[i])))
    return out


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
    commissioner = accounts.commissioner[np.array([f.area for f in feds])]
    pooled, size = membership.pooled_list, membership.size
    quarter = 1.0 / QUARTERS_PER_YEAR
    incentive = (
        levers.federation_incentive_gbp_per_patient_per_year
        * pooled
        * (pooled >= levers.federation_incentive_threshold_patients)
        * quarter
    )
    reward = (
        levers.reward_for_scale_gbp_per_patient_per_year
        * pooled
        * np.minimum(pooled / SCALE_REWARD_FULL_PATIENTS, 1.0)
        * quarter
    )
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
    model.commissioner_state.spend_gbp += np.bincount(
        np.array([f.area for f in feds]), weights=spend, minlength=areas
    )
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
    for federation in feds:
        if federation.contract is not None and ledger.balance_pence[federation.account] < 0:
            model.contracts.end(federation.contract, "handed_back")


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
    retained = np.where(result > 0, np.floor(levers.federation_retained_share * result), 0)
    retained = np.where(balance - result + retained >= target, 0, retained).astype(np.int64)
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
