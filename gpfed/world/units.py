"""Units and sentinels shared by every layer: one definition each."""

QUARTERS_PER_YEAR = 4
"""One step is a quarter."""

PENCE_PER_GBP = 100
"""The ledger keeps whole pence."""

NO_FEDERATION = -1
"""A practice's federation column when it belongs to none."""

NO_CONTRACT = -1
"""A practice's coverage when no integrated contract covers it."""
