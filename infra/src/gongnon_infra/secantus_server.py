"""How our files run SecantusDB (the MongoDB wire server that stands in for mongod here).

Two adjustments, both to how the server spends its one core, neither to what it answers:

- A 0.2 ms GIL switch interval. SecantusDB runs a thread per connection, and its storage calls
  (WiredTiger) release the GIL around every cursor step. While another connection's thread
  computes, each step then waits up to the interpreter's switch interval (5 ms) to get the GIL
  back: a transaction's 2,000 look-ups took 7-11 s under the votes bench, holding the storage lock
  all that time. A shorter interval hands the GIL back sooner.
- Its record of retryable writes (the answer a driver gets if it resends a write after a lost
  reply) is pruned in insertion order. secantusdb 0.7.0b3 scans the whole record on every
  retryable write, and once it holds its cap of 10,000 (every write outside a transaction in the
  last 30 minutes) sorts all of it to evict the oldest: under spread supports that took 13 % of
  the server's busy time (`./dev bench spread`, py-spy). Records are added in time order, so the
  oldest are at the front of the dict: the same records are dropped, oldest first, without the
  scan or the sort. mongod keeps these records in a session table and pays nothing of the kind."""

from __future__ import annotations

import sys
from typing import Any

SWITCH_INTERVAL_S = 0.0002


def prune_oldest_first(self: Any) -> None:
    """TransactionRegistry._prune_retryable_locked, from the front of the (time-ordered) record:
    drop records past their lifetime, then the oldest beyond the cap."""
    from secantus import transactions

    records = self._retryable
    cutoff = self._time() - transactions._RETRYABLE_RECORD_LIFETIME_SECONDS
    cap = transactions._RETRYABLE_RECORD_MAX
    while records:
        oldest = next(iter(records))
        if records[oldest][1] >= cutoff and len(records) <= cap:
            return
        del records[oldest]


def adjust() -> None:
    from secantus.transactions import TransactionRegistry

    sys.setswitchinterval(SWITCH_INTERVAL_S)
    TransactionRegistry._prune_retryable_locked = prune_oldest_first


def main() -> None:
    adjust()
    from secantus.cli import main as secantus_main

    sys.exit(secantus_main())


if __name__ == "__main__":
    main()
