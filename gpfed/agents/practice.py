"""The GP practice: a partnership holding a GMS contract for a registered list.

State lives in the model's :class:`~gpfed.model.state.PracticeState` columns; a Practice agent
is the handle on its row (index), sitting on its node of the practice/trust network. Its
decisions: whether it is failing (profit per partner below a threshold), and when it has failed
for long enough, whether to merge into a neighbour or hand back its contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gpfed.agents.node import NodeAgent
from gpfed.model.finance import NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP
from gpfed.model.ledger import ECONOMY
from gpfed.model.registration import blend_into, disperse_list, nearest_open_practices
from gpfed.model.state import PracticeState, profit_per_partner_gbp_per_year

if TYPE_CHECKING:
    from gpfed.agents.federation import Federation


class Practice(NodeAgent):
    """A GP practice (a row of the practice columns, fixed to its network node)."""

    @property
    def _state(self) -> PracticeState:
        return self.model.practice_state

    @property
    def list_size(self) -> int:
        """Registered patients."""
        return int(self._state.list_size[self.index])

    @property
    def need_weight(self) -> float:
        """Carr-Hill style need weight of the list (mean 1 across England)."""
        return float(self._state.need_weight[self.index])

    @property
    def quality(self) -> float:
        """Quality in [0, 1]: drives QOF income and avoidable emergency admissions."""
        return float(self._state.quality[self.index])

    @property
    def partners(self) -> int:
        """GP partners sharing the profit."""
        return int(self._state.partners[self.index])

    @property
    def area(self) -> int:
        """Commissioner area (index of its Commissioner)."""
        return int(self._state.area[self.index])

    @property
    def income_gbp(self) -> float:
        """NHS income in the last quarter, £."""
        return float(self._state.income_gbp[self.index])

    @property
    def profit_per_partner_gbp_per_year(self) -> float:
        """Last quarter's profit per partner, annualised, £."""
        state, i = self._state, self.index
        return float(
            profit_per_partner_gbp_per_year(
                state.income_gbp[i], state.expenses_gbp[i], state.partners[i]
            )
        )

    @property
    def reserves_gbp(self) -> float:
        """Money held by the practice (its ledger balance), £."""
        return float(self.model.ledger.balance_gbp(self.model.accounts.practice[self.index]))

    @property
    def emergency_admissions(self) -> int:
        """Emergency admissions of its patients in the last quarter."""
        return int(self._state.emergency_admissions[self.index])

    @property
    def federation(self) -> Federation | None:
        """The federation it belongs to, if any."""
        return self.model.federations.get(int(self._state.federation[self.index]))

    @property
    def federation_id(self) -> int:
        """Unique id of its federation (-1: none)."""
        return int(self._state.federation[self.index])

    @property
    def contract(self) -> str:
        """How its patients' care is contracted.

        "GMS", or the integrated contract covering it as "<kind> (<holder>)", e.g.
        "population (alliance)".
        """
        book = self.model.contracts
        contract_id = int(book.coverage[self.index])
        return "GMS" if contract_id < 0 else book.label(contract_id)

    def leave_federation(self, federation: Federation) -> None:
        """Leave its federation.

        With the right of return its patients go back to GMS if they were under that
        federation's contract.
        """
        self.model.contracts.return_to_gms(self.index, federation)
        federation.release(self.index)

    @staticmethod
    def count_failing_quarters(state: PracticeState, threshold_share: float) -> None:
        """Update every open practice's run of quarters with profit per partner below threshold.

        The threshold is ``threshold_share`` of the national mean profit per partner (£106,100,
        NHS IC 2011/12); one good quarter resets the run.
        """
        failing = state.is_open & (
            state.profit_per_partner_gbp_per_year
            < threshold_share * NATIONAL_MEAN_PROFIT_PER_PARTNER_GBP
        )
        state.failing_quarters = np.where(failing, state.failing_quarters + 1, 0)

    def exit(self, merge_probability: float, rng: np.random.Generator) -> str:
        """Leave the market: merge into a neighbour, or hand back the contract.

        In a merger one open neighbour (chosen in proportion to list size) takes the whole
        list, the partners, the MPIG entitlement and the reserves or debts. On hand-back the
        list is shared among the nearest open practices by GP partners, and the partners settle
        the reserves with the outside economy. The agent is then removed from the model.

        Returns:
            ``"merger"`` or ``"closure"``.
        """
        state, ledger, accounts = self._state, self.model.ledger, self.model.accounts
        i = self.index
        if self.federation is not None:
            self.leave_federation(self.federation)
        self.model.contracts.release_practice(i)
        state.is_open[i] = False
        receivers = nearest_open_practices(i, self.model.practice_neighbours, state.is_open)
        balance = ledger.balance_gbp(accounts.practice[i])
        if rng.random() < merge_probability:
            lists = state.list_size[receivers].astype(float)
            absorber = np.array([rng.choice(receivers, p=lists / lists.sum())])
            moved = np.array([state.list_size[i]])
            blend_into(state, absorber, i, moved, ("quality", "cost_efficiency"))
            disperse_list(state, i, absorber)
            for column in ("partners", "senior_partners", "mpig_gbp_per_year"):
                getattr(state, column)[absorber] += getattr(state, column)[i]
            state.failing_quarters[absorber] = 0
            ledger.settle(accounts.practice[i], accounts.practice[absorber[0]], balance, "merger")
            outcome = "merger"
        else:
            disperse_list(state, i, receivers)
            ledger.settle(accounts.practice[i], ECONOMY, balance, "closure_settlement")
            outcome = "closure"
        state.partners[i] = state.senior_partners[i] = 0
        state.mpig_gbp_per_year[i] = 0.0
        state.failing_quarters[i] = 0
        self.remove()
        return outcome
