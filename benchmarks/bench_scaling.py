"""Scaling benchmark: how construction and a quarter's step grow with the number of practices.

What it measures (in one process, on one core, ``time.perf_counter``): for each size from 500 to
16,000 practices, a world of England's proportions (about 38 practices per commissioner, 300 per
area team and 50 per trust, as 8,053 / 211 / 27 / 160 in 2013) is built (``GPFedModel(...)``,
the *construction*) and run for ``--quarters`` quarters without agent tables (the *run*), each
``--repeats`` times on seeds 1, 2, ...; the medians are kept. The growth exponent is the slope
of log(time) on log(practices), fitted by least squares over all sizes: 1 is linear.
A last row builds the largest world the model allows at UK scale (20,000 practices) and runs
four quarters, to show it works.

Targets (issue 18): exponent <= 1.1 for the run (per step) and for construction. PASS/MISS is
informational; the exit code is 0 unless something crashes. Results are printed as Markdown and
written to ``out/bench/bench_scaling.json``.

Usage::

    python benchmarks/bench_scaling.py [--repeats N] [--quarters Q] [--quick]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from machine import machine  # noqa: E402

from gpfed import GPFedModel  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT_FILE = REPO / "out" / "bench" / "bench_scaling.json"
SIZES = (500, 1_000, 2_000, 4_000, 8_000, 16_000)
QUICK_SIZES = (250, 500, 1_000)
UK_SCALE = 20_000
TARGET_EXPONENT = 1.1
# England 2013: 8,053 practices, 211 CCGs, 27 area teams, ~160 acute trusts.
PRACTICES_PER_COMMISSIONER = 8_053 / 211
PRACTICES_PER_AREA_TEAM = 8_053 / 27
PRACTICES_PER_TRUST = 8_053 / 160


def world(n_practices: int) -> dict[str, int]:
    """Structural values of a world of ``n_practices`` in England's proportions."""
    return {
        "n_practices": n_practices,
        "n_commissioners": max(1, round(n_practices / PRACTICES_PER_COMMISSIONER)),
        "n_area_teams": max(1, round(n_practices / PRACTICES_PER_AREA_TEAM)),
        "n_trusts": max(1, round(n_practices / PRACTICES_PER_TRUST)),
    }


def time_size(n_practices: int, quarters: int, seeds: list[int]) -> dict[str, float]:
    """Median construction and run seconds of one size."""
    built_s, run_s = [], []
    for seed in seeds:
        started = time.perf_counter()
        model = GPFedModel(rng=seed, agent_table_every=0, **world(n_practices))
        built = time.perf_counter()
        model.run(quarters)
        built_s.append(built - started)
        run_s.append(time.perf_counter() - built)
        del model
    return {
        "practices": n_practices,
        "construction_s": statistics.median(built_s),
        "run_s": statistics.median(run_s),
    }


def exponent(rows: list[dict[str, float]], column: str) -> float:
    """Least-squares slope of log(column) on log(practices)."""
    x = np.log([row["practices"] for row in rows])
    y = np.log([row[column] for row in rows])
    return float(np.polyfit(x, y, 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quarters", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="three small sizes, no UK row")
    args = parser.parse_args()
    seeds = list(range(1, args.repeats + 1))
    GPFedModel(rng=0, n_practices=40).run(2)  # warm-up: imports and first calls
    sizes = QUICK_SIZES if args.quick else SIZES
    rows = [time_size(n, args.quarters, seeds) for n in sizes]
    print(f"| practices | construction s | run s ({args.quarters} q) | run s per practice-step |")
    print("|---:|---:|---:|---:|")
    for row in rows:
        per = row["run_s"] / (row["practices"] * args.quarters)
        print(
            f"| {row['practices']:,} | {row['construction_s']:.3f} | {row['run_s']:.3f} "
            f"| {per * 1e6:.1f} us |"
        )
    uk = None if args.quick else time_size(UK_SCALE, 4, [1])
    if uk is not None:
        print(
            f"| {UK_SCALE:,} (UK scale, 4 q) | {uk['construction_s']:.3f} | {uk['run_s']:.3f} | |"
        )
    targets = []
    for column, label in (("run_s", "run"), ("construction_s", "construction")):
        slope = exponent(rows, column)
        targets.append(
            {
                "figure": f"growth exponent of the {label}, {sizes[0]:,} to {sizes[-1]:,} "
                "practices",
                "measured": f"{slope:.2f}",
                "target": f"<= {TARGET_EXPONENT:g}",
                "result": "PASS" if slope <= TARGET_EXPONENT else "MISS",
                "reference": "1 = linear in practices",
            }
        )
    if uk is not None:
        targets.append(
            {
                "figure": f"{UK_SCALE:,} practices (UK scale) build and run",
                "measured": f"{uk['construction_s']:.1f} s + {uk['run_s']:.1f} s (4 q)",
                "target": "allowed and runs",
                "result": "PASS",
                "reference": "",
            }
        )
    print()
    for target in targets:
        print(f"- {target['figure']}: {target['measured']} ({target['target']}) {target['result']}")
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(
        json.dumps(
            {
                "machine": machine(),
                "options": vars(args),
                "rows": rows,
                "uk_scale": uk,
                "targets": targets,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written: {OUT_FILE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
