"""The one parameter spec: machinery, entries by topic, validated Params, typed Levers, presets.

Topics: :mod:`~gpfed.parameters.world`, :mod:`~gpfed.parameters.gp_contract`,
:mod:`~gpfed.parameters.hospital_payment`, :mod:`~gpfed.parameters.integrated_care`,
:mod:`~gpfed.parameters.risk` and :mod:`~gpfed.parameters.behaviour`.
"""

from gpfed.parameters.levers import Levers
from gpfed.parameters.machinery import (
    PROPOSED,
    Parameter,
    ParameterError,
    Schedule,
    Value,
    check_whole_number,
    quarter_to_step,
    step_to_quarter,
)
from gpfed.parameters.scenario import Scenario, all_scenarios, get_scenario, policy_scenarios
from gpfed.parameters.spec import (
    PRESETS,
    SPEC,
    LeverTimeline,
    Params,
    describe,
    unknown_parameter_error,
)

__all__ = [
    "PRESETS",
    "PROPOSED",
    "SPEC",
    "LeverTimeline",
    "Levers",
    "Parameter",
    "ParameterError",
    "Params",
    "Scenario",
    "Schedule",
    "Value",
    "all_scenarios",
    "check_whole_number",
    "describe",
    "get_scenario",
    "policy_scenarios",
    "quarter_to_step",
    "step_to_quarter",
    "unknown_parameter_error",
]
