"""The composition root: wires the runtime, repositories, channels, handlers, worker and routes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from gongnon_chassis.collections import ensure_collections
from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.runtime import Runtime, create_app, create_runtime
from notify_svc.adapters.authors import ItemAuthors
from notify_svc.adapters.broadcasts import BroadcastRepository
from notify_svc.adapters.channels import Channel, MutedChannels, Mutes, build_channels
from notify_svc.adapters.contacts import ContactRepository, PreferenceRepository
from notify_svc.adapters.followers import FollowerRepository, ItemRepository
from notify_svc.adapters.inbox import Inbox
from notify_svc.adapters.mailer import SmtpMailer
from notify_svc.adapters.outgoing import OutgoingRepository
from notify_svc.adapters.public_events import PublicEventStore
from notify_svc.adapters.sms import FileSmsProvider
from notify_svc.entrypoints.events import (
    register_account_handlers,
    register_agency_handlers,
    register_broadcast_handlers,
    register_civic_handlers,
    register_follow_handlers,
)
from notify_svc.entrypoints.http import build_router
from notify_svc.entrypoints.preferences_http import build_preferences_router
from notify_svc.entrypoints.public_http import build_public_router
from notify_svc.service_layer.agency_closure import AgencyClosure
from notify_svc.service_layer.civic_notices import CivicNotices
from notify_svc.service_layer.fanout import FanOut
from notify_svc.service_layer.legacy_followers import move_legacy_followers
from notify_svc.service_layer.notices import Notices
from notify_svc.service_layer.notifier import Notifier
from notify_svc.service_layer.preferences import PreferenceService
from notify_svc.service_layer.public_projector import PublicProjector
from notify_svc.service_layer.public_relay import PublicRelay
from notify_svc.service_layer.sender import Sender
from notify_svc.settings import NotifySettings
from notify_svc.webhooks.lanes import Dispatcher, LaneSettings
from notify_svc.webhooks.repository import DeliveryLog, SubscriptionRepository
from notify_svc.webhooks.service import Webhooks


@dataclass
class Components:
    """What the app is made of; tests reach handlers and the worker through it."""

    runtime: Runtime
    notifier: Notifier
    fanout: FanOut
    follows: EventConsumer
    broadcasts: EventConsumer
    channels: list[Channel]
    projector: PublicProjector
    dispatcher: Dispatcher
    relay: PublicRelay
    notices: Notices | None = None
    sender: Sender | None = None
    accounts: EventConsumer | None = None


def build_app(settings: NotifySettings) -> FastAPI:
    rt = create_runtime(settings)
    followers = FollowerRepository(rt.db)
    items = ItemRepository(rt.db)
    broadcasts = BroadcastRepository(rt.db)
    contacts = ContactRepository(rt.db)
    preferences = PreferenceRepository(rt.db)
    outgoing = OutgoingRepository(rt.db)
    channels = build_channels(
        rt.db,
        settings.channel_names(),
        outgoing=outgoing,
        contacts=contacts,
        preferences=preferences,
        followers_of=items.follower_count,
        digest_followers=settings.digest_followers,
        clock=rt.clock,
    )
    inbox = next(c for c in channels if isinstance(c, Inbox))
    mutes = Mutes(rt.db)
    # Every path that tells people goes through one hand-over that leaves out muted followers.
    delivering: list[Channel] = [MutedChannels(channels, mutes)]
    notifier = Notifier(followers, items, broadcasts, delivering, mutes)
    fanout = FanOut(rt.store, followers, items, broadcasts, delivering)
    authors = ItemAuthors(rt.db)
    notices = Notices(contacts, items, delivering, authors)
    sender = Sender(
        outgoing,
        contacts,
        preferences,
        SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            settings.smtp_tls,
            settings.smtp_username,
            settings.smtp_password,
            settings.smtp_timeout_s,
        ),
        FileSmsProvider(Path(settings.sms_file)),
        rt.clock,
        settings.send_policy(),
        settings.site_url,
        settings.send_poll_s,
    )

    # Votes are the heavy stream: follows are applied 500 at a time, in one transaction each.
    follows = rt.consumer("follows", batch_size=2000)
    register_follow_handlers(follows, notifier, authors)
    broadcast_consumer = rt.consumer("broadcasts")
    register_broadcast_handlers(broadcast_consumer, notifier, notices)
    register_civic_handlers(broadcast_consumer, CivicNotices(notifier, notices))
    account_consumer = rt.consumer("accounts")
    register_account_handlers(account_consumer, contacts)
    # Fan-out polls like the outbox relay does: new broadcasts wait at most one poll interval.
    rt.every(settings.outbox_poll_s, fanout.drain, "notify-fanout")

    # The public stream for agencies: projected from the internal topics, delivered to webhooks
    # by one lane per subscription, read by the pull feed.
    public_events = PublicEventStore(rt.db)
    subscriptions = SubscriptionRepository(rt.db)
    deliveries = DeliveryLog(rt.db)
    lane_settings = LaneSettings(
        policy=settings.retry_policy(),
        timeout_s=settings.webhook_timeout_s,
        concurrency=settings.webhook_lane_concurrency,
        allow_private=settings.private_targets_allowed(),
    )
    dispatcher = Dispatcher(public_events, subscriptions, deliveries, rt.clock, lane_settings)
    relay = PublicRelay(rt.db, public_events, rt.producer, settings.outbox_poll_s)

    def committed(docs: list[dict[str, Any]]) -> None:
        dispatcher.committed(docs)
        relay.wake()

    projector = PublicProjector(
        rt.store, public_events, rt.clock, f"{settings.service_name}.public", on_commit=committed
    )
    projector.attach(rt.broker)
    webhooks = Webhooks(subscriptions, deliveries, public_events, dispatcher, rt.clock, lane_settings)
    # A closed agency's subscriptions pause (agency.closed on gongnon.agencies).
    agency_consumer = rt.consumer("agencies")
    register_agency_handlers(agency_consumer, AgencyClosure(subscriptions, dispatcher))

    async def prepare(_: Runtime) -> None:
        await followers.ensure_indexes()
        await move_legacy_followers(rt.store, followers, items)
        await broadcasts.ensure_indexes()
        await contacts.ensure_indexes()
        await outgoing.ensure_indexes()
        await ensure_collections(rt.db, "mutes", "item_authors")  # written inside transactions
        for channel in channels:
            await channel.ensure_indexes()
        await public_events.ensure_indexes()
        await subscriptions.ensure_indexes()
        await deliveries.ensure_indexes()
        await dispatcher.start()

    app = create_app(
        rt,
        [
            build_router(inbox, rt.clock),
            build_preferences_router(PreferenceService(preferences, contacts, outgoing, rt.clock)),
            build_public_router(public_events, webhooks),
        ],
        on_start=[prepare],
        # The public relay publishes, so it starts once the runtime's producer is up; the lanes
        # stop before the runtime closes the database they log to.
        on_started=[lambda _: relay.start(), lambda _: sender.start()],
        on_stop=[lambda _: dispatcher.stop(), lambda _: relay.stop(), lambda _: sender.stop()],
        title="notify-svc",
        description="Followers, the in-app inbox, e-mail/SMS behind one channel interface, and the public "
        "event stream for agencies (webhooks, pull feed)",
    )
    app.state.components = Components(
        rt,
        notifier,
        fanout,
        follows,
        broadcast_consumer,
        channels,
        projector,
        dispatcher,
        relay,
        notices,
        sender,
        account_consumer,
    )
    return app
