"""Base of agents that are a row of the model's state columns, fixed to a network node.

Agents read the model only through :class:`EconomyView`, the attributes a view of one agent needs;
the agents layer never imports the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from mesa.discrete_space import Cell, FixedAgent

from gpfed.institutions.contract_terms import ContractBook
from gpfed.world.ledger import Accounts, Ledger
from gpfed.world.state import CommissionerState, PracticeState, TrustState


class EconomyView(Protocol):
    """What an agent's view reads of the economy it belongs to (the model provides it)."""

    practice_state: PracticeState
    trust_state: TrustState
    commissioner_state: CommissionerState
    ledger: Ledger
    accounts: Accounts
    contracts: ContractBook
    federations: Mapping[int, Any]
    quarters_simulated: int

    def practice_agent(self, index: int) -> Any:
        """The Practice agent of row ``index``, None once it has exited."""
        ...


class NodeAgent(FixedAgent):
    """An agent whose state is row ``index`` of the model's columns, sitting on ``cell``.

    Args:
        model: the model it belongs to.
        index: its row in the model's state columns for its type.
        cell: its node on ``model.network``.
    """

    model: EconomyView  # type: ignore[assignment]

    def __init__(self, model: Any, index: int, cell: Cell) -> None:
        super().__init__(model)
        self.index = index
        self.cell = cell
