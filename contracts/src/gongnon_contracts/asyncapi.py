"""The AsyncAPI 3.0 document, generated from the registered event models so it cannot drift.

Two streams: the platform's internal events (one Envelope, typed data; services only) and the
public stream agencies subscribe to (`gongnon.public`, one PublicEvent envelope, public fields
only). Each channel says which service produces it and which consume it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gongnon_contracts.envelope import Envelope
from gongnon_contracts.public_events import PUBLIC_TOPIC, PUBLIC_TYPES, PublicEvent
from gongnon_contracts.registry import all_events


@dataclass(frozen=True)
class ChannelRoles:
    producer: str
    consumers: tuple[str, ...]
    about: str
    key: str = "the item id"


# Who writes and who reads each topic (kept beside the generator: the services' handlers are the
# reference; contracts/tests/test_public_events.py checks the document).
CHANNEL_ROLES: dict[str, ChannelRoles] = {
    "gongnon.proposals": ChannelRoles(
        "proposal-svc",
        ("voting-svc", "review-svc", "notify-svc", "gateway"),
        "Items, stages, milestones, moderation, debates and consultations",
    ),
    "gongnon.votes": ChannelRoles(
        "voting-svc", ("voting-svc (ledger writer)", "notify-svc"), "Accepted votes (private: voters' identities)"
    ),
    "gongnon.tallies": ChannelRoles(
        "voting-svc", ("proposal-svc", "notify-svc", "gateway"), "Coalesced tally snapshots and final ballot results"
    ),
    "gongnon.reviews": ChannelRoles("review-svc", ("proposal-svc", "notify-svc"), "Review cases and answers"),
    "gongnon.notifications": ChannelRoles("notify-svc", (), "Notifications created"),
    "gongnon.agencies": ChannelRoles(
        "gateway", ("review-svc", "proposal-svc"), "The agency registry", key="the agency id"
    ),
    "gongnon.accounts": ChannelRoles(
        "gateway",
        ("notify-svc",),
        "Accounts' contact facts, so notifications can reach people (private: e-mail addresses)",
        key="the account id",
    ),
    PUBLIC_TOPIC: ChannelRoles(
        "notify-svc",
        ("agency systems (Kafka, read-only per-agency credentials)", "gateway (feed stream)"),
        "The public stream for partner agencies: public fields only, numbered by seq; the same events "
        "reach webhooks (Standard Webhooks signatures) and the pull feed (GET /api/feed, /api/feed/stream)",
    ),
}


def _rewrite_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        return {
            k: (v.replace("#/$defs/", prefix) if k == "$ref" and isinstance(v, str) else _rewrite_refs(v, prefix))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(v, prefix) for v in node]
    return node


def _channel(channels: dict[str, Any], topic: str) -> dict[str, Any]:
    roles = CHANNEL_ROLES.get(topic)
    consumers = ", ".join(roles.consumers) if roles and roles.consumers else "none yet"
    description = (
        f"{roles.about}. Produced by {roles.producer}; consumed by {consumers}. Keyed by {roles.key}."
        if roles
        else "Keyed by the event's subject."
    )
    return channels.setdefault(
        topic.replace(".", "_"),
        {
            "address": topic,
            "messages": {},
            "description": description,
            "x-producer": roles.producer if roles else None,
            "x-consumers": list(roles.consumers) if roles else [],
        },
    )


def _schema(model: type[Any], schemas: dict[str, Any]) -> None:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for dname, dschema in schema.pop("$defs", {}).items():
        schemas[dname] = dschema
    schemas[model.__name__] = schema


def build_asyncapi(public_only: bool = False, server: str = "127.0.0.1:9092") -> dict[str, Any]:
    """public_only: only the public stream (`gongnon.public`), what agencies subscribe to."""
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    if not public_only:
        schemas["Envelope"] = Envelope.model_json_schema(ref_template="#/components/schemas/{model}")
        for cls in all_events():
            name = cls.__name__
            _schema(cls, schemas)
            messages[name] = {
                "name": cls.TYPE,
                "title": name,
                "summary": cls.SUMMARY,
                "contentType": "application/json",
                "headers": {"type": "object", "properties": {"type": {"const": cls.TYPE}}},
                "payload": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Envelope"},
                        {
                            "type": "object",
                            "properties": {
                                "type": {"const": cls.TYPE},
                                "version": {"const": cls.VERSION},
                                "data": {"$ref": f"#/components/schemas/{name}"},
                            },
                        },
                    ]
                },
                "x-public": False,
                "x-internal": True,
            }
            _channel(channels, cls.TOPIC)["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    schemas["PublicEvent"] = PublicEvent.model_json_schema(ref_template="#/components/schemas/{model}")
    for pcls in PUBLIC_TYPES.values():
        name = "Public" + pcls.__name__
        schema = pcls.model_json_schema(ref_template="#/components/schemas/{model}")
        for dname, dschema in schema.pop("$defs", {}).items():
            schemas[dname] = dschema
        schemas[name] = schema
        messages[name] = {
            "name": pcls.TYPE,
            "title": name,
            "summary": pcls.SUMMARY,
            "contentType": "application/json",
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/PublicEvent"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": pcls.TYPE},
                            "version": {"const": pcls.VERSION},
                            "data": {"$ref": f"#/components/schemas/{name}"},
                        },
                    },
                ]
            },
            "x-public": True,
        }
        _channel(channels, PUBLIC_TOPIC)["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for cname, ch in channels.items():
        refs = [{"$ref": f"#/channels/{cname}/messages/{m}"} for m in ch["messages"]]
        operations[f"send_{cname}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{cname}"},
            "summary": f"{ch['x-producer'] or 'unknown'} publishes",
            "x-service": ch["x-producer"],
            "messages": refs,
        }
        operations[f"receive_{cname}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{cname}"},
            "summary": f"consumed by {', '.join(ch['x-consumers']) or 'none yet'}",
            "x-services": ch["x-consumers"],
            "messages": refs,
        }
    description = (
        "The public event stream of the Gongnon civic platform for partner agencies: public fields only "
        "(never a citizen key, a phone number, an account or a name a citizen did not publish), one "
        "versioned schema per type, each event numbered by a platform-wide increasing seq. Three ways to "
        "receive it: webhooks signed the Standard Webhooks way (webhook-id = the event id, webhook-timestamp, "
        "webhook-signature v1 HMAC-SHA256), the pull feed (GET /api/feed by cursor, GET /api/feed/stream as "
        "server-sent events), and this Kafka channel with per-agency read-only credentials."
    )
    if not public_only:
        description += (
            " This full document also lists the platform's internal events (one Envelope, typed data): "
            "services only, never exposed to agencies."
        )
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Gongnon events", "version": "1.0.0", "description": description},
        "defaultContentType": "application/json",
        "servers": {"kafka": {"host": server, "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": _rewrite_refs(schemas, "#/components/schemas/"), "messages": messages},
    }
