"""MongoDB repositories for departments and review cases."""
