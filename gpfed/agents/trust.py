"""The acute trust: treats the admissions its referring practices' patients need, and decides.

Its income depends on the hospital payment model in force (:mod:`gpfed.institutions`).

Decisions (class methods; override in a subclass and pass it as ``GPFedModel(trust_class=...)``):

- :meth:`Trust.induce_demand`: under payment by results a trust with spare beds draws in extra
  activity (supply-induced demand: Cochrane CD002215, fee-for-service raises volumes against
  capitation);
- :meth:`Trust.decide_bid` and :meth:`Trust.price_bid` (from
  :class:`~gpfed.agents.holders.CostBidder`): bid alone for a lot, and at what price.
"""

from __future__ import annotations

import numpy as np

from gpfed.agents.holders import CostBidder
from gpfed.agents.node import NodeAgent
from gpfed.institutions.hospital_payment import pbr_share
from gpfed.parameters import Levers
from gpfed.world.state import PracticeState, TrustState


class Trust(CostBidder, NodeAgent):
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

    # --- decisions ----------------------------------------------------------------------------
    @classmethod
    def induce_demand(
        cls, state: PracticeState, trust_spare: np.ndarray, levers: Levers
    ) -> np.ndarray:
        """Supply-induced demand iota per practice from its referral trusts' spare capacity.

        ``induced_demand_elasticity x PbR share of the payment x spare capacity`` of the
        practice's referral trusts, weighted by its referral shares.
        """
        spare = (trust_spare[state.referral_trust] * state.referral_share).sum(axis=1)
        return levers.induced_demand_elasticity * pbr_share(levers) * spare

    @classmethod
    def decide_bid(cls, levers: Levers) -> bool:
        """Whether the lot's main trust bids alone (where trusts may bid)."""
        return bool(levers.trusts_may_bid)
