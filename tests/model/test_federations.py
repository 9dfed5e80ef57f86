"""Invariants of federations and integrated contracts, checked after every quarter.

Membership: one federation per practice, two or more open, connected members in one area.
Money: conserved every quarter; a commissioner pays only contracts it awarded, only while they
are in force; a federation pays out no more than its result and never more than it holds.
"""

from collections import Counter, defaultdict
from itertools import combinations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpfed import GPFedModel
from gpfed.agents.federation import Federation
from gpfed.institutions.contract_terms import Contract
from gpfed.world.ledger import TREASURY
from gpfed.world.units import NO_CONTRACT, NO_FEDERATION
from tests.model.test_conservation import assert_quarter_conserves, run_checking, snapshot

CONTRACT_PAYMENTS = ("integrated_contract", "paid_twice", "outcome_payment", "gms_in_contract")
FEDERATION_OWN_MONEY = (
    "federation_incentive",
    "reward_for_scale",
    "ooh_payment",
    "ooh_costs",
    "backoffice_saving",
    "coordination_costs",
)

# Churn: practices fail and close or merge, members leave after one bad quarter.
CHURN = {
    "exit_profit_threshold_share": 0.8,
    "exit_quarters": 2,
    "federation_leave_quarters": 1,
    "federation_autonomy_cost_sd": 1.5,
}

CASES = {
    "gms_incentive": {"federation_incentive_gbp_per_patient_per_year": 5.0},
    "optional_shapley": {
        "gp_contract_regime": "optional",
        "federation_sharing_rule": "shapley",
        "shapley_exact_max_members": 4,
        "federation_incentive_gbp_per_patient_per_year": 3.0,
    },
    "mandatory_equal_churn": {
        "gp_contract_regime": "mandatory",
        "federation_sharing_rule": "equal",
        "outside_entrants": True,
        "holder_cost_sd": 0.15,
        **CHURN,
    },
    "competitive_churn": {
        "gp_contract_regime": "competitive",
        "ooh_to_federations": True,
        "reward_for_scale_gbp_per_patient_per_year": 3.0,
        **CHURN,
    },
}
SCENARIOS = ["nhs_confederation", "kings_fund_2014", "trust_led_ico"]


def assert_membership_invariants(model: GPFedModel) -> None:
    state, book = model.practice_state, model.contracts
    federations = model.federations
    graph = model.world.graph
    # Federation agents registered with the model are exactly the live federations.
    assert set(model.agents_by_type.get(Federation, [])) == set(federations.values())
    seen: Counter = Counter()
    for fid, federation in federations.items():
        members = federation.members
        assert federation.unique_id == fid
        assert len(members) >= 2, f"federation {fid} has {len(members)} member(s)"
        assert members == sorted(set(members))
        seen.update(members)
        assert state.is_open[members].all(), f"federation {fid} has a closed member"
        assert (state.federation[members] == fid).all()
        assert (state.area[members] == federation.area).all(), f"federation {fid} spans areas"
        assert nx.is_connected(graph.subgraph(members)), f"federation {fid} is not connected"
    assert all(count == 1 for count in seen.values()), "a practice is in two federations"
    # state.federation says the same as the member lists.
    in_some = np.flatnonzero(state.federation != NO_FEDERATION)
    assert sorted(in_some.tolist()) == sorted(seen)
    closed = ~state.is_open
    assert (state.federation[closed] == NO_FEDERATION).all()
    assert (book.coverage[closed] == NO_CONTRACT).all()
    # Coverage points at contracts in force that list the practice.
    for i in np.flatnonzero(book.coverage != NO_CONTRACT):
        contract = book.contracts[int(book.coverage[i])]
        assert contract.status == "active"
        assert i in contract.practices
    for contract in book.active():
        if contract.federation is not None:
            assert contract.federation in federations
            assert model.federations[contract.federation].contract is contract
            assert contract.account == model.federations[contract.federation].account
        if contract.right_of_return:
            # An opt-in contract covers members of its federation only (right of return).
            covered = contract.practices[book.coverage[contract.practices] == contract.id]
            assert set(covered.tolist()) <= set(model.federations[contract.federation].members)


def run_with_invariants(model: GPFedModel, quarters: int) -> None:
    for _ in range(quarters):
        before = snapshot(model)
        model.step()
        assert_quarter_conserves(model, before)
        assert_membership_invariants(model)


@pytest.mark.parametrize("case", list(CASES))
def test_membership_and_conservation_invariants_by_regime(case):
    model = GPFedModel(rng=11, n_practices=150, agent_table_every=0, **CASES[case])
    run_with_invariants(model, 20)
    frame = model.to_frame()
    assert frame["federations"].max() > 0
    if model.levers.gp_contract_regime != "gms":
        assert frame["contract_awards"].sum() > 0


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_membership_and_conservation_invariants_in_scenarios(scenario):
    model = GPFedModel(scenario, rng=4, n_practices=150, agent_table_every=0)
    run_with_invariants(model, 20)


def test_churn_exercises_departures_wind_ups_and_closures():
    # The churn settings really move members: leavers, closures, federations wound up.
    # (Splits of a disconnected federation are tested directly below.)
    model = GPFedModel(
        rng=11, n_practices=150, agent_table_every=0, **CASES["mandatory_equal_churn"]
    )
    run_with_invariants(model, 20)
    frame = model.to_frame()
    assert frame["federation_leavers"].sum() > 0
    assert (frame["closures"] + frame["mergers"]).sum() > 0
    purposes = set(model.ledger.transfers_frame()["purpose"])
    assert "federation_wind_up" in purposes


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    regime=st.sampled_from(["gms", "optional", "mandatory", "competitive"]),
    sharing_rule=st.sampled_from(["list", "equal", "shapley"]),
    incentive=st.floats(0.0, 10.0),
    risk_sharing=st.sampled_from(["corridor", "shares"]),
    loss_share=st.floats(0.0, 1.0),
    holder_cost_sd=st.floats(0.0, 0.3),
    core_definition=st.floats(0.0, 1.0),
    merged=st.booleans(),
    entrants=st.booleans(),
    n_practices=st.integers(60, 150),
    exit_threshold=st.floats(0.3, 0.9),
    seed=st.integers(0, 2**32 - 1),
)
def test_conservation_and_membership_hold_for_random_policies(
    regime,
    sharing_rule,
    incentive,
    risk_sharing,
    loss_share,
    holder_cost_sd,
    core_definition,
    merged,
    entrants,
    n_practices,
    exit_threshold,
    seed,
):
    model = GPFedModel(
        rng=seed,
        n_practices=n_practices,
        gp_contract_regime=regime,
        federation_sharing_rule=sharing_rule,
        shapley_exact_max_members=5,
        shapley_samples=50,
        federation_incentive_gbp_per_patient_per_year=incentive,
        risk_sharing=risk_sharing,
        provider_loss_share=loss_share,
        loss_share_glide_quarters=2,
        holder_cost_sd=holder_cost_sd,
        core_definition=core_definition,
        gms_merged_into_contract=merged,
        outside_entrants=entrants,
        exit_profit_threshold_share=exit_threshold,
        exit_quarters=2,
        bidder_min_population=10_000,
        agent_table_every=0,
    )
    run_with_invariants(model, 12)


def test_run_checking_holds_with_contracts_and_federations_on():
    model = GPFedModel("competitive_commissioning", rng=2, n_practices=120, agent_table_every=0)
    run_checking(model, 16)
    assert model.to_frame()["contracts_active"].max() > 0


# --- a commissioner pays only contracts it awarded, only while they are in force -------------


def run_recording_contracts(model: GPFedModel, quarters: int) -> dict[int, set[int]]:
    """Step, and return for each ledger step the contracts that could pay in it.

    Those are the ones in force before the step and the ones awarded during it.
    """
    eligible: dict[int, set[int]] = {}
    for _ in range(quarters):
        book = model.contracts
        active_before = {c.id for c in book.active()}
        known_before = set(book.contracts)
        step = model.quarters_simulated + 1  # the ledger step of the coming quarter
        model.step()
        eligible[step] = active_before | (set(model.contracts.contracts) - known_before)
    return eligible


def contract_payments(model: GPFedModel):
    transfers = model.ledger.transfers_frame()
    return transfers[transfers["purpose"].isin(CONTRACT_PAYMENTS)]


def assert_commissioners_pay_only_awarded_contracts(
    model: GPFedModel, eligible: dict[int, set[int]]
) -> None:
    book, accounts = model.contracts, model.accounts
    paid = contract_payments(model)
    assert (paid["payer_type"] == "commissioner").all()
    counts = paid.groupby(["step", "payer", "payee", "purpose"]).size()
    for (step, payer, payee, purpose), n in counts.items():
        matching = [
            c
            for c in (book.contracts[i] for i in eligible[step])
            if accounts.commissioner[c.area] == payer and c.account == payee
        ]
        assert n <= len(matching), (
            f"step {step}: {n} {purpose} payment(s) from account {payer} to {payee}, "
            f"but {len(matching)} contract(s) of that commissioner and holder in force"
        )


@pytest.mark.parametrize(
    "levers",
    [
        {"gp_contract_regime": "mandatory", "outside_entrants": True, "holder_cost_sd": 0.15},
        {"gp_contract_regime": "competitive", "termination_notices": 2},
        {"gp_contract_regime": "optional", "gms_merged_into_contract": True},
    ],
)
def test_commissioner_pays_only_contracts_it_awarded_while_in_force(levers):
    model = GPFedModel(
        rng=5,
        n_practices=150,
        federation_incentive_gbp_per_patient_per_year=3.0,
        agent_table_every=0,
        **levers,
    )
    eligible = run_recording_contracts(model, 20)
    assert len(contract_payments(model)) > 0
    ended = [c for c in model.contracts.contracts.values() if c.status != "active"]
    if levers["gp_contract_regime"] != "optional":
        assert ended, "the case should exercise contracts that end"
    assert_commissioners_pay_only_awarded_contracts(model, eligible)


def test_contract_ended_by_the_commissioner_stops_paying_at_once():
    model = GPFedModel(
        rng=5,
        n_practices=150,
        gp_contract_regime="mandatory",
        federation_incentive_gbp_per_patient_per_year=3.0,
        tender_every_quarters=4,
        agent_table_every=0,
    )
    model.run(6)  # the next quarter (6) has no tender
    holders = Counter(c.account for c in model.contracts.contracts.values())
    sole = [c for c in model.contracts.active() if holders[c.account] == 1]
    assert sole, "need a contract whose holder holds no other"
    contract = sole[0]
    ended_at = model.quarters_simulated + 1  # the ledger step of the next quarter
    model.contracts.end(contract, "terminated")
    assert (model.contracts.coverage != contract.id).all()
    # Quarters 6 and 7 hold no tender, so the holder cannot win a new contract meanwhile.
    model.run(2)
    paid = contract_payments(model)
    after = paid[(paid["step"] >= ended_at) & (paid["payee"] == contract.account)]
    assert after.empty, after
    before = paid[(paid["step"] < ended_at) & (paid["payee"] == contract.account)]
    assert not before.empty


def test_forced_terminations_stop_payments_and_are_counted():
    # A contract gets a notice for any quarter short of full achievement, and is terminated
    # on its first notice.
    model = GPFedModel(
        rng=8,
        n_practices=150,
        gp_contract_regime="mandatory",
        outside_entrants=True,
        termination_notices=1,
        remedial_threshold=1.0,
        federation_incentive_gbp_per_patient_per_year=3.0,
        procurements_at_once=50,
        procurement_quarters=1,
        agent_table_every=0,
    )
    eligible = run_recording_contracts(model, 12)
    contracts = list(model.contracts.contracts.values())
    terminated = [c for c in contracts if c.status == "terminated"]
    assert len(terminated) >= 3
    frame = model.to_frame()
    assert frame["contract_terminations"].sum() == len(terminated)
    assert frame["contract_awards"].sum() == len(contracts)
    # Terminated in the first quarter it fell short; the ones still in force never did.
    for contract in terminated:
        assert contract.achievements[-1] < 1.0
        assert all(a == 1.0 for a in contract.achievements[:-1])
    for contract in model.contracts.active():
        assert all(a == 1.0 for a in contract.achievements)
    # A terminated contract was paid in the quarters it was in force, and never after.
    holders = Counter(c.account for c in contracts)
    paid = contract_payments(model)
    checked = 0
    for contract in terminated:
        if holders[contract.account] != 1:
            continue
        steps = set(paid.loc[paid["payee"] == contract.account, "step"])
        first = contract.start  # the ledger step of the quarter it was awarded
        assert steps == set(range(first, first + contract.quarters_held)), (contract.id, steps)
        checked += 1
    assert checked > 0
    assert_commissioners_pay_only_awarded_contracts(model, eligible)


# --- federations share their results through the ledger ---------------------------------------


def record_federation_settlements(monkeypatch) -> list[dict]:
    """Spy on the federation money stage: membership, lists and balances at each call."""
    calls: list[dict] = []
    original = GPFedModel._stage_federation_money

    def spy(model):
        balances_before = model._federation_balances
        state = model.practice_state
        calls.append(
            {
                "step": model.ledger.step,
                "before": dict(balances_before),
                "federations": {
                    fid: {
                        "account": f.account,
                        "members": list(f.members),
                        "lists": state.list_size[f.members].astype(float).copy(),
                        "balance": int(model.ledger.balance_pence[f.account]),
                    }
                    for fid, f in model.federations.items()
                },
            }
        )
        return original(model)

    monkeypatch.setattr(GPFedModel, "_stage_federation_money", spy)
    return calls


@pytest.mark.parametrize(
    ("rule", "retained"),
    [("list", 0.0), ("equal", 0.0), ("shapley", 0.0), ("list", 0.3)],
)
def test_federation_dividends_pay_out_the_result_and_never_more_than_held(
    monkeypatch, rule, retained
):
    calls = record_federation_settlements(monkeypatch)
    model = GPFedModel(
        rng=3,
        n_practices=150,
        federation_incentive_gbp_per_patient_per_year=6.0,
        reward_for_scale_gbp_per_patient_per_year=2.0,
        federation_sharing_rule=rule,
        federation_retained_share=retained,
        gp_contract_regime="optional",
        agent_table_every=0,
    )
    model.run(16)
    transfers = model.ledger.transfers_frame()
    practice_account = model.accounts.practice
    checked_positive = 0
    for call in calls:
        rows = transfers[transfers["step"] == call["step"]]
        own = rows[rows["purpose"].isin(FEDERATION_OWN_MONEY)]
        dividends = rows[rows["purpose"] == "federation_dividend"]
        by_payer = dividends.groupby("payer")
        paying = set(dividends["payer"])
        accounts = {f["account"] for f in call["federations"].values()}
        assert paying <= accounts, "a dividend came from an account that is not a federation's"
        for fid, fed in call["federations"].items():
            account = fed["account"]
            inflow = own.loc[own["payee"] == account, "amount_pence"].sum()
            outflow = own.loc[own["payer"] == account, "amount_pence"].sum()
            held = fed["balance"] + int(inflow) - int(outflow)  # just before dividends
            result = held - call["before"].get(fid, 0)
            paid = by_payer.get_group(account) if account in paying else dividends.iloc[:0]
            total = int(paid["amount_pence"].sum())
            assert total <= max(held, 0), (fid, total, held)
            assert total <= max(result, 0), (fid, total, result)
            # Dividends go to the federation's own members only.
            members = set(practice_account[fed["members"]].tolist())
            assert set(paid["payee"]) <= members
            if retained == 0.0:
                # Nothing kept: the whole positive result is paid out (if it is held).
                assert total == max(min(result, held), 0), (fid, total, result, held)
            if total > 0:
                checked_positive += 1
                if rule == "list":
                    # Each member's dividend is its list share, to within a penny.
                    got = dict(zip(paid["payee"], paid["amount_pence"], strict=True))
                    lists = fed["lists"]
                    expected = total * lists / lists.sum()
                    got_arr = np.array([got.get(a, 0) for a in practice_account[fed["members"]]])
                    assert np.all(np.abs(got_arr - expected) <= 1), (fid, got_arr, expected)
                elif rule == "equal":
                    got_arr = paid["amount_pence"].to_numpy()
                    assert len(got_arr) == len(fed["members"])
                    assert got_arr.max() - got_arr.min() <= 1
    assert checked_positive > 10, "the case should pay dividends"


def test_federation_levies_only_take_from_members_what_they_hold():
    model = GPFedModel(
        rng=6,
        n_practices=150,
        gp_contract_regime="optional",
        risk_sharing="shares",
        loss_share_glide_quarters=0,
        provider_loss_share=1.0,
        stop_loss_share_of_budget=1.0,
        holder_cost_sd=0.2,
        federation_incentive_gbp_per_patient_per_year=3.0,
        agent_table_every=0,
    )
    balances_before: dict[int, np.ndarray] = {}
    for _ in range(16):
        balances_before[model.quarters_simulated + 1] = model.ledger.balance_pence.copy()
        model.step()
    transfers = model.ledger.transfers_frame()
    levies = transfers[transfers["purpose"] == "federation_levy"]
    assert (levies["payer_type"] == "practice").all()
    assert (levies["payee_type"] == "federation").all()
    # A levy never exceeds the positive balance the member held just before it.
    totals = defaultdict(int)
    for (step, payer), amount in levies.groupby(["step", "payer"])["amount_pence"].sum().items():
        totals[(step, payer)] = int(amount)
    for (step, payer), amount in totals.items():
        rows = transfers[(transfers["step"] == step)]
        levy_index = rows.index[(rows["purpose"] == "federation_levy") & (rows["payer"] == payer)]
        earlier = rows.loc[: levy_index[0] - 1]
        start = balances_before[step][payer]
        held = (
            start
            + earlier.loc[earlier["payee"] == payer, "amount_pence"].sum()
            - earlier.loc[earlier["payer"] == payer, "amount_pence"].sum()
        )
        assert amount <= max(held, 0), (step, payer, amount, held)


# --- a departure that disconnects a federation splits it ----------------------------------


def star_with_arms(model: GPFedModel, arms: int) -> tuple[int, list[list[int]]]:
    """A practice with ``arms`` arms of two practices each, in one area, arms not touching.

    Removing the centre leaves exactly ``arms`` connected parts of two practices.
    """
    graph, area = model.world.graph, model.practice_state.area
    neighbours = model.practice_neighbours

    def same_area(i, j):
        return area[i] == area[j]

    for centre in range(len(neighbours)):
        firsts = [int(j) for j in neighbours[centre] if same_area(centre, j)]
        for combo in combinations(firsts, arms):
            chosen: list[list[int]] = []
            used = {centre, *combo}
            for first in combo:
                second = next(
                    (
                        int(k)
                        for k in neighbours[first]
                        if same_area(centre, k)
                        and int(k) not in used
                        and not any(graph.has_edge(int(k), x) for arm in chosen for x in arm)
                        and not any(graph.has_edge(int(k), x) for x in combo if x != first)
                    ),
                    None,
                )
                if second is None:
                    break
                chosen.append([first, second])
                used.add(second)
            else:
                parts = [set(arm) for arm in chosen]
                if all(
                    not graph.has_edge(x, y)
                    for a in range(arms)
                    for b in range(a + 1, arms)
                    for x in parts[a]
                    for y in parts[b]
                ):
                    return centre, [sorted(arm) for arm in chosen]
    raise AssertionError("no such star in this world")


def federation_of_star(model: GPFedModel, arms: int, reserves_gbp: float):
    centre, parts = star_with_arms(model, arms)
    members = [centre, *(i for part in parts for i in part)]
    federation = Federation(model, members)
    model.ledger.pay(TREASURY, federation.account, reserves_gbp, "test_reserves")
    return centre, parts, federation


@pytest.mark.parametrize(("arms", "reserves_gbp"), [(2, 50_000.0), (3, 90_000.0)])
def test_departure_that_disconnects_a_federation_splits_it_by_list(arms, reserves_gbp):
    model = GPFedModel(rng=0, n_practices=200, agent_table_every=0)
    centre, parts, federation = federation_of_star(model, arms, reserves_gbp)
    lists = model.practice_state.list_size
    model.contracts.return_to_gms(centre, federation.unique_id)
    federation.release(centre)

    assert model.practice_state.federation[centre] == NO_FEDERATION
    assert sorted(f.members for f in model.federations.values()) == sorted(parts)
    assert_membership_invariants(model)
    assert model.ledger.total_pence() == 0
    # The largest part keeps the federation (and its account); each other part gets its list
    # share of the reserves held before the split.
    keep = max(parts, key=lambda p: (lists[p].sum(), -p[0]))
    assert federation.members == keep
    reserves = {tuple(f.members): f.reserves_gbp for f in model.federations.values()}
    assert sum(reserves.values()) == pytest.approx(reserves_gbp, abs=0.01)
    total_list = sum(lists[p].sum() for p in parts)
    for part in parts:
        assert reserves[tuple(part)] == pytest.approx(
            reserves_gbp * lists[part].sum() / total_list, abs=0.05
        )


def test_federation_left_with_one_member_dissolves_and_hands_back_its_contract():
    model = GPFedModel(rng=0, n_practices=200, agent_table_every=0, gp_contract_regime="optional")
    neighbours, state, book = model.practice_neighbours, model.practice_state, model.contracts
    a = 0
    b = int(next(j for j in neighbours[a] if state.area[j] == state.area[a]))
    federation = Federation(model, [a, b])
    model.ledger.pay(TREASURY, federation.account, 1_234.56, "test_reserves")
    contract = Contract(
        id=len(book.contracts),
        kind="population",
        area=federation.area,
        practices=np.array([a, b]),
        holder="federation",
        account=federation.account,
        federation=federation.unique_id,
        trust=None,
        price_gbp_per_head_per_quarter=100.0,
        baseline_gbp_per_head_per_quarter=102.0,
        expected_emergency_per_head_per_quarter=0.02,
        quality=0.5,
        capacity=0.3,
        start=0,
        end=20,
        merged_gms=False,
        right_of_return=True,
    )
    book.add(contract)
    assert federation.contract is contract and (book.coverage[[a, b]] == contract.id).all()
    before_b = model.ledger.balance_pence[model.accounts.practice[b]]

    model.contracts.return_to_gms(a, federation.unique_id)
    federation.release(a)

    assert model.federations == {}
    assert (state.federation == NO_FEDERATION).all()
    assert federation not in model.agents_by_type.get(Federation, [])
    # Right of return: the contract is handed back and both practices are on GMS again.
    assert contract.status == "handed_back"
    assert (book.coverage == NO_CONTRACT).all()
    # The remaining member takes the reserves.
    assert model.ledger.balance_pence[federation.account] == 0
    assert model.ledger.balance_pence[model.accounts.practice[b]] - before_b == 123_456
    assert model.ledger.total_pence() == 0


# --- regressions found while writing these tests ----------------------------------------------


def test_a_commissioner_area_whose_practices_all_closed_keeps_running():
    model = GPFedModel(rng=1, n_practices=40, n_commissioners=2, agent_table_every=0)
    state = model.practice_state
    for i in np.flatnonzero(state.area == 0):
        model.exit_practice(int(i), 0.0, model.streams["exits"])
    assert not state.is_open[state.area == 0].any() and state.is_open.any()
    run_checking(model, 4)  # the fourth quarter pays the yearly quality premium
