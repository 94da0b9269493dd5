"""voting-svc's use cases: casting, defining and closing ballots, offline imports, recording the
ledger, recovery, and the tally read model."""
