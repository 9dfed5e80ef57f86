"""Integrated-care contracts in force: coverage, quarterly money, performance and endings.

A contract covers a fixed set of practices' registered patients, either all their care but the
most specialised (a population lot) or their diabetes-attributable emergency admissions plus
diabetes care (a pathway lot). It is capitated: the budget is a price per registered patient a
quarter, so it follows the covered lists. Each quarter, through the ledger:

1. the commissioner pays the holder the budget less the outcome-linked share, and on top the
   service lines of the contract's bundle that the covered practices already deliver and are
   paid for under GMS, QOF or enhanced services and that are not defined as core, booked as
   ``paid_twice`` (measured line by line from the service catalogue,
   :mod:`gpfed.institutions.catalogue`): the holder bears no cost for them because the
   practices deliver them already (none where GMS money is merged into the contract: then the
   commissioner pays the holder the covered practices' GMS and the holder pays the practices);
2. the holder pays trusts the tariff for its patients' covered admissions, and the economy for
   community care, with a realised cost shock;
3. the commissioner pays the withheld share by achievement of the admissions target;
4. the variance against the budget is split by the risk-sharing rule
   (:mod:`gpfed.institutions.risk_sharing`); an alliance's trust partner takes its share of the
   result.

Then remedial notices, termination after repeated breach, hand-backs by holders that cannot
carry their losses, and expiry (re-award without tender if performance reaches the retention
threshold) are applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gpfed.institutions.catalogue import (
    core_lines,
    packaged_catalogue,
    paid_twice_gbp_per_head_per_year,
)
from gpfed.institutions.risk_sharing import provider_retained_gbp
from gpfed.parameters import Levers
from gpfed.world.ledger import ECONOMY, Accounts, Ledger, Purpose
from gpfed.world.state import PracticeState, TrustState, area_totals
from gpfed.world.units import NO_CONTRACT, PENCE_PER_GBP, QUARTERS_PER_YEAR

HOLDER_KINDS = ("federation", "trust", "alliance", "entrant")
ENDINGS = ("expired", "handed_back", "terminated")
HANDING_BACK = ("trust", "entrant")
"""Holders that hand a contract back when its losses pass the hand-back share."""
FIXED_TERMS = (
    "kind",
    "area",
    "holder",
    "account",
    "price_gbp_per_head_per_quarter",
    "expected_emergency_per_head_per_quarter",
    "quality",
    "capacity",
    "merged_gms",
    "trust",
)
"""Contract attributes set at award and never changed (read as arrays by the hot paths)."""


@dataclass
class Contract:
    """One integrated-care contract.

    Attributes:
        id: its number (practices covered carry it in ``PracticeState.contract``).
        kind: ``"population"`` or ``"diabetes"`` (pathway).
        area: the commissioner that let it.
        practices: practice indices covered.
        holder: ``"federation"``, ``"trust"``, ``"alliance"`` or ``"entrant"``.
        account: the ledger account the commissioner pays (the federation's for an alliance).
        federation: unique id of the holding federation (alone or in an alliance), if any.
        trust: the trust holding it (alone or in an alliance), if any.
        price_gbp_per_head_per_quarter: the winning price per registered patient.
        baseline_gbp_per_head_per_quarter: spend per patient the lot replaced.
        expected_emergency_per_head_per_quarter: covered emergency admissions expected per
            patient without integration (the outcome target's baseline).
        quality: quality promised in the bid (0-1).
        capacity: the holder's coordination capacity at award.
        start: step it started; ``end``: step it expires.
        merged_gms: whether the covered practices' GMS money runs through it.
        right_of_return: an opt-in contract covering its federation's members: a member who
            leaves the federation goes back to GMS.
        variance_share: last quarter's variance (budget less cost) as a share of its budget.
        losing_quarters: quarters in a row the holder's result on it has been negative.
    """

    id: int
    kind: str
    area: int
    practices: np.ndarray
    holder: str
    account: int
    federation: int | None
    trust: int | None
    price_gbp_per_head_per_quarter: float
    baseline_gbp_per_head_per_quarter: float
    expected_emergency_per_head_per_quarter: float
    quality: float
    capacity: float
    start: int
    end: int
    merged_gms: bool
    right_of_return: bool = False
    notices: int = 0
    achievements: list[float] = field(default_factory=list)
    result_gbp: float = 0.0
    variance_share: float = 0.0
    losing_quarters: int = 0
    status: str = "active"

    @property
    def quarters_held(self) -> int:
        """Quarters it has been in force."""
        return len(self.achievements)


@dataclass(frozen=True)
class CoveredRows:
    """The practices covered by contracts in force, as flat arrays.

    Attributes:
        contracts: the contracts in force, in id order.
        practice: each covered practice.
        contract: position in ``contracts`` of the contract covering it.
        emergency_share: share of its emergency admissions the contract pays for.
        population_lot: whether that contract is a population lot.
        book: the contract book (for the contracts' fixed terms).
        ids: the ids of ``contracts``.
    """

    contracts: list[Contract]
    practice: np.ndarray
    contract: np.ndarray
    emergency_share: np.ndarray
    population_lot: np.ndarray
    book: ContractBook
    ids: np.ndarray

    def per_contract(self, values: np.ndarray) -> np.ndarray:
        """Sum a per-row quantity by contract."""
        return np.bincount(self.contract, weights=values, minlength=len(self.contracts))

    def attribute(self, name: str, dtype: type = float) -> np.ndarray:
        """One fixed attribute (see :data:`FIXED_TERMS`) of every contract in force."""
        return self.book.typed_terms(name, dtype)[self.ids]


@dataclass
class ContractBook:
    """Every contract let in the run and the coverage of each practice.

    Attributes:
        contracts: by id, ended ones included.
        coverage: per practice, the id of the contract covering it or ``NO_CONTRACT``.
        events: endings and awards this quarter by kind (reset each quarter).
    """

    contracts: dict[int, Contract] = field(default_factory=dict)
    coverage: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    events: dict[str, int] = field(default_factory=dict)
    _active: dict[int, Contract] = field(default_factory=dict, repr=False)
    _term_values: dict[str, list] = field(
        default_factory=lambda: {term: [] for term in FIXED_TERMS}, repr=False
    )
    _typed: dict[tuple[str, type], np.ndarray] = field(default_factory=dict, repr=False)
    _labels: list[str] = field(default_factory=list, repr=False)
    _in_force: tuple | None = field(default=None, repr=False)
    _by_federation: dict[int, Contract] = field(default_factory=dict, repr=False)

    def terms(self, name: str) -> np.ndarray:
        """A fixed term of every contract let so far, indexed by contract id."""
        return np.array(self._term_values[name], dtype=object)

    def typed_terms(self, name: str, dtype: type) -> np.ndarray:
        """:meth:`terms` as ``dtype``; hot paths read them often, so they are kept until awards."""
        key = (name, dtype)
        if len(self._typed.get(key, ())) != len(self.contracts):
            self._typed[key] = self.terms(name).astype(dtype)
        return self._typed[key]

    def label(self, contract_id: int) -> str:
        """A contract as "<kind> (<holder>)", e.g. "population (alliance)"; "GMS" for none.

        For the agent tables; ``NO_CONTRACT`` reads "GMS".
        """
        return "GMS" if contract_id == NO_CONTRACT else self._labels[contract_id]

    def reset_events(self) -> None:
        """Start counting this quarter's awards and endings."""
        self.events = dict.fromkeys(("awarded", *ENDINGS), 0)

    def active(self) -> list[Contract]:
        """Contracts in force, by id."""
        return list(self._active.values())

    def add(self, contract: Contract) -> None:
        """Record an award and cover its practices."""
        self.contracts[contract.id] = contract
        self._active[contract.id] = contract
        self._in_force = None
        for term, values in self._term_values.items():
            values.append(getattr(contract, term))
        self._labels.append(f"{contract.kind} ({contract.holder})")
        self.coverage[contract.practices] = contract.id
        self.events["awarded"] = self.events.get("awarded", 0) + 1
        if contract.federation is not None:
            self._by_federation[contract.federation] = contract

    def end(self, contract: Contract, status: str) -> None:
        """End a contract (expired, handed back or terminated).

        It stops paying from now on and its practices return to GMS.
        """
        if contract.status != "active":
            return
        contract.status = status
        del self._active[contract.id]
        self._in_force = None
        self.events[status] = self.events.get(status, 0) + 1
        covered = contract.practices[self.coverage[contract.practices] == contract.id]
        self.coverage[covered] = NO_CONTRACT
        if self._by_federation.get(contract.federation) is contract:
            del self._by_federation[contract.federation]

    def held_by(self, federation: int) -> Contract | None:
        """The contract in force that federation ``federation`` (unique id) holds, if any."""
        return self._by_federation.get(federation)

    def holders(self) -> list[int]:
        """The federations (unique ids) holding a contract in force."""
        return list(self._by_federation)

    def kind_held_by(self, federation: int) -> str:
        """The kind of contract federation ``federation`` holds, or "none" (agent tables)."""
        contract = self.held_by(federation)
        return contract.kind if contract is not None else "none"

    def release_practice(self, practice: int) -> None:
        """A practice leaves its contract (it closed)."""
        self.coverage[practice] = NO_CONTRACT

    def return_to_gms(self, practice: int, federation: int) -> None:
        """Right of return: a member leaving ``federation`` (unique id) leaves its opt-in contract.

        Locality contracts cover practices whether federated or not, so they are kept.
        """
        contract_id = int(self.coverage[practice])
        if contract_id == NO_CONTRACT:
            return
        contract = self.contracts[contract_id]
        if contract.right_of_return and contract.federation == federation:
            self.coverage[practice] = NO_CONTRACT

    def _index_in_force(self) -> tuple[list[Contract], np.ndarray, np.ndarray, np.ndarray]:
        """Contracts in force, their ids, each id's position among them, and population lots.

        Read several times a quarter; kept until the next award or ending.
        """
        if self._in_force is None:
            contracts = self.active()
            ids = np.array([c.id for c in contracts], dtype=np.int64)
            position = np.full(len(self.contracts), -1, dtype=np.int64)
            position[ids] = np.arange(len(contracts))
            is_population = np.array([c.kind == "population" for c in contracts], dtype=bool)
            self._in_force = (contracts, ids, position, is_population)
        return self._in_force

    def covered_rows(self, state: PracticeState, levers: Levers) -> CoveredRows:
        """The covered practices of every contract in force (see :class:`CoveredRows`)."""
        contracts, ids, position, is_population = self._index_in_force()
        practice = np.flatnonzero(self.coverage != NO_CONTRACT)
        contract = position[self.coverage[practice]]
        population_lot = is_population[contract] if len(contracts) else np.zeros(0, dtype=bool)
        emergency_share = np.where(
            population_lot, 1.0, diabetes_attributable_share(state, levers, practice)
        )
        return CoveredRows(
            contracts, practice, contract, emergency_share, population_lot, self, ids
        )

    def covered_shares(
        self, state: PracticeState, levers: Levers
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per practice, what contracts cover.

        Returns:
            Share of emergency and of elective admissions under a contract, and whether the
            practice's GMS runs through a contract.
        """
        n = len(self.coverage)
        emergency, elective, merged = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
        rows = self.covered_rows(state, levers)
        if rows.contracts:
            emergency[rows.practice] = rows.emergency_share
            elective[rows.practice] = rows.population_lot
            merged[rows.practice] = rows.attribute("merged_gms", bool)[rows.contract]
        return emergency, elective, merged


def diabetes_attributable_share(
    state: PracticeState, levers: Levers, practices: np.ndarray
) -> np.ndarray:
    """Share of a practice's emergency admissions due to diabetes: delta d / (1 + delta d)."""
    excess = levers.diabetes_excess_admission_risk * state.diabetes_prevalence[practices]
    return excess / (1.0 + excess)


def tariff_cost_gbp(emergency: np.ndarray, elective: np.ndarray, levers: Levers) -> np.ndarray:
    """What admissions cost at tariff, £: the rule a holder pays trusts by."""
    return emergency * levers.emergency_tariff_gbp + elective * levers.elective_tariff_gbp


def _pence(amount_gbp: np.ndarray) -> np.ndarray:
    """Round to whole pence (as £), as the ledger will, so per-contract sums are exact."""
    return np.rint(np.asarray(amount_gbp, dtype=float) * PENCE_PER_GBP) / PENCE_PER_GBP


def settle_contracts(
    book: ContractBook,
    ledger: Ledger,
    accounts: Accounts,
    state: PracticeState,
    trusts: TrustState,
    levers: Levers,
    cost_rng: np.random.Generator,
    now: int,
) -> np.ndarray:
    """Pay, measure and enforce every contract in force this quarter (module docstring).

    Args:
        book: the contract book.
        ledger: the ledger.
        accounts: account numbers.
        state: practice columns (lists, this quarter's admissions and GMS income).
        trusts: trust columns (their income from holders is added).
        levers: levers in force.
        cost_rng: the stream of holders' realised cost shocks.
        now: steps simulated, this quarter included (contracts' start and end are counted so).

    Returns:
        Each commissioner's net spend on contracts this quarter, £.
    """
    spend = np.zeros(len(accounts.commissioner))
    rows = book.covered_rows(state, levers)
    if not rows.contracts:
        return spend
    population = rows.per_contract(state.list_size[rows.practice].astype(float))
    achievement, net, spend, variance_share = _pay_contracts(
        rows, population, ledger, accounts, state, trusts, levers, cost_rng
    )
    for contract, achieved, result, variance in zip(
        rows.contracts, achievement.tolist(), net.tolist(), variance_share.tolist(), strict=True
    ):
        contract.achievements.append(achieved)
        contract.result_gbp += result
        contract.variance_share = variance
        contract.losing_quarters = contract.losing_quarters + 1 if result < 0 else 0
    empty, remedial, losing, due = _enforcement_tests(rows, population, achievement, levers, now)
    for k in np.flatnonzero(empty | remedial | losing | due).tolist():
        _enforce(book, rows.contracts[k], empty[k], remedial[k], losing[k], due[k], levers, now)
    return spend


def _enforcement_tests(
    rows: CoveredRows,
    population: np.ndarray,
    achievement: np.ndarray,
    levers: Levers,
    now: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`_enforce` acts on, for every contract in force this quarter.

    Returns masks: no patients left; achievement below the remedial threshold; a trust or
    entrant whose accumulated loss passes the hand-back share of a year's value; at its end.
    Each reads only the contract's own record, so all are known before any contract is acted on.
    """
    contracts = rows.contracts
    end = np.array([c.end for c in contracts])
    result = np.array([c.result_gbp for c in contracts])
    annual_value = QUARTERS_PER_YEAR * rows.attribute("price_gbp_per_head_per_quarter") * population
    holder = rows.attribute("holder", object)
    may_hand_back = (holder == HANDING_BACK[0]) | (holder == HANDING_BACK[1])
    losing = may_hand_back & (result < -levers.handback_loss_share * annual_value)
    return population <= 0, achievement < levers.remedial_threshold, losing, now >= end


def _paid_twice_gbp(rows: CoveredRows, state: PracticeState, levers: Levers) -> np.ndarray:
    """Each contract's spend this quarter on lines its practices already deliver, not core, £.

    A population contract buys its bundle for every registered patient, a pathway contract for
    every diabetic patient.
    """
    catalogue = packaged_catalogue()
    practice = rows.practice
    delivered = state.services_delivered[practice]
    if delivered.shape[1] != catalogue.n_lines:
        # Practices whose deliveries were never drawn are paid for nothing twice.
        return np.zeros(len(rows.contracts))
    core = core_lines(catalogue, levers.core_definition)
    lists = state.list_size[practice].astype(float)
    per_head_per_year = np.where(
        rows.population_lot,
        paid_twice_gbp_per_head_per_year(delivered, catalogue, "population", core),
        paid_twice_gbp_per_head_per_year(delivered, catalogue, "diabetes", core)
        * state.diabetes_prevalence[practice],
    )
    return rows.per_contract(lists * per_head_per_year / QUARTERS_PER_YEAR)


def _pay_contracts(
    rows: CoveredRows,
    population: np.ndarray,
    ledger: Ledger,
    accounts: Accounts,
    state: PracticeState,
    trusts: TrustState,
    levers: Levers,
    cost_rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Move one quarter's contract money.

    Returns:
        Each contract's achievement and net result, each commissioner's net spend, £, and each
        contract's variance as a share of its budget.
    """
    area = rows.attribute("area", np.int64)
    holder = rows.attribute("account", np.int64)
    merged = rows.attribute("merged_gms", bool)
    payer = accounts.commissioner[area]
    budget = rows.attribute("price_gbp_per_head_per_quarter") * population
    withheld = levers.outcome_payment_share * budget
    overlap = _pence(np.where(merged, 0.0, _paid_twice_gbp(rows, state, levers)))
    contract_money = _pence(budget - withheld)
    gms = _pence(rows.per_contract(state.income_gbp[rows.practice]) * merged)
    ledger.pay(payer, holder, contract_money, Purpose.INTEGRATED_CONTRACT)
    ledger.pay(payer, holder, overlap, Purpose.PAID_TWICE)
    ledger.pay(payer, holder, gms, Purpose.GMS_IN_CONTRACT)

    practice, k = rows.practice, rows.contract
    emergency = state.emergency_admissions[practice] * rows.emergency_share
    elective = state.elective_admissions[practice] * rows.population_lot
    tariff = tariff_cost_gbp(emergency, elective, levers)
    n_trusts = len(trusts.capacity)
    # Sum the holder-to-trust payments by (contract, trust) pair actually referred to.
    cells = (k[:, None] * n_trusts + state.referral_trust[practice]).ravel()
    n_cells = len(rows.contracts) * n_trusts
    referred = np.zeros(n_cells, dtype=bool)
    referred[cells] = True
    pairs = np.flatnonzero(referred)
    weights = (tariff[:, None] * state.referral_share[practice]).ravel()
    owed = _pence(np.bincount(cells, weights=weights, minlength=n_cells)[pairs])
    kk, tt = pairs // n_trusts, pairs % n_trusts
    ledger.pay(holder[kk], accounts.trust[tt], owed, Purpose.INTEGRATED_HOSPITAL_CARE)
    trusts.income_gbp += np.bincount(tt, weights=owed, minlength=n_trusts)
    hospital = np.bincount(kk, weights=owed, minlength=len(rows.contracts))

    lists = state.list_size[practice].astype(float)
    diabetics = rows.per_contract(lists * state.diabetes_prevalence[practice])
    community = (
        np.where(
            rows.attribute("kind", object) == "population",
            levers.community_services_gbp_per_head_per_year * population,
            levers.diabetes_care_gbp_per_diabetic_per_year * diabetics,
        )
        / QUARTERS_PER_YEAR
    )
    shock = cost_rng.normal(0.0, levers.holder_cost_sd, len(budget))
    expected_cost = rows.per_contract(tariff) + community
    other = _pence(np.maximum(community + shock * expected_cost, 0.0))
    ledger.pay(holder, ECONOMY, other, Purpose.INTEGRATED_COMMUNITY_CARE)
    spent = hospital + other

    expected = rows.attribute("expected_emergency_per_head_per_quarter") * population
    cut = np.maximum(levers.admissions_target_reduction * expected, 1e-9)
    achievement = np.clip((expected - rows.per_contract(emergency)) / cut, 0.0, 1.0)
    outcome = _pence(withheld * achievement)
    ledger.pay(payer, holder, outcome, Purpose.OUTCOME_PAYMENT)

    variance = budget - spent
    held = np.array([c.quarters_held for c in rows.contracts])
    returned = _pence(variance - provider_retained_gbp(variance, budget, held, levers))
    ledger.settle(holder, payer, returned, Purpose.RISK_SHARE)
    paid = contract_money + overlap + gms + outcome
    spend = np.bincount(area, weights=paid - returned, minlength=len(accounts.commissioner))
    # The GMS pass-through is paid on to the practices (the core payments stage pays it from the
    # holder).
    net = paid - gms - spent - returned
    alliance = rows.attribute("holder", object) == "alliance"
    if alliance.any():
        trust = rows.attribute("trust", object)[alliance].astype(np.int64)
        trust_part = _pence(levers.ico_trust_risk_share * net[alliance])
        ledger.settle(holder[alliance], accounts.trust[trust], trust_part, Purpose.ALLIANCE_SHARE)
        net[alliance] -= trust_part
    # A budget below a penny is none: a subnormal one would overflow the division.
    variance_share = np.divide(
        variance, budget, out=np.zeros_like(variance), where=budget >= 1.0 / PENCE_PER_GBP
    )
    return achievement, net, spend, variance_share


def _enforce(
    book: ContractBook,
    contract: Contract,
    empty: bool,
    remedial: bool,
    losing: bool,
    due: bool,
    levers: Levers,
    now: int,
) -> None:
    """Remedial notices and termination, expiry and retention, hand-backs.

    The tests are :func:`_enforcement_tests`. Trusts and entrants hand back here; federations
    hand back when they cannot cover a loss (:meth:`gpfed.agents.Federation.hand_back`).
    A contract left with no patients (every covered practice returned to GMS or closed) lapses.
    """
    if empty:
        book.end(contract, "expired")
        return
    if remedial:
        contract.notices += 1
        if contract.notices >= levers.termination_notices:
            book.end(contract, "terminated")
            return
    if losing:
        book.end(contract, "handed_back")
        return
    if due:
        if float(np.mean(contract.achievements)) >= levers.retention_threshold:
            contract.end = now + levers.contract_length_quarters
        else:
            book.end(contract, "expired")


@dataclass
class Coverage:
    """What integrated contracts take out of the commissioner's direct payments this quarter.

    Attributes:
        emergency_share: share of each practice's emergency admissions a contract pays for.
        elective_share: share of each practice's elective admissions a contract pays for.
        gms_payer: account that pays each practice's GMS (a contract holder where GMS money is
            merged into its contract, else the practice's commissioner).
        community_gbp: other-services spend per area moved into contracts this quarter, £.
    """

    emergency_share: np.ndarray
    elective_share: np.ndarray
    gms_payer: np.ndarray
    community_gbp: np.ndarray


def coverage(
    book: ContractBook, state: PracticeState, accounts: Accounts, levers: Levers
) -> Coverage:
    """What contracts in force pay for this quarter, for the commissioners' own payments."""
    emergency, elective, merged = book.covered_shares(state, levers)
    gms_payer = accounts.commissioner[state.area].copy()
    if merged.any():
        gms_payer[merged] = book.typed_terms("account", np.int64)[book.coverage[merged]]
    lists = state.list_size * state.is_open
    n_areas = len(accounts.commissioner)
    community = levers.community_services_gbp_per_head_per_year * lists * elective
    diabetes = (
        levers.diabetes_care_gbp_per_diabetic_per_year
        * lists
        * state.diabetes_prevalence
        * ((emergency > 0) & (elective == 0))
    )
    return Coverage(
        emergency_share=emergency,
        elective_share=elective,
        gms_payer=gms_payer,
        community_gbp=area_totals(community + diabetes, state, n_areas) / QUARTERS_PER_YEAR,
    )
