"""Performance benchmark: gpfed at England scale against Mesa's Boltzmann wealth model.

What it measures (all in one process, on one core, with ``time.perf_counter``):

1. **gpfed, England preset** (8,053 practices, 160 trusts, 211 commissioners), on the calibrated
   behaviour as ``gpfed run`` uses it (the point estimate, ``gpfed.scenarios.fitted_values``;
   every gpfed row below too). Each repeat builds ``GPFedModel(rng=seed, preset="england",
   **fitted)`` (the *init* time: world generation, calibration, agents, first data collection)
   and then times ``model.run(40)`` (40 quarters, ten years) on its own, with the per-agent
   tables as `gpfed run` collects them (yearly at England scale), and again with tables every
   quarter (``agent_table_every=1``).
2. **The same with ``agent_table_every=0``**: no per-agent tables at all, only the model series.
   The gap between the two rows is what Mesa's ``DataCollector`` agent tables cost.
3. **Federations and tenders against the core alone**: the preset run with integrated-care
   tenders on (``gp_contract_regime="mandatory"``, federations forming as by default) against
   the core model alone (no federation choices, ``federation_reconsider_share=0``, and no
   tenders, ``gp_contract_regime="gms"``), both with those agent tables.
4. **Reference**: Mesa's bundled ``BoltzmannWealth`` example, 1,000 agents on a 40 x 25 grid
   (one agent per cell, the density of Mesa's own benchmark configurations), 100 steps, stepped
   exactly as the example defines ``step`` (including its own data collection).

Each measurement is repeated ``--repeats`` times (seeds 1, 2, ...; the two gpfed rows use the same
seeds, so they simulate the same worlds) and the median is reported. An untimed warm-up run first
loads everything that is imported lazily.

How to read it:

- *practice-steps/s* = starting practices x 40 / median run seconds (8,053 x 40 at England
  scale). Practices that exit mid-run still count, so this is a per-quarter throughput of the
  whole economy, not of the agents left at the end.
- *agent-steps/s* (Boltzmann) = 1,000 x 100 / median run seconds: how fast plain Mesa moves
  simple agents on this machine. Dividing gpfed's practice-steps/s by it gives a
  machine-independent ratio: above 1, gpfed steps a practice faster than Mesa steps one
  Boltzmann agent.
- Targets (issue 18, checked on the `gpfed run` row): ``gpfed run --preset england --steps 40``
  as a whole process, writing its tables and plot, in <= 3 s (median of 5, against
  ``python -c "import mesa"`` measured in turn) with a peak resident memory <= 500 MB;
  construction plus 40 quarters in process <= 1.5 s; practice-steps/s at least Boltzmann's
  agent-steps/s (ratio >= 1); with federations and tenders on, the run takes <= 1.5x the core
  alone. PASS/MISS is informational; the exit code is 0 unless something crashes.

Results are printed as Markdown and written to ``out/bench/bench_model.json`` with the Python,
platform, numpy and Mesa versions and the date. ``--quick`` uses the region preset (200
practices) as a smoke check; the targets are then not judged.

Usage::

    python benchmarks/bench_model.py [--repeats N] [--quick]
"""

from __future__ import annotations

import os

# One core: keep any BLAS/OpenMP thread pools single-threaded (set before numpy is imported).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from machine import machine  # noqa: E402  (benchmarks/ is the script folder)
from mesa.examples.basic.boltzmann_wealth_model.model import (  # noqa: E402
    BoltzmannScenario,
    BoltzmannWealth,
)

from gpfed import GPFedModel  # noqa: E402
from gpfed.cli import RUN_AGENT_TABLE_EVERY  # noqa: E402
from gpfed.scenarios import fitted_values  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT_FILE = REPO / "out" / "bench" / "bench_model.json"

GPFED_QUARTERS = 40
BOLTZMANN_AGENTS = 1_000
BOLTZMANN_WIDTH, BOLTZMANN_HEIGHT = 40, 25
BOLTZMANN_STEPS = 100

TARGET_PROCESS_S = 3.0
TARGET_IN_PROCESS_S = 1.5
TARGET_RATIO = 1.0
TARGET_INTEGRATED_OVER_CORE = 1.5
TARGET_PEAK_RSS_MB = 500
PROCESS_REPEATS = 5
GPFED = str(Path(sys.executable).with_name("gpfed"))
MESA_IMPORT = [sys.executable, "-c", "import mesa"]
CORE_ONLY = {"federation_reconsider_share": 0.0, "gp_contract_regime": "gms"}
INTEGRATED = {"gp_contract_regime": "mandatory"}


@dataclass
class Timing:
    """Timings of one benchmarked configuration over all repeats."""

    label: str
    agents: int
    steps: int
    init_s: list[float] = field(default_factory=list)
    run_s: list[float] = field(default_factory=list)

    @property
    def median_init_s(self) -> float:
        return statistics.median(self.init_s)

    @property
    def median_run_s(self) -> float:
        return statistics.median(self.run_s)

    @property
    def agent_steps_per_s(self) -> float:
        return self.agents * self.steps / self.median_run_s

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "median_init_s": self.median_init_s,
            "median_run_s": self.median_run_s,
            "agent_steps_per_s": self.agent_steps_per_s,
        }


def time_gpfed(label: str, preset: str, seeds: list[int], **levers: Any) -> Timing:
    """Time construction and ``run(40)`` of GPFedModel, separately, once per seed.

    On the calibrated behaviour, as ``gpfed run`` builds it; ``levers`` are set over it.
    """
    timing: Timing | None = None
    values = {**fitted_values(), **levers}
    for seed in seeds:
        start = time.perf_counter()
        model = GPFedModel(rng=seed, preset=preset, **values)
        built = time.perf_counter()
        model.run(GPFED_QUARTERS)
        done = time.perf_counter()
        if timing is None:
            timing = Timing(label, model.world.n_practices, GPFED_QUARTERS)
        timing.init_s.append(built - start)
        timing.run_s.append(done - built)
        del model
    assert timing is not None
    return timing


def time_boltzmann(seeds: list[int]) -> Timing:
    """Time construction and 100 steps of Mesa's BoltzmannWealth, once per seed."""
    timing = Timing(
        f"Mesa BoltzmannWealth, {BOLTZMANN_AGENTS:,} agents "
        f"({BOLTZMANN_WIDTH}x{BOLTZMANN_HEIGHT}), {BOLTZMANN_STEPS} steps",
        BOLTZMANN_AGENTS,
        BOLTZMANN_STEPS,
    )
    for seed in seeds:
        start = time.perf_counter()
        model = BoltzmannWealth(
            BoltzmannScenario(
                n=BOLTZMANN_AGENTS, width=BOLTZMANN_WIDTH, height=BOLTZMANN_HEIGHT, rng=seed
            )
        )
        built = time.perf_counter()
        for _ in range(BOLTZMANN_STEPS):
            model.step()
        done = time.perf_counter()
        timing.init_s.append(built - start)
        timing.run_s.append(done - built)
        del model
    return timing


RSS_SAMPLE_S = 0.01


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants now, kB (0 once it has gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    rss = next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0
    )
    return rss + sum(tree_rss_kb(int(c)) for c in children)


@dataclass
class Process:
    """Wall seconds and peak resident memory of a command run as a whole process, per repeat."""

    label: str
    wall_s: list[float] = field(default_factory=list)
    peak_rss_mb: list[float] = field(default_factory=list)

    def add(self, command: list[str]) -> None:
        """Run ``command`` once (output discarded) and record its wall time and peak memory.

        Memory is the resident set of the process and its children together (``gpfed run``
        draws its panel in a child), sampled every 10 ms from /proc: the kernel's own peak
        (``ru_maxrss``) of a process started from this one counts this one's memory too.
        """
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak_kb = 0
        while child.poll() is None:
            peak_kb = max(peak_kb, tree_rss_kb(child.pid))
            time.sleep(RSS_SAMPLE_S)
        self.wall_s.append(time.perf_counter() - started)
        if child.returncode:
            raise RuntimeError(f"{' '.join(command)} failed: {child.stderr.read().decode()}")
        child.stderr.close()
        self.peak_rss_mb.append(peak_kb / 1024)

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "median_wall_s": statistics.median(self.wall_s),
            "max_peak_rss_mb": max(self.peak_rss_mb),
        }


def time_processes(out: Path) -> tuple[Process, Process]:
    """``gpfed run`` on England, 40 quarters, tables and plot written, against ``import mesa``.

    In turn, so a drift in the machine's speed reaches both alike; one untimed warm-up each.
    """
    command = [GPFED, "run", "--preset", "england", "--steps", str(GPFED_QUARTERS)]
    command += ["--seed", "1", "--out", str(out), "--quiet"]
    run, mesa_import = Process("gpfed run --preset england --steps 40"), Process("import mesa")
    Process("warm-up").add(command)
    Process("warm-up").add(MESA_IMPORT)
    for _ in range(PROCESS_REPEATS):
        run.add(command)
        mesa_import.add(MESA_IMPORT)
    return run, mesa_import


def warm_up() -> None:
    """Run both models briefly, untimed, so lazy imports and first-call costs are paid."""
    GPFedModel(rng=0, preset="region", n_practices=40).run(2)
    model = BoltzmannWealth(BoltzmannScenario(n=50, width=10, height=10, rng=0))
    for _ in range(2):
        model.step()


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


def target(figure: str, measured: str, goal: str, ok: bool, reference: str) -> dict[str, str]:
    """One target as ``benchmarks/report.py`` reads it."""
    return {
        "figure": figure,
        "measured": measured,
        "target": goal,
        "result": verdict(ok),
        "reference": reference,
    }


def render(
    gpfed_rows: list[Timing], boltzmann: Timing, targets: list[dict[str, Any]], repeats: int
) -> str:
    """The results as Markdown: one table of timings, one of targets."""
    ref = boltzmann.agent_steps_per_s
    lines = [
        f"## gpfed benchmark (median of {repeats} repeat{'s' if repeats != 1 else ''})",
        "",
        "| Run | median init (s) | median run (s) | runs (s) | steps/s | ratio to Boltzmann |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for row in [*gpfed_rows, boltzmann]:
        unit = "agent-steps/s" if row is boltzmann else "practice-steps/s"
        runs = ", ".join(f"{s:.2f}" for s in row.run_s)
        lines.append(
            f"| {row.label} | {row.median_init_s:.3f} | {row.median_run_s:.3f} | {runs} "
            f"| {row.agent_steps_per_s:,.0f} {unit} | {row.agent_steps_per_s / ref:.2f} |"
        )
    lines += [
        "",
        "| Target | Measured | Result |",
        "|---|---:|---|",
    ]
    for target in targets:
        lines.append(
            f"| {target['figure']} ({target['target']}) | {target['measured']} "
            f"| {target['result']} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description="Benchmark gpfed (England, 40 quarters) against Mesa's Boltzmann model."
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs per configuration (default 3)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="region preset (200 practices) instead of England: a smoke check",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the tables and write the JSON; return the exit code."""
    args = parse_args(argv)
    preset = "region" if args.quick else "england"
    seeds = list(range(1, args.repeats + 1))

    warm_up()
    every = RUN_AGENT_TABLE_EVERY[preset]
    default_row = time_gpfed(
        f"gpfed {preset}, agent tables every {every} q (as gpfed run)",
        preset,
        seeds,
        agent_table_every=every,
    )
    quarterly_row = time_gpfed(
        f"gpfed {preset}, agent_table_every=1", preset, seeds, agent_table_every=1
    )
    bare_row = time_gpfed(
        f"gpfed {preset}, agent_table_every=0", preset, seeds, agent_table_every=0
    )
    core_row = time_gpfed(
        f"gpfed {preset}, core only (no federations, no tenders)",
        preset,
        seeds,
        agent_table_every=every,
        **CORE_ONLY,
    )
    integrated_row = time_gpfed(
        f"gpfed {preset}, federations and tenders on (mandatory regime)",
        preset,
        seeds,
        agent_table_every=every,
        **INTEGRATED,
    )
    core_bare_row = time_gpfed(
        f"gpfed {preset}, core only, agent_table_every=0",
        preset,
        seeds,
        agent_table_every=0,
        **CORE_ONLY,
    )
    integrated_bare_row = time_gpfed(
        f"gpfed {preset}, federations and tenders on, agent_table_every=0",
        preset,
        seeds,
        agent_table_every=0,
        **INTEGRATED,
    )
    boltzmann = time_boltzmann(seeds)

    ratio = default_row.agent_steps_per_s / boltzmann.agent_steps_per_s
    in_process = statistics.median(
        built + ran for built, ran in zip(default_row.init_s, default_row.run_s, strict=True)
    )
    boltzmann_ref = f"BoltzmannWealth {boltzmann.agent_steps_per_s:,.0f} agent-steps/s"
    targets: list[dict[str, Any]] = []
    process = mesa_import = None
    if not args.quick:
        with tempfile.TemporaryDirectory() as out:
            process, mesa_import = time_processes(Path(out))
        wall, floor = statistics.median(process.wall_s), statistics.median(mesa_import.wall_s)
        peak = max(process.peak_rss_mb)
        targets += [
            target(
                f"`{process.label}` as a whole process, tables and plot written "
                f"(median of {PROCESS_REPEATS})",
                f"{wall:.2f} s",
                f"<= {TARGET_PROCESS_S:g} s",
                wall <= TARGET_PROCESS_S,
                f"`python -c 'import mesa'` {floor:.2f} s ({wall / floor:.1f}x)",
            ),
            target(
                "its peak resident memory (with its plotting child)",
                f"{peak:.0f} MB",
                f"<= {TARGET_PEAK_RSS_MB} MB",
                peak <= TARGET_PEAK_RSS_MB,
                f"import mesa {max(mesa_import.peak_rss_mb):.0f} MB",
            ),
        ]
    over_core = integrated_row.median_run_s / core_row.median_run_s
    bare_over_core = integrated_bare_row.median_run_s / core_bare_row.median_run_s
    targets += [
        target(
            f"England construction + {GPFED_QUARTERS} quarters in process (as gpfed run)",
            f"{in_process:.2f} s",
            f"<= {TARGET_IN_PROCESS_S:g} s",
            in_process <= TARGET_IN_PROCESS_S,
            boltzmann_ref,
        ),
        target(
            "practice-steps/s over Boltzmann agent-steps/s",
            f"{ratio:.2f}",
            f">= {TARGET_RATIO:g}",
            ratio >= TARGET_RATIO,
            boltzmann_ref,
        ),
        target(
            "federations and tenders on / core only (run)",
            f"{over_core:.2f}",
            f"<= {TARGET_INTEGRATED_OVER_CORE:g}",
            over_core <= TARGET_INTEGRATED_OVER_CORE,
            f"core only {core_row.median_run_s:.2f} s",
        ),
        target(
            "the same without agent tables (simulation only)",
            f"{bare_over_core:.2f}",
            f"<= {TARGET_INTEGRATED_OVER_CORE:g}",
            bare_over_core <= TARGET_INTEGRATED_OVER_CORE,
            f"core only {core_bare_row.median_run_s:.2f} s",
        ),
    ]
    if args.quick:  # the targets are set for England; a region run only smoke-checks the script
        for row in targets:
            row["measured"] += " (region preset)"
            row["result"] = "n/a (--quick)"

    rows = [
        default_row,
        quarterly_row,
        bare_row,
        core_row,
        integrated_row,
        core_bare_row,
        integrated_bare_row,
    ]
    print(render(rows, boltzmann, targets, args.repeats))
    tables_cost = default_row.median_run_s - bare_row.median_run_s
    print(
        f"\nAgent tables (as gpfed run collects them) cost {tables_cost:.2f} s of the "
        f"{default_row.median_run_s:.2f} s run "
        f"({default_row.median_run_s / bare_row.median_run_s:.1f}x the run without them)."
    )

    result = {
        "machine": machine(),
        "options": {"repeats": args.repeats, "quick": args.quick, "preset": preset},
        "seeds": seeds,
        "gpfed": default_row.to_dict(),
        "gpfed_quarterly_agent_tables": quarterly_row.to_dict(),
        "gpfed_no_agent_tables": bare_row.to_dict(),
        "gpfed_core_only": core_row.to_dict(),
        "gpfed_federations_and_tenders": integrated_row.to_dict(),
        "ratio_integrated_over_core_run": over_core,
        "gpfed_core_only_no_agent_tables": core_bare_row.to_dict(),
        "gpfed_federations_and_tenders_no_agent_tables": integrated_bare_row.to_dict(),
        "ratio_integrated_over_core_run_no_agent_tables": bare_over_core,
        "boltzmann": boltzmann.to_dict(),
        "ratio_practice_to_boltzmann_agent_steps": ratio,
        "ratio_no_agent_tables": bare_row.agent_steps_per_s / boltzmann.agent_steps_per_s,
        "gpfed_run_process": process.to_dict() if process else None,
        "mesa_import_process": mesa_import.to_dict() if mesa_import else None,
        "targets": targets,
    }
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nWrote {OUT_FILE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
