"""Sweep benchmark: one 200-run sweep through gpfed's runners, Dask and ``mesa.batch_run``.

What it measures (wall-clock, ``time.perf_counter``, around the whole call):

The same sweep of the default region (200 practices, ``agent_table_every=0``): a full grid of
10 federation incentives (0 to 9 GBP per patient per year) x 5 quality weights (0.35 to 0.95) =
50 design points x 4 replicates = **200 runs** of ``--quarters`` quarters each (default 100, with
``horizon_quarters`` set to match: one run takes ~0.24 s on the development machine, so compute,
not process start-up, dominates; the default 40-quarter horizon takes ~0.09 s), run four ways:

1. **gpfed, 1 worker**: ``gpfed.experiments.sweep(spec, out=<fresh folder>, workers=1)``, in
   this process.
2. **gpfed, 2 workers**: the same with ``workers=2`` (a spawned local process pool).
3. **gpfed on Dask**: the same with ``dask_local=True, workers=2`` (a LocalCluster of 2
   single-threaded workers, started and closed inside the timed call; ``distributed`` is
   imported beforehand, untimed).
4. **mesa.batch_run, 2 processes**: ``mesa.batch_run(GPFedModel, parameters={the same lever
   values as lists, agent_table_every=0, horizon_quarters=quarters}, number_processes=2,
   rng=[the sweep's 4 replicate seeds], max_steps=quarters, data_collection_period=-1)``.

All four compute the same 200 runs: the sweep uses common random numbers, so replicate ``r`` of
every design point has one seed, and ``batch_run`` gets those four seeds as its ``rng`` list;
its parameter grid is taken from the sweep's own design, in the same order. The script asserts
200 runs of 200 practices for ``quarters`` quarters on every side, and checks, untimed, that a
few runs rebuilt in this process give the sweep's final values and ``batch_run``'s last row.
The gpfed timings include writing the results folder (Parquet parts) and reading it back;
``batch_run``'s include building its list of result dicts. Each process-based row includes
starting its worker processes (spawned, each importing gpfed).

Each approach is timed ``--repeats`` times (default 1: the sweep is long), the four interleaved
in each repeat, and the median is reported. An untimed warm-up first runs a tiny sweep and a
tiny model in this process.

How to read it:

- *runs/min* = 200 x 60 / median wall seconds.
- *compute (s)* (gpfed rows): the sum of the runs' own durations as the sweep records them;
  *efficiency* = compute / (workers x wall): how much of the workers' time went to simulating
  rather than to start-up, scheduling, chunk imbalance and storage.
- *other processes (cores)*: CPU other processes used meanwhile (``/proc/stat`` busy time
  minus this process's and its workers'), averaged over the call. Above 0.2 the row is marked
  busy and a warning is printed: on a 2-core machine anything else running slows the 2-worker
  rows most, so re-run on an idle machine before quoting them.
- Ratios and targets (from the issue; PASS/MISS is informational, the exit code is 0 unless
  something crashes): gpfed 2 workers / 1 worker >= 1.85 (two workers cap it at 2, and only
  with 2 idle cores);
  Dask / gpfed local 2 workers >= 0.9 (within 10%); gpfed 2 workers / ``batch_run`` 2
  processes >= 2.

Results are printed as Markdown and written to ``out/bench/bench_sweep.json`` with the Python,
platform, numpy, Mesa, Dask and gpfed versions and the date. ``--quick`` runs a 20-run sweep
(5 incentives x 2 quality weights x 2 replicates) as a smoke check.

Usage::

    python benchmarks/bench_sweep.py [--repeats N] [--quick] [--quarters Q]
"""

from __future__ import annotations

import os

# One core per worker: keep any BLAS/OpenMP thread pools single-threaded (set before numpy is
# imported; spawned workers inherit it).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import dask  # noqa: E402
import distributed  # noqa: E402
import mesa  # noqa: E402
import numpy as np  # noqa: E402
from machine import machine  # noqa: E402  (benchmarks/ is the script folder)

from gpfed import GPFedModel, Params  # noqa: E402
from gpfed.experiments import Dimension, SweepSpec, run_table, sweep  # noqa: E402
from gpfed.experiments.runner import FINAL_QUARTERS  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT_FILE = REPO / "out" / "bench" / "bench_sweep.json"

REGION_PRACTICES = 200
DEFAULT_QUARTERS = 100
SEED = 1
INCENTIVE = "federation_incentive_gbp_per_patient_per_year"
QUALITY = "quality_weight"
# (incentive steps over 0..9, quality-weight steps over 0.35..0.95, replicates)
FULL_GRID = (10, 5, 4)
QUICK_GRID = (5, 2, 2)
OUTPUTS = ("practices_open", "share_practices_federated", "emergency_admissions_per_1000")
CHECKED_RUNS = 3

TARGET_SCALING = 1.85
TARGET_DASK = 0.9
TARGET_OVER_BATCH_RUN = 2.0
BUSY_CORES = 0.2
"""Other processes' CPU use (cores, averaged over a timed call) above which a row is flagged."""


class Meter:
    """Wall-clock time of a call and how much CPU *other* processes used meanwhile.

    Other processes' CPU = all CPU time the kernel counts as busy (``/proc/stat``) minus this
    process's and its reaped children's (our workers), divided by the wall time: in cores.
    On a shared machine it says whether a row was slowed by someone else (None off Linux).
    """

    def __enter__(self) -> Meter:
        self._busy, self._ours = _busy_cpu_s(), _our_cpu_s()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.perf_counter() - self._start
        busy, ours = _busy_cpu_s(), _our_cpu_s()
        if busy is None or self._busy is None:
            self.other_cores = None
        else:
            self.other_cores = max(0.0, (busy - self._busy) - (ours - self._ours)) / self.wall_s


def _busy_cpu_s() -> float | None:
    """CPU seconds all processes have spent busy since boot (Linux), else None."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _our_cpu_s() -> float:
    """CPU seconds of this process and of the children it has reaped (the workers)."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Timing:
    """Wall-clock timings of one approach over all repeats."""

    label: str
    workers: int
    runs: int
    wall_s: list[float] = field(default_factory=list)
    compute_s: list[float] = field(default_factory=list)
    other_cores: list[float | None] = field(default_factory=list)

    def add(self, meter: Meter, compute_s: float | None = None) -> None:
        """Record one timed call."""
        self.wall_s.append(meter.wall_s)
        self.other_cores.append(meter.other_cores)
        if compute_s is not None:
            self.compute_s.append(compute_s)

    @property
    def max_other_cores(self) -> float | None:
        known = [c for c in self.other_cores if c is not None]
        return max(known) if known else None

    @property
    def median_wall_s(self) -> float:
        return statistics.median(self.wall_s)

    @property
    def runs_per_min(self) -> float:
        return self.runs * 60 / self.median_wall_s

    @property
    def median_compute_s(self) -> float | None:
        return statistics.median(self.compute_s) if self.compute_s else None

    @property
    def efficiency(self) -> float | None:
        compute = self.median_compute_s
        return None if compute is None else compute / (self.workers * self.median_wall_s)

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "median_wall_s": self.median_wall_s,
            "runs_per_min": self.runs_per_min,
            "median_compute_s": self.median_compute_s,
            "efficiency": self.efficiency,
            "max_other_cores": self.max_other_cores,
        }


def make_spec(grid: tuple[int, int, int], quarters: int) -> SweepSpec:
    """The benchmark sweep: incentive x quality weight, common random numbers, finals only."""
    incentive_steps, quality_steps, replicates = grid
    return SweepSpec(
        parameters=(
            Dimension(INCENTIVE, low=0, high=9, steps=incentive_steps),
            Dimension(QUALITY, low=0.35, high=0.95, steps=quality_steps),
        ),
        sampler="grid",
        replications=replicates,
        quarters=quarters,
        seed=SEED,
        common_random_numbers=True,
        outputs=OUTPUTS,
        keep=("final",),
        fixed={"agent_table_every": 0, "horizon_quarters": quarters},
        name="bench_sweep",
    )


def batch_run_inputs(spec: SweepSpec) -> tuple[dict[str, Any], list[int]]:
    """``batch_run``'s parameters (the sweep's grid axes, in order) and its replicate seeds."""
    runs = run_table(spec)
    parameters: dict[str, Any] = {
        name: list(dict.fromkeys(runs[name].tolist())) for name in spec.names
    }
    parameters.update(spec.fixed)
    seeds = runs.groupby("replicate")["seed"].first().sort_index()
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all(), "seeds not common per replicate"
    return parameters, [int(s) for s in seeds]


def time_gpfed(spec: SweepSpec, **options: Any) -> tuple[Meter, float, Any]:
    """One timed sweep into a fresh folder: (its meter, summed run seconds, results)."""
    with (
        tempfile.TemporaryDirectory(prefix="bench_sweep_", ignore_cleanup_errors=True) as tmp,
        Meter() as meter,  # exits first: deleting the folder is not timed
    ):
        results = sweep(spec, out=Path(tmp) / "sweep", progress=False, **options)
    n = len(results.planned)
    assert len(results.runs) == n, f"{len(results.runs)} of {n} runs recorded"
    failed = results.failed
    assert failed.empty, f"{len(failed)} runs failed: {failed['error'].iloc[0]}"
    return meter, float(results.runs["duration_s"].sum()), results


def time_batch_run(spec: SweepSpec, processes: int) -> tuple[Meter, list[dict[str, Any]]]:
    """One timed ``mesa.batch_run`` of the same runs: (its meter, its result rows)."""
    parameters, seeds = batch_run_inputs(spec)
    with Meter() as meter:
        rows = mesa.batch_run(
            GPFedModel,
            parameters=parameters,
            number_processes=processes,
            rng=seeds,
            max_steps=spec.quarters,
            data_collection_period=-1,
            display_progress=False,
        )
    n = len(run_table(spec))
    assert len(rows) == n, f"batch_run returned {len(rows)} rows for {n} runs"
    assert len({row["RunId"] for row in rows}) == n, "batch_run rows are not one per run"
    steps = {int(row["Step"]) for row in rows}
    assert steps == {spec.quarters}, f"batch_run stopped at steps {sorted(steps)}"
    return meter, rows


def check_same_runs(spec: SweepSpec, results: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rebuild a few runs here and compare with the sweep's finals and batch_run's last rows."""
    runs = results.runs.set_index("run_id")
    picks = runs.iloc[np.linspace(0, len(runs) - 1, CHECKED_RUNS).astype(int)]
    by_point = {(row[INCENTIVE], row[QUALITY], row["rng"]): row for row in rows if "rng" in row}
    checked, mismatches = [], []
    for run_id, run in picks.iterrows():
        values = {INCENTIVE: run[INCENTIVE], QUALITY: run[QUALITY], **spec.fixed}
        model = GPFedModel(rng=int(run["seed"]), **values)
        frame = model.run(spec.quarters).to_frame()
        assert model.world.n_practices == REGION_PRACTICES
        finals = frame.iloc[1:][list(OUTPUTS)].tail(FINAL_QUARTERS).mean()
        last = frame.iloc[-1]
        row = by_point.get((run[INCENTIVE], run[QUALITY], int(run["seed"])))
        for output in OUTPUTS:
            if not math.isclose(finals[output], run[output], rel_tol=1e-12, abs_tol=1e-12):
                mismatches.append(f"{run_id} {output}: sweep {run[output]} vs {finals[output]}")
            if row is None:
                mismatches.append(f"{run_id}: no batch_run row for this point and seed")
                break
            if not math.isclose(last[output], row[output], rel_tol=1e-12, abs_tol=1e-12):
                mismatches.append(f"{run_id} {output}: batch_run {row[output]} vs {last[output]}")
        checked.append(run_id)
    return {"runs": checked, "identical": not mismatches, "mismatches": mismatches}


def warm_up() -> None:
    """Untimed: a tiny sweep and model here, so lazy imports and first calls are paid."""
    import distributed  # noqa: F401  (imported untimed; the Dask row times the cluster only)

    spec = SweepSpec(
        parameters=(Dimension(QUALITY, low=0.35, high=0.95, steps=2),),
        quarters=2,
        fixed={"n_practices": 40},
        name="warm_up",
    )
    with tempfile.TemporaryDirectory(prefix="bench_sweep_", ignore_cleanup_errors=True) as tmp:
        sweep(spec, out=Path(tmp) / "sweep", workers=1, progress=False)


def progress(repeat: int, repeats: int, timing: Timing, meter: Meter) -> None:
    """One line on stderr per timed call."""
    other = "" if meter.other_cores is None else f" (other processes {meter.other_cores:.2f} cores)"
    print(f"[{repeat + 1}/{repeats}] {timing.label}: {meter.wall_s:.1f} s{other}", file=sys.stderr)


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


def render(rows: list[Timing], targets: list[dict[str, Any]], header: str) -> str:
    """The results as Markdown: one table of timings, one of ratios against targets."""
    lines = [
        header,
        "",
        "| Approach | workers | runs | median wall (s) | walls (s) | runs/min "
        "| compute (s) | efficiency | other processes (cores) |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        walls = ", ".join(f"{s:.1f}" for s in row.wall_s)
        compute = "n/a" if row.median_compute_s is None else f"{row.median_compute_s:.1f}"
        efficiency = "n/a" if row.efficiency is None else f"{row.efficiency:.0%}"
        other = "n/a" if row.max_other_cores is None else f"{row.max_other_cores:.2f}"
        if row.max_other_cores is not None and row.max_other_cores > BUSY_CORES:
            other += " (busy)"
        lines.append(
            f"| {row.label} | {row.workers} | {row.runs} | {row.median_wall_s:.1f} | {walls} "
            f"| {row.runs_per_min:,.0f} | {compute} | {efficiency} | {other} |"
        )
    lines += ["", "| Ratio (runs/min) | Target | Measured | Result |", "|---|---|---:|---|"]
    for target in targets:
        lines.append(
            f"| {target['figure']} | {target['target']} | {target['measured']} "
            f"| {target['result']} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description="Benchmark one 200-run sweep: gpfed 1 and 2 workers, Dask, mesa.batch_run."
    )
    parser.add_argument(
        "--repeats", type=int, default=1, help="timed sweeps per approach (default 1; try 3)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a 20-run sweep instead of 200: a smoke check"
    )
    parser.add_argument(
        "--quarters",
        type=int,
        default=DEFAULT_QUARTERS,
        help=f"quarters per run (default {DEFAULT_QUARTERS})",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if not 1 <= args.quarters <= 400:
        parser.error("--quarters must be 1 to 400")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the tables and write the JSON; return the exit code."""
    args = parse_args(argv)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    assert Params().n_practices == REGION_PRACTICES, "the default region is not 200 practices"
    grid = QUICK_GRID if args.quick else FULL_GRID
    spec = make_spec(grid, args.quarters)
    n_runs = len(run_table(spec))
    n_points = n_runs // spec.replications

    warm_up()
    gpfed_1 = Timing("gpfed sweep, workers=1 (in process)", 1, n_runs)
    gpfed_2 = Timing("gpfed sweep, workers=2 (local processes)", 2, n_runs)
    dask_2 = Timing("gpfed sweep, Dask LocalCluster, 2 workers", 2, n_runs)
    batch_2 = Timing("mesa.batch_run, number_processes=2", 2, n_runs)
    approaches: list[tuple[Timing, Callable[[], tuple[Meter, float, Any]]]] = [
        (gpfed_1, lambda: time_gpfed(spec, workers=1)),
        (gpfed_2, lambda: time_gpfed(spec, workers=2)),
        (dask_2, lambda: time_gpfed(spec, workers=2, dask_local=True)),
    ]
    results = rows = None
    for repeat in range(args.repeats):
        for timing, run in approaches:
            meter, compute, results = run()
            timing.add(meter, compute)
            progress(repeat, args.repeats, timing, meter)
        # Last in each repeat: batch_run sets the process-wide start method to spawn.
        meter, rows = time_batch_run(spec, 2)
        batch_2.add(meter)
        progress(repeat, args.repeats, batch_2, meter)
    same = check_same_runs(spec, results, rows)

    def ratio(name: str, a: Timing, b: Timing, target: str, low: float) -> dict[str, Any]:
        value = a.runs_per_min / b.runs_per_min
        return {
            "figure": name,
            "measured": f"{value:.2f}",
            "target": target,
            "result": verdict(value >= low),
            "reference": f"{b.label}: {b.runs_per_min:.0f} runs/min",
        }

    targets = [
        ratio(
            "gpfed 2 workers / gpfed 1 worker",
            gpfed_2,
            gpfed_1,
            f">= {TARGET_SCALING:g}",
            TARGET_SCALING,
        ),
        ratio(
            "Dask 2 workers / gpfed 2 workers",
            dask_2,
            gpfed_2,
            f">= {TARGET_DASK:g} (within 10%)",
            TARGET_DASK,
        ),
        ratio(
            "gpfed 2 workers / mesa.batch_run 2 processes",
            gpfed_2,
            batch_2,
            f">= {TARGET_OVER_BATCH_RUN:g}",
            TARGET_OVER_BATCH_RUN,
        ),
    ]
    if args.quick:  # the targets are set for the 200-run sweep; 20 runs only smoke-check it
        for target in targets:
            target["result"] = "n/a (--quick)"

    rows_out = [gpfed_1, gpfed_2, dask_2, batch_2]
    header = (
        f"## Sweep benchmark: {n_runs} runs ({n_points} design points x {spec.replications} "
        f"replicates) of the default region ({REGION_PRACTICES} practices), {spec.quarters} "
        f"quarters each (median of {args.repeats} repeat{'s' if args.repeats != 1 else ''}, "
        f"{os.cpu_count()} cores)"
    )
    print(render(rows_out, targets, header))
    verdict_text = (
        "identical" if same["identical"] else "DIFFERENT: " + "; ".join(same["mismatches"][:3])
    )
    print(
        f"\nSame runs: {len(same['runs'])} runs rebuilt in process vs the sweep's finals and "
        f"batch_run's last rows: {verdict_text}."
    )
    busy = [row.label for row in rows_out if (row.max_other_cores or 0.0) > BUSY_CORES]
    if busy:
        print(
            f"\nWARNING: other processes used more than {BUSY_CORES:g} cores on average while "
            f"timing {', '.join(busy)}; those rows are slowed by them. Re-run on an idle machine."
        )

    result = {
        "machine": machine(dask=dask.__version__, distributed=distributed.__version__),
        "options": {"repeats": args.repeats, "quick": args.quick, "quarters": spec.quarters},
        "sweep": spec.to_mapping(),
        "runs": n_runs,
        "practices_per_run": REGION_PRACTICES,
        "gpfed_1_worker": gpfed_1.to_dict(),
        "gpfed_2_workers": gpfed_2.to_dict(),
        "dask_local_2_workers": dask_2.to_dict(),
        "mesa_batch_run_2_processes": batch_2.to_dict(),
        "targets": targets,
        "same_runs_check": same,
        "busy_rows": busy,
    }
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nWrote {OUT_FILE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
