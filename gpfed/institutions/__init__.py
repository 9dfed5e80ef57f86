"""What policy sets: payment rules, contract regimes, tender rules, contract terms, risk sharing."""
