"""The browser's controls, generated from the parameter spec.

Each control is a SolaraViz ``model_params`` entry (``{"type": "SliderFloat", "value": ...}``)
built from a :class:`~gpfed.parameters.Parameter`: its bounds or choices, default, and a label
carrying its unit, so the sliders can never drift from what runs, the CLI and sweeps accept.
"""

from __future__ import annotations

import math
from typing import Any

from gpfed.parameters import SPEC, Parameter, unknown_parameter_error
from gpfed.scenarios import all_scenarios

LEVERS = (
    "federation_incentive_gbp_per_patient_per_year",
    "gp_contract_regime",
    "hospital_payment",
    "quality_weight",
    "core_definition",
    "risk_sharing",
    "provider_loss_share",
    "procurements_at_once",
)
"""The levers the page offers: the ones the policy proposals of DESIGN.md §1 turn on."""

DEFAULT_SCENARIO = "status_quo"
DEFAULT_SEED = 1
SCENARIO_CONTROL = "scenario_name"
"""Key of the scenario picker: ``scenario`` itself is the keyword Mesa's reset uses for its own
:class:`mesa.experimental.scenarios.Scenario`."""
SEED_CONTROL = "seed"

# A slider of about this many notches, on a 1-2-5 grid so values stay readable.
_SLIDER_NOTCHES = 100


def lever_label(parameter: Parameter) -> str:
    """The control's label: the parameter's name in words, with its unit unless the name says it.

    Example: ``core_definition`` gives ``"core definition (share of overlapping lines)"`` and
    ``federation_incentive_gbp_per_patient_per_year`` gives
    ``"federation incentive £ per patient per year"``.
    """
    words = parameter.name.replace("_gbp", " £").replace("_", " ")
    if parameter.unit and not set(parameter.unit.split()) <= set(words.split()):
        return f"{words} ({parameter.unit})"
    return words


def slider_step(low: float, high: float) -> float:
    """A 1-2-5 step giving about a hundred notches between ``low`` and ``high``.

    Raises:
        ValueError: bounds that are not finite numbers with ``low`` below ``high``.
    """
    numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (low, high))
    if not (numbers and math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(
            f"slider bounds low = {low!r}, high = {high!r}; allowed finite numbers, low below high"
        )
    raw = (high - low) / _SLIDER_NOTCHES
    exponent = math.floor(math.log10(raw))
    for mantissa in (1, 2, 5, 10):
        step = mantissa * 10.0**exponent
        if step >= raw:
            return round(step, max(0, -exponent))
    raise AssertionError("unreachable: the mantissa 10 always covers raw")


def lever_control(parameter: Parameter) -> dict[str, Any]:
    """The SolaraViz ``model_params`` entry for one parameter of the spec.

    Raises:
        ValueError: the parameter cannot be a control (a default that is a schedule, or a number
            without both bounds).
    """
    if not isinstance(parameter, Parameter):
        raise TypeError(f"parameter = {parameter!r}; allowed a Parameter of the spec (SPEC[name])")
    if not isinstance(parameter.default, bool | int | float | str):
        raise ValueError(f"{parameter.name}: a scheduled default cannot start a control")
    control: dict[str, Any] = {"label": lever_label(parameter), "value": parameter.default}
    if parameter.choices:
        return {**control, "type": "Select", "values": list(parameter.choices)}
    if parameter.kind is bool:
        return {**control, "type": "Checkbox"}
    if parameter.low is None or parameter.high is None:
        raise ValueError(f"{parameter.name}: a slider needs both bounds ({parameter.allowed()})")
    if not parameter.low < parameter.high:
        raise ValueError(
            f"{parameter.name}: a slider needs low below high; got {parameter.allowed()}"
        )
    if parameter.kind is int:
        bounds = {"min": int(parameter.low), "max": int(parameter.high), "step": 1}
        return {**control, "type": "SliderInt", **bounds}
    step = slider_step(parameter.low, parameter.high)
    bounds = {"min": parameter.low, "max": parameter.high, "step": step}
    return {**control, "type": "SliderFloat", **bounds}


def page_scenarios() -> list[str]:
    """Names of the scenarios the page offers: those that run on the region world.

    A scenario that sets another world (``england_2013`` runs all 8,053 practices) is left out:
    the page redraws every practice each quarter, which the region keeps well under a second.
    """
    return [s.name for s in all_scenarios() if s.values.get("preset", "region") == "region"]


def model_params(levers: tuple[str, ...] = LEVERS) -> dict[str, dict[str, Any]]:
    """SolaraViz's ``model_params``: the scenario picker, the seed box and one control per lever.

    The keys are the keyword arguments of :class:`gpfed.viz.factory.PolicyModel`, which Mesa's
    Reset button calls with the controls' values.

    Raises:
        ParameterError: a lever that is not a parameter of the spec (with the nearest names).
    """
    if isinstance(levers, str):
        levers = (levers,)
    for name in levers:
        if name not in SPEC:
            raise unknown_parameter_error(name)
    return {
        SCENARIO_CONTROL: {
            "type": "Select",
            "label": "policy scenario",
            "value": DEFAULT_SCENARIO,
            "values": page_scenarios(),
        },
        SEED_CONTROL: {
            "type": "InputText",
            "label": "seed (whole number, 0 or more)",
            "value": str(DEFAULT_SEED),
        },
        **{name: lever_control(SPEC[name]) for name in levers},
    }
