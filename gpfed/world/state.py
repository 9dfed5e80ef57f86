"""Per-practice and per-trust state as numpy arrays, the form every hot path works on.

Agents hold an index into these arrays (DESIGN.md §4); market-wide rules read and write whole
columns at once.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from gpfed.world.arrays import indices_by_key
from gpfed.world.geography import World
from gpfed.world.units import NO_FEDERATION, QUARTERS_PER_YEAR

GP_AGE_BANDS = ("under 45", "45-54", "55-59", "60 and over")
"""Age bands of the GP workforce columns (``partners_by_age``, ``salaried_by_age``)."""


ONE_BY_ONE_MOVES = 4
"""Moves of this many practices or fewer are made one by one (cheaper than the array path)."""


@dataclass
class PracticeState:
    """Columns of practice state; index i is practice i (closed practices keep their row).

    Lists, GPs and flows are per practice; money flows are £ in the last quarter. GPs are
    headcounts by age band (:data:`GP_AGE_BANDS`): ``partners_by_age`` and ``salaried_by_age``
    are the record, ``partners``, ``salaried`` and ``gps`` are read from them; ``gp_posts`` is
    the establishment the practice seeks to fill (posts not filled are vacancies).
    ``federation`` holds the unique id of the practice's Federation agent (-1: none): the one
    record of who belongs where, changed only through :meth:`set_federation` (the column is
    read-only otherwise), which keeps the per-federation index :meth:`members_of` reads with it;
    ``below_share_quarters`` counts quarters its federation share stayed below its autonomy
    cost; ``federation_paid_gbp_per_year`` is what its federation has paid it (dividends and
    performance payments less levies, a year, exponentially smoothed) over its
    ``federation_quarters`` in it; ``gms_notices`` counts remedial notices under the GMS quality
    floor; ``care_effort`` is the care-management effort (0-1) the practice chose this quarter;
    ``quality_base`` and ``reference_workload_per_gp`` are its quality and patients per GP at the
    start, which its quality moves from (:mod:`gpfed.agents.quality`); ``services_delivered``
    marks the service-catalogue lines it already delivers and is paid for (one column per line
    of :func:`gpfed.institutions.catalogue.packaged_catalogue`; none until the model draws them).
    """

    is_open: np.ndarray
    list_size: np.ndarray
    need_weight: np.ndarray
    diabetes_prevalence: np.ndarray
    quality: np.ndarray
    partners_by_age: np.ndarray
    salaried_by_age: np.ndarray
    senior_partners: np.ndarray
    cost_efficiency: np.ndarray
    mpig_gbp_per_year: np.ndarray
    area: np.ndarray
    referral_trust: np.ndarray
    referral_share: np.ndarray
    rural: np.ndarray
    failing_quarters: np.ndarray = field(init=False)
    income_gbp: np.ndarray = field(init=False)
    expenses_gbp: np.ndarray = field(init=False)
    emergency_admissions: np.ndarray = field(init=False)
    elective_admissions: np.ndarray = field(init=False)
    consultations: np.ndarray = field(init=False)
    federation: np.ndarray = field(init=False)
    below_share_quarters: np.ndarray = field(init=False)
    federation_paid_gbp_per_year: np.ndarray = field(init=False)
    federation_quarters: np.ndarray = field(init=False)
    autonomy_cost_gbp_per_year: np.ndarray = field(init=False)
    gms_notices: np.ndarray = field(init=False)
    care_effort: np.ndarray = field(init=False)
    quality_base: np.ndarray = field(init=False)
    reference_workload_per_gp: np.ndarray = field(init=False)
    gp_posts: np.ndarray = field(init=False)
    services_delivered: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.list_size)
        self.services_delivered = np.zeros((n, 0), dtype=bool)
        self._federation_rows = np.full(n, NO_FEDERATION, dtype=np.int64)
        self.federation = _read_only_view(self._federation_rows)
        self._members: dict[int, set[int]] = {}
        self.below_share_quarters = np.zeros(n, dtype=np.int64)
        self.federation_paid_gbp_per_year = np.zeros(n)
        self.federation_quarters = np.zeros(n, dtype=np.int64)
        self.autonomy_cost_gbp_per_year = np.zeros(n)
        self.gms_notices = np.zeros(n, dtype=np.int64)
        self.care_effort = np.zeros(n)
        # Quality and workload at the start: quality moves from and against them.
        self.quality_base = self.quality.copy()
        self.reference_workload_per_gp = self.list_size / np.maximum(self.gps, 1)
        self.gp_posts = self.gps.astype(float)
        self.failing_quarters = np.zeros(n, dtype=np.int64)
        self.income_gbp = np.zeros(n)
        self.expenses_gbp = np.zeros(n)
        self.emergency_admissions = np.zeros(n, dtype=np.int64)
        self.elective_admissions = np.zeros(n, dtype=np.int64)
        self.consultations = np.zeros(n, dtype=np.int64)

    @classmethod
    def from_world(cls, world: World) -> PracticeState:
        """Copy the drawn practice attributes (the world stays as drawn).

        Cost multipliers start at 1; the model sets them once incomes are known.
        """
        return cls(
            is_open=np.ones(world.n_practices, dtype=bool),
            list_size=world.list_size.copy(),
            need_weight=world.need_weight.copy(),
            diabetes_prevalence=world.diabetes_prevalence.copy(),
            quality=world.quality.copy(),
            partners_by_age=world.partners_by_age.copy(),
            salaried_by_age=world.salaried_by_age.copy(),
            senior_partners=world.senior_partners.copy(),
            cost_efficiency=np.ones(world.n_practices),
            mpig_gbp_per_year=world.mpig_gbp_per_year.copy(),
            area=world.practice_area.copy(),
            referral_trust=world.referral_trust.copy(),
            referral_share=world.referral_share.copy(),
            rural=world.rural.copy(),
        )

    def set_federation(self, practices: int | list[int] | np.ndarray, federation: int) -> None:
        """Move practices into ``federation`` (a unique id), or out of any with ``NO_FEDERATION``.

        The only way membership changes: the column and its index change together.
        """
        if isinstance(practices, int | np.integer):
            self._move_one(int(practices), federation)
            return
        if len(practices) <= ONE_BY_ONE_MOVES:
            for practice in np.asarray(practices, dtype=np.int64).tolist():
                self._move_one(practice, federation)
            return
        rows = np.atleast_1d(np.asarray(practices, dtype=np.int64))
        for practice, old in zip(rows.tolist(), self.federation[rows].tolist(), strict=True):
            self._reindex(practice, old, federation)
        # A practice that changes federation starts learning what its new one pays afresh.
        moved = rows[self.federation[rows] != federation]
        self.federation_paid_gbp_per_year[moved] = 0.0
        self.federation_quarters[moved] = 0
        self._federation_rows[rows] = federation

    def _move_one(self, practice: int, federation: int) -> None:
        """:meth:`set_federation` for one practice, without the array machinery (most moves)."""
        old = int(self.federation[practice])
        if old == federation:
            return
        self._reindex(practice, old, federation)
        self.federation_paid_gbp_per_year[practice] = 0.0
        self.federation_quarters[practice] = 0
        self._federation_rows[practice] = federation

    def __getstate__(self) -> dict:
        """Pickled and copied without the read-only view (a copy would no longer view it)."""
        fields = self.__dict__.copy()
        del fields["federation"]
        return fields

    def __setstate__(self, fields: dict) -> None:
        self.__dict__.update(fields)
        self.federation = _read_only_view(self._federation_rows)

    def _reindex(self, practice: int, old: int, federation: int) -> None:
        """The membership index follows one practice from ``old`` to ``federation``."""
        if old != NO_FEDERATION:
            members = self._members[old]
            members.discard(practice)
            if not members:
                del self._members[old]
        if federation != NO_FEDERATION:
            self._members.setdefault(federation, set()).add(practice)

    def area_rows(self, area: int) -> np.ndarray:
        """The rows of commissioner area ``area`` (practices open or closed), ascending.

        Areas come with the world and never change, so the index is made once, at first use: a
        commissioner's table row then reads its own practices rather than every practice.
        """
        by_area = self._rows_by_area
        return by_area[area] if 0 <= area < len(by_area) else np.zeros(0, dtype=np.int64)

    @cached_property
    def _rows_by_area(self) -> list[np.ndarray]:
        return indices_by_key(self.area, int(self.area.max(initial=-1)) + 1)

    def members_of(self, federation: int) -> list[int]:
        """The practices in ``federation`` (unique id), ascending."""
        return sorted(self._members.get(federation, ()))

    def member_set(self, federation: int) -> AbstractSet[int]:
        """The practices in ``federation`` as a set, without sorting (read it, never change it)."""
        return self._members.get(federation, frozenset())

    def member_count(self, federation: int) -> int:
        """How many practices ``federation`` has (no list built)."""
        return len(self._members.get(federation, ()))

    def federation_list_size(self, federation: int) -> int:
        """Patients registered with ``federation``'s members (a whole number: order-free)."""
        rows = self._members.get(federation)
        return int(self.list_size.take(list(rows)).sum()) if rows else 0

    def federation_totals(self, federations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Member counts and pooled lists (patients) of many federations (unique ids) at once.

        :meth:`member_count` and :meth:`federation_list_size` of each, from one pass over the
        federation column (a federation with no members has 0 of each).
        """
        span = int(np.max(federations, initial=-1)) + 1
        counts, pooled = federation_sums(self.federation, self.list_size, span)
        # Sums of whole patients: exact in floats far beyond any population.
        return counts[federations], pooled[federations].astype(np.int64)

    @property
    def partners(self) -> np.ndarray:
        """GP partners per practice (read-only: change ``partners_by_age``)."""
        return _read_only(band_total(self.partners_by_age))

    def partners_of(self, rows: int | np.ndarray) -> np.ndarray:
        """GP partners of some practices (cheaper than ``partners[rows]`` for a few rows)."""
        return self.partners_by_age[rows].sum(axis=-1)

    @property
    def salaried(self) -> np.ndarray:
        """Salaried GPs per practice (read-only: change ``salaried_by_age``)."""
        return _read_only(band_total(self.salaried_by_age))

    @property
    def gps(self) -> np.ndarray:
        """GPs in post per practice, partners and salaried (read-only)."""
        return _read_only(band_total(self.partners_by_age) + band_total(self.salaried_by_age))

    @property
    def vacancies(self) -> np.ndarray:
        """Posts sought but not filled, per practice (GPs; 0 where all are filled)."""
        return np.maximum(self.gp_posts - self.gps, 0.0)

    @property
    def weighted_list(self) -> np.ndarray:
        """Need-weighted list per practice (patients)."""
        return self.list_size * self.need_weight

    @property
    def profit_gbp(self) -> np.ndarray:
        """Income less expenses in the last quarter, £."""
        return self.income_gbp - self.expenses_gbp

    @property
    def profit_per_partner_gbp_per_year(self) -> np.ndarray:
        """Last quarter's profit per partner, annualised, £."""
        return profit_per_partner_gbp_per_year(self.income_gbp, self.expenses_gbp, self.partners)


def federation_sums(
    federation_column: np.ndarray, list_size: np.ndarray, span: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Member counts and pooled lists (float) indexed by federation unique id.

    At least ``span`` long; ids with no members have 0. Members' lists are added in practice
    order.
    """
    members = np.flatnonzero(federation_column != NO_FEDERATION)
    owner = federation_column[members]
    counts = np.bincount(owner, minlength=span)
    pooled = np.bincount(owner, weights=list_size[members].astype(float), minlength=span)
    return counts, pooled


def _read_only_view(column: np.ndarray) -> np.ndarray:
    """A view of ``column`` that refuses writes, while ``column`` itself can still be written.

    The federation column is written through its owner only; toggling the column's own write
    flag around each of tens of thousands of moves cost more than the moves.
    """
    view = column.view()
    view.flags.writeable = False
    return view


def _read_only(column: np.ndarray) -> np.ndarray:
    """A derived column that refuses writes (a write would be lost: change its source)."""
    column.flags.writeable = False
    return column


def profit_per_partner_gbp_per_year(income_gbp, expenses_gbp, partners):
    """Annualised profit per partner from one quarter's income and expenses (arrays or scalars).

    Per-agent readers call it on one practice's values: slicing a whole-column result for each
    agent would make per-agent tables quadratic in the number of practices.
    """
    return QUARTERS_PER_YEAR * (income_gbp - expenses_gbp) / np.maximum(partners, 1)


def band_total(counts: np.ndarray) -> np.ndarray:
    """Each row's total over its age bands (columns).

    Adding the few columns is several times faster than ``counts.sum(axis=1)``, which numpy
    reduces row by row; the whole-column readers run many times a quarter.
    """
    total = counts[:, 0].copy()
    for band in range(1, counts.shape[1]):
        total += counts[:, band]
    return total


def gp_vacancies(gp_posts, gps_in_post):
    """GP posts sought but not filled (arrays or scalars), never below zero."""
    return np.maximum(gp_posts - gps_in_post, 0.0)


@dataclass
class TrustState:
    """Columns of trust state, plus the commissioner-by-trust baselines contracts refer to.

    Attributes:
        baseline_emergency: expected emergency admissions a quarter at the start, (areas, trusts).
        baseline_elective: expected elective admissions a quarter at the start, (areas, trusts).
        baseline_population: registered patients referring to each trust, by area, at the start
            (share weighted), (areas, trusts).
        capacity: admissions a quarter a trust can treat (it plans it each year).
        emergency_cost_gbp: variable cost of an emergency admission, £.
        elective_cost_gbp: variable cost of an elective admission, £.
        capacity_cost_gbp: running (fixed) cost a quarter of a unit of capacity, per trust, £.
        emergency_admissions: last quarter's emergency admissions per trust.
        elective_admissions: last quarter's elective admissions per trust.
        income_gbp: last quarter's income per trust.
        costs_gbp: last quarter's costs per trust.
        paid_admissions_this_year: admissions paid for so far this year, per trust (activity
            weighted by the share of its tariff value the trust was paid).
        balance_at_year_start_gbp: each trust's ledger balance when the year began, £.
        deficit_years: consecutive years each trust has ended in deficit.
        under_intervention: whether the regulator has intervened in each trust.
    """

    baseline_emergency: np.ndarray
    baseline_elective: np.ndarray
    baseline_population: np.ndarray
    capacity: np.ndarray
    emergency_cost_gbp: float
    elective_cost_gbp: float
    capacity_cost_gbp: np.ndarray
    emergency_admissions: np.ndarray = field(init=False)
    elective_admissions: np.ndarray = field(init=False)
    income_gbp: np.ndarray = field(init=False)
    costs_gbp: np.ndarray = field(init=False)
    paid_admissions_this_year: np.ndarray = field(init=False)
    balance_at_year_start_gbp: np.ndarray = field(init=False)
    deficit_years: np.ndarray = field(init=False)
    under_intervention: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = self.capacity.shape[0]
        self.emergency_admissions = self.baseline_emergency.sum(axis=0)
        self.elective_admissions = self.baseline_elective.sum(axis=0)
        self.income_gbp = np.zeros(n)
        self.costs_gbp = np.zeros(n)
        self.paid_admissions_this_year = np.zeros(n)
        self.balance_at_year_start_gbp = np.zeros(n)
        self.deficit_years = np.zeros(n, dtype=np.int64)
        self.under_intervention = np.zeros(n, dtype=bool)

    @property
    def fixed_cost_gbp(self) -> np.ndarray:
        """Running cost a quarter of each trust's capacity, £ (whatever its activity)."""
        return self.capacity * self.capacity_cost_gbp

    def paid_admissions(
        self, emergency_tariff_gbp: float, elective_tariff_gbp: float
    ) -> np.ndarray:
        """Last quarter's admissions as paid for: activity x income / its value at tariff.

        Under payment by results every admission is paid (less MRET's cut above the baseline);
        under a block the income, and so the paid activity, stays at the block's whatever the
        activity; capitation follows the referred population.
        """
        activity = self.emergency_admissions + self.elective_admissions
        at_tariff = (
            self.emergency_admissions * emergency_tariff_gbp
            + self.elective_admissions * elective_tariff_gbp
        )
        return np.divide(
            activity * self.income_gbp, at_tariff, out=np.zeros_like(activity), where=at_tariff > 0
        )

    @property
    def spare_capacity(self) -> np.ndarray:
        """Share of capacity unused in the last quarter (0 when full), per trust."""
        used = self.emergency_admissions + self.elective_admissions
        return np.clip(1.0 - used / np.maximum(self.capacity, 1e-9), 0.0, 1.0)


def by_area_and_trust(
    values: np.ndarray, state: PracticeState, n_areas: int, n_trusts: int
) -> np.ndarray:
    """Split a per-practice quantity over referral trusts and sum it by (area, trust)."""
    flat = state.area[:, None] * n_trusts + state.referral_trust
    weights = (values[:, None] * state.referral_share).ravel()
    out = np.bincount(flat.ravel(), weights=weights, minlength=n_areas * n_trusts)
    return out.reshape(n_areas, n_trusts)


@dataclass
class CommissionerState:
    """Per-area columns: the fixed rate at which each commissioner buys other services."""

    other_services_gbp_per_head_per_quarter: np.ndarray
    spend_gbp: np.ndarray


def area_totals(values: np.ndarray, state: PracticeState, n_areas: int) -> np.ndarray:
    """Sum a per-practice quantity by commissioner area."""
    return np.bincount(state.area, weights=values, minlength=n_areas)
