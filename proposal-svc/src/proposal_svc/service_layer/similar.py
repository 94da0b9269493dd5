"""Similar-proposal hints (유사제안): while a citizen writes, the existing proposals most like it.
Anyone may ask; the answer covers the agency the proposal is written to (by default the
caller's, or the default agency for an anonymous caller) and only proposals the public lists
show (the index: adapters/similar_index.py)."""

from __future__ import annotations

from dataclasses import dataclass

from gongnon_chassis.actor import Actor
from proposal_svc.adapters.similar_index import Hint, SimilarProposals


@dataclass
class SimilarService:
    index: SimilarProposals
    default_agency: str

    async def hints(
        self, asker: Actor | None, title: str, body: str, limit: int, agency: str | None = None
    ) -> list[Hint]:
        agency = agency or (asker.agency if asker else self.default_agency)
        return await self.index.similar(agency, title, body, limit)
