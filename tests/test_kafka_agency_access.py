"""Kafka for partner agencies that run Kafka clients, over the real broker and the real gateway
(the five processes, `./dev up`'s wiring: the gateway makes users and ACLs as the SCRAM admin).

Agency A's admin asks the gateway for Kafka credentials; with them a real client (aiokafka,
SASL_PLAINTEXT, SCRAM-SHA-512) reads what the platform published on `gongnon.public` under A's
group prefix, and is refused everything else: the internal topics, another agency's group
prefix, an unprefixed group, writing. Asking again rotates the password; after revocation A's
user cannot connect. Agency B's admin can neither issue nor revoke A's credentials."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    TopicAuthorizationFailedError,
)

from gongnon_contracts.topics import Topic
from tests.support import PASSWORD, Gateway, User

RUN = os.urandom(2).hex()
A = f"kfa{RUN}"
B = f"kfb{RUN}"
PUBLIC = Topic.PUBLIC.value
INTERNAL = (Topic.PROPOSALS.value, Topic.VOTES.value)


@pytest.fixture(autouse=True)
def _needs_scram_listener(infra: Any) -> None:
    if not infra.endpoints.kafka_scram_bootstrap:
        pytest.skip("this Kafka has no SCRAM listener for agencies (KAFKA_SCRAM_BOOTSTRAP)")


async def _agency_admin(gw: Gateway, root: User, agency: str) -> User:
    r = await gw.req("POST", "/api/agencies", root, {"id": agency, "name_ko": f"기관 {agency}", "name_en": agency})
    assert r.status == 201 or (r.status == 409 and r.body["error"]["code"] == "agency_exists"), r.body
    email = f"admin-{agency}-{os.urandom(2).hex()}@test.local"
    body = {"email": email, "password": PASSWORD, "display_name": f"관리자 {agency}", "role": "agency_admin"}
    await gw.ok("POST", "/api/admin/accounts", root, {**body, "agency": agency})
    return await gw.login(email)


def _client(creds: dict[str, Any]) -> dict[str, Any]:
    return {
        "bootstrap_servers": creds["bootstrap"],
        "security_protocol": creds["security_protocol"],
        "sasl_mechanism": creds["mechanism"],
        "sasl_plain_username": creds["username"],
        "sasl_plain_password": creds["password"],
    }


@asynccontextmanager
async def _consumer(creds: dict[str, Any], *topics: str, **kw: Any) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(*topics, auto_offset_reset="earliest", enable_auto_commit=False, **kw, **_client(creds))
    try:
        await consumer.start()
        yield consumer
    finally:
        await consumer.stop()


async def _read_until(consumer: AIOKafkaConsumer, marker: bytes, timeout: float = 30) -> bytes:
    async def scan() -> bytes:
        while True:
            message = await consumer.getone()
            if message.value and marker in message.value:
                return message.value

    return await asyncio.wait_for(scan(), timeout)


async def _publish(bootstrap: str, topic: str, value: bytes) -> None:
    """As the platform: the internal PLAINTEXT listener the services use."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"kafka-agency-access")
    finally:
        await producer.stop()


async def _refused_read(creds: dict[str, Any], topic: str, group: str | None) -> Exception:
    try:
        async with _consumer(creds, topic, group_id=group) as consumer:
            await asyncio.wait_for(consumer.getone(), 20)
    except (TopicAuthorizationFailedError, GroupAuthorizationFailedError) as exc:
        return exc
    raise AssertionError(f"{creds['username']} read {topic} as group {group}")


async def test_an_agency_reads_the_public_topic_under_its_prefix_and_nothing_else(
    gw: Gateway, infra: Any, caplog: pytest.LogCaptureFixture
) -> None:
    root = await gw.admin()
    boss_a = await _agency_admin(gw, root, A)
    boss_b = await _agency_admin(gw, root, B)
    path = f"/api/agencies/{A}/kafka-credentials"

    r = await gw.req("POST", path, boss_a)
    assert r.status == 201, r.body
    creds = r.body
    assert creds["bootstrap"] == infra.endpoints.kafka_scram_bootstrap
    assert (creds["mechanism"], creds["security_protocol"]) == ("SCRAM-SHA-512", "SASL_PLAINTEXT")
    assert (creds["username"], creds["topic"], creds["group_prefix"]) == (f"agency-{A}", PUBLIC, f"agency-{A}.")
    assert len(creds["password"]) >= 32
    state = await gw.ok("GET", path, boss_a)
    assert state["active"] is True
    assert "password" not in state
    assert state["acls"] == [
        f"DESCRIBE TOPIC {PUBLIC} (LITERAL)",
        f"READ GROUP agency-{A}. (PREFIXED)",
        f"READ TOPIC {PUBLIC} (LITERAL)",
    ]

    # The platform publishes on gongnon.public and on its internal topics.
    marker = uuid.uuid4().hex.encode()
    await _publish(infra.kafka_bootstrap, PUBLIC, b'{"public": "' + marker + b'"}')
    for topic in INTERNAL:
        await _publish(infra.kafka_bootstrap, topic, b'{"internal": "' + marker + b'"}')

    # A reads the public topic as a member of a group under its prefix, and commits its offsets.
    async with _consumer(creds, PUBLIC, group_id=f"agency-{A}.x") as consumer:
        assert marker in await _read_until(consumer, marker)
        await consumer.commit()
        # Its view of the cluster holds the public topic only.
        assert await consumer.topics() == {PUBLIC}

    # Refused: the internal topics (even under its own group), other groups, writing.
    for topic in INTERNAL:
        exc = await _refused_read(creds, topic, f"agency-{A}.x")
        assert isinstance(exc, TopicAuthorizationFailedError), exc
    async with _consumer(creds, group_id=None) as consumer:  # no group, partitions assigned by hand
        consumer.assign([TopicPartition(Topic.PROPOSALS.value, p) for p in range(6)])
        assert await consumer.getmany(timeout_ms=3000) == {}  # records are there; none reach A
    for group in (f"agency-{B}.x", "x", f"agency-{A}x", f"agency-{B}"):
        exc = await _refused_read(creds, PUBLIC, group)
        assert isinstance(exc, GroupAuthorizationFailedError), (group, exc)
    producer = AIOKafkaProducer(**_client(creds), acks=1)
    await producer.start()
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await producer.send_and_wait(PUBLIC, b'{"forged": true}')
    finally:
        await producer.stop()

    # The operators' SCRAM admin is a super user (what the gateway provisions as): it reads anything.
    if infra.endpoints.kafka_admin_username:
        admin = {"bootstrap": creds["bootstrap"], "security_protocol": "SASL_PLAINTEXT", "mechanism": "SCRAM-SHA-512"}
        admin |= {"username": infra.endpoints.kafka_admin_username, "password": infra.endpoints.kafka_admin_password}
        async with _consumer(admin, Topic.PROPOSALS.value, group_id=None) as consumer:
            assert b"internal" in await _read_until(consumer, marker)

    # Agency B's admin may not issue, rotate, read or revoke A's credentials; nor a citizen.
    citizen = await gw.citizen()
    for who in (boss_b, citizen):
        for method in ("POST", "GET", "DELETE"):
            r = await gw.req(method, path, who)
            assert r.status == 403, (method, r.status, r.body)
    assert (await gw.req("POST", path)).status == 401
    assert (await gw.req("POST", "/api/agencies/nowhere-agency/kafka-credentials", root)).status == 404
    async with _consumer(creds, PUBLIC, group_id=f"agency-{A}.x2") as consumer:  # still A's own
        assert marker in await _read_until(consumer, marker)

    # B's own credentials read under B's prefix only.
    creds_b = await gw.ok("POST", f"/api/agencies/{B}/kafka-credentials", boss_b)
    assert creds_b["username"] == f"agency-{B}"
    exc = await _refused_read(creds_b, PUBLIC, f"agency-{A}.x")
    assert isinstance(exc, GroupAuthorizationFailedError)

    # Asking again rotates: the old password no longer connects, the new one does.
    rotated = await gw.ok("POST", path, root)  # a super admin may too
    assert rotated["password"] != creds["password"]
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="aiokafka"), pytest.raises(KafkaConnectionError):
        async with _consumer(creds, PUBLIC, group_id=f"agency-{A}.x"):
            pass
    assert "SaslAuthenticationFailed" in caplog.text
    async with _consumer(rotated, PUBLIC, group_id=f"agency-{A}.rotated") as consumer:
        assert marker in await _read_until(consumer, marker)

    # Revoked: A's user cannot connect (authentication fails, while B's still does).
    assert (await gw.req("DELETE", path, boss_a)).status == 204
    state = await gw.ok("GET", path, boss_a)
    assert (state["active"], state["acls"]) == (False, [])
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="aiokafka"), pytest.raises(KafkaConnectionError):
        async with _consumer(rotated, PUBLIC, group_id=f"agency-{A}.x"):
            pass
    assert "SaslAuthenticationFailed" in caplog.text
    async with _consumer(creds_b, PUBLIC, group_id=f"agency-{B}.x") as consumer:
        assert marker in await _read_until(consumer, marker)
    assert (await gw.req("DELETE", path, boss_a)).status == 204  # revoking again: nothing to do
    assert (await gw.req("DELETE", f"/api/agencies/{B}/kafka-credentials", boss_b)).status == 204


async def test_the_services_listener_still_does_transactions_idempotence_and_groups(infra: Any) -> None:
    """The authorizer is on for the whole broker; the services' PLAINTEXT listener (User:ANONYMOUS,
    a super user) still has everything they use: idempotent and transactional producers, consumer
    groups with committed offsets, topics created on first use."""
    topic = f"gongnon.probe-{RUN}"
    marker = uuid.uuid4().hex.encode()
    idempotent = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, enable_idempotence=True)
    transactional = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, transactional_id=f"probe-{RUN}")
    await idempotent.start()
    await transactional.start()
    try:
        await idempotent.send_and_wait(topic, b"idempotent " + marker, key=b"k")
        async with transactional.transaction():
            await transactional.send(topic, b"committed " + marker, key=b"k")
        await transactional.begin_transaction()
        await transactional.send(topic, b"aborted " + marker, key=b"k")
        await transactional.abort_transaction()
    finally:
        await transactional.stop()
        await idempotent.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=infra.kafka_bootstrap,
        group_id=f"probe-{RUN}",
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen: list[bytes] = []
        partitions: set[TopicPartition] = set()
        while len(seen) < 2:
            batch = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), 30)
            seen += [m.value for records in batch.values() for m in records if m.value]
            partitions |= {tp for tp, records in batch.items() if records}
        await consumer.commit()
        assert seen == [b"idempotent " + marker, b"committed " + marker]
        [tp] = partitions  # one key, one partition
        assert await consumer.committed(tp) == await consumer.position(tp)
    finally:
        await consumer.stop()
