"""Pure review logic: departments and routing, the case state machine, access rules, deadlines.
No I/O and no framework here."""
