"""Rewrite the stored baselines in tests/baselines/ from fresh fixed-seed runs.

Run it only on purpose, when a change is meant to alter outcomes, and commit the new files on
their own with the reason in the message. Usage::

    python scripts/update_baselines.py [CASE ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.baselines.cases import cases, path, run_case


def main(names: list[str]) -> None:
    chosen = names or list(cases())
    for name in chosen:
        for table, frame in run_case(name).items():
            target = path(name, table)
            target.parent.mkdir(parents=True, exist_ok=True)
            frame.to_parquet(target, index=False)
        print(f"{name}: written")


if __name__ == "__main__":
    main(sys.argv[1:])
