"""Collections a service writes inside transactions, made up front: a collection created
implicitly inside a transaction writes the catalog in that transaction (contention; refused by
older MongoDB)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo.errors import CollectionInvalid


async def ensure_collections(db: Any, *names: str) -> None:
    existing = set(await db.list_collection_names())
    for name in names:
        if name not in existing:
            with contextlib.suppress(CollectionInvalid):  # another replica made it meanwhile
                await db.create_collection(name)


# Ids per `$in` read. SecantusDB finds the documents through the index, then checks each one
# against the whole `$in` list, so a read of n ids costs n² comparisons: measured on a spread
# bench's data, 207 µs per id at 250 ids a read, 77 µs at 50, and no better below 25 (each read
# is a round trip). Real MongoDB does not mind either way.
IN_PIECE = 50


async def find_by_ids(
    col: Any,
    ids: Iterable[Any],
    projection: Mapping[str, Any] | None = None,
    *,
    session: Any = None,
    field: str = "_id",
) -> list[dict[str, Any]]:
    """The documents whose `field` is one of `ids`, read IN_PIECE ids at a time."""
    wanted = sorted(set(ids))
    found: list[dict[str, Any]] = []
    for i in range(0, len(wanted), IN_PIECE):
        found += await col.find({field: {"$in": wanted[i : i + IN_PIECE]}}, projection, session=session).to_list(None)
    return found
