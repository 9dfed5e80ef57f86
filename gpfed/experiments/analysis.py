"""Analysing a sweep: means with confidence intervals, and Sobol or Morris indices.

:func:`summarise` and :func:`sensitivity` take the :class:`~gpfed.experiments.store.Results` of
:func:`gpfed.experiments.load`; :func:`indices` is the bare index computation on a design matrix
and one output vector (``sensitivity`` calls it for each output, so a check of ``indices`` on a
known function checks ``sensitivity`` too). Plots are in :mod:`gpfed.experiments.figures`, the
report that puts everything in one folder in :mod:`gpfed.experiments.report`.

Example:
    >>> from gpfed.experiments import load
    >>> from gpfed.experiments.analysis import sensitivity, summarise
    >>> results = load("out/sweep")  # doctest: +SKIP
    >>> summarise(results).query("output == 'practices_open'")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from gpfed.experiments.sampling import MORRIS_LEVELS, salib_problem
from gpfed.experiments.store import Results

__all__ = [
    "CONFIDENCE",
    "UndefinedIndicesError",
    "indices",
    "sensitivity",
    "summarise",
    "t_interval",
]

CONFIDENCE = 0.95
"""Level of the t-intervals over replicates and of SALib's bootstrap intervals."""

NUM_RESAMPLES = 1000
"""Bootstrap resamples for the index confidence intervals (SALib's default of 100 is coarse)."""

SOBOL_COLUMNS = ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
MORRIS_COLUMNS = ["parameter", "mu_star", "mu_star_conf", "sigma", "mu"]
_STATS = ["mean", "ci_low", "ci_high", "sd", "n", "failed"]


class UndefinedIndicesError(ValueError):
    """Indices cannot be computed from these outputs (missing, constant or too few values)."""


# --- summaries ---------------------------------------------------------------------------------
def summarise(results: Results) -> pd.DataFrame:
    """Mean of every output at every design point, with a 95% t-interval over replicates.

    Args:
        results: a loaded results folder (:func:`gpfed.experiments.load`), finished or not.

    Returns:
        One row per (design point, output), design points in design order and outputs in the
        sweep's order; columns ``design_id``, the swept parameters, ``output``, ``mean``,
        ``ci_low``, ``ci_high``, ``sd``, ``n`` (ok runs with a value) and ``failed`` (failed runs
        at the point). The interval and SD are NaN when ``n < 2``; the mean is NaN when ``n == 0``
        (every run failed, or none has finished yet).
    """
    spec = results.spec
    outputs = list(spec.outputs)
    runs = results.runs
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs.iloc[0:0]
    # An empty results table has no output columns at all (store.load): reindex adds them as NaN
    # so an unfinished sweep summarises to n = 0 rather than failing.
    values = ok.reindex(columns=["design_id", *outputs]).astype({name: float for name in outputs})
    long = values.melt(id_vars="design_id", value_vars=outputs, var_name="output")
    grouped = long.groupby(["design_id", "output"])["value"]
    stats_frame = pd.DataFrame(
        {"mean": grouped.mean(), "sd": grouped.std(ddof=1), "n": grouped.count()}
    )
    # Every design point appears, with n = 0 where no run has a value yet.
    full = pd.MultiIndex.from_product(
        [results.design["design_id"].to_numpy(), outputs], names=["design_id", "output"]
    )
    stats_frame = stats_frame.reindex(full)
    n = stats_frame["n"].fillna(0).astype(np.int64).to_numpy()
    # A copy: pandas' copy-on-write hands out read-only views, and sd is masked below.
    sd = stats_frame["sd"].to_numpy(dtype=float, copy=True)
    mean = stats_frame["mean"].to_numpy(dtype=float)
    enough = n >= 2
    half = np.full(len(n), np.nan)
    # t quantiles only where there are two or more values: df = 0 would give NaN with a warning.
    half[enough] = (
        stats.t.ppf(0.5 + CONFIDENCE / 2, n[enough] - 1) * sd[enough] / np.sqrt(n[enough])
    )
    sd[~enough] = np.nan

    failed_runs = runs[runs["status"] == "failed"] if "status" in runs else runs.iloc[0:0]
    failed = failed_runs.groupby("design_id").size()
    ids = stats_frame.index.get_level_values("design_id")
    frame = pd.DataFrame(
        {
            "design_id": ids.to_numpy(),
            "output": stats_frame.index.get_level_values("output").to_numpy(),
            "mean": mean,
            "ci_low": mean - half,
            "ci_high": mean + half,
            "sd": sd,
            "n": n,
            "failed": failed.reindex(ids, fill_value=0).to_numpy(dtype=np.int64),
        }
    )
    frame = frame.merge(results.design, on="design_id", how="left", validate="many_to_one")
    return frame[["design_id", *spec.names, "output", *_STATS]]


# --- sensitivity indices -----------------------------------------------------------------------
def indices(
    sampler: str,
    problem: dict[str, Any],
    design_values: np.ndarray | pd.DataFrame,
    y: np.ndarray | Sequence[float],
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol or Morris indices of one output, from a SALib design and the output at each row.

    Args:
        sampler: ``"sobol"`` (a Saltelli design without second-order rows) or ``"morris"`` (a
            design of :data:`~gpfed.experiments.sampling.MORRIS_LEVELS`-level trajectories).
        problem: the SALib problem (``num_vars``, ``names``, ``bounds``).
        design_values: the design, one row per point in SALib's sample order, one column per
            variable (Morris reads which variable each step moved from it; Sobol only its size).
        y: the output at each design point, in the same order.
        seed: seed of the bootstrap behind the confidence intervals (the same seed gives the same
            intervals).

    Returns:
        One row per variable: for Sobol ``parameter, S1, S1_conf, ST, ST_conf``; for Morris
        ``parameter, mu_star, mu_star_conf, sigma, mu``. ``*_conf`` are half-widths of 95%
        bootstrap intervals. Morris effects are per full range of a variable (SALib's unscaled
        elementary effects), so mu* of different variables compare directly.

    Raises:
        UndefinedIndicesError: ``y`` has missing values, does not vary, or (Morris) holds fewer
            than two trajectories.
        ValueError: an unknown sampler, or sizes that do not fit the design.
    """
    names = list(problem["names"])
    n_vars = len(names)
    x = np.asarray(design_values, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    if x.ndim != 2 or x.shape != (len(y), n_vars):
        raise ValueError(
            f"design has shape {x.shape}; expected ({len(y)}, {n_vars}): one row per output value"
        )
    if not np.all(np.isfinite(y)):
        raise UndefinedIndicesError(f"{int((~np.isfinite(y)).sum())} of {len(y)} values missing")
    if np.ptp(y) <= np.finfo(float).eps * max(1.0, float(np.abs(y).max())):
        # SALib would divide by a zero variance (Sobol) or report all-zero effects as if they had
        # been measured; say plainly that the output does not move instead.
        raise UndefinedIndicesError(f"the output is constant ({y[0]:.6g}) over the whole design")
    # SALib's Sobol analysis treats seed=0 as "no seed" and falls back on NumPy's global state;
    # a Generator is always honoured, so the intervals are reproducible for every seed.
    rng = np.random.default_rng(seed)
    if sampler == "sobol":
        return _sobol(problem, y, rng)
    if sampler == "morris":
        return _morris(problem, x, y, rng)
    raise ValueError(f"indices are defined for the sobol and morris samplers, not {sampler!r}")


def _sobol(problem: dict[str, Any], y: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    from SALib.analyze import sobol

    n_vars = problem["num_vars"]
    if len(y) % (n_vars + 2):
        raise ValueError(
            f"{len(y)} design points do not form a Saltelli design of {n_vars} variables "
            f"(a multiple of {n_vars + 2})"
        )
    blocks = y.reshape(-1, n_vars + 2)
    base = np.r_[blocks[:, 0], blocks[:, -1]]
    if np.ptp(base) <= np.finfo(float).eps:
        # The estimators normalise by the variance of the A and B rows only; SALib would warn and
        # return zeros, which would read as "no influence".
        raise UndefinedIndicesError("the output is constant over the base samples (A and B rows)")
    result = sobol.analyze(
        problem,
        y,
        calc_second_order=False,
        num_resamples=NUM_RESAMPLES,
        conf_level=CONFIDENCE,
        seed=rng,
    )
    frame = pd.DataFrame({"parameter": list(problem["names"])})
    for key in SOBOL_COLUMNS[1:]:
        frame[key] = np.asarray(result[key], dtype=float)
    return frame


def _morris(
    problem: dict[str, Any], x: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    from SALib.analyze import morris

    n_vars = problem["num_vars"]
    if len(y) % (n_vars + 1):
        raise ValueError(
            f"{len(y)} design points do not form Morris trajectories of {n_vars} variables "
            f"(a multiple of {n_vars + 1})"
        )
    if len(y) // (n_vars + 1) < 2:
        # sigma is a standard deviation over trajectories: undefined (and a NumPy warning) for 1.
        raise UndefinedIndicesError("Morris indices need at least two trajectories (samples >= 2)")
    result = morris.analyze(
        problem,
        x,
        y,
        num_resamples=NUM_RESAMPLES,
        conf_level=CONFIDENCE,
        num_levels=MORRIS_LEVELS,
        seed=rng,
    )
    frame = pd.DataFrame({"parameter": list(problem["names"])})
    for key in MORRIS_COLUMNS[1:]:
        frame[key] = np.ma.filled(np.ma.asarray(result[key], dtype=float), np.nan)
    return frame


def sensitivity(results: Results, seed: int | None = None) -> pd.DataFrame | None:
    """Sobol or Morris indices of every output of a Sobol or Morris sweep.

    The model output at a design point is its mean over the point's ok replicates, in
    ``design_id`` order (the order SALib sampled the points in). An output that some design point
    has no value for (every run there failed, or the sweep is unfinished), or that does not vary,
    has no indices: it is left out, and ``frame.attrs["notes"]`` says why.

    Args:
        results: a loaded results folder.
        seed: seed of the bootstrap intervals; default the sweep's own seed.

    Returns:
        None for grid and Latin hypercube sweeps. Otherwise one row per (output, parameter):
        ``output`` then the columns of :func:`indices` (possibly no rows, see the notes).
    """
    spec = results.spec
    if spec.sampler not in ("sobol", "morris"):
        return None
    problem = salib_problem(spec)
    design = results.design.sort_values("design_id")
    x = design[spec.names].to_numpy(dtype=float)
    ok = results.ok
    columns = SOBOL_COLUMNS if spec.sampler == "sobol" else MORRIS_COLUMNS
    frames: list[pd.DataFrame] = []
    notes: list[str] = []
    for output in spec.outputs:
        # An unfinished sweep may have no output columns yet; every point is then missing.
        means = ok.groupby("design_id")[output].mean() if output in ok else pd.Series(dtype=float)
        y = means.reindex(design["design_id"]).to_numpy(dtype=float)
        missing = design["design_id"].to_numpy()[~np.isfinite(y)]
        if len(missing):
            shown = ", ".join(str(i) for i in missing[:10]) + (", …" if len(missing) > 10 else "")
            notes.append(
                f"{output}: no indices, {len(missing)} of {len(y)} design points have no "
                f"successful run (design_id {shown})"
            )
            continue
        try:
            frame = indices(spec.sampler, problem, x, y, seed=spec.seed if seed is None else seed)
        except UndefinedIndicesError as error:
            notes.append(f"{output}: no indices, {error}")
            continue
        frame.insert(0, "output", output)
        frames.append(frame)
    if frames:
        table = pd.concat(frames, ignore_index=True)
    else:
        table = pd.DataFrame(columns=["output", *columns])
    table.attrs["notes"] = notes
    return table


# --- plots -------------------------------------------------------------------------------------


def t_interval(values: np.ndarray) -> tuple[float, float, int]:
    """Mean, half-width of the 95% t-interval (NaN below two values) and count."""
    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return math.nan, math.nan, 0
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, n
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * float(values.std(ddof=1)) / n**0.5
    return mean, half, n
