"""Sliding-window rate limits: the arithmetic, without I/O (the Redis script in key_limits.py
makes the same decision in one round trip).

The window is approximated the usual way from two fixed windows: the previous window's count,
weighted by how much of it still lies inside the sliding window, plus the current window's count.
A request is allowed when, counting it, that estimate stays within the limit. All in integers
(milliseconds), so the script and this module agree exactly:

    allowed  ⇔  prev·(L − e) + (curr + 1)·L ≤ limit·L

with L the window's length and e the time elapsed in the current window."""

from __future__ import annotations

import math
from dataclasses import dataclass

MINUTE_MS = 60_000


@dataclass(frozen=True)
class Window:
    index: int  # which fixed window (now // length)
    elapsed_ms: int  # time since it began
    length_ms: int


def window_at(now_ms: int, length_ms: int = MINUTE_MS) -> Window:
    if length_ms <= 0:
        raise ValueError("a window has a positive length")
    return Window(index=now_ms // length_ms, elapsed_ms=now_ms % length_ms, length_ms=length_ms)


def allows(prev: int, curr: int, elapsed_ms: int, length_ms: int, limit: int) -> bool:
    """Whether one more request fits (prev and curr: the counts so far)."""
    return prev * (length_ms - elapsed_ms) + (curr + 1) * length_ms <= limit * length_ms


def retry_after_ms(prev: int, curr: int, elapsed_ms: int, length_ms: int, limit: int) -> int:
    """How long until one more request fits if nothing else is accepted meanwhile (0: now)."""
    if allows(prev, curr, elapsed_ms, length_ms, limit):
        return 0
    remaining = length_ms - elapsed_ms
    # Later in this window: the previous window's weight falls as time passes.
    if curr + 1 <= limit and prev > 0:
        # prev·(L − e − t) ≤ (limit − curr − 1)·L
        t = math.ceil(remaining - (limit - curr - 1) * length_ms / prev)
        if 0 <= t < remaining:
            return max(t, 1)
    # In the next window this window's count becomes the weighted one and the new count is 0:
    # curr·(L − e') + L ≤ limit·L.
    later = 0 if curr == 0 else max(0, math.ceil(length_ms - (limit - 1) * length_ms / curr))
    return remaining + later


def retry_after_s(prev: int, curr: int, elapsed_ms: int, length_ms: int, limit: int) -> int:
    """Retry-After in whole seconds, at least 1."""
    return max(1, math.ceil(retry_after_ms(prev, curr, elapsed_ms, length_ms, limit) / 1000))
