"""notify-svc's e-mail and SMS against real Kafka, MongoDB, Redis and a real SMTP server (the
local sink, gongnon_infra.smtp_sink, in a process of its own): staff notices for review events,
follows and unfollows, the recipient's language, retries and permanent failures recorded,
digests for busy items, and the SMS development provider."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import FixedClock
from gongnon_contracts import Envelope, EventData
from gongnon_contracts.events import (
    AccountCreated,
    MilestoneReached,
    ProposalModerated,
    ProposalSubmitted,
    ReviewCaseOverdue,
    ReviewCaseReassigned,
    ReviewReassignmentRequested,
    ReviewReminderDue,
    VoteCast,
)
from gongnon_contracts.events.common import ActorRole, Metric, RuleAction
from gongnon_contracts.events.proposals import CommentModerated, ProposalFollowed, ProposalUnfollowed
from gongnon_infra.procs import Proc, free_port, port_open, wait_until
from gongnon_infra.smtp_sink import read_messages
from notify_svc.bootstrap import Components, build_app
from notify_svc.settings import NotifySettings

NOW = datetime.now(UTC).replace(microsecond=0)
DUE = NOW + timedelta(days=3)
DIGEST_FOLLOWERS = 3


@dataclass
class Sink:
    port: int
    maildir: Path

    def mails(self, to: str, item: str | None = None) -> list[EmailMessage]:
        """What reached `to` (about `item`: the app also consumes the real topics, where other
        modules' review events escalate to every head and operator of the agency)."""
        return [
            m
            for m in read_messages(self.maildir)
            if m["X-Sink-Rcpt-To"] == to and (item is None or f"/proposals/{item}\n" in text(m))
        ]


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="gongnon-sink-"))
    argv = [sys.executable, "-m", "gongnon_infra.smtp_sink", "--port", str(port), "--maildir", str(workdir / "mail")]
    proc = Proc("smtp-sink", argv, workdir / "sink.log").start()
    try:
        wait_until(lambda: port_open(port), 30, "smtp sink", proc)
        yield Sink(port, workdir / "mail")
    finally:
        proc.stop()


@dataclass
class Notify:
    app: FastAPI
    http: httpx.AsyncClient
    sms_file: Path

    @property
    def parts(self) -> Components:
        comp: Components = self.app.state.components
        return comp

    async def deliver(self, data: EventData, at: datetime = NOW, source: str = "review-svc") -> Envelope:
        env = Envelope.wrap(data, source=source, agency="seoul", time=at)
        follows = ("proposal.submitted", "vote.cast", "proposal.followed", "proposal.unfollowed")
        consumer = self.parts.follows if env.type in follows else self.parts.broadcasts
        if env.type == "account.created":
            assert self.parts.accounts is not None
            consumer = self.parts.accounts
        await consumer.dispatch(env.model_dump(mode="json"))
        return env

    async def person(self, role: ActorRole, *, department: str | None = None, email: str | None = None) -> str:
        account = f"acc-{uuid.uuid4().hex[:10]}"
        await self.deliver(
            AccountCreated(
                account_id=account,
                email=email or f"{account}@test.local",
                display_name=account,
                role=role,
                agency="seoul",
                department_id=department,
                created_at=NOW,
            ),
            source="gateway",
        )
        return account

    async def kinds(self, account: str, item: str) -> list[str]:
        r = await self.http.get("/inbox?limit=200", headers=actor(account).header())
        assert r.status_code == 200
        return sorted(n["kind"] for n in r.json()["items"] if n["item_id"] == item)

    async def deliveries(self, account: str) -> list[dict[str, Any]]:
        r = await self.http.get("/deliveries", headers=actor(account).header())
        assert r.status_code == 200
        items: list[dict[str, Any]] = r.json()["items"]
        return items

    async def sent(self, account: str, n: int = 1, item: str | None = None) -> list[dict[str, Any]]:
        """Wait until n of the account's e-mails (about the item) were delivered (the sender runs
        in the background)."""
        for _ in range(300):
            done = [
                d
                for d in await self.deliveries(account)
                if d["status"] == "sent" and d["channel"] == "email" and item in (None, d["item_id"])
            ]
            if len(done) >= n:
                return done
            await asyncio.sleep(0.05)
        raise AssertionError(f"no delivery to {account}: {await self.deliveries(account)}")


def text(mail: EmailMessage) -> str:
    """The body with its line ends as \n (an 8-bit body keeps the wire's CRLF)."""
    body: str = mail.get_content()
    return body.replace("\r\n", "\n")


def actor(account: str) -> Actor:
    return Actor(account_id=account, role=ActorRole.CITIZEN, citizen_key=f"ck-{account}")


@pytest.fixture(scope="module")
async def notify(infra: Any, sink: Sink) -> AsyncIterator[Notify]:
    name = f"notify-mail-{uuid.uuid4().hex[:8]}"
    sms_file = Path(tempfile.mkdtemp(prefix="gongnon-sms-")) / "sms.jsonl"
    settings = NotifySettings(
        SERVICE_NAME=name,
        MONGODB_DATABASE=name.replace("-", "_"),
        KAFKA_BOOTSTRAP=infra.kafka_bootstrap,
        MONGODB_URI=infra.mongodb_uri,
        REDIS_URL=infra.redis_url,
        GONGNON_DEV_MODE=True,
        NOTIFY_CHANNELS="inapp,email,sms",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=sink.port,
        NOTIFY_SITE_URL="http://gongnon.test",
        NOTIFY_SMS_FILE=str(sms_file),
        NOTIFY_SEND_POLL_S=0.05,
        NOTIFY_SEND_BACKOFF_BASE_S=0.05,
        NOTIFY_SEND_BACKOFF_CAP_S=0.2,
        NOTIFY_DIGEST_FOLLOWERS=DIGEST_FOLLOWERS,
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notify-svc") as client:
            yield Notify(app, client, sms_file)


def new_item() -> str:
    return f"p-{uuid.uuid4().hex[:10]}"


def submitted(item: str, author: str, title: str = "보행로 그늘막을 늘려 주세요") -> ProposalSubmitted:
    return ProposalSubmitted(
        item_id=item,
        title=title,
        category="environment",
        district=None,
        author_account=author,
        author_role=ActorRole.CITIZEN,
        rule_set_id="democracy-seoul-2019",
        listed=True,
    )


def milestone(item: str, at: datetime, rule: str = "r-50") -> MilestoneReached:
    return MilestoneReached(
        item_id=item,
        rule_id=rule,
        rule_set_id="democracy-seoul-2019",
        metric=Metric.SUPPORTS,
        threshold=50,
        value=50,
        action=RuleAction.DEPARTMENT_ANSWER,
        due_days=20,
        category="environment",
        title="보행로 그늘막을 늘려 주세요",
        reached_at=at,
    )


def reminder(item: str, case: str, department: str, kind: str = "d-3") -> ReviewReminderDue:
    return ReviewReminderDue(
        case_id=case, item_id=item, department_id=department, department_name="푸른도시국", kind=kind, due_at=DUE
    )


async def test_a_reminder_reaches_the_departments_officers_once_by_real_smtp(notify: Notify, sink: Sink) -> None:
    item, case, dept = new_item(), f"case-{uuid.uuid4().hex[:6]}", f"dept-{uuid.uuid4().hex[:6]}"
    officer = await notify.person(ActorRole.OFFICER, department=dept)
    other = await notify.person(ActorRole.OFFICER, department="dept-elsewhere")
    operator = await notify.person(ActorRole.OPERATOR)
    await notify.deliver(submitted(item, "author-x"), source="proposal-svc")
    env = await notify.deliver(reminder(item, case, dept))
    await notify.parts.broadcasts.dispatch(env.model_dump(mode="json"))  # the same event again
    await notify.deliver(reminder(item, case, dept))  # the same reminder under a new event id

    assert await notify.kinds(officer, item) == ["review.reminder_due"]
    assert await notify.kinds(other, item) == []
    assert await notify.kinds(operator, item) == []
    done = await notify.sent(officer)
    assert len(done) == 1
    assert done[0]["attempts"] == 1
    assert done[0]["delivered_at"]
    mails = sink.mails(f"{officer}@test.local")
    assert len(mails) == 1
    mail = mails[0]
    assert mail["Subject"] == "[공론] [D-3] 답변 기한이 3일 남았습니다: 보행로 그늘막을 늘려 주세요"
    body = text(mail)
    assert "푸른도시국에 배정된 ‘보행로 그늘막을 늘려 주세요’ 제안의 답변 기한은" in body
    assert f"자세히 보기: http://gongnon.test/proposals/{item}" in body
    assert mail["Content-Language"] == "ko"


async def test_the_head_is_reminded_of_a_head_answer_case(notify: Notify) -> None:
    item, case = new_item(), f"case-{uuid.uuid4().hex[:6]}"
    head = await notify.person(ActorRole.HEAD)  # no department named: speaks for the head office
    await notify.deliver(
        ReviewReminderDue(
            case_id=case,
            item_id=item,
            department_id="dept-head",
            department_name="서울특별시장",
            kind="d-3",
            due_at=DUE,
            head_answer=True,
        )
    )
    assert await notify.kinds(head, item) == ["review.reminder_due"]


async def test_overdue_escalates_to_the_head_and_operators_in_their_language(notify: Notify, sink: Sink) -> None:
    item, case, dept = new_item(), f"case-{uuid.uuid4().hex[:6]}", f"dept-{uuid.uuid4().hex[:6]}"
    officer = await notify.person(ActorRole.OFFICER, department=dept)
    head = await notify.person(ActorRole.HEAD, department="dept-head")
    operator = await notify.person(ActorRole.OPERATOR)
    r = await notify.http.put("/preferences", json={"language": "en"}, headers=actor(operator).header())
    assert r.status_code == 200
    assert r.json()["language"] == "en"
    assert r.json()["email_address"] == f"{operator}@test.local"
    await notify.deliver(submitted(item, "author-y", title="Shade on sidewalks"), source="proposal-svc")
    overdue = ReviewCaseOverdue(
        case_id=case, item_id=item, department_id=dept, department_name="푸른도시국", due_at=DUE
    )
    await notify.deliver(overdue)
    await notify.deliver(overdue)
    assert await notify.kinds(head, item) == ["review.case_overdue"]
    assert await notify.kinds(operator, item) == ["review.case_overdue"]
    assert await notify.kinds(officer, item) == []
    await notify.sent(head, item=item)
    await notify.sent(operator, item=item)
    (ko,) = sink.mails(f"{head}@test.local", item)
    assert ko["Subject"] == "[공론] [기한 초과] 푸른도시국의 답변이 늦어지고 있습니다"
    (en,) = sink.mails(f"{operator}@test.local", item)
    assert en["Subject"] == "[Gongnon] [Overdue] 푸른도시국's answer is late"
    assert f"Read more: http://gongnon.test/proposals/{item}" in text(en)


async def test_reassignment_request_and_decision_reach_the_people_concerned(notify: Notify) -> None:
    item, case = new_item(), f"case-{uuid.uuid4().hex[:6]}"
    old, new = f"dept-{uuid.uuid4().hex[:6]}", f"dept-{uuid.uuid4().hex[:6]}"
    old_officer = await notify.person(ActorRole.OFFICER, department=old)
    new_officer = await notify.person(ActorRole.OFFICER, department=new)
    operator = await notify.person(ActorRole.OPERATOR)
    author = await notify.person(ActorRole.CITIZEN)
    await notify.deliver(submitted(item, author), NOW - timedelta(minutes=1), "proposal-svc")
    await notify.deliver(
        ReviewReassignmentRequested(
            case_id=case,
            item_id=item,
            department_id=old,
            department_name="A과",
            reason="소관이 아닙니다",
            officer_account=old_officer,
            requested_at=NOW,
        )
    )
    assert await notify.kinds(operator, item) == ["review.reassignment_requested"]
    assert await notify.kinds(old_officer, item) == []
    await notify.deliver(
        ReviewCaseReassigned(
            case_id=case,
            item_id=item,
            from_department_id=old,
            from_department_name="A과",
            department_id=new,
            department_name="B과",
            due_at=DUE,
            requested=True,
            decided_by=operator,
            decided_at=NOW + timedelta(minutes=1),
        )
    )
    assert await notify.kinds(new_officer, item) == ["review.case_reassigned"]
    assert await notify.kinds(old_officer, item) == ["review.case_reassigned"]
    assert await notify.kinds(operator, item) == ["review.reassignment_requested"]
    # The author hears which department answers now; not of the request itself.
    await notify.parts.fanout.drain()
    assert await notify.kinds(author, item) == ["review.case_reassigned"]


async def test_following_hears_the_news_and_unfollowing_stops_it(notify: Notify, sink: Sink) -> None:
    item = new_item()
    author = await notify.person(ActorRole.CITIZEN)
    fan = await notify.person(ActorRole.CITIZEN)
    await notify.deliver(submitted(item, author), NOW, "proposal-svc")
    await notify.deliver(ProposalFollowed(item_id=item, account_id=fan, followed_at=NOW), NOW, "proposal-svc")
    await notify.deliver(milestone(item, NOW + timedelta(minutes=1)), NOW, "proposal-svc")
    await notify.parts.fanout.drain()
    assert await notify.kinds(fan, item) == ["proposal.milestone_reached"]
    await notify.sent(fan)
    (mail,) = sink.mails(f"{fan}@test.local")
    assert mail["Subject"] == "[공론] 제안이 공감 50개를 넘어 부서 검토에 들어갑니다"

    await notify.deliver(ProposalUnfollowed(item_id=item, account_id=fan, unfollowed_at=NOW), NOW, "proposal-svc")
    await notify.deliver(milestone(item, NOW + timedelta(minutes=2), rule="r-500"), NOW, "proposal-svc")
    await notify.parts.fanout.drain()
    assert await notify.kinds(fan, item) == ["proposal.milestone_reached"]
    assert await notify.kinds(author, item) == ["proposal.milestone_reached", "proposal.milestone_reached"]


async def test_a_refused_address_fails_alone_and_a_deferred_one_is_retried(notify: Notify, sink: Sink) -> None:
    item, case, dept = new_item(), f"case-{uuid.uuid4().hex[:6]}", f"dept-{uuid.uuid4().hex[:6]}"
    tag = uuid.uuid4().hex[:6]
    refused = await notify.person(ActorRole.OFFICER, department=dept, email=f"reject-{tag}@test.local")
    deferred = await notify.person(ActorRole.OFFICER, department=dept, email=f"defer-{tag}@test.local")
    fine = await notify.person(ActorRole.OFFICER, department=dept)
    await notify.deliver(reminder(item, case, dept, "d-day"))
    await notify.sent(fine)
    (retried,) = await notify.sent(deferred)
    assert retried["attempts"] == 2
    assert retried["last_error"] is None
    for _ in range(200):
        (failed,) = await notify.deliveries(refused)
        if failed["status"] == "failed":
            break
        await asyncio.sleep(0.05)
    assert failed["status"] == "failed"
    assert failed["attempts"] == 1  # 550: given up at once
    assert "550" in failed["last_error"]
    assert len(sink.mails(f"defer-{tag}@test.local")) == 1
    assert sink.mails(f"reject-{tag}@test.local") == []


async def test_an_item_with_many_followers_sends_one_digest_per_hour(notify: Notify, sink: Sink) -> None:
    item = new_item()
    hour = NOW.replace(minute=0, second=0)  # both pieces of news fall in this hour
    author = await notify.person(ActorRole.CITIZEN)
    fans = [await notify.person(ActorRole.CITIZEN) for _ in range(DIGEST_FOLLOWERS)]
    await notify.deliver(submitted(item, author), hour, "proposal-svc")
    for i, fan in enumerate(fans):
        vote = VoteCast(
            vote_id=f"v-{uuid.uuid4().hex[:8]}",
            item_id=item,
            kind="support",
            citizen_key=f"ck-{fan}",
            account_id=fan,
            cast_at=hour + timedelta(seconds=i),
        )
        await notify.deliver(vote, hour, "voting-svc")
    await notify.deliver(milestone(item, hour + timedelta(minutes=10)), hour, "proposal-svc")
    await notify.deliver(milestone(item, hour + timedelta(minutes=11), rule="r-500"), hour, "proposal-svc")
    await notify.parts.fanout.drain()
    pending = await notify.deliveries(fans[0])
    assert [(d["status"], d["digest"]) for d in pending] == [("pending", True)] * 2
    assert sink.mails(f"{fans[0]}@test.local") == []

    # The hour ends: one e-mail per follower listing both.
    later = replace(notify.parts.sender, clock=FixedClock(hour + timedelta(hours=1, seconds=1)))
    while await later.run_once():
        pass
    for fan in [author, *fans]:
        (mail,) = sink.mails(f"{fan}@test.local")
        assert mail["Subject"].startswith("[공론] 관심 제안 소식 2건")
        assert text(mail).count(f"http://gongnon.test/proposals/{item}") == 2
        assert {d["status"] for d in await notify.deliveries(fan)} == {"sent"}


async def test_preferences_are_your_own_and_sms_goes_to_the_development_provider(notify: Notify) -> None:
    item, case, dept = new_item(), f"case-{uuid.uuid4().hex[:6]}", f"dept-{uuid.uuid4().hex[:6]}"
    officer = await notify.person(ActorRole.OFFICER, department=dept)
    assert (await notify.http.get("/preferences")).status_code == 401
    r = await notify.http.put("/preferences", json={"sms": True}, headers=actor(officer).header())
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "sms_number_required"
    r = await notify.http.put("/preferences", json={"language": "fr"}, headers=actor(officer).header())
    assert r.status_code == 422
    r = await notify.http.put(
        "/preferences",
        json={"sms": True, "sms_number": "010-2222-3333", "email": False},
        headers=actor(officer).header(),
    )
    assert r.status_code == 200
    assert r.json()["sms"] is True
    assert r.json()["email"] is False
    await notify.deliver(reminder(item, case, dept, "d-day"))
    for _ in range(200):
        lines = [json.loads(x) for x in notify.sms_file.read_text().splitlines()] if notify.sms_file.exists() else []
        mine = [x for x in lines if x["to"] == "010-2222-3333"]
        if mine:
            break
        await asyncio.sleep(0.05)
    assert len(mine) == 1
    assert mine[0]["text"].startswith("[공론] [D-day] 오늘이 답변 기한입니다")
    assert len(mine[0]["text"]) <= 70
    assert [d["channel"] for d in await notify.deliveries(officer)] == ["sms"]  # e-mail is off


async def test_authors_hear_of_moderation_with_its_reason(notify: Notify, sink: Sink) -> None:
    item = new_item()
    author = await notify.person(ActorRole.CITIZEN)
    commenter = await notify.person(ActorRole.CITIZEN)
    await notify.deliver(submitted(item, author), NOW, "proposal-svc")
    hidden = ProposalModerated(item_id=item, action="hide", reason="개인정보가 들어 있습니다", actor_account="op-1")
    await notify.deliver(hidden, NOW, "proposal-svc")
    comment = CommentModerated(
        item_id=item,
        comment_id="c-1",
        action="hide",
        reason="욕설",
        actor_account="op-1",
        author_account=commenter,
    )
    await notify.deliver(comment, NOW, "proposal-svc")
    assert await notify.kinds(author, item) == ["proposal.moderated"]
    assert await notify.kinds(commenter, item) == ["proposal.comment_moderated"]
    await notify.sent(author)
    (mail,) = sink.mails(f"{author}@test.local")
    assert mail["Subject"] == "[공론] 운영 원칙에 따라 제안이 숨김 처리되었습니다"
    assert "사유: 개인정보가 들어 있습니다" in text(mail)
