"""Models built from the page's controls: a scenario, the levers moved, a seed.

Mesa's Reset button rebuilds the model as ``type(model)(**control_values)``, so the factory is a
model class, :class:`PolicyModel`, whose keywords are the controls' keys
(:func:`gpfed.viz.controls.model_params`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mesa.experimental.scenarios import Scenario as MesaScenario

from gpfed.model.model import GPFedModel
from gpfed.parameters import SPEC, ParameterError, Params, unknown_parameter_error
from gpfed.scenarios import fitted_values
from gpfed.viz.controls import DEFAULT_SCENARIO, DEFAULT_SEED


def parse_seed(value: int | str) -> int:
    """The seed typed in the seed box (or given as an int), checked.

    Raises:
        ParameterError: not a whole number of 0 or more.
    """
    text = str(value).strip()
    if isinstance(value, bool) or not isinstance(value, int | str) or not text.isdecimal():
        raise ParameterError(f"seed = {value!r}; allowed a whole number, 0 or more")
    return int(text)


def params_from_controls(scenario_name: str, levers: Mapping[str, Any]) -> Params:
    """Parameters of a named scenario, on the calibrated behaviour, with the levers moved.

    Every scenario runs on the calibration's point estimate (docs/VALIDATION.md), as
    ``gpfed compare --calibration point`` does. The controls start at the spec's defaults, so a
    lever still at its default leaves the scenario's own value, or schedule, in force
    (``kings_fund_2014`` keeps its 2015 switch to the optional contract); a lever moved off it
    applies from the first quarter.

    Raises:
        ParameterError: an unknown scenario or parameter, or a value out of range.
    """
    moved = {}
    for name, value in levers.items():
        if name not in SPEC:
            raise unknown_parameter_error(name)
        if value != SPEC[name].default:
            moved[name] = value
    return Params(scenario_name, **{**fitted_values(), **moved})


class PolicyModel(GPFedModel):
    """A :class:`~gpfed.model.model.GPFedModel` built from the page's control values.

    Args:
        scenario_name: a named scenario (see ``gpfed scenarios``).
        seed: the seed box's text, or an int.
        scenario: Mesa's own scenario object, which Mesa's Reset passes to every model it
            rebuilds; gpfed's parameters live in :class:`~gpfed.parameters.Params`, so it is unused.
        **levers: control values by parameter name (see :func:`params_from_controls`).

    Raises:
        ParameterError: an unknown scenario or parameter, a value out of range, or a bad seed.
    """

    def __init__(
        self,
        *,
        scenario_name: str = DEFAULT_SCENARIO,
        seed: int | str = DEFAULT_SEED,
        scenario: MesaScenario | None = None,
        **levers: Any,
    ) -> None:
        super().__init__(params_from_controls(scenario_name, levers), rng=parse_seed(seed))


def build_model(
    scenario: str = DEFAULT_SCENARIO, seed: int | str = DEFAULT_SEED, **levers: Any
) -> PolicyModel:
    """Build the page's model: a named scenario, the levers moved off their defaults, a seed.

    Example:
        >>> build_model("kings_fund_2014", seed=3, quality_weight=0.8).params.quality_weight
        0.8

    Raises:
        ParameterError: an unknown scenario or parameter, a value out of range, or a bad seed.
    """
    return PolicyModel(scenario_name=scenario, seed=seed, **levers)
