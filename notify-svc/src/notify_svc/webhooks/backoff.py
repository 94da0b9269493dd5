"""When to try a failed delivery again: exponential backoff with full jitter (a random wait
between 0 and min(cap, base · 2^(n-1)) after the n-th failure, so receivers coming back are not
hit by every sender at once), and dead-lettered after `max_attempts`. Pure."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_s: float
    cap_s: float

    def ceiling(self, failures: int) -> float:
        """The longest wait after the `failures`-th failed attempt (1-based)."""
        return min(self.cap_s, self.base_s * 2 ** max(0, failures - 1))

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        return (rng or random).uniform(0.0, self.ceiling(failures))

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
