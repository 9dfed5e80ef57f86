"""Experiments: policy sweeps from a laptop to a Dask cluster, resumable, with sensitivity analysis.

``sweep(spec, out=...)`` runs a :class:`SweepSpec` (or a TOML file) into a results folder;
``load(out)`` reads it back as tidy DataFrames; ``analyse(out)`` writes means with confidence
intervals, Sobol or Morris indices, plots and a report. Shipped examples are in ``sweeps/``.
"""

from __future__ import annotations

from gpfed.lazy import lazy_names

# Each name is imported on first use (PEP 562): a sweep's worker process imports only the
# runner it needs, not the analysis stack (scipy.stats, SALib, matplotlib), about a second.
_EXPORTS = {
    "analyse": "gpfed.experiments.report",
    "run_table": "gpfed.experiments.runner",
    "sweep": "gpfed.experiments.runner",
    "Dimension": "gpfed.experiments.spec",
    "SweepError": "gpfed.experiments.spec",
    "SweepSpec": "gpfed.experiments.spec",
    "Results": "gpfed.experiments.store",
    "load": "gpfed.experiments.store",
}

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


__getattr__, __dir__ = lazy_names(__name__, _EXPORTS)
