"""Every invariant of the model, checked after every quarter of random valid runs.

Parameter sets are drawn from the spec itself (:data:`gpfed.parameters.SPEC`: each entry's range
or choices, and whether it may be scheduled), never from hand-copied ranges. Each example is a
world from the smallest the spec allows (10 practices, one commissioner, one trust) to a region
of about 120 practices, every regime of the GP contract, hospital payment, federation sharing and
risk sharing, a handful of other parameters anywhere in their ranges, some extremes (no money,
every practice failing, no or a flood of GPs, nobody or everybody leaving, need shrinking or
surging) and a lever that changes mid-run. The model is stepped quarter by quarter and every
invariant is checked after each quarter (:func:`check_quarter`):

- money is conserved to the penny, and each account's balance changes by exactly the payments
  recorded for it this quarter;
- patients are conserved; no list is negative; closed practices hold no patients, money, GPs,
  posts, federation or contract;
- GP headcounts are not negative, senior partners are partners, vacancies are not negative,
  effort and quality are between 0 and 1;
- federations have two or more open members in one area, connected on the practice graph;
- contract money goes only from a contract's commissioner to the holder of a contract in force;
- every model series is finite and within :func:`gpfed.outputs.series_range`.

The default test runs 40 examples, so the fast suite stays fast; the slow one 500. The bugs they
found are kept at the end as regression tests, each with the smallest case that showed it; two
that need numerically absurd inputs (which the strategy does not draw) are still strict xfails.
"""

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from gpfed import GPFedModel
from gpfed.outputs import FLOWS, METRICS, series_range
from gpfed.parameters import SPEC, Parameter, ParameterError, Params
from gpfed.world.units import NO_CONTRACT, NO_FEDERATION
from tests.model.test_conservation import assert_quarter_conserves, snapshot

QUARTERS = 20
"""Quarters each example runs (five years)."""

WORLD = ("n_practices", "n_commissioners", "n_area_teams", "n_trusts", "trusts_per_practice")
"""World sizes: drawn together (:func:`worlds`), as the consistency rules tie them."""
RUN = ("preset", "horizon_quarters", "agent_table_every")
"""How a run is set up and recorded, not what happens in it: fixed (sizes are explicit, the
horizon is the quarters run, no agent tables)."""
REGIMES = ("gp_contract_regime", "hospital_payment", "federation_sharing_rule", "risk_sharing")
"""Drawn in every example, over all their choices."""
OTHERS = tuple(name for name in SPEC if name not in WORLD + RUN + REGIMES)
"""Parameters a few of which each example draws anywhere in their range."""
SCHEDULABLE = tuple(name for name, p in SPEC.items() if p.schedulable)

LARGEST_WORLD = 120
"""Practices in the largest world drawn (the spec allows 20,000: too slow for 500 examples)."""
RUNTIME_CAPS = {"shapley_exact_max_members": 8, "shapley_samples": 300}
"""Upper bounds below the spec's for the two parameters whose cost grows fastest (an exact
Shapley value over 16 members sums 2**16 coalitions per member)."""

GRID = 6
"""Floats are drawn to this many decimal places of their range (:func:`values_of`)."""

CONTRACT_MONEY = ("integrated_contract", "paid_twice", "gms_in_contract", "outcome_payment")
"""Purposes of the money a commissioner pays a contract's holder."""
LEAVING = (
    "gp_leaving_under_55_per_year",
    "gp_leaving_55_59_per_year",
    "gp_leaving_60_plus_per_year",
)
PRICES = ("emergency_tariff_gbp", "elective_tariff_gbp")
BUDGETS = tuple(
    name
    for name, p in SPEC.items()
    if "£" in p.unit
    and p.group in ("gp contract", "hospital payment", "integrated care")
    and name not in PRICES
)
"""Every amount of money policy puts into the system (allocations, GMS, contract budgets,
premiums), the hospital tariffs (prices) apart."""


def at(end: str, *names: str) -> dict:
    """Each parameter at its spec's ``"low"`` or ``"high"`` end."""
    return {name: getattr(SPEC[name], end) for name in names}


EXTREMES = {
    "zero budgets": at("low", *BUDGETS),
    "zero allocation": at("low", "commissioner_allocation_gbp_per_head_per_year"),
    "free hospital care": at("low", *PRICES),
    "every practice failing": at("high", "exit_profit_threshold_share")
    | at("low", "exit_quarters"),
    "no GP supply": at("low", "gp_entrants_per_1000_gps_per_year"),
    "huge GP supply": at(
        "high", "gp_entrants_per_1000_gps_per_year", "gp_vacancy_fill_per_quarter"
    ),
    "nobody leaves": at(
        "low", *LEAVING, "partner_quit_pay_per_year", "partner_quit_workload_per_year"
    ),
    "everybody leaves": at("high", *LEAVING),
    "need shrinks": at("low", "need_growth_per_year", "registered_population_growth_per_year"),
    "need surges": at("high", "need_growth_per_year", "registered_population_growth_per_year"),
}


# --- the strategy -------------------------------------------------------------------------------


def values_of(parameter: Parameter) -> st.SearchStrategy:
    """Any value the spec allows for ``parameter`` (below :data:`RUNTIME_CAPS` where capped).

    Numbers are on a grid of :data:`GRID` of the range, ends included: a value a millionth of
    the range from an end (a tariff of 1e-300 £, a subnormal SD) is numerical noise, not a
    parameter choice. (The grid keeps out two bugs such values found; they are kept below as
    xfail tests.)
    """
    if parameter.choices:
        return st.sampled_from(parameter.choices)
    if parameter.kind is bool:
        return st.booleans()
    low = parameter.low
    high = min(parameter.high, RUNTIME_CAPS.get(parameter.name, parameter.high))
    if parameter.kind is int:
        return st.integers(int(low), int(high))
    span = high - low
    return st.floats(low, high).map(lambda x: min(high, low + round((x - low) / span, GRID) * span))


@st.composite
def worlds(draw) -> dict:
    """World sizes from the smallest the spec allows to :data:`LARGEST_WORLD` practices.

    The spec's smallest world has 10 practices (``n_practices`` low); a tiny world has one
    commissioner, one area team and one trust.
    """
    smallest = int(SPEC["n_practices"].low)
    kind = draw(st.sampled_from(["tiny", "small", "region"]))
    if kind == "tiny":
        n = draw(st.integers(smallest, smallest + 2))
        return {
            "n_practices": n,
            "n_commissioners": 1,
            "n_area_teams": 1,
            "n_trusts": 1,
            "trusts_per_practice": 1,
        }
    n = draw(st.integers(smallest, 60) if kind == "small" else st.integers(61, LARGEST_WORLD))
    most = {name: int(SPEC[name].high) for name in WORLD}
    # The consistency rules (spec._check_consistency): commissioners <= practices, area teams
    # <= commissioners, trusts per practice <= trusts.
    commissioners = draw(st.integers(1, min(n, most["n_commissioners"])))
    teams = draw(st.integers(1, min(commissioners, most["n_area_teams"])))
    # At most one trust per practice: the spec allows more, but the world cannot be drawn then
    # (test_more_trusts_than_practices_is_refused_or_built below, a known bug).
    trusts = draw(st.integers(1, min(n, most["n_trusts"])))
    per_practice = draw(st.integers(1, min(trusts, most["trusts_per_practice"])))
    return {
        "n_practices": n,
        "n_commissioners": commissioners,
        "n_area_teams": teams,
        "n_trusts": trusts,
        "trusts_per_practice": per_practice,
    }


@st.composite
def schedules(draw) -> dict:
    """One schedulable lever (``Parameter.schedulable``) changing value mid-run: {0: a, k: b}."""
    name = draw(st.sampled_from(SCHEDULABLE))
    first, then = draw(values_of(SPEC[name])), draw(values_of(SPEC[name]))
    change = draw(st.integers(1, QUARTERS - 1))
    return {name: {0: first, change: then}}


@st.composite
def parameter_sets(draw) -> dict:
    """A valid parameter set: world, regimes, a few other values, extremes and a schedule.

    Later parts override earlier ones. Combinations the model refuses (a ParameterError, e.g. a
    start quarter before the first key of a default schedule) are rejected, not run.
    """
    values: dict = {}
    for name in draw(st.sets(st.sampled_from(OTHERS), max_size=10)):
        values[name] = draw(values_of(SPEC[name]))
    values.update({name: draw(values_of(SPEC[name])) for name in REGIMES})
    for extreme in sorted(draw(st.sets(st.sampled_from(sorted(EXTREMES)), max_size=2))):
        values.update(EXTREMES[extreme])
    values.update(draw(st.one_of(st.just({}), schedules())))
    values.update(draw(worlds()))
    values.update(horizon_quarters=QUARTERS, agent_table_every=0)
    try:
        Params(**values)
    except ParameterError:
        assume(False)
    return values


seeds = st.integers(0, 2**32 - 1)


# --- the invariants -----------------------------------------------------------------------------


def before_quarter(model: GPFedModel, payments: int) -> dict:
    """What a quarter's checks compare against, read just before it (``payments`` so far)."""
    return {
        "conservation": snapshot(model),
        "balances": model.ledger.balance_pence.copy(),
        "payments": payments,
        # Contracts that may be paid this quarter: in force now, or awarded during it.
        "in_force": {c.id for c in model.contracts.active()},
        "known": set(model.contracts.contracts),
    }


def check_quarter(model: GPFedModel, before: dict, graph: nx.Graph) -> int:
    """Every invariant, after a quarter (``graph``: :func:`practice_graph`).

    Returns:
        The payments the ledger has recorded so far.
    """
    assert model.ledger.step == model.quarters_simulated
    transfers = model.ledger.transfers_frame()
    quarter = transfers[transfers["step"] == model.ledger.step]
    # Every payment made in the quarter is labelled with its step.
    assert len(transfers) - before["payments"] == len(quarter)
    assert_quarter_conserves(model, before["conservation"])
    check_payments_explain_balances(model, before, quarter)
    check_practices(model)
    check_federations(model, graph)
    check_contract_money(model, before, quarter)
    check_metrics(model)
    return len(transfers)


def check_payments_explain_balances(model: GPFedModel, before: dict, quarter) -> None:
    """Each account's balance changed by exactly what this quarter's payments moved, in pence.

    ``quarter``: the quarter's rows of the ledger's transfers frame.
    """
    ledger = model.ledger
    assert (quarter["amount_pence"] > 0).all()
    size = len(ledger.balance_pence)
    net = np.zeros(size, dtype=np.int64)
    pence = quarter["amount_pence"].to_numpy(dtype=np.int64)
    np.add.at(net, quarter["payee"].to_numpy(dtype=np.int64), pence)
    np.subtract.at(net, quarter["payer"].to_numpy(dtype=np.int64), pence)
    # Accounts opened during the quarter (federations, an entrant) started at zero.
    start = np.zeros(size, dtype=np.int64)
    start[: len(before["balances"])] = before["balances"]
    np.testing.assert_array_equal(net, ledger.balance_pence - start)


def check_practices(model: GPFedModel) -> None:
    """Lists, GPs, effort and quality in range; closed practices empty."""
    state, ledger = model.practice_state, model.ledger
    is_open, closed = state.is_open, ~state.is_open
    assert is_open.any(), "the last open practice closed"
    assert (state.list_size >= 0).all(), "a negative list"
    for column in ("partners_by_age", "salaried_by_age"):
        assert (getattr(state, column) >= 0).all(), f"negative GPs in {column}"
    assert (state.senior_partners >= 0).all()
    assert (state.senior_partners <= state.partners).all(), "more senior partners than partners"
    assert np.isfinite(state.gp_posts).all() and (state.gp_posts >= 0).all()
    assert (state.vacancies >= 0).all()
    for column in ("care_effort", "quality"):
        values = getattr(state, column)
        assert np.isfinite(values).all() and (values >= 0).all() and (values <= 1).all(), column
    # Closed practices hold nothing.
    assert (state.list_size[closed] == 0).all()
    assert (ledger.balance_pence[model.accounts.practice[closed]] == 0).all(), "money"
    assert (state.gps[closed] == 0).all() and (state.senior_partners[closed] == 0).all()
    assert (state.gp_posts[closed] == 0).all(), "posts sought by a closed practice"
    assert (state.federation[closed] == NO_FEDERATION).all()
    assert (model.contracts.coverage[closed] == NO_CONTRACT).all()


def practice_graph(model: GPFedModel) -> nx.Graph:
    """The practice-practice graph within areas, from the model's edge list."""
    graph = nx.Graph()
    graph.add_nodes_from(range(len(model.practice_state.list_size)))
    graph.add_edges_from(zip(*(e.tolist() for e in model.practice_edges), strict=True))
    return graph


def check_federations(model: GPFedModel, graph: nx.Graph) -> None:
    """Two or more open members in one area, connected; the column agrees with the members."""
    state = model.practice_state
    members_of = {}
    for fid, federation in model.federations.items():
        members = federation.members
        assert len(members) >= 2, f"federation {fid} has {len(members)} member(s)"
        assert state.is_open[members].all(), f"federation {fid} has a closed member"
        assert (state.area[members] == federation.area).all(), f"federation {fid} spans areas"
        assert nx.is_connected(graph.subgraph(members)), f"federation {fid} is not connected"
        members_of[fid] = set(members)
    federated = np.flatnonzero(state.federation != NO_FEDERATION)
    for i in federated.tolist():
        fid = int(state.federation[i])
        assert fid in members_of and i in members_of[fid], f"practice {i} in a lost federation"
    assert len(federated) == sum(len(m) for m in members_of.values())


def check_contract_money(model: GPFedModel, before: dict, quarter) -> None:
    """Contract money goes from a contract's commissioner to the holder of one in force."""
    book, accounts = model.contracts, model.accounts
    eligible = before["in_force"] | (set(book.contracts) - before["known"])
    pairs: dict[tuple[int, int], int] = {}
    for contract in (book.contracts[i] for i in eligible):
        key = (int(accounts.commissioner[contract.area]), contract.account)
        pairs[key] = pairs.get(key, 0) + 1
    rows = quarter[quarter["purpose"].isin(CONTRACT_MONEY)]
    assert (rows["payer_type"] == "commissioner").all()
    counts = rows.groupby(["payer", "payee", "purpose"]).size()
    for (payer, payee, purpose), n in counts.items():
        assert n <= pairs.get((payer, payee), 0), (
            f"{n} {purpose} payment(s) from account {payer} to {payee}, which holds "
            f"{pairs.get((payer, payee), 0)} contract(s) in force from that commissioner"
        )
    # The contracts still in force are held by who their account says.
    for contract in book.active():
        if contract.holder in ("federation", "alliance"):
            federation = model.federations.get(contract.federation)
            assert federation is not None, f"contract {contract.id}'s federation is gone"
            assert contract.account == federation.account
        elif contract.holder == "trust":
            assert contract.account == accounts.trust[contract.trust]
        else:
            assert contract.holder == "entrant"
            assert contract.account == model.entrant_account
        if contract.holder == "alliance":
            assert contract.trust is not None
    for i in np.flatnonzero(book.coverage != NO_CONTRACT).tolist():
        contract = book.contracts[int(book.coverage[i])]
        assert contract.status == "active" and i in contract.practices.tolist()


def check_metrics(model: GPFedModel) -> None:
    """Every series finite (bar the mean quality of no contract) and within its range."""
    metrics, state = model.metrics, model.practice_state
    assert set(metrics) == set(METRICS)
    for name, value in metrics.items():
        if name == "contract_quality_mean" and metrics["contracts_active"] == 0:
            # A mean over no contract in force: undefined, reported as NaN.
            assert np.isnan(value)
            continue
        assert np.isfinite(value), f"{name} = {value}"
        low, high = series_range(name)
        assert low <= value <= high, f"{name} = {value} outside [{low}, {high}]"
    assert metrics["practices_open"] == state.is_open.sum()
    assert metrics["registered_patients"] == state.list_size[state.is_open].sum()


def check_start(model: GPFedModel, graph: nx.Graph) -> None:
    """Before any quarter: flows are NaN, every stock finite and in range."""
    check_practices(model)
    check_federations(model, graph)
    for name, value in model.metrics.items():
        if name in FLOWS or (name == "contract_quality_mean" and not model.contracts.active()):
            assert np.isnan(value), name
        else:
            low, high = series_range(name)
            assert np.isfinite(value) and low <= value <= high, f"{name} = {value}"


def self_loops(model: GPFedModel) -> bool:
    """Whether a practice is its own neighbour on the practice graph."""
    src, dst = model.practice_edges
    return bool((src == dst).any())


def run_checking_every_quarter(values: dict, seed: int, quarters: int = QUARTERS) -> GPFedModel:
    """Build and check the start, then step ``quarters`` quarters checking every invariant."""
    model = GPFedModel(rng=seed, **values)
    graph = practice_graph(model)
    check_start(model, graph)
    payments = len(model.ledger.transfers_frame())
    for _ in range(quarters):
        before = before_quarter(model, payments)
        model.step()
        payments = check_quarter(model, before, graph)
    return model


def record_what_happened(model: GPFedModel) -> None:
    """Hypothesis events (``--hypothesis-show-statistics``): what the examples exercised."""
    frame = model.to_frame()
    event(f"practices: {len(model.practice_state.list_size) // 40 * 40}+")
    event(f"regime: {model.levers.gp_contract_regime}")
    for series in ("closures", "mergers", "contract_awards", "federation_joins"):
        event(f"{series}: {'some' if frame[series].sum() > 0 else 'none'}")
    event(f"practices left open: {'one' if model.practice_state.is_open.sum() == 1 else 'more'}")


# --- the tests ----------------------------------------------------------------------------------

HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


@settings(max_examples=40, deadline=None, suppress_health_check=HEALTH)
@given(values=parameter_sets(), seed=seeds)
def test_invariants_hold_every_quarter(values, seed):
    record_what_happened(run_checking_every_quarter(values, seed))


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=HEALTH)
@given(values=parameter_sets(), seed=seeds)
def test_invariants_hold_every_quarter_many_examples(values, seed):
    record_what_happened(run_checking_every_quarter(values, seed))


def test_extremes_are_valid_and_from_the_spec():
    assert EXTREMES["every practice failing"] == {
        "exit_profit_threshold_share": SPEC["exit_profit_threshold_share"].high,
        "exit_quarters": SPEC["exit_quarters"].low,
    }
    assert "commissioner_allocation_gbp_per_head_per_year" in BUDGETS
    assert "performance" in SPEC["federation_sharing_rule"].choices
    for extreme in EXTREMES.values():
        Params(**extreme)


# --- bugs found by the tests above ----------------------------------------------------------------
# Each was a valid parameter set (Params accepted it) that broke an invariant or crashed the model;
# the fixed ones are regression tests, the two left are strict xfails (they pass once fixed).

TINY = {
    "n_practices": 10,
    "n_commissioners": 1,
    "n_area_teams": 1,
    "n_trusts": 1,
    "trusts_per_practice": 1,
}


def test_more_trusts_than_practices_is_refused_in_one_line():
    # Trust sites are drawn among practice sites.
    with pytest.raises(ParameterError, match="n_trusts = 11 exceeds n_practices = 10"):
        GPFedModel(rng=1, **(TINY | {"n_trusts": 11}))


def test_coincident_practices_are_not_neighbours():
    values = TINY | {"km2_per_practice": 0.125}
    model = GPFedModel(rng=0, **values)
    assert not self_loops(model), "a practice is its own neighbour"
    run_checking_every_quarter(values, 0, quarters=8)  # quarter 7: a one-member federation


def test_a_world_with_no_hospital_or_community_spend_can_be_built():
    values = TINY | at("low", *PRICES, "community_services_gbp_per_head_per_year")
    run_checking_every_quarter(values, 0, quarters=4)


def test_a_lot_with_no_spend_can_be_tendered():
    values = {
        "n_practices": 60,
        "gp_contract_regime": "competitive",
        **at("low", "diabetes_excess_admission_risk", "diabetes_care_gbp_per_diabetic_per_year"),
    }
    run_checking_every_quarter(values, 1, quarters=4)


def test_a_world_with_no_diabetes_can_be_built():
    values = TINY | at("low", "diabetes_prevalence_mean")
    run_checking_every_quarter(values, 0, quarters=4)


@pytest.mark.xfail(
    strict=True,
    raises=OverflowError,
    reason="a list_size_sd below about 1e-152 (allowed: 0 to 40000; 0 itself is special-cased) "
    "overflows (mean / sd) ** 2 in geography._draw_lists",
)
def test_a_world_with_a_tiny_list_size_sd_can_be_built():
    run_checking_every_quarter(TINY | {"list_size_sd": 1e-200}, 0, quarters=1)


def test_mean_profit_per_partner_with_no_partner_left():
    values = TINY | EXTREMES["everybody leaves"] | EXTREMES["no GP supply"]
    run_checking_every_quarter(values, 0, quarters=1)


def test_merger_gains_with_no_salaried_pay():
    values = {"n_practices": 60, **at("low", "salaried_gp_pay_gbp_per_year")}
    values |= at("low", "global_sum_gbp_per_weighted_patient")
    run_checking_every_quarter(values, 0, quarters=4)
