"""Sweep definitions: which levers vary, how they are sampled, what is kept.

A sweep is a TOML file or a :class:`SweepSpec` built in Python. Everything is checked against
the same parameter spec as single runs before anything runs: an unknown parameter, a bound
outside a parameter's allowed range, an unknown sampler or output, or zero replications raise
:class:`SweepError` (a :class:`~gpfed.parameters.ParameterError`) with a one-line message.

Example file::

    [sweep]
    name = "federation incentive and quality weight"
    sampler = "sobol"         # grid | lhs | sobol | morris | points
    samples = 32              # lhs: points; sobol: base N (N(D+2) points); morris: trajectories
    replications = 2
    quarters = 20
    seed = 42
    common_random_numbers = false
    outputs = ["share_practices_federated", "emergency_admissions_per_1000"]
    keep = ["final", "series"]
    scenario = "kings_fund_2011"   # optional: values the sweep starts from
    run_time_limit_s = 600    # optional (default 3600): a run past it is stopped, recorded failed

    [fixed]
    n_practices = 150

    [parameters]
    federation_incentive_gbp_per_patient_per_year = { low = 0, high = 10 }
    quality_weight = { levels = [0.35, 0.65, 0.95] }   # grid and lhs only

The ``points`` sampler takes given points rather than a design: every parameter has ``levels``
of the same length, and point ``i`` takes the ``i``-th level of each (e.g. draws from a
posterior).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gpfed.outputs import METRICS
from gpfed.parameters import (
    SPEC,
    ParameterError,
    Params,
    check_whole_number,
    unknown_parameter_error,
)
from gpfed.scenarios import get_scenario

SAMPLERS = ("grid", "lhs", "sobol", "morris", "points")
MAX_QUARTERS = int(SPEC["horizon_quarters"].high)
"""The most quarters a sweep's runs simulate: the horizon's upper bound."""
DEFAULT_RUN_TIME_LIMIT_S = 3600.0
"""A run still going after an hour is stopped and recorded as failed (England's ten years take
seconds): a hang cannot hold up a sweep."""
MAX_RUN_TIME_LIMIT_S = 7 * 24 * 3600.0
KEEP = ("final", "series")
SCENARIO = "scenario"
"""A sweep may vary the named scenario itself, with ``levels`` (grid, lhs and points samplers)."""


class SweepError(ParameterError):
    """A sweep definition the spec does not allow; the message says what is allowed."""


@dataclass(frozen=True)
class Dimension:
    """One swept parameter: a numeric range (``low``..``high``, ``steps`` for grids) or levels.

    Attributes:
        name: parameter name (or ``"scenario"``).
        low: lower bound of a range.
        high: upper bound of a range.
        steps: grid points across a range (grid sampler).
        levels: explicit values.
    """

    name: str
    low: float | None = None
    high: float | None = None
    steps: int | None = None
    levels: tuple[Any, ...] = ()

    @property
    def is_range(self) -> bool:
        """Whether it is a numeric range rather than levels."""
        return not self.levels

    @property
    def is_integer(self) -> bool:
        """Whether sampled values are rounded to whole numbers (an int parameter)."""
        return self.name != SCENARIO and SPEC[self.name].kind is int


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep definition (see the module docstring for the fields).

    Build with keywords, from a mapping (:meth:`from_mapping`) or a TOML file (:meth:`load`).
    """

    parameters: tuple[Dimension, ...]
    sampler: str = "grid"
    samples: int = 16
    replications: int = 1
    quarters: int = 40
    seed: int = 0
    common_random_numbers: bool = False
    outputs: tuple[str, ...] = (
        "practices_open",
        "share_practices_federated",
        "integrated_population_share",
        "emergency_admissions_per_1000",
        "commissioner_spend_per_capita_gbp",
        "paid_twice_gbp",
    )
    keep: tuple[str, ...] = ("final",)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    scenario: str | None = None
    name: str = "sweep"
    run_time_limit_s: float = DEFAULT_RUN_TIME_LIMIT_S

    def __post_init__(self) -> None:
        try:
            _validate(self)
        except SweepError:
            raise
        except ParameterError as error:
            raise SweepError(str(error)) from None

    # --- construction ---------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SweepSpec:
        """Build from the TOML layout: ``[sweep]``, ``[fixed]`` and ``[parameters]`` tables."""
        if not isinstance(data, Mapping):
            raise SweepError(
                f"a sweep definition = {data!r}; allowed tables [sweep], [fixed], [parameters]"
            )
        unknown = set(data) - {"sweep", "fixed", "parameters"}
        if unknown:
            raise SweepError(
                f"unknown table [{sorted(unknown)[0]}]; allowed [sweep], [fixed], [parameters]"
            )
        for table in ("sweep", "fixed", "parameters"):
            if not isinstance(data.get(table, {}), Mapping):
                raise SweepError(
                    f"{table} = {data[table]!r}; allowed a table [{table}] of NAME = VALUE lines"
                )
        settings = dict(data.get("sweep", {}))
        allowed = {
            "name",
            "sampler",
            "samples",
            "replications",
            "quarters",
            "seed",
            "common_random_numbers",
            "outputs",
            "keep",
            "scenario",
            "run_time_limit_s",
        }
        extra = set(settings) - allowed
        if extra:
            raise SweepError(
                f"[sweep] has no setting {sorted(extra)[0]!r}; allowed {', '.join(sorted(allowed))}"
            )
        parameters = data.get("parameters", {})
        if not isinstance(parameters, Mapping) or not parameters:
            raise SweepError(
                "[parameters] must give at least one parameter to vary; allowed e.g. "
                "quality_weight = { low = 0.2, high = 0.8, steps = 3 }"
            )
        dimensions = tuple(_dimension(name, value) for name, value in parameters.items())
        for key in ("outputs", "keep"):
            if key in settings:
                if not isinstance(settings[key], list):
                    raise SweepError(f"[sweep] {key} must be a list of names")
                settings[key] = tuple(settings[key])
        return cls(parameters=dimensions, fixed=dict(data.get("fixed", {})), **settings)

    @classmethod
    def load(cls, path: str | Path) -> SweepSpec:
        """Read and validate a TOML sweep file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SweepError(f"no sweep file {str(path)!r}") from None
        except IsADirectoryError:
            raise SweepError(f"sweep file {str(path)!r} is a folder; allowed a TOML file") from None
        except UnicodeDecodeError as error:
            raise SweepError(
                f"sweep file {str(path)!r} is not UTF-8 text (byte "
                f"{error.object[error.start]:#04x} at offset {error.start}); allowed a TOML "
                "text file"
            ) from None
        except OSError as error:
            raise SweepError(
                f"sweep file {str(path)!r} cannot be read ({error.strerror or error}); allowed a "
                "readable TOML file"
            ) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            message = " ".join(str(error).split())
            raise SweepError(
                f"{path.name}: not valid TOML ({message}); allowed TOML text (toml.io)"
            ) from None
        return cls.from_mapping(data)

    # --- use ------------------------------------------------------------------------------
    def to_mapping(self) -> dict[str, Any]:
        """The spec in the TOML layout (plain values), e.g. for storing beside results."""
        settings = {k: v for k, v in asdict(self).items() if k not in ("parameters", "fixed")}
        settings = {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}
        if settings["scenario"] is None:
            del settings["scenario"]
        parameters = {}
        for d in self.parameters:
            if d.levels:
                parameters[d.name] = {"levels": list(d.levels)}
            else:
                entry: dict[str, Any] = {"low": d.low, "high": d.high}
                if d.steps is not None:
                    entry["steps"] = d.steps
                parameters[d.name] = entry
        return {"sweep": settings, "fixed": dict(self.fixed), "parameters": parameters}

    def fingerprint(self) -> str:
        """A hash of the definition: a results folder belongs to exactly one sweep.

        The run time limit is left out: it decides which runs finish, not their results, so a
        resume may give a longer one.
        """
        mapping = self.to_mapping()
        mapping["sweep"] = {k: v for k, v in mapping["sweep"].items() if k != "run_time_limit_s"}
        text = json.dumps(mapping, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def names(self) -> list[str]:
        """The swept parameters, in order."""
        return [d.name for d in self.parameters]


def _dimension(name: str, value: Any) -> Dimension:
    if isinstance(value, list):
        if not value:
            raise SweepError(f"parameters.{name} = []; allowed a non-empty list of levels")
        return Dimension(name, levels=tuple(value))
    if not isinstance(value, Mapping):
        raise SweepError(
            f"parameters.{name}: give {{ low = .., high = .. }} or {{ levels = [..] }}, "
            f"not {value!r}"
        )
    extra = set(value) - {"low", "high", "steps", "levels"}
    if extra:
        raise SweepError(
            f"parameters.{name}: unknown key {sorted(extra)[0]!r}; allowed low, high, steps, levels"
        )
    if "levels" in value:
        if set(value) != {"levels"}:
            raise SweepError(f"parameters.{name}: give levels or a range, not both")
        levels = value["levels"]
        if not isinstance(levels, list) or not levels:
            raise SweepError(
                f"parameters.{name}.levels = {levels!r}; allowed a non-empty list, e.g. [1, 2]"
            )
        return Dimension(name, levels=tuple(levels))
    if "low" not in value or "high" not in value:
        raise SweepError(f"parameters.{name}: a range needs both low and high")
    return Dimension(name, low=value["low"], high=value["high"], steps=value.get("steps"))


def _validate(spec: SweepSpec) -> None:
    """Every check that can be made before running (module docstring)."""
    if spec.sampler not in SAMPLERS:
        raise SweepError(f"sampler = {spec.sampler!r}; allowed {', '.join(SAMPLERS)}")
    for key, low in (("replications", 1), ("samples", 1), ("quarters", 1), ("seed", 0)):
        check_whole_number(key, getattr(spec, key), low, SweepError)
    if spec.quarters > MAX_QUARTERS:
        raise SweepError(f"quarters = {spec.quarters!r}; allowed 1 to {MAX_QUARTERS}")
    if not isinstance(spec.common_random_numbers, bool):
        raise SweepError(
            f"common_random_numbers = {spec.common_random_numbers!r}; allowed true or false"
        )
    limit = spec.run_time_limit_s
    number = isinstance(limit, int | float) and not isinstance(limit, bool)
    if not number or not 0 < limit <= MAX_RUN_TIME_LIMIT_S:
        raise SweepError(
            f"run_time_limit_s = {limit!r}; allowed a number of seconds above 0, at most "
            f"{MAX_RUN_TIME_LIMIT_S:g}"
        )
    if not isinstance(spec.name, str):
        raise SweepError(f'name = {spec.name!r}; allowed a text, e.g. "my sweep"')
    if spec.scenario is not None and not isinstance(spec.scenario, str):
        raise SweepError(f"scenario = {spec.scenario!r}; allowed a scenario name")
    if not spec.parameters:
        raise SweepError("a sweep needs at least one parameter to vary")
    if len(set(spec.names)) != len(spec.names):
        raise SweepError("a parameter is swept twice")
    if not spec.outputs:
        raise SweepError("outputs: give at least one output series")
    for output in spec.outputs:
        if not isinstance(output, str) or output not in METRICS:
            raise SweepError(f"no output {output!r}; allowed {', '.join(METRICS)}")
    if not spec.keep or set(spec.keep) - set(KEEP):
        raise SweepError(f"keep = {list(spec.keep)!r}; allowed one or both of 'final', 'series'")
    for dimension in spec.parameters:
        _validate_dimension(dimension, spec.sampler)
    if spec.sampler == "points":
        lengths = {d.name: len(d.levels) for d in spec.parameters}
        if len(set(lengths.values())) != 1:
            raise SweepError(
                f"the points sampler needs as many levels for every parameter; got {lengths}"
            )
    overlap = set(spec.names) & set(spec.fixed)
    if overlap:
        raise SweepError(f"{sorted(overlap)[0]} is both fixed and swept")
    if spec.scenario is not None:
        get_scenario(spec.scenario)
    # Fixed values and the scenario must make valid Params on their own.
    Params(spec.scenario, **spec.fixed)


def _validate_dimension(dimension: Dimension, sampler: str) -> None:
    name = dimension.name
    if sampler == "points" and dimension.is_range:
        raise SweepError(f"{name}: the points sampler takes levels = [..], one per point")
    if name == SCENARIO:
        if dimension.is_range or sampler not in ("grid", "lhs", "points"):
            raise SweepError(
                "scenario: sweep it with levels = [..] under the grid, lhs or points sampler"
            )
        for level in dimension.levels:
            if not isinstance(level, str):
                raise SweepError(f"scenario = {level!r}; allowed scenario names in levels = [..]")
            get_scenario(level)
        return
    if name not in SPEC:
        raise unknown_parameter_error(name)
    parameter = SPEC[name]
    if dimension.levels:
        if sampler in ("sobol", "morris"):
            raise SweepError(f"{name}: the {sampler} sampler needs a range (low, high), not levels")
        for level in dimension.levels:
            _check(parameter, level)
        return
    if parameter.kind not in (int, float):
        raise SweepError(f"{name} is not a number; give levels = [..] ({parameter.allowed()})")
    low, high = _check(parameter, dimension.low), _check(parameter, dimension.high)
    if not low < high:
        raise SweepError(
            f"{name}: low = {low!r} must be below high = {high!r}; allowed low < high within "
            f"{parameter.allowed()}"
        )
    if sampler == "grid":
        steps = dimension.steps
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
            raise SweepError(
                f"{name}: a grid over a range needs steps = 2 or more; got steps = {steps!r}, "
                "allowed a whole number, 2 or more"
            )


def _check(parameter: Any, value: Any) -> Any:
    try:
        return parameter.check(value)
    except ParameterError as error:
        raise SweepError(str(error)) from None
