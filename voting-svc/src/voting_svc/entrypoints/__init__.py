"""HTTP routes, event handlers and the ledger writer: thin edges over the use cases."""
