"""Which unsourced parameters matter: a Morris screening over every proposed parameter.

Every parameter marked proposed (``[P]`` in its source) that is not a policy lever (schedulable),
not fitted by the calibration and not an effect switched off by default is varied over half to
one and a half times its default (cut to its allowed range), in Morris trajectories (SALib,
through the sweep layer), on the calibrated world under a scenario where integrated contracts are
let, so that every headline outcome moves. The elementary effects' mean absolute value (mu*)
ranks the parameters for each outcome; docs/SCREENING.md lists the ten that move each most.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from gpfed.calibration.fit import PRIORS
from gpfed.experiments import Dimension, SweepSpec, load, sweep
from gpfed.experiments.analysis import sensitivity
from gpfed.outputs import METRICS
from gpfed.parameters import SPEC
from gpfed.scenarios import fitted_values

SCENARIO = "kings_fund_2011"
"""Screened under King's Fund 2011: capitated contracts are let, so paid twice and the
population under integrated contracts move, as well as practices, federations and hospitals."""

OUTCOMES = (
    "practices_open",
    "share_practices_federated",
    "emergency_admissions_per_1000",
    "commissioner_spend_per_capita_gbp",
    "paid_twice_gbp",
    "integrated_population_share",
)
"""The headline outcomes screened (final-year means)."""

RANGE = (0.5, 1.5)
"""Each parameter varies from half to one and a half times its default."""

TOP = 10
"""Parameters listed per outcome."""


def proposed_parameters() -> list[str]:
    """The parameters screened: proposed, not levers, not calibrated, not off by default."""
    calibrated = {p.name for p in PRIORS}
    return [
        p.name
        for p in SPEC.values()
        if p.source.startswith("[P]")
        and not p.schedulable
        and p.name not in calibrated
        and p.kind in (int, float)
        and p.default != 0
    ]


def _dimension(name: str) -> Dimension:
    parameter = SPEC[name]
    low = max(parameter.low, float(f"{RANGE[0] * parameter.default:.6g}"))
    high = min(parameter.high, float(f"{RANGE[1] * parameter.default:.6g}"))
    if parameter.kind is int:
        low, high = max(int(parameter.low), round(low)), min(int(parameter.high), round(high))
        high = max(high, low + 1)
    return Dimension(name, low, high)


def screening_spec(
    trajectories: int = 10,
    quarters: int = 40,
    seed: int = 11,
    fixed: dict[str, Any] | None = None,
    parameters: list[str] | None = None,
) -> SweepSpec:
    """The Morris sweep: ``trajectories`` x (parameters + 1) runs of :data:`SCENARIO`.

    Args:
        trajectories: Morris trajectories (10 is usual for screening).
        quarters: quarters per run.
        seed: seed of the design and the runs.
        fixed: values over the calibrated point estimate (e.g. a smaller world for tests).
        parameters: the parameters to screen (default: :func:`proposed_parameters`).
    """
    names = parameters or proposed_parameters()
    return SweepSpec(
        parameters=tuple(_dimension(name) for name in names),
        sampler="morris",
        samples=trajectories,
        replications=1,
        quarters=quarters,
        seed=seed,
        outputs=OUTCOMES,
        fixed={**fitted_values(), **(fixed or {})},
        scenario=SCENARIO,
        name="screening of proposed parameters (Morris)",
    )


def screen(spec: SweepSpec, out: str | Path, **run_options: Any) -> pd.DataFrame:
    """Run (or resume) the screening sweep; Morris indices ranked within each outcome.

    Returns:
        One row per (output, parameter): ``mu_star`` (mean absolute elementary effect over the
        parameter's screened range, in the outcome's unit), its bootstrap half-width, ``sigma``,
        ``mu`` and ``rank`` (1 moves the outcome most).
    """
    sweep(spec, out, **run_options)
    table = sensitivity(load(out))
    table["rank"] = (
        table.groupby("output")["mu_star"].rank(ascending=False, method="first").astype(int)
    )
    return table.sort_values(["output", "rank"]).reset_index(drop=True)


def markdown(table: pd.DataFrame, spec: SweepSpec, top: int = TOP) -> str:
    """The ten parameters that move each outcome most, as Markdown tables."""
    lines = [
        f"{len(spec.parameters)} proposed parameters, {spec.samples} Morris trajectories "
        f"({spec.samples * (len(spec.parameters) + 1):,} runs of `{spec.scenario}`, "
        f"{spec.quarters} quarters, on the calibrated point estimate), each parameter from "
        f"{RANGE[0]:g} to {RANGE[1]:g} times its default. mu* is the mean absolute change in the "
        "final-year outcome over the parameter's screened range.",
        "",
    ]
    for output in OUTCOMES:
        rows = table[(table["output"] == output) & (table["rank"] <= top)]
        lines += [
            f"**{METRICS[output]}** (`{output}`)",
            "",
            "| Rank | Parameter | Default | Screened range | mu* (± 95%) | sigma | Source |",
            "|---:|---|---:|---|---:|---:|---|",
        ]
        ranges = {d.name: (d.low, d.high) for d in spec.parameters}
        for row in rows.itertuples(index=False):
            parameter = SPEC[row.parameter]
            low, high = ranges[row.parameter]
            lines.append(
                f"| {row.rank} | `{row.parameter}` | {parameter.default:g} | {low:g} to "
                f"{high:g} | {row.mu_star:.3g} (± {row.mu_star_conf:.2g}) | {row.sigma:.3g} | "
                f"{parameter.source.split(';')[0][:60]} |"
            )
        lines.append("")
    return "\n".join(lines)
