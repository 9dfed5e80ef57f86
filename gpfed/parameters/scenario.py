"""What a scenario is, and the registry of named ones.

A scenario is data: a name, its source, and values (or schedules) for the levers a proposal
changes. The named scenarios themselves are registered by :mod:`gpfed.scenarios`; ``Params(name)``
looks them up here, so the spec never imports the scenarios that are validated against it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gpfed.parameters.machinery import ParameterError


@dataclass(frozen=True)
class Scenario:
    """A named set of parameter values encoding one policy proposal.

    Attributes:
        name: identifier used by ``Params(name)``, the CLI and sweep files.
        title: one line for listings.
        source: the publication the proposal comes from.
        values: parameter values (or schedules) that differ from the defaults.
        policy: a policy proposal, compared with the others by ``gpfed compare --all``; False
            for a historical run such as ``england_2013`` (England scale, checked against the
            record by ``gpfed validate``).
        carried_by: which levers encode it and through whose decisions they act (agents'
            behaviours), for listings and the ODD.
    """

    name: str
    title: str
    source: str
    values: Mapping[str, Any] = field(default_factory=dict)
    policy: bool = True
    carried_by: str = ""


_REGISTRY: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    """Add a scenario to the registry (names are unique)."""
    if scenario.name in _REGISTRY:
        raise ValueError(f"scenario {scenario.name!r} is already registered")
    _REGISTRY[scenario.name] = scenario
    return scenario


def get_scenario(name: str) -> Scenario:
    """Return the scenario called ``name``, or raise a ParameterError listing the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        near = difflib.get_close_matches(name, _REGISTRY, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else "."
        raise ParameterError(f"no scenario {name!r}{hint} Known: {', '.join(_REGISTRY)}") from None


def all_scenarios() -> list[Scenario]:
    """Every registered scenario, in registration order."""
    return list(_REGISTRY.values())


def policy_scenarios() -> list[Scenario]:
    """The policy proposals (every scenario but the historical ones), in registration order."""
    return [scenario for scenario in _REGISTRY.values() if scenario.policy]
