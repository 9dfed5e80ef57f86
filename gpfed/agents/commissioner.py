"""The commissioner (a CCG area): receives an allocation per head, pays for care, and decides.

In this model the commissioner pays both the GP contract and hospital activity for its area (in
2013 NHS England's area teams held GP contracts; folding them into one payer keeps every flow
for an area's population in one account).

Decisions (class methods; override in a subclass and pass it as
``GPFedModel(commissioner_class=...)``):

- :meth:`Commissioner.tenders_now`: whether the optional contract is offered this quarter (a
  calendar);
- :meth:`Commissioner.choose_procurements`: which lots to procure, when the saving it expects at
  the success rate it has seen beats the procurement cost, within its free procurement capacity;
- :meth:`Commissioner.judge_quality`: a bidder's quality, its promise weighed against the outcome
  achievement it has been seen to deliver;
- :meth:`Commissioner.award`: award a lot to the best-scoring bid within the reserve price, or
  directly to the most capable bidder at the reserve price.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mesa import Agent

from gpfed.institutions.tender import Bid, scores
from gpfed.parameters import Levers


class Commissioner(Agent):
    """A commissioner area.

    Args:
        model: the model it belongs to.
        index: its area number (practices with ``area == index`` are its practices).
        area_team: the area team it belongs to.
    """

    def __init__(self, model: Any, index: int, area_team: int) -> None:
        super().__init__(model)
        self.index = index
        self.area_team = area_team

    @property
    def population(self) -> int:
        """Patients registered with its open practices."""
        state = self.model.practice_state
        rows = state.area_rows(self.index)
        return int(state.list_size[rows][state.is_open[rows]].sum())

    @property
    def practices_open(self) -> int:
        """Open practices in its area."""
        state = self.model.practice_state
        return int(np.count_nonzero(state.is_open[state.area_rows(self.index)]))

    @property
    def spend_gbp(self) -> float:
        """Spend in the last quarter, £."""
        return float(self.model.commissioner_state.spend_gbp[self.index])

    @property
    def balance_gbp(self) -> float:
        """Allocation received less spend, accumulated (its ledger balance), £."""
        return float(self.model.ledger.balance_gbp(self.model.accounts.commissioner[self.index]))

    # --- decisions ----------------------------------------------------------------------------
    @classmethod
    def tenders_now(cls, quarter: int, levers: Levers) -> bool:
        """Optional-contract offers fall every ``tender_every_quarters``, from the first quarter."""
        return quarter % levers.tender_every_quarters == 0

    @classmethod
    def choose_procurements(
        cls, expected_saving_gbp: np.ndarray, free_slots: int, levers: Levers
    ) -> np.ndarray:
        """Which candidate lots to start procuring (indices, best first).

        Those whose expected saving beats ``procurement_cost_gbp``, the largest net value first,
        at most ``free_slots`` of them.

        Args:
            expected_saving_gbp: each candidate's saving over a contract, as the commissioner
                expects it (the budget cut times the share of its procurements that have
                succeeded), £.
            free_slots: procurements it can start now (its capacity less those in progress).
            levers: levers in force.
        """
        net = np.asarray(expected_saving_gbp, dtype=float) - levers.procurement_cost_gbp
        worth = np.flatnonzero(net > 0)
        best_first = worth[np.argsort(-net[worth], kind="stable")]
        return best_first[: max(free_slots, 0)]

    @classmethod
    def judge_quality(
        cls, promised: float, observed: float, observed_quarters: int, levers: Levers
    ) -> float:
        """The quality it credits a bid with: (k x promised + n x observed) / (k + n).

        Args:
            promised: the quality the bid promises (0-1).
            observed: the bidder's mean outcome achievement on contracts it has held (0-1).
            observed_quarters: quarters of that record (failed contracts count a year at 0).
            levers: levers in force (k = ``commissioner_record_weight_quarters``).
        """
        k = levers.commissioner_record_weight_quarters
        if k + observed_quarters == 0:
            return promised
        return (k * promised + observed_quarters * observed) / (k + observed_quarters)

    @classmethod
    def award(
        cls,
        bids: list[Bid],
        judged_quality: list[float],
        reserve_gbp_per_quarter: float,
        levers: Levers,
        rng,
    ) -> tuple[Bid, float]:
        """The winning bid and the price per quarter it is paid.

        With ``direct_award_probability`` the most capable bidder gets the lot at the reserve
        price; otherwise the best score on the judged quality wins at its own price (the first of
        equal scores).
        """
        if rng.random() < levers.direct_award_probability:
            return max(bids, key=lambda b: b.capacity), reserve_gbp_per_quarter
        score = scores(bids, judged_quality, levers)
        winner = bids[score.index(max(score))]
        return winner, winner.price_gbp_per_quarter
