"""The decision-makers: practices, federations, trusts and commissioners as Mesa agents."""

from gpfed.agents.commissioner import Commissioner
from gpfed.agents.federation import Federation
from gpfed.agents.practice import Practice
from gpfed.agents.trust import Trust

__all__ = ["Commissioner", "Federation", "Practice", "Trust"]
