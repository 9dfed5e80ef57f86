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
from typing import TYPE_CHECKING

from gpfed.lazy import lazy_names

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


__getattr__, __dir__ = lazy_names(__name__, _EXPORTS)
