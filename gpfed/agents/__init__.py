"""The decision-makers: practices, trusts and commissioners as Mesa agents."""

from gpfed.agents.commissioner import Commissioner
from gpfed.agents.practice import Practice
from gpfed.agents.trust import Trust

__all__ = ["Commissioner", "Practice", "Trust"]
