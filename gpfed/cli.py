"""Command line: ``gpfed run``, ``gpfed scenarios``, ``gpfed params``.

Bad input (unknown parameter, value out of range, malformed ``--set``) prints one line naming the
problem and exits with status 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from gpfed.params import SPEC, ParameterError, Params, describe, unknown_parameter_error
from gpfed.scenarios import all_scenarios

app = typer.Typer(
    name="gpfed",
    help="Agent-based model of English general practice: practices, trusts, commissioners, "
    "federations and contracts. One step is one quarter.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SUMMARY = [
    ("practices_open", "practices open", "{:,.0f}"),
    ("mean_list_size", "mean list size", "{:,.0f}"),
    ("list_hhi", "list HHI (within areas)", "{:,.0f}"),
    ("emergency_admissions_per_1000", "emergency admissions per 1,000 a year", "{:,.1f}"),
    ("commissioner_spend_per_capita_gbp", "commissioner spend per capita, £ a year", "{:,.0f}"),
    ("profit_per_partner_mean_gbp", "profit per partner, £ a year", "{:,.0f}"),
    ("trust_balance_gbp", "trusts' balance, £", "{:,.0f}"),
]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def parse_settings(settings: list[str]) -> dict[str, object]:
    """Turn ``--set name=value`` strings into parameter values (schedules as ``K:V,K:V``)."""
    values: dict[str, object] = {}
    for item in settings:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"--set {item!r}: write NAME=VALUE, e.g. --set n_practices=150")
        if name not in SPEC:
            raise unknown_parameter_error(name)
        values[name] = SPEC[name].parse(text.strip())
    return values


@app.command()
def run(
    preset: Annotated[
        str | None, typer.Option(help="World preset: 'region' (default) or 'england'.")
    ] = None,
    scenario: Annotated[
        str | None, typer.Option(help="Named policy scenario (see 'gpfed scenarios').")
    ] = None,
    steps: Annotated[
        int | None,
        typer.Option(min=1, help="Quarters to simulate [default: horizon_quarters, 40]."),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed; same seed, same results.")] = 1,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Parameter value NAME=VALUE (repeatable); a lever's schedule as "
            "NAME=2013Q2:66.25,2014Q2:73.56. See 'gpfed params'.",
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the outputs.")] = Path("out/run"),
    fmt: Annotated[str, typer.Option("--format", help="Table format: csv or parquet.")] = "csv",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Run one model and write its series, agent tables, money flows and a plot panel.

    Writes to OUT: series.(csv|parquet) (model-level series per quarter), practices, trusts and
    commissioners tables, ledger_by_purpose, params.json and panel.png.
    """
    from gpfed.agents import Commissioner, Practice, Trust
    from gpfed.model.model import GPFedModel

    if fmt not in ("csv", "parquet"):
        raise _fail(f"--format = {fmt!r}; allowed 'csv' or 'parquet'")
    try:
        values = parse_settings(set_ or [])
        if preset is not None:
            values["preset"] = preset
        params = Params(scenario, **values)
    except ParameterError as error:
        raise _fail(str(error)) from None

    started = time.perf_counter()
    model = GPFedModel(params, rng=seed)
    model.run(steps)
    elapsed = time.perf_counter() - started

    out.mkdir(parents=True, exist_ok=True)
    series = model.to_frame()
    tables = {
        "series": series,
        "practices": model.agent_frame(Practice),
        "trusts": model.agent_frame(Trust),
        "commissioners": model.agent_frame(Commissioner),
        "ledger_by_purpose": model.ledger_frame(),
    }
    for name, frame in tables.items():
        if fmt == "csv":
            frame.to_csv(out / f"{name}.csv", index=False)
        else:
            frame.to_parquet(out / f"{name}.parquet", index=False)
    (out / "params.json").write_text(
        json.dumps({"seed": seed, "scenario": scenario, "params": params.to_dict()}, indent=2)
    )
    model.plot(str(out / "panel.png"))
    if not quiet:
        _print_summary(series, model.params.preset, seed, elapsed, out)


def _print_summary(series, preset: str, seed: int, elapsed: float, out: Path) -> None:
    first, last = series.iloc[1] if len(series) > 1 else series.iloc[0], series.iloc[-1]
    typer.echo(
        f"gpfed run: preset {preset}, seed {seed}, {int(last['step'])} quarters "
        f"({series['quarter'].iloc[1]} to {last['quarter']}) in {elapsed:.1f} s"
    )
    width = max(len(label) for _, label, _ in SUMMARY)
    typer.echo(f"  {'':<{width}}  {'first quarter':>14}  {'last quarter':>14}")
    for column, label, pattern in SUMMARY:
        typer.echo(
            f"  {label:<{width}}  {pattern.format(first[column]):>14}  "
            f"{pattern.format(last[column]):>14}"
        )
    typer.echo(f"outputs: {out}/ (series, practices, trusts, commissioners, ledger, panel.png)")


@app.command()
def scenarios() -> None:
    """List the named policy scenarios with a one-line description and source."""
    for item in all_scenarios():
        typer.echo(f"{item.name}\n    {item.title}\n    source: {item.source}")


@app.command()
def params(
    group: Annotated[str | None, typer.Option(help="Only this group (e.g. 'demand').")] = None,
) -> None:
    """List every parameter with default, unit, allowed range and source."""
    rows = describe(group)
    if not rows:
        groups = sorted({p.group for p in SPEC.values()})
        raise _fail(f"no group {group!r}; groups: {', '.join(groups)}")
    for row in rows:
        unit = f" [{row['unit']}]" if row["unit"] else ""
        schedulable = " (schedulable)" if row["schedulable"] else ""
        typer.echo(
            f"{row['name']} = {row['default']}{unit}{schedulable}\n    {row['doc']}\n"
            f"    allowed: {row['allowed']}; source: {row['source']}"
        )


def main() -> None:
    """Entry point of the ``gpfed`` command."""
    try:
        app()
    except ParameterError as error:  # raised outside a command's own handling
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
