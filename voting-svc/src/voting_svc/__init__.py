"""voting-svc: every vote of every kind, one person one vote, live tallies (the high-traffic path)."""
