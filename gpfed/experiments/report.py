"""The analysis of a sweep in one folder: CSV tables, PNG plots and a Markdown report.

``gpfed analyse DIR`` calls :func:`analyse`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from gpfed.experiments.analysis import CONFIDENCE, sensitivity, summarise
from gpfed.experiments.figures import is_number, plot_indices, plot_responses, plot_scenarios
from gpfed.experiments.sampling import MORRIS_LEVELS
from gpfed.experiments.spec import SCENARIO, SweepError, SweepSpec
from gpfed.experiments.store import Results, load

REPORT_DESIGN_ROWS = 30
"""Design points shown in report.md; summary.csv holds them all."""

REPORT_FAILED_ROWS = 20
"""Failed runs listed in report.md with their errors."""


def analyse(path: str | Path, out: str | Path | None = None) -> Path:
    """Summarise a sweep's results folder into CSV tables, PNG plots and a Markdown report.

    Writes into ``out``: ``summary.csv`` (:func:`summarise`), ``indices.csv`` (:func:`sensitivity`,
    Sobol and Morris sweeps), ``indices.png``, one ``response_<output>.png`` per output,
    ``scenarios.png`` (when the scenario is swept) and ``report.md`` linking them.

    Args:
        path: the results folder of a sweep (finished or not).
        out: folder for the analysis; default ``path/analysis``.

    Returns:
        The path of ``report.md``.

    Raises:
        SweepError: the folder holds no sweep, or no run of it has succeeded yet.
    """
    path = Path(path)
    results = load(path)
    spec = results.spec
    if results.ok.empty:
        raise SweepError(
            f"{path} has no successful runs to analyse ({len(results.failed)} failed, "
            f"{len(results.runs)} of {len(results.planned)} planned runs recorded); "
            "run or resume the sweep first"
        )
    out = path / "analysis" if out is None else Path(out)
    out.mkdir(parents=True, exist_ok=True)

    summary = summarise(results)
    summary.to_csv(out / "summary.csv", index=False)
    table = sensitivity(results)
    plots: list[tuple[str, Path]] = []
    if table is not None:
        table.to_csv(out / "indices.csv", index=False)
        plots.append(("Sensitivity indices", plot_indices(table, spec, out / "indices.png")))
    for output in spec.outputs:
        target = out / f"response_{output}.png"
        plots.append((f"Response of {output}", plot_responses(results, summary, output, target)))
    if SCENARIO in spec.names:
        plots.append(("Outputs by scenario", plot_scenarios(results, out / "scenarios.png")))

    report = out / "report.md"
    report.write_text(_report(path, results, summary, table, [(t, p.name) for t, p in plots]))
    return report


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if is_number(value):
        # Large money values read better in full (12,345,678) than as 1.235e+07.
        return f"{value:,.0f}" if abs(value) >= 1e4 else f"{float(value):.4g}"
    return str(value)


def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell (one line, pipes escaped)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _report(
    path: Path,
    results: Results,
    summary: pd.DataFrame,
    table: pd.DataFrame | None,
    plots: list[tuple[str, str]],
) -> str:
    spec = results.spec
    n_ok, n_failed = len(results.ok), len(results.failed)
    n_planned = len(results.planned)
    swept = "; ".join(
        f"{d.name} levels {list(d.levels)}" if d.levels else f"{d.name} {d.low} to {d.high}"
        for d in spec.parameters
    )
    fixed = ", ".join(f"{k} = {v}" for k, v in spec.fixed.items()) or "none"
    scenario = "swept" if SCENARIO in spec.names else (spec.scenario or "defaults")
    lines = [
        f"# Sweep analysis: {spec.name}",
        "",
        f"- Results folder: `{path}`",
        f"- Sampler: **{spec.sampler}** ({_design_words(spec)}, {spec.replications} "
        f"replication(s), {spec.quarters} quarters, seed {spec.seed}"
        f"{', common random numbers' if spec.common_random_numbers else ''})",
        f"- Scenario: {scenario}; fixed: {fixed}",
        f"- Swept: {swept}",
        f"- Design points: {len(results.design)}; runs: {n_ok} ok, {n_failed} failed, "
        f"{n_planned - n_ok - n_failed} not run yet, of {n_planned} planned",
        "",
    ]
    if n_failed:
        failed = results.failed
        lines += ["## Failed runs", ""]
        lines += _table(
            ["run_id", "error"],
            [(r.run_id, r.error) for r in failed.head(REPORT_FAILED_ROWS).itertuples()],
        )
        if n_failed > REPORT_FAILED_ROWS:
            lines.append(f"\n… and {n_failed - REPORT_FAILED_ROWS} more failed runs.")
        lines.append("")

    lines += _design_table(results, summary)
    if table is not None:
        lines += _indices_section(spec, table)
    lines += ["## Plots", ""]
    for title, name in plots:
        # The image embedded, and a link to it at full size.
        lines += [f"### {title}", "", f"[![{title}]({name})]({name})", ""]
    return "\n".join(lines)


def _design_words(spec: SweepSpec) -> str:
    """What ``samples`` means for the sweep's sampler (grids ignore it)."""
    if spec.sampler == "grid":
        return "full grid"
    if spec.sampler == "lhs":
        return f"{spec.samples} Latin hypercube points"
    if spec.sampler == "sobol":
        return f"Saltelli design, base N = {spec.samples}"
    return f"{spec.samples} trajectories of {MORRIS_LEVELS} levels"


def _design_table(results: Results, summary: pd.DataFrame) -> list[str]:
    spec = results.spec
    n_points = len(results.design)
    shown = results.design["design_id"].head(REPORT_DESIGN_ROWS)
    rows_of = summary[summary["design_id"].isin(shown)].set_index(["design_id", "output"])
    lines = [
        "## Design-point means",
        "",
        f"Final-year mean over ok replicates, with its {CONFIDENCE:.0%} t-interval "
        "[low, high] when a point has two or more ok runs; n = ok runs.",
        "",
    ]
    if n_points > REPORT_DESIGN_ROWS:
        lines += [
            f"First {REPORT_DESIGN_ROWS} of {n_points} design points; all in summary.csv.",
            "",
        ]
    header = ["design_id", *spec.names, "n", *spec.outputs]
    rows = []
    for point in results.design[results.design["design_id"].isin(shown)].itertuples(index=False):
        design_id = point.design_id
        cells = [design_id, *(_number(getattr(point, name)) for name in spec.names)]
        first = rows_of.loc[(design_id, spec.outputs[0])]
        # Rows of a mixed frame come back as floats; counts are shown as whole numbers.
        n, failed = int(first["n"]), int(first["failed"])
        cells.append(f"{n}" + (f" ({failed} failed)" if failed else ""))
        for output in spec.outputs:
            row = rows_of.loc[(design_id, output)]
            cell = _number(row["mean"])
            if row["n"] >= 2:
                cell += f" [{_number(row['ci_low'])}, {_number(row['ci_high'])}]"
            cells.append(cell)
        rows.append(cells)
    return [*lines, *_table(header, rows), ""]


def _indices_section(spec: SweepSpec, table: pd.DataFrame) -> list[str]:
    lines = ["## Sensitivity indices", ""]
    if spec.sampler == "sobol":
        lines += [
            "Sobol first-order (S1) and total (ST) indices of the design-point means, "
            f"± half-width of the {CONFIDENCE:.0%} bootstrap interval (also in indices.csv).",
            "",
        ]
        header = ["output", "parameter", "S1", "ST"]
        rows = [
            (
                r.output,
                r.parameter,
                f"{r.S1:.3f} ± {r.S1_conf:.3f}",
                f"{r.ST:.3f} ± {r.ST_conf:.3f}",
            )
            for r in table.itertuples()
        ]
    else:
        lines += [
            "Morris mu* (mean absolute elementary effect of a full-range change, in the output's "
            f"units) ± half-width of its {CONFIDENCE:.0%} bootstrap interval, and sigma (spread "
            "of the effects: interactions or non-linearity). Also in indices.csv.",
            "",
        ]
        header = ["output", "parameter", "mu*", "sigma"]
        rows = [
            (
                r.output,
                r.parameter,
                f"{_number(r.mu_star)} ± {_number(r.mu_star_conf)}",
                _number(r.sigma),
            )
            for r in table.itertuples()
        ]
    if rows:
        lines += _table(header, rows)
    notes = table.attrs.get("notes", [])
    if notes:
        lines += ["", "Not computed:", "", *(f"- {note}" for note in notes)]
    return [*lines, ""]
