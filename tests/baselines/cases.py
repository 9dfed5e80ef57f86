"""The fixed-seed runs whose outputs are stored in this folder.

Every named scenario on the default region (40 quarters), a few settings that reach the code paths
no scenario does (Shapley sharing, the risk corridor, other hospital payment models), and
``england_2013`` at England scale. ``scripts/update_baselines.py`` writes them; ``test_baselines``
checks a run reproduces them bit for bit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gpfed import GPFedModel, Params, all_scenarios

FOLDER = Path(__file__).resolve().parent
SEED = 1
QUARTERS = 40

EXTRA_CASES: dict[str, dict[str, Any]] = {
    "shapley_competitive_entrants": {
        "gp_contract_regime": "competitive",
        "outside_entrants": True,
        "federation_sharing_rule": "shapley",
        "federation_incentive_gbp_per_patient_per_year": 5.0,
    },
    "equal_sharing_corridor_blend": {
        "gp_contract_regime": "mandatory",
        "federation_sharing_rule": "equal",
        "risk_sharing": "corridor",
        "hospital_payment": "blend",
    },
    "optional_capitation": {
        "gp_contract_regime": "optional",
        "hospital_payment": "capitation",
        "federation_incentive_gbp_per_patient_per_year": 4.0,
    },
    "block_payment": {"hospital_payment": "block"},
}


def cases() -> dict[str, tuple[str | None, dict[str, Any]]]:
    """Every baseline case by name: (scenario, extra values)."""
    named = {s.name: (s.name, {}) for s in all_scenarios()}
    extra = {name: (None, values) for name, values in EXTRA_CASES.items()}
    return {**named, **extra}


def run_case(name: str) -> dict[str, pd.DataFrame]:
    """Run one case and return its stored tables by name."""
    scenario, values = cases()[name]
    # Region runs keep the practice table every quarter (the final one is stored); England's none.
    england = Params(scenario, **values).preset == "england"
    tables_every = 0 if england else 1
    model = GPFedModel(scenario, rng=SEED, agent_table_every=tables_every, **values).run(QUARTERS)
    balances = model.ledger.balance_pence
    tables = {
        "series": model.to_frame(),
        "ledger": model.ledger_frame(),
        "balances": pd.DataFrame({"account": np.arange(len(balances)), "pence": balances}),
        "contracts": model.contracts_frame(),
    }
    if not england:
        practices = model.agent_frame()
        tables["practices"] = practices[practices["step"] == practices["step"].max()].reset_index(
            drop=True
        )
    return tables


def path(name: str, table: str) -> Path:
    """Where a case's table is stored."""
    return FOLDER / name / f"{table}.parquet"
