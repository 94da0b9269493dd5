"""The composition root: the one place that builds the runtime, the adapters, the use cases
(service_layer/), and wires them to the HTTP routes, the event consumers and the periodic work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import FastAPI
from pydantic import Field

from gongnon_chassis.runtime import Runtime, create_app, create_runtime
from gongnon_chassis.settings import ServiceSettings
from proposal_svc.adapters.community import CommunityRepository
from proposal_svc.adapters.deliberations import DeliberationRepository
from proposal_svc.adapters.listing import Listing
from proposal_svc.adapters.live_counts import DEFAULT_FOLD_EVERY_S
from proposal_svc.adapters.moderation import ModerationRepository
from proposal_svc.adapters.open_data_snapshots import SnapshotStore
from proposal_svc.adapters.repository import ProposalRepository
from proposal_svc.adapters.similar_index import CATCH_UP_EVERY_S, SimilarProposals
from proposal_svc.adapters.similar_store import SimilarStore
from proposal_svc.domain.deliberation import Deliberation
from proposal_svc.domain.proposal import Proposal
from proposal_svc.entrypoints.community_http import build_community_router
from proposal_svc.entrypoints.deliberations_http import build_deliberation_router
from proposal_svc.entrypoints.events import (
    TALLY_BATCH,
    register_civic_progress,
    register_review_progress,
    register_tallies,
)
from proposal_svc.entrypoints.http import build_router
from proposal_svc.entrypoints.moderation_http import build_moderation_router
from proposal_svc.entrypoints.open_data_http import build_open_data_router
from proposal_svc.entrypoints.page_cache import ClearOnWrite, PageCache
from proposal_svc.entrypoints.similar_http import build_similar_router
from proposal_svc.service_layer.browse import ProposalLists
from proposal_svc.service_layer.civic_progress import CivicProgress
from proposal_svc.service_layer.community import CommunityService
from proposal_svc.service_layer.deliberations import DeliberationService
from proposal_svc.service_layer.expiry import ExpiryScanner
from proposal_svc.service_layer.moderation import ModerationService
from proposal_svc.service_layer.open_data_snapshots import DailySnapshots
from proposal_svc.service_layer.proposals import ProposalService
from proposal_svc.service_layer.review_progress import ReviewProgress
from proposal_svc.service_layer.rulesets import RuleSetService
from proposal_svc.service_layer.similar import SimilarService
from proposal_svc.service_layer.tallies import TallyService

DEFAULT_EXPIRY_GRACE_S = 60.0


class ProposalSettings(ServiceSettings):
    # Tallies are coalesced and arrive a little late; a window expires only this long after its
    # end, so votes cast inside it still count.
    expiry_grace_s: float = Field(DEFAULT_EXPIRY_GRACE_S, alias="PROPOSAL_EXPIRY_GRACE_S", ge=0)
    # Seconds an anonymous list page may be served from memory (0: off); see entrypoints/page_cache.py.
    list_cache_s: float = Field(1.0, alias="PROPOSAL_LIST_CACHE_S", ge=0)
    # How often the proposals' own counts (what the lists sort by) catch up with the live counts
    # that pages and rules read (adapters/live_counts.py).
    count_fold_s: float = Field(DEFAULT_FOLD_EVERY_S, alias="PROPOSAL_COUNT_FOLD_S", gt=0)


@dataclass
class Components:
    """What the app is made of; tests reach the use cases through it (app.state.components)."""

    runtime: Runtime
    proposals: ProposalService
    rulesets: RuleSetService
    lists: ProposalLists
    tallies: TallyService
    expiry: ExpiryScanner
    deliberations: DeliberationService
    community: CommunityService
    moderation: ModerationService
    similar: SimilarService


def build_app(settings: ProposalSettings) -> FastAPI:
    rt = create_runtime(settings)
    store = rt.store

    def now() -> datetime:
        return rt.clock.now()  # read at each call: tests move the runtime's clock after building

    # Adapters.
    repo = ProposalRepository(store)
    drepo = DeliberationRepository(store)
    comms = CommunityRepository(store)
    mods = ModerationRepository(store)
    listing = Listing(rt.db.proposals, now)
    hints = SimilarProposals(SimilarStore(store))  # loaded at startup, caught up periodically
    pages = PageCache(settings.list_cache_s)

    # Use cases.
    rulesets = RuleSetService(store, repo)
    moderation = ModerationService(store, repo, comms, mods)
    proposals = ProposalService(store, repo, rulesets, moderation, on_submitted=hints.added)
    lists = ProposalLists(listing, repo.live, rt.cursors)
    tallies = TallyService(repo, drepo)
    grace = timedelta(seconds=settings.expiry_grace_s)
    expiry = ExpiryScanner(store, repo, grace)
    deliberations = DeliberationService(store, repo, drepo, tallies, rt.cursors)
    community = CommunityService(store, repo, comms, moderation, rt.cursors)
    similar = SimilarService(hints, settings.default_agency)
    snapshots = DailySnapshots(store, repo, SnapshotStore(store))

    # Events: three consumer groups (entrypoints/events.py).
    register_tallies(rt.consumer("tallies", batch_size=TALLY_BATCH), tallies, deliberations)
    reviews = rt.consumer("reviews")
    register_review_progress(reviews, ReviewProgress[Proposal](repo))
    register_civic_progress(reviews, CivicProgress(repo))
    register_review_progress(rt.consumer("deliberations"), ReviewProgress[Deliberation](drepo))

    # Periodic work.
    rt.every(settings.scheduler_interval_s, expiry.scan, "expire-windows")
    rt.every(CATCH_UP_EVERY_S, hints.catch_up, "similar-catch-up")
    rt.every(settings.count_fold_s, repo.live.fold, "fold-counts")
    # Once a day is due: looking ten times less often than the deadline scan is plenty.
    rt.every(settings.scheduler_interval_s * 10, snapshots.take_if_due, "open-data-snapshot")

    async def create_indexes(_: Runtime) -> None:
        await repo.ensure_indexes()
        await drepo.ensure_indexes()
        await comms.ensure_indexes()
        await mods.ensure_indexes()
        await snapshots.snapshots.ensure_indexes()
        await repo.live.fold_everything_later()  # what a stopped process raised and had not folded yet

    # A committed change that emitted an event (a milestone lists a petition, an expiry, a
    # moderation act) empties the page cache; bare count updates show within its second.
    store.committed.append(lambda _events: pages.clear())
    app = create_app(
        rt,
        [
            build_router(proposals, lists, rulesets, pages, now),
            build_similar_router(similar),
            build_open_data_router(repo, snapshots, now),
            build_deliberation_router(deliberations, now),
            build_community_router(community, now),
            build_moderation_router(moderation, now),
        ],
        on_start=[create_indexes, hints.start],
        title="proposal-svc",
        description="Proposals, the threshold rules engine, stages and public timelines (Gongnon)",
    )
    app.add_middleware(ClearOnWrite, cache=pages)
    app.state.components = Components(
        rt, proposals, rulesets, lists, tallies, expiry, deliberations, community, moderation, similar
    )
    app.state.expiry_scan = expiry.scan
    app.state.similar = hints  # the hint index itself
    return app
