"""Running a sweep: run specs, chunks, executors, and the loop that stores what finishes.

Each run is a design point x replicate with a stable id (``d000012-r001``) and a seed derived from
the sweep's root seed by ``SeedSequence(seed, spawn_key=(design_id, replicate))`` (or
``(replicate,)`` with common random numbers), never from the executor or the chunking, so any
executor gives the same result for a run, bit for bit.

Executors: in-process for one worker; local processes for several (no set-up); a Dask
distributed cluster given its scheduler address, or a LocalCluster it starts. Runs travel in
chunks so per-task overhead stays small. A run that raises is recorded as failed, with its error
and traceback, and the sweep goes on; a local worker process that dies takes only its chunk's
progress with it (the chunk is run again); Dask reschedules the tasks of a lost worker itself.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import math
import multiprocessing
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gpfed.experiments.sampling import design
from gpfed.experiments.spec import SCENARIO, SweepSpec
from gpfed.experiments.store import Results, Store, load, provenance

FINAL_QUARTERS = 4
"""Final values are means over the last year simulated (four quarters, fewer if shorter)."""

MAX_CHUNK = 8
"""The most runs in one chunk (one task for a worker, one Parquet part)."""

MAX_FRUITLESS_POOLS = 2
"""Local pools replaced in a row with no chunk finished before the runs left are recorded as
failed (a worker killed mid-sweep costs one pool; workers that cannot start cost every one)."""


@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs, picklable: sent to workers as is."""

    run_id: str
    scenario: str | None
    values: dict[str, Any]
    seed: int
    quarters: int
    outputs: tuple[str, ...]
    keep_series: bool
    time_limit_s: float


def run_seed(root: int, design_id: int, replicate: int, common_random_numbers: bool) -> int:
    """The seed of one run: a 63-bit integer from the root seed's SeedSequence spawn key."""
    key = (replicate,) if common_random_numbers else (design_id, replicate)
    state = np.random.SeedSequence(root, spawn_key=key).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def run_table(spec: SweepSpec) -> pd.DataFrame:
    """One row per run: run_id, design_id, replicate, seed and the swept parameters."""
    points = design(spec)
    frames = []
    for replicate in range(spec.replications):
        frame = points.copy()
        frame.insert(1, "replicate", replicate)
        frame.insert(
            2,
            "seed",
            [
                run_seed(spec.seed, int(d), replicate, spec.common_random_numbers)
                for d in points["design_id"]
            ],
        )
        frames.append(frame)
    runs = pd.concat(frames, ignore_index=True).sort_values(["design_id", "replicate"])
    runs.insert(
        0,
        "run_id",
        [f"d{d:06d}-r{r:03d}" for d, r in zip(runs["design_id"], runs["replicate"], strict=True)],
    )
    return runs.reset_index(drop=True)


def run_specs(spec: SweepSpec, runs: pd.DataFrame) -> list[RunSpec]:
    """Turn run-table rows into :class:`RunSpec`s (fixed values and the point's values)."""
    specs = []
    for row in runs.itertuples(index=False):
        point = {name: plain_value(getattr(row, name)) for name in spec.names}
        scenario = point.pop(SCENARIO, spec.scenario)
        specs.append(
            RunSpec(
                run_id=row.run_id,
                scenario=scenario,
                values={**spec.fixed, **point},
                seed=int(row.seed),
                quarters=spec.quarters,
                outputs=tuple(spec.outputs),
                keep_series="series" in spec.keep,
                time_limit_s=float(spec.run_time_limit_s),
            )
        )
    return specs


def plain_value(value: Any) -> Any:
    """Numpy scalars as Python values, so the spec checks them and messages print them plainly."""
    return value.item() if isinstance(value, np.generic) else value


def run_series(
    scenario: str | None,
    values: Mapping[str, Any],
    seed: int,
    quarters: int,
    time_limit_s: float | None = None,
) -> pd.DataFrame:
    """One run with agent tables off (unless ``values`` asks); its series (``to_frame()``).

    Args:
        scenario: named scenario to start from, or None.
        values: parameter values over the scenario's.
        seed: the run's seed.
        quarters: quarters to simulate.
        time_limit_s: stop a run still going after this long (see :meth:`GPFedModel.run`).
    """
    from gpfed.model.model import GPFedModel
    from gpfed.parameters import Params

    params = Params(scenario, **{"agent_table_every": 0, **values})
    return GPFedModel(params, rng=seed).run(quarters, time_limit_s=time_limit_s).to_frame()


def final_year_means(frame: pd.DataFrame, names: Sequence[str]) -> dict[str, float]:
    """Final-year values of a run's series: the mean of its last four simulated quarters.

    The start row (step 0) is the initial state, never part of it (fewer quarters if the run is
    shorter than a year).
    """
    finals = frame.iloc[1:][list(names)].tail(FINAL_QUARTERS).mean()
    return {name: float(finals[name]) for name in names}


def run_one(run: RunSpec) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Run one model; return its result row (status, error, outputs) and its kept series."""
    started = time.perf_counter()
    row: dict[str, Any] = {"run_id": run.run_id, "worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        frame = run_series(run.scenario, run.values, run.seed, run.quarters, run.time_limit_s)
        row.update(status="ok", error="", traceback="")
        row.update(final_year_means(frame, run.outputs))
        series = None
        if run.keep_series:
            series = frame[["step", "quarter", "date", *run.outputs]].copy()
            series.insert(0, "run_id", run.run_id)
    except Exception as error:
        row.update(_failed(run, f"{type(error).__name__}: {error}", traceback.format_exc()))
        series = None
    row["duration_s"] = time.perf_counter() - started
    return row, series


def _failed(run: RunSpec, error: str, trace: str = "") -> dict[str, Any]:
    """The result fields of a failed run: status, error, traceback and missing outputs."""
    return {
        "status": "failed",
        "error": error,
        "traceback": trace,
        **dict.fromkeys(run.outputs, float("nan")),
    }


def run_chunk(chunk: Sequence[RunSpec]) -> tuple[list[dict[str, Any]], pd.DataFrame | None]:
    """Run a chunk of runs in one task (the unit sent to a worker)."""
    rows, series = [], []
    for run in chunk:
        row, frame = run_one(run)
        rows.append(row)
        if frame is not None:
            series.append(frame)
    return rows, (pd.concat(series, ignore_index=True) if series else None)


def chunked(runs: Sequence[RunSpec], workers: int) -> list[list[RunSpec]]:
    """Split runs into chunks: about sixteen per worker, at most :data:`MAX_CHUNK` runs each.

    Many small chunks keep every worker busy to the end (the last chunk leaves the others idle
    for its length) while the per-task overhead, a few milliseconds, stays negligible. Their
    number is a multiple of the workers and their sizes differ by at most one run, so the
    workers' shares come out even: 200 runs on two workers were 28 chunks of 7 and one of 4,
    and one worker ran four runs more than the other at the end.
    """
    n, workers = len(runs), max(workers, 1)
    size = max(1, min(MAX_CHUNK, math.ceil(n / (16 * workers))))
    count = min(n, math.ceil(math.ceil(n / size) / workers) * workers)
    return [list(runs[n * k // count : n * (k + 1) // count]) for k in range(count)]


def sweep(
    spec: SweepSpec | str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: bool = False,
    executor: cf.Executor | None = None,
    progress: bool = True,
) -> Results:
    """Run a sweep into a results folder, resuming it if it was interrupted.

    Args:
        spec: a :class:`SweepSpec` or the path of a TOML sweep file.
        out: results folder (created; re-running the same sweep there skips finished runs).
        workers: worker processes (default: all cores); with ``dask_local`` the LocalCluster's
            workers.
        scheduler: address of a Dask scheduler (``tcp://host:port``) to run on.
        dask_local: start a Dask LocalCluster on this machine and run on it.
        executor: any ``concurrent.futures.Executor`` you manage (a process pool, a Dask
            client's ``get_executor()``); used as is and left open. ``workers`` then only sets
            the chunk size.
        progress: show a progress bar (runs done, failed, ETA).

    Example:
        >>> from gpfed.experiments import SweepSpec, Dimension, sweep
        >>> spec = SweepSpec(parameters=(Dimension("quality_weight", 0.2, 0.9, steps=3),),
        ...                  replications=2, quarters=8, fixed={"n_practices": 60})
        >>> results = sweep(spec, out="out/sweep", workers=2)  # doctest: +SKIP
        >>> results.runs.groupby("quality_weight")["practices_open"].mean()  # doctest: +SKIP

    Returns:
        The results folder's contents (:func:`gpfed.experiments.load`).

    Raises:
        SweepError: an invalid sweep, or a folder holding a different sweep.
    """
    if not isinstance(spec, SweepSpec):
        spec = SweepSpec.load(spec)
    store = Store(Path(out))
    runs = run_table(spec)
    store.prepare(spec, runs)
    done = store.finished_run_ids()
    todo = [run for run in run_specs(spec, runs) if run.run_id not in done]
    workers = workers or os.cpu_count() or 1
    stamp = provenance()
    if not todo:
        executors = _Executors(1, None, False)
    else:
        executors = _Executors(workers, scheduler, dask_local, executor)
    try:
        with _progress(len(runs), len(done), progress) as bar:
            _run_all(todo, workers, executors, store, stamp, bar)
    finally:
        executors.close()
    return load(store.path)


def _run_all(
    todo: list[RunSpec],
    workers: int,
    executors: _Executors,
    store: Store,
    stamp: dict[str, Any],
    bar: Any,
) -> None:
    """Submit the chunks and store each as it finishes; rerun chunks of a broken local pool."""
    pending = chunked(todo, workers)
    if executors.current is None:
        for chunk in pending:
            _store_chunk(run_chunk(chunk), store, stamp, bar)
        return
    fruitless = 0
    while pending:
        with _workers_ignore_interrupts():
            futures = {executors.current.submit(run_chunk, chunk): chunk for chunk in pending}
        pending = []
        for future in cf.as_completed(futures):
            try:
                outcome = future.result()
            except cf.process.BrokenProcessPool:
                pending.append(futures[future])
                continue
            _store_chunk(outcome, store, stamp, bar)
        if not pending:
            break
        # A pool that breaks again before any chunk finishes would be replaced for ever (workers
        # that cannot start, or a run that kills its worker): after a few such pools the runs
        # left are recorded as failed, and the sweep ends.
        fruitless = fruitless + 1 if len(pending) == len(futures) else 0
        if fruitless > MAX_FRUITLESS_POOLS:
            for chunk in pending:
                _store_chunk(([_died(run) for run in chunk], None), store, stamp, bar)
            return
        executors.replace_broken_pool()


def _died(run: RunSpec) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "worker": "",
        "duration_s": float("nan"),
        **_failed(
            run,
            f"WorkerDied: the local worker process running it died {MAX_FRUITLESS_POOLS + 1} "
            "times in a row before any run finished (workers that cannot start: a script run "
            'from standard input or without `if __name__ == "__main__":` cannot use worker '
            "processes; run it from a file with that guard, or with workers=1)",
        ),
    }


def _store_chunk(outcome: tuple[list[dict], pd.DataFrame | None], store, stamp, bar) -> None:
    rows, series = outcome
    results = pd.DataFrame(rows).assign(**stamp)
    store.write_part(results, series)
    failed = int((results["status"] == "failed").sum())
    bar.failed += failed
    bar.update(len(rows))
    bar.set_postfix(failed=bar.failed, refresh=False)


def _process_pool(workers: int) -> cf.ProcessPoolExecutor:
    # Spawn: workers start clean (no copied threads or locks), as on every platform.
    return cf.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
    )


def _start_worker() -> None:
    """A local worker's start: import the model, then freeze all that is loaded so far.

    What a worker imports lives as long as it does, yet the collector's full passes, every
    several runs, would walk it all again (pandas, scipy, Mesa: about a twentieth of a region
    run's time). Frozen (:func:`gc.freeze`), it is left out of them.
    """
    import gpfed.model.model  # noqa: F401  (every run needs it: loaded now, it is frozen too)

    gc.freeze()


@contextmanager
def _workers_ignore_interrupts() -> Iterator[None]:
    """Pool workers started inside this block ignore Ctrl-C from their first instruction.

    Ctrl-C reaches the whole process group; the sweep process handles it and stops the pool
    (each worker finishes its chunk), while an interrupted worker would only print a traceback,
    even while it is still starting. A pool starts its workers as chunks are submitted, and a
    process started with SIGINT ignored keeps ignoring it (Python installs no handler for it),
    so the sweep process ignores it only while it submits. Signals are the main thread's alone:
    elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


QUIET_LOCAL_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
}
"""Dask settings for the LocalCluster a sweep starts. A worker runs each task in a thread
beside its event loop, and every wake-up of the loop (a tick every 20 ms, the statistical
profiler every 10 ms, the system monitor every 0.5 s) takes the GIL from the run: with the
defaults region runs took about 12% longer than in a plain process; with these, about 5%. A cluster
you start yourself keeps its own settings."""


class _Executors:
    """The executor in use: None (in process), a local process pool, or a Dask client's.

    A local pool breaks for good once one of its workers dies; :meth:`replace_broken_pool`
    starts a fresh one for the chunks left, and :meth:`close` shuts down whichever is current.
    """

    def __init__(
        self,
        workers: int,
        scheduler: str | None,
        dask_local: bool,
        executor: cf.Executor | None = None,
    ) -> None:
        self.workers = workers
        self.client = self.cluster = None
        self.current: cf.Executor | None = executor
        self.external = executor is not None
        if self.external:
            return
        if scheduler or dask_local:
            import dask
            from distributed import Client, LocalCluster

            if dask_local:
                # Without a dashboard the scheduler still serves HTTP, by default on port 8787:
                # an ephemeral port on loopback keeps two sweeps (or a busy port) apart.
                with dask.config.set(QUIET_LOCAL_WORKERS):
                    self.cluster = LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        host="127.0.0.1",
                        dashboard_address=None,
                        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    )
            self.client = Client(self.cluster if self.cluster is not None else scheduler)
            self.current = self.client.get_executor(pure=False)
        elif workers > 1:
            self.current = _process_pool(workers)

    def replace_broken_pool(self) -> None:
        """Start a new local pool in place of a broken one (ours, or the caller's)."""
        if not self.external:
            self.current.shutdown(wait=False, cancel_futures=True)
        self.external = False
        self.current = _process_pool(self.workers)

    def close(self) -> None:
        """Shut down the executor and any cluster this sweep started (not the caller's)."""
        if self.external:
            return
        if self.client is not None:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        elif self.current is not None:
            self.current.shutdown(wait=True, cancel_futures=True)


@contextmanager
def open_executor(
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: bool = False,
    executor: cf.Executor | None = None,
) -> Iterator[cf.Executor | None]:
    """An executor to share across several sweeps in a row, so workers start once.

    Yields None for one local worker (sweeps then run in process), else a local process pool,
    a Dask client's executor, or ``executor`` itself; shuts down what it started on exit.
    """
    executors = _Executors(workers or os.cpu_count() or 1, scheduler, dask_local, executor)
    try:
        yield executors.current
    finally:
        executors.close()


@contextmanager
def _progress(total: int, done: int, enabled: bool) -> Iterator[Any]:
    from tqdm.auto import tqdm

    bar = tqdm(total=total, initial=done, unit="run", disable=not enabled, desc="sweep")
    bar.failed = 0
    try:
        yield bar
    finally:
        bar.close()
