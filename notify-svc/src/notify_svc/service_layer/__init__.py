"""Use cases: follow, broadcast, fan out."""
