"""Fit the behavioural parameters that have no published value to England 2013-2015.

Method (docs/VALIDATION.md, "Calibration"): rejection ABC in rounds, run through the sweep layer
(so it runs on local processes or a Dask cluster, and an interrupted round resumes).

1. Round 1 draws a Latin hypercube of ``samples`` points over the prior box (:data:`PRIORS`),
   one run each of the ``england_2013`` scenario over the target years.
2. Each run's distance is its largest error on any fitted target in units of that target's
   tolerance (:func:`gpfed.calibration.targets.distance`: at most 1 means within every
   tolerance); the closest ``accept_share`` of the points are accepted.
3. The next round draws a new hypercube over the box the accepted points span, and so on.
4. Every accepted point of the last round is run again over ``select_replications``
   common-seed replicates; the point with the smallest mean distance is the fit. (The medians
   of the accepted points need not fit: the parameters trade off against each other.)
5. The fit is confirmed by ``confirm_replications`` fresh runs at that point; their mean error
   on each target is the reported fit error. The accepted points' spread is reported as an
   approximate posterior (5th to 95th percentile).

Everything is seeded from one root seed, so a calibration is reproduced bit for bit by running it
again with the same settings (:func:`calibrate`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gpfed.calibration.targets import (
    ENGLAND_PRACTICES_JULY_2013,
    QUARTERS_NEEDED,
    SERIES_NEEDED,
    TARGETS,
    distance,
    fitted_targets,
    summarise_runs,
)
from gpfed.experiments import Dimension, Results, SweepSpec, sweep
from gpfed.experiments.runner import open_executor
from gpfed.experiments.store import provenance
from gpfed.parameters import SPEC, ParameterError, check_whole_number
from gpfed.scenarios import ENGLAND_2013_CALIBRATION

SCENARIO = "england_2013"
FITTED_FILE = ENGLAND_2013_CALIBRATION
"""The fitted values the ``england_2013`` scenario uses, with their provenance."""


@dataclass(frozen=True)
class Prior:
    """A uniform prior range for one fitted parameter, and why the parameter is fitted."""

    name: str
    low: float
    high: float
    why: str


PRIORS: tuple[Prior, ...] = (
    Prior(
        "list_size_mean",
        6400.0,
        7100.0,
        "mean of the starting list distribution before the smallest-list floor; the published "
        "2011/12 mean (6,980) is for another year and another population",
    ),
    Prior("exit_profit_threshold_share", 0.2, 0.6, "exit threshold: no published value"),
    Prior("exit_quarters", 1, 6, "quarters of failure before exit: no published value"),
    Prior("practice_cost_drift_sd", 0.0, 0.03, "drift of practice costs: no published value"),
    Prior(
        "federation_reconsider_share",
        0.05,
        0.6,
        "share of practices reconsidering federation each quarter (inertia)",
    ),
    Prior(
        "federation_autonomy_cost_gbp_per_year",
        2000.0,
        40000.0,
        "the value a practice puts on staying independent (autonomy preference)",
    ),
    Prior(
        "backoffice_saving_gbp_per_patient_per_year",
        0.5,
        6.0,
        "back-office economies of scale at 50,000 patients",
    ),
)
"""The fitted parameters and their prior ranges (inside each parameter's allowed range)."""


@dataclass(frozen=True)
class CalibrationSettings:
    """How a calibration runs; all of it is stored with the result.

    Attributes:
        samples: Latin hypercube points per round.
        rounds: rounds of rejection, each over the box the previous round accepted.
        accept_share: share of each round's points accepted (at least five points).
        seed: root seed of the designs and the runs.
        n_practices: practices per run (8,053 is England; fewer runs a scaled-down England).
        select_replications: common-seed runs of each accepted point of the last round; the
            point with the smallest mean distance is the fit.
        confirm_replications: fresh runs at the fitted point that measure the fit error.
    """

    samples: int = 200
    rounds: int = 3
    accept_share: float = 0.1
    seed: int = 2013
    n_practices: int = ENGLAND_PRACTICES_JULY_2013
    select_replications: int = 4
    confirm_replications: int = 5

    def __post_init__(self) -> None:
        for name, low in (
            ("samples", 5),
            ("rounds", 1),
            ("select_replications", 1),
            ("confirm_replications", 2),
        ):
            check_whole_number(name, getattr(self, name), low)
        if not 0 < self.accept_share <= 1:
            raise ParameterError(f"accept_share = {self.accept_share!r}; allowed above 0 to 1")
        SPEC["n_practices"].check(self.n_practices)


def england_world(n_practices: int = ENGLAND_PRACTICES_JULY_2013) -> dict[str, Any]:
    """World values for England scaled to ``n_practices`` (areas and trusts in proportion)."""
    if n_practices == ENGLAND_PRACTICES_JULY_2013:
        return {}
    share = n_practices / ENGLAND_PRACTICES_JULY_2013
    return {
        "n_practices": n_practices,
        "n_commissioners": max(1, round(211 * share)),
        "n_area_teams": max(1, round(27 * share)),
        "n_trusts": max(2, round(160 * share)),
    }


@dataclass
class Calibration:
    """A finished calibration: fitted values, fit error and what produced them.

    Attributes:
        values: fitted parameter values.
        posterior: per parameter, the prior range and the accepted points' median, 5th and 95th
            percentiles.
        fit: per target, observed value, tolerance, simulated mean at the fitted point and error.
        settings: the :class:`CalibrationSettings` used.
        rounds: per round, runs, accepted runs and the accepted distances.
        provenance: date, gpfed version and git revision.
    """

    values: dict[str, Any]
    posterior: dict[str, dict[str, float]]
    fit: list[dict[str, Any]]
    settings: dict[str, Any]
    rounds: list[dict[str, Any]]
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def fit_table(self) -> pd.DataFrame:
        """The fit error on every target, one row per target."""
        return pd.DataFrame(self.fit).set_index("target")

    def to_json(self) -> str:
        """The calibration as the JSON stored in the package."""
        document = {
            "scenario": SCENARIO,
            "targets": [asdict(target) for target in TARGETS],
            "method": "rejection ABC in rounds over Latin hypercube sweeps, the last round's "
            "accepted points rerun over common-seed replicates and the closest chosen, confirmed "
            "by fresh replicates (gpfed.calibration.fit)",
            **asdict(self),
        }
        return json.dumps(document, indent=2, default=str) + "\n"

    def write(self, path: str | Path) -> Path:
        """Write the JSON to ``path`` (a file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json())
        return path


def _point(runs: pd.DataFrame, run_id: str) -> dict[str, Any]:
    """One run's fitted-parameter values as plain Python numbers of the parameters' types."""
    return {p.name: SPEC[p.name].check(runs.at[run_id, p.name].item()) for p in PRIORS}


def _dimension(prior: Prior, low: float, high: float) -> Dimension:
    if SPEC[prior.name].kind is int:
        low, high = math.floor(low), math.ceil(high)
        high = max(high, low + 1)
    elif not low < high:
        high = low + 1e-9 * max(1.0, abs(low))
    return Dimension(prior.name, low, high)


def _round_spec(settings: CalibrationSettings, box: dict[str, tuple[float, float]], r: int):
    return SweepSpec(
        parameters=tuple(_dimension(p, *box[p.name]) for p in PRIORS),
        sampler="lhs",
        samples=settings.samples,
        replications=1,
        quarters=QUARTERS_NEEDED,
        seed=settings.seed + r,
        outputs=SERIES_NEEDED,
        keep=("final", "series"),
        fixed=england_world(settings.n_practices),
        scenario=SCENARIO,
        name=f"england_2013 calibration, round {r + 1}",
    )


def _scored(results: Any, n_practices: int) -> pd.DataFrame:
    """Runs with their parameter values, target summaries and distance, closest first."""
    summaries = summarise_runs(results.series, n_practices)
    runs = results.ok.set_index("run_id")[[p.name for p in PRIORS]].join(summaries, how="inner")
    runs["distance"] = distance(runs)
    return runs.sort_values(["distance", "run_id"], kind="stable")


def calibrate(
    settings: CalibrationSettings | None = None,
    out: str | Path = "out/calibration",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    executor: Any = None,
    progress: bool = True,
) -> Calibration:
    """Calibrate the ``england_2013`` scenario (method in the module docstring).

    Args:
        settings: samples, rounds, acceptance, seed and scale (defaults: England, 3 x 200 runs).
        out: folder for every sweep's resumable results (rounds, selection, confirmation).
        workers: local worker processes (default: all cores).
        scheduler: a Dask scheduler address to run on instead.
        executor: a ``concurrent.futures.Executor`` to run on instead (left open).
        progress: show progress bars.

    Returns:
        The :class:`Calibration`; :meth:`Calibration.write` stores it.
    """
    settings = settings or CalibrationSettings()
    out = Path(out)
    with open_executor(workers, scheduler, executor=executor) as shared:
        options = {"workers": workers, "executor": shared, "progress": progress}
        rounds, accepted = _rejection_rounds(settings, out, options)
        candidates = _select(accepted, settings, out / "select", options)
        best = candidates.index[0]
        values = _point(accepted, best)
        confirmed = confirm(values, settings, out / "confirm", **options)
    posterior = {
        p.name: {
            "prior_low": p.low,
            "prior_high": p.high,
            "median": float(accepted[p.name].median()),
            "p05": float(accepted[p.name].quantile(0.05)),
            "p95": float(accepted[p.name].quantile(0.95)),
        }
        for p in PRIORS
    }
    rounds.append(
        {
            "round": "selection",
            "candidates": len(candidates),
            "replications": settings.select_replications,
            "chosen": str(best),
            "mean_distance": {str(k): float(v) for k, v in candidates["distance"].items()},
        }
    )
    return Calibration(
        values=values,
        posterior=posterior,
        fit=_fit_rows(confirmed),
        settings=asdict(settings),
        rounds=rounds,
        provenance={"date": dt.date.today().isoformat(), **provenance()},
    )


def _rejection_rounds(
    settings: CalibrationSettings, out: Path, options: dict[str, Any]
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """Run the rounds; return their records and the last round's accepted runs."""
    box = {p.name: (p.low, p.high) for p in PRIORS}
    rounds, accepted = [], pd.DataFrame()
    for r in range(settings.rounds):
        results = sweep(_round_spec(settings, box, r), out / f"round-{r + 1}", **options)
        scored = _scored(results, settings.n_practices)
        keep = max(5, math.ceil(settings.accept_share * len(scored)))
        accepted = scored.head(keep)
        rounds.append(
            {
                "round": r + 1,
                "runs": len(scored),
                "failed": len(results.failed),
                "accepted": len(accepted),
                "box": {name: list(bounds) for name, bounds in box.items()},
                "distance_median_all": float(scored["distance"].median()),
                "distance_max_accepted": float(accepted["distance"].max()),
                "distance_min": float(accepted["distance"].min()),
            }
        )
        box = {
            p.name: (float(accepted[p.name].min()), float(accepted[p.name].max())) for p in PRIORS
        }
    return rounds, accepted


def _select(
    accepted: pd.DataFrame, settings: CalibrationSettings, out: Path, options: dict[str, Any]
) -> pd.DataFrame:
    """Rerun every accepted point over common-seed replicates; closest (mean distance) first.

    One run per point is noisy, and the medians of the accepted points need not be a
    combination of values that fits (the parameters trade off), so the point is chosen among
    the accepted ones by its replicate mean.
    """
    fitted = [t.name for t in fitted_targets()]
    means = {}
    for i, run_id in enumerate(accepted.index):
        values = _point(accepted, run_id)
        runs = _replicates(
            values,
            settings,
            out / f"candidate-{i:03d}",
            replications=settings.select_replications,
            seed=settings.seed + 500,
            **options,
        )
        means[run_id] = runs[fitted].mean()
    table = pd.DataFrame.from_dict(means, orient="index")
    table["distance"] = distance(table)
    return table.sort_values("distance", kind="stable")


def confirm(
    values: dict[str, Any],
    settings: CalibrationSettings,
    out: str | Path,
    **run_options: Any,
) -> pd.DataFrame:
    """Run the scenario at ``values`` over fresh replicates; one row of target values per run."""
    return _replicates(
        values,
        settings,
        Path(out),
        replications=settings.confirm_replications,
        seed=settings.seed + 1000,
        **run_options,
    )


def _replicates(
    values: dict[str, Any],
    settings: CalibrationSettings,
    out: Path,
    *,
    replications: int,
    seed: int,
    **run_options: Any,
) -> pd.DataFrame:
    results = run_replicates(
        values,
        settings.n_practices,
        out,
        replications=replications,
        seed=seed,
        name="england_2013 calibration, replicates at one point",
        **run_options,
    )
    return summarise_runs(results.series, settings.n_practices)


def run_replicates(
    values: dict[str, Any],
    n_practices: int,
    out: str | Path,
    *,
    replications: int,
    seed: int,
    name: str,
    **run_options: Any,
) -> Results:
    """Run ``england_2013`` with ``values`` over the target years, one sweep of replicates.

    Args:
        values: parameter values over the scenario's.
        n_practices: practices per run (a scaled-down England below 8,053).
        out: the sweep's resumable results folder.
        replications: independent replicates.
        seed: root seed of the replicates.
        name: the sweep's name.
        **run_options: passed to :func:`gpfed.experiments.sweep` (workers, executor, ...).
    """
    spec = SweepSpec(
        parameters=(Dimension("scenario", levels=(SCENARIO,)),),
        sampler="grid",
        replications=replications,
        quarters=QUARTERS_NEEDED,
        seed=seed,
        outputs=SERIES_NEEDED,
        keep=("final", "series"),
        fixed={**england_world(n_practices), **values},
        name=name,
    )
    return sweep(spec, out, **run_options)


def _fit_rows(confirmed: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for target in TARGETS:
        simulated = float(confirmed[target.name].mean())
        error = simulated - target.observed
        rows.append(
            {
                "target": target.name,
                "period": target.period,
                "observed": target.observed,
                "tolerance": target.tolerance,
                "simulated_mean": simulated,
                "error": error,
                "error_in_tolerances": error / target.tolerance,
                "within_tolerance": bool(abs(error) <= target.tolerance),
                "fitted": target.fitted,
            }
        )
    fitted = [t.name for t in fitted_targets()]
    overall = float(distance(confirmed[fitted].mean().to_frame().T)[0])
    rows.append(
        {
            "target": "distance",
            "period": "all fitted targets",
            "observed": 0.0,
            "tolerance": 1.0,
            "simulated_mean": overall,
            "error": math.nan,
            "error_in_tolerances": math.nan,
            "within_tolerance": overall <= 1,
            "fitted": True,
        }
    )
    return rows


def load_fitted(path: str | Path = FITTED_FILE) -> dict[str, Any]:
    """The stored calibration document (fitted ``values`` and their provenance)."""
    return json.loads(Path(path).read_text())
