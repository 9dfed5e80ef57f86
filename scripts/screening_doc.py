"""Run the Morris screening of the proposed parameters and write docs/SCREENING.md.

Usage: ``python scripts/screening_doc.py [--out out/screening] [--trajectories 10]`` (resumable:
an interrupted screening continues from its stored runs). About 730 runs of the default region.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from doc_markers import splice

from gpfed.calibration.screening import markdown, screen, screening_spec

DOC = Path(__file__).resolve().parents[1] / "docs" / "SCREENING.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out/screening"))
    parser.add_argument("--trajectories", type=int, default=10)
    args = parser.parse_args()
    spec = screening_spec(trajectories=args.trajectories)
    table = screen(spec, args.out)
    table.to_csv(args.out / "screening.csv", index=False)
    DOC.write_text(splice(DOC.read_text(), "screening", markdown(table, spec), DOC))
    print(f"written: {DOC}, {args.out / 'screening.csv'}")


if __name__ == "__main__":
    main()
