"""Every output frame counts steps the same way, so they join on ``step``."""

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
