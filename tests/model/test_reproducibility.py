"""Same seed, same results, bit for bit: in one process and across processes."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gpfed import GPFedModel

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (
    "from gpfed import GPFedModel\n"
    "from tests.model.test_reproducibility import digest, integrated\n"
    "print(digest(GPFedModel(rng=11, n_practices=90, agent_table_every=1).run(10)))\n"
    "print(digest(integrated()))\n"
)


def integrated() -> GPFedModel:
    """A run with federations forming, tenders, alliances, entrants and every sharing rule path."""
    return GPFedModel(
        rng=12,
        n_practices=120,
        gp_contract_regime="competitive",
        outside_entrants=True,
        federation_sharing_rule="shapley",
        federation_incentive_gbp_per_patient_per_year=5.0,
        agent_table_every=1,
    ).run(14)


def digest(model: GPFedModel) -> str:
    from gpfed.agents import Federation

    frames = [
        model.to_frame(),
        model.agent_frame(),
        model.agent_frame(Federation),
        model.contracts_frame(),
        model.ledger.transfers_frame(),
    ]
    hashes = [
        str(int(pd.util.hash_pandas_object(frame, index=False).sum() % 2**61)) for frame in frames
    ]
    return "\n".join([*hashes, model.ledger.balance_pence.tobytes().hex()])


def test_same_seed_same_frames_in_process():
    a = GPFedModel(rng=11, n_practices=90, agent_table_every=1).run(10)
    b = GPFedModel(rng=11, n_practices=90, agent_table_every=1).run(10)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.agent_frame(), b.agent_frame())
    np.testing.assert_array_equal(a.ledger.balance_pence, b.ledger.balance_pence)


def test_different_seeds_differ():
    a = GPFedModel(rng=1, n_practices=90).run(4).to_frame()
    b = GPFedModel(rng=2, n_practices=90).run(4).to_frame()
    assert not a["emergency_admissions"].iloc[1:].equals(b["emergency_admissions"].iloc[1:])


@pytest.mark.slow
def test_same_seed_same_results_in_two_separate_processes():
    # Different string hash seeds: no result may depend on set or dict ordering of strings.
    outputs = [
        subprocess.run(
            [sys.executable, "-c", SCRIPT],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        ).stdout.strip()
        for hash_seed in ("0", "4242")
    ]
    assert outputs[0] == outputs[1]
    here = (
        digest(GPFedModel(rng=11, n_practices=90, agent_table_every=1).run(10))
        + "\n"
        + digest(integrated())
    )
    assert outputs[0] == here


def test_integrated_care_run_is_the_same_in_process():
    assert digest(integrated()) == digest(integrated())


def test_a_lever_changed_later_leaves_the_past_identical():
    # Separate random streams per process: capitation from quarter 8 cannot touch quarters 0-7.
    base = GPFedModel(rng=4, n_practices=90).run(12).to_frame()
    later = GPFedModel(rng=4, n_practices=90, hospital_payment={0: "pbr", 8: "capitation"})
    later = later.run(12).to_frame()
    pd.testing.assert_frame_equal(base.iloc[:9], later.iloc[:9])
    assert not base.iloc[9:].equals(later.iloc[9:])


def test_seed_is_recorded_in_every_row():
    frame = GPFedModel(rng=123, n_practices=40).run(2).to_frame()
    assert (frame["seed"] == "123").all()
    unseeded = GPFedModel(n_practices=40)
    assert isinstance(unseeded.seed, int)
    replay = GPFedModel(rng=unseeded.seed, n_practices=40)
    np.testing.assert_array_equal(
        replay.practice_state.list_size, unseeded.practice_state.list_size
    )
