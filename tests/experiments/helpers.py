"""Shared pieces of the sweep tests: small sweep files, result comparison, the CLI, a Dask cluster.

Every path to an executable is derived from ``sys.executable``, so the tests run the same in the
developer's venv and in the fresh ``.venv`` that ``make test`` builds.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pandas.testing as pdt

from gpfed.experiments import Results, SweepSpec

# --- sweep files (TOML text: the CLI reads them from disk, the API through SweepSpec) ---------

GRID_TOML = """
[sweep]
name = "test grid"
sampler = "grid"
replications = 2
quarters = 6
seed = 11
outputs = ["practices_open", "share_practices_federated", "emergency_admissions_per_1000",
           "commissioner_spend_per_capita_gbp"]
keep = ["final", "series"]

[fixed]
n_practices = 60

[parameters]
federation_incentive_gbp_per_patient_per_year = { low = 0, high = 8, steps = 3 }
federation_sharing_rule = { levels = ["list", "equal"] }
"""
"""3 x 2 design points x 2 replicates = 12 runs."""

SOBOL_TOML = """
[sweep]
name = "test sobol"
sampler = "sobol"
samples = 4
replications = 1
quarters = 6
seed = 5
outputs = ["emergency_admissions_per_1000", "commissioner_spend_per_capita_gbp",
           "integrated_population_share"]
keep = ["final", "series"]

[fixed]
n_practices = 60
gp_contract_regime = "mandatory"

[parameters]
quality_weight = { low = 0.1, high = 0.95 }
savings_target = { low = 0.0, high = 0.06 }
n_commissioners = { low = 1, high = 4 }
"""
"""Saltelli design, first order only: 4 x (3 + 2) = 20 runs (one integer parameter, rounded)."""

LONG_TOML = """
[sweep]
name = "test long grid"
sampler = "grid"
replications = 8
quarters = 12
seed = 3
outputs = ["practices_open", "share_practices_federated", "emergency_admissions_per_1000"]
keep = ["final", "series"]

[fixed]
n_practices = 60

[parameters]
quality_weight = { low = 0.2, high = 0.9, steps = 6 }
federation_incentive_gbp_per_patient_per_year = { levels = [0, 5] }
"""
"""6 x 2 design points x 8 replicates = 96 runs, long enough to be interrupted mid-way."""

FAULT_TOML = """
[sweep]
name = "test fault"
sampler = "grid"
replications = 2
quarters = 4
seed = 9
outputs = ["practices_open", "emergency_admissions_per_1000"]

[fixed]
n_practices = 60

[parameters]
n_commissioners = { levels = [1, 80] }
"""
"""n_commissioners = 80 > n_practices = 60: the model refuses to build (ParameterError)."""


def spec_of(text: str) -> SweepSpec:
    """A sweep from TOML text."""
    return SweepSpec.from_mapping(tomllib.loads(text))


def write_spec(folder: Path, text: str, name: str = "sweep.toml") -> Path:
    """Write a sweep file and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


# --- comparing results ---------------------------------------------------------------------

VOLATILE = ["worker", "duration_s", "gpfed_version", "git_revision", "traceback"]
"""Result columns that say where, when and by what code a run ran, not what it gave."""


def assert_same_results(actual: Results, expected: Results) -> None:
    """Per-run results and kept series equal, bit for bit (provenance columns aside)."""
    assert len(actual.runs) == len(expected.runs) > 0
    for column in VOLATILE:
        assert actual.runs[column].notna().all(), column
    pdt.assert_frame_equal(
        actual.runs.drop(columns=VOLATILE), expected.runs.drop(columns=VOLATILE), check_exact=True
    )
    pdt.assert_frame_equal(actual.series, expected.series, check_exact=True)


def results_parts(folder: Path) -> list[Path]:
    """The results part files of a results folder."""
    return sorted((folder / "parts").glob("results-*.parquet"))


def part_run_ids(folder: Path) -> list[str]:
    """Every run id recorded in the results parts, duplicates kept."""
    ids: list[str] = []
    for part in results_parts(folder):
        ids.extend(pd.read_parquet(part, columns=["run_id"])["run_id"])
    return ids


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path of every file and folder (hidden ones too) and each file's SHA-256."""
    listing = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        listing[key] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return listing


def wait_for(condition: Callable[[], bool], timeout: float, what: str, step: float = 0.01) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


# --- the command line ----------------------------------------------------------------------


def gpfed_command(*args: str) -> list[str]:
    """The ``gpfed`` command line, run by this interpreter."""
    return [sys.executable, "-m", "gpfed.cli", *args]


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL a process started with ``start_new_session=True`` and all its children."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)


# --- a real Dask cluster on the loopback interface -----------------------------------------


def _address(scheduler_file: Path) -> str:
    """The address in a scheduler file, or "" while it is missing or half written."""
    try:
        return json.loads(scheduler_file.read_text()).get("address", "")
    except (OSError, ValueError):
        return ""


class DaskCluster:
    """A ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, as a user would start them.

    Each process is started in its own session, so killing its process group also kills the
    worker process a nanny spawns. :meth:`close` kills everything this object started.

    Args:
        folder: where the processes' logs and the scheduler file go (also their working folder).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.scheduler: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.client = None
        self.address = ""
        self._started = 0

    def _start(self, name: str, module: str, *args: str) -> subprocess.Popen:
        with open(self.folder / f"{name}.log", "wb") as log:
            return subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def logs(self) -> str:
        """The tail of every process log (for failure messages)."""
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )

    def start(self, workers: int = 2, timeout: float = 60) -> None:
        """Start the scheduler and ``workers`` workers; wait until all have joined, warm them."""
        from distributed import Client

        scheduler_file = self.folder / "scheduler.json"
        # Port 0 and a scheduler file: the scheduler picks a free port itself (no race).
        self.scheduler = self._start(
            "scheduler",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            # Even without a dashboard the scheduler serves HTTP (health, metrics), by default
            # on every interface: keep it on the loopback, on a free port.
            "--dashboard-address",
            "127.0.0.1:0",
            # Left behind (pytest itself killed), it exits after ten minutes without work.
            "--idle-timeout",
            "600s",
            "--scheduler-file",
            str(scheduler_file),
        )
        try:
            wait_for(lambda: _address(scheduler_file), timeout, "the scheduler file", step=0.05)
            self.address = _address(scheduler_file)
            assert self.address.startswith("tcp://127.0.0.1:"), self.address
            for _ in range(workers):
                self.add_worker()
            self.client = Client(self.address, timeout=f"{int(timeout)}s")
            self.wait_for_workers(workers, timeout)
        except BaseException:
            logs = self.logs()
            self.close()
            raise AssertionError(f"the Dask cluster did not start\n{logs}") from None

    def add_worker(self) -> subprocess.Popen:
        """Start one more single-threaded worker process."""
        self._started += 1
        worker = self._start(
            f"worker-{self._started}",
            "distributed.cli.dask_worker",
            self.address,
            "--nworkers",
            "1",
            "--nthreads",
            "1",
            "--no-dashboard",
            "--dashboard-address",
            "127.0.0.1:0",
            "--host",
            "127.0.0.1",
            # A worker left behind (say, pytest itself killed) exits once the scheduler is gone.
            "--death-timeout",
            "60",
        )
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, n: int, timeout: float = 60) -> None:
        """Wait until the scheduler reports exactly ``n`` workers, then import gpfed on each."""
        self.client.wait_for_workers(n, timeout=timeout)
        wait_for(
            lambda: len(self._known()) == n,
            timeout,
            f"{n} workers",
            step=0.1,
        )
        # Import the model once on every worker, so a sweep's timing does not include it.
        self.client.run(importlib.import_module, "gpfed.experiments.runner")
        self.client.run(importlib.import_module, "gpfed.model.model")

    def busiest_worker(self) -> tuple[subprocess.Popen, int]:
        """The worker process with the most tasks in flight, and how many it has."""
        # Each ``dask worker`` command runs a nanny, whose child process is the worker.
        parents = self.client.run(os.getppid)
        processing = self.client.processing()
        address = max(parents, key=lambda a: len(processing.get(a, ())))
        worker = next(w for w in self.workers if w.pid == parents[address])
        return worker, len(processing.get(address, ()))

    def kill_worker(self, worker: subprocess.Popen) -> None:
        """SIGKILL a worker (its nanny and worker process) and forget it.

        Returns at once; the scheduler notices the loss on its own (see :meth:`ensure_workers`).
        """
        kill_group(worker)
        self.workers.remove(worker)

    def _known(self) -> set[str]:
        return set(self.client.scheduler_info(n_workers=-1)["workers"])

    def ensure_workers(self, n: int = 2, timeout: float = 60) -> None:
        """Replace dead workers until ``n`` are alive and joined."""
        for worker in [w for w in self.workers if w.poll() is not None]:
            self.workers.remove(worker)
        if len(self.workers) == n and len(self._known()) == n:
            return
        # Wait until the scheduler has dropped the workers we killed, then start new ones.
        wait_for(
            lambda: len(self._known()) <= len(self.workers), timeout, "dead workers to go", 0.1
        )
        while len(self.workers) < n:
            self.add_worker()
        self.wait_for_workers(n, timeout)

    def close(self) -> None:
        """Close the client and kill every process this cluster started (safe to call twice)."""
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close(timeout=10)
            self.client = None
        for process in [*self.workers, self.scheduler]:
            if process is not None:
                kill_group(process)
        self.workers = []
        self.scheduler = None


def loaded(module: str) -> bool:
    """Whether ``module`` is loaded in this process (to ask a worker)."""
    return module in sys.modules
