"""The public site in English (`/en/…`): every text the site's Python hands to its pages has
English in the catalogue, the pages render in English with English links, and nothing Korean is
left on them but what citizens and staff wrote (and the switch back to 한국어). The Korean pages
keep their language and their links."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gongnon_contracts.moderation import FLAG_REASONS
from gongnon_gateway.i18n import ENGLISH
from gongnon_gateway.site import (
    agency_form,
    civic_routes,
    civic_views,
    community_views,
    deliberation_views,
    routes,
    timeline_views,
    views,
)
from gongnon_gateway.site.phrases import Phrase

HANGUL = re.compile(r"[\uac00-\ud7a3]")
LINK = re.compile(r'<(?:a|form)\b[^>]*?\s(?:href|action)="([^"]*)"')
SWITCH_TO_KO = re.compile(r'<a href="([^"]*)" lang="ko" hreflang="ko">한국어</a>')
SWITCH_TO_EN = re.compile(r'<a href="([^"]*)" lang="en" hreflang="en">English</a>')
SOON = (datetime.now(UTC) + timedelta(days=10, hours=12)).isoformat()

# --- (a) the Python side ---------------------------------------------------------------------


def _python_texts() -> set[str]:
    texts: set[str] = set()
    texts |= set(views.ROLE_LABELS.values()) | set(views.ACTION_LABELS.values())
    texts |= set(views.DECISION_LABELS.values()) | set(views.METRIC_UNITS.values())
    texts |= {t for pair in views.ERROR_PAGES.values() for t in pair}
    texts |= {text for _, text in views.MESSAGES.values()}
    texts |= {views.CLOSED, views.DDAY, views.DAYS_LEFT}
    texts |= set(civic_views.AGENDA_STATUS_KO.values()) | set(civic_views.EXECUTION_STATUS_KO.values())
    texts |= set(civic_views.TRACK_LABELS.values()) | set(civic_views.VERDICT_LABELS.values())
    texts |= set(civic_views.CRITERIA_LABELS.values()) | set(civic_views.CLOSED_NOTES.values())
    texts |= set(civic_routes.DECISION_FILTERS.values()) | set(civic_routes.EXECUTION_FILTERS.values())
    texts |= {label for label, _ in deliberation_views.KINDS.values()}
    texts |= set(deliberation_views.VOTE_TYPES.values()) | set(deliberation_views.STATUSES.values())
    texts |= {text for _, text in deliberation_views.VOTE_MESSAGES.values()}
    texts |= {community_views.HIDDEN_TEXT} | set(FLAG_REASONS.values())
    texts |= {routes.CROSS_SITE} | set(routes.FORM_ERRORS.values()) | set(agency_form.PROBLEMS.values())
    texts |= set(timeline_views.TEXTS.values()) | set(timeline_views.OUTCOMES.values())
    texts |= set(timeline_views.FIELDS.values())
    return texts


def test_every_text_the_site_s_python_shows_has_english() -> None:
    texts = _python_texts()
    assert len(texts) > 150
    assert all(HANGUL.search(t) for t in texts if t not in (views.DDAY, views.DAYS_LEFT))
    missing = sorted(t for t in texts if t not in ENGLISH)
    assert not missing, f"no English for: {missing}"


# Each timeline kind as proposal-svc writes its data: the English page's sentence, filled in.
KINDS: list[tuple[str, str, dict[str, Any]]] = [
    ("proposal.submitted", "citizen", {"rule_set_id": "r", "listed": True}),
    ("proposal.submitted", "operator", {"listed": False}),
    (
        "proposal.milestone_reached",
        "system",
        {"metric": "supports", "threshold": 50, "value": 51, "action": "department_answer", "due_days": 20},
    ),
    ("proposal.milestone_reached", "system", {"metric": "debate_participants", "threshold": 500, "action": "close"}),
    ("proposal.rule_expired", "system", {"metric": "supports", "threshold": 50, "value": 12}),
    ("proposal.closed", "system", {"reason": "expired", "support_count": 1234}),
    ("review.case_opened", "system", {"department_name": "X", "due_at": "2019-10-01T00:00:00Z"}),
    ("review.answer_submitted", "officer", {"decision": "accept"}),
    ("review.answer_published", "operator", {"department_name": "X", "decision": "partial"}),
    ("decision.vote_decided", "system", {"yes": 80, "no": 30, "turnout": 110, "quorum": 100, "passed": True}),
    ("decision.vote_opened", "system", {"budget_krw": 5_000_000, "quorum": 100, "closes_at": "2019-11-01T00:00:00Z"}),
    ("decision.vote_opened", "system", {"budget_krw": 0, "quorum": 100, "closes_at": None}),
    ("proposal.edited", "citizen", {"fields": ["title", "hashtags"]}),
    ("proposal.withdrawn", "citizen", {"support_count": 7}),
    ("proposal.moderated", "operator", {"target_type": "proposal", "action": "hide", "reason": "R"}),
    ("comment.moderated", "operator", {"target_type": "comment", "action": "trash", "reason": "R"}),
    ("proposal.visibility_changed", "operator", {"visibility": "private", "reason": "R"}),
    (
        "deliberation.opened",
        "operator",
        {
            "kind": "consultation",
            "vote_type": "research",
            "opens_at": "2019-10-01T00:00:00Z",
            "closes_at": "2019-10-31T00:00:00Z",
        },
    ),
    ("proposal.debate_opened", "operator", {"debate_id": "db_1", "closes_at": "2019-10-31T00:00:00Z"}),
    ("deliberation.result_published", "system", {"total": 369, "counts": {}}),
    ("proposal.debate_result", "system", {"total": 369}),
    ("committee.agenda_opened", "operator", {"agenda_id": "ag_1"}),
    ("committee.selection_decided", "operator", {"selected": False, "average_score": 9.5, "scorers": 5, "rank": 7}),
    (
        "committee.plan_submitted",
        "committee",
        {
            "revision": 2,
            "direction": "D",
            "budget_krw": 3_000_000,
            "budget_track": "own_budget",
            "department_name": "X",
            "verdict_due_at": "2019-11-01T00:00:00Z",
        },
    ),
    ("committee.verdict_given", "officer", {"verdict": "discard", "reason": "R", "late": False}),
    ("committee.verdict_given", "officer", {"verdict": "fit", "reason": None}),
    ("committee.verdict_overdue", "system", {"revision": 1, "verdict_due_at": "2019-11-01T00:00:00Z"}),
    ("execution.started", "officer", {"status": "budgeting", "budget_track": "participatory_budget"}),
    ("execution.started", "officer", {"status": "in_progress", "budget_track": "non_budget", "budget_source": None}),
    ("execution.progressed", "officer", {"title": "T", "progress_pct": 40}),
    ("execution.report_published", "officer", {"report_id": "r", "title": "T", "final": True}),
    ("execution.completed", "officer", {"report_id": "r"}),
]


def _all_phrases(p: Phrase) -> list[Phrase]:
    nested = [q for v in p.values.values() for q in (v if isinstance(v, tuple) else [v]) if isinstance(q, Phrase)]
    return [p, *[r for q in nested for r in _all_phrases(q)]]


@pytest.mark.parametrize(("kind", "role", "data"), KINDS, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(KINDS)])
def test_each_timeline_kind_has_an_english_sentence(kind: str, role: str, data: dict[str, Any]) -> None:
    entry = timeline_views.TimelineEntry.of(
        {"at": "2019-09-12T01:00:00Z", "kind": kind, "actor_role": role, "summary": "요약", "data": data}
    )
    assert entry.phrase is not None, kind
    for phrase in _all_phrases(entry.phrase):
        assert phrase.text in ENGLISH or not HANGUL.search(phrase.text), phrase.text
    english = entry.phrase.in_language("en")
    assert english, kind
    assert not HANGUL.search(english), english
    assert "{" not in english
    assert "{" not in entry.phrase.in_language("ko")


def test_a_timeline_entry_without_the_data_its_sentence_needs_keeps_its_summary() -> None:
    for kind in ("proposal.closed", "no.such_kind", "proposal.moderated"):
        entry = timeline_views.TimelineEntry.of({"kind": kind, "actor_role": "system", "summary": "요약", "data": {}})
        assert entry.phrase is None
        assert entry.summary == "요약"


# --- (b) the pages through the app ------------------------------------------------------------

# What citizens and staff wrote, in the stubs below: never translated, taken off before the check.
WRITTEN = [
    "공중화장실 이용 순서를 알려주는 화장실 문",
    "영화를 보고 공중 화장실에 가면 줄이 깁니다.",
    "순서를 알려 주세요.",
    "은설량",
    "화장실",
    "생활보건과",
    "내년 상반기부터 시범 설치하겠습니다.",
    "예산 부족",
    "좋은 생각입니다",
    "저도 찬성합니다",
    "화장실 문에 표시등 설치",
    "시범 설치 후 확대",
    "1차 시범 설치",
    "시범 설치 결과",
    "10곳에 설치했습니다",
    "운영자 메모",
    "길고양이 급식소",
    "급식소를 어디에 둘까요?",
    "공원",
    "골목",
    "찬성안",
    "반대안",
    "문화정책과",
    "영문시민",
    "서울특별시",
    "연락처가 적혀 있음",  # an operator's reason
    # notify-svc writes the inbox's notifications (in Korean: the inbox keeps them as written)
    "공감한 제안이 50 공감을 달성했습니다",
    "부서 답변을 기다립니다",
]
PROPOSAL: dict[str, Any] = {
    "id": "p_1",
    "agency": "seoul",
    "title": WRITTEN[0],
    "excerpt": WRITTEN[1],
    "body": f"{WRITTEN[1]}\n{WRITTEN[2]}",
    "category": "welfare",
    "district": "mapo",
    "author": {"account_id": "acc_9", "name": "은설량", "role": "citizen"},
    "support_count": 20,
    "stage": "supporting",
    "next_threshold": {"rule_id": "r1", "metric": "supports", "threshold": 50, "action": "department_answer"},
    "milestones": [
        {"metric": "supports", "threshold": 10, "action": "make_public", "reached_at": "2019-09-12T02:00:00Z"}
    ],
    "hashtags": ["화장실"],
    "created_at": "2019-09-12T01:00:00+00:00",
    "closes_at": SOON,
    "civic": {"agenda_id": "ag_1", "execution_status": "in_progress"},
    "decision_vote": {"item_id": "p_1-decision", "status": "open", "budget_krw": 5_000_000, "quorum": 100},
}
CARD = {k: v for k, v in PROPOSAL.items() if k not in ("body", "author", "next_threshold", "milestones")}
TIMELINE = {
    "items": [
        {
            "at": f"2019-09-{12 + i:02d}T01:00:00Z",
            "kind": kind,
            "actor_role": role,
            "summary": "한국어 요약",
            "data": data,
        }
        for i, (kind, role, data) in enumerate(KINDS[:17])
    ]
}
CASES = {
    "items": [
        {
            "id": "c_1",
            "department_name": "생활보건과",
            "decision": "accept",
            "answer": "내년 상반기부터 시범 설치하겠습니다.",
            "reason": "예산 부족",
            "published_at": "2019-09-15T01:00:00Z",
        },
        {"id": "c_2", "department_name": "생활보건과", "due_at": "2019-09-20T01:00:00Z", "overdue": True},
    ]
}
COMMENTS = {
    "items": [
        {
            "id": "cm_1",
            "author": {"name": "은설량", "role": "citizen"},
            "body": "좋은 생각입니다",
            "created_at": "2019-09-13T01:00:00Z",
            "replies": [
                {
                    "id": "cm_2",
                    "author": {"name": "생활보건과", "role": "officer"},
                    "body": "저도 찬성합니다",
                    "created_at": "2019-09-14T01:00:00Z",
                }
            ],
        },
        {
            "id": "cm_3",
            "hidden": True,
            "placeholder": community_views.HIDDEN_TEXT,
            "created_at": "2019-09-14T01:00:00Z",
        },
    ]
}
AGENDA = {
    "item_id": "p_1",
    "item_title": WRITTEN[0],
    "status": "voting",
    "scorers": 5,
    "average_score": 15.5,
    "criteria": {k: {"label": v, "average": 3.9} for k, v in civic_views.CRITERIA_LABELS.items()},
    "plan": {
        "direction": "화장실 문에 표시등 설치",
        "detail": "시범 설치 후 확대",
        "budget_krw": 5_000_000,
        "budget_track_label": "자체예산",
        "department_name": "생활보건과",
    },
    "verdict": "fit",
    "verdict_label": "적정",
    "verdict_reason": None,
}
EXECUTION = {
    "item_id": "p_1",
    "item_title": WRITTEN[0],
    "status": "in_progress",
    "department_name": "생활보건과",
    "budget_krw": 5_000_000,
    "budget_track_label": "시민참여예산",
    "budget_source": "시민참여예산",
    "progress_pct": 40,
    "started_at": "2019-12-01T00:00:00Z",
    "milestones": [{"at": "2020-01-01T00:00:00Z", "title": "1차 시범 설치", "progress_pct": 40}],
    "reports": [
        {
            "title": "시범 설치 결과",
            "body": "10곳에 설치했습니다",
            "at": "2020-01-02T00:00:00Z",
            "final": False,
            "attachments": [{"filename": "report.pdf", "url": "/api/items/p_1/execution/files/f1", "size": 4096}],
        }
    ],
}
CLOSED_AGENDA = {
    **AGENDA,
    "item_id": "p_2",
    "status": "not_selected",
    "plan": None,
    "verdict": None,
    "verdict_label": None,
    "closed_reason": "1차 심의 점수 9.50/20 (순위 7)로 선정되지 않았습니다",
}
DEPARTMENTS = {
    "items": [
        {
            "department_id": "d_1",
            "department_name": "문화정책과",
            "cases": 12,
            "answered": 10,
            "on_time_pct": 80,
            "median_days_to_answer": 9,
            "open_now": 2,
            "overdue_now": 1,
        }
    ]
}
CONSULTATION = {
    "id": "cs_1",
    "kind": "consultation",
    "title": "길고양이 급식소",
    "excerpt": "길고양이 급식소",
    "body": "급식소를 어디에 둘까요?",
    "category": "environment",
    "vote_type": "choice",
    "status": "closed",
    "opens_at": "2019-10-01T00:00:00Z",
    "closes_at": "2019-10-31T00:00:00Z",
    "participants": 369,
    "answer_due_days": 30,
    "ballot": {"options": [{"id": "a", "label": "공원"}, {"id": "b", "label": "골목"}]},
    "results": {
        "published": True,
        "total": 369,
        "options": [{"id": "a", "label": "공원", "count": 200, "percent": 54.2}],
        "published_at": "2019-11-01T00:00:00Z",
    },
}
DEBATE = {
    **CONSULTATION,
    "id": "db_1",
    "kind": "debate",
    "vote_type": "discussion",
    "status": "open",
    "closes_at": SOON,
    "source_item_id": "p_1",
    "results": None,
}


@pytest.fixture(scope="module")
async def app(infra: Any, services: Any, kit: Any) -> AsyncIterator[FastAPI]:
    closed = {**PROPOSAL, "id": "p_2", "closes_at": "2019-10-11T15:00:00Z", "next_threshold": None}
    closed["decision_vote"] = {
        "item_id": "p_2-decision",
        "status": "decided",
        "budget_krw": 0,
        "quorum": 100,
        "closes_at": "2019-12-01T00:00:00Z",
        "yes": 80,
        "no": 30,
        "turnout": 110,
        "passed": True,
    }
    closed["civic"] = {"agenda_id": "ag_2"}
    for path, reply in {
        "/proposals": {"items": [CARD], "next_cursor": "c2"},
        "/proposals/p_1": PROPOSAL,
        "/proposals/p_1/timeline": TIMELINE,
        "/proposals/p_1/comments": COMMENTS,
        "/items/p_1/cases": CASES,
        "/items/p_1/committee": AGENDA,
        "/items/p_1/execution": EXECUTION,
        "/proposals/p_2": closed,
        "/proposals/p_2/timeline": {"items": TIMELINE["items"][9:]},
        "/proposals/p_2/comments": {"items": []},
        "/items/p_2/cases": {"items": []},
        "/items/p_2/committee": CLOSED_AGENDA,
        "/debates": {"items": [DEBATE], "next_cursor": "db_2"},
        "/consultations": {"items": [CONSULTATION], "next_cursor": None},
        "/consultations/cs_1": CONSULTATION,
        "/debates/db_1": DEBATE,
        "/deliberations/cs_1/timeline": {"items": [{**e, "summary": "요약"} for e in TIMELINE["items"][:1]]},
        "/items/cs_1/cases": {"items": []},
        "/decisions": {"items": [AGENDA, CLOSED_AGENDA], "next_after": "ag_3"},
        "/executions": {"items": [EXECUTION], "next_after": None},
        "/agencies/seoul/department-stats": DEPARTMENTS,
    }.items():
        services.on("GET", path, (200, reply))
    urls = kit.urls(services.url, services.url, services.url, services.url)
    async with kit.running_gateway(infra, "gateway-test-i18n-site", urls, test_mode=False) as app:
        yield app


@pytest.fixture
async def browser(app: FastAPI, kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.client(app) as c:
        yield c


def _korean_left(html: str) -> list[str]:
    """Lines with Hangul once what people wrote and the switch to 한국어 are taken off."""
    for text in sorted(WRITTEN, key=len, reverse=True):
        html = html.replace(text, "")
    html = SWITCH_TO_KO.sub("", html)
    return [line.strip() for line in html.splitlines() if HANGUL.search(line)]


def assert_english(html: str, path: str) -> None:
    assert '<html lang="en"' in html, path
    switch = SWITCH_TO_KO.findall(html)
    korean = path[len("/en") :] or "/"
    assert switch == [korean], (path, switch)
    for link in LINK.findall(html):
        if link == korean:
            continue  # the switch
        assert link.startswith(("/en/", "/api", "#", "http")), (path, link)
    assert not _korean_left(html), (path, _korean_left(html)[:5])


def assert_korean(html: str, path: str) -> None:
    assert '<html lang="ko"' in html, path
    assert SWITCH_TO_EN.findall(html) == ["/en" + path if path != "/" else "/en/"], path
    for link in LINK.findall(html):
        if link.startswith("/en"):
            assert link == "/en" + path or (path == "/" and link == "/en/"), (path, link)
        else:
            assert link.startswith(("/", "#", "http")), (path, link)


PAGES = [
    "/",
    "/proposals/p_1",
    "/proposals/p_2",
    "/login",
    "/register",
    "/debates",
    "/debates/db_1",
    "/consultations",
    "/consultations/cs_1",
    "/decisions",
    "/executions",
    "/departments",
]


@pytest.mark.parametrize("path", PAGES)
async def test_a_visitor_s_pages_in_english_and_in_korean(browser: httpx.AsyncClient, path: str) -> None:
    english = await browser.get("/en" + path if path != "/" else "/en/")
    assert english.status_code == 200, path
    assert_english(english.text, "/en" + path if path != "/" else "/en/")
    korean = await browser.get(path)
    assert korean.status_code == 200, path
    assert_korean(korean.text, path)


async def test_the_english_proposal_page_says_it_in_english(browser: httpx.AsyncClient) -> None:
    html = (await browser.get("/en/proposals/p_1")).text
    for shown in (
        "Welfare",
        "Mapo-gu",
        "Gathering support",
        "days left",
        "Supporters: 20",
        "Department answer at 50 supporters",
        "Reached 10 supporters → Public (2019.09.12)",
        "Accepted",
        "Answered 2019.09.15",
        "Overdue",
        "A citizen submitted this proposal.",
        "Reached 50 supporters: the department will answer it. This must be done within 20 days.",
        "The proposer edited the proposal (Title, Hashtag).",
        "Budget: KRW 5,000,000",
        "Executing department's review: <strong>Suitable</strong>",
        "Comments (2)",
        "This comment has been hidden under our moderation policy",
        '/en/login?next=/proposals/p_1%23comments">Log in</a> to leave a comment.',
        "Log in to vote",
        "Participatory budget",
    ):
        assert shown.replace("'", "&#39;") in html, shown
    assert "한국어 요약" not in html  # the English sentence of each kind, not the service's summary
    korean = (await browser.get("/proposals/p_1")).text
    assert "한국어 요약" in korean
    assert "실행부서 검토 결과: <strong>적정</strong>" in korean


async def test_forms_in_english_keep_the_language_through_their_redirects(
    browser: httpx.AsyncClient, services: Any
) -> None:
    r = await browser.get("/en/proposals/new")
    assert (r.status_code, r.headers["location"]) == (303, "/en/login?next=/proposals/new")
    r = await browser.post(
        "/en/register", data={"email": "english@example.org", "display_name": "영문시민", "password": "password-123"}
    )
    assert (r.status_code, r.headers["location"]) == (303, "/en/verify?m=welcome")
    welcome = await browser.get(r.headers["location"])
    assert "Welcome! To support and propose, verify your identity." in welcome.text
    assert_english(welcome.text.replace("?m=welcome", ""), "/en/verify")

    form = await browser.get("/en/proposals/new")
    assert form.status_code == 200
    assert_english(form.text, "/en/proposals/new")
    assert "Seoul Metropolitan Government" in form.text
    assert '"/en/proposals/"' in form.text  # the similar proposals' script: links
    assert '"Supporters: {n}"' in form.text  # and counts
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    r = await browser.post("/en/proposals/new", data={"title": "", "body": "", "csrf": csrf.group(1)})
    assert r.status_code == 422
    assert "Fill in the title, the text and the policy area." in r.text

    note = {
        "id": "n_1",
        "item_id": "p_1",
        "kind": "milestone",
        "title": "공감한 제안이 50 공감을 달성했습니다",
        "body": "부서 답변을 기다립니다",
        "at": "2019-09-13T01:00:00Z",
        "read": False,
    }
    services.on("GET", "/inbox", (200, {"items": [note], "unread": 1}))
    inbox = await browser.get("/en/inbox")
    assert inbox.status_code == 200
    assert "Unread: 1" in inbox.text
    assert "Mark as read" in inbox.text
    assert_english(inbox.text, "/en/inbox")

    bad = await browser.post("/en/register", data={"email": "nope", "display_name": "x", "password": "password-123"})
    assert bad.status_code == 422
    assert "Enter a valid email address." in bad.text
    assert not _korean_left(bad.text)


async def test_a_hidden_proposal_in_english(browser: httpx.AsyncClient, services: Any) -> None:
    hidden = {"error": {"code": "proposal_hidden", "message": "hidden", "details": None}}
    services.on("GET", "/proposals/p_h", (404, hidden))
    entry = {
        "at": "2025-06-01T01:00:00Z",
        "kind": "proposal.moderated",
        "actor_role": "operator",
        "summary": "운영자가 이 제안을 숨김 처리했습니다. 사유: 연락처가 적혀 있음",
        "data": {"target_type": "proposal", "target_id": "p_h", "action": "hide", "reason": "연락처가 적혀 있음"},
    }
    services.on("GET", "/proposals/p_h/timeline", (200, {"items": [entry]}))
    r = await browser.get("/en/proposals/p_h")
    assert r.status_code == 404
    assert "This proposal has been hidden under our moderation policy" in r.text
    assert "An operator hid this proposal. Reason: 연락처가 적혀 있음" in r.text
    assert_english(r.text, "/en/proposals/p_h")
    korean = await browser.get("/proposals/p_h")
    assert "운영자가 이 제안을 숨김 처리했습니다. 사유: 연락처가 적혀 있음" in korean.text


async def test_error_pages_in_english(app: FastAPI, browser: httpx.AsyncClient) -> None:
    r = await browser.get("/en/no/such/page")
    assert r.status_code == 404
    assert "Page not found" in r.text
    assert_english(r.text, "/en/no/such/page")

    async def boom() -> None:
        raise RuntimeError("a secret detail")

    app.router.add_api_route("/boom-i18n", boom, methods=["GET"])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        page = await c.get("/en/boom-i18n")
        korean = await c.get("/boom-i18n")
    assert page.status_code == 500
    assert "Something went wrong" in page.text
    assert_english(page.text, "/en/boom-i18n")
    assert korean.status_code == 500
    assert "일시적인 오류가 발생했습니다" in korean.text
    assert '<html lang="ko"' in korean.text


@pytest.fixture(scope="module")
async def outage_app(infra: Any, kit: Any) -> AsyncIterator[FastAPI]:
    dead = kit.dead_url()
    async with kit.running_gateway(
        infra, "gateway-test-i18n-outage", kit.urls(dead, dead, dead, dead), test_mode=False
    ) as a:
        yield a


async def test_an_outage_page_in_english(outage_app: FastAPI, kit: Any) -> None:
    async with kit.client(outage_app) as browser:
        r = await browser.get("/en/proposals/p_1")
    assert r.status_code == 503
    assert "The service is temporarily unavailable" in r.text
    assert_english(r.text, "/en/proposals/p_1")
