"""The service catalogue: what an integrated contract buys, line by line, and what it pays twice.

Dixon (King's Fund, 2011): a commissioner buying a year of diabetes care (feet and eyes checked,
blood sugar, cholesterol and blood pressure monitored, self-management support, specialist care)
cannot tell which of those elements GP practices already provide and are paid for under their
national contract, because core GP services are undefined: it may pay twice. This module measures
that overlap from a catalogue of service lines instead of assuming a flat share of the budget.

Each line belongs to a bundle (``diabetes``: per diagnosed diabetic patient a year;
``population``: per registered patient a year), has a unit cost and an annual volume per head, and
names what may already pay the practice for it (GMS, QOF, an enhanced service) or ``none`` when only
the contract pays (specialist input, community nursing, ...). Each practice delivers each such line
with a probability that rises with its quality (:func:`delivered_lines`).

Rule for core lines (:func:`core_lines`): ``core_definition`` is the share of a bundle's
overlapping lines that national policy defines as core GP work, taken by value (highest
£ per head a year first, ties in catalogue order) and rounded down. A core line is netted out of
the contract price, so the commissioner buys it once, under GMS. Paid twice is the contract's
spend on lines a practice already delivers that are not core
(:func:`paid_twice_gbp_per_head_per_year`).

All amounts are £ at 2013/14 prices.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

BUNDLES = ("diabetes", "population")
"""Bundles, matching the kinds of integrated lots: a diabetes pathway and a whole population."""

FUNDERS = ("gms", "qof", "enhanced", "none")
"""What may already pay a practice for a line; ``none``: only the contract pays."""

ONLY_CONTRACT_PAYS = "none"

AVERAGE_QUALITY = 0.5
"""Practice quality (0-1) at which a line is delivered with probability ``delivery_base``."""

CATALOGUE_FILE = "service_catalogue.json"

LINE_FIELDS = (
    "name",
    "bundle",
    "gbp_per_unit",
    "units_per_head_per_year",
    "funded_by",
    "delivery_base",
    "source",
)

_FLOOR_TOLERANCE = 1e-9
"""Guards the round-down of share x lines against binary fractions (0.29 x 100 = 28.999...)."""


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Service lines, one array entry per line; validated on construction.

    Attributes:
        bundle: the bundle each line belongs to (one of :data:`BUNDLES`).
        name: the line's name.
        gbp_per_unit: unit cost, £ (2013/14 prices).
        units_per_head_per_year: annual volume per head of the bundle's population (diabetic
            patients for ``diabetes``, registered patients for ``population``).
        funded_by: what may already pay the practice for it (one of :data:`FUNDERS`).
        delivery_base: share (0-1) of practices of average quality that deliver the line; not
            used for lines only the contract pays for.
        source: citation of the figures (empty when constructed without one).
    """

    bundle: np.ndarray
    name: np.ndarray
    gbp_per_unit: np.ndarray
    units_per_head_per_year: np.ndarray
    funded_by: np.ndarray
    delivery_base: np.ndarray
    source: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))

    def __post_init__(self) -> None:
        n_lines = len(np.atleast_1d(self.name))
        if len(self.source) == 0:
            object.__setattr__(self, "source", np.full(n_lines, "", dtype=object))
        for text in ("bundle", "name", "funded_by", "source"):
            object.__setattr__(self, text, np.asarray(getattr(self, text), dtype=object))
        for number in ("gbp_per_unit", "units_per_head_per_year", "delivery_base"):
            object.__setattr__(self, number, np.asarray(getattr(self, number), dtype=float))
        lengths = {f: len(getattr(self, f)) for f in LINE_FIELDS}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"catalogue fields differ in length: {lengths}")
        for line in range(n_lines):
            _check_line(self, line)

    @property
    def n_lines(self) -> int:
        """Number of service lines."""
        return len(self.name)

    @property
    def gbp_per_head_per_year(self) -> np.ndarray:
        """Each line's value: unit cost times volume, £ per head of its bundle a year."""
        return self.gbp_per_unit * self.units_per_head_per_year

    @property
    def overlapping(self) -> np.ndarray:
        """Lines a practice may already be paid for (GMS, QOF or an enhanced service)."""
        return self.funded_by != ONLY_CONTRACT_PAYS

    def lines(self, bundle: str) -> np.ndarray:
        """Indices of the bundle's lines, in catalogue order.

        Args:
            bundle: one of :data:`BUNDLES`.

        Raises:
            ValueError: for an unknown bundle.
        """
        _check_bundle(bundle)
        return np.flatnonzero(self.bundle == bundle)


def _check_bundle(bundle: str) -> None:
    if bundle not in BUNDLES:
        raise ValueError(f"no bundle {bundle!r}; valid: {', '.join(BUNDLES)}")


def _check_line(catalogue: Catalogue, line: int) -> None:
    """Raise a one-line ValueError naming the line and field of the first bad value."""
    where = f"service line {line} ({catalogue.name[line]!r})"
    if catalogue.bundle[line] not in BUNDLES:
        raise ValueError(
            f"{where}: bundle = {catalogue.bundle[line]!r}; allowed {', '.join(BUNDLES)}"
        )
    if catalogue.funded_by[line] not in FUNDERS:
        raise ValueError(
            f"{where}: funded_by = {catalogue.funded_by[line]!r}; allowed {', '.join(FUNDERS)}"
        )
    for number in ("gbp_per_unit", "units_per_head_per_year"):
        value = getattr(catalogue, number)[line]
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{where}: {number} = {value}; must be a finite number >= 0")
    base = catalogue.delivery_base[line]
    if not (0.0 <= base <= 1.0):
        raise ValueError(f"{where}: delivery_base = {base}; allowed 0 to 1")


@functools.cache
def packaged_catalogue() -> Catalogue:
    """The catalogue shipped with gpfed (read once): the lines practices' deliveries refer to."""
    return load_catalogue()


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read a service catalogue from JSON (by default the one shipped with gpfed).

    The file holds ``{"lines": [{name, bundle, gbp_per_unit, units_per_head_per_year,
    funded_by, delivery_base, source}, ...]}``; other top-level keys are notes.

    Args:
        path: a catalogue file; None reads ``gpfed/data/service_catalogue.json``.

    Returns:
        The validated catalogue, lines in file order.

    Raises:
        ValueError: one line naming the service line and field, for a missing field, an empty
            source, a negative or non-numeric figure, a ``delivery_base`` outside 0-1, or an
            unknown bundle or funder.
    """
    if path is None:
        text = resources.files("gpfed").joinpath("data", CATALOGUE_FILE).read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    rows = json.loads(text)["lines"]
    for line, row in enumerate(rows):
        where = f"service line {line} ({row.get('name', '?')!r})"
        for name in LINE_FIELDS:
            if name not in row:
                raise ValueError(f"{where}: missing field {name!r}")
        if not str(row["source"]).strip():
            raise ValueError(f"{where}: source is empty; cite the figures or mark them [P]")
        for number in ("gbp_per_unit", "units_per_head_per_year", "delivery_base"):
            if isinstance(row[number], bool) or not isinstance(row[number], int | float):
                raise ValueError(f"{where}: {number} = {row[number]!r}; must be a number")
    return Catalogue(**{name: [row[name] for row in rows] for name in LINE_FIELDS})


def delivered_lines(
    quality: np.ndarray,
    catalogue: Catalogue,
    rng: np.random.Generator,
    quality_slope: float,
) -> np.ndarray:
    """Whether each practice already delivers, and is paid for, each overlapping line.

    The probability for a practice and line is
    ``clip(delivery_base + quality_slope * (quality - 0.5), 0, 1)``. One uniform draw is taken per
    (practice, line) for every line in catalogue order, including lines only the contract pays
    for, so a practice's draws do not depend on which bundle is asked about.

    Args:
        quality: each practice's quality, 0-1 (0.5 is average).
        catalogue: the service lines.
        rng: the random stream for this decision.
        quality_slope: change in delivery probability per unit of quality.

    Returns:
        Bool array (practices, lines); False for lines only the contract pays for.
    """
    quality = np.asarray(quality, dtype=float)
    probability = np.clip(
        catalogue.delivery_base[np.newaxis, :]
        + quality_slope * (quality[:, np.newaxis] - AVERAGE_QUALITY),
        0.0,
        1.0,
    )
    draws = rng.random((len(quality), catalogue.n_lines))
    return (draws < probability) & catalogue.overlapping[np.newaxis, :]


def core_lines(catalogue: Catalogue, core_definition: float) -> np.ndarray:
    """Lines defined as core GP work, netted out of integrated contracts.

    Per bundle, the ``floor(core_definition x overlapping lines)`` overlapping lines of highest
    value (£ per head a year; ties in catalogue order) are core: 1 defines every overlapping line,
    0 none.

    Args:
        catalogue: the service lines.
        core_definition: share (0-1) of each bundle's overlapping lines defined as core.

    Returns:
        Bool mask over lines.

    Raises:
        ValueError: for a share outside 0-1.
    """
    if not (0.0 <= core_definition <= 1.0):
        raise ValueError(f"core_definition = {core_definition}; allowed 0 to 1")
    core = np.zeros(catalogue.n_lines, dtype=bool)
    value = catalogue.gbp_per_head_per_year
    for bundle in BUNDLES:
        overlapping = catalogue.lines(bundle)
        overlapping = overlapping[catalogue.overlapping[overlapping]]
        n_core = math.floor(core_definition * len(overlapping) + _FLOOR_TOLERANCE)
        # A stable sort on minus the value keeps catalogue order among equal values.
        by_value = overlapping[np.argsort(-value[overlapping], kind="stable")]
        core[by_value[:n_core]] = True
    return core


def paid_twice_gbp_per_head_per_year(
    delivered: np.ndarray, catalogue: Catalogue, bundle: str, core: np.ndarray
) -> np.ndarray:
    """Contract spend on the bundle's lines each practice is already paid for, £ per head a year.

    Counts lines the practice delivers that are not core: a core line is netted out of the
    contract price, so the commissioner does not buy it again.

    Args:
        delivered: bool (practices, lines) from :func:`delivered_lines`.
        catalogue: the service lines.
        bundle: the contract's bundle.
        core: bool mask of core lines from :func:`core_lines`.

    Returns:
        Per practice, £ per head of the bundle's population a year.

    Raises:
        ValueError: if ``delivered`` does not have one column per line.
    """
    delivered = np.asarray(delivered, dtype=bool)
    if delivered.ndim != 2 or delivered.shape[1] != catalogue.n_lines:
        raise ValueError(
            f"delivered has shape {delivered.shape}; expected (practices, {catalogue.n_lines})"
        )
    bought_again = np.zeros(catalogue.n_lines, dtype=bool)
    bought_again[catalogue.lines(bundle)] = True
    bought_again &= catalogue.overlapping & ~np.asarray(core, dtype=bool)
    value = np.where(bought_again, catalogue.gbp_per_head_per_year, 0.0)
    return delivered @ value


def contract_bundle_gbp_per_head_per_year(
    catalogue: Catalogue, bundle: str, core: np.ndarray
) -> float:
    """What a contract for the bundle pays for its catalogue lines, £ per head a year.

    Every line of the bundle except those defined as core.

    Args:
        catalogue: the service lines.
        bundle: the contract's bundle.
        core: bool mask of core lines from :func:`core_lines`.
    """
    bought = catalogue.lines(bundle)
    bought = bought[~np.asarray(core, dtype=bool)[bought]]
    return float(catalogue.gbp_per_head_per_year[bought].sum())
