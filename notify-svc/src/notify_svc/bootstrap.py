"""The composition root: wires the runtime, repositories, channels, handlers, worker and routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from gongnon_chassis.consumer import EventConsumer
from gongnon_chassis.runtime import Runtime, create_app, create_runtime
from notify_svc.adapters.broadcasts import BroadcastRepository
from notify_svc.adapters.channels import Channel, build_channels
from notify_svc.adapters.followers import FollowerRepository, ItemRepository
from notify_svc.adapters.inbox import Inbox
from notify_svc.adapters.public_events import PublicEventStore
from notify_svc.entrypoints.events import (
    register_agency_handlers,
    register_broadcast_handlers,
    register_follow_handlers,
)
from notify_svc.entrypoints.http import build_router
from notify_svc.entrypoints.public_http import build_public_router
from notify_svc.service_layer.agency_closure import AgencyClosure
from notify_svc.service_layer.fanout import FanOut
from notify_svc.service_layer.legacy_followers import move_legacy_followers
from notify_svc.service_layer.notifier import Notifier
from notify_svc.service_layer.public_projector import PublicProjector
from notify_svc.service_layer.public_relay import PublicRelay
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


def build_app(settings: NotifySettings) -> FastAPI:
    rt = create_runtime(settings)
    channels = build_channels(rt.db, settings.channel_names())
    inbox = next(c for c in channels if isinstance(c, Inbox))
    followers = FollowerRepository(rt.db)
    items = ItemRepository(rt.db)
    broadcasts = BroadcastRepository(rt.db)
    notifier = Notifier(followers, items, broadcasts, channels)
    fanout = FanOut(rt.store, followers, items, broadcasts, channels)

    # Votes are the heavy stream: follows are applied 500 at a time, in one transaction each.
    follows = rt.consumer("follows", batch_size=2000)
    register_follow_handlers(follows, notifier)
    broadcast_consumer = rt.consumer("broadcasts")
    register_broadcast_handlers(broadcast_consumer, notifier)
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
        for channel in channels:
            await channel.ensure_indexes()
        await public_events.ensure_indexes()
        await subscriptions.ensure_indexes()
        await deliveries.ensure_indexes()
        await dispatcher.start()

    app = create_app(
        rt,
        [build_router(inbox, rt.clock), build_public_router(public_events, webhooks)],
        on_start=[prepare],
        # The public relay publishes, so it starts once the runtime's producer is up; the lanes
        # stop before the runtime closes the database they log to.
        on_started=[lambda _: relay.start()],
        on_stop=[lambda _: dispatcher.stop(), lambda _: relay.stop()],
        title="notify-svc",
        description="Followers, the in-app inbox, e-mail/SMS behind one channel interface, and the public "
        "event stream for agencies (webhooks, pull feed)",
    )
    app.state.components = Components(
        rt, notifier, fanout, follows, broadcast_consumer, channels, projector, dispatcher, relay
    )
    return app
