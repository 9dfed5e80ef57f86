"""Compare named policy scenarios over replicates that share their seeds (common random numbers).

Replicate ``r`` of every scenario runs with the same seed, :func:`replicate_seed` ``(seed, r)``,
so the scenarios differ only through their parameters: the model draws each process from its own
named random stream (:mod:`gpfed.world.streams`), and differences between scenarios within a
replicate are paired, with far less noise than differences between independent runs.

Every scenario runs on the calibrated behaviour (docs/VALIDATION.md): by default replicate ``r``
of every scenario takes the same parameter set drawn from the calibration's posterior, so each
interval carries parameter and stochastic uncertainty together; ``calibration="point"`` uses the
point estimate and ``"none"`` the uncalibrated defaults.

Example:
    >>> from gpfed.compare import compare
    >>> result = compare(["status_quo"], reps=3, quarters=8, overrides={"n_practices": 60})
    >>> result.summary()  # doctest: +SKIP
    >>> result.write("out/compare")  # doctest: +SKIP
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from scipy import stats
from tqdm.auto import tqdm

from gpfed.model.model import GPFedModel
from gpfed.outputs import METRICS, series_range
from gpfed.parameters import ParameterError, Params
from gpfed.scenarios import fitted_values, get_scenario, policy_scenarios, posterior_draws

__all__ = [
    "COMPARE_OUTCOMES",
    "OUTCOME_SCALES",
    "OUTCOME_TITLES",
    "Comparison",
    "all_scenario_names",
    "compare",
    "outcome_title",
    "replicate_seed",
    "t_interval",
]

COMPARE_OUTCOMES: list[str] = [
    "practices_open",
    "mean_list_size",
    "emergency_admissions_per_1000",
    "commissioner_spend_per_capita_gbp",
    "profit_per_partner_mean_gbp",
    "exits_per_100_practices_per_year",
    "trust_balance_gbp",
    "trust_capacity",
    "list_hhi",
    "share_practices_federated",
    "integrated_population_share",
    "paid_twice_gbp",
    "contract_handbacks",
]
"""Outcomes summarised and plotted, names from :data:`gpfed.outputs.METRICS`.

Adding a metric's name here is enough: a missing title falls back to its METRICS description.
"""

OUTCOME_TITLES: dict[str, str] = {
    "practices_open": "Practices open",
    "mean_list_size": "Mean list size (patients)",
    "emergency_admissions_per_1000": "Emergency admissions per 1,000 a year",
    "commissioner_spend_per_capita_gbp": "Commissioner spend per capita (£ a year)",
    "profit_per_partner_mean_gbp": "Profit per partner (£k a year)",
    "exits_per_100_practices_per_year": "Closures and mergers per 100 practices a year",
    "trust_balance_gbp": "Trusts' balance (£m)",
    "trust_capacity": "Trust capacity (admissions a quarter)",
    "list_hhi": "List concentration (HHI)",
    "share_practices_federated": "Share of practices federated",
    "integrated_population_share": "Share of patients under integrated contracts",
    "paid_twice_gbp": "Paid twice (£m a quarter)",
    "contract_handbacks": "Contracts handed back a quarter",
}
"""Human titles for plot axes; the unit shown is after dividing by :data:`OUTCOME_SCALES`."""

OUTCOME_SCALES: dict[str, float] = {
    "profit_per_partner_mean_gbp": 1e3,
    "trust_balance_gbp": 1e6,
    "paid_twice_gbp": 1e6,
}
"""Divisors for display only (plots, the CLI table); summaries keep the metrics' own units."""

FINAL_YEAR_STEPS = 4
"""A run's outcome is the mean of its last four collected quarters (the final year)."""

CONFIDENCE = 0.95

_KEYS = ["scenario", "replicate"]
_STAT_COLUMNS = ["mean", "ci_low", "ci_high", "sd", "n"]


def outcome_title(outcome: str) -> str:
    """Human title of an outcome: its entry in :data:`OUTCOME_TITLES`, else its description."""
    return OUTCOME_TITLES.get(outcome) or METRICS.get(outcome, outcome)


def all_scenario_names() -> list[str]:
    """Names of the policy scenarios (not the historical ones), in registration order."""
    return [scenario.name for scenario in policy_scenarios()]


def replicate_seed(seed: int, replicate: int) -> int:
    """The seed every scenario uses in replicate ``replicate`` of a comparison seeded ``seed``.

    It is the first 32-bit word of ``np.random.SeedSequence(seed, spawn_key=(replicate,))``: a
    plain int (shown in the runs' ``seed`` column, so ``gpfed run --seed`` can replay any run),
    and hashed rather than ``seed + replicate`` so that comparisons with nearby seeds do not share
    replicates.
    """
    state = np.random.SeedSequence(seed, spawn_key=(replicate,)).generate_state(1)
    return int(state[0])


def t_interval(
    values: pd.Series, low: float = -math.inf, high: float = math.inf
) -> dict[str, float]:
    """Mean, t-interval and SD of replicate values; the CI and SD are NaN with one value.

    The interval is cut to ``low``..``high``, the values the quantity can take: its true mean
    lies among them, so the cut interval covers it as often as the whole one (a count's interval
    never goes below zero, a share's never above one).
    """
    values = values.dropna()
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    if n < 2:
        return {"mean": mean, "ci_low": math.nan, "ci_high": math.nan, "sd": math.nan, "n": n}
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * sd / math.sqrt(n)
    return {
        "mean": mean,
        "ci_low": max(mean - half, low),
        "ci_high": min(mean + half, high),
        "sd": sd,
        "n": n,
    }


@dataclass
class Comparison:
    """Runs of several scenarios over common-seed replicates, with summaries and a plot.

    Attributes:
        runs: every run's ``GPFedModel.to_frame()`` rows, with columns ``scenario`` and
            ``replicate`` added in front; scenarios appear in the order compared.
        seed: the comparison's seed (replicate seeds derive from it, see :func:`replicate_seed`).
        calibration: the behaviour the scenarios ran on (:func:`calibrated_values`), if known.
    """

    runs: pd.DataFrame
    seed: int | None = None
    calibration: str | None = None

    @property
    def scenarios(self) -> list[str]:
        """Scenario names in the order compared."""
        return list(pd.unique(self.runs["scenario"]))

    @property
    def reps(self) -> int:
        """Number of replicates."""
        return int(self.runs["replicate"].nunique())

    def final_year(self) -> pd.DataFrame:
        """Each run's outcomes averaged over its final year, one row per (scenario, replicate).

        The start (step 0) is excluded even in runs shorter than a year: it is the initial state,
        not a simulated quarter, and its flows are NaN.
        """
        simulated = self.runs[self.runs["step"] >= 1]
        grouped = simulated.groupby(_KEYS, sort=False)
        last = grouped.tail(FINAL_YEAR_STEPS)
        return last.groupby(_KEYS, sort=False)[COMPARE_OUTCOMES].mean().astype(float)

    def summary(self) -> pd.DataFrame:
        """Final-year mean of each outcome by scenario, with a 95% t-interval over replicates.

        Each interval is cut to the values its outcome can take (:func:`t_interval`).

        Returns:
            One row per (scenario, outcome), scenarios in the order compared and outcomes in
            :data:`COMPARE_OUTCOMES` order; columns ``scenario, outcome, mean, ci_low, ci_high,
            sd, n``. With one replicate the interval and SD are NaN.
        """
        values = self.final_year()
        rows = [
            {
                "scenario": scenario,
                "outcome": outcome,
                **t_interval(values.loc[scenario, outcome], *series_range(outcome)),
            }
            for scenario in self.scenarios
            for outcome in COMPARE_OUTCOMES
        ]
        return pd.DataFrame(rows, columns=["scenario", "outcome", *_STAT_COLUMNS])

    def differences(self, baseline: str) -> pd.DataFrame:
        """Paired differences of each scenario's final-year outcomes from ``baseline``.

        Each replicate's value is differenced from the baseline's in the same replicate (same
        seed), then averaged, with a 95% t-interval over replicates. The baseline's own rows are
        included and are exactly zero.

        Args:
            baseline: one of the compared scenarios.

        Returns:
            One row per (scenario, outcome); columns ``scenario, baseline, outcome, mean, ci_low,
            ci_high, sd, n``.

        Raises:
            ParameterError: ``baseline`` was not compared.
        """
        if baseline not in self.scenarios:
            raise ParameterError(
                f"baseline {baseline!r} was not compared; compared: {', '.join(self.scenarios)}"
            )
        values = self.final_year()
        reference = values.loc[baseline]
        rows = []
        for scenario in self.scenarios:
            # Aligned on the replicate index, so only replicates both scenarios ran are paired.
            paired = values.loc[scenario] - reference
            rows += [
                {
                    "scenario": scenario,
                    "baseline": baseline,
                    "outcome": outcome,
                    **t_interval(paired[outcome]),
                }
                for outcome in COMPARE_OUTCOMES
            ]
        return pd.DataFrame(rows, columns=["scenario", "baseline", "outcome", *_STAT_COLUMNS])

    def plot(self, path: str | Path | None = None) -> Figure:
        """Draw each outcome's mean series by scenario, with a shaded 95% band over replicates.

        Args:
            path: where to save a PNG, if given.

        Returns:
            The figure: one axis per outcome in :data:`COMPARE_OUTCOMES`, one legend.
        """
        n_outcomes = len(COMPARE_OUTCOMES)
        ncols = min(4, n_outcomes)
        nrows = math.ceil(n_outcomes / ncols)
        # A bare Figure on an Agg canvas: headless, and never registered with pyplot, so repeated
        # plots neither change the global backend nor pile up open figures.
        fig = Figure(figsize=(4 * ncols, 3.2 * nrows + 0.8), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
        for ax in axes[n_outcomes:]:
            fig.delaxes(ax)
        # Shared x axes label only the bottom row: a panel with no panel below it labels its own.
        for ax in axes[max(n_outcomes - ncols, 0) : n_outcomes]:
            ax.xaxis.set_tick_params(labelbottom=True)

        grouped = self.runs.groupby(["scenario", "date"], sort=False)[COMPARE_OUTCOMES]
        mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
        t_quantile = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1))
        half = (sd * t_quantile / np.sqrt(n)).where(n > 1)

        for ax, outcome in zip(axes, COMPARE_OUTCOMES, strict=False):
            scale = OUTCOME_SCALES.get(outcome, 1.0)
            for index, scenario in enumerate(self.scenarios):
                colour = f"C{index % 10}"
                centre = mean.loc[scenario, outcome] / scale
                band = half.loc[scenario, outcome] / scale
                low, high = (bound / scale for bound in series_range(outcome))
                dates = centre.index
                ax.plot(dates, centre, color=colour, lw=1.5, label=scenario)
                ax.fill_between(
                    dates,
                    (centre - band).clip(lower=low),
                    (centre + band).clip(upper=high),
                    color=colour,
                    alpha=0.2,
                )
            ax.set_title(outcome_title(outcome), fontsize=10)
            ax.grid(alpha=0.3)
            locator = AutoDateLocator()
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))

        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 5))
        seed = "" if self.seed is None else f", seed {self.seed}"
        plural = "" if self.reps == 1 else "s"
        behaviour = {
            "posterior": ", each on a posterior draw of the calibrated behaviour",
            "point": ", calibrated behaviour (point estimate)",
            "none": ", uncalibrated defaults",
        }.get(self.calibration or "", "")
        fig.suptitle(
            f"gpfed compare: mean of {self.reps} replicate{plural}{seed}{behaviour}, "
            f"shaded {CONFIDENCE:.0%} confidence band"
        )
        if path is not None:
            fig.savefig(path, dpi=110)
        return fig

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``summary.csv``, ``runs.parquet`` and ``panel.png`` into ``out_dir``.

        Args:
            out_dir: folder for the outputs; created if missing.

        Returns:
            The paths written, by kind: ``summary``, ``runs``, ``panel``.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "summary": out / "summary.csv",
            "runs": out / "runs.parquet",
            "panel": out / "panel.png",
        }
        self.summary().to_csv(paths["summary"], index=False)
        self.runs.to_parquet(paths["runs"], index=False)
        self.plot(paths["panel"])
        return paths


def _check_count(name: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ParameterError(f"{name} = {value!r}; allowed {low} or more")


CALIBRATIONS = ("posterior", "point", "none")
"""What behaviour a comparison runs on: a posterior draw per replicate, the point estimate, or
the uncalibrated defaults."""


def calibrated_values(calibration: str, reps: int, seed: int) -> list[dict[str, object]]:
    """The calibrated values replicate ``r`` of every scenario runs with (one dict per replicate).

    ``posterior``: parameter sets drawn from the stored posterior of the ``england_2013``
    calibration, seeded by the comparison's seed, so each replicate carries parameter
    uncertainty and every scenario shares it (common random numbers extend to the parameters);
    ``point``: the point estimate for every replicate; ``none``: the defaults.

    Raises:
        ParameterError: an unknown ``calibration``.
    """
    if calibration == "posterior":
        return posterior_draws(reps, seed)
    if calibration == "point":
        return [fitted_values()] * reps
    if calibration == "none":
        return [{}] * reps
    raise ParameterError(f"calibration = {calibration!r}; allowed {', '.join(CALIBRATIONS)}")


def compare(
    scenarios: Sequence[str],
    reps: int = 10,
    quarters: int | None = None,
    seed: int = 0,
    overrides: Mapping[str, object] | None = None,
    progress: bool = False,
    calibration: str = "posterior",
) -> Comparison:
    """Run each scenario ``reps`` times with common seeds and collect the runs.

    Every argument is checked, and every scenario's parameters built, before any run starts, so
    a typo fails in a moment rather than after the first scenarios have run.

    Args:
        scenarios: names of registered scenarios (see :mod:`gpfed.scenarios`), each at most once;
            a single name may be given as a string.
        reps: replicates per scenario; replicate ``r`` of every scenario uses the seed
            :func:`replicate_seed` ``(seed, r)``.
        quarters: quarters to simulate; None runs each scenario to its ``horizon_quarters``.
        seed: the comparison's seed (non-negative).
        overrides: parameter values applied on top of every scenario (e.g. ``n_practices``);
            they win over the calibrated values.
        progress: show a progress bar on stderr.
        calibration: the behaviour every scenario runs on (:func:`calibrated_values`): a
            posterior draw per replicate (default), the point estimate, or ``"none"``.

    Returns:
        The :class:`Comparison` holding every run.

    Raises:
        ParameterError: an unknown or repeated scenario, a bad override, an unknown
            calibration, or ``reps``, ``quarters`` or ``seed`` out of range.
    """
    names = [scenarios] if isinstance(scenarios, str) else list(scenarios)
    if not names:
        raise ParameterError(f"no scenarios to compare; known: {', '.join(all_scenario_names())}")
    _check_count("reps", reps, 1)
    _check_count("seed", seed, 0)
    if quarters is not None:
        _check_count("quarters", quarters, 1)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ParameterError(f"scenario {repeated[0]!r} given more than once; compare it once")
    for name in names:
        # An unknown name fails here with its near matches, before any override error.
        get_scenario(name)
    behaviour = calibrated_values(calibration, reps, seed)
    params = {
        (name, replicate): Params(name, **{**values, **dict(overrides or {})})
        for name in names
        for replicate, values in enumerate(behaviour)
    }

    frames = []
    with tqdm(
        total=len(names) * reps, desc="gpfed compare", disable=not progress, file=sys.stderr
    ) as bar:
        for name in names:
            for replicate in range(reps):
                model = GPFedModel(params[name, replicate], rng=replicate_seed(seed, replicate))
                frame = model.run(quarters).to_frame()
                frame.insert(0, "replicate", replicate)
                frame.insert(0, "scenario", name)
                frames.append(frame)
                bar.update()
    return Comparison(pd.concat(frames, ignore_index=True), seed=int(seed), calibration=calibration)
