"""The acute trust: treats the admissions its referring practices' patients need.

Under payment by results a trust with spare beds draws in extra activity (supply-induced demand,
see :func:`gpfed.model.demand.induced_demand`); its income depends on the payment model in force.
"""

from __future__ import annotations

from gpfed.agents.node import NodeAgent
from gpfed.model.state import TrustState


class Trust(NodeAgent):
    """An acute hospital trust (a row of the trust columns, fixed to its network node)."""

    @property
    def _state(self) -> TrustState:
        return self.model.trust_state

    @property
    def emergency_admissions(self) -> float:
        """Emergency admissions treated in the last quarter."""
        return float(self._state.emergency_admissions[self.index])

    @property
    def elective_admissions(self) -> float:
        """Elective admissions treated in the last quarter."""
        return float(self._state.elective_admissions[self.index])

    @property
    def capacity(self) -> float:
        """Admissions a quarter it can treat."""
        return float(self._state.capacity[self.index])

    @property
    def spare_capacity(self) -> float:
        """Share of capacity unused in the last quarter."""
        return float(self._state.spare_capacity[self.index])

    @property
    def income_gbp(self) -> float:
        """Income from commissioners in the last quarter, £."""
        return float(self._state.income_gbp[self.index])

    @property
    def surplus_gbp(self) -> float:
        """Income less costs in the last quarter, £."""
        return float(self._state.income_gbp[self.index] - self._state.costs_gbp[self.index])

    @property
    def balance_gbp(self) -> float:
        """Accumulated surplus (its ledger balance), £."""
        return float(self.model.ledger.balance_gbp(self.model.accounts.trust[self.index]))
