"""Fit the behavioural parameters without a published value to England, April 2013-March 2017.

Method (docs/VALIDATION.md, "Calibration"): approximate Bayesian computation by sequential Monte
Carlo (ABC-SMC, Toni et al. 2009; Beaumont et al. 2009) with pyabc.

- **Prior**: independent uniform ranges, each with its reasoning (:data:`PRIORS`).
- **Data**: the fitted targets of :mod:`gpfed.calibration.targets`, every one from the fitting
  window; targets the model reproduces by construction are reported, never fitted.
- **Distance**: a run's largest error on any fitted target in units of that target's tolerance
  (pyabc's p-norm with p = infinity and weights 1/tolerance), so a distance of at most 1 means
  within every tolerance stated before fitting.
- **Schedule**: generation 0 samples the prior and accepts everything; each later generation's
  threshold is the weighted median of the previous generation's distances; pyabc's multivariate
  normal transition perturbs the particles and importance weights correct for it. It stops at
  a threshold of ``min_epsilon`` tolerances, after ``generations`` generations or after
  ``max_simulations`` runs.
- **Runs**: every candidate is seeded from the root seed and its number
  (:class:`gpfed.calibration.sampler.SeededSampler`), so a calibration is reproduced bit for bit
  on one worker, many, or a Dask cluster, and resumes from pyabc's database (``abc.db`` in the
  output folder) after an interruption.
- **Point estimate**: the ``candidates`` particles of the last generation closest to the data
  are rerun over common-seed replicates; the one with the smallest mean distance is the point
  estimate (the posterior medians, taken one by one, need not fit: the parameters trade off).
  Fresh replicates there measure the fit error.

The posterior (every particle of the last generation with its weight) is stored in the package
with the point estimate, the generations, the settings and the versions that produced it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gpfed.calibration.targets import (
    ENGLAND_PRACTICES_JULY_2013,
    QUARTERS_NEEDED,
    SERIES_NEEDED,
    TARGETS,
    distance,
    fitted_targets,
    summarise,
    summarise_runs,
)
from gpfed.experiments import Dimension, Results, SweepSpec, sweep
from gpfed.experiments.runner import open_executor, run_series
from gpfed.experiments.store import provenance
from gpfed.parameters import SPEC, ParameterError, check_whole_number
from gpfed.scenarios import ENGLAND_2013_CALIBRATION

SCENARIO = "england_2013"
FITTED_FILE = ENGLAND_2013_CALIBRATION
"""The fitted values the ``england_2013`` scenario uses, with the posterior and provenance."""

DATABASE = "abc.db"
"""pyabc's database in the output folder: every generation, and what a resumed run reads."""


@dataclass(frozen=True)
class Prior:
    """A uniform prior range for one fitted parameter, and the reasoning behind it."""

    name: str
    low: float
    high: float
    why: str


PRIORS: tuple[Prior, ...] = (
    Prior(
        "list_size_mean",
        6400.0,
        7100.0,
        "mean of the starting list distribution before the smallest-list floor, which raises "
        "the drawn mean; the published 2011/12 mean (6,980, BJGP) is for another year, so the "
        "range runs from well below it to just above",
    ),
    Prior(
        "exit_profit_threshold_share",
        0.2,
        0.6,
        "profit per partner, as a share of the national mean, below which a partnership counts "
        "a quarter as failing: no published value; below a fifth no practice would stay, above "
        "three fifths most small practices would leave in a year",
    ),
    Prior(
        "exit_quarters",
        0.5,
        6.5,
        "quarters of failure before a partnership hands back its contract or merges, rounded "
        "to 1-6: no published value; notice periods under GMS are six months, and practices "
        "rarely carry losses past a year and a half",
    ),
    Prior(
        "practice_cost_drift_sd",
        0.0,
        0.03,
        "quarterly SD of a practice's own cost drift: no published value; up to 3% a quarter "
        "(about 6% a year), the spread of practice expense ratios across years (NHS Digital "
        "GP earnings and expenses)",
    ),
    Prior(
        "federation_reconsider_share",
        0.05,
        0.6,
        "share of practices reconsidering their federation each quarter (inertia): no "
        "published value; from one in twenty to most practices each quarter",
    ),
    Prior(
        "federation_autonomy_cost_gbp_per_year",
        2000.0,
        40000.0,
        "the value a practice puts on staying independent, £ a year: no published value; from "
        "a few sessions of a partner's time to about a third of a partner's profit",
    ),
    Prior(
        "backoffice_saving_gbp_per_patient_per_year",
        0.5,
        6.0,
        "back-office economies of scale at 50,000 patients, £ a patient a year: the Nuffield "
        "Trust (2016) found savings hoped for more than measured; up to about 5% of the global "
        "sum",
    ),
    Prior(
        "gp_entrants_per_1000_gps_per_year",
        50.0,
        130.0,
        "GPs entering practice a year per 1,000 in post: Health Education England filled "
        "about 2,700-3,100 GP training places a year 2013-2017 against about 34,500 GPs (80-90 "
        "per 1,000), not all of whom enter practice, plus returners and overseas GPs",
    ),
    Prior(
        "partner_quit_workload_per_year",
        0.0,
        0.4,
        "share of partners a year who give up partnership per unit of workload above the "
        "understaffing level: no published value; from none to four times the proposed default",
    ),
    Prior(
        "understaffed_patients_per_gp",
        2500.0,
        5000.0,
        "patients per FTE GP past which a practice counts as understaffed (recruitment, "
        "quality and exit follow): no published threshold; from 1.3 to 2.6 times the national "
        "mean of 1,937 (BMA, 2015). The screening (docs/SCREENING.md) found it moves practices "
        "open six times as much as any other proposed parameter",
    ),
    Prior(
        "registered_population_growth_per_year",
        0.004,
        0.016,
        "growth of the registered population a year: ONS estimates 0.7-0.8% for the resident "
        "population 2011-2016, but lists grew 1.1-1.3% a year 2015-2017 (NHS Digital), "
        "registrations outrunning residents (list inflation); half to twice the ONS figure",
    ),
    Prior(
        "need_growth_per_year",
        0.0,
        0.03,
        "growth of need for hospital care per registered patient a year: fitted to the "
        "emergency admissions of 2014/15-2016/17 rather than set from them; between none and "
        "twice the population's growth",
    ),
)
"""The fitted parameters and their uniform priors (inside each parameter's allowed range)."""


def prior_values(point: dict[str, float]) -> dict[str, Any]:
    """A point of the prior space as parameter values (whole numbers rounded, each checked)."""
    values = {}
    for prior in PRIORS:
        value = float(point[prior.name])
        if SPEC[prior.name].kind is int:
            # Half up, kept to the whole numbers the prior covers (0.5-6.5 gives 1-6).
            whole = math.floor(value + 0.5)
            value = min(max(whole, math.ceil(prior.low)), math.floor(prior.high))
        values[prior.name] = SPEC[prior.name].check(value)
    return values


@dataclass(frozen=True)
class CalibrationSettings:
    """How a calibration runs; all of it is stored with the result.

    Attributes:
        population_size: accepted particles per generation.
        generations: most generations (generation 0 is the prior).
        min_epsilon: stop once a generation's threshold is at most this many tolerances.
        quantile: each threshold is this weighted quantile of the previous distances.
        max_simulations: stop once this many runs have been made.
        seed: root seed of every candidate and replicate.
        n_practices: practices per run (8,053 is England; fewer runs a scaled-down England).
        candidates: closest particles of the last generation rerun over replicates (at most
            the population).
        select_replications: common-seed runs of each candidate.
        confirm_replications: fresh runs at the point estimate that measure the fit error.
    """

    population_size: int = 60
    generations: int = 8
    min_epsilon: float = 1.0
    quantile: float = 0.5
    max_simulations: int = 3000
    seed: int = 2013
    n_practices: int = ENGLAND_PRACTICES_JULY_2013
    candidates: int = 10
    select_replications: int = 4
    confirm_replications: int = 5

    def __post_init__(self) -> None:
        for name, low in (
            ("population_size", 5),
            ("generations", 1),
            ("max_simulations", 1),
            ("candidates", 1),
            ("select_replications", 1),
            ("confirm_replications", 2),
        ):
            check_whole_number(name, getattr(self, name), low)
        if not 0 < self.quantile < 1:
            raise ParameterError(f"quantile = {self.quantile!r}; allowed above 0 to below 1")
        if not self.min_epsilon >= 0:
            raise ParameterError(f"min_epsilon = {self.min_epsilon!r}; allowed 0 or more")
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


def simulate(values: dict[str, Any], n_practices: int, seed: int) -> dict[str, float]:
    """One run of ``england_2013`` with ``values`` over the fitting window: every target's value."""
    frame = run_series(SCENARIO, {**england_world(n_practices), **values}, seed, QUARTERS_NEEDED)
    return summarise(frame, n_practices)


@dataclass(frozen=True)
class _Simulator:
    """pyabc's model: a prior point in, the fitted targets' simulated values out."""

    n_practices: int

    def __call__(self, point: dict[str, float]) -> dict[str, float]:
        # The sampler seeded numpy's global generator for this candidate: the run's seed
        # follows from it.
        seed = int(np.random.randint(0, 2**62))  # noqa: NPY002
        simulated = simulate(prior_values(point), self.n_practices, seed)
        return {t.name: simulated[t.name] for t in fitted_targets()}


@dataclass
class Calibration:
    """A finished calibration: posterior, point estimate, fit error and what produced them.

    Attributes:
        values: the point estimate (fitted parameter values).
        posterior: per parameter, the prior range and the posterior's weighted median, 5th and
            95th percentiles.
        draws: the last generation's particles: parameter values, weight and distance.
        generations: per generation, threshold, runs, acceptance rate and end time.
        selection: the candidates' mean distances over replicates, and the one chosen.
        fit: per target, observed value, tolerance, simulated mean at the point and error.
        settings: the :class:`CalibrationSettings` used.
        provenance: date, gpfed version, git revision and the versions of pyabc, Mesa, numpy.
    """

    values: dict[str, Any]
    posterior: dict[str, dict[str, float]]
    draws: list[dict[str, float]]
    generations: list[dict[str, Any]]
    selection: dict[str, Any]
    fit: list[dict[str, Any]]
    settings: dict[str, Any]
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def fit_table(self) -> pd.DataFrame:
        """The fit error on every target, one row per target."""
        return pd.DataFrame(self.fit).set_index("target")

    @property
    def draws_frame(self) -> pd.DataFrame:
        """The posterior particles, one row each (parameters, ``weight``, ``distance``)."""
        return pd.DataFrame(self.draws)

    def to_json(self) -> str:
        """The calibration as the JSON stored in the package."""
        document = {
            "scenario": SCENARIO,
            "targets": [asdict(target) for target in TARGETS],
            "priors": [asdict(prior) for prior in PRIORS],
            "method": "ABC-SMC (pyabc): uniform priors, distance = largest error in "
            "tolerances over the fitted targets, thresholds at the weighted median of the "
            "previous generation, seeded candidates; point estimate = the closest of the last "
            "generation's particles over common-seed replicates (gpfed.calibration.fit)",
            **asdict(self),
        }
        return json.dumps(document, indent=2, default=str) + "\n"

    def write(self, path: str | Path) -> Path:
        """Write the JSON to ``path`` (a file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json())
        return path


def calibrate(
    settings: CalibrationSettings | None = None,
    out: str | Path = "out/calibration",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    executor: Any = None,
    progress: bool = True,
) -> Calibration:
    """Calibrate the ``england_2013`` scenario by ABC-SMC (method in the module docstring).

    Args:
        settings: population, generations, stopping rule, seed and scale (defaults: England).
        out: folder for pyabc's database and the replicate sweeps; a calibration interrupted
            there resumes from its last complete generation when run again with the same
            settings.
        workers: local worker processes (default: all cores).
        scheduler: a Dask scheduler address to run on instead.
        executor: a ``concurrent.futures.Executor`` to run on instead (left open).
        progress: show progress bars.

    Returns:
        The :class:`Calibration`; :meth:`Calibration.write` stores it.

    Raises:
        ParameterError: ``out`` holds a calibration made with other settings.
    """
    settings = settings or CalibrationSettings()
    out = Path(out)
    _claim_folder(out, settings)
    with open_executor(workers, scheduler, executor=executor) as shared:
        history = _run_smc(
            settings, out / DATABASE, shared, workers or os.cpu_count() or 1, progress
        )
        draws = _draws(history)
        options = {"workers": workers, "executor": shared, "progress": progress}
        candidates = draws.nsmallest(settings.candidates, "distance", keep="first")
        selection = _select(candidates, settings, out / "select", options)
        best = int(selection.index[0])
        values = prior_values(candidates.loc[best].to_dict())
        confirmed = confirm(values, settings, out / "confirm", **options)
    return Calibration(
        values=values,
        posterior=_posterior_summary(draws),
        draws=draws.to_dict(orient="records"),
        generations=_generations(history),
        selection={
            "candidates": len(candidates),
            "replications": settings.select_replications,
            "chosen_particle": best,
            "mean_distance": {str(k): float(v) for k, v in selection["distance"].items()},
        },
        fit=_fit_rows(confirmed),
        settings=asdict(settings),
        provenance={
            "date": dt.date.today().isoformat(),
            **provenance(),
            **{f"{name}_version": metadata.version(name) for name in ("pyabc", "mesa", "numpy")},
        },
    )


def _claim_folder(out: Path, settings: CalibrationSettings) -> None:
    """Record the settings, priors and targets in ``out``; refuse another calibration's folder.

    A resumed calibration must be the same one: same settings, and the same priors and fitted
    targets (their values, tolerances and readings), or its generations would mix two fits.
    """
    out.mkdir(parents=True, exist_ok=True)
    stamp = out / "settings.json"
    wanted = json.dumps(
        {
            "settings": asdict(settings),
            "priors": [asdict(p) for p in PRIORS],
            "targets": [asdict(t) for t in fitted_targets()],
        },
        sort_keys=True,
    )
    if stamp.exists() and stamp.read_text() != wanted:
        raise ParameterError(
            f"out = {str(out)!r} holds a calibration with other settings, priors or targets "
            f"({stamp}); allowed: an empty folder or one of the same calibration"
        )
    stamp.write_text(wanted)


def _run_smc(
    settings: CalibrationSettings,
    database: Path,
    executor: Any,
    workers: int,
    progress: bool,
) -> Any:
    """Run (or resume) pyabc's ABC-SMC; return its history."""
    import pyabc

    from gpfed.calibration.sampler import SeededSampler

    # pyabc reports each generation (threshold, acceptance, timing) at INFO level.
    logging.getLogger("ABC").setLevel(logging.INFO if progress else logging.WARNING)

    bar = None
    if progress:
        from functools import partial

        from tqdm.auto import tqdm

        bar = partial(tqdm, unit="accepted", leave=False)
    url = f"sqlite:///{database.resolve()}"
    resuming = _completed_generations(url, database) > 0
    abc = pyabc.ABCSMC(
        _Simulator(settings.n_practices),
        pyabc.Distribution(**{p.name: pyabc.RV("uniform", p.low, p.high - p.low) for p in PRIORS}),
        pyabc.PNormDistance(
            p=np.inf, fixed_weights={t.name: 1 / t.tolerance for t in fitted_targets()}
        ),
        population_size=settings.population_size,
        # Generation 0 accepts every prior draw; later thresholds follow the distances (a
        # resumed run takes its first threshold from the last stored generation).
        eps=pyabc.QuantileEpsilon(
            initial_epsilon="from_sample" if resuming else np.inf, alpha=settings.quantile
        ),
        sampler=SeededSampler(settings.seed, executor, workers, bar),
    )
    if resuming:
        history = abc.load(url, 1)
    else:
        history = abc.new(url, {t.name: t.observed for t in fitted_targets()})
    done = history.max_t + 1
    finished = done > 0 and history.get_all_populations()["epsilon"].iloc[-1] <= (
        settings.min_epsilon
    )
    remaining_runs = settings.max_simulations - history.total_nr_simulations
    if done < settings.generations and not finished and remaining_runs > 0:
        # Generation 0's threshold is infinite: pyabc's stopping check subtracts it from
        # itself once.
        with np.errstate(invalid="ignore"):
            history = abc.run(
                minimum_epsilon=settings.min_epsilon,
                max_nr_populations=settings.generations - done,
                max_total_nr_simulations=settings.max_simulations,
            )
    return history


def _completed_generations(url: str, database: Path) -> int:
    """Generations stored in ``database``; one interrupted before any is removed (restart)."""
    import pyabc

    if not database.exists():
        return 0
    try:
        done = pyabc.History(url, _id=1).max_t + 1
    except Exception:  # interrupted before pyabc wrote its first record
        done = 0
    if done == 0:
        database.unlink()
    return done


def _draws(history: Any) -> pd.DataFrame:
    """The last generation's particles: rounded parameter values, weight and distance."""
    population = history.get_population()
    rows = []
    for particle in population.particles:
        rows.append(
            {
                **prior_values(dict(particle.parameter)),
                "weight": float(particle.weight),
                "distance": float(particle.distance),
            }
        )
    frame = pd.DataFrame(rows)
    frame["weight"] /= frame["weight"].sum()
    return frame


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, q * cumulative[-1])])


def _posterior_summary(draws: pd.DataFrame) -> dict[str, dict[str, float]]:
    weights = draws["weight"].to_numpy()
    summary = {}
    for prior in PRIORS:
        values = draws[prior.name].to_numpy(dtype=float)
        summary[prior.name] = {
            "prior_low": prior.low,
            "prior_high": prior.high,
            **{
                name: _weighted_quantile(values, weights, q)
                for name, q in (("p05", 0.05), ("median", 0.5), ("p95", 0.95))
            },
        }
    return summary


def _generations(history: Any) -> list[dict[str, Any]]:
    table = history.get_all_populations()
    table = table[table["t"] >= 0]
    return [
        {
            "generation": int(row.t),
            "epsilon": float(row.epsilon),
            "runs": int(row.samples),
            "accepted": int(row.particles),
            "acceptance_rate": float(row.particles / row.samples),
        }
        for row in table.itertuples()
    ]


def _select(
    candidates: pd.DataFrame, settings: CalibrationSettings, out: Path, options: dict[str, Any]
) -> pd.DataFrame:
    """Rerun every candidate over common-seed replicates; closest (mean distance) first.

    One run per particle is noisy, and the posterior medians taken one by one need not be a
    combination that fits (the parameters trade off), so the point estimate is the particle
    whose replicate mean is closest.
    """
    fitted = [t.name for t in fitted_targets()]
    means = {}
    for i, (particle, row) in enumerate(candidates.iterrows()):
        runs = _replicates(
            prior_values(row.to_dict()),
            settings,
            out / f"candidate-{i:03d}",
            replications=settings.select_replications,
            seed=settings.seed + 500,
            **options,
        )
        means[particle] = runs[fitted].mean()
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
    quarters: int = QUARTERS_NEEDED,
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
        quarters: quarters to simulate from 2013Q2 (default: the fitting window).
        **run_options: passed to :func:`gpfed.experiments.sweep` (workers, executor, ...).
    """
    spec = SweepSpec(
        parameters=(Dimension("scenario", levels=(SCENARIO,)),),
        sampler="grid",
        replications=replications,
        quarters=quarters,
        seed=seed,
        outputs=SERIES_NEEDED,
        keep=("final", "series"),
        fixed={**england_world(n_practices), **values},
        name=name,
    )
    return sweep(spec, out, **run_options)


def _fit_rows(confirmed: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for target in (t for t in TARGETS if t.name in confirmed):
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
