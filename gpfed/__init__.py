"""gpfed: an agent-based model of English general practice, federations and contracts.

The public face::

    from gpfed import GPFedModel, Params
    model = GPFedModel(rng=1, hospital_payment="capitation").run(40)
    model.to_frame()          # tidy model-level series
    model.plot()              # outcome panel
"""

from gpfed.model.model import GPFedModel
from gpfed.params import SPEC, Parameter, ParameterError, Params, Schedule
from gpfed.scenarios import Scenario, all_scenarios

__version__ = "0.1.0"

__all__ = [
    "SPEC",
    "GPFedModel",
    "Parameter",
    "ParameterError",
    "Params",
    "Scenario",
    "Schedule",
    "__version__",
    "all_scenarios",
]
