"""Write gpfed/parameters/levers.py: the typed ``Levers`` class, one field per spec entry.

The class is generated from the parameter spec so the model reads levers through real types
(text choices as ``Literal``), each field documented with its unit. Usage:
``python scripts/levers_class.py`` rewrites the file; ``--check`` exits 1 if it is stale, as the
test suite does.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from gpfed.parameters.spec import SPEC

TARGET = Path(__file__).resolve().parents[1] / "gpfed" / "parameters" / "levers.py"

HEAD = '''"""Every parameter's value in force in one quarter, typed: what the model and agents read.

Generated from the parameter spec by ``scripts/levers_class.py``; do not edit by hand (a test
fails when it is stale). :meth:`gpfed.parameters.LeverTimeline.at` builds one per quarter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Levers:
    """The value of every parameter in force this quarter (schedules resolved)."""

'''


def field_type(parameter) -> str:
    """The annotation of one field: a Literal of the choices for text, else the kind."""
    if parameter.choices:
        return "Literal[" + ", ".join(f'"{c}"' for c in parameter.choices) + "]"
    return parameter.kind.__name__


def text() -> str:
    """The module's source."""
    lines = [HEAD.rstrip("\n"), ""]
    for p in SPEC.values():
        unit = f" ({p.unit})" if p.unit else ""
        doc = textwrap.wrap(f"{p.doc}{unit}", width=88)
        lines.append(f"    {p.name}: {field_type(p)}")
        if len(doc) == 1:
            lines.append(f'    """{doc[0]}"""')
        else:
            lines.append(f'    """{doc[0]}')
            lines += [f"    {line}" for line in doc[1:]]
            lines.append('    """')
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Rewrite the module, or with ``--check`` report whether it is current."""
    if "--check" in argv:
        current = TARGET.read_text() == text()
        print("gpfed/parameters/levers.py is " + ("current" if current else "stale"))
        return 0 if current else 1
    TARGET.write_text(text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
