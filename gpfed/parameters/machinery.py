"""Parameter machinery: one spec entry (:class:`Parameter`), schedules and the error type.

A :class:`Parameter` knows its unit, default, allowed range or choices and source, and checks and
converts values; a :class:`Schedule` gives a lever a value per step or calendar quarter. The spec
itself is assembled in :mod:`gpfed.parameters.spec` from one module of entries per topic.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Value = float | int | str | bool
PROPOSED = "[P] proposed; calibrate or sweep"
QUARTERS_PER_YEAR = 4
"""One step is a quarter; calendar quarters count from 1 to 4."""
_QUARTER = re.compile(r"^(\d{4})\s*Q([1-4])$", re.IGNORECASE)


class ParameterError(ValueError):
    """A parameter name or value that the spec does not allow; the message says what is allowed."""


@dataclass(frozen=True)
class Schedule:
    """A lever's value over time: piecewise constant from each key (step or ``"YYYYQn"``) on.

    Example: ``Schedule({"2013Q2": 66.25, "2014Q2": 73.56})`` or ``Schedule({0: 0.0, 4: 0.3})``.
    """

    points: tuple[tuple[int | str, Value], ...]

    def __init__(self, points: Mapping[int | str, Value] | tuple[tuple[int | str, Value], ...]):
        items = tuple(points.items()) if isinstance(points, Mapping) else tuple(points)
        object.__setattr__(self, "points", items)

    def resolved(self, start_year: int, start_quarter: int) -> tuple[tuple[int, Value], ...]:
        """Return ``(step, value)`` pairs sorted by step, calendar keys turned into steps."""
        pairs = sorted(
            ((quarter_to_step(k, start_year, start_quarter), v) for k, v in self.points),
            key=lambda p: p[0],
        )
        return tuple(pairs)

    def as_dict(self) -> dict[int | str, Value]:
        """Return the schedule as a plain dict (for TOML/JSON output)."""
        return dict(self.points)

    def __str__(self) -> str:
        return ", ".join(f"{k}: {v}" for k, v in self.points)


def check_whole_number(
    name: str, value: Any, low: int, error: type[ParameterError] = ParameterError
) -> int:
    """``value`` if it is a whole number (not a bool) of at least ``low``.

    Raises:
        ParameterError: (or ``error``, a subclass) naming the setting, the value and the range.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise error(f"{name} = {value!r}; allowed a whole number, {low} or more")
    return value


def quarter_to_step(key: int | str, start_year: int, start_quarter: int) -> int:
    """Turn a schedule key (a step, or a calendar quarter like ``"2014Q2"``) into a step number.

    Step 0 is the start quarter; a quarter before the start gives a negative step.
    """
    if isinstance(key, bool):
        raise ParameterError(
            f"schedule key {key!r} is neither a step nor a quarter; allowed a step (0, 1, ...) "
            "or a quarter like '2014Q2'"
        )
    if isinstance(key, int):
        return key
    match = _QUARTER.match(str(key).strip())
    if match is None:
        if str(key).strip().lstrip("-").isdigit():
            return int(str(key).strip())
        raise ParameterError(
            f"schedule key {key!r} is neither a step nor a quarter; allowed a step (0, 1, ...) "
            "or a quarter like '2014Q2'"
        )
    year, quarter = int(match.group(1)), int(match.group(2))
    return (year - start_year) * QUARTERS_PER_YEAR + (quarter - start_quarter)


def step_to_quarter(step: int, start_year: int, start_quarter: int) -> str:
    """Return the calendar quarter label (``"2014Q2"``) of a step."""
    index = start_year * QUARTERS_PER_YEAR + (start_quarter - 1) + step
    return f"{index // QUARTERS_PER_YEAR}Q{index % QUARTERS_PER_YEAR + 1}"


@dataclass(frozen=True)
class Parameter:
    """One entry of the spec.

    Attributes:
        name: the keyword used everywhere (model, CLI, sweep files, sliders).
        default: default value, or a :class:`Schedule` for a lever with a sourced time path.
        unit: unit of the value, e.g. ``"£ per weighted patient per year"``.
        doc: one line saying what it is.
        source: where an empirical default comes from; ``[P]`` for a proposed value.
        group: section of the spec (world, demand, practice income, ...).
        low: smallest allowed value (numbers).
        high: largest allowed value (numbers).
        choices: allowed values (text).
        schedulable: whether a scenario may give it a value per step.
    """

    name: str
    default: Value | Schedule
    unit: str
    doc: str
    source: str
    group: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    schedulable: bool = False

    @property
    def kind(self) -> type:
        """Python type of the value: float, int, str or bool."""
        sample = self.default
        if isinstance(sample, Schedule):
            sample = sample.points[0][1]
        return type(sample)

    def allowed(self) -> str:
        """Describe the allowed values, e.g. ``"0 to 20"`` or ``"one of 'pbr', 'block'"``."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is bool:
            return "true or false"
        return f"{_fmt(self.low)} to {_fmt(self.high)}"

    def check(self, value: Any) -> Value:
        """Return ``value`` converted to this parameter's type, or raise :class:`ParameterError`."""
        kind = self.kind
        try:
            converted = _convert(value, kind)
        except (TypeError, ValueError):
            raise self._error(value, f"expected {kind.__name__}") from None
        if self.choices and converted not in self.choices:
            near = difflib.get_close_matches(str(converted), self.choices, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise self._error(value, hint=hint)
        if kind in (int, float) and not (
            (self.low is None or converted >= self.low)
            and (self.high is None or converted <= self.high)
        ):
            raise self._error(value)
        return converted

    def check_any(self, value: Any, start_year: int, start_quarter: int) -> Value | Schedule:
        """Validate a plain value or, for a schedulable lever, a schedule (dict or Schedule)."""
        if isinstance(value, Mapping | Schedule):
            schedule = value if isinstance(value, Schedule) else Schedule(value)
            if not self.schedulable:
                raise ParameterError(
                    f"{self.name} cannot change over time (given {{{schedule}}}); allowed one "
                    f"value ({self.allowed()})"
                )
            if not schedule.points:
                raise ParameterError(
                    f"{self.name} = {{}}: a schedule needs at least one value; allowed e.g. "
                    f"{{'2014Q2': {self.default if not isinstance(self.default, Schedule) else 1}}}"
                )
            checked = []
            for key, item in schedule.points:
                try:
                    quarter_to_step(key, start_year, start_quarter)
                except ParameterError as error:
                    raise ParameterError(f"{self.name}: {error}") from None
                checked.append((key, self.check(item)))
            resolved = Schedule(tuple(checked)).resolved(start_year, start_quarter)
            if resolved[0][0] > 0:
                raise ParameterError(
                    f"{self.name} = {{{schedule}}}: the schedule starts at step {resolved[0][0]}; "
                    "it must give a value from the first step, allowed keys from "
                    f"{step_to_quarter(0, start_year, start_quarter)} (step 0)"
                )
            return Schedule(tuple(checked))
        return self.check(value)

    def parse(self, text: str) -> Value | dict[str, str]:
        """Parse command-line text: a value, or ``"2013Q2:66.25,2014Q2:73.56"`` for a schedule."""
        if self.schedulable and ":" in text:
            pairs = {}
            for part in text.split(","):
                key, sep, value = part.partition(":")
                if not sep:
                    raise ParameterError(
                        f"{self.name} = {text!r}: cannot read the schedule; allowed "
                        "'KEY:VALUE,KEY:VALUE', e.g. '2013Q2:66.25,2014Q2:73.56'"
                    )
                pairs[key.strip()] = value.strip()
            return pairs
        return text

    def _error(self, value: Any, reason: str = "", hint: str = "") -> ParameterError:
        unit = f" {self.unit}" if self.unit and self.kind in (int, float) else ""
        why = f" ({reason})" if reason else ""
        return ParameterError(f"{self.name} = {value!r}{unit}{why}; allowed {self.allowed()}{hint}")


def _fmt(x: float | None) -> str:
    if x is None:
        return "any"
    return f"{x:g}"


def _convert(value: Any, kind: type) -> Value:
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            return value.strip().lower() in ("true", "1")
        raise ValueError(value)
    if kind is str:
        if not isinstance(value, str):
            raise TypeError(value)
        return value.strip()
    if isinstance(value, bool):
        raise TypeError(value)
    number = float(value) if isinstance(value, str) else value
    if not isinstance(number, int | float) and not hasattr(number, "__float__"):
        raise TypeError(value)
    number = float(number)
    if not math.isfinite(number):
        raise ValueError(value)
    if kind is int:
        if number != int(number):
            raise ValueError(value)
        return int(number)
    return number
