"""Design points of a sweep: full grid, Latin hypercube, Sobol (Saltelli), Morris or given points.

Every sampler is deterministic given the sweep's seed. Ranges of integer parameters are sampled
as reals and rounded; levels are sampled by index. Sobol and Morris designs come from SALib, so
their indices can be computed from the same rows (:mod:`gpfed.experiments.analysis`).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from gpfed.experiments.spec import Dimension, SweepSpec

MORRIS_LEVELS = 4


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem (names and bounds) of a sweep's ranges."""
    return {
        "num_vars": len(spec.parameters),
        "names": spec.names,
        "bounds": [[float(d.low), float(d.high)] for d in spec.parameters],
    }


def design(spec: SweepSpec) -> pd.DataFrame:
    """One row per design point: ``design_id`` then a column per swept parameter."""
    if spec.sampler == "points":
        frame = pd.DataFrame({d.name: list(d.levels) for d in spec.parameters})
    elif spec.sampler == "grid":
        axes = [_grid_axis(d) for d in spec.parameters]
        rows = list(itertools.product(*axes))
        frame = pd.DataFrame(rows, columns=spec.names)
    else:
        unit = _unit_design(spec)
        frame = pd.DataFrame({d.name: _scale(d, unit[:, k]) for k, d in enumerate(spec.parameters)})
    frame.insert(0, "design_id", np.arange(len(frame), dtype=np.int64))
    return frame


def _grid_axis(dimension: Dimension) -> list[Any]:
    if dimension.levels:
        return list(dimension.levels)
    values = np.linspace(float(dimension.low), float(dimension.high), dimension.steps)
    return _typed(dimension, values)


def _unit_design(spec: SweepSpec) -> np.ndarray:
    """Points in the unit cube (lhs), or SALib's design rescaled to it (sobol, morris)."""
    n_vars = len(spec.parameters)
    if spec.sampler == "lhs":
        # Imported here, as SALib is below: a sweep's workers import this module, and
        # scipy.stats alone took them a third of a second.
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=n_vars, seed=np.random.default_rng(spec.seed)).random(
            spec.samples
        )
    unit_problem = {"num_vars": n_vars, "names": spec.names, "bounds": [[0.0, 1.0]] * n_vars}
    if spec.sampler == "sobol":
        from SALib.sample import sobol

        return sobol.sample(unit_problem, spec.samples, calc_second_order=False, seed=spec.seed)
    from SALib.sample import morris

    return morris.sample(unit_problem, spec.samples, num_levels=MORRIS_LEVELS, seed=spec.seed)


def _scale(dimension: Dimension, unit: np.ndarray) -> list[Any]:
    if dimension.levels:
        index = np.minimum((unit * len(dimension.levels)).astype(int), len(dimension.levels) - 1)
        return [dimension.levels[i] for i in index]
    low, high = float(dimension.low), float(dimension.high)
    return _typed(dimension, low + unit * (high - low))


def _typed(dimension: Dimension, values: np.ndarray) -> list[Any]:
    if dimension.is_integer:
        return [int(v) for v in np.rint(values)]
    return [float(v) for v in values]
