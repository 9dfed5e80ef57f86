"""Collect the benchmarks' targets into one table: printed, and written to results/latest.md.

Each benchmark script writes ``out/bench/<name>.json`` with a ``targets`` list (figure,
measured, target, result, reference measured in the same run) and a ``machine`` record. This
script reads the ones present, in the order ``make bench`` runs them, and writes
``benchmarks/results/latest.md``: commit it when performance changes.

Usage::

    python benchmarks/report.py
"""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "out" / "bench"
LATEST = REPO / "benchmarks" / "results" / "latest.md"
BENCHMARKS = {
    "bench_cli": "Command-line start-up",
    "bench_model": "Model speed, England",
    "bench_scaling": "Scaling with practices",
    "bench_sweep": "Sweeps",
    "bench_viz": "Browser page",
}


def table(targets: list[dict[str, str]]) -> list[str]:
    """Markdown rows: figure, measured, target, result, reference."""
    lines = [
        "| figure | measured | target | result | reference (same run) |",
        "|---|---:|---|:-:|---|",
    ]
    for t in targets:
        lines.append(
            f"| {t['figure']} | {t['measured']} | {t['target']} | {t['result']} "
            f"| {t.get('reference', '')} |"
        )
    return lines


def main() -> None:
    found = {name: RESULTS / f"{name}.json" for name in BENCHMARKS}
    found = {name: path for name, path in found.items() if path.exists()}
    if not found:
        raise SystemExit(f"no results in {RESULTS.relative_to(REPO)}: run make bench first")
    results = {name: json.loads(path.read_text()) for name, path in found.items()}
    machine = next(iter(results.values()))["machine"]
    dates = sorted(result["machine"]["date"] for result in results.values())
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (benchmarks/report.py), measured {dates[0]} to {dates[-1]}: "
        f"Python {machine['python']}, numpy {machine['numpy']}, Mesa {machine['mesa']}, gpfed "
        f"{machine['gpfed']}, {machine['usable_cpus']} usable of {machine['cpu_count']} CPUs "
        f"({machine['platform']}). Each figure is a median over several runs; the reference "
        "is measured in the same run, so the ratio holds when the machine's speed drifts.",
        "",
    ]
    passed = missed = 0
    for name, result in results.items():
        targets = result.get("targets", [])
        passed += sum(t["result"] == "PASS" for t in targets)
        missed += sum(t["result"] == "MISS" for t in targets)
        lines += [f"## {BENCHMARKS[name]} (`benchmarks/{name}.py`)", "", *table(targets), ""]
    lines.append(f"{passed} targets met, {missed} missed.")
    text = "\n".join(lines) + "\n"
    print(text)
    LATEST.parent.mkdir(parents=True, exist_ok=True)
    LATEST.write_text(text)
    print(f"written: {LATEST.relative_to(REPO)}")


if __name__ == "__main__":
    main()
