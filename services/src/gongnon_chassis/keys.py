"""Documents unique per pair (a vote per item and citizen, a follow per item and account) use the
pair itself as `_id`: the primary key then enforces the uniqueness, and no second unique index
has to be written and checked on every insert (the heavy streams insert one such document per
vote). The same keys also serve "every document of one item" as an `_id` range."""

from __future__ import annotations

from typing import Any


def pair_key(scope: str, member: str) -> str:
    # The length prefix keeps the pair unambiguous whatever characters the ids contain.
    return f"{len(scope)}:{scope}:{member}"


def scope_range(scope: str) -> dict[str, Any]:
    """An `_id` filter for every pair_key of `scope`, in member order: within one scope the keys
    share a prefix, so `_id` order is member order."""
    prefix = pair_key(scope, "")
    # ";" follows ":" in byte order: every key with the prefix sorts below prefix[:-1] + ";".
    return {"$gte": prefix, "$lt": prefix[:-1] + ";"}
