"""Regenerate the parameter table of docs/ODD.md (section 7.18) from the parameter spec.

Usage: ``python scripts/odd_parameter_table.py`` rewrites the table in place;
``--check`` only reports whether it is current (exit 1 if not), as the test suite does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gpfed.parameters import describe

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
HEADER = "| name | default | unit | allowed | source |"


def table() -> list[str]:
    """The Markdown rows of the table, header included."""
    rows = [HEADER, "|---|---|---|---|---|"]
    for r in describe():
        rows.append(
            f"| `{r['name']}` | {r['default']} | {r['unit']} | {r['allowed']} | {r['source']} |"
        )
    return rows


def rewrite(text: str) -> str:
    """``text`` (ODD.md) with the parameter table replaced by the current one."""
    lines = text.split("\n")
    start = lines.index(HEADER)
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join([*lines[:start], *table(), *lines[end:]])


def main(argv: list[str]) -> int:
    """Rewrite the table, or with ``--check`` report whether it is current."""
    text = ODD.read_text()
    updated = rewrite(text)
    if "--check" in argv:
        if updated != text:
            print("docs/ODD.md parameter table is stale: run scripts/odd_parameter_table.py")
            return 1
        return 0
    ODD.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
