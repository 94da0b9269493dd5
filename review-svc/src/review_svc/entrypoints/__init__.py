"""HTTP routes and event handlers: thin adapters onto the service layer."""
