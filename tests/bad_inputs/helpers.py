"""Shared pieces of the bad-input corpus: the CLI in process, one-line checks, folder snapshots."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from gpfed.cli import main


@dataclass
class Outcome:
    """What a CLI call gave: exit status and both streams."""

    code: int
    stdout: str
    stderr: str


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    """Run ``gpfed ARGS`` in this process (``gpfed.cli.main``) and capture what it printed."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    captured = capsys.readouterr()
    code = stopped.value.code
    return Outcome(code if isinstance(code, int) else 1, captured.out, captured.err)


def cli_subprocess(*args: str) -> Outcome:
    """Run ``gpfed ARGS`` in a fresh interpreter (to see exactly what a user would see)."""
    done = subprocess.run(
        [sys.executable, "-m", "gpfed.cli", *args], capture_output=True, text=True, timeout=120
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def assert_one_line(message: str, *parts: str) -> None:
    """``message`` is one line holding every one of ``parts`` (field, value, what is allowed)."""
    text = message.strip()
    assert text, "no message"
    assert "\n" not in text, f"more than one line: {message!r}"
    assert "Traceback" not in text
    for part in parts:
        assert part in text, f"{part!r} not in {text!r}"
    assert re.search(r"allowed|Allowed|did you mean|Known|Valid|valid|Possible", text), (
        f"does not say what is allowed: {text!r}"
    )


def assert_refused(outcome: Outcome, *parts: str) -> None:
    """Exit status 2, nothing on stdout, one ``error:`` line on stderr naming ``parts``."""
    assert outcome.code == 2, (outcome.code, outcome.stderr)
    assert outcome.stdout == ""
    assert outcome.stderr.startswith("error: "), outcome.stderr
    assert_one_line(outcome.stderr, *parts)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with each file's SHA-256."""
    return {
        str(path.relative_to(folder)): (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        )
        for path in sorted(folder.rglob("*"))
    }


def existing_results(folder: Path) -> Path:
    """A results folder that already holds something (to check a refusal leaves it alone)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "series.csv").write_text("step,practices_open\n0,30\n")
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "sub" / "notes.txt").write_text("earlier results\n")
    return folder
