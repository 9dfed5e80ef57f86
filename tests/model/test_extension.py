"""Every agent type's decisions can be replaced by a subclass, without editing gpfed."""

import numpy as np
import pytest

from gpfed import GPFedModel
from gpfed.agents import Commissioner, Federation, Practice, Trust

SMALL = {"rng": 2, "n_practices": 80, "agent_table_every": 0}


class NoInducedDemand(Trust):
    @classmethod
    def induce_demand(cls, state, trust_spare, levers):
        return np.zeros(len(state.list_size))


class NeverProcures(Commissioner):
    @classmethod
    def choose_procurements(cls, expected_saving_gbp, free_slots, levers):
        return np.zeros(0, dtype=np.int64)


class KeepsEverything(Federation):
    @classmethod
    def share_results(cls, balance_pence, result_pence, member_expenses_gbp, levers):
        return np.zeros(len(balance_pence), dtype=np.int64)


def test_a_trust_that_induces_no_demand_lowers_admissions_under_pbr():
    default = GPFedModel(**SMALL).run(8).to_frame()
    replaced = GPFedModel(**SMALL, trust_class=NoInducedDemand).run(8).to_frame()
    assert (
        replaced["emergency_admissions_per_1000"].iloc[1:].mean()
        < default["emergency_admissions_per_1000"].iloc[1:].mean()
    )


def test_a_commissioner_that_never_procures_lets_no_contract():
    values = {**SMALL, "procurements_at_once": 10, "outside_entrants": True}
    default = GPFedModel("kings_fund_2011", **values).run(20)
    replaced = GPFedModel("kings_fund_2011", **values, commissioner_class=NeverProcures).run(20)
    assert len(default.contracts_frame()) > 0
    assert len(replaced.contracts_frame()) == 0
    assert replaced.to_frame()["tenders_started"].sum() == 0


def test_a_federation_that_keeps_its_results_pays_no_dividend():
    values = {**SMALL, "federation_incentive_gbp_per_patient_per_year": 6.0}
    default = GPFedModel(**values).run(8).ledger_frame()
    replaced = GPFedModel(**values, federation_class=KeepsEverything).run(8)
    assert (default["purpose"] == "federation_dividend").any()
    assert not (replaced.ledger_frame()["purpose"] == "federation_dividend").any()
    # Spun-off and newly founded federations are of the subclass too.
    assert all(type(f) is KeepsEverything for f in replaced.federations.values())


@pytest.mark.parametrize(
    ("argument", "base"),
    [
        ("practice_class", Practice),
        ("federation_class", Federation),
        ("trust_class", Trust),
        ("commissioner_class", Commissioner),
    ],
)
def test_an_agent_class_that_is_not_a_subclass_is_refused(argument, base):
    with pytest.raises(TypeError, match=f"{argument} = .*; allowed {base.__name__} or a subclass"):
        GPFedModel(**SMALL, **{argument: object})
