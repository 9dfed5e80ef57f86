"""Units and sentinels shared by every layer: one definition each."""

from gpfed.parameters.machinery import QUARTERS_PER_YEAR

__all__ = ["NO_CONTRACT", "NO_FEDERATION", "PENCE_PER_GBP", "QUARTERS_PER_YEAR"]

PENCE_PER_GBP = 100
"""The ledger keeps whole pence."""

NO_FEDERATION = -1
"""A practice's federation column when it belongs to none."""

NO_CONTRACT = -1
"""A practice's coverage when no integrated contract covers it."""
