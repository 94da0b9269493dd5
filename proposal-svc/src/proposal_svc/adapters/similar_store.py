"""MongoDB reads and writes for similar-proposal hints: the texts the index is built from, the
sentence vectors computed for them (a cache: ~40 ms of CPU each, so not recomputed at every
start) and the cards shown to the citizen.

Every query is served by an index: proposals by created_at or edited_at (made with the
proposals' other indexes in adapters/repository.py, the one writer of proposals; this module only
reads them) or _id; vectors by _id. The startup load reads every proposal once through the
created_at index."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np
from bson.binary import Binary
from pymongo import ASCENDING, UpdateOne

from gongnon_chassis.store import Store
from proposal_svc.domain.sentence_encoder import Vector

Doc = dict[str, Any]

TEXT_FIELDS = {"_id": 1, "agency": 1, "title": 1, "body": 1, "created_at": 1, "edited_at": 1}
CARD_FIELDS = {"_id": 1, "agency": 1, "title": 1, "support_count": 1, "stage": 1, "browsable": 1}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def text_key(title: str, body: str) -> str:
    """Identifies the text a vector was computed from (an edit makes a new one)."""
    return hashlib.sha1(f"{title}\x00{body}".encode()).hexdigest()


class SimilarStore:
    def __init__(self, store: Store) -> None:
        self.db = store.db

    async def texts_since(self, since: datetime | None, batch: int = 1000) -> list[Doc]:
        """Proposals created or edited at or after `since` (every proposal when None)."""
        found: dict[str, Doc] = {}
        fields: list[str] = ["created_at"] if since is None else ["created_at", "edited_at"]
        for field in fields:
            cur = self.db.proposals.find({field: {"$gte": since or EPOCH}}, TEXT_FIELDS).sort(field, ASCENDING)
            async for d in cur.batch_size(batch):
                found[d["_id"]] = d
        return list(found.values())

    async def vectors(self, model: str, ids: Iterable[str] | None = None) -> dict[str, tuple[str, Vector]]:
        """Stored vectors of `model`: id → (text key, vector). All of them when ids is None."""
        query: Doc = {} if ids is None else {"_id": {"$in": list(ids)}}
        out: dict[str, tuple[str, Vector]] = {}
        async for d in self.db.similar_vectors.find(query):
            if d.get("model") == model:
                out[d["_id"]] = (d["text_key"], np.frombuffer(d["vector"], dtype=np.float32).copy())
        return out

    async def save_vectors(self, model: str, rows: list[tuple[str, str, Vector]]) -> None:
        """Upsert (id, text key, vector) rows; computing one twice (two replicas) is harmless."""
        if not rows:
            return
        ops = [
            UpdateOne(
                {"_id": doc_id},
                {
                    "$set": {
                        "model": model,
                        "text_key": key,
                        "vector": Binary(np.asarray(vec, dtype=np.float32).tobytes()),
                    }
                },
                upsert=True,
            )
            for doc_id, key, vec in rows
        ]
        await self.db.similar_vectors.bulk_write(ops, ordered=False)

    async def cards(self, ids: list[str]) -> dict[str, Doc]:
        if not ids:
            return {}
        return {d["_id"]: d async for d in self.db.proposals.find({"_id": {"$in": ids}}, CARD_FIELDS)}
