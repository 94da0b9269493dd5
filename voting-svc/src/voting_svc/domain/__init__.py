"""Pure voting rules: ballots and what a valid vote is, tally arithmetic, decision quorums. No I/O."""
