"""Base of agents that are a row of the model's state columns, fixed to a network node."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import Cell, FixedAgent

if TYPE_CHECKING:
    from gpfed.model.model import GPFedModel


class NodeAgent(FixedAgent):
    """An agent whose state is row ``index`` of the model's columns, sitting on ``cell``.

    Args:
        model: the model it belongs to.
        index: its row in the model's state columns for its type.
        cell: its node on ``model.network``.
    """

    model: GPFedModel

    def __init__(self, model: GPFedModel, index: int, cell: Cell) -> None:
        super().__init__(model)
        self.index = index
        self.cell = cell
