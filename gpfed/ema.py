"""gpfed in the EMA Workbench: exploratory modelling and scenario discovery (XLRM).

An XLRM study asks how policies fare across the futures one cannot rule out: uncertainties (X)
and policy levers (L) are gpfed parameters, the relation (R) is one gpfed run and the metrics (M)
are gpfed's outcome series. :func:`gpfed_model` builds an EMA ``Model`` (or a ``ReplicatorModel``
for several replicates) whose uncertainties and levers come from the parameter spec, with its
units, ranges and choices; :func:`perform_gpfed_experiments` samples them, checks every point
against the spec *before* any run and runs them on any EMA evaluator; :func:`prim_boxes` finds
the regions of uncertainty where an outcome crosses a threshold (scenario discovery with PRIM),
and :func:`robustness_table` compares policies by their regret and how often they satisfice.

Outcomes are final-year values, as in gpfed's sweeps: the mean of the last four simulated
quarters, never the start row (:data:`gpfed.experiments.runner.FINAL_QUARTERS`), and optionally
whole series (``<metric>_series``, with a ``TIME`` outcome holding the step numbers). Agent tables
are off (``agent_table_every = 0``) for speed.

Seeds: replicate ``r`` of an experiment runs with a seed derived from the model's root ``seed``
by ``numpy.random.SeedSequence`` and nothing else, so results are the same from run to run and on
any evaluator (sequential, multiprocessing, MPI). With ``seeding="common"`` (the default)
replicate ``r`` of *every* experiment uses :func:`gpfed.compare.replicate_seed` ``(seed, r)``,
the seed replicate ``r`` of ``gpfed compare --seed SEED`` uses (common random numbers: experiments
differ only through their parameters, and ``gpfed run --seed`` with an experiment's values
replays it). With
``seeding="per_scenario"`` replicate ``r`` of an experiment uses
``SeedSequence(seed, spawn_key=(key, r))``, where ``key`` is a stable hash of the experiment's
uncertainty values: every policy meets the same chance events within a scenario (paired
comparisons), while different scenarios get independent ones.

EMA Workbench 3 is an optional dependency (``pip install 'gpfed[ema]'``); ``import gpfed`` never
imports it.

Example:
    >>> from ema_workbench import MultiprocessingEvaluator, Sample
    >>> from gpfed.ema import gpfed_model, perform_gpfed_experiments, prim_boxes
    >>> model = gpfed_model(
    ...     uncertainties={"need_growth_per_year": (0.0, 0.03), "exit_quarters": None},
    ...     levers=["federation_incentive_gbp_per_patient_per_year"],
    ...     outcomes=["practices_open", "emergency_admissions_per_1000"],
    ...     quarters=20, fixed={"n_practices": 120}, replications=2, seed=1)
    >>> policies = [Sample("none", federation_incentive_gbp_per_patient_per_year=0.0),
    ...             Sample("five_gbp", federation_incentive_gbp_per_patient_per_year=5.0)]
    >>> with MultiprocessingEvaluator(model, n_processes=2) as evaluator:  # doctest: +SKIP
    ...     experiments, outcomes = perform_gpfed_experiments(
    ...         model, scenarios=50, policies=policies, evaluator=evaluator, sampling_seed=3)
    >>> prim_boxes(experiments, outcomes, "practices_open", 90, above=False)  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import numbers
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from gpfed.compare import CALIBRATIONS, all_scenario_names, calibrated_values, replicate_seed
from gpfed.experiments.runner import final_year_means, plain_value, run_series
from gpfed.experiments.spec import MAX_QUARTERS
from gpfed.outputs import METRICS
from gpfed.parameters import (
    SPEC,
    ParameterError,
    Params,
    check_whole_number,
    get_scenario,
    unknown_parameter_error,
)

try:
    with warnings.catch_warnings():
        # ema_workbench warns at import when the optional ipyparallel is missing; gpfed never
        # uses its IpyparallelEvaluator, and the warning would fail runs where warnings are
        # errors (the tests, the notebooks).
        warnings.filterwarnings("ignore", message="ipyparallel not installed", category=UserWarning)
        import ema_workbench
        from ema_workbench import (
            ArrayOutcome,
            BooleanParameter,
            CategoricalParameter,
            IntegerParameter,
            Model,
            RealParameter,
            ReplicatorModel,
            Sample,
            Samplers,
            ScalarOutcome,
            TimeSeriesOutcome,
        )
        from ema_workbench.analysis import prim
        from ema_workbench.em_framework.callbacks import DefaultCallback
        from ema_workbench.em_framework.model import AbstractModel
        from ema_workbench.em_framework.parameters import Parameter
        from ema_workbench.em_framework.points import SampleCollection, flatten_sample
        from ema_workbench.em_framework.samplers import AbstractSampler
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "gpfed.ema needs the EMA Workbench 3: pip install 'gpfed[ema]' "
        f"(or 'ema-workbench>=3,<4'); {error}"
    ) from error

__all__ = [
    "DEFAULT_OUTCOMES",
    "NOT_EXPLORABLE",
    "REPLICATES_SUFFIX",
    "SCENARIO",
    "SERIES_SUFFIX",
    "TIME",
    "GPFedRun",
    "Goal",
    "ScenarioBoxes",
    "check_experiments",
    "final_year_means",
    "gpfed_model",
    "perform_gpfed_experiments",
    "prim_boxes",
    "regret",
    "results_frame",
    "robustness_table",
    "run_series",
    "spec_parameter",
]

DEFAULT_OUTCOMES: tuple[str, ...] = (
    "practices_open",
    "emergency_admissions_per_1000",
    "commissioner_spend_per_capita_gbp",
    "share_practices_federated",
)
"""Outcomes a model reports unless told otherwise (names from :data:`gpfed.outputs.METRICS`)."""

NOT_EXPLORABLE: dict[str, str] = {
    "agent_table_every": "agent tables are off in EMA runs",
    "horizon_quarters": "give quarters= to gpfed_model instead",
}
"""Parameters that change nothing an EMA run reports, with what to do instead."""

TIME = "TIME"
"""The outcome holding the step numbers of the series (EMA's plots read it as the time axis)."""

SERIES_SUFFIX = "_series"
"""A series outcome is named after its metric with this suffix (``practices_open_series``)."""

SCENARIO = "gpfed_scenario"
"""The parameter that picks a named gpfed scenario when sampled (a lever or an uncertainty); not
``scenario``, which EMA's experiments table keeps for its own scenario names."""

REPLICATES_SUFFIX = "_replicates"
"""With ``replicate_outcomes="all"``, an outcome keeping every replicate is named with this suffix
(``practices_open_replicates``: experiments x replicates)."""

SEEDINGS = ("common", "per_scenario")
REPLICATE_OUTCOMES = ("mean", "all")
EMA_COLUMNS = ("scenario", "policy", "model")
"""Columns of EMA's experiments table that are not parameters."""

Bounds = tuple[float, float] | Sequence[Any] | None
"""Bounds of an uncertainty or lever: ``(low, high)`` for a number, the allowed choices for a
categorical parameter, or None for the parameter's whole allowed range."""


# --- building the model ---------------------------------------------------------------------


def spec_parameter(name: str, bounds: Bounds = None, role: str = "uncertainty") -> Parameter:
    """The EMA parameter for gpfed parameter ``name``, typed and bounded by the spec.

    Numbers become ``RealParameter`` or ``IntegerParameter`` over the spec's allowed range (or the
    narrower ``bounds``), text ``CategoricalParameter`` over its choices (or the subset given),
    true/false ``BooleanParameter``. ``"gpfed_scenario"`` is a categorical over gpfed's named
    scenarios (``bounds``: the names to choose among; default every policy scenario).

    Args:
        name: a parameter of :data:`gpfed.parameters.SPEC`, or ``"gpfed_scenario"``.
        bounds: ``(low, high)`` within the allowed range for a number; the choices (two or more)
            for a categorical; None for everything the spec allows.
        role: ``"uncertainty"`` or ``"lever"``, for messages only.

    Returns:
        An EMA Workbench parameter named ``name``.

    Raises:
        ParameterError: an unknown name, a parameter that changes nothing an EMA run reports, or
            bounds outside the allowed range (the message names the parameter, the value and the
            range).
    """
    if name == SCENARIO:
        return _scenario_parameter(bounds, role)
    if name == "scenario":
        raise ParameterError(
            f"scenario cannot be a {role} under that name (EMA's experiments table keeps a "
            f"'scenario' column of its own); sample named gpfed scenarios as {SCENARIO!r}"
        )
    if name not in SPEC:
        raise unknown_parameter_error(name)
    if name in NOT_EXPLORABLE:
        raise ParameterError(f"{name} cannot be a {role}: {NOT_EXPLORABLE[name]}")
    parameter = SPEC[name]
    kind = parameter.kind
    if kind in (int, float):
        low, high = _numeric_bounds(name, bounds, role)
        if kind is int:
            return IntegerParameter(name, int(low), int(high))
        return RealParameter(name, float(low), float(high))
    if kind is bool:
        # Two choices or nothing: a true/false parameter cannot be narrowed.
        _choices(name, bounds, (False, True), role)
        return BooleanParameter(name)
    return CategoricalParameter(name, list(_choices(name, bounds, parameter.choices, role)))


def _numeric_bounds(name: str, bounds: Bounds, role: str) -> tuple[float, float]:
    parameter = SPEC[name]
    if bounds is None:
        return parameter.low, parameter.high
    if isinstance(bounds, str) or not isinstance(bounds, Sequence) or len(bounds) != 2:
        raise ParameterError(
            f"{name}: bounds {bounds!r}; allowed (low, high) within {parameter.allowed()}, "
            "or None for the whole range"
        )
    checked = []
    for which, value in zip(("lower", "upper"), bounds, strict=True):
        try:
            checked.append(parameter.check(plain_value(value)))
        except ParameterError as error:
            raise ParameterError(f"{error} (the {role}'s {which} bound)") from None
    low, high = checked
    if not low < high:
        raise ParameterError(
            f"{name}: bounds ({low!r}, {high!r}); allowed low < high within "
            f"{parameter.allowed()} (for one value use fixed=)"
        )
    return low, high


def _choices(name: str, bounds: Bounds, allowed: Sequence[Any], role: str) -> tuple[Any, ...]:
    parameter = SPEC[name]
    if bounds is None:
        return tuple(allowed)
    if isinstance(bounds, str) or not isinstance(bounds, Iterable):
        raise ParameterError(
            f"{name}: bounds {bounds!r}; allowed a list of choices ({parameter.allowed()})"
        )
    choices = []
    for value in bounds:
        try:
            checked = parameter.check(plain_value(value))
        except ParameterError as error:
            raise ParameterError(f"{error} (a choice of the {role})") from None
        if checked not in choices:
            choices.append(checked)
    if len(choices) < 2:
        raise ParameterError(
            f"{name}: choices {list(bounds)!r}; allowed two or more choices "
            f"({parameter.allowed()}; for one value use fixed=)"
        )
    return tuple(choices)


def _check_scenario_name(name: Any, where: str) -> str:
    if not isinstance(name, str):
        raise ParameterError(
            f"{SCENARIO} = {name!r}; allowed a scenario name, see 'gpfed scenarios' ({where})"
        )
    try:
        get_scenario(name)
    except ParameterError as error:
        raise ParameterError(f"{SCENARIO}: {error} ({where})") from None
    return name


def _scenario_parameter(bounds: Bounds, role: str) -> Parameter:
    names = all_scenario_names() if bounds is None else list(bounds)
    for name in names:
        _check_scenario_name(name, f"a {role}")
    if len(set(names)) < 2:
        raise ParameterError(
            f"{SCENARIO}: choices {names!r}; allowed two or more scenario names (for one use "
            "scenario=)"
        )
    return CategoricalParameter(SCENARIO, list(dict.fromkeys(names)))


def _named_bounds(given: Sequence[str] | Mapping[str, Bounds] | None) -> dict[str, Bounds]:
    if given is None:
        return {}
    if isinstance(given, str):
        return {given: None}
    if isinstance(given, Mapping):
        return dict(given)
    return dict.fromkeys(given)


def _check_outcomes(names: Iterable[str], what: str) -> tuple[str, ...]:
    names = (names,) if isinstance(names, str) else tuple(names)
    for name in names:
        if name not in METRICS:
            near = difflib.get_close_matches(str(name), METRICS, n=2, cutoff=0.6)
            hint = f"; did you mean {' or '.join(map(repr, near))}?" if near else "."
            raise ParameterError(
                f"no {what} {name!r}{hint} Allowed: the metrics of gpfed.outputs.METRICS"
            )
    return tuple(dict.fromkeys(names))


def _mean_over_replicates(values: Any) -> Any:
    """A ReplicatorModel outcome: the mean of the replicates (series: quarter by quarter)."""
    mean = np.mean(np.asarray(values, dtype=float), axis=0)
    return float(mean) if np.ndim(mean) == 0 else mean


def gpfed_model(
    name: str = "gpfed",
    uncertainties: Sequence[str] | Mapping[str, Bounds] | None = None,
    levers: Sequence[str] | Mapping[str, Bounds] | None = None,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    *,
    series: Sequence[str] = (),
    quarters: int = 40,
    scenario: str | None = None,
    fixed: Mapping[str, Any] | None = None,
    replications: int = 1,
    seed: int = 0,
    seeding: Literal["common", "per_scenario"] = "common",
    calibration: Literal["none", "point", "posterior"] = "none",
    replicate_outcomes: Literal["mean", "all"] = "mean",
    time_limit_s: float | None = None,
) -> Model | ReplicatorModel:
    """An EMA Workbench model of gpfed: spec-typed uncertainties and levers, gpfed outcomes.

    Every argument is checked against the parameter spec here, before anything runs.

    Args:
        name: the EMA model's name (a Python identifier).
        uncertainties: parameter names, each over its whole allowed range, or a mapping from
            name to narrower bounds: ``(low, high)`` for numbers, a list of choices for
            categoricals, None for the whole range (see :func:`spec_parameter`).
        levers: the same, for the policy levers. ``"gpfed_scenario"`` may be a lever (or an
            uncertainty): a categorical over named gpfed scenarios.
        outcomes: metric names (:data:`gpfed.outputs.METRICS`); each is a ``ScalarOutcome`` of
            its final-year value, the mean of the last four simulated quarters.
        series: metric names reported quarter by quarter as ``TimeSeriesOutcome``
            ``<metric>_series`` (start row included), with :data:`TIME` holding the steps.
        quarters: quarters each run simulates (1 to 400).
        scenario: a named gpfed scenario (``gpfed scenarios``) every run starts from; not to be
            confused with EMA's scenarios, the sampled points of the uncertainties.
        fixed: parameter values every run takes (e.g. ``{"n_practices": 120}``); the sampled
            uncertainties and levers are given on top and may not repeat them. A lever's value
            holds for the whole run: it replaces a scheduled default, from the first quarter.
        replications: replicates of each experiment; above 1 a ``ReplicatorModel``.
        seed: the root seed every replicate's seed is derived from (see the module notes).
        seeding: ``"common"``: replicate r of every experiment has the same seed; or
            ``"per_scenario"``: the same within a scenario (every policy), independent across.
        calibration: the behaviour each replicate runs on, as in ``gpfed compare``
            (:func:`gpfed.compare.calibrated_values` with this model's ``seed``): ``"none"`` the
            defaults, ``"point"`` the calibrated point estimate, ``"posterior"`` posterior draw
            r for replicate r. Fixed and sampled values override it.
        replicate_outcomes: with replications, ``"mean"`` reports each outcome's mean over the
            replicates (scalars stay scalars); ``"all"`` keeps every replicate in an
            ``ArrayOutcome`` named ``<outcome>_replicates`` (experiments x replicates; series
            experiments x replicates x steps). The analysis helpers take either.
        time_limit_s: stop a run with TimeoutError after this long (None: no limit).

    Returns:
        The EMA ``Model`` (one run per experiment) or ``ReplicatorModel``.

    Raises:
        ParameterError: an unknown or inapplicable parameter or outcome, bounds outside the
            allowed range, a name both fixed and sampled (or both uncertainty and lever), an
            invalid fixed value or scenario, or a bad count.
    """
    uncertainty_bounds = _named_bounds(uncertainties)
    lever_bounds = _named_bounds(levers)
    fixed = {key: plain_value(value) for key, value in dict(fixed or {}).items()}
    both = sorted(set(uncertainty_bounds) & set(lever_bounds))
    if both:
        raise ParameterError(f"{both[0]} is both an uncertainty and a lever; make it one of them")
    for sampled in (*uncertainty_bounds, *lever_bounds):
        if sampled in fixed:
            raise ParameterError(f"{sampled} is both fixed and sampled; drop it from fixed=")
    if scenario is not None and SCENARIO in (*uncertainty_bounds, *lever_bounds):
        raise ParameterError(f"{SCENARIO} is sampled and scenario= is given too; drop one of them")
    replications = check_whole_number("replications", plain_value(replications), 1)
    seed = check_whole_number("seed", plain_value(seed), 0)
    quarters = check_whole_number("quarters", plain_value(quarters), 1)
    if quarters > MAX_QUARTERS:
        raise ParameterError(f"quarters = {quarters}; allowed a whole number, 1 to {MAX_QUARTERS}")
    if seeding not in SEEDINGS:
        raise ParameterError(f"seeding = {seeding!r}; allowed one of {', '.join(SEEDINGS)}")
    if calibration not in CALIBRATIONS:
        raise ParameterError(
            f"calibration = {calibration!r}; allowed one of {', '.join(CALIBRATIONS)}"
        )
    if replicate_outcomes not in REPLICATE_OUTCOMES:
        raise ParameterError(
            f"replicate_outcomes = {replicate_outcomes!r}; allowed one of "
            f"{', '.join(REPLICATE_OUTCOMES)}"
        )
    if time_limit_s is not None and not (
        isinstance(time_limit_s, numbers.Real) and time_limit_s > 0
    ):
        raise ParameterError(f"time_limit_s = {time_limit_s!r}; allowed a positive number")
    finals = _check_outcomes(outcomes, "outcome")
    kept_series = _check_outcomes(series, "series")
    if not finals and not kept_series:
        raise ParameterError("no outcomes; allowed one or more metrics of gpfed.outputs.METRICS")
    # Fixed values and the named scenario must make valid Params on their own.
    Params(scenario, **fixed)

    parameters = {
        "uncertainty": [spec_parameter(n, b, "uncertainty") for n, b in uncertainty_bounds.items()],
        "lever": [spec_parameter(n, b, "lever") for n, b in lever_bounds.items()],
    }
    behaviour = calibrated_values(calibration, replications, seed)
    function = GPFedRun(
        quarters=quarters,
        scenario=scenario,
        fixed=fixed,
        outcomes=finals,
        series=kept_series,
        seed=int(seed),
        seeding=seeding,
        uncertainty_names=tuple(uncertainty_bounds),
        behaviour=tuple(dict(values) for values in behaviour),
        time_limit_s=None if time_limit_s is None else float(time_limit_s),
    )
    replicated = replications > 1
    model = (ReplicatorModel if replicated else Model)(name, function=function)
    model.uncertainties = parameters["uncertainty"]
    model.levers = parameters["lever"]
    model.outcomes = _outcomes(finals, kept_series, replicated, replicate_outcomes)
    if replicated:
        # Each replicate's only difference is its number: the run derives its seed from it.
        model.replications = [{"replicate": r} for r in range(replications)]
    return model


def _outcomes(
    finals: tuple[str, ...], series: tuple[str, ...], replicated: bool, keep: str
) -> list[Any]:
    # EMA hands a ReplicatorModel's outcome the list of its replicates' values: reduce it to
    # their mean, or keep them all as an array. EMA registers each outcome name with one class
    # for the whole process, so kept replicates get names of their own.
    reduce = _mean_over_replicates if replicated else None
    every = replicated and keep == "all"
    made: list[Any] = []
    for variable in (*finals, *(metric + SERIES_SUFFIX for metric in series)):
        if every:
            made.append(ArrayOutcome(variable + REPLICATES_SUFFIX, variable_name=variable))
        elif variable in finals:
            made.append(ScalarOutcome(variable, function=reduce))
        else:
            made.append(TimeSeriesOutcome(variable, function=reduce))
    if series:
        # The steps are the same in every replicate.
        made.append(TimeSeriesOutcome(TIME, function=reduce))
    return made


# --- one run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GPFedRun:
    """The function EMA calls for one replicate: keyword values in, outcome values out.

    A module-level class holding plain data, so it pickles to any EMA evaluator's workers.

    Attributes:
        quarters: quarters to simulate.
        scenario: named gpfed scenario every run starts from (unless sampled), or None.
        fixed: parameter values every run takes.
        outcomes: metrics reported as final-year values.
        series: metrics reported quarter by quarter.
        seed: root seed.
        seeding: ``"common"`` or ``"per_scenario"`` (see the module notes).
        uncertainty_names: the uncertainties, whose values key ``per_scenario`` seeds.
        behaviour: calibrated values per replicate (empty: none).
        time_limit_s: a run's time limit in seconds, or None.
    """

    quarters: int
    scenario: str | None = None
    fixed: Mapping[str, Any] = field(default_factory=dict)
    outcomes: tuple[str, ...] = DEFAULT_OUTCOMES
    series: tuple[str, ...] = ()
    seed: int = 0
    seeding: str = "common"
    uncertainty_names: tuple[str, ...] = ()
    behaviour: tuple[Mapping[str, Any], ...] = ()
    time_limit_s: float | None = None

    def seed_for(self, replicate: int, values: Mapping[str, Any]) -> int:
        """The seed of replicate ``replicate`` of the experiment with these sampled values."""
        if self.seeding == "common":
            return replicate_seed(self.seed, replicate)
        scenario = {
            name: SPEC[name].check(plain_value(values[name])) if name in SPEC else values[name]
            for name in self.uncertainty_names
            if name in values
        }
        # A stable key for the scenario: the same values (converted to the spec's types, so 3
        # and 3.0 agree) give the same key in any process; repr of a float round-trips exactly,
        # and hash() would be salted per process.
        text = json.dumps({k: repr(v) for k, v in sorted(scenario.items())})
        key = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
        state = np.random.SeedSequence(self.seed, spawn_key=(key, replicate)).generate_state(1)
        return int(state[0])

    def __call__(self, replicate: int = 0, **values: Any) -> dict[str, Any]:
        """Run replicate ``replicate`` with the sampled ``values``; return the outcomes."""
        point = {name: plain_value(value) for name, value in values.items()}
        scenario = point.pop(SCENARIO, self.scenario)
        behaviour = self.behaviour[replicate] if self.behaviour else {}
        frame = run_series(
            scenario,
            {**behaviour, **self.fixed, **point},
            self.seed_for(replicate, point),
            self.quarters,
            time_limit_s=self.time_limit_s,
        )
        result: dict[str, Any] = dict(final_year_means(frame, self.outcomes))
        if self.series:
            for metric in self.series:
                result[metric + SERIES_SUFFIX] = frame[metric].to_numpy(dtype=float)
            result[TIME] = frame["step"].to_numpy(dtype=float)
        return result


# --- experiments -------------------------------------------------------------------------------


PointsLike = int | Sample | Mapping[str, Any] | Iterable[Sample | Mapping[str, Any]] | pd.DataFrame


def _points(given: PointsLike | None, kind: str) -> list[Sample] | SampleCollection:
    """Given points as EMA Samples (a SampleCollection passes through)."""
    if given is None or (isinstance(given, numbers.Integral) and not isinstance(given, bool)):
        return []
    if isinstance(given, SampleCollection):
        return given
    if isinstance(given, Sample):
        return [given]
    if isinstance(given, pd.DataFrame):
        frame = given.drop(columns=[c for c in EMA_COLUMNS if c in given.columns])
        # Records keep each column's type (rows would turn a whole number into a float).
        return [
            Sample(**{str(k): plain_value(v) for k, v in record.items()})
            for record in frame.to_dict(orient="records")
        ]
    if isinstance(given, Mapping):
        return [Sample(**dict(given))]
    if isinstance(given, Iterable) and not isinstance(given, str):
        points = []
        for point in given:
            if isinstance(point, Sample):
                points.append(point)
            elif isinstance(point, Mapping):
                points.append(Sample(**dict(point)))
            else:
                raise ParameterError(
                    f"{kind} {point!r}; allowed an EMA Sample or a mapping of parameter values"
                )
        return points
    raise ParameterError(
        f"{kind}s = {given!r}; allowed a count to sample, a Sample, a mapping, a list of them "
        "or a DataFrame"
    )


def _where(kind: str, index: int, point: Any) -> str:
    # A policy named by the user is known by its name; a sampled point by its position.
    name = getattr(point, "name", None)
    return f"{kind} {name!r}" if isinstance(name, str) else f"{kind} {index}"


def _check_point_set(
    model: AbstractModel, points: Iterable[Sample], kind: str, attribute: str
) -> list[tuple[str, dict[str, Any]]]:
    """Every value of every point checked by the spec; each point's label and plain values."""
    allowed = [parameter.name for parameter in getattr(model, attribute)]
    checked = []
    first: list[str] | None = None
    for index, point in enumerate(points):
        where = _where(kind, index, point)
        names = list(point.keys())
        for name in names:
            if name not in allowed:
                raise ParameterError(
                    f"{where} gives {name!r}, which is not one of model {model.name!r}'s "
                    f"{attribute} ({', '.join(allowed) or 'none'})"
                )
        if first is None:
            first = names
        elif set(names) != set(first):
            # EMA records every point under the first point's names.
            odd = sorted(set(first) ^ set(names))[0]
            raise ParameterError(
                f"{where}: every {kind} must give the same parameters; {odd!r} is given by some "
                "and not others"
            )
        values = {}
        for name, value in point.items():
            plain = plain_value(value)
            if name == SCENARIO:
                values[name] = _check_scenario_name(plain, where)
                continue
            try:
                values[name] = SPEC[name].check(plain)
            except ParameterError as error:
                raise ParameterError(f"{error} ({where})") from None
        checked.append((where, values))
    return checked


def check_experiments(
    model: AbstractModel,
    scenarios: PointsLike | SampleCollection | None = None,
    policies: PointsLike | SampleCollection | None = None,
) -> None:
    """Refuse, before any run, a point the spec does not allow: one line says which and why.

    Every value of every scenario (point in the uncertainties) and policy (point in the levers)
    is checked with ``SPEC[name].check`` (numpy scalars are taken as their Python values), every
    name must be one of the model's uncertainties or levers (EMA would silently drop others), and
    every pairing of a scenario with a policy must make valid gpfed parameters with the model's
    fixed values (rules across parameters, e.g. no more trusts than practices).

    Args:
        model: a model from :func:`gpfed_model`.
        scenarios: points in the uncertainties: EMA Samples, mappings, a list of them, a
            SampleCollection or a DataFrame (one point a row); a count or None checks nothing.
        policies: points in the levers, the same.

    Raises:
        ParameterError: the first value out of range, unknown name or invalid pairing, naming the
            parameter, the value, the allowed range and the scenario or policy.
    """
    scenario_values = _check_point_set(
        model, _points(scenarios, "scenario"), "scenario", "uncertainties"
    )
    policy_values = _check_point_set(model, _points(policies, "policy"), "policy", "levers")
    function = getattr(model, "function", None)
    if not isinstance(function, GPFedRun):
        return
    # Rules across parameters (the world's structure): the full-factorial pairing covers every
    # pairing EMA may run, and building Params costs a fraction of a millisecond, far less than
    # a run.
    for s_where, s_values in scenario_values or [("", {})]:
        for p_where, p_values in policy_values or [("", {})]:
            point = {**function.fixed, **s_values, **p_values}
            scenario = point.pop(SCENARIO, function.scenario)
            try:
                Params(scenario, **point)
            except ParameterError as error:
                where = " with ".join(w for w in (s_where, p_where) if w)
                raise ParameterError(f"{error} ({where})" if where else str(error)) from None


class _Callback(DefaultCallback):
    """EMA's default callback, recording each experiment without changing its scenario.

    EMA 3.0's recorder merges an experiment's scenario and policy with ``scenario | policy``, a
    shallow copy that writes the policy's values into the scenario every policy shares; with no
    uncertainties to filter them out, the next policy's run then finds its levers given twice
    and stops ("Parameters exist in both ...").
    """

    def _store_case(self, experiment: Any) -> None:
        scenario, policy = experiment.scenario, experiment.policy
        combined = {**scenario, **policy}
        self.cases[experiment.experiment_id] = (
            *flatten_sample(combined, self.parameters),
            scenario.name,
            policy.name,
            experiment.model_name,
        )


def _sampled(
    parameters: Sequence[Parameter],
    given: PointsLike | SampleCollection | None,
    sampler: AbstractSampler | Samplers,
    rng: int | np.random.Generator | None,
    sampler_kwargs: Mapping[str, Any] | None,
    kind: str,
) -> list[Sample] | SampleCollection:
    if isinstance(given, numbers.Integral) and not isinstance(given, bool):
        if given < 0:
            raise ParameterError(f"{kind}s = {given}; allowed a whole number, 0 or more")
        if given == 0:
            return []
        if not parameters:
            what = "uncertainties" if kind == "scenario" else "levers"
            raise ParameterError(f"{kind}s = {given}: the model has no {what} to sample")
        sampler = sampler.value if isinstance(sampler, Samplers) else sampler
        return sampler.generate_samples(
            list(parameters), int(given), rng=rng, **dict(sampler_kwargs or {})
        )
    return _points(given, kind)


def perform_gpfed_experiments(
    model: AbstractModel,
    scenarios: PointsLike | SampleCollection = 0,
    policies: PointsLike | SampleCollection = 0,
    evaluator: Any = None,
    *,
    sampling_seed: int | np.random.Generator | None = None,
    uncertainty_sampling: AbstractSampler | Samplers = Samplers.LHS,
    lever_sampling: AbstractSampler | Samplers = Samplers.LHS,
    uncertainty_sampling_kwargs: Mapping[str, Any] | None = None,
    lever_sampling_kwargs: Mapping[str, Any] | None = None,
    combine: Literal["full_factorial", "sample", "cycle"] = "full_factorial",
    progress: bool = False,
    **kwargs: Any,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Sample, check every point against the spec, then run the experiments on an evaluator.

    EMA's own ``perform_experiments`` samples and runs at once, so a point outside a
    parameter's range would stop the whole set at its first run; here counts are sampled first
    (seeded), every point is checked by :func:`check_experiments`, and only then does anything
    run.

    Args:
        model: a model from :func:`gpfed_model`.
        scenarios: how many points to sample in the uncertainties, or the points themselves
            (Samples, mappings, a list of them, a SampleCollection or a DataFrame).
        policies: the same for the levers; name a policy with ``Sample("name", **values)``
            (a Python identifier: EMA 3 warns of other names).
        evaluator: an EMA evaluator (``SequentialEvaluator``, ``MultiprocessingEvaluator``, ...);
            None runs in this process.
        sampling_seed: seed (or numpy Generator) of the samplers, for a reproducible design.
        uncertainty_sampling: EMA sampler for the uncertainties (default Latin hypercube).
        lever_sampling: EMA sampler for the levers.
        uncertainty_sampling_kwargs: passed to the uncertainty sampler.
        lever_sampling_kwargs: passed to the lever sampler.
        combine: how EMA pairs scenarios with policies (``"full_factorial"`` for regret).
        progress: show EMA's progress bar (on stderr).
        **kwargs: passed to ``ema_workbench.perform_experiments`` (a ``callback`` class given
            replaces this module's recorder, EMA's default without its side effect).

    Returns:
        EMA's results: the experiments (one row per experiment: parameter values, scenario,
        policy, model) and the outcomes (name to array, rows aligned with the experiments).

    Raises:
        ParameterError: a point the spec refuses, before any run.
    """
    rng = np.random.default_rng(sampling_seed)
    scenario_points = _sampled(
        model.uncertainties,
        scenarios,
        uncertainty_sampling,
        rng,
        uncertainty_sampling_kwargs,
        "scenario",
    )
    policy_points = _sampled(
        model.levers, policies, lever_sampling, rng, lever_sampling_kwargs, "policy"
    )
    check_experiments(model, scenario_points, policy_points)
    return ema_workbench.perform_experiments(
        model,
        scenarios=scenario_points if len(scenario_points) else 0,
        policies=policy_points if len(policy_points) else 0,
        evaluator=evaluator,
        combine=combine,
        log_progress=not progress,
        **{"callback": _Callback, **kwargs},
    )


# --- analysis ----------------------------------------------------------------------------------


def _outcome_values(outcomes: Mapping[str, np.ndarray], outcome: str) -> np.ndarray:
    """One value per experiment: the outcome, or the mean of its kept replicates."""
    if outcome in outcomes:
        values = np.asarray(outcomes[outcome], dtype=float)
    elif outcome + REPLICATES_SUFFIX in outcomes:
        values = np.asarray(outcomes[outcome + REPLICATES_SUFFIX], dtype=float).mean(axis=1)
    else:
        raise ParameterError(
            f"no outcome {outcome!r} in these results; allowed {', '.join(outcomes)}"
        )
    if values.ndim != 1:
        raise ParameterError(
            f"outcome {outcome!r} is not one value per experiment (shape {values.shape}); use a "
            "final-year outcome, not a series"
        )
    return values


def results_frame(experiments: pd.DataFrame, outcomes: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The experiments with a column for each final-year outcome (kept replicates averaged).

    Series are left out.
    """
    frame = experiments.copy()
    for name in METRICS:
        if name in outcomes or name + REPLICATES_SUFFIX in outcomes:
            values = np.asarray(outcomes.get(name, outcomes.get(name + REPLICATES_SUFFIX)))
            if values.ndim == (1 if name in outcomes else 2):
                frame[name] = _outcome_values(outcomes, name)
    return frame


@dataclass
class ScenarioBoxes:
    """What PRIM found: boxes in the parameters where the cases of interest concentrate.

    Attributes:
        prim: the ``ema_workbench.analysis.prim.Prim`` object, for EMA's own plots.
        boxes: the ``PrimBox`` of each box found, each at the peeling step chosen.
        stats: one row per box: coverage (share of all cases of interest inside), density
            (share of the box's experiments that are cases of interest), mass (share of all
            experiments inside), restricted dimensions, experiments and cases inside.
        limits: one row per box and restricted parameter: its lower and upper limit (numbers)
            or the choices left (categoricals), with the quasi-p values of each limit.
        cases_of_interest: the boolean array PRIM explained.
    """

    prim: Any
    boxes: list[Any]
    stats: pd.DataFrame
    limits: pd.DataFrame
    cases_of_interest: np.ndarray

    def __len__(self) -> int:
        return len(self.boxes)


def _choose_step(trajectory: pd.DataFrame, min_density: float) -> int:
    """The peeling step of a box: the most coverage at ``min_density`` or more, else the densest."""
    dense = trajectory[trajectory["density"] >= min_density]
    if len(dense):
        return int(dense.sort_values(["coverage", "density"], kind="stable").index[-1])
    return int(trajectory.sort_values(["density", "coverage"], kind="stable").index[-1])


def prim_boxes(
    experiments: pd.DataFrame,
    outcomes: Mapping[str, np.ndarray],
    outcome: str,
    threshold: float,
    above: bool = True,
    *,
    policy: Any = None,
    parameters: Sequence[str] | None = None,
    max_boxes: int = 3,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> ScenarioBoxes:
    """Scenario discovery: PRIM boxes where ``outcome`` is above (or below) ``threshold``.

    Cases of interest are the experiments whose final-year ``outcome`` is strictly above
    ``threshold`` (``above=False``: strictly below). PRIM (``ema_workbench.analysis.prim``)
    peels the parameter space towards them; each box is taken at the step with the most
    coverage among those with density ``min_density`` or more (the densest step if none
    reaches it), then the next box is sought among the experiments left outside.

    Args:
        experiments: EMA's experiments table.
        outcomes: EMA's outcomes (replicates kept are averaged per experiment).
        outcome: a final-year outcome of the results.
        threshold: the outcome's value that separates the cases of interest.
        above: cases of interest above the threshold (True) or below it (False).
        policy: look only at this policy's experiments (by its name in the ``policy``
            column): where does *it* fail? None: every experiment.
        parameters: the columns PRIM may restrict (default: every parameter column; add
            ``"policy"`` to let it restrict the policy too).
        max_boxes: the most boxes to find.
        min_density: the density a chosen box should reach.
        peel_alpha: share of the experiments peeled at each step.
        mass_min: the smallest share of the experiments a box may hold.

    Returns:
        The boxes with their statistics and limits (:class:`ScenarioBoxes`).

    Raises:
        ParameterError: an unknown outcome or column, or a threshold that leaves no case of
            interest or nothing else.
    """
    values = _outcome_values(outcomes, outcome)
    if len(values) != len(experiments):
        raise ParameterError(
            f"{outcome}: {len(values)} values for {len(experiments)} experiments; pass the "
            "experiments and outcomes of the same results"
        )
    if policy is not None:
        names = [plain_value(name) for name in experiments["policy"]]
        mine = np.array([name == policy for name in names])
        if not mine.any():
            known = ", ".join(map(repr, dict.fromkeys(names)))
            raise ParameterError(f"policy = {policy!r}: no such policy here; allowed {known}")
        experiments, values = experiments[mine], values[mine]
    interesting = values > threshold if above else values < threshold
    side = "above" if above else "below"
    n_interesting = int(interesting.sum())
    if n_interesting in (0, len(values)):
        some = "no" if n_interesting == 0 else "every"
        of = "" if policy is None else f" of policy {policy!r}"
        raise ParameterError(
            f"threshold = {threshold!r}: {some} experiment{of} has {outcome} {side} it (observed "
            f"{np.nanmin(values):g} to {np.nanmax(values):g}); choose a threshold inside that"
        )
    if parameters is None:
        columns = [c for c in experiments.columns if c not in EMA_COLUMNS]
    else:
        columns = list(parameters)
        for column in columns:
            if column not in experiments.columns:
                raise ParameterError(
                    f"no column {column!r} in the experiments; allowed "
                    f"{', '.join(map(str, experiments.columns))}"
                )
    x = experiments[columns].reset_index(drop=True).copy()
    for column in columns:
        # PRIM peels numbers as floats or ints and everything else as categories; a category
        # of Python values (bools, names) must be plain objects.
        if not pd.api.types.is_numeric_dtype(x[column]) or x[column].dtype == bool:
            x[column] = x[column].astype(object)
    with warnings.catch_warnings():
        # EMA 3.0's Prim drops a column with pandas' inplace=, which pandas 3.1 deprecates.
        warnings.filterwarnings(
            "ignore", message="The inplace keyword", category=DeprecationWarning
        )
        finder = prim.Prim(x, interesting.astype(int), peel_alpha=peel_alpha, mass_min=mass_min)
    boxes, stats, limits = [], [], []
    unexplained = interesting.copy()
    for number in range(max_boxes):
        if not unexplained.any():
            break
        box = finder.find_box()
        if box is None:
            break
        step = _choose_step(box.peeling_trajectory, min_density)
        box.select(step)
        row = box.peeling_trajectory.iloc[step]
        if row["k"] == 0:
            # Nothing left worth a box: PRIM peeled to its smallest box without a case.
            break
        boxes.append(box)
        # The next box is sought among the experiments outside this one (EMA's default).
        unexplained[box.yi] = False
        stats.append(
            {
                "box": number,
                "coverage": float(row["coverage"]),
                "density": float(row["density"]),
                "mass": float(row["mass"]),
                "restricted": int(row["res_dim"]),
                "experiments": int(row["n"]),
                "cases": int(row["k"]),
            }
        )
        limits.extend(_box_limits(number, box, step, finder.box_init))
    stats_frame = pd.DataFrame(
        stats, columns=["box", "coverage", "density", "mass", "restricted", "experiments", "cases"]
    )
    limits_frame = pd.DataFrame(
        limits, columns=["box", "parameter", "low", "high", "choices", "qp_low", "qp_high"]
    )
    return ScenarioBoxes(finder, boxes, stats_frame, limits_frame, interesting)


def _box_limits(number: int, box: Any, step: int, box_init: pd.DataFrame) -> list[dict[str, Any]]:
    lims = box.box_lims[step]
    p_values = box.p_values[step]
    rows = []
    for column in box_init.columns:
        low, high = lims[column].iloc[0], lims[column].iloc[1]
        if [low, high] == box_init[column].tolist():
            continue
        qp = [np.nan if q == -1 else float(q) for q in p_values.get(column, [np.nan, np.nan])]
        numeric = not isinstance(low, set)
        rows.append(
            {
                "box": number,
                "parameter": column,
                "low": float(low) if numeric else np.nan,
                "high": float(high) if numeric else np.nan,
                "choices": "" if numeric else ", ".join(sorted(map(str, low))),
                "qp_low": qp[0],
                "qp_high": qp[1] if len(qp) > 1 else np.nan,
            }
        )
    return rows


@dataclass(frozen=True)
class Goal:
    """What a policy should do for one outcome.

    Attributes:
        better: ``"higher"`` or ``"lower"``: which way the outcome improves.
        acceptable: the value a policy satisfices at (at least it when higher is better, at most
            it when lower is); None for no satisficing measure.
    """

    better: Literal["higher", "lower"] = "higher"
    acceptable: float | None = None

    def __post_init__(self) -> None:
        if self.better not in ("higher", "lower"):
            raise ParameterError(f"better = {self.better!r}; allowed 'higher' or 'lower'")
        if self.acceptable is not None and not (
            isinstance(self.acceptable, numbers.Real) and math.isfinite(self.acceptable)
        ):
            raise ParameterError(f"acceptable = {self.acceptable!r}; allowed a finite number")


def regret(
    experiments: pd.DataFrame,
    outcomes: Mapping[str, np.ndarray],
    outcome: str,
    better: Literal["higher", "lower"] = "higher",
) -> pd.DataFrame:
    """Each policy's regret in each scenario: how far it falls short of the best policy there.

    The regret of a policy in a scenario is the gap between its outcome and the best outcome
    any of the policies reaches in that scenario (zero for the best), in the outcome's unit.

    Args:
        experiments: EMA's experiments table; every policy must meet every scenario once
            (``combine="full_factorial"``).
        outcomes: EMA's outcomes.
        outcome: a final-year outcome.
        better: ``"higher"`` or ``"lower"``.

    Returns:
        Regret, one row per scenario and one column per policy.

    Raises:
        ParameterError: an unknown outcome, or a design where some policy misses a scenario or
            meets one twice.
    """
    Goal(better)
    table = _by_scenario(experiments, outcomes, outcome)
    best = table.max(axis=1) if better == "higher" else table.min(axis=1)
    gap = best.to_numpy()[:, None] - table.to_numpy()
    gaps = gap if better == "higher" else -gap
    return pd.DataFrame(gaps, index=table.index, columns=table.columns)


def _by_scenario(
    experiments: pd.DataFrame, outcomes: Mapping[str, np.ndarray], outcome: str
) -> pd.DataFrame:
    values = _outcome_values(outcomes, outcome)
    long = pd.DataFrame(
        {
            "scenario": [plain_value(v) for v in experiments["scenario"]],
            "policy": [plain_value(v) for v in experiments["policy"]],
            "value": values,
        }
    )
    counts = long.groupby(["scenario", "policy"], sort=False).size()
    if (counts > 1).any():
        scenario, policy = (plain_value(v) for v in counts[counts > 1].index[0])
        raise ParameterError(
            f"policy {policy!r} meets scenario {scenario!r} {counts.max()} times; regret needs "
            "each policy once in each scenario (one model, combine='full_factorial')"
        )
    table = long.pivot(index="scenario", columns="policy", values="value")
    table = table[list(dict.fromkeys(long["policy"]))]
    if table.isna().any().any():
        missing = table.isna().stack()
        scenario, policy = (plain_value(v) for v in missing[missing].index[0])
        raise ParameterError(
            f"policy {policy!r} has no result in scenario {scenario!r}; regret needs each policy "
            "in every scenario (combine='full_factorial')"
        )
    return table


def robustness_table(
    experiments: pd.DataFrame,
    outcomes: Mapping[str, np.ndarray],
    goals: Mapping[str, Goal | str],
) -> pd.DataFrame:
    """How robust each policy is across the scenarios, outcome by outcome.

    Args:
        experiments: EMA's experiments table (every policy in every scenario).
        outcomes: EMA's outcomes.
        goals: for each outcome, a :class:`Goal` (or just ``"higher"`` / ``"lower"``).

    Returns:
        One row per policy and outcome: ``scenarios``; the outcome's ``mean`` and ``worst``
        value over the scenarios; ``mean_regret``, ``p90_regret`` and ``max_regret`` (regret:
        the shortfall from the best policy in the same scenario, :func:`regret`); ``best_share``,
        the share of scenarios where the policy is the best (ties count for each); and
        ``satisficing_share``, the share of scenarios where it reaches the goal's
        ``acceptable`` value (NaN without one).

    Raises:
        ParameterError: an unknown outcome, a bad goal, or a design where some policy misses a
            scenario.
    """
    rows = []
    for outcome, goal in goals.items():
        goal = Goal(goal) if isinstance(goal, str) else goal
        table = _by_scenario(experiments, outcomes, outcome)
        regrets = regret(experiments, outcomes, outcome, goal.better)
        for policy in table.columns:
            values = table[policy]
            if goal.acceptable is None:
                satisficing = np.nan
            elif goal.better == "higher":
                satisficing = float((values >= goal.acceptable).mean())
            else:
                satisficing = float((values <= goal.acceptable).mean())
            rows.append(
                {
                    "policy": policy,
                    "outcome": outcome,
                    "better": goal.better,
                    "scenarios": len(values),
                    "mean": float(values.mean()),
                    "worst": float(values.min() if goal.better == "higher" else values.max()),
                    "mean_regret": float(regrets[policy].mean()),
                    "p90_regret": float(regrets[policy].quantile(0.9)),
                    "max_regret": float(regrets[policy].max()),
                    "best_share": float((regrets[policy] <= 0).mean()),
                    "satisficing_share": satisficing,
                }
            )
    return pd.DataFrame(rows)
