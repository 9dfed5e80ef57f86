"""The acute trust: treats the admissions its referring practices' patients need, and decides.

Its income depends on the hospital payment model in force (:mod:`gpfed.institutions`).

Decisions (class methods; override in a subclass and pass it as ``GPFedModel(trust_class=...)``):

- :meth:`Trust.induce_demand`: under payment by results a trust with spare beds draws in extra
  activity (supply-induced demand: Cochrane CD002215, fee-for-service raises volumes against
  capitation);
- :meth:`Trust.plan_capacity`: each year, move capacity toward the activity it expects to be
  paid for plus the spare capacity payment per episode makes worth holding (PbR pays for the
  volume spare beds draw in; a block or capitation does not);
- :meth:`Trust.choose_bid_form`: ally with a federation that asks, bid alone, or stay out (a
  trust is in at most one bid for a lot: it never bids against its own alliance);
- :meth:`Trust.price_bid` and :meth:`Trust.adapt_markup` (from
  :class:`~gpfed.agents.holders.CostBidder`): at what price, or not at all; the markup it learns.
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
    def plan_capacity(
        cls,
        capacity: np.ndarray,
        paid_admissions_per_quarter: np.ndarray,
        frozen: np.ndarray,
        levers: Levers,
    ) -> np.ndarray:
        """Capacity for next year, admissions a quarter, per trust.

        The plan is the activity the trust was paid for last year plus the spare capacity that
        payment per episode makes worth holding: at the start, under payment by results, trusts
        hold ``trust_spare_capacity_share`` (spare beds draw in activity PbR pays for); the share
        scales with the PbR share of income, so under a block or capitation, which pay nothing
        for extra volume, a trust plans for no spare capacity. It closes
        ``trust_capacity_adjustment_per_year`` of the gap, at most
        ``trust_capacity_change_cap_per_year`` of its capacity, and cannot grow while the
        regulator has frozen it.

        Args:
            capacity: each trust's capacity now.
            paid_admissions_per_quarter: admissions paid for a quarter last year (see
                :meth:`~gpfed.world.state.TrustState.paid_admissions`).
            frozen: trusts whose capacity the regulator has frozen.
            levers: levers in force.
        """
        plan = paid_admissions_per_quarter * (
            1.0 + levers.trust_spare_capacity_share * pbr_share(levers)
        )
        limit = levers.trust_capacity_change_cap_per_year * capacity
        change = np.clip(
            levers.trust_capacity_adjustment_per_year * (plan - capacity), -limit, limit
        )
        return capacity + np.where(frozen, np.minimum(change, 0.0), change)

    @classmethod
    def choose_bid_form(
        cls, asking_lists: np.ndarray, can_carry_alone: bool, levers: Levers
    ) -> tuple[str | None, int | None]:
        """How the lot's main trust takes part: allied, alone or not at all.

        ``("allied", k)`` with the k-th federation that asked (the largest list: the most
        coordination capacity), else ``("alone", None)`` where trusts may bid and it can bear
        the risk, else ``(None, None)``.

        Args:
            asking_lists: lists of the federations asking it to ally, in the order they asked.
            can_carry_alone: whether it could bear the worst-case yearly loss on its own.
            levers: levers in force.
        """
        if len(asking_lists):
            return "allied", int(np.argmax(asking_lists))
        if levers.trusts_may_bid and can_carry_alone:
            return "alone", None
        return None, None
