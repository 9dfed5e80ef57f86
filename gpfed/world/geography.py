"""Synthetic health economies: practices, commissioner areas and trusts on a geographic graph.

The generator draws a world that matches England's published figures (list sizes, prevalence,
counts of practices, CCGs and trusts), not any real map. Positions are in km and double as the
drawing layout, so nothing is ever laid out by a spring algorithm.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from gpfed.parameters import Params

# England 2011/12 list sizes (BJGP, n = 7,800): mean 6,980, SD 4,244, p10 2,392, p90 12,520.
# A gamma with that mean and SD gives p10 2,385 and p90 12,668, closer on the quantiles than a
# lognormal with the same moments (p10 2,907, p90 12,238), so lists are gamma distributed.
SMALLEST_LIST = 250  # patients; no English practice in the 2013 register is much smaller.
TOWN_SPREAD_KM = 4.0  # [P] SD of practice positions around a town centre.
PRACTICES_PER_TOWN = 40  # [P] practices per town cluster; the rest are rural.
RURAL_SHARE = 0.3  # [P] share of practices placed uniformly rather than in towns.
TRUST_DISTANCE_FLOOR_KM = 1.0  # keeps inverse-distance referral shares finite.
# GPs' ages by band (world.state.GP_AGE_BANDS: under 45, 45-54, 55-59, 60 and over). Sep 2015:
# 24.4% of partners and 20.0% of all GPs aged 55 and over, 7.8% of all aged 60 and over
# (GPonline; NASGP; MODEL-SPEC B1); partners are 74% of GPs, so salaried GPs are younger: 7.5%
# aged 55 and over. The split of the under-55s is [I].
PARTNER_AGE_SHARES = (0.36, 0.396, 0.154, 0.09)
SALARIED_AGE_SHARES = (0.62, 0.305, 0.025, 0.05)


@dataclass
class World:
    """Everything the generator draws, as arrays indexed by practice, trust or area.

    Graph nodes ``0 .. n_practices-1`` are practices and ``n_practices ..`` are trusts; node
    attributes ``kind``, ``pos`` and ``area``; edge attribute ``kind`` is ``"neighbour"``
    (practice-practice, same area) or ``"referral"`` (practice-trust, with ``share``).

    Attributes:
        graph: the practice/trust graph.
        practice_xy_km: practice positions, shape (n, 2).
        practice_area: commissioner area of each practice.
        area_team: area team of each commissioner area.
        trust_xy_km: trust positions, shape (T, 2).
        referral_trust: each practice's referral trusts, shape (n, k), trust indices.
        referral_share: share of the practice's hospital activity going to each, rows sum to 1.
        list_size: registered patients per practice.
        need_weight: Carr-Hill style need weight per practice (mean 1).
        diabetes_prevalence: share of each list with diabetes.
        quality: practice quality in [0, 1].
        partners_by_age: GP partners per practice by age band, shape (n, 4).
        salaried_by_age: salaried GPs per practice by age band, shape (n, 4).
        senior_partners: partners eligible for seniority payments.
        rural: whether the practice is rural (placed outside the towns).
        cost_quantile: uniform quantile of each practice's cost multiplier; the model maps it
            through the multiplier's distribution conditioned on being viable at the start.
        mpig_gbp_per_year: MPIG correction factor, £ a year (0 for most practices).
    """

    graph: nx.Graph
    practice_xy_km: np.ndarray
    practice_area: np.ndarray
    area_team: np.ndarray
    trust_xy_km: np.ndarray
    referral_trust: np.ndarray
    referral_share: np.ndarray
    list_size: np.ndarray
    need_weight: np.ndarray
    diabetes_prevalence: np.ndarray
    quality: np.ndarray
    partners_by_age: np.ndarray
    salaried_by_age: np.ndarray
    senior_partners: np.ndarray
    cost_quantile: np.ndarray
    mpig_gbp_per_year: np.ndarray
    rural: np.ndarray

    @property
    def n_practices(self) -> int:
        """Number of practices drawn."""
        return len(self.list_size)

    @property
    def n_trusts(self) -> int:
        """Number of trusts drawn."""
        return len(self.trust_xy_km)

    def positions(self) -> dict[int, tuple[float, float]]:
        """Node positions for drawing and for Mesa's Network (km)."""
        return nx.get_node_attributes(self.graph, "pos")


def generate_world(params: Params, rng: np.random.Generator) -> World:
    """Draw a world for ``params`` (preset, counts and distributions) from ``rng``."""
    n = params.n_practices
    xy, rural = _place_practices(n, params.km2_per_practice, rng)
    area = _assign_areas(xy, params.n_commissioners, rng)
    area_team = _group_areas(xy, area, params.n_area_teams, params.n_commissioners, rng)
    lists = _draw_lists(n, params.list_size_mean, params.list_size_sd, rng)
    trust_xy = xy[rng.choice(n, size=params.n_trusts, replace=False, p=lists / lists.sum())]
    trust_xy = trust_xy + rng.normal(0.0, 1.0, size=trust_xy.shape)
    referral_trust, referral_share = _referrals(xy, trust_xy, params.trusts_per_practice)

    need_weight = rng.lognormal(-(params.need_weight_sd**2) / 2, params.need_weight_sd, n)
    prevalence = _beta(
        params.diabetes_prevalence_mean, params.diabetes_prevalence_concentration, n, rng
    )
    # Larger practices score a little higher (IFS 2014: smaller practices see more avoidable
    # admissions); the tilt is on the beta mean, so quality stays in [0, 1].
    size_tilt = 0.05 * np.tanh(np.log(lists / params.list_size_mean))
    quality_mean = np.clip(params.quality_mean + size_tilt, 0.02, 0.98)
    quality = _beta(quality_mean, params.quality_concentration, n, rng)
    partners = np.maximum(1, np.rint(lists / params.patients_per_partner)).astype(np.int64)
    senior = rng.binomial(partners, params.senior_partner_share)
    cost_quantile = rng.random(n)
    mpig = _draw_mpig(lists, need_weight, params, rng)
    partners_by_age = rng.multinomial(partners, PARTNER_AGE_SHARES)
    salaried = rng.poisson(params.salaried_gps_per_partner * partners)
    salaried_by_age = rng.multinomial(salaried, SALARIED_AGE_SHARES)

    graph = _build_graph(
        xy, area, trust_xy, referral_trust, referral_share, params.neighbours_per_practice
    )
    return World(
        graph=graph,
        practice_xy_km=xy,
        practice_area=area,
        area_team=area_team,
        trust_xy_km=trust_xy,
        referral_trust=referral_trust,
        referral_share=referral_share,
        list_size=lists,
        need_weight=need_weight,
        diabetes_prevalence=prevalence,
        quality=quality,
        partners_by_age=partners_by_age,
        salaried_by_age=salaried_by_age,
        senior_partners=senior,
        cost_quantile=cost_quantile,
        mpig_gbp_per_year=mpig,
        rural=rural,
    )


def _place_practices(
    n: int, km2_per_practice: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Cluster most practices in towns, the rest spread evenly over a square (rural, flagged)."""
    side = np.sqrt(n * km2_per_practice)
    n_rural = round(RURAL_SHARE * n)
    n_towns = max(1, n // PRACTICES_PER_TOWN)
    towns = rng.uniform(0.1 * side, 0.9 * side, size=(n_towns, 2))
    town_of = rng.integers(0, n_towns, size=n - n_rural)
    urban = towns[town_of] + rng.normal(0.0, TOWN_SPREAD_KM, size=(n - n_rural, 2))
    rural = rng.uniform(0.0, side, size=(n_rural, 2))
    is_rural = np.arange(n) >= n - n_rural
    return np.clip(np.vstack([urban, rural]), 0.0, side), is_rural


def _assign_areas(xy: np.ndarray, n_areas: int, rng: np.random.Generator) -> np.ndarray:
    """Voronoi cells around practices chosen as area seats: convex areas that follow density."""
    seats = rng.choice(len(xy), size=n_areas, replace=False)
    _, area = cKDTree(xy[seats]).query(xy)
    area[seats] = np.arange(n_areas)  # a seat belongs to its own area, even at a tie
    return area.astype(np.int64)


def _group_areas(
    xy: np.ndarray, area: np.ndarray, n_teams: int, n_areas: int, rng: np.random.Generator
) -> np.ndarray:
    """Group commissioner areas into area teams by the nearest team seat."""
    centres = np.array([xy[area == a].mean(axis=0) for a in range(n_areas)])
    seats = rng.choice(n_areas, size=n_teams, replace=False)
    _, team = cKDTree(centres[seats]).query(centres)
    team[seats] = np.arange(n_teams)
    return team.astype(np.int64)


def _draw_lists(n: int, mean: float, sd: float, rng: np.random.Generator) -> np.ndarray:
    if sd == 0:
        return np.full(n, round(mean), dtype=np.int64)
    shape = (mean / sd) ** 2
    draws = rng.gamma(shape, sd**2 / mean, size=n)
    return np.maximum(SMALLEST_LIST, np.rint(draws)).astype(np.int64)


def _beta(mean: np.ndarray | float, concentration: float, n: int, rng: np.random.Generator):
    """Beta draws with the given means; a mean of exactly 0 or 1 gives that value."""
    mean = np.broadcast_to(np.asarray(mean, dtype=float), (n,))
    inside = (mean > 0) & (mean < 1)
    drawn = np.array(mean, dtype=float)
    drawn[inside] = rng.beta(mean[inside] * concentration, (1.0 - mean[inside]) * concentration)
    return drawn


def _draw_mpig(
    lists: np.ndarray, need_weight: np.ndarray, params: Params, rng: np.random.Generator
) -> np.ndarray:
    """MPIG correction factors, £ a year: more common among small practices.

    Recipients are drawn with odds falling in list size (the guarantee protected practices
    whose 2004 global-sum entitlement was below their old income, typically small ones), the
    top-up per weighted patient exponentially (MODEL-SPEC.md: 98 practices lost > £3 per
    weighted patient in the first phase-out year, BMA), fixed in £ from then on.
    """
    n = len(lists)
    odds = (params.list_size_mean / lists) ** 0.75
    share = params.mpig_practice_share
    probability = np.clip(share * odds * n / odds.sum(), 0.0, 1.0)
    receives = rng.random(n) < probability
    per_weighted_patient = rng.exponential(max(params.mpig_mean_gbp_per_weighted_patient, 1e-12), n)
    return np.where(receives, per_weighted_patient * lists * need_weight, 0.0)


def _referrals(
    practice_xy: np.ndarray, trust_xy: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each practice refers to its ``k`` nearest trusts, in shares falling with distance."""
    distance, trust = cKDTree(trust_xy).query(practice_xy, k=k)
    distance = np.asarray(distance, dtype=float).reshape(len(practice_xy), k)
    trust = np.asarray(trust, dtype=np.int64).reshape(len(practice_xy), k)
    weight = 1.0 / np.maximum(distance, TRUST_DISTANCE_FLOOR_KM) ** 2
    return trust, weight / weight.sum(axis=1, keepdims=True)


def _build_graph(
    xy: np.ndarray,
    area: np.ndarray,
    trust_xy: np.ndarray,
    referral_trust: np.ndarray,
    referral_share: np.ndarray,
    k: int,
) -> nx.Graph:
    """k-nearest-neighbour practice edges within each area, bridged so each area is connected."""
    n = len(xy)
    graph = nx.Graph()
    graph.add_nodes_from(
        (i, {"kind": "practice", "pos": (float(xy[i, 0]), float(xy[i, 1])), "area": int(area[i])})
        for i in range(n)
    )
    graph.add_nodes_from(
        (n + t, {"kind": "trust", "pos": (float(x), float(y)), "area": -1})
        for t, (x, y) in enumerate(trust_xy)
    )
    for a in np.unique(area):
        members = np.flatnonzero(area == a)
        graph.add_edges_from(_area_edges(xy[members], members, k), kind="neighbour")
    graph.add_edges_from(
        (i, n + trust, {"kind": "referral", "share": share})
        for i, (trusts, shares) in enumerate(
            zip(referral_trust.tolist(), referral_share.tolist(), strict=True)
        )
        for trust, share in zip(trusts, shares, strict=True)
    )
    return graph


def _area_edges(points: np.ndarray, members: np.ndarray, k: int) -> list[tuple[int, int]]:
    """KNN edges among one area's practices, plus the shortest bridges joining its components."""
    if len(members) < 2:
        return []
    kk = min(k + 1, len(members))
    _, nearest = cKDTree(points).query(points, k=kk)
    local = nx.Graph()
    local.add_nodes_from(range(len(members)))
    # A practice's own row usually starts with itself, but not when another sits at the same
    # point: drop it wherever it comes.
    local.add_edges_from((i, j) for i, row in enumerate(nearest.tolist()) for j in row if j != i)
    components = [np.fromiter(c, dtype=np.int64) for c in nx.connected_components(local)]
    while len(components) > 1:
        components.sort(key=len)
        small, rest = components[0], np.concatenate(components[1:])
        distance, index = cKDTree(points[rest]).query(points[small])
        best = int(np.argmin(distance))
        local.add_edge(int(small[best]), int(rest[index[best]]))
        components = [np.fromiter(c, dtype=np.int64) for c in nx.connected_components(local)]
    rows = members.tolist()
    return [(rows[i], rows[j]) for i, j in local.edges]
