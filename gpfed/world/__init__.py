"""The starting state: geography and graph, state columns, costs, ledger, units, streams."""
