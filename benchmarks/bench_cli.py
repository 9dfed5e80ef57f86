"""Start-up benchmark: how fast the command line answers, as whole processes.

What it measures: ``gpfed --help``, ``gpfed params`` and ``gpfed scenarios`` run as whole
processes (the venv's console script), each ``--repeats`` times after one untimed warm-up, wall
time with ``time.perf_counter`` around ``subprocess.run``; the median is reported. The reference,
measured in the same run and in turn with the commands, is the bare interpreter
(``python -c pass``): the ratio of each command to it holds when the machine's speed drifts.

Target (issue 18): each answers in under 0.5 s. PASS/MISS is informational; the exit code is 0
unless something crashes. Results are printed as Markdown and written to
``out/bench/bench_cli.json``.

Usage::

    python benchmarks/bench_cli.py [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import machine

REPO = Path(__file__).resolve().parents[1]
OUT_FILE = REPO / "out" / "bench" / "bench_cli.json"
GPFED = str(Path(sys.executable).with_name("gpfed"))
TARGET_S = 0.5
COMMANDS = {
    "gpfed --help": [GPFED, "--help"],
    "gpfed params": [GPFED, "params"],
    "gpfed scenarios": [GPFED, "scenarios"],
    "python -c pass (reference)": [sys.executable, "-c", "pass"],
}


def wall_s(command: list[str]) -> float:
    """Seconds one run of ``command`` takes as a whole process (output discarded)."""
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    for command in COMMANDS.values():
        wall_s(command)  # warm-up: file system caches, compiled bytecode
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeats):
        # In turn, so a drift in the machine's speed reaches every command alike.
        for name, command in COMMANDS.items():
            times[name].append(wall_s(command))
    reference = statistics.median(times["python -c pass (reference)"])
    rows, targets = [], []
    print(f"| command | median s ({args.repeats} runs) | x bare interpreter | target | |")
    print("|---|---:|---:|---:|:-:|")
    for name, values in times.items():
        median = statistics.median(values)
        is_reference = name.startswith("python")
        verdict = "" if is_reference else ("PASS" if median < TARGET_S else "MISS")
        target = "" if is_reference else f"< {TARGET_S:g} s"
        print(f"| {name} | {median:.3f} | {median / reference:.1f} | {target} | {verdict} |")
        rows.append({"command": name, "median_s": median, "runs_s": values, "verdict": verdict})
        if not is_reference:
            targets.append(
                {
                    "figure": f"`{name}` as a whole process",
                    "measured": f"{median:.3f} s",
                    "target": target,
                    "result": verdict,
                    "reference": f"python -c pass {reference:.3f} s ({median / reference:.1f}x)",
                }
            )
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(
        json.dumps({"machine": machine(), "rows": rows, "targets": targets}, indent=2) + "\n"
    )
    print(f"written: {OUT_FILE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
