"""Similar-proposal hints (유사제안): the in-memory search index, kept in step with MongoDB, that
answers "which existing proposals look like the one I am writing?".

One index per agency (a shard), in this process's memory: loaded from MongoDB at startup,
updated when a proposal is submitted here (ProposalService's hook), and caught up every few
seconds with proposals created or edited elsewhere (another replica, an edit), through the
created_at / edited_at indexes. Sentence vectors are computed off the event loop, stored in
`similar_vectors` so a restart does not recompute them, and backfilled a batch at a time; a
proposal without its vector yet is scored lexically until it has one.

Visibility is not kept in the index: candidates are checked against MongoDB at query time
(listed, public, not hidden, trashed or withdrawn — the stored `browsable` flag), which also
gives their current support count and stage. How this scales is in domain/similarity.py."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gongnon_chassis.runtime import Runtime
from proposal_svc.adapters.language_models import korean_tokenizer, sentence_encoder
from proposal_svc.adapters.similar_store import SimilarStore, text_key
from proposal_svc.domain.korean_text import Analyzer
from proposal_svc.domain.proposal import Proposal
from proposal_svc.domain.similarity import Reader, SimilarityIndex

log = logging.getLogger(__name__)

MIN_SCORE = 0.1  # below this a "similar" proposal is noise (unrelated Korean text scores ~0.05)
OVERFETCH = 4  # candidates per requested item, to survive the visibility filter
# A transaction's created_at is its start; it may commit a little later. Re-read this far back.
CATCH_UP_OVERLAP = timedelta(minutes=2)
VECTOR_BATCH = 16  # vectors computed per catch-up tick (50–150 ms of one core each)
CATCH_UP_EVERY_S = 5.0

# Kiwi and the encoder run one call at a time off the event loop; shared by every app in the
# process (tests build several) so that each model is loaded once.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="similar")


@dataclass(frozen=True)
class Hint:
    id: str
    title: str
    score: float
    support_count: int
    stage: str


class SimilarProposals:
    def __init__(self, store: SimilarStore, *, semantic: bool = True) -> None:
        self.store = store
        self.semantic = semantic
        self.reader: Reader | None = None
        self.shards: dict[str, SimilarityIndex] = {}
        self._texts: dict[str, tuple[str, str]] = {}  # id → (agency, key of the text indexed)
        self._sources: dict[str, tuple[str, str]] = {}  # id → (title, body), for vectors still to compute
        self._watermark: datetime | None = None

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(_executor, fn, *args)

    def _load_reader(self) -> Reader:
        return Reader(Analyzer(korean_tokenizer()), sentence_encoder() if self.semantic else None)

    # --- keeping the index in step ---

    async def start(self, _: Runtime | None = None) -> None:
        """Startup: models, every proposal's analysis and the stored vectors."""
        self.reader = await self._run(self._load_reader)
        await self.catch_up(full=True)

    async def catch_up(self, full: bool = False) -> int:
        """Index proposals created or edited since the last pass (all of them when full), then
        compute a batch of missing vectors. Returns how many proposals were (re)indexed."""
        if self.reader is None:
            return 0
        since = None if full or self._watermark is None else self._watermark - CATCH_UP_OVERLAP
        docs = await self.store.texts_since(since)
        changed = [d for d in docs if self._texts.get(d["_id"], ("", ""))[1] != text_key(d["title"], d["body"])]
        if changed:
            analyses = await self._run(self._analyze_all, [(d["title"], d["body"]) for d in changed])
            by_agency: dict[str, list[tuple[str, Any]]] = {}
            for d, analysis in zip(changed, analyses, strict=True):
                by_agency.setdefault(d["agency"], []).append((d["_id"], analysis))
                self._texts[d["_id"]] = (d["agency"], text_key(d["title"], d["body"]))
                self._sources[d["_id"]] = (d["title"], d["body"])
            for agency, items in by_agency.items():
                shard = self.shards.setdefault(agency, SimilarityIndex())
                if full:
                    shard.add_many(items)
                else:
                    for doc_id, analysis in items:
                        shard.add(doc_id, analysis)
            await self._attach_stored_vectors([d["_id"] for d in changed], everything=full)
        for d in docs:
            for field in ("created_at", "edited_at"):
                at = d.get(field)
                if at is not None and (self._watermark is None or at > self._watermark):
                    self._watermark = at
        await self.fill_vectors()
        return len(changed)

    def _analyze_all(self, texts: list[tuple[str, str]]) -> list[Any]:
        assert self.reader is not None
        return [self.reader.analysis(title, body) for title, body in texts]

    async def _attach_stored_vectors(self, ids: list[str], everything: bool) -> None:
        encoder = self.reader.encoder if self.reader else None
        if encoder is None:
            return
        stored = await self.store.vectors(encoder.name, None if everything else ids)
        for doc_id, (key, vector) in stored.items():
            known = self._texts.get(doc_id)
            if known and known[1] == key:
                self.shards[known[0]].set_vector(doc_id, vector)
                self._sources.pop(doc_id, None)

    async def fill_vectors(self, batch: int = VECTOR_BATCH) -> int:
        """Compute and store up to `batch` missing vectors; returns how many."""
        return await self._embed(list(self._sources)[:batch])

    async def _embed(self, ids: list[str]) -> int:
        encoder = self.reader.encoder if self.reader else None
        if encoder is None:
            self._sources.clear()
            return 0
        todo = [(doc_id, self._sources[doc_id]) for doc_id in ids if doc_id in self._sources]
        if not todo:
            return 0
        vectors = await self._run(self._vectors, [src for _, src in todo])
        rows = []
        for (doc_id, (title, body)), vector in zip(todo, vectors, strict=True):
            agency, key = self._texts[doc_id]
            if vector is None or key != text_key(title, body):  # edited meanwhile: the next pass
                continue
            self.shards[agency].set_vector(doc_id, vector)
            self._sources.pop(doc_id, None)
            rows.append((doc_id, key, vector))
        await self.store.save_vectors(encoder.name, rows)
        return len(rows)

    def _vectors(self, texts: list[tuple[str, str]]) -> list[Any]:
        assert self.reader is not None
        return [self.reader.vector(title, body) for title, body in texts]

    async def added(self, p: Proposal) -> None:
        """A proposal was just created here: index it now, so the next writer sees it."""
        if self.reader is None:
            return
        try:
            analysis = await self._run(self.reader.analysis, p.title, p.body)
            self._texts[p.id] = (p.agency, text_key(p.title, p.body))
            self._sources[p.id] = (p.title, p.body)
            self.shards.setdefault(p.agency, SimilarityIndex()).add(p.id, analysis)
            await self._embed([p.id])
        except Exception:  # the hint index must never fail a submission; the catch-up retries
            log.warning("could not index proposal %s for similar hints", p.id, exc_info=True)

    # --- answering ---

    async def similar(self, agency: str, title: str, body: str, limit: int) -> list[Hint]:
        shard = self.shards.get(agency)
        if self.reader is None or shard is None or len(shard) == 0:
            return []
        query = await self._run(self.reader.query, title, body)
        matches = [m for m in shard.search(query, limit=limit * OVERFETCH + 10) if m.score >= MIN_SCORE]
        cards = await self.store.cards([m.id for m in matches])
        hints = []
        for m in matches:
            d = cards.get(m.id)
            if d is None or d.get("browsable") is not True or d.get("agency") != agency:
                continue
            hints.append(Hint(m.id, d["title"], round(m.score, 3), int(d.get("support_count", 0)), d["stage"]))
            if len(hints) == limit:
                break
        return hints

    def stats(self) -> dict[str, Any]:
        return {agency: shard.stats() for agency, shard in self.shards.items()}
