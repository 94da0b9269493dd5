"""API keys in the gateway's database (the truth) with Redis as the fast path.

Collection `api_keys` (_id = key id; indexed by (agency, created_at) for an agency's list).
Every request with a key reads its record: from Redis when cached (`gk:key:<id>`, a few minutes),
else from MongoDB, cached with SET NX. Every change writes MongoDB first, then overwrites the
cached record with a plain SET: a request that read MongoDB before the change cannot put the old
record back (its SET NX finds the new one), so a revocation is seen by the very next request. An
unknown key id is cached as absent for a short while (made-up ids do not reach MongoDB each time)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import orjson
from pymongo import DESCENDING
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gongnon_chassis.errors import NotFound
from gongnon_chassis.store import Store, Tx
from gongnon_gateway.core import api_keys as rules
from gongnon_gateway.core.api_keys import ApiKey, NewKey

log = logging.getLogger(__name__)

Doc = dict[str, Any]
CACHE_PREFIX = "gk:key:"
CACHE_S = 300
ABSENT_S = 30
_ABSENT = "-"
LIST_LIMIT = 200

_TIMES = ("created_at", "revoked_at", "expires_at", "last_used_at")


def to_doc(k: ApiKey) -> Doc:
    return {
        "_id": k.id,
        "agency": k.agency,
        "name": k.name,
        "scopes": list(k.scopes),
        "secret_hash": k.secret_hash,
        "created_at": k.created_at,
        "created_by": k.created_by,
        "rate_limit_per_min": k.rate_limit_per_min,
        "revoked_at": k.revoked_at,
        "revoked_by": k.revoked_by,
        "expires_at": k.expires_at,
        "rotated_from": k.rotated_from,
        "rotated_to": k.rotated_to,
        "last_used_at": k.last_used_at,
    }


def from_doc(doc: Doc) -> ApiKey:
    return ApiKey(
        id=doc["_id"],
        agency=doc["agency"],
        name=doc["name"],
        scopes=tuple(doc.get("scopes") or ()),
        secret_hash=doc["secret_hash"],
        created_at=doc["created_at"],
        created_by=doc.get("created_by", ""),
        rate_limit_per_min=int(doc.get("rate_limit_per_min") or rules.DEFAULT_RATE_PER_MIN),
        revoked_at=doc.get("revoked_at"),
        revoked_by=doc.get("revoked_by"),
        expires_at=doc.get("expires_at"),
        rotated_from=doc.get("rotated_from"),
        rotated_to=doc.get("rotated_to"),
        last_used_at=doc.get("last_used_at"),
    )


def _cached(k: ApiKey) -> bytes:
    doc = to_doc(k)
    doc.pop("last_used_at")  # changes on use; read from the usage record instead
    return orjson.dumps(doc)


def _uncached(raw: str | bytes) -> ApiKey:
    doc = orjson.loads(raw)
    for name in _TIMES:
        if doc.get(name):
            doc[name] = datetime.fromisoformat(doc[name])
    return from_doc(doc)


class ApiKeyStore:
    def __init__(self, store: Store, redis: Redis) -> None:
        self._store = store
        self._redis = redis

    @property
    def _col(self) -> Any:
        return self._store.db.api_keys

    async def ensure_indexes(self) -> None:
        await self._col.create_index([("agency", 1), ("created_at", DESCENDING)])

    # -- the request path ------------------------------------------------------------------

    async def find(self, key_id: str) -> ApiKey | None:
        """The key's record (the fast path first); None for a key id nobody issued."""
        cache_key = CACHE_PREFIX + key_id
        try:
            raw = await self._redis.get(cache_key)
        except RedisError:
            log.warning("redis unavailable; reading API key %s from MongoDB", key_id)
            raw = None
            cache_key = ""
        if raw == _ABSENT:
            return None
        if raw:
            return _uncached(raw)
        doc = await self._col.find_one({"_id": key_id})
        key = from_doc(doc) if doc else None
        if cache_key:
            try:
                if key is None:
                    await self._redis.set(cache_key, _ABSENT, ex=ABSENT_S, nx=True)
                else:
                    await self._redis.set(cache_key, _cached(key), ex=CACHE_S, nx=True)
            except RedisError:
                pass
        return key

    async def _publish(self, key: ApiKey) -> None:
        """After MongoDB committed: the cached record becomes this one (a plain SET, see above)."""
        await self._redis.set(CACHE_PREFIX + key.id, _cached(key), ex=CACHE_S)

    # -- management ------------------------------------------------------------------------

    async def get(self, agency: str, key_id: str) -> ApiKey:
        """The agency's key; 404 for another agency's as for none (their ids are not ours to confirm)."""
        doc = await self._col.find_one({"_id": key_id, "agency": agency}) if rules.valid_key_id(key_id) else None
        if doc is None:
            raise NotFound("no such API key in this agency", code="api_key_not_found")
        return from_doc(doc)

    async def of_agency(self, agency: str) -> list[ApiKey]:
        cursor = self._col.find({"agency": agency}).sort("created_at", DESCENDING).limit(LIST_LIMIT)
        return [from_doc(d) for d in await cursor.to_list(LIST_LIMIT)]

    async def create(
        self, *, agency: str, name: str, scopes: list[str], rate_limit_per_min: int, by: str, new: NewKey
    ) -> ApiKey:
        async def body(tx: Tx) -> ApiKey:
            live = await self._live_count(tx, agency)
            checked = rules.check_new(name, scopes, rate_limit_per_min, live)
            key = ApiKey(
                id=new.key_id,
                agency=agency,
                name=name.strip(),
                scopes=checked,
                secret_hash=new.secret_hash,
                created_at=tx.now,
                created_by=by,
                rate_limit_per_min=rate_limit_per_min,
            )
            await tx.db.api_keys.insert_one(to_doc(key), session=tx.session)
            return key

        key = await self._store.transaction(body)
        await self._publish(key)
        return key

    async def rotate(self, agency: str, key_id: str, overlap_s: int, by: str, new: NewKey) -> tuple[ApiKey, ApiKey]:
        """(the old key, now ending at the overlap's end; its successor with the same name, scopes
        and limit)."""

        async def body(tx: Tx) -> tuple[ApiKey, ApiKey]:
            doc = await tx.db.api_keys.find_one({"_id": key_id, "agency": agency}, session=tx.session)
            if doc is None:
                raise NotFound("no such API key in this agency", code="api_key_not_found")
            old = rules.rotated(from_doc(doc), tx.now, overlap_s, new.key_id)
            successor = ApiKey(
                id=new.key_id,
                agency=agency,
                name=old.name,
                scopes=old.scopes,
                secret_hash=new.secret_hash,
                created_at=tx.now,
                created_by=by,
                rate_limit_per_min=old.rate_limit_per_min,
                rotated_from=old.id,
            )
            await tx.db.api_keys.update_one(
                {"_id": old.id},
                {"$set": {"expires_at": old.expires_at, "rotated_to": old.rotated_to}},
                session=tx.session,
            )
            await tx.db.api_keys.insert_one(to_doc(successor), session=tx.session)
            return old, successor

        old, successor = await self._store.transaction(body)
        await self._publish(old)
        await self._publish(successor)
        return old, successor

    async def revoke(self, agency: str, key_id: str, by: str) -> ApiKey:
        async def body(tx: Tx) -> ApiKey:
            doc = await tx.db.api_keys.find_one({"_id": key_id, "agency": agency}, session=tx.session)
            if doc is None:
                raise NotFound("no such API key in this agency", code="api_key_not_found")
            current = from_doc(doc)
            key = rules.revoked(current, tx.now, by)
            if key is not current:
                await tx.db.api_keys.update_one(
                    {"_id": key_id}, {"$set": {"revoked_at": key.revoked_at, "revoked_by": by}}, session=tx.session
                )
            return key

        key = await self._store.transaction(body)
        # Even when it was revoked already: a retry after a failed cache write repairs the cache.
        await self._publish(key)
        return key

    async def revoke_agency(self, tx: Tx, agency: str, by: str) -> list[str]:
        """Revoke every key of the agency not revoked yet, in this transaction (its space closes);
        the cached records follow once it commits. Idempotent: the second time, nothing is left to
        revoke, and the cache is written again all the same (repairs a write lost to a crash). The
        keys and their usage stay (listed as revoked)."""
        docs = await tx.db.api_keys.find({"agency": agency}, session=tx.session).to_list(None)
        live = [d["_id"] for d in docs if d.get("revoked_at") is None]
        if live:
            await tx.db.api_keys.update_many(
                {"_id": {"$in": live}, "revoked_at": None},
                {"$set": {"revoked_at": tx.now, "revoked_by": by}},
                session=tx.session,
            )
        keys = [rules.revoked(from_doc(d), tx.now, by) for d in docs]

        async def publish() -> None:
            for key in keys:
                await self._publish(key)

        tx.after_commit(publish)
        return live

    async def _live_count(self, tx: Tx, agency: str) -> int:
        live = {"agency": agency, "revoked_at": None, "$or": [{"expires_at": None}, {"expires_at": {"$gt": tx.now}}]}
        count: int = await tx.db.api_keys.count_documents(live, session=tx.session, limit=rules.MAX_LIVE_KEYS + 1)
        return count
