"""Collections a service writes inside transactions, made up front: a collection created
implicitly inside a transaction writes the catalog in that transaction (contention; refused by
older MongoDB)."""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo.errors import CollectionInvalid


async def ensure_collections(db: Any, *names: str) -> None:
    existing = set(await db.list_collection_names())
    for name in names:
        if name not in existing:
            with contextlib.suppress(CollectionInvalid):  # another replica made it meanwhile
                await db.create_collection(name)
