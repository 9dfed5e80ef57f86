"""Output frames share one step convention and the model-kept tables equal what Mesa would read;
building a model leaves the garbage collector as it was."""

from gpfed import GPFedModel


def test_series_agent_tables_and_ledger_share_one_step_convention():
    model = GPFedModel(rng=2, n_practices=60, agent_table_every=1).run(6)
    series = model.to_frame()
    practices = model.agent_frame()
    ledger = model.ledger_frame()
    transfers = model.ledger.transfers_frame()
    # Row 0 is the start; rows 1-6 the quarters simulated, whose payments carry the same step.
    assert series["step"].tolist() == list(range(7))
    assert sorted(practices["step"].unique()) == list(range(7))
    assert sorted(ledger["step"].unique()) == list(range(1, 7))
    assert sorted(transfers["step"].unique()) == list(range(1, 7))
    # The quarter's MPIG payments, read from the ledger, are the series' value on the same step.
    mpig = ledger[ledger["purpose"] == "mpig"].set_index("step")["amount_gbp"]
    joined = series.set_index("step").join(mpig.rename("ledger_mpig"), how="inner")
    assert len(joined) == 6
    assert (joined["mpig_paid_gbp"] - joined["ledger_mpig"]).abs().max() < 1e-6


def test_an_agent_table_with_nothing_collected_is_empty_with_its_columns():
    from gpfed.agents import Federation

    model = GPFedModel(rng=1, n_practices=40, agent_table_every=4).run(2)
    federations = model.agent_frame(Federation)
    assert federations.empty
    assert {"step", "agent_id", "n_members", "contract_kind"} <= set(federations.columns)


def tables_both_ways(model: GPFedModel, kind: type, columns, quarters: int):
    """Step ``model`` for ``quarters``, collecting ``kind``'s table every two quarters both as
    the model keeps it and as Mesa's DataCollector reads each attribute per agent."""
    from mesa import DataCollector

    reference = DataCollector(agenttype_reporters={kind: {c: c for c in columns}})
    for _ in range(quarters):
        model.step()
        if model.quarters_simulated % 2 == 0:
            reference.collect(model)
    expected = reference.get_agenttype_vars_dataframe(kind).reset_index()
    expected = expected.rename(columns={"Step": "step", "AgentID": "agent_id"})
    expected["step"] = expected["step"].astype(int)
    got = model.agent_frame(kind)
    return got[got["step"] > 0].reset_index(drop=True), expected


def test_the_practice_table_reads_what_mesas_per_agent_reporters_read():
    """The vectorised practice table equals Mesa's DataCollector reading each attribute per agent.

    A run with closures, mergers, federations and integrated contracts, so every column varies
    (agents removed, labels other than GMS, reserves and vacancies).
    """
    import pandas as pd

    from gpfed.agents import Practice
    from gpfed.outputs import PRACTICE_TABLE

    model = GPFedModel(
        "kings_fund_2011",
        rng=3,
        n_practices=150,
        agent_table_every=2,
        exit_quarters=1,
        procurements_at_once=50,
        procurement_quarters=1,
        procurement_cost_gbp=0.0,
        outside_entrants=True,
    )
    got, expected = tables_both_ways(model, Practice, PRACTICE_TABLE, quarters=12)
    assert got["step"].nunique() == 6
    assert got.groupby("step").size().iloc[-1] < 150  # practices left
    assert (got["contract"] != "GMS").any()
    assert (got["gp_vacancies"] > 0).any()
    pd.testing.assert_frame_equal(got, expected)


def test_the_federation_table_reads_what_mesas_per_agent_reporters_read():
    """The vectorised federation table equals Mesa's DataCollector reading each attribute.

    Federations found, grow, split, dissolve and hold contracts over the run.
    """
    import pandas as pd

    from gpfed.agents import Federation
    from gpfed.outputs import FEDERATION_TABLE

    model = GPFedModel(
        "kings_fund_2014",
        rng=4,
        n_practices=150,
        agent_table_every=2,
        federation_reconsider_share=0.4,
    )
    got, expected = tables_both_ways(model, Federation, FEDERATION_TABLE, quarters=16)
    assert got["step"].nunique() == 8
    assert (got["contract_kind"] != "none").any()
    assert got["agent_id"].nunique() > got.groupby("step").size().max()  # some came and went
    pd.testing.assert_frame_equal(got, expected)


def test_building_a_model_leaves_the_garbage_collector_as_it_found_it():
    import gc

    assert gc.isenabled()
    GPFedModel(rng=1, n_practices=30)
    assert gc.isenabled()
    gc.disable()
    try:
        GPFedModel(rng=1, n_practices=30)
        assert not gc.isenabled()
    finally:
        gc.enable()
