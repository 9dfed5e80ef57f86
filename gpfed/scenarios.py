"""Named policy scenarios: a value (or schedule) for each lever a policy proposal changes.

A scenario is data: its values are validated by :class:`gpfed.params.Params` when used, so a
scenario here can never hold a value the spec forbids (a test builds every one).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Scenario:
    """A named set of parameter values encoding one policy proposal.

    Attributes:
        name: identifier used by ``Params(name)``, the CLI and sweep files.
        title: one line for listings.
        source: the publication the proposal comes from.
        values: parameter values (or schedules) that differ from the defaults.
    """

    name: str
    title: str
    source: str
    values: Mapping[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    """Add a scenario to the registry (names are unique)."""
    if scenario.name in _REGISTRY:
        raise ValueError(f"scenario {scenario.name!r} is already registered")
    _REGISTRY[scenario.name] = scenario
    return scenario


def get(name: str) -> Scenario:
    """Return the scenario called ``name``, or raise a ParameterError listing the known ones."""
    from gpfed.params import ParameterError

    try:
        return _REGISTRY[name]
    except KeyError:
        near = difflib.get_close_matches(name, _REGISTRY, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else "."
        raise ParameterError(f"no scenario {name!r}{hint} Known: {', '.join(_REGISTRY)}") from None


def all_scenarios() -> list[Scenario]:
    """Every registered scenario, in registration order."""
    return list(_REGISTRY.values())


register(
    Scenario(
        name="status_quo",
        title="GMS contract and payment by results as in 2013/14, with the announced GMS changes "
        "(global sum path, MPIG and seniority phase-outs, QOF points cut)",
        source="NHS Employers/BMA GMS 2013/14-2018/19 contract changes; DH PbR and MRET rules",
        values={},
    )
)
