"""Pure rules: no I/O, no framework, no model loading (refusals are gongnon_contracts.refusals)."""
