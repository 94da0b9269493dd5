"""What the pages show, shaped from the services' JSON: times in KST, labels in Korean (the
templates translate them with `_()`; reference labels are `Label`s with their own English).

Pure functions over plain dicts; they read the fields docs/services.md names and tolerate
missing optional ones, so a page still renders while a service evolves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from gongnon_contracts.reference import KST, POLICY_CATEGORIES, SEOUL_DISTRICTS, STAGES
from gongnon_gateway.site.phrases import Label, Phrase, label_of

ROLE_LABELS = {
    "citizen": "시민",
    "system": "시스템",
    "officer": "담당부서",
    "operator": "운영자",
    "committee": "제안실현위원회",
    "head": "기관장",
    "agency_admin": "기관 관리자",
    "super_admin": "운영자",
}
ACTION_LABELS = {
    "make_public": "공개",
    "department_answer": "부서답변",
    "debate_candidate": "시민토론 후보",
    "head_answer": "시장(기관장) 답변",
    "open_decision_vote": "결정 투표",
    "close": "종료",
}
DECISION_LABELS = {"accept": "수용", "partial": "부분수용", "reject": "불수용"}
METRIC_UNITS = {"supports": "공감", "debate_participants": "토론 참여"}

_OUTAGE = "일시적인 장애로 정보를 불러오지 못했습니다. 잠시 후 다시 시도해 주세요. 불편을 드려 죄송합니다."
# Error pages: (title, detail) per status; other statuses read as "could not be processed".
ERROR_PAGES: dict[int, tuple[str, str]] = {
    400: ("요청을 처리하지 못했습니다", "요청 내용을 확인한 뒤 다시 시도해 주세요."),
    401: ("로그인이 필요합니다", "다시 로그인해 주세요."),
    403: ("권한이 없습니다", "이 페이지를 볼 수 없습니다."),
    404: ("찾을 수 없습니다", "요청하신 페이지가 없거나 삭제되었습니다."),
    405: ("지원하지 않는 요청입니다", "이 주소에서는 그런 방식의 요청을 받지 않습니다."),
    413: ("보내신 내용이 너무 큽니다", "내용을 줄여 다시 시도해 주세요."),
    422: ("입력 내용을 확인해 주세요", "보내신 내용 중 올바르지 않은 값이 있습니다."),
    429: ("요청이 너무 많습니다", "잠시 후 다시 시도해 주세요."),
    500: ("일시적인 오류가 발생했습니다", "잠시 후 다시 시도해 주세요. 불편을 드려 죄송합니다."),
    502: ("서비스를 잠시 이용할 수 없습니다", _OUTAGE),
    503: ("서비스를 잠시 이용할 수 없습니다", _OUTAGE),
    504: ("서비스를 잠시 이용할 수 없습니다", _OUTAGE),
}


def error_text(status: int) -> tuple[str, str]:
    return ERROR_PAGES.get(status, ERROR_PAGES[400] if status < 500 else ERROR_PAGES[500])


# Flash messages after a redirect: a fixed set of codes, never text from the query string.
MESSAGES = {
    "supported": ("ok", "공감해 주셔서 감사합니다. 공감 수는 잠시 후 반영됩니다."),
    "already": ("info", "이미 공감한 제안입니다. 한 사람이 한 번만 공감할 수 있습니다."),
    "not_votable": ("error", "지금은 공감할 수 없는 제안입니다."),
    "vote_failed": ("error", "공감을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."),
    "expired": ("error", "요청이 만료되었습니다. 다시 시도해 주세요."),
    "verified": ("ok", "본인인증이 완료되었습니다. 이제 공감하고 제안할 수 있습니다."),
    "welcome": ("ok", "환영합니다! 공감하고 제안하려면 본인인증을 해 주세요."),
    "logged_in": ("ok", "로그인되었습니다."),
    "logged_out": ("ok", "로그아웃되었습니다."),
    "proposed": ("ok", "제안이 등록되었습니다."),
    "commented": ("ok", "댓글이 등록되었습니다."),
    "comment_invalid": ("error", "댓글 내용을 입력해 주세요 (3,000자 이내)."),
    "comment_hidden": ("error", "숨김 처리된 댓글에는 답글을 달 수 없습니다."),
    "closed_for_comments": ("error", "철회되었거나 검토 중인 제안에는 댓글을 달 수 없습니다."),
    "flagged": ("ok", "신고가 접수되었습니다. 운영팀이 확인하겠습니다."),
    "already_flagged": ("info", "이미 신고하셨습니다. 한 사람이 한 번만 신고할 수 있습니다."),
    "own_content": ("info", "본인이 쓴 글은 신고할 수 없습니다."),
    "flag_reason": ("error", "신고 사유를 골라 주세요."),
    "followed": ("ok", "관심 제안으로 등록했습니다. 진행 소식을 알림함으로 알려 드립니다."),
    "unfollowed": ("ok", "관심 제안에서 해제했습니다."),
    "action_failed": ("error", "요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."),
    "decision_voted": ("ok", "결정 투표에 참여해 주셔서 감사합니다. 결과는 투표 마감 후 공개됩니다."),
    "decision_already": ("info", "이미 결정 투표에 참여했습니다. 한 사람이 한 번만 투표할 수 있습니다."),
    "decision_closed": ("error", "결정 투표 기간이 아닙니다."),
}


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def fmt_time(value: Any) -> str:
    at = parse_time(value)
    return at.astimezone(KST).strftime("%Y.%m.%d %H:%M") if at else ""


def fmt_date(value: Any) -> str:
    at = parse_time(value)
    return at.astimezone(KST).strftime("%Y.%m.%d") if at else ""


def date_of(text: str) -> date:
    """A YYYY-MM-DD form field; ValueError when it is not one."""
    return date.fromisoformat(text.strip())


# The countdown to a deadline: D-3, D-day, then 마감 (closed).
CLOSED = "마감"
DDAY = "D-day"
DAYS_LEFT = "D-{n}"


def dday(deadline: datetime | None, now: datetime) -> Phrase:
    if deadline is None:
        return Phrase("")
    days = (deadline.astimezone(KST).date() - now.astimezone(KST).date()).days
    if deadline <= now:
        return Phrase(CLOSED)
    return Phrase(DDAY) if days == 0 else Phrase(DAYS_LEFT, {"n": str(days)})


def category_label(key: str | None) -> Label:
    return label_of(POLICY_CATEGORIES, key)


def district_label(key: str | None) -> Label:
    return label_of(SEOUL_DISTRICTS, key)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _author(doc: dict[str, Any]) -> str:
    author = doc.get("author")
    if isinstance(author, dict):
        return str(author.get("name") or author.get("display_name") or "")
    for key in ("author_name", "author_display_name"):
        if doc.get(key):
            return str(doc[key])
    return author if isinstance(author, str) else ""


@dataclass(frozen=True)
class ProposalCard:
    id: str
    title: str
    excerpt: str
    category: Label
    district: Label
    author: str
    support_count: int
    stage: Label
    created: str

    @classmethod
    def of(cls, doc: dict[str, Any]) -> ProposalCard:
        body = str(doc.get("body") or "")
        excerpt = str(doc.get("excerpt") or "") or body[:160] + ("…" if len(body) > 160 else "")
        stage = str(doc.get("stage") or "")
        return cls(
            id=str(doc.get("id") or doc.get("item_id") or ""),
            title=str(doc.get("title") or ""),
            excerpt=excerpt,
            category=category_label(doc.get("category")),
            district=district_label(doc.get("district")),
            author=_author(doc),
            support_count=_int(doc.get("support_count")),
            stage=label_of(STAGES, stage),
            created=fmt_date(doc.get("created_at") or doc.get("submitted_at")),
        )


@dataclass(frozen=True)
class Progress:
    goal: str  # what happens at the threshold
    unit: str  # 공감 or 토론 참여
    value: int
    threshold: int
    metric: str = "supports"

    @property
    def percent(self) -> int:
        return 100 if self.threshold <= 0 else min(100, int(self.value * 100 / self.threshold))


@dataclass(frozen=True)
class Milestone:
    """A threshold the item reached: "10 공감 달성 → 공개 (2019.09.12)"."""

    metric: str
    unit: str
    threshold: int
    goal: str
    reached: str


@dataclass(frozen=True)
class ProposalDetail:
    card: ProposalCard
    body: str
    hashtags: list[str]
    progress: Progress | None
    dday: Phrase
    milestones: list[Milestone] = field(default_factory=list)

    @classmethod
    def of(cls, doc: dict[str, Any], now: datetime) -> ProposalDetail:
        card = ProposalCard.of(doc)
        nt = doc.get("next_threshold")
        progress = None
        deadline = parse_time(doc.get("closes_at") or doc.get("deadline"))
        if isinstance(nt, dict) and _int(nt.get("threshold")) > 0:
            action = str(nt.get("action") or "")
            metric = str(nt.get("metric") or "supports")
            value = _int(nt.get("value")) if nt.get("value") is not None else card.support_count
            progress = Progress(
                goal=ACTION_LABELS.get(action, action),
                unit=METRIC_UNITS.get(metric, metric),
                value=value,
                threshold=_int(nt["threshold"]),
                metric=metric,
            )
            deadline = deadline or parse_time(nt.get("deadline") or nt.get("expires_at"))
        milestones = []
        for m in doc.get("milestones") or []:
            if isinstance(m, dict):
                action = str(m.get("action") or "")
                metric = str(m.get("metric") or "supports")
                milestones.append(
                    Milestone(
                        metric=metric,
                        unit=METRIC_UNITS.get(metric, ""),
                        threshold=_int(m.get("threshold")),
                        goal=ACTION_LABELS.get(action, action),
                        reached=fmt_date(m.get("reached_at")),
                    )
                )
        tags = [str(t) for t in doc.get("hashtags") or [] if t]
        return cls(
            card=card,
            body=str(doc.get("body") or ""),
            hashtags=tags,
            progress=progress,
            dday=dday(deadline, now),
            milestones=milestones,
        )


@dataclass(frozen=True)
class CaseView:
    department: str
    decision: str
    answer: str
    reason: str
    published: str
    due: str
    overdue: bool

    @classmethod
    def of(cls, doc: dict[str, Any], now: datetime) -> CaseView:
        due_at = parse_time(doc.get("due_at"))
        answer = str(doc.get("answer") or "")
        decision = str(doc.get("decision") or "")
        return cls(
            department=str(doc.get("department_name") or doc.get("department_id") or ""),
            decision=DECISION_LABELS.get(decision, decision),
            answer=answer,
            reason=str(doc.get("reason") or ""),
            published=fmt_date(doc.get("published_at")),
            due=fmt_date(due_at),
            overdue=bool(doc.get("overdue")) or bool(due_at and due_at < now and not answer),
        )


def items_of(payload: Any) -> list[dict[str, Any]]:
    """The list in a {items: [...]} reply (or a bare list)."""
    if isinstance(payload, dict):
        payload = payload.get("items")
    return [d for d in payload or [] if isinstance(d, dict)] if isinstance(payload, list) else []


@dataclass(frozen=True)
class NotificationView:
    id: str
    item_id: str
    title: str
    body: str
    at: str
    read: bool

    @classmethod
    def of(cls, doc: dict[str, Any]) -> NotificationView:
        return cls(
            id=str(doc.get("id") or ""),
            item_id=str(doc.get("item_id") or ""),
            title=str(doc.get("title") or ""),
            body=str(doc.get("body") or ""),
            at=fmt_time(doc.get("at")),
            read=bool(doc.get("read")),
        )
