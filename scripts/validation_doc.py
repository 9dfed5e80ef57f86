"""Keep docs/VALIDATION.md true to the stored calibration and the latest validation run.

Usage:
    ``python scripts/validation_doc.py`` rewrites the targets and priors sections from the code
    and the calibration section from the fit stored in the package
    (``gpfed/data/england_2013_calibration.json``);
    ``--validation DIR`` also puts DIR/validation.md (from ``gpfed validate --out DIR``) in the
    validation section and copies DIR/validation.png to docs/img/validation.png;
    ``--check`` only reports whether those sections are current (exit 1 if not), as the test
    suite does.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from doc_markers import splice

from gpfed.calibration.fit import PRIORS, load_fitted
from gpfed.calibration.targets import BY_NAME, TARGETS
from gpfed.parameters import SPEC

DOCS = Path(__file__).resolve().parents[1] / "docs"
DOC = DOCS / "VALIDATION.md"
SECTIONS = ("targets", "priors", "calibration", "validation")


def _number(value: float) -> str:
    if value == int(value) and abs(value) >= 1:
        return f"{value:,.0f}"
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def calibration_markdown(document: dict) -> str:
    """The calibration section: settings, generations, posterior and point estimate, fit."""
    settings, stamp = document["settings"], document["provenance"]
    generations = document["generations"]
    runs = sum(g["runs"] for g in generations)
    lines = [
        f"Fitted on {stamp['date']} (gpfed {stamp['gpfed_version']}, revision "
        f"`{stamp['git_revision']}`, pyabc {stamp['pyabc_version']}, Mesa "
        f"{stamp['mesa_version']}) by `gpfed calibrate --install` with seed {settings['seed']}: "
        f"{settings['population_size']} particles a generation, at most "
        f"{settings['generations']} generations or {settings['max_simulations']:,} runs, "
        f"stopping at a threshold of {settings['min_epsilon']:g} tolerances; "
        f"{settings['n_practices']:,} practices a run. {len(generations)} generations, "
        f"{runs:,} runs. The {settings['candidates']} closest particles were rerun over "
        f"{settings['select_replications']} replicates for the point estimate; "
        f"{settings['confirm_replications']} fresh replicates measure its fit.",
        "",
        "| Generation | Threshold (tolerances) | Runs | Accepted | Acceptance rate |",
        "|---:|---:|---:|---:|---:|",
    ]
    for g in generations:
        lines.append(
            f"| {g['generation']} | {g['epsilon']:.3g} | {g['runs']:,} | {g['accepted']} | "
            f"{g['acceptance_rate']:.1%} |"
        )
    lines += [
        "",
        "| Parameter | Default | Prior range | Posterior median (5th-95th pct) | Point estimate |",
        "|---|---:|---:|---:|---:|",
    ]
    for prior in PRIORS:
        spread = document["posterior"][prior.name]
        default = SPEC[prior.name].default
        lines.append(
            f"| `{prior.name}` | {_number(default)} | {_number(prior.low)} to "
            f"{_number(prior.high)} | {_number(spread['median'])} ({_number(spread['p05'])} "
            f"to {_number(spread['p95'])}) | {_number(document['values'][prior.name])} |"
        )
    lines += [
        "",
        "Fit at the point estimate (mean of the confirmation runs, counts in England terms):",
        "",
        "| Target | Period | Role | Observed | Simulated | Error in tolerances | Within |",
        "|---|---|---|---:|---:|---:|:-:|",
    ]
    for row in document["fit"]:
        if row["target"] == "distance":
            continue
        target = BY_NAME[row["target"]]
        lines.append(
            f"| {target.label} | {target.period} | {target.role} | {_number(row['observed'])} | "
            f"{_number(row['simulated_mean'])} | {row['error_in_tolerances']:+.2f} | "
            f"{'yes' if row['within_tolerance'] else '**no**'} |"
        )
    overall = next(row for row in document["fit"] if row["target"] == "distance")
    lines += ["", f"Largest error on a fitted target: {overall['simulated_mean']:.2f} tolerances."]
    return "\n".join(lines) + "\n"


def targets_markdown() -> str:
    """Every target: what, when, role, observed, tolerance and source (from the code)."""
    lines = [
        "| Target | Period | Role | Observed | Tolerance | Source |",
        "|---|---|---|---:|---|---|",
    ]
    for target in TARGETS:
        note = f" ({target.note})" if target.note else ""
        lines.append(
            f"| {target.label} | {target.period} | {target.role}{note} | "
            f"{_number(target.observed)} | {target.tolerance_text} | {target.source} |"
        )
    return "\n".join(lines) + "\n"


def priors_markdown() -> str:
    """Every fitted parameter with its prior range and the reasoning behind it."""
    lines = ["| Parameter | Prior | Why |", "|---|---|---|"]
    for prior in PRIORS:
        lines.append(
            f"| `{prior.name}` | uniform {_number(prior.low)} to {_number(prior.high)} | "
            f"{prior.why} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the doc is stale")
    parser.add_argument("--validation", type=Path, help="a `gpfed validate --out` folder")
    args = parser.parse_args()
    text = DOC.read_text()
    updated = splice(text, "calibration", calibration_markdown(load_fitted()), DOC)
    updated = splice(updated, "targets", targets_markdown(), DOC)
    updated = splice(updated, "priors", priors_markdown(), DOC)
    if args.check:
        if updated != text:
            print(f"{DOC} is stale: run python scripts/validation_doc.py")
            return 1
        return 0
    if args.validation:
        updated = splice(
            updated, "validation", (args.validation / "validation.md").read_text(), DOC
        )
        shutil.copyfile(args.validation / "validation.png", DOCS / "img" / "validation.png")
    DOC.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
