"""Who decides: practices, federations, trusts and commissioners as Mesa agents, and patients.

Each module holds one agent type's Mesa class (the view a notebook inspects) and every decision
that type takes, as class methods vectorised over the type; :mod:`~gpfed.agents.patients` holds
the patients' use of care and registration (patients are counts, not agents).
"""

from gpfed.agents.commissioner import Commissioner
from gpfed.agents.federation import Federation
from gpfed.agents.practice import Practice
from gpfed.agents.trust import Trust

__all__ = ["Commissioner", "Federation", "Practice", "Trust"]
