"""Integrated-care contracts in force: coverage, quarterly money, performance and endings.

A contract covers a fixed set of practices' registered patients, either all their care but the
most specialised (a population lot) or their diabetes-attributable emergency admissions plus
diabetes care (a pathway lot). It is capitated: the budget is a price per registered patient a
quarter, so it follows the covered lists. Each quarter, through the ledger:

1. the commissioner pays the holder the budget less the outcome-linked share; the part of it
   that GMS already pays for, ``omega (1 - core_definition)``, is booked as ``paid_twice``
   (none where GMS money is merged into the contract: then the commissioner pays the holder the
   covered practices' GMS and the holder pays the practices);
2. the holder pays trusts the tariff for its patients' covered admissions, and the economy for
   community care, with a realised cost shock;
3. the commissioner pays the withheld share by achievement of the admissions target;
4. the variance against the budget is split by the risk-sharing rule (:mod:`gpfed.model.risk`);
   an alliance's trust partner takes its share of the result.

Then remedial notices, termination after repeated breach, hand-backs by holders that cannot
carry their losses, and expiry (re-award without tender if performance reaches the retention
threshold) are applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from gpfed.model.demand import QUARTERS_PER_YEAR
from gpfed.model.ledger import ECONOMY, PENCE_PER_GBP
from gpfed.model.risk import provider_retained_gbp

if TYPE_CHECKING:
    from gpfed.agents.federation import Federation
    from gpfed.model.model import GPFedModel

NO_CONTRACT = -1
HOLDER_KINDS = ("federation", "trust", "alliance", "entrant")
ENDINGS = ("expired", "handed_back", "terminated")


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
        federation: the holding federation (alone or in an alliance), if any.
        trust: the trust holding it (alone or in an alliance), if any.
        price_gbp_per_head_per_quarter: the winning price per registered patient.
        baseline_gbp_per_head_per_quarter: spend per patient the lot replaced.
        expected_emergency_per_head_per_quarter: covered emergency admissions expected per
            patient without integration (the outcome target's baseline).
        quality: quality promised in the bid (0-1).
        capacity: the holder's coordination capacity at award.
        start: step it started; ``end``: step it expires.
        merged_gms: whether the covered practices' GMS money runs through it.
    """

    id: int
    kind: str
    area: int
    practices: np.ndarray
    holder: str
    account: int
    federation: Federation | None
    trust: int | None
    price_gbp_per_head_per_quarter: float
    baseline_gbp_per_head_per_quarter: float
    expected_emergency_per_head_per_quarter: float
    quality: float
    capacity: float
    start: int
    end: int
    merged_gms: bool
    notices: int = 0
    achievements: list[float] = field(default_factory=list)
    result_gbp: float = 0.0
    status: str = "active"

    @property
    def quarters_held(self) -> int:
        """Quarters it has been in force."""
        return len(self.achievements)


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

    def reset_events(self) -> None:
        """Start counting this quarter's awards and endings."""
        self.events = dict.fromkeys(("awarded", *ENDINGS), 0)

    def active(self) -> list[Contract]:
        """Contracts in force, by id."""
        return [c for c in self.contracts.values() if c.status == "active"]

    def add(self, contract: Contract) -> None:
        """Record an award and cover its practices."""
        self.contracts[contract.id] = contract
        self.coverage[contract.practices] = contract.id
        self.events["awarded"] = self.events.get("awarded", 0) + 1
        if contract.federation is not None:
            contract.federation.contract = contract

    def end(self, contract: Contract, status: str) -> None:
        """End a contract (expired, handed back or terminated).

        It stops paying from now on and its practices return to GMS.
        """
        if contract.status != "active":
            return
        contract.status = status
        self.events[status] = self.events.get(status, 0) + 1
        covered = contract.practices[self.coverage[contract.practices] == contract.id]
        self.coverage[covered] = NO_CONTRACT
        if contract.federation is not None and contract.federation.contract is contract:
            contract.federation.contract = None

    def release_practice(self, practice: int) -> None:
        """A practice leaves its contract (it left the holding federation, or closed)."""
        self.coverage[practice] = NO_CONTRACT

    def covered_shares(self, state: SimpleNamespace, levers: SimpleNamespace) -> tuple:
        """Per practice, what contracts cover.

        Returns:
            Share of emergency and of elective admissions under a contract, and whether the
            practice's GMS runs through a contract.
        """
        n = len(self.coverage)
        emergency, elective, merged = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
        for contract in self.active():
            covered = contract.practices[self.coverage[contract.practices] == contract.id]
            if contract.kind == "population":
                emergency[covered] = elective[covered] = 1.0
                merged[covered] = contract.merged_gms
            else:
                emergency[covered] = diabetes_attributable_share(state, levers, covered)
        return emergency, elective, merged

    def integration_effect(self, state: SimpleNamespace, levers: SimpleNamespace) -> np.ndarray:
        """Share of each practice's emergency admissions avoided by integrated care (I)."""
        effect = np.zeros(len(self.coverage))
        for contract in self.active():
            covered = contract.practices[self.coverage[contract.practices] == contract.id]
            ramp = min(1.0, (contract.quarters_held + 1) / levers.integration_ramp_quarters)
            full = integration_saving(contract.capacity * ramp, levers)
            if contract.kind == "population":
                effect[covered] = full
            else:
                effect[covered] = full * diabetes_attributable_share(state, levers, covered)
        return effect


def integration_saving(capacity: float | np.ndarray, levers: SimpleNamespace) -> np.ndarray:
    """I = I_max (1 - exp(-kappa C)): emergency admissions avoided at coordination capacity C."""
    return levers.integration_max_effect * (
        1.0 - np.exp(-levers.integration_capacity_rate * np.asarray(capacity, dtype=float))
    )


def diabetes_attributable_share(
    state: SimpleNamespace, levers: SimpleNamespace, practices: np.ndarray
) -> np.ndarray:
    """Share of a practice's emergency admissions due to diabetes: delta d / (1 + delta d)."""
    excess = levers.diabetes_excess_admission_risk * state.diabetes_prevalence[practices]
    return excess / (1.0 + excess)


def settle_contracts(model: GPFedModel) -> None:
    """Pay, measure and enforce every contract in force this quarter (module docstring)."""
    book, levers = model.contracts, model.levers
    for contract in book.active():
        _settle_one(model, contract, levers)
    for contract in book.active():
        _enforce(model, contract, levers)


def _settle_one(model: GPFedModel, contract: Contract, levers: SimpleNamespace) -> None:
    state, ledger, accounts = model.practice_state, model.ledger, model.accounts
    trusts = model.trust_state
    covered = contract.practices[model.contracts.coverage[contract.practices] == contract.id]
    covered = covered[state.is_open[covered]]
    payer, holder = int(accounts.commissioner[contract.area]), contract.account
    population = float(state.list_size[covered].sum())
    budget = contract.price_gbp_per_head_per_quarter * population
    withheld = levers.outcome_payment_share * budget
    overlap = 0.0
    if not contract.merged_gms:
        overlap = levers.gms_overlap_share * (1.0 - levers.core_definition) * budget
    paid = ledger.pay(payer, holder, budget - withheld - overlap, "integrated_contract")
    paid += ledger.pay(payer, holder, overlap, "paid_twice")
    if contract.merged_gms:
        paid += ledger.pay(payer, holder, state.income_gbp[covered].sum(), "gms_in_contract")

    if contract.kind == "population":
        share_e, share_el = np.ones(len(covered)), np.ones(len(covered))
        community = levers.community_services_gbp_per_head_per_year * population
    else:
        share_e = diabetes_attributable_share(state, levers, covered)
        share_el = np.zeros(len(covered))
        diabetics = (state.list_size[covered] * state.diabetes_prevalence[covered]).sum()
        community = levers.diabetes_care_gbp_per_diabetic_per_year * diabetics
    emergency = state.emergency_admissions[covered] * share_e
    elective = state.elective_admissions[covered] * share_el
    hospital_by_trust = np.zeros(len(trusts.capacity))
    tariff = emergency * levers.emergency_tariff_gbp + elective * levers.elective_tariff_gbp
    np.add.at(
        hospital_by_trust,
        state.referral_trust[covered].ravel(),
        (tariff[:, None] * state.referral_share[covered]).ravel(),
    )
    spent = ledger.pay(holder, accounts.trust, hospital_by_trust, "integrated_hospital_care")
    trusts.income_gbp += np.rint(hospital_by_trust * PENCE_PER_GBP) / PENCE_PER_GBP
    shock = model.streams["contract_costs"].normal(0.0, levers.holder_cost_sd)
    expected_cost = tariff.sum() + community / QUARTERS_PER_YEAR
    other = max(community / QUARTERS_PER_YEAR + shock * expected_cost, 0.0)
    spent += ledger.pay(holder, ECONOMY, other, "integrated_community_care")

    expected_e = contract.expected_emergency_per_head_per_quarter * population
    target_cut = levers.admissions_target_reduction * expected_e
    achievement = float(np.clip((expected_e - emergency.sum()) / max(target_cut, 1e-9), 0, 1))
    paid += ledger.pay(payer, holder, withheld * achievement, "outcome_payment")
    contract.achievements.append(achievement)

    variance = budget - spent / PENCE_PER_GBP
    kept = provider_retained_gbp(variance, budget, contract.quarters_held - 1, levers)
    ledger.settle(holder, payer, variance - kept, "risk_share")
    model.commissioner_state.spend_gbp[contract.area] += (paid / PENCE_PER_GBP) - (variance - kept)
    net = paid / PENCE_PER_GBP - spent / PENCE_PER_GBP - (variance - kept)
    if contract.merged_gms:
        # The GMS pass-through is paid to practices by settle_quarter from the holder account.
        net -= state.income_gbp[covered].sum()
    if contract.holder == "alliance":
        trust_part = levers.ico_trust_risk_share * net
        ledger.settle(holder, accounts.trust[contract.trust], trust_part, "alliance_share")
        net -= trust_part
    contract.result_gbp += net


def _enforce(model: GPFedModel, contract: Contract, levers: SimpleNamespace) -> None:
    """Remedial notices and termination, expiry and retention, hand-backs.

    Trusts and entrants hand back here; federations hand back when they cannot cover a loss
    (:func:`gpfed.model.federations.settle_federations`).
    """
    book = model.contracts
    if contract.achievements[-1] < levers.remedial_threshold:
        contract.notices += 1
        if contract.notices >= levers.termination_notices:
            book.end(contract, "terminated")
            return
    annual_value = (
        QUARTERS_PER_YEAR
        * contract.price_gbp_per_head_per_quarter
        * float(model.practice_state.list_size[contract.practices].sum())
    )
    if contract.holder in ("trust", "entrant") and (
        contract.result_gbp < -levers.handback_loss_share * annual_value
    ):
        book.end(contract, "handed_back")
        return
    if model.steps >= contract.end:
        if float(np.mean(contract.achievements)) >= levers.retention_threshold:
            contract.end = model.steps + levers.contract_length_quarters
        else:
            book.end(contract, "expired")
