"""Experiments: policy sweeps from a laptop to a Dask cluster, resumable, with sensitivity analysis.

``sweep(spec, out=...)`` runs a :class:`SweepSpec` (or a TOML file) into a results folder;
``load(out)`` reads it back as tidy DataFrames; ``analyse(out)`` writes means with confidence
intervals, Sobol or Morris indices, plots and a report. Shipped examples are in ``sweeps/``.
"""

from gpfed.experiments.report import analyse
from gpfed.experiments.runner import run_table, sweep
from gpfed.experiments.spec import Dimension, SweepError, SweepSpec
from gpfed.experiments.store import Results, load

__all__ = [
    "Dimension",
    "Results",
    "SweepError",
    "SweepSpec",
    "analyse",
    "load",
    "run_table",
    "sweep",
]
