"""Command line: ``gpfed run | compare | sweep | analyse | calibrate | validate | scenarios``, ...

``gpfed compare`` runs named policy scenarios over replicates with common seeds and prints each
scenario's final-year outcomes with 95% confidence intervals (see :mod:`gpfed.compare`).
``gpfed sweep`` runs a sweep file into a resumable results folder, locally or on a Dask cluster
(see :mod:`gpfed.experiments`); ``gpfed analyse`` summarises one. ``gpfed calibrate`` fits the
``england_2013`` scenario to the 2013-2015 record and ``gpfed validate`` checks it against every
target (see :mod:`gpfed.calibration`). ``gpfed viz`` serves the browser page (:mod:`gpfed.viz`).

Bad input (unknown parameter, value out of range, malformed ``--set``) prints one line naming the
problem and exits with status 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
import typer.main

from gpfed.parameters import SPEC, ParameterError, Params, describe, unknown_parameter_error
from gpfed.scenarios import all_scenarios, fitted_values

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
    ("share_practices_federated", "share of practices federated", "{:.1%}"),
    ("integrated_population_share", "share of patients under integrated contracts", "{:.1%}"),
    ("paid_twice_gbp", "paid twice, £ a quarter", "{:,.0f}"),
]


Settings = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Parameter value NAME=VALUE (repeatable; over the scenario's values, and in "
        "compare for every scenario); a lever's schedule as NAME=2013Q2:66.25,2014Q2:73.56. "
        "See 'gpfed params'.",
    ),
]
"""The ``--set NAME=VALUE`` option shared by the commands that build models."""


RUN_AGENT_TABLE_EVERY = {"region": 1, "england": 4}
"""How often ``gpfed run`` collects the per-agent tables it writes, by preset, unless ``--set``.

At England scale yearly: collecting them costs little now (about 0.15 s of a ten-year run
yearly, benchmarks/bench_model.py), but every quarter the practices' table alone is 330,000
rows, and writing it as CSV would take about as long as the run.
"""

MAX_QUARTERS = int(SPEC["horizon_quarters"].high)
"""The most quarters a command simulates: the horizon's upper bound (100 years)."""


def _one_line(message: object) -> str:
    """A message on one line: line breaks (a TOML parser's, a nested error's) become spaces."""
    return " ".join(str(message).split())


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {_one_line(message)}", err=True)
    return typer.Exit(code=2)


def _check_count(option: str, value: int | None, low: int, high: int | None = None) -> None:
    """Refuse a whole-number option outside ``low``..``high`` (None: not given, no check)."""
    if value is None:
        return
    if value < low or (high is not None and value > high):
        allowed = f"{low} to {high}" if high is not None else f"{low} or more"
        raise _fail(f"{option} = {value}; allowed {allowed}")


def check_output_folder(path: Path, option: str = "--out") -> None:
    """Refuse, before anything runs, an output folder that cannot be created or written.

    Nothing is created: the folder, if it exists, must be a writable folder; otherwise its
    nearest existing parent must be a writable folder (not a file).

    Raises:
        typer.Exit: (status 2) after one line naming the option, the path and the problem.
    """
    target = Path(path)
    if target.exists():
        if not target.is_dir():
            raise _fail(f"{option} = {str(target)!r} is a file; allowed a folder")
        if not os.access(target, os.W_OK | os.X_OK):
            raise _fail(f"{option} = {str(target)!r} is not writable; allowed a writable folder")
        return
    parent = target.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise _fail(
            f"{option} = {str(target)!r} lies under the file {str(parent)!r}; allowed a folder "
            "path whose parents are folders"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _fail(
            f"{option} = {str(target)!r} cannot be created ({str(parent)!r} is not writable); "
            "allowed a writable place"
        )


def parse_settings(settings: list[str]) -> dict[str, object]:
    """Turn ``--set name=value`` strings into parameter values (schedules as ``K:V,K:V``)."""
    values: dict[str, object] = {}
    for item in settings:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(
                f"--set = {item!r}; write NAME=VALUE, allowed e.g. --set n_practices=150"
            )
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
        typer.Option(
            help=f"Quarters to simulate, 1 to {MAX_QUARTERS} [default: horizon_quarters, 40]."
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Random seed (0 or more); same seed, same results.")
    ] = 1,
    set_: Settings = None,
    calibration: Annotated[
        str,
        typer.Option(
            help="Behaviour to run on: point (the calibration's point estimate) or none "
            "(uncalibrated defaults)."
        ),
    ] = "point",
    out: Annotated[Path, typer.Option(help="Folder for the outputs.")] = Path("out/run"),
    fmt: Annotated[str, typer.Option("--format", help="Table format: csv or parquet.")] = "csv",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Run one model and write its series, agent tables, money flows and a plot panel.

    The run is on the calibrated behaviour (the point estimate of docs/VALIDATION.md) unless
    --calibration none; --set values override it. Writes to OUT: series.(csv|parquet)
    (model-level series per quarter), practices, trusts, commissioners and federations tables,
    contracts (one row per integrated contract), ledger_by_purpose, params.json and panel.png.
    """
    if fmt not in ("csv", "parquet"):
        raise _fail(f"--format = {fmt!r}; allowed 'csv' or 'parquet'")
    _check_count("--steps", steps, 1, MAX_QUARTERS)
    _check_count("--seed", seed, 0)
    with _PanelDrawer(out / "panel.png") as panel:
        series, world, elapsed = _run_and_write(
            preset, scenario, steps, seed, set_, calibration, out, fmt, panel
        )
    if not quiet:
        _print_summary(series, world, seed, elapsed, out)


class _PanelDrawer:
    """Draws ``gpfed run``'s outcome panel in a process of its own (``python -m gpfed.plots``).

    Started before the model is built, it imports matplotlib while the model runs, and draws
    while the tables are written: on two cores the plot costs the run almost nothing. Leaving
    the block stops it if it was never given the series (the run failed).
    """

    def __init__(self, path: Path) -> None:
        self._error = b""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gpfed.plots", str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def __enter__(self) -> _PanelDrawer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self.process.stdin.closed:  # never handed a series: the run failed
            self.process.kill()
            self._close_stdin()
        self._finish()

    def draw(self, series) -> None:
        """Hand over the series to draw; returns at once."""
        with contextlib.suppress(BrokenPipeError):  # the drawer died: wait() says why
            pickle.dump(series, self.process.stdin)
        self._close_stdin()

    def wait(self) -> None:
        """Wait for the panel to be written.

        Raises:
            OSError: it could not be drawn or written (the drawer's last line of error).
        """
        error = self._finish()
        if self.process.returncode:
            lines = error.decode(errors="replace").strip().splitlines() or ["no output"]
            raise OSError(f"the panel could not be drawn: {lines[-1]}")

    def _close_stdin(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()

    def _finish(self) -> bytes:
        """The drawer's error output, once it has ended."""
        if not self.process.stderr.closed:
            self._error = self.process.stderr.read()
            self.process.stderr.close()
            self.process.wait()
        return self._error


def _run_and_write(
    preset: str | None,
    scenario: str | None,
    steps: int | None,
    seed: int,
    set_: list[str] | None,
    calibration: str,
    out: Path,
    fmt: str,
    panel: _PanelDrawer,
):
    """Build and run the model, then write its tables while ``panel`` draws.

    Returns:
        The model series, the world preset run and the seconds building and running took.
    """
    from gpfed.agents import Commissioner, Federation, Practice, Trust
    from gpfed.model.model import GPFedModel

    started = time.perf_counter()
    try:
        if calibration not in ("point", "none"):
            raise ParameterError(
                f"--calibration = {calibration!r}; allowed 'point' or 'none' (a single run "
                "takes one parameter set; gpfed compare draws from the posterior)"
            )
        values = parse_settings(set_ or [])
        if preset is not None:
            values["preset"] = preset
        behaviour = fitted_values() if calibration == "point" else {}
        params = Params(scenario, **{**behaviour, **values})
        if "agent_table_every" not in values:
            params = params.replace(agent_table_every=RUN_AGENT_TABLE_EVERY[params.preset])
        model = GPFedModel(params, rng=seed)
    except ParameterError as error:
        raise _fail(str(error)) from None
    check_output_folder(out)
    model.run(steps)
    elapsed = time.perf_counter() - started

    series = model.to_frame()
    try:
        out.mkdir(parents=True, exist_ok=True)
        # The panel first: it takes longest, and draws while the tables are made and written.
        panel.draw(series)
        tables = {
            "series": series,
            "practices": model.agent_frame(Practice),
            "trusts": model.agent_frame(Trust),
            "commissioners": model.agent_frame(Commissioner),
            "federations": model.agent_frame(Federation),
            "contracts": model.contracts_frame(),
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
        panel.wait()
    except OSError as error:
        raise _fail(f"--out = {str(out)!r}: cannot write ({error.strerror or error})") from None
    return series, model.params.preset, elapsed


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
    typer.echo(
        f"outputs: {out}/ (series, practices, trusts, commissioners, federations, contracts, "
        "ledger, panel.png)"
    )


COMPARE_COLUMNS = {
    "practices_open": "practices open",
    "mean_list_size": "mean list",
    "emergency_admissions_per_1000": "emerg. adm. /1,000",
    "commissioner_spend_per_capita_gbp": "spend /capita £",
    "profit_per_partner_mean_gbp": "profit /partner £k",
    "exits_per_100_practices_per_year": "exits /100 a year",
    "trust_balance_gbp": "trusts' balance £m",
    "list_hhi": "list HHI",
    "share_practices_federated": "share federated",
    "integrated_population_share": "share integrated",
    "paid_twice_gbp": "paid twice £m/q",
    "contract_handbacks": "hand-backs /q",
}
"""Short column headers of the compare table (units after gpfed.compare.OUTCOME_SCALES)."""

TABLE_WIDTH = 100


@app.command()
def compare(
    scenario: Annotated[
        list[str] | None,
        typer.Argument(
            help="Named policy scenarios to compare (see 'gpfed scenarios').",
            metavar="SCENARIO",
            show_default=False,
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Compare every registered scenario.")] = False,
    reps: Annotated[int, typer.Option(help="Replicates per scenario.")] = 10,
    steps: Annotated[
        int | None,
        typer.Option(help="Quarters to simulate (default: horizon_quarters, 40)."),
    ] = None,
    seed: Annotated[
        int,
        typer.Option(
            help="Seed of the comparison; replicate r uses the same seed in every scenario."
        ),
    ] = 0,
    set_: Settings = None,
    calibration: Annotated[
        str,
        typer.Option(
            help="Behaviour the scenarios run on: posterior (a draw per replicate, shared by "
            "every scenario), point (the point estimate) or none (uncalibrated defaults)."
        ),
    ] = "posterior",
    out: Annotated[Path, typer.Option(help="Folder for the outputs.")] = Path("out/compare"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Compare scenarios over replicates with common random numbers.

    Replicate r of every scenario runs with the same seed and, by default, the same parameter set
    drawn from the calibration's posterior, so differences between scenarios come from their
    parameters, not from chance, and each interval carries parameter uncertainty. Prints each
    scenario's final-year mean of the main outcomes with a 95% confidence interval over
    replicates, and writes to OUT: summary.csv, runs.parquet (every run's series) and panel.png.
    """
    from gpfed import compare as compare_

    if all_ and scenario:
        raise _fail(
            f"scenarios = {' '.join(scenario or [])!r} and --all: give scenario names or --all, "
            "not both; allowed one of the two"
        )
    if not all_ and not scenario:
        known = ", ".join(compare_.all_scenario_names())
        raise _fail(f"name the scenarios to compare, or use --all; allowed names: {known}")
    # Checked here too so the message names the option the user typed.
    _check_count("--reps", reps, 1)
    _check_count("--steps", steps, 1, MAX_QUARTERS)
    _check_count("--seed", seed, 0)
    names = compare_.all_scenario_names() if all_ else list(scenario or [])
    try:
        overrides = parse_settings(set_ or [])
        behaviour = compare_.calibrated_values(calibration, reps, seed)
        for name in names:  # every scenario with the overrides, before anything runs
            for values in behaviour:
                Params(name, **{**values, **overrides})
    except ParameterError as error:
        raise _fail(str(error)) from None
    check_output_folder(out)
    try:
        started = time.perf_counter()
        result = compare_.compare(
            names,
            reps=reps,
            quarters=steps,
            seed=seed,
            overrides=overrides,
            progress=not quiet,
            calibration=calibration,
        )
    except ParameterError as error:
        raise _fail(str(error)) from None
    elapsed = time.perf_counter() - started
    try:
        paths = result.write(out)
    except OSError as error:
        raise _fail(f"--out = {str(out)!r}: cannot write ({error.strerror or error})") from None
    if not quiet:
        _print_comparison(result, elapsed, paths)


def _estimate(mean: float, low: float, high: float) -> str:
    """``mean [low, high]`` with decimals suited to the size of the numbers."""
    finite = [abs(v) for v in (mean, low, high) if math.isfinite(v)]
    size = max(finite, default=0.0)
    pattern = "{:,.0f}" if size >= 100 else "{:,.1f}" if size >= 10 else "{:,.2f}"
    if not (math.isfinite(low) and math.isfinite(high)):
        return pattern.format(mean)
    return f"{pattern.format(mean)} [{pattern.format(low)}, {pattern.format(high)}]"


def _print_comparison(result, elapsed: float, paths: dict[str, Path]) -> None:
    from gpfed.compare import COMPARE_OUTCOMES, OUTCOME_SCALES

    runs = result.runs
    simulated = runs.loc[runs["step"] >= 1, "quarter"]
    n = len(result.scenarios)
    typer.echo(
        f"gpfed compare: {n} scenario{'' if n == 1 else 's'} x {result.reps} replicates "
        f"(common seeds from seed {result.seed}), {int(runs['step'].max())} quarters "
        f"({simulated.min()} to {simulated.max()}) in {elapsed:.1f} s"
    )
    typer.echo("final-year means with 95% confidence intervals over replicates")
    summary = result.summary().set_index(["scenario", "outcome"])
    cells = {
        outcome: [
            _estimate(
                *(
                    summary.loc[(name, outcome), ["mean", "ci_low", "ci_high"]]
                    / OUTCOME_SCALES.get(outcome, 1.0)
                )
            )
            for name in result.scenarios
        ]
        for outcome in COMPARE_OUTCOMES
    }
    headers = {outcome: COMPARE_COLUMNS.get(outcome, outcome) for outcome in COMPARE_OUTCOMES}
    widths = {o: max(len(headers[o]), *(len(c) for c in cells[o])) for o in COMPARE_OUTCOMES}
    first = max(len("scenario"), *(len(name) for name in result.scenarios))
    # Wrap the outcome columns into blocks that fit a terminal, repeating the scenario column.
    blocks: list[list[str]] = [[]]
    used = first
    for outcome in COMPARE_OUTCOMES:
        if blocks[-1] and used + 2 + widths[outcome] > TABLE_WIDTH:
            blocks.append([])
            used = first
        blocks[-1].append(outcome)
        used += 2 + widths[outcome]
    for block in blocks:
        typer.echo("")
        typer.echo(
            f"  {'scenario':<{first}}" + "".join(f"  {headers[o]:>{widths[o]}}" for o in block)
        )
        for row, name in enumerate(result.scenarios):
            typer.echo(
                f"  {name:<{first}}" + "".join(f"  {cells[o][row]:>{widths[o]}}" for o in block)
            )
    typer.echo("")
    typer.echo("outputs: " + ", ".join(str(path) for path in paths.values()))


@app.command()
def sweep(
    spec_file: Annotated[Path, typer.Argument(help="Sweep definition (TOML).", metavar="SPEC")],
    out: Annotated[
        Path, typer.Option(help="Results folder; run the same command again to resume.")
    ],
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes, 1 or more [default: all cores]."),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Run on this Dask scheduler, e.g. tcp://127.0.0.1:8786.")
    ] = None,
    dask_local: Annotated[
        bool, typer.Option("--dask-local", help="Start a Dask LocalCluster and run on it.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run a policy sweep: every design point x replicate, stored as each chunk finishes.

    A failing run is recorded with its error and the others go on. If the sweep is interrupted,
    the same command resumes it: finished runs are skipped, none is stored twice.
    """
    from gpfed.experiments import SweepError, SweepSpec
    from gpfed.experiments import sweep as run_sweep

    if scheduler and dask_local:
        raise _fail(
            f"--scheduler = {scheduler!r} and --dask-local: give --scheduler or --dask-local, "
            "not both; allowed one of the two"
        )
    _check_count("--workers", workers, 1)
    started = time.perf_counter()
    try:
        spec = SweepSpec.load(spec_file)
        check_output_folder(out)
        results = run_sweep(
            spec,
            out,
            workers=workers,
            scheduler=scheduler,
            dask_local=dask_local,
            progress=not quiet,
        )
    except SweepError as error:
        raise _fail(str(error)) from None
    except KeyboardInterrupt:
        typer.echo(f"interrupted; run the same command to resume ({out})", err=True)
        raise typer.Exit(code=130) from None
    failed = results.failed
    typer.echo(
        f"sweep {spec.name!r}: {len(results.ok)} runs ok, {len(failed)} failed, of "
        f"{len(results.planned)} ({time.perf_counter() - started:.1f} s); results in {out}/"
    )
    for row in failed.head(3).itertuples():
        typer.echo(f"  failed {row.run_id}: {row.error}")


@app.command()
def analyse(
    folder: Annotated[Path, typer.Argument(help="A sweep's results folder.", metavar="DIR")],
    out: Annotated[
        Path | None, typer.Option(help="Where to write the report [default: DIR/analysis].")
    ] = None,
) -> None:
    """Summarise a sweep: means with 95% CIs, Sobol or Morris indices, plots, a report."""
    from gpfed.experiments import SweepError
    from gpfed.experiments.report import analyse as analyse_sweep

    if out is not None:
        check_output_folder(out)
    try:
        report = analyse_sweep(folder, out)
    except SweepError as error:
        raise _fail(str(error)) from None
    typer.echo(f"report: {report}")


@app.command()
def calibrate(
    out: Annotated[
        Path, typer.Option(help="Folder for pyabc's database and the replicate runs (resumable).")
    ] = Path("out/calibration"),
    population: Annotated[int, typer.Option(min=5, help="Accepted particles per generation.")] = 60,
    generations: Annotated[
        int, typer.Option(min=1, help="Most generations (generation 0 samples the prior).")
    ] = 8,
    min_epsilon: Annotated[
        float,
        typer.Option(min=0.0, help="Stop once the threshold is at most this many tolerances."),
    ] = 1.0,
    max_runs: Annotated[int, typer.Option(min=1, help="Stop after this many runs.")] = 3000,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of every run.")] = 2013,
    practices: Annotated[
        int, typer.Option(min=50, help="Practices per run (8053 is England).")
    ] = 8053,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes [default: all cores].")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Run on this Dask scheduler, e.g. tcp://127.0.0.1:8786.")
    ] = None,
    install: Annotated[
        bool,
        typer.Option(
            "--install",
            help="Store the fit in the package, where the england_2013 scenario reads it.",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Fit the behavioural parameters of england_2013 to April 2013-June 2017 (ABC-SMC, pyabc).

    Generation 0 samples the priors; each later one perturbs the last generation's particles
    and keeps runs within a threshold that tightens to the median distance. The closest
    particles are rerun over replicates for a point estimate, confirmed by fresh runs; the
    posterior (particles with weights) is stored with it. The same command and seed give the
    same posterior on any number of workers; an interrupted calibration resumes from its last
    complete generation. See docs/VALIDATION.md.
    """
    from gpfed.calibration.fit import FITTED_FILE, CalibrationSettings
    from gpfed.calibration.fit import calibrate as run_calibration

    try:
        settings = CalibrationSettings(
            population_size=population,
            generations=generations,
            min_epsilon=min_epsilon,
            max_simulations=max_runs,
            seed=seed,
            n_practices=practices,
        )
        check_output_folder(out)
        result = run_calibration(
            settings, out, workers=workers, scheduler=scheduler, progress=not quiet
        )
    except ParameterError as error:
        raise _fail(str(error)) from None
    except KeyboardInterrupt:
        typer.echo(f"interrupted; run the same command to resume ({out})", err=True)
        raise typer.Exit(code=130) from None
    written = [result.write(out / FITTED_FILE.name)]
    if install:
        written.append(result.write(FITTED_FILE))
    table = result.fit_table
    for name, row in table.iterrows():
        mark = "ok " if row["within_tolerance"] else "OUT"
        typer.echo(
            f"  {mark} {name:<28} observed {row['observed']:>12,.3f}  "
            f"simulated {row['simulated_mean']:>12,.3f}  ({row['error_in_tolerances']:+.2f} tol)"
        )
    for name, value in result.values.items():
        typer.echo(f"  {name} = {value:.6g}")
    typer.echo("written: " + ", ".join(str(path) for path in written))


@app.command()
def validate(
    out: Annotated[Path, typer.Option(help="Folder for the table, figure and runs.")] = Path(
        "out/validation"
    ),
    reps: Annotated[
        int, typer.Option(min=2, help="Runs: one posterior draw each (or replicates, --point).")
    ] = 20,
    practices: Annotated[
        int, typer.Option(min=50, help="Practices per run (8053 is England; fewer scale down).")
    ] = 8053,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of the draws and runs.")] = 1,
    point: Annotated[
        bool,
        typer.Option("--point", help="Replicates at the point estimate, not posterior draws."),
    ] = False,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes [default: all cores].")
    ] = None,
    settings: Settings = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run england_2013 from April 2013 to mid-2024 and compare it with the record.

    Each run draws its behavioural parameters from the stored posterior, so the spread carries
    parameter and stochastic uncertainty; every target is compared, in the fitting window
    (April 2013-June 2017) and out of sample after it. Writes validation.csv, validation.md
    (the tables in docs/VALIDATION.md) and validation.png.
    """
    from gpfed.calibration.validate import validate as run_validation

    try:
        overrides = parse_settings(settings or [])
    except ParameterError as error:
        raise _fail(str(error)) from None
    check_output_folder(out)
    try:
        result = run_validation(
            reps,
            practices,
            seed=seed,
            out=out,
            workers=workers,
            progress=not quiet,
            overrides=overrides,
            point=point,
        )
    except ParameterError as error:
        raise _fail(str(error)) from None
    paths = result.write(out)
    typer.echo(result.markdown())
    typer.echo("outputs: " + ", ".join(str(path) for path in paths.values()))


@app.command()
def viz(
    host: Annotated[
        str,
        typer.Option(
            help="Interface to listen on; 0.0.0.0 opens the page (and model runs) to the network."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8765,
) -> None:
    """Serve the browser page (Mesa SolaraViz): the network, outcome plots and lever controls.

    Prints the page's address and runs until Ctrl+C. Every browser tab gets its own model of the
    default region; the controls come from the parameter spec. Works offline.
    """
    from gpfed.viz import serve

    serve(host, port)


@app.command()
def scenarios() -> None:
    """List the named policy scenarios with a one-line description and source."""
    for item in all_scenarios():
        typer.echo(f"{item.name}\n    {item.title}\n    source: {item.source}")
        if item.carried_by:
            typer.echo(f"    carried by: {item.carried_by}")


@app.command()
def params(
    group: Annotated[str | None, typer.Option(help="Only this group (e.g. 'behaviour').")] = None,
) -> None:
    """List every parameter with default, unit, allowed range and source."""
    rows = describe(group)
    if not rows:
        groups = sorted({p.group for p in SPEC.values()})
        raise _fail(f"no group {group!r}; allowed groups: {', '.join(groups)}")
    for row in rows:
        unit = f" [{row['unit']}]" if row["unit"] else ""
        schedulable = " (schedulable)" if row["schedulable"] else ""
        typer.echo(
            f"{row['name']} = {row['default']}{unit}{schedulable}\n    {row['doc']}\n"
            f"    allowed: {row['allowed']}; source: {row['source']}"
        )


def _usage_error_line(error: Exception) -> str:
    """A command-line usage error (bad option value, unknown option) as one line.

    A value that fails the option's type or bounds reads ``--steps = 'abc'; allowed a valid
    integer, ...``: the option, the value typed and what the option allows.
    """
    param = getattr(error, "param", None)
    cause = error.__cause__
    problems = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    if param is not None and problems:
        opts = getattr(param, "opts", None) or [param.human_readable_name]
        name = max(opts, key=len)
        given = problems[0].get("input")
        reason = str(problems[0].get("msg", error))
        reason = reason.replace("Input should be ", "allowed ", 1)
        return _one_line(f"{name} = {given!r}; {reason}")
    message = error.format_message()
    if message.startswith("No such command"):
        message += f" Allowed: {', '.join(sorted(app_commands()))}."
    return _one_line(message)


def app_commands() -> list[str]:
    """Names of the ``gpfed`` commands."""
    return list(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def main(args: Sequence[str] | None = None) -> None:
    """Entry point of the ``gpfed`` command: ``args`` (default ``sys.argv[1:]``), then exit.

    Every refusal (bad option, unknown parameter or scenario, bad sweep file, unusable output
    folder) is one ``error:`` line on stderr and exit status 2, never a traceback.
    """
    command = typer.main.get_command(app)
    try:
        code = command.main(
            list(sys.argv[1:] if args is None else args), prog_name="gpfed", standalone_mode=False
        )
    except typer.TyperException as error:  # Click's usage errors (typer's vendored Click)
        if type(error).__name__ == "NoArgsIsHelpError":  # bare ``gpfed``: the help, as before
            typer.echo(error.ctx.get_help(), err=True)
        else:
            typer.echo(f"error: {_usage_error_line(error)}", err=True)
        sys.exit(getattr(error, "exit_code", 2))
    except ParameterError as error:  # raised outside a command's own handling
        typer.echo(f"error: {_one_line(error)}", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("Aborted!", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def console() -> None:
    """The ``gpfed`` command: :func:`main`, with the interpreter's last collections cut short.

    When a command ends, all it made is done with, yet the collector walks pandas, scipy, Mesa
    and the model once more on the way out: about 0.3 s of an England ``gpfed run``. Freezing
    what is left (:func:`gc.freeze`) skips that walk; exit handlers (a profiler's report, a
    Dask cluster's shutdown) still run. Only the command does this, not :func:`main`, which
    tests call in their own process.
    """
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    console()
