"""A double-entry money ledger in integer pence.

Every payment has a payer account, a payee account, an amount and a purpose; balances change only
through :meth:`Ledger.pay`, so the sum of all balances (outside accounts included) stays zero to
the penny. Two outside accounts close the books: ``treasury`` (allocations flow in from it) and
``economy`` (costs, drawings and other services flow out to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from gpfed.world.units import PENCE_PER_GBP

TREASURY = 0
ECONOMY = 1


class Purpose(StrEnum):
    """Why money moved: every payment's purpose, named once (ledger frames show the values)."""

    ALLOCATION = "allocation"
    GLOBAL_SUM = "global_sum"
    MPIG = "mpig"
    QOF = "qof"
    SENIORITY = "seniority"
    ENHANCED_SERVICES = "enhanced_services"
    REIMBURSEMENTS = "reimbursements"
    PBR_EMERGENCY = "pbr_emergency"
    PBR_ELECTIVE = "pbr_elective"
    BLOCK_CONTRACT = "block_contract"
    CAPITATION = "capitation"
    OTHER_SERVICES = "other_services"
    PRACTICE_EXPENSES = "practice_expenses"
    PARTNER_DRAWINGS = "partner_drawings"
    CARE_MANAGEMENT = "care_management"
    LOCUM_PREMIUM = "locum_premium"
    TRUST_COSTS = "trust_costs"
    TRUST_CAPACITY_CHANGE = "trust_capacity_change"
    INTEGRATED_CONTRACT = "integrated_contract"
    PAID_TWICE = "paid_twice"
    GMS_IN_CONTRACT = "gms_in_contract"
    INTEGRATED_HOSPITAL_CARE = "integrated_hospital_care"
    INTEGRATED_COMMUNITY_CARE = "integrated_community_care"
    OUTCOME_PAYMENT = "outcome_payment"
    RISK_SHARE = "risk_share"
    ALLIANCE_SHARE = "alliance_share"
    BID_COSTS = "bid_costs"
    PROCUREMENT_COSTS = "procurement_costs"
    FEDERATION_INCENTIVE = "federation_incentive"
    REWARD_FOR_SCALE = "reward_for_scale"
    OOH_PAYMENT = "ooh_payment"
    OOH_COSTS = "ooh_costs"
    BACKOFFICE_SAVING = "backoffice_saving"
    COORDINATION_COSTS = "coordination_costs"
    FEDERATION_DIVIDEND = "federation_dividend"
    FEDERATION_LEVY = "federation_levy"
    PERFORMANCE_SHARE = "performance_share"
    FEDERATION_SPLIT = "federation_split"
    FEDERATION_WIND_UP = "federation_wind_up"
    FEDERATION_MERGER = "federation_merger"
    FEDERATION_MERGER_COSTS = "federation_merger_costs"
    MERGER = "merger"
    MERGER_COSTS = "merger_costs"
    CLOSURE_SETTLEMENT = "closure_settlement"
    QUALITY_PREMIUM = "quality_premium"


@dataclass(frozen=True)
class Accounts:
    """Account numbers of each holder type: ``practice[i]`` is practice i's account, etc."""

    commissioner: np.ndarray
    practice: np.ndarray
    trust: np.ndarray

    @classmethod
    def layout(cls, n_commissioners: int, n_practices: int, n_trusts: int) -> Accounts:
        """Number accounts: treasury, economy, then commissioners, practices, trusts."""
        start = 2
        commissioner = np.arange(start, start + n_commissioners)
        start += n_commissioners
        practice = np.arange(start, start + n_practices)
        start += n_practices
        trust = np.arange(start, start + n_trusts)
        return cls(commissioner, practice, trust)

    @property
    def size(self) -> int:
        """Total number of accounts, outside ones included."""
        return 2 + len(self.commissioner) + len(self.practice) + len(self.trust)

    def holder_type(self) -> np.ndarray:
        """Holder type name of every account."""
        kinds = np.empty(self.size, dtype=object)
        kinds[TREASURY], kinds[ECONOMY] = "treasury", "economy"
        kinds[self.commissioner] = "commissioner"
        kinds[self.practice] = "practice"
        kinds[self.trust] = "trust"
        return kinds


class Ledger:
    """Balances of every account, in pence, and the record of every payment.

    Args:
        accounts: the account layout.
        keep_transfers: keep each payment (payer, payee, amount, purpose, step) for audit and
            :meth:`transfers_frame`; totals by purpose and step are kept either way.
    """

    def __init__(self, accounts: Accounts, keep_transfers: bool = True) -> None:
        self.accounts = accounts
        # Balances are a view of the first accounts of a buffer with room to open more, so opening
        # an account does not copy every balance.
        self._buffer = np.zeros(accounts.size, dtype=np.int64)
        self.balance_pence = self._buffer[: accounts.size]
        self.step = 0
        self.keep_transfers = keep_transfers
        self._purposes: dict[str, int] = {}
        self._chunks: list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]] = []
        # Pence paid by step, then purpose: a quarter's totals are read without scanning the run.
        self._totals: dict[int, dict[str, int]] = {}
        self._opened_kinds: list[str] = []

    def open_account(self, kind: str) -> int:
        """Open a new account with a zero balance (a federation, an entrant); return its number."""
        n = len(self.balance_pence)
        # A copied ledger (pickled, deep-copied) no longer views its buffer: regrow it then too.
        if n == len(self._buffer) or self.balance_pence.base is not self._buffer:
            self._buffer = np.concatenate([self.balance_pence, np.zeros(max(n, 1), dtype=np.int64)])
        self.balance_pence = self._buffer[: n + 1]
        self._opened_kinds.append(kind)
        return n

    def holder_types(self) -> np.ndarray:
        """Holder type name of every account, accounts opened during the run included."""
        opened = np.array(self._opened_kinds, dtype=object)
        return np.concatenate([self.accounts.holder_type(), opened])

    def pay(
        self,
        payer: int | np.ndarray,
        payee: int | np.ndarray,
        amount_gbp: float | np.ndarray,
        purpose: Purpose,
    ) -> int:
        """Move money from payer to payee account(s); amounts in £, rounded to the penny.

        ``payer``, ``payee`` and ``amount_gbp`` broadcast against each other. Amounts must not
        be negative: a flow the other way is a payment the other way (see :meth:`settle`).

        Returns:
            The total paid, in pence.
        """
        scalar_accounts = isinstance(payer, int | np.integer) and isinstance(
            payee, int | np.integer
        )
        if scalar_accounts and np.ndim(amount_gbp) == 0:
            return self._pay_one(int(payer), int(payee), float(amount_gbp), purpose)
        pence = np.rint(np.asarray(amount_gbp, dtype=float) * PENCE_PER_GBP).astype(np.int64)
        payer_arr, payee_arr, pence = _broadcast(
            np.asarray(payer, dtype=np.int64), np.asarray(payee, dtype=np.int64), pence
        )
        if pence.size and pence.min() < 0:
            raise ValueError(f"negative payment for {purpose!r}: use the opposite direction")
        keep = pence > 0
        if not keep.all():
            payer_arr, payee_arr, pence = payer_arr[keep], payee_arr[keep], pence[keep]
        if pence.size == 0:
            return 0
        np.subtract.at(self.balance_pence, payer_arr.ravel(), pence.ravel())
        np.add.at(self.balance_pence, payee_arr.ravel(), pence.ravel())
        total = int(pence.sum())
        self._add_to_totals(purpose, total)
        if self.keep_transfers:
            code = self._purposes.setdefault(purpose, len(self._purposes))
            self._chunks.append(
                (self.step, code, payer_arr.ravel().copy(), payee_arr.ravel().copy(), pence.ravel())
            )
        return total

    def _pay_one(self, payer: int, payee: int, amount_gbp: float, purpose: Purpose) -> int:
        """One payment between two accounts: :meth:`pay` without the array machinery."""
        pence = round(amount_gbp * PENCE_PER_GBP)
        if pence < 0:
            raise ValueError(f"negative payment for {purpose!r}: use the opposite direction")
        if pence == 0:
            return 0
        self.balance_pence[payer] -= pence
        self.balance_pence[payee] += pence
        self._add_to_totals(purpose, pence)
        if self.keep_transfers:
            code = self._purposes.setdefault(purpose, len(self._purposes))
            self._chunks.append(
                (
                    self.step,
                    code,
                    np.array([payer], dtype=np.int64),
                    np.array([payee], dtype=np.int64),
                    np.array([pence], dtype=np.int64),
                )
            )
        return pence

    def settle(
        self,
        account_a: int | np.ndarray,
        account_b: int | np.ndarray,
        amount_gbp: float | np.ndarray,
        purpose: Purpose,
    ) -> None:
        """Pay a signed amount: positive from ``a`` to ``b``, negative from ``b`` to ``a``."""
        if np.size(account_a) == 1 and np.size(account_b) == 1 and np.size(amount_gbp) == 1:
            # One payment (a federation wound up into its last member, say): no array machinery.
            a, b = int(np.asarray(account_a).item()), int(np.asarray(account_b).item())
            value = float(np.asarray(amount_gbp).item())
            if value > 0:
                self._pay_one(a, b, value, purpose)
            elif value < 0:
                self._pay_one(b, a, -value, purpose)
            return
        amount = np.asarray(amount_gbp, dtype=float)
        a, b, amount = _broadcast(np.asarray(account_a), np.asarray(account_b), amount)
        forward = amount > 0
        # A direction with nothing to pay is skipped: paying nothing changes nothing.
        if forward.any():
            self.pay(a[forward], b[forward], amount[forward], purpose)
        backward = ~forward
        if backward.any():
            self.pay(b[backward], a[backward], -amount[backward], purpose)

    def balance_gbp(self, accounts: int | np.ndarray) -> float | np.ndarray:
        """Balance of one or more accounts, in £."""
        return self.balance_pence[accounts] / PENCE_PER_GBP

    def total_pence(self) -> int:
        """Sum of all balances, outside accounts included: zero unless money was created."""
        return int(self.balance_pence.sum())

    def _add_to_totals(self, purpose: Purpose, pence: int) -> None:
        by_purpose = self._totals.setdefault(self.step, {})
        by_purpose[purpose] = by_purpose.get(purpose, 0) + pence

    def totals_by_purpose(self, step: int | None = None) -> dict[str, float]:
        """Money paid per purpose (£), in one step or over the whole run."""
        steps = self._totals.values() if step is None else [self._totals.get(step, {})]
        out: dict[str, float] = {}
        for by_purpose in steps:
            for purpose, pence in by_purpose.items():
                out[str(purpose)] = out.get(purpose, 0.0) + pence / PENCE_PER_GBP
        return out

    def totals_frame(self) -> pd.DataFrame:
        """Money paid per step and purpose, £, as a tidy DataFrame."""
        rows = sorted(
            (s, str(p), v / PENCE_PER_GBP)
            for s, by_purpose in self._totals.items()
            for p, v in by_purpose.items()
        )
        return pd.DataFrame(rows, columns=["step", "purpose", "amount_gbp"])

    def transfers_frame(self) -> pd.DataFrame:
        """Every payment: step, payer, payee, holder types, purpose, amount (pence and £)."""
        if not self.keep_transfers:
            raise RuntimeError("this ledger was built with keep_transfers=False")
        names = np.array([str(p) for p in self._purposes], dtype=object)
        kinds = self.holder_types()
        if not self._chunks:
            payer = payee = pence = np.zeros(0, dtype=np.int64)
            steps = codes = np.zeros(0, dtype=np.int64)
        else:
            sizes = [len(c[2]) for c in self._chunks]
            steps = np.repeat([c[0] for c in self._chunks], sizes)
            codes = np.repeat([c[1] for c in self._chunks], sizes)
            payer = np.concatenate([c[2] for c in self._chunks])
            payee = np.concatenate([c[3] for c in self._chunks])
            pence = np.concatenate([c[4] for c in self._chunks])
        return pd.DataFrame(
            {
                "step": steps,
                "payer": payer,
                "payer_type": kinds[payer] if len(payer) else np.zeros(0, dtype=object),
                "payee": payee,
                "payee_type": kinds[payee] if len(payee) else np.zeros(0, dtype=object),
                "purpose": names[codes] if len(codes) else np.zeros(0, dtype=object),
                "amount_pence": pence,
                "amount_gbp": pence / PENCE_PER_GBP,
            }
        )


def _broadcast(*arrays: np.ndarray) -> list[np.ndarray]:
    """``np.broadcast_arrays`` with a quick path for payments: arrays of one shape and scalars."""
    shapes = {a.shape for a in arrays} - {()}
    if len(shapes) > 1:
        return np.broadcast_arrays(*arrays)
    shape = shapes.pop() if shapes else ()
    return [a if a.shape == shape else np.full(shape, a) for a in arrays]
