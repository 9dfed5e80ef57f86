"""Sweeps: the same results on any executor, resumable after a kill, robust to failing runs and
to a lost Dask worker; bad sweep files as one line and exit status 2.

Small settings throughout (60 practices, 4-12 quarters). The subprocess and cluster tests are
marked slow; the Dask cluster is started once per module (scheduler and two workers on
127.0.0.1) and killed after it.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import errno
import gc
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gpfed.experiments.store as store_module
from gpfed.experiments import Dimension, SweepError, SweepSpec, load, run_table, sweep
from gpfed.experiments.runner import _process_pool, run_chunk, run_specs
from tests.experiments import helpers
from tests.experiments.helpers import (
    FAULT_TOML,
    GRID_TOML,
    LONG_TOML,
    SOBOL_TOML,
    assert_same_results,
    gpfed_command,
    kill_group,
    part_run_ids,
    results_parts,
    snapshot,
    spec_of,
    wait_for,
    write_spec,
)

SPECS = {"grid": GRID_TOML, "sobol": SOBOL_TOML}
EXISTING_TOML = FAULT_TOML.replace("replications = 2", "replications = 1")


def not_here(results) -> bool:
    """Whether every run ran in another process than this one."""
    return not results.runs["worker"].str.endswith(f":{os.getpid()}").any()


# --- the same results on every executor ----------------------------------------------------


@pytest.fixture(scope="module")
def in_process(tmp_path_factory):
    """Each small sweep run with one worker (in this process): the reference."""
    return {
        name: sweep(spec_of(text), tmp_path_factory.mktemp(name), workers=1, progress=False)
        for name, text in SPECS.items()
    }


@pytest.mark.parametrize("name", SPECS)
def test_reference_sweeps_are_complete_and_finite(in_process, name):
    results = in_process[name]
    spec = results.spec
    assert list(results.runs["run_id"]) == list(run_table(spec)["run_id"])
    assert (results.runs["status"] == "ok").all()
    assert np.isfinite(results.runs[list(spec.outputs)].to_numpy()).all()
    assert len(results.series) == len(results.runs) * (spec.quarters + 1)
    assert results.runs["worker"].str.endswith(f":{os.getpid()}").all()


def test_results_do_not_depend_on_chunking():
    spec = spec_of(GRID_TOML)
    runs = run_specs(spec, run_table(spec))[:5]
    rows_together, series_together = run_chunk(runs)
    alone = [run_chunk([run]) for run in reversed(runs)][::-1]
    rows_alone = [rows[0] for rows, _ in alone]
    volatile = ("worker", "duration_s")
    for together, single in zip(rows_together, rows_alone, strict=True):
        assert {k: v for k, v in together.items() if k not in volatile} == {
            k: v for k, v in single.items() if k not in volatile
        }
    pd.testing.assert_frame_equal(
        series_together,
        pd.concat([series for _, series in alone], ignore_index=True),
        check_exact=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", SPECS)
def test_two_local_workers_give_the_same_results(in_process, name, tmp_path):
    results = sweep(spec_of(SPECS[name]), tmp_path / "out", workers=2, progress=False)
    assert not_here(results)
    assert_same_results(results, in_process[name])


@pytest.mark.slow
def test_a_local_worker_starts_with_the_model_loaded_and_frozen():
    """What a worker imports is left out of the collector's passes (gc.freeze) from its start."""
    pool = _process_pool(1)
    try:
        frozen = pool.submit(gc.get_freeze_count).result(timeout=120)
        loaded = pool.submit(helpers.loaded, "gpfed.model.model").result(timeout=120)
    finally:
        pool.shutdown()
    assert loaded and frozen > 100_000


@pytest.mark.slow
@pytest.mark.parametrize("name", SPECS)
def test_dask_cluster_gives_the_same_results(two_worker_cluster, in_process, name, tmp_path):
    results = sweep(
        spec_of(SPECS[name]),
        tmp_path / "out",
        workers=2,
        scheduler=two_worker_cluster.address,
        progress=False,
    )
    assert not_here(results)
    assert_same_results(results, in_process[name])


@pytest.mark.slow
@pytest.mark.parametrize("name", SPECS)
def test_dask_local_cluster_gives_the_same_results(in_process, name, tmp_path):
    results = sweep(
        spec_of(SPECS[name]), tmp_path / "out", workers=2, dask_local=True, progress=False
    )
    assert not_here(results)
    assert_same_results(results, in_process[name])


@pytest.mark.slow
def test_dask_local_starts_when_port_8787_is_taken(tmp_path):
    with socket.socket() as holder:
        with contextlib.suppress(OSError):  # already held by another process: the same case
            holder.bind(("127.0.0.1", 8787))
            holder.listen()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            results = sweep(
                spec_of(FAULT_TOML), tmp_path / "out", workers=1, dask_local=True, progress=False
            )
    assert len(results.runs) == 4


def test_results_can_be_queried_with_duckdb(tmp_path):
    import duckdb

    out = tmp_path / "out"
    results = sweep(spec_of(FAULT_TOML), out, workers=1, progress=False)
    parts = str(out / "parts" / "results-*.parquet")
    counts = duckdb.sql(
        f"SELECT status, count(*) AS n FROM read_parquet('{parts}') GROUP BY status ORDER BY status"
    ).fetchall()
    assert counts == [("failed", 2), ("ok", 2)]
    assert len(results.runs) == 4


# --- failing runs --------------------------------------------------------------------------


def test_a_failing_run_is_recorded_and_the_others_complete(tmp_path):
    spec = spec_of(FAULT_TOML)
    results = sweep(spec, tmp_path / "out", workers=1, progress=False)
    runs = results.runs.set_index("run_id")
    assert list(runs.index) == ["d000000-r000", "d000000-r001", "d000001-r000", "d000001-r001"]
    assert list(runs["n_commissioners"]) == [1, 1, 80, 80]
    failed, ok = runs[runs["n_commissioners"] == 80], runs[runs["n_commissioners"] == 1]
    assert (failed["status"] == "failed").all() and (ok["status"] == "ok").all()
    assert list(results.failed["run_id"]) == list(failed.index)
    for row in failed.itertuples():
        assert row.error == (
            "ParameterError: n_commissioners = 80 exceeds n_practices = 60; "
            "allowed 1 to n_practices"
        )
        assert row.traceback.startswith("Traceback") and "ParameterError" in row.traceback
    assert failed[list(spec.outputs)].isna().all().all()
    assert np.isfinite(ok[list(spec.outputs)].to_numpy()).all()
    assert (ok["error"] == "").all() and (ok["traceback"] == "").all()
    # Failed runs count as finished: running the sweep again does not retry them.
    before = snapshot(tmp_path / "out")
    again = sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert snapshot(tmp_path / "out") == before
    assert_same_results(again, results)


def test_a_folder_holds_one_sweep_only(tmp_path):
    existing = tmp_path / "existing"
    sweep(spec_of(EXISTING_TOML), existing, workers=1, progress=False)
    before = snapshot(existing)
    other = spec_of(EXISTING_TOML.replace("quarters = 4", "quarters = 5"))
    with pytest.raises(SweepError, match="holds results of a different sweep"):
        sweep(other, existing, workers=1, progress=False)
    assert snapshot(existing) == before
    # A folder with other files in it is not taken over either.
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    with pytest.raises(SweepError, match="is not empty and holds no sweep"):
        sweep(other, tmp_path / "notes", workers=1, progress=False)
    assert [path.name for path in (tmp_path / "notes").iterdir()] == ["todo.txt"]


def test_a_sweep_made_by_other_model_code_is_refused_not_mixed(tmp_path, monkeypatch):
    existing = tmp_path / "existing"
    spec = spec_of(EXISTING_TOML)
    sweep(spec, existing, workers=1, progress=False)
    before = snapshot(existing)
    # Resuming with the same code is fine; with changed code (any edit to the package) it is not.
    sweep(spec, existing, workers=1, progress=False)
    monkeypatch.setattr(store_module, "code_fingerprint", lambda: "0123456789abcdef")
    with pytest.raises(SweepError, match=r"made by other model code .* use another --out folder"):
        sweep(spec, existing, workers=1, progress=False)
    assert snapshot(existing) == before


# --- interrupted and resumed ---------------------------------------------------------------


@pytest.fixture(scope="module")
def long_reference(tmp_path_factory):
    """The long sweep, uninterrupted, in this process."""
    return sweep(spec_of(LONG_TOML), tmp_path_factory.mktemp("long"), workers=1, progress=False)


def assert_complete_once(folder, reference) -> None:
    """Every run of the sweep recorded exactly once, with the uninterrupted sweep's results."""
    ids = part_run_ids(folder)
    assert len(ids) == len(set(ids)), "a run id is in two results parts"
    expected = list(reference.planned["run_id"])
    assert sorted(ids) == sorted(expected)
    results = load(folder)
    assert list(results.runs["run_id"]) == expected
    assert (results.runs["status"] == "ok").all()
    assert_same_results(results, reference)


def long_sweep_command(tmp_path) -> tuple[list[str], Path]:
    """The CLI command running the long sweep on two workers, and its results folder."""
    spec_file = write_spec(tmp_path, LONG_TOML)
    out = tmp_path / "out"
    return gpfed_command("sweep", str(spec_file), "--out", str(out), "--workers", "2", "-q"), out


def wait_for_first_part(process: subprocess.Popen, out: Path) -> None:
    """Wait until the sweep has stored its first results part (or ended)."""
    wait_for(
        lambda: results_parts(out) or process.poll() is not None,
        timeout=60,
        what="the first results part",
        step=0.005,
    )


@pytest.mark.slow
def test_a_killed_sweep_resumes_with_no_run_lost_or_repeated(long_reference, tmp_path):
    command, out = long_sweep_command(tmp_path)
    total = len(long_reference.planned)

    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_first_part(process, out)
    finally:
        kill_group(process)  # the CLI and its pool workers, mid-sweep
    assert process.returncode == -9, "the sweep ended before it could be killed"
    done_before = part_run_ids(out)
    assert 0 < len(done_before) < total, "the kill did not land mid-sweep"
    print(f"killed the sweep with {len(done_before)} of {total} runs stored")
    parts_before = {part.name: part.read_bytes() for part in results_parts(out)}

    resumed = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{total} runs ok, 0 failed, of {total}" in resumed.stdout
    # The parts written before the kill are kept as they were; the resume ran only the rest.
    for name, content in parts_before.items():
        assert (out / "parts" / name).read_bytes() == content
    assert_complete_once(out, long_reference)


@pytest.mark.slow
def test_a_killed_dask_worker_loses_no_runs(two_worker_cluster, long_reference, tmp_path):
    out = tmp_path / "out"
    total = len(long_reference.planned)
    pool = cf.ThreadPoolExecutor(1)
    try:
        running = pool.submit(
            sweep,
            spec_of(LONG_TOML),
            out,
            workers=2,
            scheduler=two_worker_cluster.address,
            progress=False,
        )
        wait_for(
            lambda: results_parts(out) or running.done(),
            timeout=60,
            what="the first results part",
            step=0.005,
        )
        victim, in_flight = two_worker_cluster.busiest_worker()
        two_worker_cluster.kill_worker(victim)
        done_at_kill = len(part_run_ids(out))
        running.result(timeout=180)  # re-raises whatever the sweep raised
    finally:
        pool.shutdown(wait=False)  # never hang here: the cluster's teardown ends a stuck sweep
    assert 0 < done_at_kill < total, "the kill did not land mid-sweep"
    assert victim.returncode == -9
    assert in_flight > 0, "the killed worker had no chunk to lose"
    print(f"killed a worker running {in_flight} chunks, {done_at_kill} of {total} runs stored")
    assert_complete_once(out, long_reference)


@pytest.mark.slow
def test_a_killed_local_worker_process_loses_no_runs(long_reference, tmp_path):
    # A local process pool is broken for good once a worker dies; the runner starts a new pool
    # and runs the unfinished chunks again.
    out = tmp_path / "out"
    total = len(long_reference.planned)
    pool = cf.ThreadPoolExecutor(1)
    try:
        running = pool.submit(sweep, spec_of(LONG_TOML), out, workers=2, progress=False)
        wait_for(
            lambda: results_parts(out) or running.done(),
            timeout=60,
            what="the first results part",
            step=0.005,
        )
        workers = multiprocessing.active_children()
        assert workers, "no local worker processes to kill"
        os.kill(workers[0].pid, signal.SIGKILL)
        done_at_kill = len(part_run_ids(out))
        running.result(timeout=180)
    finally:
        pool.shutdown(wait=False)
    assert 0 < done_at_kill < total, "the kill did not land mid-sweep"
    assert_complete_once(out, long_reference)


# --- bad sweep files on the command line ---------------------------------------------------

# case: (sweep file text or None for a missing file, text the error line must contain,
#        extra options, whether --out is an existing results folder)
BAD_RUNS = {
    "unknown parameter": (
        GRID_TOML.replace("federation_sharing_rule =", "federation_sharing_rul ="),
        "no parameter 'federation_sharing_rul'",
        (),
        True,
    ),
    "low >= high": (
        GRID_TOML.replace("low = 0, high = 8", "low = 8, high = 8"),
        "federation_incentive_gbp_per_patient_per_year: low = 8.0 must be below high = 8.0",
        (),
        True,
    ),
    "malformed TOML": (GRID_TOML.replace("steps = 3 }", "steps = 3"), "not valid TOML", (), True),
    "missing file": (None, "no sweep file", (), True),
    "another sweep": (
        EXISTING_TOML.replace("seed = 9", "seed = 10"),
        "holds results of a different sweep ('test fault'); use another --out folder",
        (),
        True,
    ),
    "replications = 0, new folder": (
        GRID_TOML.replace("replications = 2", "replications = 0"),
        "replications = 0; allowed a whole number, 1 or more",
        (),
        False,
    ),
    "scheduler and dask-local": (
        GRID_TOML,
        "give --scheduler or --dask-local, not both",
        ("--scheduler", "tcp://127.0.0.1:1", "--dask-local"),
        True,
    ),
}


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    """Each bad command run by the CLI (all at once), most against a copy of a results folder.

    Returns case -> (completed process, results folder, its snapshot before, and after).
    """
    root = tmp_path_factory.mktemp("bad-runs")
    existing = root / "existing"
    sweep(spec_of(EXISTING_TOML), existing, workers=1, progress=False)
    launched = {}
    for number, (case, (text, _, options, has_results)) in enumerate(BAD_RUNS.items()):
        folder = root / f"case-{number}"
        folder.mkdir()
        out = folder / "results"
        if has_results:
            shutil.copytree(existing, out)
        spec_file = folder / "sweep.toml"
        if text is not None:
            spec_file.write_text(text)
        command = gpfed_command("sweep", str(spec_file), "--out", str(out), "-q", *options)
        before = snapshot(out) if has_results else None
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        launched[case] = (process, out, before)
    finished = {}
    for case, (process, out, before) in launched.items():
        stdout, stderr = process.communicate(timeout=120)
        completed = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        finished[case] = (completed, out, before, snapshot(out) if out.exists() else None)
    return finished


@pytest.mark.slow
@pytest.mark.parametrize("case", BAD_RUNS)
def test_bad_sweep_is_one_line_exit_2_and_touches_nothing(bad_runs, case):
    result, out, before, after = bad_runs[case]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert BAD_RUNS[case][1] in result.stderr
    assert result.stdout == ""
    if before is None:
        assert not out.exists()
    else:
        assert "sweep.json" in before and "runs.parquet" in before  # it held a sweep
        assert after == before


# --- progress bar --------------------------------------------------------------------------


@pytest.mark.slow
def test_progress_bar_on_stderr_unless_quiet(tmp_path):
    spec_file = write_spec(tmp_path, FAULT_TOML)
    runs = {}
    for quiet in (False, True):
        out = tmp_path / f"out-{quiet}"
        command = gpfed_command("sweep", str(spec_file), "--out", str(out), "--workers", "1")
        runs[quiet] = subprocess.Popen(
            [*command, *(["--quiet"] if quiet else [])],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    outputs = {quiet: process.communicate(timeout=120) for quiet, process in runs.items()}
    for quiet, process in runs.items():
        stdout, _ = outputs[quiet]
        assert process.returncode == 0
        assert "sweep 'test fault': 2 runs ok, 2 failed, of 4" in stdout
        assert "failed d000001-r000: ParameterError: n_commissioners = 80" in stdout
    assert outputs[True][1] == ""
    loud = outputs[False][1]
    assert "sweep:" in loud and "4/4" in loud and "100%" in loud and "failed=2" in loud


def test_a_run_past_its_time_limit_is_stopped_and_recorded_as_failed(tmp_path):
    spec = SweepSpec(
        parameters=(Dimension("quality_weight", levels=(0.3, 0.6)),),
        quarters=40,
        outputs=("practices_open",),
        fixed={"n_practices": 150},
        run_time_limit_s=1e-6,
    )
    results = sweep(spec, out=tmp_path / "sw", workers=1, progress=False)
    assert len(results.failed) == 2 and len(results.ok) == 0
    assert results.failed["error"].str.contains("over its time limit of 1e-06 s").all()
    # A longer limit finishes them, in the same folder: the limit is not part of the definition.
    longer = dataclasses.replace(spec, run_time_limit_s=600.0)
    assert longer.fingerprint() == spec.fingerprint()


def test_a_run_time_limit_must_be_positive():
    with pytest.raises(SweepError, match="run_time_limit_s = 0; allowed a number of seconds"):
        SweepSpec(parameters=(Dimension("quality_weight", levels=(0.3,)),), run_time_limit_s=0)


def test_a_full_disk_stops_the_sweep_with_one_line_and_a_resume_completes_it(
    long_reference, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    parts = []
    original = pd.DataFrame.to_parquet

    def fills_up(frame, path, *args, **kwargs):
        # The disk fills up while the third results part is being written.
        if ".results-" in str(path):
            parts.append(path)
            if len(parts) == 3:
                original(frame, path, *args, **kwargs)  # a temporary file, then no space
                raise OSError(errno.ENOSPC, "No space left on device")
        original(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fills_up)
    with pytest.raises(SweepError, match=r"No space left on device.*same command to resume"):
        sweep(spec_of(LONG_TOML), out, workers=1, progress=False)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", original)
    # Nothing half-written: no temporary file left; every part there is whole and readable.
    assert not [p for p in (out / "parts").iterdir() if p.name.startswith(".")]
    stored = part_run_ids(out)
    assert 0 < len(stored) < len(long_reference.planned)
    sweep(spec_of(LONG_TOML), out, workers=1, progress=False)
    assert_complete_once(out, long_reference)


@pytest.mark.slow
def test_ctrl_c_leaves_a_resumable_sweep_and_says_how_to_resume(long_reference, tmp_path):
    command, out = long_sweep_command(tmp_path)
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # As from a terminal: a shell that starts pytest in the background without job control
        # sets SIGINT to ignored, children inherit it, and the sweep would never hear Ctrl-C.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        wait_for_first_part(process, out)
        # Ctrl-C reaches the whole foreground process group: the CLI and its workers.
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        kill_group(process)
    assert process.returncode == 130, stderr
    assert "interrupted; run the same command to resume" in stderr
    assert "Traceback" not in stderr
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    assert_complete_once(out, long_reference)


def test_workers_that_cannot_start_end_the_sweep_with_every_run_recorded_failed(tmp_path):
    # A script read from standard input cannot be re-imported by spawned workers: every pool
    # breaks before any run finishes. The runner used to replace the pool for ever; it now gives
    # up after a few pools and records each run as failed, with why.
    out = tmp_path / "out"
    script = (
        "from gpfed.experiments import Dimension, SweepSpec, sweep\n"
        "spec = SweepSpec(parameters=(Dimension('quality_weight', levels=(0.3, 0.6)),),\n"
        "                 quarters=2, fixed={'n_practices': 20})\n"
        f"sweep(spec, {str(out)!r}, workers=2, progress=False)\n"
    )
    result = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    runs = load(out).runs
    assert len(runs) == 2 and (runs["status"] == "failed").all()
    assert runs["error"].str.startswith("WorkerDied").all()
    assert "if __name__" in runs["error"].iloc[0]
