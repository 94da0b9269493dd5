"""Every route × every role, within one agency: the gateway's route table (its OpenAPI document) must
match ROWS below exactly, and each row declares what each of nine callers gets when it calls the
route on real things of agency A:

    anon        anonymous
    unver       a citizen who has not verified their identity
    citizen     a verified citizen, the author of A's proposal and comment
    off_d1      an officer of A's department D1 (the case is D1's)
    off_d2      an officer of A's department D2
    operator    A's operator
    admin_a     A's agency admin
    admin_b     agency B's admin, on A's things
    root        a super admin

An outcome is `ok` (2xx) or the refusal's status (401, 403, 404; 409 or 422 where a comment says
why). A route without a row fails the test by name, as does a row whose route is gone. Calls that
change something allowed get a thing of their own (a fresh proposal, case, key…), so every allowed
call can succeed whatever ran before.
(tests/test_agency_authz_matrix.py covers API keys and other agencies in depth.)"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.support import PASSWORD, Gateway, User, eventually

RUN = os.urandom(3).hex()
A = f"rm-a-{RUN}"
B = f"rm-b-{RUN}"
ROLES = ("anon", "unver", "citizen", "off_d1", "off_d2", "operator", "admin_a", "admin_b", "root")

# Not called, and why (still listed: a new route must be placed somewhere).
NOT_CALLED = {
    ("POST", "/api/_test/clock"): "test mode only: it moves the clock of every test sharing the platform",
    ("POST", "/_test/clock/refresh"): "test mode only, every service's: re-reads the test clock",
    ("POST", "/_test/outbox/drain"): "test mode only, every service's: flushes its outbox",
}

RULES = {
    "name": "역할 매트릭스",
    "rules": [
        {"id": "answer", "metric": "supports", "threshold": 1, "action": "department_answer", "due_days": 30},
        {"id": "debate", "metric": "supports", "threshold": 1, "action": "debate_candidate"},
    ],
}
CONSULTATION = {
    "title": "매트릭스 의견 묻기",
    "body": "역할별 권한을 확인하는 질문입니다.",
    "category": "welfare",
    "vote_type": "choice",
    "options": [{"id": "yes", "label": "찬성"}, {"id": "no", "label": "반대"}],
    "days": 30,
}


@dataclass
class Call:
    path: str
    body: Any = None
    token: str | None = None  # instead of the caller's own (a session of its own to end)
    csv: bytes | None = None  # a file instead of a JSON body
    stream: bool = False  # server-sent events: the status is the answer


@dataclass
class World:
    gw: Gateway
    users: dict[str, User | None]
    d1: str
    d2: str
    d3: str  # renamed by whoever may
    item: str  # A's proposal (by `citizen`), supported, its case in D1
    comment: str
    case: str  # open, in D1: what refused callers aim at
    key_id: str
    sub_id: str
    consultation: str
    debate: str
    import_id: str
    victim: str  # an officer account of A whose sessions get revoked
    notification: str | None  # one of `citizen`'s
    cases: list[str] = field(default_factory=list)  # open cases in D1, one per allowed change
    candidates: list[str] = field(default_factory=list)  # proposals a debate may open on
    n: int = 0
    agenda: str = ""  # the committee's agenda item (scoring) on agenda_item, D1's accepted proposal
    agenda_item: str = ""

    @property
    def a(self) -> str:
        return A

    @property
    def root(self) -> User:
        user = self.users["root"]
        assert user is not None
        return user

    def user(self, role: str) -> User:
        user = self.users[role]
        assert user is not None
        return user

    def seq(self) -> int:
        self.n += 1
        return self.n

    async def proposal(self) -> str:
        body = {
            "title": f"새 제안 {RUN} {self.seq()}",
            "body": "역할별 권한을 확인하기 위한 제안입니다.",
            "category": "welfare",
            "agency": A,
        }
        return str((await self.gw.ok("POST", "/api/proposals", self.user("citizen"), body))["id"])

    async def department(self) -> str:
        body = {"name": f"임시과 {self.seq()}"}
        return str((await self.gw.ok("POST", f"/api/agencies/{A}/departments", self.root, body))["id"])

    async def key(self) -> str:
        body = {"name": f"키 {self.seq()}", "scopes": ["read"]}
        return str((await self.gw.ok("POST", f"/api/agencies/{A}/api-keys", self.root, body))["id"])

    async def subscription(self) -> str:
        body = {"url": "http://127.0.0.1:9/hooks/rm", "scope": "own", "types": ["debate.closed"]}
        return str((await self.gw.ok("POST", f"/api/agencies/{A}/subscriptions", self.root, body))["id"])

    async def agency(self) -> str:
        agency = f"rm-x-{RUN}-{self.seq()}"
        await self.gw.ok("POST", "/api/agencies", self.root, {"id": agency, "name_ko": "닫힐 기관", "name_en": agency})
        return agency

    def open_case(self) -> str:
        return self.cases.pop()

    async def answered_case(self) -> str:
        case = self.cases.pop()
        answer = {"decision": "accept", "answer": "수용합니다"}
        await self.gw.ok("POST", f"/api/review/cases/{case}/answer", self.user("off_d1"), answer)
        return case

    async def published_case(self) -> str:
        """A case in D1 whose 수용 answer is published: what goes to the committee."""
        case = await self.answered_case()
        await self.gw.ok("POST", f"/api/review/cases/{case}/approve", self.root)
        return case

    async def session(self, role: str) -> str:
        user = self.user(role)
        password = PASSWORD if role != "root" else None
        again = await (self.gw.login(user.email, password) if password else self.gw.admin())
        return again.token


Maker = Callable[[World, str, bool], Awaitable[Call]]  # (world, role, expected to be allowed)


def at(path: str, body: Any = None) -> Maker:
    """The same call for everyone: {placeholders} are the world's things."""

    async def make(w: World, role: str, allowed: bool) -> Call:
        values = {k: getattr(w, k) for k in World.__dataclass_fields__ if isinstance(getattr(w, k), str)}
        return Call(path.format(A=A, **values), body)

    return make


def fresh(
    thing: Callable[[World], Awaitable[str] | str], path: str, body: Any = None, shared: str | None = None
) -> Maker:
    """Allowed callers act on a thing of their own (made by `thing`), refused ones on `shared`."""

    async def make(w: World, role: str, allowed: bool) -> Call:
        if allowed or shared is None:
            made = thing(w)
            target = made if isinstance(made, str) else await made
        else:
            target = getattr(w, shared)
        return Call(path.format(A=A, x=target), body)

    return make


def custom(fn: Callable[[World, str], Awaitable[Call] | Call]) -> Maker:
    async def make(w: World, role: str, allowed: bool) -> Call:
        made = fn(w, role)
        return made if isinstance(made, Call) else await made

    return make


def _staff_body(w: World, role: str) -> Call:
    email = f"rm-new-{RUN}-{w.seq()}@test.local"
    body = {"email": email, "password": PASSWORD, "display_name": "새 직원", "role": "officer"}
    return Call("/api/admin/accounts", {**body, "agency": A, "department_id": w.d1})


def _login(w: World, role: str) -> Call:
    user = w.users.get(role) or w.user("citizen")
    if role == "root":
        from gongnon_infra.cluster import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD

        return Call("/api/auth/login", {"email": DEV_ADMIN_EMAIL, "password": DEV_ADMIN_PASSWORD})
    return Call("/api/auth/login", {"email": user.email, "password": PASSWORD})


async def _logout(w: World, role: str) -> Call:
    # A session of its own: ending the caller's would end the rest of the matrix for it.
    return Call("/api/auth/logout", token=None if role == "anon" else await w.session(role))


def _verify(w: World, role: str) -> Call:
    n = w.seq()
    digits = f"{int(RUN, 16) % 10000:04d}"
    return Call(
        "/api/auth/verify",
        {"name": f"매트릭스{RUN}{n}", "birth_date": "1980-02-03", "phone": f"010-77{n:02d}-{digits}"},
    )


def _consultation(w: World, role: str) -> Call:
    # A super admin files under the host agency: D1 is not one of its departments.
    return Call("/api/consultations", {**CONSULTATION, "department_id": None if role == "root" else w.d1})


async def _debate(w: World, role: str) -> Call:
    return Call("/api/debates", {"proposal_id": w.candidates.pop(), "vote_type": "discussion", "days": 30})


def _offline(w: World, role: str) -> Call:
    csv = f"citizen_key,choice\nck_{RUN}_{w.seq()},yes\n".encode()
    return Call(f"/api/items/{w.consultation}/offline-ballots", csv=csv)


async def _ruleset(w: World, role: str) -> Call:
    return Call(f"/api/agencies/{A}/ruleset", RULES)


def _read(w: World, role: str) -> Call:
    return Call(f"/api/inbox/{w.notification or 'ntf_none'}/read")


# The matrix. Columns: anon unver citizen off_d1 off_d2 operator admin_a admin_b root
ALL = "ok  ok  ok  ok  ok  ok  ok  ok  ok"
SIGNED = "401 ok  ok  ok  ok  ok  ok  ok  ok"
MANAGER = "401 403 403 403 403 403 ok  403 ok"  # A's admin or a super admin
AUTHOR_409 = "401 ok  409 ok  ok  ok  ok  ok  ok"  # anyone signed in but the author (own_content)
NONE = "404 404 404 404 404 404 404 404 404"
SIGNED_404 = "401 404 404 404 404 404 404 404 404"
SCORES = {"necessity": 5, "changeability": 4, "feasibility": 4, "impact": 5}
PLAN = {"direction": "방향", "detail": "계획", "budget_krw": 0, "budget_track": "non_budget"}
ROWS: dict[tuple[str, str], tuple[str, Maker]] = {
    # identity
    ("POST", "/api/auth/register"): (
        ALL,
        custom(
            lambda w, r: Call(
                "/api/auth/register",
                {"email": f"rm-reg-{RUN}-{w.seq()}@test.local", "password": PASSWORD, "display_name": "가입"},
            )
        ),
    ),
    ("POST", "/api/auth/login"): (ALL, custom(_login)),
    ("POST", "/api/auth/verify"): ("401 ok  409 403 403 403 403 403 403", custom(_verify)),
    ("GET", "/api/me"): (SIGNED, at("/api/me")),
    ("POST", "/api/auth/logout"): (SIGNED, custom(_logout)),
    ("GET", "/api/me/notification-preferences"): (SIGNED, at("/api/me/notification-preferences")),
    ("PUT", "/api/me/notification-preferences"): (SIGNED, at("/api/me/notification-preferences", {})),
    ("GET", "/api/me/notification-deliveries"): (SIGNED, at("/api/me/notification-deliveries")),
    ("POST", "/api/admin/accounts"): ("401 403 403 403 403 ok  ok  403 ok", custom(_staff_body)),
    ("POST", "/api/admin/accounts/{account_id}/sessions/revoke"): (
        "401 403 403 403 403 ok  ok  403 ok",
        at("/api/admin/accounts/{victim}/sessions/revoke"),
    ),
    # agencies
    ("POST", "/api/agencies"): (
        "401 403 403 403 403 403 403 403 ok",
        custom(
            lambda w, r: Call("/api/agencies", {"id": f"rm-n-{RUN}-{w.seq()}", "name_ko": "새 기관", "name_en": "New"})
        ),
    ),
    ("GET", "/api/agencies"): (ALL, at("/api/agencies")),
    ("GET", "/api/agencies/{agency}"): (ALL, at("/api/agencies/{A}")),
    ("PATCH", "/api/agencies/{agency}"): (MANAGER, at("/api/agencies/{A}", {"name_ko": "바뀐 이름"})),
    ("GET", "/api/agencies/{agency}/ruleset"): (ALL, at("/api/agencies/{A}/ruleset")),
    ("PUT", "/api/agencies/{agency}/ruleset"): ("401 403 403 403 403 ok  ok  403 ok", custom(_ruleset)),
    ("GET", "/api/agencies/{agency}/ruleset/versions"): (ALL, at("/api/agencies/{A}/ruleset/versions")),
    ("GET", "/api/agencies/{agency}/departments"): (ALL, at("/api/agencies/{A}/departments")),
    ("POST", "/api/agencies/{agency}/departments"): (MANAGER, at("/api/agencies/{A}/departments", {"name": "새 과"})),
    ("PATCH", "/api/departments/{department_id}"): (MANAGER, at("/api/departments/{d3}", {"name": "이름 바꾼 과"})),
    ("POST", "/api/departments/{department_id}/archive"): (
        MANAGER,
        fresh(World.department, "/api/departments/{x}/archive", shared="d3"),
    ),
    ("GET", "/api/agencies/{agency}/category-map"): (ALL, at("/api/agencies/{A}/category-map")),
    ("PUT", "/api/agencies/{agency}/category-map"): (
        MANAGER,
        custom(lambda w, r: Call(f"/api/agencies/{A}/category-map", {"map": {"welfare": w.d1}})),
    ),
    ("GET", "/api/departments"): (ALL, at("/api/departments")),
    ("GET", "/api/agencies/{agency}/department-stats"): (ALL, at("/api/agencies/{A}/department-stats")),
    ("GET", "/asyncapi.json"): (ALL, at("/asyncapi.json")),
    ("GET", "/health"): (ALL, at("/health")),
    ("GET", "/ready"): (ALL, at("/ready")),
    # API keys, Kafka, webhooks, the feed
    ("POST", "/api/agencies/{agency}/api-keys"): (
        MANAGER,
        at("/api/agencies/{A}/api-keys", {"name": "새 키", "scopes": ["read"]}),
    ),
    ("GET", "/api/agencies/{agency}/api-keys"): (MANAGER, at("/api/agencies/{A}/api-keys")),
    ("POST", "/api/agencies/{agency}/api-keys/{key_id}/rotate"): (
        MANAGER,
        fresh(World.key, "/api/agencies/{A}/api-keys/{x}/rotate", {"overlap_s": 0}, shared="key_id"),
    ),
    ("DELETE", "/api/agencies/{agency}/api-keys/{key_id}"): (
        MANAGER,
        fresh(World.key, "/api/agencies/{A}/api-keys/{x}", shared="key_id"),
    ),
    ("GET", "/api/agencies/{agency}/api-keys/{key_id}/usage"): (
        MANAGER,
        at("/api/agencies/{A}/api-keys/{key_id}/usage"),
    ),
    ("POST", "/api/agencies/{agency}/kafka-credentials"): (MANAGER, at("/api/agencies/{A}/kafka-credentials")),
    ("GET", "/api/agencies/{agency}/kafka-credentials"): (MANAGER, at("/api/agencies/{A}/kafka-credentials")),
    ("DELETE", "/api/agencies/{agency}/kafka-credentials"): (MANAGER, at("/api/agencies/{A}/kafka-credentials")),
    ("POST", "/api/agencies/{agency}/subscriptions"): (
        MANAGER,
        at(
            "/api/agencies/{A}/subscriptions",
            {"url": "http://127.0.0.1:9/hooks/new", "scope": "own", "types": ["debate.closed"]},
        ),
    ),
    ("GET", "/api/agencies/{agency}/subscriptions"): (MANAGER, at("/api/agencies/{A}/subscriptions")),
    ("GET", "/api/agencies/{agency}/subscriptions/{subscription_id}"): (
        MANAGER,
        at("/api/agencies/{A}/subscriptions/{sub_id}"),
    ),
    ("DELETE", "/api/agencies/{agency}/subscriptions/{subscription_id}"): (
        MANAGER,
        fresh(World.subscription, "/api/agencies/{A}/subscriptions/{x}", shared="sub_id"),
    ),
    ("POST", "/api/agencies/{agency}/subscriptions/{subscription_id}/replay"): (
        MANAGER,
        at("/api/agencies/{A}/subscriptions/{sub_id}/replay", {"from_seq": 1}),
    ),
    ("GET", "/api/agencies/{agency}/subscriptions/{subscription_id}/deliveries"): (
        MANAGER,
        at("/api/agencies/{A}/subscriptions/{sub_id}/deliveries"),
    ),
    # Allowed callers find no such delivery: what the row shows is who gets that far.
    ("POST", "/api/agencies/{agency}/subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver"): (
        "401 403 403 403 403 403 404 403 404",
        at("/api/agencies/{A}/subscriptions/{sub_id}/deliveries/dlv_1/redeliver"),
    ),
    ("GET", "/api/feed"): ("401 403 403 403 403 ok  ok  ok  ok", at("/api/feed")),
    ("GET", "/api/feed/stream"): (
        "401 403 403 403 403 ok  ok  ok  ok",
        custom(lambda w, r: Call("/api/feed/stream", stream=True)),
    ),
    # proposals
    ("POST", "/api/proposals"): (
        "401 403 ok  403 403 ok  403 403 ok",
        custom(
            lambda w, r: Call(
                "/api/proposals",
                {
                    "title": f"역할 제안 {w.seq()}",
                    "body": "역할별 권한을 확인하기 위한 제안입니다.",
                    "category": "welfare",
                    "agency": A,
                },
            )
        ),
    ),
    ("GET", "/api/proposals"): (ALL, at("/api/proposals?agency={A}")),
    ("POST", "/api/proposals/similar"): (ALL, at("/api/proposals/similar", {"title": "새 제안"})),
    ("GET", "/api/proposals/{item_id}"): (ALL, at("/api/proposals/{item}")),
    ("PATCH", "/api/proposals/{item_id}"): (
        "401 403 ok  403 403 403 403 403 403",
        fresh(World.proposal, "/api/proposals/{x}", {"title": "고친 제목"}, "item"),
    ),
    ("POST", "/api/proposals/{item_id}/withdraw"): (
        "401 403 ok  403 403 403 403 403 403",
        fresh(World.proposal, "/api/proposals/{x}/withdraw", shared="item"),
    ),
    ("PUT", "/api/proposals/{item_id}/visibility"): (
        "401 403 403 403 403 ok  ok  403 ok",
        fresh(World.proposal, "/api/proposals/{x}/visibility", {"visibility": "private", "reason": "확인"}, "item"),
    ),
    ("GET", "/api/proposals/{item_id}/timeline"): (ALL, at("/api/proposals/{item}/timeline")),
    ("GET", "/api/proposals/{item_id}/cases"): (ALL, at("/api/proposals/{item}/cases")),
    ("GET", "/api/meta"): (ALL, at("/api/meta")),
    ("POST", "/api/proposals/{item_id}/support"): (
        "401 403 ok  403 403 403 403 403 403",
        at("/api/proposals/{item}/support"),
    ),
    ("GET", "/api/proposals/{item_id}/tally"): (ALL, at("/api/proposals/{item}/tally")),
    # Operators only (재집계), not the agency's admin.
    ("POST", "/api/admin/items/{item_id}/reconcile"): (
        "401 403 403 403 403 ok  403 403 ok",
        at("/api/admin/items/{item}/reconcile"),
    ),
    ("GET", "/api/proposals/{item_id}/tally/stream"): (
        ALL,
        custom(lambda w, r: Call(f"/api/proposals/{w.item}/tally/stream", stream=True)),
    ),
    # community
    ("GET", "/api/proposals/{item_id}/comments"): (ALL, at("/api/proposals/{item}/comments")),
    ("POST", "/api/proposals/{item_id}/comments"): (SIGNED, at("/api/proposals/{item}/comments", {"body": "의견"})),
    ("POST", "/api/comments/{comment_id}/replies"): (SIGNED, at("/api/comments/{comment}/replies", {"body": "답글"})),
    ("GET", "/api/proposals/{item_id}/follow"): (SIGNED, at("/api/proposals/{item}/follow")),
    ("POST", "/api/proposals/{item_id}/follow"): (SIGNED, at("/api/proposals/{item}/follow")),
    ("DELETE", "/api/proposals/{item_id}/follow"): (SIGNED, at("/api/proposals/{item}/follow")),
    ("POST", "/api/proposals/{item_id}/flags"): (AUTHOR_409, at("/api/proposals/{item}/flags", {"reason": "spam"})),
    ("POST", "/api/comments/{comment_id}/flags"): (AUTHOR_409, at("/api/comments/{comment}/flags", {"reason": "spam"})),
    ("GET", "/api/inbox"): (SIGNED, at("/api/inbox")),
    ("POST", "/api/inbox/{notification_id}/read"): ("401 404 ok  404 404 404 404 404 404", custom(_read)),
    # moderation
    ("GET", "/api/moderation/queue"): ("401 403 403 403 403 ok  ok  ok  ok", at("/api/moderation/queue")),
    ("POST", "/api/moderation/{target_type}/{target_id}/{action}"): (
        "401 403 403 403 403 ok  ok  403 ok",
        fresh(World.proposal, "/api/moderation/proposal/{x}/hide", {"reason": "확인"}, "item"),
    ),
    # B's admin reads B's audit log: nothing of A's target.
    ("GET", "/api/moderation/audit"): ("401 403 403 403 403 ok  ok  ok  ok", at("/api/moderation/audit?target={item}")),
    # review
    ("GET", "/api/review/cases"): ("401 403 403 ok  ok  ok  ok  ok  ok", at("/api/review/cases")),
    ("GET", "/api/review/cases/{case_id}"): ("401 403 403 ok  403 ok  ok  404 ok", at("/api/review/cases/{case}")),
    ("POST", "/api/review/cases/{case_id}/answer"): (
        "401 403 403 ok  403 403 403 403 403",
        fresh(World.open_case, "/api/review/cases/{x}/answer", {"decision": "accept", "answer": "수용"}, "case"),
    ),
    ("POST", "/api/review/cases/{case_id}/approve"): (
        "401 403 403 403 403 ok  ok  404 ok",
        fresh(World.answered_case, "/api/review/cases/{x}/approve", shared="case"),
    ),
    ("POST", "/api/review/cases/{case_id}/return"): (
        "401 403 403 403 403 ok  ok  404 ok",
        fresh(World.answered_case, "/api/review/cases/{x}/return", {"reason": "보완"}, "case"),
    ),
    ("POST", "/api/review/cases/{case_id}/reassign-request"): (
        "401 403 403 ok  403 403 403 403 403",
        fresh(World.open_case, "/api/review/cases/{x}/reassign-request", {"reason": "다른 부서"}, "case"),
    ),
    ("POST", "/api/review/cases/{case_id}/assign"): (
        "401 403 403 403 403 ok  ok  404 ok",
        custom(
            lambda w, r: Call(
                f"/api/review/cases/{w.open_case() if r in ('operator', 'admin_a', 'root') else w.case}/assign",
                {"department_id": w.d2},
            )
        ),
    ),
    # debates and consultations
    # B's admin files under B: A's department is not B's (422 unknown_department).
    ("POST", "/api/consultations"): ("401 403 403 ok  403 ok  ok  422 ok", custom(_consultation)),
    ("GET", "/api/consultations"): (ALL, at("/api/consultations")),
    ("GET", "/api/consultations/{item_id}"): (ALL, at("/api/consultations/{consultation}")),
    ("POST", "/api/debates"): (
        "401 403 403 403 403 ok  ok  404 ok",
        custom(
            lambda w, r: (
                _debate(w, r)
                if r in ("operator", "admin_a", "root")
                else Call("/api/debates", {"proposal_id": w.item, "vote_type": "discussion"})
            )
        ),
    ),
    ("GET", "/api/debates"): (ALL, at("/api/debates")),
    ("GET", "/api/debates/{item_id}"): (ALL, at("/api/debates/{debate}")),
    ("POST", "/api/items/{item_id}/votes"): (
        "401 403 ok  403 403 403 403 403 403",
        at("/api/items/{consultation}/votes", {"choices": ["yes"]}),
    ),
    ("GET", "/api/items/{item_id}/ballot"): (ALL, at("/api/items/{consultation}/ballot")),
    ("GET", "/api/items/{item_id}/tally"): (ALL, at("/api/items/{consultation}/tally")),
    # 결정 투표: the operators of the item's agency, its admin, the super admin (B's admin: 403 other_agency).
    ("POST", "/api/items/{item_id}/decision-vote"): (
        "401 403 403 403 403 ok  ok  403 ok",
        fresh(World.proposal, "/api/items/{x}/decision-vote", {"budget_krw": 1_000_000_000}, "item"),
    ),
    # 제안실현위원회: operators flag; only committee members score (no column here is one: all
    # refused); operators select; the plan waits for selection (409 for whoever may write it).
    ("POST", "/api/review/cases/{case_id}/committee"): (
        "401 403 403 403 403 ok  ok  404 ok",
        fresh(World.published_case, "/api/review/cases/{x}/committee", shared="case"),
    ),
    ("GET", "/api/committee/agendas"): ("401 403 403 ok  ok  ok  ok  ok  ok", at("/api/committee/agendas")),
    # Officers see an agenda item once their department executes its plan (this one has none).
    ("GET", "/api/committee/agendas/{agenda_id}"): (
        "401 403 403 403 403 ok  ok  404 ok",
        at("/api/committee/agendas/{agenda}"),
    ),
    ("POST", "/api/committee/agendas/{agenda_id}/scores"): (
        "401 403 403 403 403 403 403 403 403",
        at("/api/committee/agendas/{agenda}/scores", {"scores": SCORES}),
    ),
    ("POST", "/api/committee/selection"): (
        "401 403 403 403 403 ok  ok  ok  ok",
        at("/api/committee/selection", {"top_n": 1, "min_average": 20, "min_scorers": 100}),
    ),
    ("POST", "/api/committee/agendas/{agenda_id}/plan"): (
        "401 403 403 403 403 409 409 404 409",
        at("/api/committee/agendas/{agenda}/plan", PLAN),
    ),
    # The executing department's officer only, once there is a plan (none here: all refused).
    ("POST", "/api/committee/agendas/{agenda_id}/verdict"): (
        "401 403 403 403 403 403 403 403 403",
        at("/api/committee/agendas/{agenda}/verdict", {"verdict": "fit"}),
    ),
    ("GET", "/api/items/{item_id}/committee"): (ALL, at("/api/items/{agenda_item}/committee")),
    ("GET", "/api/decisions"): (ALL, at("/api/decisions")),
    ("GET", "/api/open-data"): (ALL, at("/api/open-data")),
    ("GET", "/api/open-data/proposals.json"): (ALL, at("/api/open-data/proposals.json?limit=5")),
    ("GET", "/api/open-data/proposals.csv"): (ALL, at("/api/open-data/proposals.csv")),
    ("GET", "/api/open-data/snapshots"): (ALL, at("/api/open-data/snapshots")),
    # A day long before the platform: no snapshot, for anyone alike (the kept days: test_open_data).
    ("GET", "/api/open-data/snapshots/{day}/proposals.json"): (
        NONE,
        at("/api/open-data/snapshots/2000-01-01/proposals.json"),
    ),
    ("GET", "/api/open-data/snapshots/{day}/proposals.csv"): (
        NONE,
        at("/api/open-data/snapshots/2000-01-01/proposals.csv"),
    ),
    ("GET", "/api/executions"): (ALL, at("/api/executions")),
    # 실행: nothing here was voted through (tests/test_civic_loop_complete.py drives execution and
    # its refusals): anyone signed in learns only that the item is not being executed.
    ("GET", "/api/items/{item_id}/execution"): (NONE, at("/api/items/{item}/execution")),
    ("POST", "/api/items/{item_id}/execution/budget"): (
        SIGNED_404,
        at("/api/items/{item}/execution/budget", {"source": "예산"}),
    ),
    ("POST", "/api/items/{item_id}/execution/milestones"): (
        SIGNED_404,
        at("/api/items/{item}/execution/milestones", {"title": "착수", "progress_pct": 10}),
    ),
    ("POST", "/api/items/{item_id}/execution/reports"): (
        SIGNED_404,
        at("/api/items/{item}/execution/reports", {"title": "경과", "body": "진행 중"}),
    ),
    ("POST", "/api/items/{item_id}/execution/complete"): (
        SIGNED_404,
        at("/api/items/{item}/execution/complete", {"title": "결과", "body": "완료"}),
    ),
    ("GET", "/api/items/{item_id}/execution/files/{file_id}"): (NONE, at("/api/items/{item}/execution/files/f1")),
    ("GET", "/api/items/{item_id}/results"): (ALL, at("/api/items/{consultation}/results")),
    ("GET", "/api/items/{item_id}/timeline"): (ALL, at("/api/items/{consultation}/timeline")),
    ("GET", "/api/items/{item_id}/cases"): (ALL, at("/api/items/{consultation}/cases")),
    ("POST", "/api/items/{item_id}/offline-ballots"): ("401 403 403 403 403 ok  403 403 ok", custom(_offline)),
    ("GET", "/api/items/{item_id}/offline-ballots/{import_id}"): (
        "401 403 403 403 403 ok  403 403 ok",
        at("/api/items/{consultation}/offline-ballots/{import_id}"),
    ),
    # last: closing for real needs an agency of its own; refused callers aim at A
    ("POST", "/api/agencies/{agency}/close"): (
        "401 403 403 403 403 403 403 403 ok",
        fresh(World.agency, "/api/agencies/{x}/close", shared="a"),
    ),
}


def _expected(row: str) -> dict[str, str]:
    outcomes = row.split()
    assert len(outcomes) == len(ROLES), row
    return dict(zip(ROLES, outcomes, strict=True))


def _outcome(status: int) -> str:
    return "ok" if 200 <= status < 300 else str(status)


async def _send(w: World, role: str, method: str, call: Call) -> tuple[int, str]:
    user = w.users[role]
    token = call.token or (user.token if user is not None else None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if call.csv is not None:
        kwargs["data"] = call.csv
        headers["Content-Type"] = "text/csv"
    elif call.body is not None:
        kwargs["json"] = call.body
    timeout = aiohttp.ClientTimeout(total=30)
    async with w.gw.s.request(method, f"{w.gw.base}{call.path}", timeout=timeout, **kwargs) as r:
        # An event stream never ends: its status and first bytes are the answer.
        text = (await r.content.read(300)).decode(errors="replace") if call.stream else await r.text()
        return r.status, text[:300]


async def _case_of(gw: Gateway, item: str) -> str:
    async def case() -> str | None:
        r = await gw.req("GET", f"/api/proposals/{item}/cases")
        return str(r.body["items"][0]["id"]) if r.status == 200 and r.body["items"] else None

    return await eventually(case, timeout=60, what=f"the review case of {item}")


async def _world(gw: Gateway) -> World:
    root = await gw.admin()

    async def agency(agency: str) -> User:
        await gw.ok("POST", "/api/agencies", root, {"id": agency, "name_ko": f"기관 {agency}", "name_en": agency})
        return await staff("agency_admin", agency)

    async def staff(role: str, agency: str, department_id: str | None = None) -> User:
        email = f"rm-{role}-{agency}-{department_id or 'x'}@test.local"
        body = {"email": email, "password": PASSWORD, "display_name": role, "role": role, "agency": agency}
        await gw.ok("POST", "/api/admin/accounts", root, {**body, "department_id": department_id})
        return await gw.login(email)

    admin_a, admin_b = await asyncio.gather(agency(A), agency(B))
    d1, d2, d3 = [
        (await gw.ok("POST", f"/api/agencies/{A}/departments", admin_a, {"name": name}))["id"]
        for name in ("일과", "이과", "삼과")
    ]
    await gw.ok("PUT", f"/api/agencies/{A}/category-map", admin_a, {"map": {"welfare": d1}})
    await gw.ok("PUT", f"/api/agencies/{A}/ruleset", admin_a, RULES)
    off_d1, off_d2, operator, victim = await asyncio.gather(
        staff("officer", A, d1), staff("officer", A, d2), staff("operator", A), staff("officer", A, d3)
    )
    unver_email = f"rm-unver-{RUN}@test.local"
    await gw.ok(
        "POST", "/api/auth/register", json={"email": unver_email, "password": PASSWORD, "display_name": "미인증"}
    )
    citizen, supporter, unver = await asyncio.gather(gw.citizen("작성자"), gw.citizen("지지자"), gw.login(unver_email))
    users: dict[str, User | None] = {
        "anon": None,
        "unver": unver,
        "citizen": citizen,
        "off_d1": off_d1,
        "off_d2": off_d2,
        "operator": operator,
        "admin_a": admin_a,
        "admin_b": admin_b,
        "root": root,
    }
    w = World(gw, users, d1, d2, d3, "", "", "", "", "", "", "", "", victim.account["id"], None)
    w.key_id, w.sub_id = await w.key(), await w.subscription()

    # Proposals of A, each supported once: the rules open a case in D1 and make it a debate candidate.
    items = [await w.proposal() for _ in range(20)]
    await eventually(lambda: _opened(gw, items), what="support ballots")
    for i in items:
        await eventually(lambda i=i: _supported(gw, supporter, i), what="a support")
    w.item, w.candidates = items[0], items[1:5]
    cases = [await _case_of(gw, i) for i in [items[0], *items[5:]]]
    w.case, w.cases = cases[0], cases[1:]
    agenda_case = await w.published_case()
    w.agenda = (await gw.ok("POST", f"/api/review/cases/{agenda_case}/committee", operator))["id"]
    w.agenda_item = (await gw.ok("GET", f"/api/review/cases/{agenda_case}", operator))["item_id"]
    w.comment = (await gw.ok("POST", f"/api/proposals/{w.item}/comments", citizen, {"body": "작성자의 말"}))["id"]
    w.consultation = (await gw.ok("POST", "/api/consultations", operator, {**CONSULTATION, "department_id": d1}))["id"]
    debate = {"proposal_id": w.candidates.pop(), "vote_type": "discussion", "days": 30}
    w.debate = (await eventually(lambda: _debate_opened(gw, operator, debate), what="a debate"))["id"]
    w.import_id = await _imported(gw, operator, w.consultation)

    async def notification() -> str | None:
        page = await gw.ok("GET", "/api/inbox", citizen)
        return str(page["items"][0]["id"]) if page["items"] else None

    w.notification = await eventually(notification, timeout=30, what="a notification of the author")
    return w


async def _opened(gw: Gateway, items: list[str]) -> bool:
    return all([(await gw.req("GET", f"/api/proposals/{i}/tally")).status == 200 for i in items])


async def _supported(gw: Gateway, supporter: User, item: str) -> bool:
    # Right after the platform starts, votes may wait for the vote register (503 votes_recovering).
    r = await gw.req("POST", f"/api/proposals/{item}/support", supporter)
    assert r.status == 201 or r.status == 503, r
    return r.status == 201


async def _debate_opened(gw: Gateway, operator: User, body: dict[str, Any]) -> Any:
    r = await gw.req("POST", "/api/debates", operator, body)
    return r.body if r.status == 201 else None


async def _imported(gw: Gateway, operator: User, item: str) -> str:
    headers = {"Authorization": f"Bearer {operator.token}", "Content-Type": "text/csv"}
    csv = f"citizen_key,choice\nck_{RUN}_setup,yes\n".encode()
    async with gw.s.post(f"{gw.base}/api/items/{item}/offline-ballots", data=csv, headers=headers) as r:
        body = await r.json(content_type=None)
        assert r.status in (200, 201), body
        return str(body["import_id"])


async def test_every_route_has_a_row_and_every_role_gets_what_its_row_declares(gw: Gateway) -> None:
    openapi = await gw.ok("GET", "/openapi.json")
    routes = {(m.upper(), p) for p, ops in openapi["paths"].items() for m in ops}
    declared = set(ROWS) | set(NOT_CALLED)
    missing = sorted(routes - declared)
    assert not missing, "routes without a row in ROWS (declare who may call them): " + ", ".join(
        f"{m} {p}" for m, p in missing
    )
    gone = sorted(declared - routes)
    assert not gone, "rows for routes that no longer exist: " + ", ".join(f"{m} {p}" for m, p in gone)

    w = await _world(gw)
    wrong = []
    for (method, template), (row, make) in ROWS.items():
        for role, want in _expected(row).items():
            call = await make(w, role, want == "ok")
            status, text = await _send(w, role, method, call)
            if _outcome(status) != want:
                wrong.append(f"{method} {template} as {role}: {status}, declared {want}: {text}")
    assert not wrong, f"{len(wrong)} calls got other than their row declares:\n" + "\n".join(wrong)
