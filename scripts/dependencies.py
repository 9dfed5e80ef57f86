"""Print the project's dependencies (and its dev extra) one per line, leaving out some packages.

Used by ``make test-mesa4`` to install everything but the pinned Mesa into a second
environment. Usage: ``python scripts/dependencies.py [--without NAME ...]``.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def main(argv: list[str]) -> int:
    without = (
        {name.lower() for name in argv[argv.index("--without") + 1 :]}
        if "--without" in argv
        else set()
    )
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()
        if name not in without:
            print(requirement)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
