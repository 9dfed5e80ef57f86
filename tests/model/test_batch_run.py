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
