"""The parameter spec: every lever and behavioural parameter, with unit, range, default and source.

One spec drives single runs, the CLI's ``--set``, sweep files and the browser sliders, so it is
plain data (:data:`SPEC`, a mapping of :class:`Parameter`) that callers introspect. Its entries
live in one module per topic: the world, the GP contract, hospital payment, integrated care, risk
sharing, markets (trusts, commissioners, bidders), the GP workforce, and the behaviour policies
act through. :class:`Params` is a validated, immutable set of values for it;
:meth:`Params.timeline` resolves schedules into typed :class:`Levers` per step.

Levers marked ``schedulable`` may change over time: give them a :class:`Schedule` (or a dict)
mapping the step, or a calendar quarter such as ``"2014Q2"``, from which each value applies.

Sources are cited on each parameter; ``[P]`` marks a proposed value with no published anchor (a
behavioural parameter to calibrate or sweep), as in MODEL-SPEC.md.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from gpfed.parameters.behaviour import PARAMETERS as BEHAVIOUR
from gpfed.parameters.gp_contract import PARAMETERS as GP_CONTRACT
from gpfed.parameters.hospital_payment import PARAMETERS as HOSPITAL_PAYMENT
from gpfed.parameters.integrated_care import PARAMETERS as INTEGRATED_CARE
from gpfed.parameters.levers import Levers
from gpfed.parameters.machinery import Parameter, ParameterError, Schedule, Value
from gpfed.parameters.markets import PARAMETERS as MARKETS
from gpfed.parameters.risk import PARAMETERS as RISK
from gpfed.parameters.scenario import get_scenario
from gpfed.parameters.workforce import PARAMETERS as WORKFORCE
from gpfed.parameters.world import PARAMETERS as WORLD

SPEC: Mapping[str, Parameter] = {
    p.name: p
    for topic in (
        WORLD,
        GP_CONTRACT,
        HOSPITAL_PAYMENT,
        INTEGRATED_CARE,
        RISK,
        MARKETS,
        WORKFORCE,
        BEHAVIOUR,
    )
    for p in topic
}
"""Every parameter by name, in display order."""

PRESETS: Mapping[str, Mapping[str, Value]] = {
    "region": {},
    # England 2013: 8,053 practices (NHS Digital, July 2013), 211 CCGs in 27 area teams,
    # ~160 acute trusts.
    "england": {
        "n_practices": 8053,
        "n_commissioners": 211,
        "n_area_teams": 27,
        "n_trusts": 160,
    },
}
"""World presets: structural values applied unless the caller gives them explicitly."""


class Params(Mapping[str, Value | Schedule]):
    """A validated, immutable set of parameter values.

    Args:
        scenario: optional named scenario (see :mod:`gpfed.scenarios`) whose values apply first.
        **values: parameter values by name; they override the scenario and the preset.

    Raises:
        ParameterError: an unknown name (with suggestions and the valid names) or a value outside
            the allowed range (naming parameter, value and range).

    Example:
        >>> Params(hospital_payment="capitation", n_practices=150).hospital_payment
        'capitation'
    """

    __slots__ = ("_explicit", "_scenario", "_values")

    def __init__(self, scenario: str | None = None, /, **values: Any) -> None:
        merged: dict[str, Any] = {}
        if scenario is not None:
            if not isinstance(scenario, str):
                raise ParameterError(
                    f"scenario = {scenario!r}; allowed a scenario name (see 'gpfed scenarios')"
                )
            merged.update(get_scenario(scenario).values)
        merged.update(values)
        unknown = [name for name in merged if name not in SPEC]
        if unknown:
            raise unknown_parameter_error(unknown[0])
        preset = SPEC["preset"].check(merged.get("preset", SPEC["preset"].default))
        resolved: dict[str, Any] = {name: p.default for name, p in SPEC.items()}
        resolved.update(PRESETS[preset])
        resolved.update(merged)
        start_year = SPEC["start_year"].check(resolved["start_year"])
        start_quarter = SPEC["start_quarter"].check(resolved["start_quarter"])
        checked = {
            name: SPEC[name].check_any(value, start_year, start_quarter)
            for name, value in resolved.items()
        }
        _check_consistency(checked)
        self._values = checked
        self._explicit = frozenset(merged)
        self._scenario = scenario

    @classmethod
    def coerce(
        cls, params: Params | Mapping[str, Any] | str | None = None, **values: Any
    ) -> Params:
        """Build Params from Params, a mapping, a scenario name or nothing, plus overrides."""
        if isinstance(params, Params):
            return params.replace(**values) if values else params
        if isinstance(params, str):
            return cls(params, **values)
        if params is not None and not isinstance(params, Mapping):
            raise TypeError(
                f"params = {params!r}; allowed Params, a mapping of parameter values, a scenario "
                "name or None"
            )
        return cls(**{**(params or {}), **values})

    def replace(self, **changes: Any) -> Params:
        """Return new Params with some values changed (validated again)."""
        explicit = {k: self._values[k] for k in self._explicit if k in self._values}
        return Params(self._scenario, **{**explicit, **changes})

    @property
    def scenario(self) -> str | None:
        """Name of the scenario these values started from, if any."""
        return self._scenario

    def __getattr__(self, name: str) -> Value | Schedule:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(str(unknown_parameter_error(name))) from None

    def __getitem__(self, name: str) -> Value | Schedule:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != SPEC[k].default}
        inner = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        head = f"{self._scenario!r}, " if self._scenario else ""
        return f"Params({head}{inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._scenario, {k: self._values[k] for k in self._explicit}))

    def to_dict(self) -> dict[str, Any]:
        """Plain values, schedules as dicts: for storage next to results."""
        return {k: (v.as_dict() if isinstance(v, Schedule) else v) for k, v in self._values.items()}

    def timeline(self) -> LeverTimeline:
        """Resolve schedules into a per-step lookup (see :class:`LeverTimeline`)."""
        return LeverTimeline(self)


def _rebuild(scenario: str | None, explicit: dict[str, Any]) -> Params:
    return Params(scenario, **explicit)


@dataclass
class LeverTimeline:
    """Values in force at each step, schedules resolved once.

    ``timeline.at(step)`` returns the typed :class:`Levers` in force at that step.
    """

    params: Params
    _changes: dict[int, dict[str, Value]] = field(default_factory=dict, init=False)
    _base: dict[str, Value] = field(default_factory=dict, init=False)
    _made: dict[int, Levers] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        start = (self.params["start_year"], self.params["start_quarter"])
        for name, value in self.params.items():
            if isinstance(value, Schedule):
                for step, item in value.resolved(*start):
                    if step <= 0:
                        self._base[name] = item
                    else:
                        self._changes.setdefault(step, {})[name] = item
            else:
                self._base[name] = value

    def at(self, step: int) -> Levers:
        """Return every parameter's value in force at ``step`` (0 = the start quarter).

        Steps between the same two changes share one (frozen) :class:`Levers`, made once.
        """
        passed = [s for s in self._changes if s <= step]
        last_change = max(passed, default=0)
        if last_change not in self._made:
            values = dict(self._base)
            for change_step in sorted(passed):
                values.update(self._changes[change_step])
            self._made[last_change] = Levers(**values)
        return self._made[last_change]


def unknown_parameter_error(name: str) -> ParameterError:
    """Build the error for an unknown parameter name, with the nearest valid names."""
    near = difflib.get_close_matches(name, SPEC, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else "."
    return ParameterError(f"no parameter {name!r}{hint} Valid: {', '.join(SPEC)}")


def _check_consistency(values: Mapping[str, Any]) -> None:
    """Cross-parameter rules that single ranges cannot express."""
    if values["n_commissioners"] > values["n_practices"]:
        raise ParameterError(
            f"n_commissioners = {values['n_commissioners']} exceeds n_practices = "
            f"{values['n_practices']}; allowed 1 to n_practices"
        )
    if values["n_area_teams"] > values["n_commissioners"]:
        raise ParameterError(
            f"n_area_teams = {values['n_area_teams']} exceeds n_commissioners = "
            f"{values['n_commissioners']}; allowed 1 to n_commissioners"
        )
    if values["n_trusts"] > values["n_practices"]:
        # Trust sites are drawn among practice sites.
        raise ParameterError(
            f"n_trusts = {values['n_trusts']} exceeds n_practices = {values['n_practices']}; "
            "allowed 1 to n_practices"
        )
    if values["trusts_per_practice"] > values["n_trusts"]:
        raise ParameterError(
            f"trusts_per_practice = {values['trusts_per_practice']} exceeds n_trusts = "
            f"{values['n_trusts']}; allowed 1 to n_trusts"
        )


def describe(group: str | None = None) -> list[dict[str, Any]]:
    """Return the spec as rows (name, default, unit, allowed, doc, source) for tables and docs."""
    return [
        {
            "name": p.name,
            "group": p.group,
            "default": str(p.default),
            "unit": p.unit,
            "allowed": p.allowed(),
            "schedulable": p.schedulable,
            "doc": p.doc,
            "source": p.source,
        }
        for p in SPEC.values()
        if group is None or p.group == group
    ]
