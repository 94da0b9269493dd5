"""Notifications that arrive (issue 13), across the five services as processes, driven through the
gateway, with e-mail received by the real local SMTP sink the cluster runs (gongnon_infra.smtp_sink):

- the author and a follower get the milestone by e-mail: Korean text, the link to the item; a
  follower who chose English gets it in English;
- the deadline: the D-3 and D-day reminders reach the case's department officers and the overdue
  escalation reaches the head and the operator, each exactly once at its simulated time, while
  review-svc and notify-svc are restarted in between (the platform clock is moved across
  processes with the gateway's /api/_test/clock)."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from functools import partial
from typing import Any

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import SystemClock
from gongnon_contracts.events.common import ActorRole
from gongnon_gateway.core.security import TokenSigner
from gongnon_infra.cluster import SERVICES, Cluster
from gongnon_infra.smtp_sink import read_messages
from tests.support import Gateway, User, eventually

KST = timezone(timedelta(hours=9))
SUPPORTS_FOR_REVIEW = 50  # democracy-seoul-2019: 50 supports → the department answers


def mails_to(cluster: Cluster, address: str) -> list[EmailMessage]:
    return [m for m in read_messages(cluster.maildir) if m["X-Sink-Rcpt-To"] == address]


def supporters(cluster: Cluster, n: int) -> list[str]:
    """Tokens of n distinct verified citizens, signed with the test cluster's gateway secret."""
    spec = next(s for s in SERVICES if s.name == "gateway")
    signer = TokenSigner(cluster.env_for(spec)["GATEWAY_SECRET"].encode(), timedelta(hours=2), SystemClock())
    run = os.urandom(4).hex()
    return [
        signer.issue(Actor(account_id=f"acc-n{run}-{i}", role=ActorRole.CITIZEN, citizen_key=f"ck-n{run}-{i}"))
        for i in range(n)
    ]


async def reachable(gw: Gateway, user: User) -> dict[str, Any]:
    """notify-svc knows the account's e-mail (account.created came through Kafka)."""

    async def known() -> dict[str, Any] | None:
        prefs: dict[str, Any] = await gw.ok("GET", "/api/me/notification-preferences", user)
        return prefs if prefs["email_address"] == user.email else None

    return await eventually(known, timeout=60, what=f"notify-svc knows {user.email}")


async def proposal_with_review(gw: Gateway, cluster: Cluster, author: User, title: str) -> tuple[str, dict[str, Any]]:
    """A proposal that reached 50 supports, and its open review case."""
    body = {
        "title": title,
        "body": "알림이 실제로 도착하는지 확인하려고 올린 제안입니다. 부서 검토와 기한 알림을 시험합니다.",
        "category": "environment",
        "district": "mapo",
        "hashtags": ["알림시험"],
    }
    pid = (await gw.ok("POST", "/api/proposals", author, body))["id"]
    await eventually(lambda: _ok(gw, f"/api/proposals/{pid}/tally"), what="ballot open")
    results = await asyncio.gather(
        *(gw.req("POST", f"/api/proposals/{pid}/support", t) for t in supporters(cluster, SUPPORTS_FOR_REVIEW))
    )
    assert [r.status for r in results] == [201] * SUPPORTS_FOR_REVIEW
    cases = await eventually(lambda: _items(gw, f"/api/proposals/{pid}/cases"), timeout=60, what="review case")
    assert len(cases) == 1
    return pid, cases[0]


async def test_the_author_and_a_follower_receive_the_real_email(gw: Gateway, cluster: Cluster) -> None:
    author = await gw.citizen("알림받는제안자")
    follower = await gw.citizen("알림받는시민")
    english = await gw.citizen("English reader")
    for user in (author, follower, english):
        await reachable(gw, user)
    changed = await gw.ok("PUT", "/api/me/notification-preferences", english, {"language": "en"})
    assert changed["language"] == "en"
    bad = await gw.req("PUT", "/api/me/notification-preferences", english, {"language": "fr"})
    assert bad.status == 422
    assert (await gw.req("GET", "/api/me/notification-preferences")).status == 401

    title = "한강공원에 그늘막 쉼터를 늘려 주세요"
    body = {
        "title": title,
        "body": "여름마다 한강공원에 그늘이 부족합니다. 그늘막 쉼터를 늘려 주세요.",
        "category": "environment",
        "district": "mapo",
        "hashtags": ["한강"],
    }
    pid = (await gw.ok("POST", "/api/proposals", author, body))["id"]
    for user in (follower, english):
        await gw.ok("POST", f"/api/proposals/{pid}/follow", user)
    await eventually(lambda: _ok(gw, f"/api/proposals/{pid}/tally"), what="ballot open")
    results = await asyncio.gather(
        *(gw.req("POST", f"/api/proposals/{pid}/support", t) for t in supporters(cluster, SUPPORTS_FOR_REVIEW))
    )
    assert [r.status for r in results] == [201] * SUPPORTS_FOR_REVIEW

    link = f"{cluster.gateway_url}/proposals/{pid}"
    subject = "[공론] 제안이 공감 50개를 넘어 부서 검토에 들어갑니다"
    for user in (author, follower):
        mail = await eventually(
            partial(_mail, cluster, user.email, subject), timeout=60, what=f"the milestone e-mail to {user.email}"
        )
        text = mail.get_content()
        assert f"‘{title}’ 제안에 공감이 50개 모였습니다. 담당 부서가 20일 안에 답변합니다." in text
        assert f"자세히 보기: {link}" in text
        assert mail["Content-Language"] == "ko"
    mail = await eventually(
        lambda: _mail(cluster, english.email, "[Gongnon] A proposal passed 50 supports and goes to department review"),
        timeout=60,
        what="the English e-mail",
    )
    assert f"Read more: {link}" in mail.get_content()

    # The follower's inbox has it too, and the delivery is recorded as sent.
    inbox = await gw.ok("GET", "/api/inbox", follower)
    assert "proposal.milestone_reached" in {n["kind"] for n in inbox["items"] if n["item_id"] == pid}
    deliveries = await eventually(
        lambda: _sent(gw, follower, pid), timeout=30, what="the follower's delivery recorded as sent"
    )
    assert deliveries[0]["attempts"] == 1
    assert deliveries[0]["delivered_at"]


async def test_deadline_reminders_and_escalation_fire_once_across_restarts(gw: Gateway, cluster: Cluster) -> None:
    admin = await gw.admin()
    suffix = os.urandom(3).hex()
    dept = await gw.ok("POST", "/api/agencies/seoul/departments", admin, {"name": f"알림시험과{suffix}"})
    officer = await gw.staff("officer", dept["id"])
    head = await gw.staff("head")
    operator = await gw.staff("operator")
    author = await gw.citizen()
    for user in (officer, head, operator):
        await reachable(gw, user)

    # Noon in Korea: the answer will be due at noon, so D-day (00:00 KST that day) is 12 hours before.
    now = datetime.fromisoformat((await gw.advance_clock(0))["now"]).astimezone(KST)
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0)
    await gw.advance_clock(((noon if noon > now else noon + timedelta(days=1)) - now).total_seconds())

    pid, case = await proposal_with_review(gw, cluster, author, f"기한 알림 시험 제안 {suffix}")
    moved = await gw.ok("POST", f"/api/review/cases/{case['id']}/assign", operator, {"department_id": dept["id"]})
    assert moved["department_id"] == dept["id"]
    due = datetime.fromisoformat(case["due_at"])
    d3 = due - timedelta(days=3)
    dday = due.astimezone(KST).replace(hour=0, minute=0, second=0, microsecond=0)
    assert d3 < dday < due

    # The officer hears of the case moved to their department.
    await eventually(lambda: _kinds(gw, officer, pid, "review.case_reassigned"), timeout=60, what="reassigned notice")

    async def move_to(at: datetime) -> None:
        current = datetime.fromisoformat((await gw.advance_clock(0))["now"])
        assert current < at, "the clock is already past the moment the test moves to"
        await gw.advance_clock((at - current).total_seconds())

    async def subjects(user: User, marker: str) -> list[str]:
        """This item's e-mails to the user (other tests' cases fall due too as the clock moves)."""
        link = f"/proposals/{pid}\n"
        return [
            m["Subject"]
            for m in mails_to(cluster, user.email)
            if marker in m["Subject"] and link in m.get_content().replace("\r\n", "\n")
        ]

    async def restart_both() -> None:
        await asyncio.to_thread(cluster.restart, "review-svc")
        await asyncio.to_thread(cluster.restart, "notify-svc")

    async def settle() -> None:
        await asyncio.sleep(2)  # several deadline scans (every 0.5 s in test mode) and sender rounds

    # An hour before D-3: nothing yet.
    await restart_both()
    await move_to(d3 - timedelta(hours=1))
    await settle()
    assert await subjects(officer, "[D-") == []

    # D-3.
    await move_to(d3 + timedelta(minutes=1))
    await eventually(lambda: subjects(officer, "[D-3]"), timeout=60, what="the D-3 reminder e-mail")
    await eventually(lambda: _sent(gw, officer, pid, "review.reminder_due"), timeout=30, what="D-3 recorded as sent")
    (d3_mail,) = [m for m in mails_to(cluster, officer.email) if "[D-3]" in m["Subject"]]
    text = d3_mail.get_content()
    assert f"{dept['name']}에 배정된 ‘기한 알림 시험 제안 {suffix}’ 제안의 답변 기한은" in text
    assert f"자세히 보기: {cluster.gateway_url}/proposals/{pid}" in text

    await restart_both()

    # D-day: not an hour before it, then once.
    await move_to(dday - timedelta(hours=1))
    await settle()
    assert await subjects(officer, "[D-day]") == []
    await move_to(dday + timedelta(minutes=1))
    await eventually(lambda: subjects(officer, "[D-day]"), timeout=60, what="the D-day reminder e-mail")
    await eventually(
        lambda: _sent(gw, officer, pid, "review.reminder_due", 2), timeout=30, what="D-day recorded as sent"
    )

    await restart_both()

    # Overdue: not an hour before the due time; then escalated to the head and the operator, not
    # to the officer.
    await move_to(due - timedelta(hours=1))
    await settle()
    for user in (head, operator):
        assert await subjects(user, "[기한 초과]") == []
    await move_to(due + timedelta(minutes=1))
    for user in (head, operator):
        await eventually(
            partial(subjects, user, "[기한 초과]"), timeout=60, what=f"the escalation e-mail to {user.email}"
        )
        await eventually(
            partial(_sent, gw, user, pid, "review.case_overdue"), timeout=30, what="escalation recorded as sent"
        )

    # Restarted once more and a day later, nothing fires again.
    await restart_both()
    await move_to(due + timedelta(days=1))
    await settle()
    assert len(await subjects(officer, "[D-3]")) == 1
    assert len(await subjects(officer, "[D-day]")) == 1
    assert await subjects(officer, "[기한 초과]") == []
    for user in (head, operator):
        assert len(await subjects(user, "[기한 초과]")) == 1
        assert await subjects(user, "[D-") == []
    officer_kinds = await _inbox_kinds(gw, officer, pid)
    assert officer_kinds.count("review.reminder_due") == 2
    assert "review.case_overdue" not in officer_kinds
    for user in (head, operator):
        assert (await _inbox_kinds(gw, user, pid)).count("review.case_overdue") == 1
    detail = await gw.ok("GET", f"/api/review/cases/{case['id']}", operator)
    assert [(r["kind"], r["sent"]) for r in detail["reminders"]] == [("d-3", True), ("d-day", True)]
    assert detail["overdue"] is True
    # Each fired at its simulated moment (the test moved the clock one minute past it).
    fired = [datetime.fromisoformat(r["at"]) for r in detail["reminders"]]
    fired.append(datetime.fromisoformat(detail["overdue_at"]))
    for at, moment in zip(fired, (d3, dday, due), strict=True):
        assert moment <= at < moment + timedelta(minutes=30), (at, moment)


# -- helpers ------------------------------------------------------------------------------------


async def _ok(gw: Gateway, path: str) -> bool:
    return (await gw.req("GET", path)).status == 200


async def _items(gw: Gateway, path: str) -> list[dict[str, Any]] | None:
    r = await gw.req("GET", path)
    if r.status != 200:
        return None
    items: list[dict[str, Any]] = r.body if isinstance(r.body, list) else r.body.get("items", [])
    return items or None


async def _mail(cluster: Cluster, address: str, subject: str) -> EmailMessage | None:
    found = [m for m in mails_to(cluster, address) if m["Subject"] == subject]
    return found[0] if found else None


async def _sent(
    gw: Gateway, user: User, item_id: str, kind: str | None = None, n: int = 1
) -> list[dict[str, Any]] | None:
    body = await gw.ok("GET", "/api/me/notification-deliveries", user)
    sent = [
        d
        for d in body["items"]
        if d["item_id"] == item_id and d["status"] == "sent" and (kind is None or d["kind"] == kind)
    ]
    return sent if len(sent) >= n else None


async def _inbox_kinds(gw: Gateway, user: User, item_id: str) -> list[str]:
    inbox = await gw.ok("GET", "/api/inbox", user)
    return [n["kind"] for n in inbox["items"] if n["item_id"] == item_id]


async def _kinds(gw: Gateway, user: User, item_id: str, kind: str) -> bool:
    return kind in await _inbox_kinds(gw, user, item_id)
