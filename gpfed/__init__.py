"""gpfed: an agent-based model of English general practice, federations and contracts.

The public face::

    from gpfed import GPFedModel, Params
    model = GPFedModel(rng=1, hospital_payment="capitation").run(40)
    model.to_frame()          # tidy model-level series
    model.plot()              # outcome panel

    from gpfed import sweep   # policy sweeps: local processes or a Dask cluster, resumable
    results = sweep("gpfed/experiments/sweeps/federation_incentive_grid.toml", out="out/sw")
"""

from importlib.metadata import version

from gpfed.experiments import SweepSpec, load, sweep
from gpfed.model.model import GPFedModel
from gpfed.parameters import SPEC, Parameter, ParameterError, Params, Schedule
from gpfed.scenarios import Scenario, all_scenarios

__version__ = version("gpfed")

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
