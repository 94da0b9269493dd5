"""Redis (dedupe and live counters), MongoDB (ballots, ledger, tallies) and Kafka offset checks."""
