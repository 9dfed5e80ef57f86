"""gpfed: an agent-based model of English general practice, federations and contracts.

The public face::

    from gpfed import GPFedModel, Params
    model = GPFedModel(rng=1, hospital_payment="capitation").run(40)
    model.to_frame()          # tidy model-level series
    model.plot()              # outcome panel

    from gpfed import sweep   # policy sweeps: local processes or a Dask cluster, resumable
    results = sweep("gpfed/experiments/sweeps/federation_incentive_grid.toml", out="out/sw")
"""

from __future__ import annotations

import importlib
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gpfed.experiments import SweepSpec, load, sweep
    from gpfed.model.model import GPFedModel
    from gpfed.parameters import SPEC, Parameter, ParameterError, Params, Schedule
    from gpfed.scenarios import Scenario, all_scenarios

# The named scenarios register themselves on import, and any Params("kings_fund_2014") looks them
# up: they load with the package (light: the parameter spec and numpy).
importlib.import_module("gpfed.scenarios")

__version__ = version("gpfed")

# Each public name is imported on first use, so a command that needs little (`gpfed --help`,
# `gpfed params`) does not pay for the model, pandas, Mesa and the analysis stack.
_EXPORTS = {
    "SPEC": "gpfed.parameters",
    "Parameter": "gpfed.parameters",
    "ParameterError": "gpfed.parameters",
    "Params": "gpfed.parameters",
    "Schedule": "gpfed.parameters",
    "Scenario": "gpfed.scenarios",
    "all_scenarios": "gpfed.scenarios",
    "GPFedModel": "gpfed.model.model",
    "SweepSpec": "gpfed.experiments",
    "load": "gpfed.experiments",
    "sweep": "gpfed.experiments",
}

__all__ = [
    "SPEC",
    "GPFedModel",
    "Parameter",
    "ParameterError",
    "Params",
    "Scenario",
    "Schedule",
    "SweepSpec",
    "__version__",
    "all_scenarios",
    "load",
    "sweep",
]


def __getattr__(name: str) -> Any:
    """Import a public name, or a subpackage (``gpfed.compare``), on first use (PEP 562)."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module 'gpfed' has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
