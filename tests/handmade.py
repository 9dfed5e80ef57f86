"""Hand-made inputs the unit tests share: levers, practice and trust states, accounts and ledgers.

Import them as ``from tests.handmade import levers, practice_state``.
"""

import dataclasses

import numpy as np

from gpfed.parameters import Params
from gpfed.world.ledger import Accounts, Ledger
from gpfed.world.state import PracticeState, TrustState

LEVERS = Params().timeline().at(0)
"""The default parameters' levers in force at the start quarter."""

# Every column PracticeState takes at construction; any other column given is set afterwards.
PRACTICE_COLUMNS = {
    "is_open": True,
    "list_size": 1000,
    "need_weight": 1.0,
    "diabetes_prevalence": 0.0,
    "quality": 0.8,
    "senior_partners": 0,
    "cost_efficiency": 1.0,
    "mpig_gbp_per_year": 0.0,
    "area": 0,
    "rural": False,
}
WORKING_AGE_BAND = 1
"""Hand-made GPs are all aged 45-54 (no retirements due), unless given by age."""
STARTED_COLUMNS = {f.name for f in dataclasses.fields(PracticeState) if not f.init}


def levers(**changes):
    """The start quarter's default levers with ``changes`` made."""
    return dataclasses.replace(LEVERS, **changes)


def levers_with(defaults):
    """A ``levers(**changes)`` builder whose changes are made on top of ``defaults``, a dict."""

    def build(**changes):
        return levers(**(defaults | changes))

    return build


def practice_state(n=None, **columns) -> PracticeState:
    """A practice state of ``n`` practices, or one per list size if ``n`` is a sequence.

    Every practice is open and urban, with 1,000 patients, need weight 1, no diabetes, quality
    0.8, one partner (aged 45-54; ``partners`` and ``salaried`` give counts per practice) and no
    senior one, cost efficiency 1, no MPIG, in area 0, referring all its patients
    to trust 0. ``columns`` replace any of these, or set a column the state starts itself (say
    ``emergency_admissions`` or ``income_gbp``); a scalar stands for every practice. Without
    ``n`` the count is the length of the ``list_size`` column.
    """
    if n is None:
        n = len(columns["list_size"])
    elif np.ndim(n):
        columns = {"list_size": np.asarray(n, dtype=np.int64), **columns}
        n = len(columns["list_size"])
    values = {name: np.full(n, value) for name, value in PRACTICE_COLUMNS.items()}
    for role in ("partners", "salaried"):
        count = np.broadcast_to(columns.pop(role, 1 if role == "partners" else 0), (n,))
        by_age = np.zeros((n, 4), dtype=np.int64)
        by_age[:, WORKING_AGE_BAND] = count
        values[f"{role}_by_age"] = by_age
    values["referral_trust"] = np.zeros((n, 1), dtype=np.int64)
    values["referral_share"] = np.ones((n, 1))
    started = {}
    for name, column in columns.items():
        if name not in values and name not in STARTED_COLUMNS:
            raise TypeError(f"PracticeState has no column {name!r}")
        column = np.full(n, column) if np.ndim(column) == 0 else np.asarray(column)
        (values if name in values else started)[name] = column
    state = PracticeState(**values)
    for name, column in started.items():
        setattr(state, name, column)
    return state


def trust_state(
    baseline_emergency, baseline_elective, baseline_population, *, capacity=1000.0
) -> TrustState:
    """Trusts with the given (area, trust) baselines a quarter and ``capacity`` each.

    Admissions cost £500 an emergency and £250 an elective one; there is no fixed cost.
    """
    n_trusts = np.shape(baseline_emergency)[1]
    return TrustState(
        baseline_emergency=np.array(baseline_emergency, dtype=float),
        baseline_elective=np.array(baseline_elective, dtype=float),
        baseline_population=np.array(baseline_population, dtype=float),
        capacity=np.full(n_trusts, capacity),
        emergency_cost_gbp=500.0,
        elective_cost_gbp=250.0,
        capacity_cost_gbp=np.zeros(n_trusts),
    )


def accounts_and_ledger(n_commissioners, n_practices, n_trusts) -> tuple[Accounts, Ledger]:
    """Accounts laid out for these counts and an empty ledger over them."""
    accounts = Accounts.layout(
        n_commissioners=n_commissioners, n_practices=n_practices, n_trusts=n_trusts
    )
    return accounts, Ledger(accounts)


def linear_value(pooled, members):
    """A coalition value: v(S) = 0.1 L_S - 50 |S| for two or more members, 0 otherwise."""
    pooled = np.asarray(pooled, dtype=float)
    members = np.asarray(members, dtype=float)
    return np.where(members >= 2, 0.1 * pooled - 50.0 * members, 0.0)
