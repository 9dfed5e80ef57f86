"""The results folder of a sweep: written incrementally, safe against interruption, resumable.

Layout of a folder::

    sweep.json          the sweep definition, its fingerprint and the model code's (a folder
                        holds one sweep, run by one version of the model)
    runs.parquet        the run table: run_id, design_id, replicate, seed, swept parameters
    parts/
      results-*.parquet one file per finished chunk: status, error, traceback, duration,
                        package version, git revision and the final value of every output
      series-*.parquet  the kept time series of the same runs

Each part is written to a temporary name in ``parts/`` and renamed into place (``os.replace``),
so a killed sweep leaves only whole parts; re-running the same sweep with the same model code
skips every run id found in them (with changed code it is refused, not silently mixed). Query
the parts with pandas (:func:`load`) or DuckDB
(``SELECT * FROM read_parquet('DIR/parts/results-*.parquet')``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import uuid
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from gpfed.experiments.spec import SweepError, SweepSpec

SPEC_FILE = "sweep.json"
RUNS_FILE = "runs.parquet"
PARTS = "parts"


@dataclass
class Store:
    """A sweep's results folder.

    Args:
        path: the folder (created when the sweep starts).
    """

    path: Path

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    @property
    def parts(self) -> Path:
        """Folder of the part files."""
        return self.path / PARTS

    def prepare(self, spec: SweepSpec, runs: pd.DataFrame) -> None:
        """Start a new sweep here, or check that the folder holds this same sweep.

        Raises:
            SweepError: the folder holds results of a different sweep, or other files.
        """
        if self.path.exists() and not self.path.is_dir():
            raise SweepError(f"out = {str(self.path)!r} is a file; allowed a results folder")
        spec_file = self.path / SPEC_FILE
        code = code_fingerprint()
        if spec_file.exists():
            stored = json.loads(spec_file.read_text())
            if stored.get("fingerprint") != spec.fingerprint():
                raise SweepError(
                    f"{self.path} holds results of a different sweep "
                    f"({stored.get('name', '?')!r}); use another --out folder (allowed: a new or "
                    "empty folder, or one holding this same sweep)"
                )
            if stored.get("code_fingerprint") != code:
                raise SweepError(
                    f"{self.path} holds results of this sweep made by other model code "
                    f"(code {stored.get('code_fingerprint', 'unrecorded')}, now {code}); runs of "
                    "two versions cannot be mixed: use another --out folder or remove this one"
                )
            return
        if self.path.exists() and any(self.path.iterdir()):
            raise SweepError(f"{self.path} is not empty and holds no sweep; use another --out")
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SweepError(
                f"out = {str(self.path)!r} cannot be created ({error.strerror or error}); allowed "
                "a writable folder path"
            ) from None
        _atomic_write_parquet(runs, self.path / RUNS_FILE)
        payload = {
            "name": spec.name,
            "fingerprint": spec.fingerprint(),
            "code_fingerprint": code,
            **spec.to_mapping(),
        }
        _atomic_write_text(json.dumps(payload, indent=2, default=str), spec_file)

    def finished_run_ids(self) -> set[str]:
        """Run ids recorded in the parts, whether they succeeded or failed."""
        files = sorted(self.parts.glob("results-*.parquet"))
        if not files:
            return set()
        ids = pd.concat([pd.read_parquet(f, columns=["run_id"]) for f in files])
        return set(ids["run_id"])

    def write_part(self, results: pd.DataFrame, series: pd.DataFrame | None) -> None:
        """Write one finished chunk atomically (series first: results mark the runs done).

        Raises:
            SweepError: the folder cannot be written (a full disk, lost permission); the parts
                written before are kept and nothing half-written is left, so the same command
                resumes once the cause is fixed.
        """
        tag = uuid.uuid4().hex[:12]
        try:
            if series is not None and len(series):
                _atomic_write_parquet(series, self.parts / f"series-{tag}.parquet")
            _atomic_write_parquet(results, self.parts / f"results-{tag}.parquet")
        except OSError as error:
            raise SweepError(
                f"cannot write results to {self.path} ({error.strerror or error}); the runs "
                "stored so far are kept: fix it and run the same command to resume"
            ) from None


def code_fingerprint() -> str:
    """A hash of the model's code and packaged data: the same for the same model, bit for bit.

    A resumed sweep must not mix runs of two versions of the model, so a results folder records
    it; uncommitted edits change it as commits do.
    """
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([*package.rglob("*.py"), *package.glob("data/*.json")]):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _atomic_write_parquet(frame: pd.DataFrame, target: Path) -> None:
    """Write to a hidden temporary file and rename it: a part is whole or absent."""
    temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        frame.to_parquet(temporary, index=False, compression="zstd")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _atomic_write_text(text: str, target: Path) -> None:
    temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    temporary.write_text(text)
    os.replace(temporary, target)


@dataclass
class Results:
    """A sweep's results as tidy DataFrames.

    Attributes:
        spec: the sweep definition.
        runs: one row per run recorded so far: run_id, design_id, replicate, seed, the swept
            parameters, status ("ok" or "failed"), error, traceback, duration_s, worker,
            gpfed_version, git_revision, and the final value of every output (its mean over
            the last year simulated).
        series: the kept time series: run_id, step, quarter, date and the outputs (empty unless the
            sweep keeps series).
        design: the design points: design_id and the swept parameters, in sampler order.
        planned: the run table (every run the sweep defines, finished or not).
    """

    spec: SweepSpec
    runs: pd.DataFrame
    series: pd.DataFrame
    design: pd.DataFrame
    planned: pd.DataFrame

    @property
    def ok(self) -> pd.DataFrame:
        """The runs that succeeded."""
        return self.runs[self.runs["status"] == "ok"]

    @property
    def failed(self) -> pd.DataFrame:
        """The runs that failed, with their errors."""
        return self.runs[self.runs["status"] == "failed"]


def load(path: str | Path) -> Results:
    """Read a results folder (finished or not) into :class:`Results`."""
    store = Store(Path(path))
    spec_file = store.path / SPEC_FILE
    if not spec_file.exists():
        raise SweepError(f"{store.path} holds no sweep results (no {SPEC_FILE})")
    stored = json.loads(spec_file.read_text())
    spec = SweepSpec.from_mapping(
        {key: stored[key] for key in ("sweep", "fixed", "parameters") if key in stored}
    )
    planned = pd.read_parquet(store.path / RUNS_FILE)
    results = _read_parts(store.parts, "results")
    series = _read_parts(store.parts, "series")
    if len(results):
        results = results.drop_duplicates("run_id", keep="first")
        runs = planned.merge(results, on="run_id", how="inner")
        runs = runs.sort_values(["design_id", "replicate"], kind="stable").reset_index(drop=True)
    else:
        runs = planned.iloc[0:0].assign(status=pd.Series(dtype=object))
    if len(series):
        series = series.drop_duplicates(["run_id", "step"], keep="first")
        series = series.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)
    design = (
        planned[["design_id", *spec.names]]
        .drop_duplicates("design_id")
        .sort_values("design_id")
        .reset_index(drop=True)
    )
    return Results(spec=spec, runs=runs, series=series, design=design, planned=planned)


def _read_parts(folder: Path, kind: str) -> pd.DataFrame:
    files = sorted(folder.glob(f"{kind}-*.parquet"))
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def provenance() -> dict[str, Any]:
    """Package version and git revision of the code that ran (recorded with every result)."""
    revision = "unknown"
    # Outside a git checkout (an installed package) the revision stays unknown.
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        revision = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
            timeout=5,
        ).stdout.strip()
    return {"gpfed_version": version("gpfed"), "git_revision": revision}
