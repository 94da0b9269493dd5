"""The public stream's contract: one versioned schema per public type, in the AsyncAPI document
with who produces and consumes each channel, and no private field in any schema."""

from __future__ import annotations

import json

from gongnon_contracts.asyncapi import build_asyncapi
from gongnon_contracts.public_events import PUBLIC_TOPIC, PUBLIC_TYPES
from gongnon_contracts.topics import Topic

FEDERATION_TYPES = {
    "item.submitted",
    "item.support_milestone",
    "item.supports_counted",
    "item.stage_changed",
    "review.case_opened",
    "review.answer_published",
    "debate.opened",
    "debate.closed",
    "item.moderated",
    "committee.step",
    "execution.progress",
}
PRIVATE_FIELDS = ("citizen_key", "account", "phone", "approved_by", "officer", "actor", "birth")


def test_the_public_types_are_the_ones_docs_federation_names() -> None:
    assert set(PUBLIC_TYPES) == FEDERATION_TYPES
    assert all(cls.VERSION >= 1 and cls.SUMMARY for cls in PUBLIC_TYPES.values())
    assert PUBLIC_TOPIC in Topic.all()


def test_no_public_schema_has_a_private_field() -> None:
    for cls in PUBLIC_TYPES.values():
        for name in cls.model_fields:
            assert not any(p in name for p in PRIVATE_FIELDS), f"{cls.TYPE}.{name}"


def test_the_agencies_document_lists_only_the_public_stream() -> None:
    doc = build_asyncapi(public_only=True)
    assert list(doc["channels"]) == ["gongnon_public"]
    channel = doc["channels"]["gongnon_public"]
    assert channel["address"] == PUBLIC_TOPIC
    assert channel["x-producer"] == "notify-svc"
    assert "Produced by notify-svc" in channel["description"]
    assert {m["name"] for m in doc["components"]["messages"].values()} == FEDERATION_TYPES
    assert doc["operations"]["send_gongnon_public"]["x-service"] == "notify-svc"
    assert doc["operations"]["receive_gongnon_public"]["action"] == "receive"
    assert "not built yet" not in doc["info"]["description"]
    assert "vote.cast" not in json.dumps(doc)
    for message in doc["components"]["messages"].values():
        ref = message["payload"]["allOf"][1]["properties"]["data"]["$ref"].rsplit("/", 1)[1]
        assert ref in doc["components"]["schemas"]


def test_the_full_document_says_who_produces_and_consumes_each_channel() -> None:
    doc = build_asyncapi()
    channels = doc["channels"]
    assert channels["gongnon_votes"]["x-producer"] == "voting-svc"
    assert "notify-svc" in channels["gongnon_votes"]["x-consumers"]
    assert "proposal-svc" in channels["gongnon_reviews"]["x-consumers"]
    for name, channel in channels.items():
        assert channel["x-producer"], name
        assert f"send_{name}" in doc["operations"]
        assert f"receive_{name}" in doc["operations"]
    assert "proposal.submitted" in {m["name"] for m in doc["components"]["messages"].values()}
