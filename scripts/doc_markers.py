"""Blocks of Markdown regenerated between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``."""

from __future__ import annotations

from pathlib import Path


def splice(text: str, section: str, block: str, where: Path | str = "the document") -> str:
    """``text`` with the lines between the section's start and end markers replaced by ``block``.

    Raises:
        SystemExit: ``text`` (the contents of ``where``) has no such markers.
    """
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    if start not in text or end not in text:
        raise SystemExit(f"{where} has no {start} ... {end} markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{block}{end}{tail}"
