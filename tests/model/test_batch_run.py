import mesa
import pandas as pd
import pytest

from gpfed import GPFedModel

# Mesa 4 removes batch_run: these tests are for the Mesa line that has it.
pytestmark = pytest.mark.skipif(
    not hasattr(mesa, "batch_run"), reason="this Mesa has no batch_run (removed in Mesa 4)"
)


def test_mesa_batch_run_runs_the_model_unchanged():
    results = mesa.batch_run(
        GPFedModel,
        parameters={
            "n_practices": [40, 60],
            "hospital_payment": ["pbr", "capitation"],
            "agent_table_every": 0,
        },
        rng=[1, 2],
        max_steps=6,
        number_processes=1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert len(frame) == 2 * 2 * 2
    assert (frame["Step"] == 6).all()
    assert set(frame["hospital_payment"]) == {"pbr", "capitation"}
    assert frame["practices_open"].between(1, 60).all()
    assert frame["emergency_admissions_per_1000"].gt(0).all()


def test_batch_run_stops_at_the_horizon():
    results = mesa.batch_run(
        GPFedModel,
        parameters={"n_practices": 30, "horizon_quarters": 3, "agent_table_every": 0},
        rng=[5],
        max_steps=100,
        number_processes=1,
        display_progress=False,
    )
    assert [row["Step"] for row in results] == [3]


def test_batch_run_gives_one_row_per_run_and_step_by_default():
    results = mesa.batch_run(
        GPFedModel,
        parameters={"n_practices": 40},
        rng=[1, 2],
        max_steps=4,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    # Two runs, steps 0-4: no agent rows mixed in, no agent column overwriting a model one.
    assert len(frame) == 2 * 5
    assert frame.groupby(["RunId", "Step"]).size().eq(1).all()
    assert "AgentID" not in frame.columns
