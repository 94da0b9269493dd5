"""notify-svc against real Kafka, MongoDB and Redis: handlers driven through
EventConsumer.dispatch, the fan-out worker drained explicitly, the inbox over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pymongo.asynchronous.client_session import AsyncClientSession

from gongnon_chassis.actor import Actor
from gongnon_chassis.keys import pair_key
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope, EventData
from gongnon_contracts.events import (
    AccountCreated,
    MilestoneReached,
    ProposalSubmitted,
    ReviewAnswerPublished,
    ReviewCaseOpened,
    ReviewCaseOverdue,
    VoteCast,
    VotesCast,
)
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from notify_svc.bootstrap import Components, build_app
from notify_svc.domain.audience import FollowReason, Notification
from notify_svc.service_layer.legacy_followers import DONE, move_legacy_followers
from notify_svc.settings import NotifySettings

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
MILESTONE = "proposal.milestone_reached"
OPENED = "review.case_opened"
PUBLISHED = "review.answer_published"


@dataclass
class Notify:
    app: FastAPI
    http: httpx.AsyncClient

    @property
    def parts(self) -> Components:
        comp: Components = self.app.state.components
        return comp

    async def deliver(self, env: Envelope) -> None:
        body = env.model_dump(mode="json")
        consumer = self.parts.follows if env.type in ("proposal.submitted", "vote.cast") else self.parts.broadcasts
        await consumer.dispatch(body)

    async def fan_out(self) -> None:
        await self.parts.fanout.drain()

    async def inbox(self, account: str) -> dict[str, Any]:
        r = await self.http.get("/inbox?limit=200", headers=citizen(account).header())
        assert r.status_code == 200
        body: dict[str, Any] = r.json()
        return body

    async def kinds(self, account: str, item_id: str) -> list[str]:
        """The kinds of this account's notifications about the item, sorted by name."""
        return sorted(n["kind"] for n in (await self.inbox(account))["items"] if n["item_id"] == item_id)

    async def known(self, account: str, *, sms: bool = False) -> None:
        """The gateway announced the account (its e-mail); with sms, it turned SMS on."""
        created = AccountCreated(
            account_id=account,
            email=f"{account}@test.local",
            display_name=account,
            role=ActorRole.CITIZEN,
            agency="seoul",
            department_id=None,
            created_at=T0,
        )
        assert self.parts.accounts is not None
        await self.parts.accounts.dispatch(wrap(created, T0, "gateway").model_dump(mode="json"))
        if sms:
            r = await self.http.put(
                "/preferences", json={"sms": True, "sms_number": "010-0000-0000"}, headers=citizen(account).header()
            )
            assert r.status_code == 200, r.text

    async def outgoing(self, channel: str, broadcast_id: str, account: str) -> int:
        db = self.parts.runtime.db
        n: int = await db.outgoing.count_documents(
            {"channel": channel, "broadcast_id": broadcast_id, "account_id": account}
        )
        return n


def citizen(account: str) -> Actor:
    return Actor(account_id=account, role=ActorRole.CITIZEN, citizen_key=f"ck-{account}")


@pytest.fixture(scope="module")
async def notify(infra: Any) -> AsyncIterator[Notify]:
    name = f"notify-test-{uuid.uuid4().hex[:8]}"
    settings = NotifySettings(
        SERVICE_NAME=name,
        MONGODB_DATABASE=name.replace("-", "_"),
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_DEV_MODE=True,  # Actor.header(): the development key
        NOTIFY_CHANNELS="inapp,email,sms",
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notify-svc") as client:
            yield Notify(app, client)


def wrap(data: EventData, time: datetime, source: str) -> Envelope:
    return Envelope.wrap(data, source=source, agency="seoul", time=time)


def submitted(item: str, author: str) -> Envelope:
    data = ProposalSubmitted(
        item_id=item,
        title="보건소에서도 난임주사를",
        category="health",
        district=None,
        author_account=author,
        author_role=ActorRole.CITIZEN,
        rule_set_id="democracy-seoul-2019",
        listed=True,
    )
    return wrap(data, T0, "proposal-svc")


def vote(item: str, account: str, cast_at: datetime) -> Envelope:
    data = VoteCast(
        vote_id=f"v-{uuid.uuid4().hex[:8]}",
        item_id=item,
        kind="support",
        citizen_key=f"ck-{account}",
        account_id=account,
        cast_at=cast_at,
    )
    return wrap(data, cast_at, "voting-svc")


def milestone(item: str, reached_at: datetime) -> Envelope:
    data = MilestoneReached(
        item_id=item,
        rule_id="r-50",
        rule_set_id="democracy-seoul-2019",
        metric=Metric.SUPPORTS,
        threshold=50,
        value=50,
        action=RuleAction.DEPARTMENT_ANSWER,
        due_days=20,
        category="health",
        title="보건소에서도 난임주사를",
        reached_at=reached_at,
    )
    return wrap(data, reached_at, "proposal-svc")


def case_opened(item: str, at: datetime) -> Envelope:
    data = ReviewCaseOpened(
        case_id=f"case-{item}",
        item_id=item,
        department_id="dept-health",
        department_name="시민건강국",
        due_at=at + timedelta(days=20),
        reason="공감 50개 달성: 부서 답변 대상",
    )
    return wrap(data, at, "review-svc")


def answer_published(item: str, at: datetime) -> Envelope:
    data = ReviewAnswerPublished(
        case_id=f"case-{item}",
        item_id=item,
        department_id="dept-health",
        department_name="시민건강국",
        decision="accept",
        reason=None,
        answer="보건소 난임주사 시범사업을 추진합니다.",
        approved_by="op-1",
        published_at=at,
    )
    return wrap(data, at, "review-svc")


def new_item() -> str:
    return f"p-{uuid.uuid4().hex[:10]}"


async def test_author_and_supporters_are_told_once_even_when_events_repeat(notify: Notify) -> None:
    item = new_item()
    author, s1, s2 = f"a-{item}", f"s1-{item}", f"s2-{item}"
    for account in (author, s1, s2):
        await notify.known(account, sms=True)
    await notify.deliver(submitted(item, author))
    await notify.deliver(vote(item, s1, T0 + timedelta(minutes=1)))
    second_vote = vote(item, s2, T0 + timedelta(minutes=2))
    await notify.deliver(second_vote)
    await notify.deliver(second_vote)  # a redelivered vote
    reached = milestone(item, T0 + timedelta(minutes=3))
    await notify.deliver(reached)
    await notify.deliver(reached)  # the same event twice
    await notify.deliver(milestone(item, T0 + timedelta(minutes=3)))  # re-sent under a new event id
    await notify.fan_out()
    await notify.fan_out()

    for account in (author, s1, s2):
        inbox = await notify.inbox(account)
        mine = [n for n in inbox["items"] if n["item_id"] == item]
        assert len(mine) == 1, account
        n = mine[0]
        assert n["kind"] == MILESTONE
        assert n["title"] == "제안이 공감 50개를 넘어 부서 검토에 들어갑니다"
        assert n["body"].startswith("‘보건소에서도 난임주사를’ 제안에 공감이 50개 모였습니다.")
        assert n["read"] is False
        assert inbox["unread"] == 1
        for channel in ("email", "sms"):
            assert await notify.outgoing(channel, f"milestone:{item}:r-50", account) == 1


async def test_supporters_processed_after_the_milestone_still_hear_of_it(notify: Notify) -> None:
    item = new_item()
    author, early, late, after = (f"{who}-{item}" for who in ("a", "early", "late", "after"))
    reached_at = T0 + timedelta(minutes=10)
    await notify.deliver(submitted(item, author))
    await notify.deliver(vote(item, early, T0 + timedelta(minutes=1)))
    await notify.deliver(milestone(item, reached_at))
    await notify.fan_out()
    assert await notify.kinds(author, item) == [MILESTONE]
    assert await notify.kinds(early, item) == [MILESTONE]

    # The votes topic lags: a vote cast before the milestone is processed after it was told.
    await notify.deliver(vote(item, late, reached_at - timedelta(seconds=30)))
    assert await notify.kinds(late, item) == [MILESTONE]  # delivered with the follow, no fan-out needed
    # A supporter who came after the milestone was not part of it.
    await notify.deliver(vote(item, after, reached_at + timedelta(minutes=1)))
    assert await notify.kinds(after, item) == []

    # Later news reaches everyone who followed by then, each exactly once.
    await notify.deliver(case_opened(item, reached_at + timedelta(minutes=2)))
    await notify.deliver(answer_published(item, reached_at + timedelta(days=5)))
    await notify.fan_out()
    await notify.deliver(vote(item, late, reached_at - timedelta(seconds=30)))  # same vote again, new event
    await notify.fan_out()
    for account in (author, early, late):
        assert await notify.kinds(account, item) == sorted([MILESTONE, OPENED, PUBLISHED]), account
    assert await notify.kinds(after, item) == sorted([OPENED, PUBLISHED])

    inbox = await notify.inbox(author)
    by_kind = {n["kind"]: n for n in inbox["items"] if n["item_id"] == item}
    assert by_kind[OPENED]["title"] == "시민건강국에서 제안을 검토합니다"
    assert by_kind[PUBLISHED]["title"] == "부서 답변이 공개되었습니다 (수용)"
    # Newest first.
    assert [n["kind"] for n in inbox["items"] if n["item_id"] == item] == [PUBLISHED, OPENED, MILESTONE]


async def test_a_follow_racing_the_fan_out_is_told_once(notify: Notify) -> None:
    item = new_item()
    author, racer = f"a-{item}", f"racer-{item}"
    await notify.known(racer)
    reached_at = T0 + timedelta(minutes=5)
    await notify.deliver(submitted(item, author))
    await notify.deliver(milestone(item, reached_at))
    # The follow lands after the broadcast was recorded, before (or while) the fan-out runs:
    # both paths deliver, the unique (happening, account) key keeps one.
    await notify.deliver(vote(item, racer, reached_at - timedelta(minutes=1)))
    await notify.fan_out()
    assert await notify.kinds(racer, item) == [MILESTONE]
    assert await notify.kinds(author, item) == [MILESTONE]
    assert await notify.outgoing("email", f"milestone:{item}:r-50", racer) == 1


async def test_overdue_is_not_sent_to_followers(notify: Notify) -> None:
    item = new_item()
    author = f"a-{item}"
    await notify.deliver(submitted(item, author))
    overdue = ReviewCaseOverdue(
        case_id=f"case-{item}", item_id=item, department_id="dept-health", due_at=T0 + timedelta(minutes=1)
    )
    await notify.deliver(wrap(overdue, T0 + timedelta(minutes=2), "review-svc"))
    await notify.fan_out()
    assert await notify.kinds(author, item) == []


async def test_inbox_read_marks_only_your_own(notify: Notify) -> None:
    item = new_item()
    owner, other = f"owner-{item}", f"other-{item}"
    await notify.deliver(submitted(item, owner))
    await notify.deliver(milestone(item, T0 + timedelta(minutes=1)))
    await notify.deliver(case_opened(item, T0 + timedelta(minutes=2)))
    await notify.fan_out()
    inbox = await notify.inbox(owner)
    assert inbox["unread"] == 2
    first = inbox["items"][0]["id"]

    r = await notify.http.post(f"/inbox/{first}/read", headers=citizen(other).header())
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "notification_not_found"
    r = await notify.http.post(f"/inbox/{first}/read")
    assert r.status_code == 401
    r = await notify.http.post("/inbox/ntf_nope/read", headers=citizen(owner).header())
    assert r.status_code == 404
    assert (await notify.inbox(owner))["unread"] == 2

    r = await notify.http.post(f"/inbox/{first}/read", headers=citizen(owner).header())
    assert r.status_code == 200
    assert r.json() == {"id": first, "read": True, "unread": 1}
    r = await notify.http.post(f"/inbox/{first}/read", headers=citizen(owner).header())
    assert r.json()["unread"] == 1  # reading twice is harmless
    inbox = await notify.inbox(owner)
    assert {n["id"]: n["read"] for n in inbox["items"]}[first] is True
    assert inbox["unread"] == 1

    r = await notify.http.get("/inbox")
    assert r.status_code == 401


async def test_a_follow_committing_after_the_fan_out_read_its_followers_is_not_missed(notify: Notify) -> None:
    # The dangerous interleaving: a follow's transaction started before the broadcast existed
    # (so it cannot see it) but commits after the fan-out already read the followers (so the
    # fan-out cannot see the follower). Both write the item's record, so the broadcast cannot
    # commit while the follow is open: it commits after, and the fan-out then sees the follower.
    item = new_item()
    voter = f"v-{item}"
    reached_at = T0 + timedelta(minutes=30)
    rt = notify.parts.runtime
    async with rt.mongo.start_session() as session:
        await session.start_transaction()
        tx = Tx(session=session, db=rt.db, now=rt.clock.now(), source="test")
        await notify.parts.notifier.follow(
            tx, item_id=item, account_id=voter, since=reached_at - timedelta(minutes=1),
            reason=FollowReason.SUPPORTER, agency="seoul",
        )  # fmt: skip
        broadcast = asyncio.create_task(notify.deliver(milestone(item, reached_at)))
        # Give the broadcast its chance to commit now (it must not while the follow is open).
        finished, _ = await asyncio.wait({broadcast}, timeout=1.0)
        await notify.fan_out()
        await session.commit_transaction()
    await broadcast
    await notify.fan_out()
    assert await notify.kinds(voter, item) == [MILESTONE]
    assert not finished, "the broadcast committed while a conflicting follow was open"


async def test_the_vote_that_reached_the_milestone_hears_of_it_when_its_follow_comes_late(notify: Notify) -> None:
    # The bad order: the follows consumer (batched votes) lags behind the broadcasts consumer, so
    # the last supporter's follow is recorded after the milestone was recorded and fanned out.
    # reached_at is the tally's as_of: that vote's cast_at as read back from MongoDB, i.e. cut to
    # milliseconds, while the vote event itself still carries the microseconds.
    item = new_item()
    author, last, next_ms = f"a-{item}", f"last-{item}", f"next-{item}"
    cast_at = T0 + timedelta(minutes=7, microseconds=123456)
    reached_at = cast_at.replace(microsecond=123000)
    await notify.deliver(submitted(item, author))
    await notify.deliver(milestone(item, reached_at))
    await notify.fan_out()
    assert await notify.kinds(author, item) == [MILESTONE]
    assert await notify.kinds(last, item) == []

    follows = notify.parts.follows
    await follows.dispatch_batch([vote(item, last, cast_at).model_dump(mode="json")])
    assert await notify.kinds(last, item) == [MILESTONE]
    # A vote in the next millisecond was not counted toward it.
    await follows.dispatch_batch([vote(item, next_ms, reached_at + timedelta(milliseconds=1)).model_dump(mode="json")])
    assert await notify.kinds(next_ms, item) == []


@dataclass
class DeliveryOrder:
    """A channel that only notes in which order one item's broadcasts were handed over."""

    item_id: str
    kinds: list[str]
    name: str = "order"

    async def ensure_indexes(self) -> None:
        return None

    async def deliver(self, notes: Sequence[Notification], session: AsyncClientSession) -> None:
        for n in notes:
            if n.item_id == self.item_id and n.kind not in self.kinds:  # a retried page hands over again
                self.kinds.append(n.kind)


async def test_the_fan_out_tells_older_news_first(notify: Notify) -> None:
    # Three broadcasts waiting at once (the fan-out fell behind): their ids sort by kind, answer
    # first, but a follower must not hear of the answer before the milestone that led to it.
    item = new_item()
    author = f"a-{item}"
    await notify.deliver(submitted(item, author))
    await notify.deliver(milestone(item, T0 + timedelta(minutes=1)))
    await notify.deliver(case_opened(item, T0 + timedelta(minutes=2)))
    await notify.deliver(answer_published(item, T0 + timedelta(minutes=3)))
    order = DeliveryOrder(item, [])
    fanout = notify.parts.fanout
    await replace(fanout, channels=[*fanout.channels, order]).drain()
    assert order.kinds == [MILESTONE, OPENED, PUBLISHED]
    assert await notify.kinds(author, item) == sorted([MILESTONE, OPENED, PUBLISHED])


async def test_a_batch_of_votes_is_followed_in_bulk_with_the_same_outcome_as_one_by_one(notify: Notify) -> None:
    # One batch from the votes stream: two items, a voter already following from earlier, a voter
    # already following from later (their follow widens and they now hear older news), an office
    # ballot (not the voter's account: no follow) and a redelivered vote.
    item, other = new_item(), new_item()
    early, late, fresh, office = (f"{who}-{item}" for who in ("early", "late", "fresh", "office"))
    reached_at = T0 + timedelta(minutes=10)
    await notify.deliver(submitted(item, f"a-{item}"))
    follows = notify.parts.follows
    await follows.dispatch_batch([vote(item, early, T0 + timedelta(minutes=1)).model_dump(mode="json")])
    await follows.dispatch_batch(
        [vote(item, late, T0 + timedelta(minutes=20)).model_dump(mode="json")]
    )  # fmt: skip
    await notify.deliver(milestone(item, reached_at))
    await notify.fan_out()
    assert await notify.kinds(early, item) == [MILESTONE]
    assert await notify.kinds(late, item) == []  # followed after the milestone

    offline = vote(item, office, T0 + timedelta(minutes=2))
    offline.data["channel"] = "offline"
    again = vote(item, early, T0 + timedelta(minutes=5))
    batch = [
        again,
        vote(item, late, T0 + timedelta(minutes=3)),  # a follow from earlier than theirs: widens it
        vote(item, fresh, T0 + timedelta(minutes=4)),
        vote(other, fresh, T0 + timedelta(minutes=4)),
        offline,
        again,  # redelivered inside the batch
    ]
    await follows.dispatch_batch([e.model_dump(mode="json") for e in batch])
    assert await notify.kinds(early, item) == [MILESTONE]  # not told twice
    assert await notify.kinds(late, item) == [MILESTONE]  # now follows from before the milestone
    assert await notify.kinds(fresh, item) == [MILESTONE]
    assert await notify.kinds(fresh, other) == []
    assert await notify.kinds(office, item) == []
    assert await followers_of(notify, item) == {f"a-{item}", early, late, fresh}
    assert await followers_of(notify, other) == {fresh}


async def followers_of(notify: Notify, item: str) -> set[str]:
    return {m["a"] async for d in notify.parts.runtime.db.followers.find({"item_id": item}) for m in d["members"]}


async def numbered(notify: Notify, item: str) -> list[tuple[int, str]]:
    """(number, account) of every follow of the item, in number order, from its chunks."""
    out: list[tuple[int, str]] = []
    async for d in notify.parts.runtime.db.followers.find({"item_id": item}):
        assert d["last"] == d["first"] + len(d["members"]) - 1
        out += [(d["first"] + i, m["a"]) for i, m in enumerate(d["members"])]
    return sorted(out)


async def test_follows_are_numbered_in_follow_order_and_the_fan_out_pages_by_number(notify: Notify) -> None:
    # A batch of follows of an item is one chunk, numbered after the item's last follower; the
    # fan-out reads the chunks starting in a bounded range of numbers, so each page reads only its
    # followers however many follow the item. Small pages here: 23 followers, 3 chunks, pages of 5.
    item = new_item()
    accounts = [f"f{i:02d}-{item}" for i in range(23)]
    follows = notify.parts.follows
    for start in range(0, 23, 10):
        batch = [vote(item, a, T0 + timedelta(minutes=1)) for a in accounts[start : start + 10]]
        await follows.dispatch_batch([e.model_dump(mode="json") for e in batch + batch[:2]])  # with repeats
    assert await numbered(notify, item) == list(enumerate(accounts, start=1))

    rt = notify.parts.runtime
    async with rt.mongo.start_session() as session:
        page, covered = await notify.parts.fanout.followers.page(item, 10, 15, session)
        assert ([f.account_id for f in page], covered) == (accounts[10:20], 20)  # the whole chunk 11..20
        assert await notify.parts.fanout.followers.page(item, 11, 15, session) == ([], None)

    await notify.deliver(milestone(item, T0 + timedelta(minutes=2)))
    fanout = replace(notify.parts.fanout, page_size=5)
    assert await fanout.drain() == 23
    db = rt.db
    assert await db.notifications.count_documents({"item_id": item}) == 23
    broadcast = await db.broadcasts.find_one({"item_id": item})
    assert broadcast is not None
    assert (broadcast["done"], broadcast["cursor"]) == (True, 23)


async def test_followers_kept_one_document_each_move_into_chunks_once_and_are_reached(notify: Notify) -> None:
    # A database from the version that kept a document per follower, paged by account id. The
    # upgrade moves them into chunks numbered from 1, new follows come after them, and a broadcast
    # reaches all of them.
    item = new_item()
    db = notify.parts.runtime.db
    legacy = [f"old{i}-{item}" for i in range(4)]
    await db.followers.insert_many(
        [
            {"_id": pair_key(item, a), "item_id": item, "account_id": a, "since": T0, "reasons": ["supporter"],
             "agency": "seoul"}
            for a in legacy
        ]
    )  # fmt: skip
    await db.items.update_one({"_id": item}, {"$set": {"followers": 4, "agency": "seoul"}}, upsert=True)
    await db.upgrades.delete_one({"_id": DONE})
    parts = notify.parts
    assert await move_legacy_followers(parts.runtime.store, parts.fanout.followers, parts.fanout.items) == 4
    assert await move_legacy_followers(parts.runtime.store, parts.fanout.followers, parts.fanout.items) == 0
    assert [n for n, _ in await numbered(notify, item)] == [1, 2, 3, 4]

    fresh = f"new-{item}"
    await notify.parts.follows.dispatch_batch([vote(item, fresh, T0).model_dump(mode="json")])
    assert (await numbered(notify, item))[-1] == (5, fresh)
    await notify.deliver(milestone(item, T0 + timedelta(minutes=2)))
    await notify.fan_out()
    for account in [*legacy, fresh]:
        assert await notify.kinds(account, item) == [MILESTONE]


async def test_a_batch_of_votes_in_one_record_follows_each_voter(notify: Notify) -> None:
    # voting-svc sends the votes on an item that it accepted together as one votes.cast record:
    # each voter follows exactly as from their own vote.cast.
    item = new_item()
    voters = [f"b{i}-{item}" for i in range(3)]
    batch = VotesCast(item_id=item, votes=[vote(item, a, T0 + timedelta(minutes=1)).parse() for a in voters])
    assert isinstance(batch.votes[0], VoteCast)
    await notify.parts.follows.dispatch_batch([wrap(batch, T0, "voting-svc").model_dump(mode="json")])
    assert await followers_of(notify, item) == set(voters)
    await notify.deliver(milestone(item, T0 + timedelta(minutes=2)))
    await notify.fan_out()
    for account in voters:
        assert await notify.kinds(account, item) == [MILESTONE]
