"""The commissioner (a CCG area): receives an allocation per head and pays for its patients' care.

In this model the commissioner pays both the GP contract and hospital activity for its area (in
2013 NHS England's area teams held GP contracts; folding them into one payer keeps every flow
for an area's population in one account).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

if TYPE_CHECKING:
    from gpfed.model.model import GPFedModel


class Commissioner(Agent):
    """A commissioner area.

    Args:
        model: the model it belongs to.
        index: its area number (practices with ``area == index`` are its practices).
        area_team: the area team it belongs to.
    """

    model: GPFedModel

    def __init__(self, model: GPFedModel, index: int, area_team: int) -> None:
        super().__init__(model)
        self.index = index
        self.area_team = area_team

    @property
    def population(self) -> int:
        """Patients registered with its open practices."""
        state = self.model.practice_state
        return int(state.list_size[(state.area == self.index) & state.is_open].sum())

    @property
    def practices_open(self) -> int:
        """Open practices in its area."""
        state = self.model.practice_state
        return int(np.count_nonzero((state.area == self.index) & state.is_open))

    @property
    def spend_gbp(self) -> float:
        """Spend in the last quarter, £."""
        return float(self.model.commissioner_state.spend_gbp[self.index])

    @property
    def balance_gbp(self) -> float:
        """Allocation received less spend, accumulated (its ledger balance), £."""
        return float(self.model.ledger.balance_gbp(self.model.accounts.commissioner[self.index]))
