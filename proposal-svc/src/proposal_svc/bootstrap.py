"""The composition root: wires the runtime, repository, HTTP API, consumers and the scan."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from pydantic import Field

from gongnon_chassis.runtime import Runtime, create_app, create_runtime
from gongnon_chassis.settings import ServiceSettings
from proposal_svc.adapters.community import CommunityRepository
from proposal_svc.adapters.deliberations import DeliberationRepository
from proposal_svc.adapters.moderation import ModerationRepository
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.entrypoints.community_http import build_community_router
from proposal_svc.entrypoints.deliberation_events import register_deliberation_consumers
from proposal_svc.entrypoints.deliberations_http import build_deliberation_router
from proposal_svc.entrypoints.events import register_consumers
from proposal_svc.entrypoints.http import build_router
from proposal_svc.entrypoints.moderation_http import build_moderation_router
from proposal_svc.entrypoints.scheduler import schedule_expiry
from proposal_svc.entrypoints.similar_http import build_similar_router
from proposal_svc.page_cache import ClearOnWrite, PageCache
from proposal_svc.similar import wire_similar

DEFAULT_EXPIRY_GRACE_S = 60.0


class ProposalSettings(ServiceSettings):
    # Tallies are coalesced and arrive a little late; a window expires only this long after its
    # end, so votes cast inside it still count.
    expiry_grace_s: float = Field(DEFAULT_EXPIRY_GRACE_S, alias="PROPOSAL_EXPIRY_GRACE_S", ge=0)
    # Seconds an anonymous list page may be served from memory (0: off); see page_cache.py.
    list_cache_s: float = Field(1.0, alias="PROPOSAL_LIST_CACHE_S", ge=0)


def build_app(settings: ServiceSettings) -> FastAPI:
    rt = create_runtime(settings)
    repo = ProposalRepository(rt.store)
    register_consumers(rt, repo)
    drepo = DeliberationRepository(rt.store)
    register_deliberation_consumers(rt, repo, drepo)
    comms = CommunityRepository(rt.store)
    mod = ModerationRepository(rt.store)
    grace = timedelta(seconds=getattr(settings, "expiry_grace_s", DEFAULT_EXPIRY_GRACE_S))
    scan = schedule_expiry(rt, repo, grace)

    async def create_indexes(_: Runtime) -> None:
        await repo.ensure_indexes()
        await drepo.ensure_indexes()
        await comms.ensure_indexes()
        await mod.ensure_indexes()

    pages = PageCache(getattr(settings, "list_cache_s", 0.0))
    # A committed change that emitted an event (a milestone lists a petition, an expiry, a
    # moderation act) empties the page cache; bare count updates show within its second.
    rt.store.committed.append(lambda _events: pages.clear())
    similar = wire_similar(rt)  # similar-proposal hints: loaded at startup, caught up periodically
    app = create_app(
        rt,
        [
            build_router(rt, repo, pages, on_submitted=similar.added),
            build_similar_router(rt, similar),
            build_deliberation_router(rt, repo, drepo),
            build_community_router(rt, repo, comms, mod),
            build_moderation_router(rt, repo, comms, mod),
        ],
        on_start=[create_indexes, similar.start],
        title="proposal-svc",
        description="Proposals, the threshold rules engine, stages and public timelines (Gongnon)",
    )
    app.add_middleware(ClearOnWrite, cache=pages)
    app.state.repo = repo
    app.state.expiry_scan = scan
    app.state.similar = similar
    return app
