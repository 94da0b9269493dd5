"""Use cases: load, decide in the domain, save and emit in one transaction."""
