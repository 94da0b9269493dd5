"""Response models of the routes that pass a service's answer on unchanged: they describe, in the
OpenAPI document, what proposal-svc, voting-svc, review-svc and notify-svc send (their views are
the reference: proposal_svc/entrypoints/views.py, community_views.py, deliberation_views.py,
voting_svc/entrypoints/views.py, review_svc/entrypoints/views.py, notify_svc/webhooks/…).

The gateway does not re-serialise these answers (the routes return the service's bytes), so the
models document and nothing is dropped; each allows extra fields, so a field a service adds is
still a valid answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gongnon_contracts.public_events import PublicEvent


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="allow", json_schema_extra={"examples": [example]})


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# An event stream's `schema` describes one event (OpenAPI 3.1 has no `itemSchema` yet; this is how
# tools read it): its `event:`, `id:`, `data:` and `retry:` lines.
EVENT_STREAM = {
    200: {
        "description": "Server-sent events (`text/event-stream`)",
        "content": {
            "text/event-stream": {
                "schema": {
                    "type": "object",
                    "description": "One event",
                    "required": ["data"],
                    "properties": {
                        "event": {"type": "string", "description": "The event's type; `error` ends the stream"},
                        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "Its seq: resume after it"},
                        "data": {"type": "string", "contentMediaType": "application/json", "description": "JSON"},
                        "retry": {"type": "integer", "minimum": 0, "description": "Reconnect after (ms)"},
                    },
                }
            }
        },
    }
}

# --- proposals ----------------------------------------------------------------------------------

_CARD = {
    "id": "p_01J8Z6",
    "agency": "seoul",
    "title": "한강공원에 그늘막을 늘려 주세요",
    "excerpt": "여름철 한강공원에는 그늘이 부족해…",
    "category": "environment",
    "category_label": {"key": "environment", "ko": "환경", "en": "Environment"},
    "district": "mapo",
    "district_label": {"key": "mapo", "ko": "마포구", "en": "Mapo-gu"},
    "hashtags": ["한강", "폭염"],
    "stage": "open",
    "stage_label": {"key": "open", "ko": "공감 중", "en": "Collecting support"},
    "support_count": 57,
    "listed": True,
    "created_at": "2026-05-04T09:00:00Z",
    "closes_at": "2026-06-03T09:00:00Z",
    "closed_at": None,
    "days_left": 30,
}


class Label(_Out):
    key: str
    ko: str | None = None
    en: str | None = None


class ProposalCardOut(_Out):
    """A proposal in a list."""

    model_config = _example(_CARD)

    id: str
    agency: str
    title: str
    excerpt: str
    category: str
    category_label: Label | None = None
    district: str | None = None
    district_label: Label | None = None
    hashtags: list[str] = Field(default_factory=list)
    stage: str
    stage_label: Label | None = None
    support_count: int
    listed: bool
    created_at: datetime
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    days_left: int | None = None
    status: str | None = Field(None, description="Admin tabs only: public, private, vote_failed, trash, hidden…")
    author_name: str | None = Field(None, description="Admin tabs only")
    cases: list[dict[str, Any]] | None = Field(None, description="Admin tabs only: the review cases, as on the item")


class ProposalPageOut(_Out):
    model_config = _example({"items": [_CARD], "next_cursor": None})

    items: list[ProposalCardOut]
    next_cursor: str | None = Field(None, description="Send back as `cursor` for the next page; null: the last")


class ProposalOut(ProposalCardOut):
    """The item page: the card, its text, the rules it runs under, how far it got, and (for its
    author and moderators) why it is not public."""

    model_config = _example(
        {
            **_CARD,
            "body": "여름철 한강공원에는 그늘이 부족해 시민들이 불편을 겪고 있습니다.",
            "author": {"account_id": "acc_01J8Z5", "name": "시민", "role": "citizen"},
            "rule_set_id": "democracy-seoul-2020",
            "rule_set_version": 1,
            "next_threshold": {"metric": "supports", "threshold": 100, "action": "department_answer", "value": 57},
            "milestones": [{"rule_id": "public", "action": "make_public", "at": "2026-05-05T10:00:00Z"}],
            "cases": [],
            "status": "public",
            "viewer": {"is_author": False, "is_moderator": False, "can_edit": False, "can_withdraw": False},
        }
    )

    body: str
    author: dict[str, Any] | None = Field(None, description="{account_id, name, role}")
    debate_participants: int | None = None
    rule_set_id: str | None = None
    rule_set_version: int | None = None
    rule_set_name: str | None = None
    next_threshold: dict[str, Any] | None = Field(None, description="{metric, threshold, action, value}")
    milestones: list[dict[str, Any]] = Field(default_factory=list)
    expired_rule_ids: list[str] = Field(default_factory=list)
    cases: list[dict[str, Any]] = Field(
        default_factory=list, description="[{case_id, status, department_id, department_name, due_at, decision}]"
    )
    status: str | None = Field(None, description="public, withdrawn; hidden / private / trash to author and moderators")
    withdrawn_at: datetime | None = None
    edited_at: datetime | None = None
    viewer: dict[str, Any] | None = Field(None, description="{is_author, is_moderator, can_edit, can_withdraw}")
    decision_vote: dict[str, Any] | None = Field(
        None,
        description=(
            "결정: {item_id, status: open|decided, budget_krw, quorum, opens_at, closes_at;"
            " at the close yes, no, turnout, passed}"
        ),
    )


class TimelineEntryOut(_Out):
    at: datetime
    kind: str
    actor_role: str | None = None
    summary: str
    data: dict[str, Any] | None = None


class TimelineOut(_Out):
    model_config = _example(
        {
            "items": [
                {
                    "at": "2026-05-04T09:00:00Z",
                    "kind": "submitted",
                    "actor_role": "citizen",
                    "summary": "제안 등록",
                    "data": {},
                }
            ]
        }
    )

    items: list[TimelineEntryOut]


class MetaOut(_Out):
    model_config = _example(
        {
            "categories": [{"key": "welfare", "ko": "복지", "en": "Welfare"}],
            "districts": [{"key": "jongno", "ko": "종로구", "en": "Jongno-gu"}],
            "stages": [{"key": "open", "ko": "공감 중", "en": "Collecting support"}],
            "presets": [{"id": "democracy-seoul-2020", "name": "민주주의 서울 2020", "version": 1, "description": ""}],
            "default_preset": "democracy-seoul-2020",
        }
    )

    categories: list[dict[str, Any]] = Field(description="정책분류: {key, ko, en}")
    districts: list[dict[str, Any]] = Field(description="The 25 자치구: {key, ko, en}")
    stages: list[dict[str, Any]]
    presets: list[dict[str, Any]] = Field(description="{id, name, version, description}")
    default_preset: str


class RuleSetOut(_Out):
    model_config = _example(
        {
            "id": "rs_gangnam_3",
            "agency": "gangnam",
            "name": "oasis",
            "version": 3,
            "census": None,
            "close_after_days": 30,
            "rules": [
                {
                    "id": "answer",
                    "metric": "supports",
                    "threshold": 50,
                    "window_days": 30,
                    "action": "department_answer",
                    "due_days": 20,
                    "label": "부서 답변",
                    "effective_threshold": 50,
                }
            ],
            "decision_vote": None,
        }
    )

    id: str
    agency: str | None = None
    name: str
    version: int
    census: int | None = None
    close_after_days: int | None = None
    support_window_days: int | None = None
    description: str | None = None
    source: str | None = None
    rules: list[dict[str, Any]] = Field(
        description="[{id, metric, threshold | threshold_ratio, window_days, action, due_days, label, "
        "effective_threshold}]"
    )
    decision_vote: dict[str, Any] | None = None


class RuleSetVersionOut(_Out):
    version: int
    preset: str | None = None
    census: int | None = None
    rule_set: dict[str, Any] | None = Field(None, description="The agency's own rules in full, when not a preset")
    at: datetime


class RuleSetVersionsOut(_Out):
    model_config = _example(
        {"items": [{"version": 2, "preset": "oasis", "census": None, "rule_set": None, "at": "2026-05-04T09:00:00Z"}]}
    )

    items: list[RuleSetVersionOut] = Field(description="Newest first")


# --- review -------------------------------------------------------------------------------------

_DEPARTMENT = {
    "id": "dept-welfare",
    "agency": "seoul",
    "name": "복지정책과",
    "unit": "",
    "kind": "department",
    "categories": ["welfare"],
    "parent_id": "dept-welfare-hq",
    "archived": False,
}


class DepartmentOut(_Out):
    model_config = _example(_DEPARTMENT)

    id: str
    agency: str
    name: str
    unit: str = ""
    kind: str = Field(description="department, or head (기관장)")
    categories: list[str] = Field(default_factory=list)
    parent_id: str | None = None
    archived: bool = False


class DepartmentListOut(_Out):
    model_config = _example({"items": [_DEPARTMENT]})

    items: list[DepartmentOut]


class CategoryMapOut(_Out):
    model_config = _example(
        {"agency": "gangnam", "map": {"culture": "dept-gn-culture"}, "default_department_id": None, "version": 2}
    )

    agency: str
    map: dict[str, str] = Field(description="정책분류 key → department id")
    default_department_id: str | None = None
    version: int


class PublicCaseOut(_Out):
    """A review case as anyone sees it: the answer only once an operator approved it."""

    id: str
    item_id: str
    department_id: str | None = None
    department_name: str | None = None
    status: str = Field(description="in_review, or answered once published")
    opened_at: datetime
    due_at: datetime | None = None
    overdue: bool = False
    decision: str | None = Field(None, description="accept 수용, partial 부분수용, reject 불수용")
    decision_label: str | None = None
    answer: str | None = None
    reason: str | None = None
    published_at: datetime | None = None


class PublicCaseListOut(_Out):
    model_config = _example(
        {
            "items": [
                {
                    "id": "case_1",
                    "item_id": "p_01J8Z6",
                    "department_id": "dept-welfare",
                    "department_name": "복지정책과",
                    "status": "answered",
                    "opened_at": "2026-05-06T00:00:00Z",
                    "due_at": "2026-05-26T00:00:00Z",
                    "overdue": False,
                    "decision": "partial",
                    "decision_label": "부분수용",
                    "answer": "…",
                    "reason": "…",
                    "published_at": "2026-05-20T00:00:00Z",
                }
            ]
        }
    )

    items: list[PublicCaseOut]


_CASE = {
    "id": "case_1",
    "agency": "seoul",
    "item_id": "p_01J8Z6",
    "item_title": "한강공원에 그늘막을 늘려 주세요",
    "category": "environment",
    "action": "department_answer",
    "status": "awaiting_approval",
    "department_id": "dept-env",
    "department_name": "환경정책과",
    "opened_at": "2026-05-06T00:00:00Z",
    "due_at": "2026-05-26T00:00:00Z",
    "overdue": False,
    "answer": {
        "decision": "accept",
        "decision_label": "수용",
        "answer": "…",
        "reason": None,
        "officer_account": "acc_officer",
        "submitted_at": "2026-05-10T00:00:00Z",
    },
    "timeline": [],
    "version": 3,
}


class CaseOut(_Out):
    """A review case as staff see it: the department's answer before it is public, the timeline."""

    model_config = _example(_CASE)

    id: str
    agency: str
    item_id: str
    item_title: str | None = None
    category: str | None = None
    rule_id: str | None = None
    rule_set_id: str | None = None
    action: str
    trigger: Any = None
    status: str = Field(description="open, awaiting_approval, returned, published, …")
    department_id: str | None = None
    department_name: str | None = None
    opened_at: datetime
    due_at: datetime | None = None
    overdue: bool = False
    overdue_at: datetime | None = None
    reminders: list[dict[str, Any]] = Field(default_factory=list)
    reassign_reason: str | None = None
    answer: dict[str, Any] | None = Field(
        None, description="{decision, decision_label, answer, reason, officer_account, submitted_at}"
    )
    approved_by: str | None = None
    published_at: datetime | None = None
    timeline: list[dict[str, Any]] = Field(default_factory=list)
    version: int


class CasePageOut(_Out):
    model_config = _example({"items": [_CASE], "next_cursor": None})

    items: list[CaseOut]
    next_cursor: str | None = None


# --- votes --------------------------------------------------------------------------------------


class SupportOut(_Out):
    model_config = _example({"item_id": "p_01J8Z6", "counted": True, "total": 58})

    item_id: str
    counted: bool
    total: int | None = Field(None, description="The live count after this support")


class VoteOut(_Out):
    model_config = _example({"item_id": "d_01J9", "kind": "choice", "counted": True, "total": 812})

    item_id: str
    kind: str
    counted: bool
    total: int | None = None


class TallyOut(_Out):
    model_config = _example(
        {
            "item_id": "p_01J8Z6",
            "kind": "support",
            "status": "open",
            "total": 57,
            "counts": {"support": 57},
            "seq": 12,
            "as_of": "2026-05-05T10:00:00Z",
            "live_total": 58,
        }
    )

    item_id: str
    kind: str
    status: str | None = None
    total: int
    counts: dict[str, int]
    seq: int | None = None
    as_of: datetime | None = None
    live_total: int | None = Field(None, description="Redis's count, ahead of the ledger by what it has not written")
    decision: dict[str, Any] | None = Field(None, description="Decision votes: {quorum, turnout, yes, no, passed, …}")


class BallotOut(_Out):
    model_config = _example(
        {
            "item_id": "d_01J9",
            "kind": "choice",
            "agency": "seoul",
            "status": "open",
            "options": [{"id": "yes", "label": "찬성"}, {"id": "no", "label": "반대"}],
            "questions": [],
            "max_choices": 1,
            "budget_krw": None,
            "opens_at": "2026-05-04T00:00:00Z",
            "closes_at": "2026-06-03T00:00:00Z",
        }
    )

    item_id: str
    kind: str
    agency: str | None = None
    status: str
    options: list[dict[str, Any]] = Field(default_factory=list, description="[{id, label}]")
    questions: list[dict[str, Any]] = Field(default_factory=list, description="[{id, label, options}]")
    max_choices: int | None = None
    budget_krw: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    quorum: int | None = Field(None, description="Decision votes: the turnout needed, fixed when the vote opened")
    source_item_id: str | None = Field(None, description="Decision votes: the item decided on")


class OfflineImportOut(_Out):
    model_config = _example(
        {
            "import_id": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "item_id": "d_01J9",
            "kind": "choice",
            "source_name": "종로구청.csv",
            "status": "completed",
            "replayed": False,
            "lines": 120,
            "accepted": 117,
            "rejected": 3,
            "reasons": {"already_voted_online": 2, "unknown_choice": 1},
            "rejects": [{"line": 7, "reason": "already_voted_online", "message": "이미 온라인으로 투표함"}],
            "imported_at": "2026-05-20T00:00:00Z",
            "imported_by": "acc_operator",
        }
    )

    import_id: str
    item_id: str
    kind: str | None = None
    source_name: str = ""
    status: str
    replayed: bool
    lines: int
    accepted: int
    rejected: int
    reasons: dict[str, int] = Field(default_factory=dict)
    rejects: list[dict[str, Any]] = Field(default_factory=list, description="[{line, reason, message}]")
    imported_at: datetime | None = None
    imported_by: str | None = None


# --- debates and consultations ------------------------------------------------------------------

_DELIBERATION = {
    "id": "d_01J9",
    "kind": "consultation",
    "kind_label": "서울시가 묻습니다",
    "agency": "seoul",
    "title": "따릉이 요금 인상, 어떻게 생각하세요?",
    "excerpt": "…",
    "category": "transport",
    "category_label": {"key": "transport", "ko": "교통"},
    "department_id": "dept-transport",
    "vote_type": "choice",
    "vote_type_label": "찬반형",
    "status": "open",
    "status_label": "진행 중",
    "opens_at": "2026-05-04T00:00:00Z",
    "closes_at": "2026-06-03T00:00:00Z",
    "days_left": 30,
    "participants": 812,
    "source_item_id": None,
    "created_at": "2026-05-04T00:00:00Z",
}


class DeliberationCardOut(_Out):
    model_config = _example(_DELIBERATION)

    id: str
    kind: str = Field(description="debate (시민토론) or consultation (서울시가 묻습니다)")
    kind_label: str | None = None
    agency: str
    title: str
    excerpt: str | None = None
    category: str
    category_label: dict[str, Any] | None = None
    department_id: str | None = None
    vote_type: str
    vote_type_label: str | None = None
    status: str
    status_label: str | None = None
    opens_at: datetime
    closes_at: datetime
    days_left: int | None = None
    participants: int = 0
    source_item_id: str | None = None
    created_at: datetime


class DeliberationPageOut(_Out):
    model_config = _example({"items": [_DELIBERATION], "next_cursor": None})

    items: list[DeliberationCardOut]
    next_cursor: str | None = None


class ResultsOut(_Out):
    model_config = _example(
        {
            "item_id": "d_01J9",
            "kind": "consultation",
            "vote_type": "choice",
            "status": "closed",
            "published": True,
            "closes_at": "2026-06-03T00:00:00Z",
            "closed_at": "2026-06-03T00:00:01Z",
            "published_at": "2026-06-03T00:00:02Z",
            "total": 812,
            "options": [{"id": "yes", "label": "찬성", "count": 500, "percent": 61.6}],
            "questions": [],
        }
    )

    item_id: str
    kind: str
    vote_type: str
    status: str
    published: bool = Field(description="false until the period ended and voting-svc counted it")
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    published_at: datetime | None = None
    total: int | None = None
    options: list[dict[str, Any]] = Field(default_factory=list, description="[{id, label, count, percent}]")
    questions: list[dict[str, Any]] = Field(default_factory=list)


class DeliberationOut(DeliberationCardOut):
    model_config = _example(
        {
            **_DELIBERATION,
            "body": "…",
            "ballot": {"vote_type": "choice", "options": [{"id": "yes", "label": "찬성"}]},
            "answer_due_days": 60,
            "created_by": "acc_operator",
            "results": {"published": False},
            "cases": [],
        }
    )

    body: str
    ballot: dict[str, Any] = Field(description="{vote_type, vote_type_label, options, questions, max_choices}")
    answer_due_days: int | None = None
    created_by: str | None = None
    results: ResultsOut | dict[str, Any] | None = None
    cases: list[dict[str, Any]] = Field(default_factory=list)


# --- community and moderation -------------------------------------------------------------------

_COMMENT: dict[str, Any] = {
    "id": "c_01J9",
    "item_id": "p_01J8Z6",
    "parent_id": None,
    "reply_to": None,
    "created_at": "2026-05-05T00:00:00Z",
    "hidden": False,
    "placeholder": None,
    "body": "좋은 제안입니다",
    "author": {"name": "시민", "role": "citizen"},
    "mine": False,
    "replies": [],
}


class CommentOut(_Out):
    """A comment; a hidden one is a placeholder (its text only to its author and moderators)."""

    model_config = _example(_COMMENT)

    id: str
    item_id: str
    parent_id: str | None = None
    reply_to: str | None = None
    created_at: datetime
    hidden: bool
    placeholder: str | None = None
    body: str | None = None
    author: dict[str, Any] | None = Field(None, description="{name, role}")
    mine: bool = False
    moderation: dict[str, Any] | None = None
    replies: list[CommentOut] | None = None


class CommentPageOut(_Out):
    model_config = _example({"items": [_COMMENT], "next_cursor": None})

    items: list[CommentOut] = Field(description="Top-level comments, each with its replies")
    next_cursor: str | None = None


class FollowOut(_Out):
    model_config = _example({"item_id": "p_01J8Z6", "following": True})

    item_id: str
    following: bool


class FlagOut(_Out):
    model_config = _example(
        {"target_type": "comment", "target_id": "c_01J9", "flagged": True, "flag_count": 3, "queued": True}
    )

    target_type: str
    target_id: str
    flagged: bool
    flag_count: int
    queued: bool = Field(description="Whether it is in the moderation queue now")


class QueueEntryOut(_Out):
    target_type: str
    target_id: str
    item_id: str
    opened_at: datetime | None = None
    flag_count: int = 0
    pending_flags: int = 0
    flag_reasons: dict[str, int] = Field(default_factory=dict)
    suspicion: list[str] = Field(default_factory=list)
    target: dict[str, Any] | None = Field(None, description="What the operator judges: title, body, author_name, …")


class ModerationQueueOut(_Out):
    model_config = _example(
        {
            "items": [
                {
                    "target_type": "comment",
                    "target_id": "c_01J9",
                    "item_id": "p_01J8Z6",
                    "flag_count": 3,
                    "pending_flags": 3,
                    "flag_reasons": {"abuse": 3},
                    "suspicion": [],
                    "target": {"body": "…", "author_name": "시민", "state": "visible"},
                }
            ]
        }
    )

    items: list[QueueEntryOut]


class ModerationActOut(_Out):
    model_config = _example(
        {
            "target_type": "comment",
            "target_id": "c_01J9",
            "item_id": "p_01J8Z6",
            "action": "hide",
            "reason": "욕설",
            "from_state": "visible",
            "state": "hidden",
            "audit_id": "aud_01J9",
        }
    )

    target_type: str
    target_id: str
    item_id: str
    action: str
    reason: str
    from_state: str
    state: str
    audit_id: str


class AuditEntryOut(_Out):
    id: str
    target_type: str
    target_id: str
    item_id: str | None = None
    action: str
    reason: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    actor_account: str | None = None
    actor_role: str | None = None
    actor_name: str | None = None
    at: datetime


class AuditOut(_Out):
    model_config = _example(
        {
            "items": [
                {
                    "id": "aud_01J9",
                    "target_type": "comment",
                    "target_id": "c_01J9",
                    "item_id": "p_01J8Z6",
                    "action": "hide",
                    "reason": "욕설",
                    "from_state": "visible",
                    "to_state": "hidden",
                    "actor_account": "acc_operator",
                    "actor_role": "operator",
                    "actor_name": "운영자",
                    "at": "2026-05-06T00:00:00Z",
                }
            ]
        }
    )

    items: list[AuditEntryOut] = Field(description="Oldest first")


class SimilarHintOut(_Out):
    id: str
    title: str
    score: float = Field(description="0 … 1: 0.8 meaning + 0.2 shared nouns and verbs")
    support_count: int
    stage: str


class SimilarOut(_Out):
    model_config = _example(
        {
            "items": [
                {"id": "p_01J8Z6", "title": "한강공원 그늘막 설치", "score": 0.91, "support_count": 57, "stage": "open"}
            ]
        }
    )

    items: list[SimilarHintOut] = Field(description="Up to five, most similar first")


class InboxItemOut(_Out):
    id: str
    item_id: str
    kind: str
    title: str
    body: str
    at: datetime
    read: bool


class InboxOut(_Out):
    model_config = _example(
        {
            "items": [
                {
                    "id": "n_01J9",
                    "item_id": "p_01J8Z6",
                    "kind": "milestone",
                    "title": "공감 50개 달성",
                    "body": "…",
                    "at": "2026-05-06T00:00:00Z",
                    "read": False,
                }
            ],
            "unread": 1,
        }
    )

    items: list[InboxItemOut] = Field(description="Newest first")
    unread: int


class ReadOut(_Out):
    model_config = _example({"id": "n_01J9", "read": True, "unread": 0})

    id: str
    read: bool
    unread: int


# --- federation: webhook subscriptions and the feed ---------------------------------------------

_SUBSCRIPTION = {
    "id": "sub_01J9",
    "agency": "gangnam",
    "url": "https://hooks.gangnam.example.kr/gongnon",
    "types": ["item.submitted", "review.answer_published"],
    "scope": "own",
    "description": "민원 시스템",
    "status": "active",
    "created_at": "2026-05-04T00:00:00Z",
    "cursor": 1520,
}


class SubscriptionOut(_Out):
    """A webhook subscription (never its secret)."""

    model_config = _example(_SUBSCRIPTION)

    id: str
    agency: str
    url: str
    types: list[str] = Field(description="Public event types; empty: all")
    scope: str = Field(description="own: the agency's items; all: every public item")
    description: str = ""
    status: str
    created_at: datetime
    cursor: int = Field(description="The seq of the last event delivered")


class SubscriptionCreatedOut(SubscriptionOut):
    model_config = _example({**_SUBSCRIPTION, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})

    secret: str = Field(description="The signing secret (whsec_…), shown only here")


class SubscriptionListOut(_Out):
    model_config = _example({"items": [_SUBSCRIPTION]})

    items: list[SubscriptionOut]


class SubscriptionDeletedOut(_Out):
    model_config = _example({"id": "sub_01J9", "status": "deleted"})

    id: str
    status: str


class ReplayOut(SubscriptionOut):
    model_config = _example({**_SUBSCRIPTION, "replay_from_seq": 1200})

    replay_from_seq: int


_DELIVERY = {
    "id": "dlv_1521",
    "seq": 1521,
    "event_id": "pe_01J9",
    "type": "item.submitted",
    "item_id": "p_01J8Z6",
    "status": "delivered",
    "attempts": 1,
    "status_code": 200,
    "latency_ms": 42,
    "error": None,
    "at": "2026-05-04T00:00:01Z",
}


class DeliveryOut(_Out):
    model_config = _example(_DELIVERY)

    id: str = Field(description="dlv_<seq>")
    seq: int
    event_id: str
    type: str
    item_id: str
    status: str = Field(description="delivered, failed, dead, …")
    attempts: int
    status_code: int | None = None
    latency_ms: int | float | None = None
    error: str | None = None
    at: datetime


class DeliveryPageOut(_Out):
    model_config = _example({"items": [_DELIVERY], "next_cursor": None})

    items: list[DeliveryOut] = Field(description="Newest first")
    next_cursor: str | None = None


class FeedPageOut(_Out):
    model_config = _example(
        {
            "items": [
                {
                    "id": "pe_01J9",
                    "type": "item.submitted",
                    "version": 1,
                    "seq": 1521,
                    "time": "2026-05-04T00:00:00Z",
                    "recorded_at": "2026-05-04T00:00:00Z",
                    "agency": "gangnam",
                    "item_id": "p_01J8Z6",
                    "data": {"title": "…"},
                }
            ],
            "next_cursor": "1521",
            "head": 1521,
            "has_more": False,
        }
    )

    items: list[PublicEvent]
    next_cursor: str = Field(description="The seq to send as `cursor` next")
    head: int = Field(description="The newest seq there is")
    has_more: bool


class ReconcileOut(_Out):
    """What a recount from the ledger found and repaired."""

    model_config = _example({"checked": 1, "tallies_repaired": ["pr_01J9Z"], "live_repaired": [], "busy": []})

    checked: int = Field(description="Items recounted")
    tallies_repaired: list[str] = Field(description="Items whose tally (and public count) was corrected")
    live_repaired: list[str] = Field(description="Items whose live counter was corrected")
    busy: list[str] = Field(description="Items that kept receiving votes during the recount: run it again")


class DepartmentStatsRowOut(_Out):
    department_id: str
    department_name: str
    cases: int = Field(description="Cases the department holds that opened in the period")
    answered: int = Field(description="Answers published (after the operator's approval)")
    answered_on_time: int = Field(description="Published answers the department submitted by the due date")
    on_time_pct: float | None = Field(description="answered_on_time / answered × 100; null: nothing answered")
    median_days_to_answer: float | None = Field(description="From the case opening to the department's answer")
    open_now: int = Field(description="Not yet published")
    overdue_now: int = Field(description="Past the due date with no answer from the department")


class DepartmentStatsOut(_Out):
    """부서별 답변 현황: departments accountable in public."""

    model_config = _example(
        {
            "agency": "seoul",
            "since": "2026-01-01T00:00:00Z",
            "until": "2027-01-01T00:00:00Z",
            "as_of": "2026-12-05T09:00:00Z",
            "items": [
                {
                    "department_id": "dept-welfare",
                    "department_name": "복지정책과",
                    "cases": 12,
                    "answered": 9,
                    "answered_on_time": 8,
                    "on_time_pct": 88.9,
                    "median_days_to_answer": 11.5,
                    "open_now": 3,
                    "overdue_now": 1,
                }
            ],
        }
    )

    agency: str
    since: datetime | None
    until: datetime | None
    as_of: datetime
    items: list[DepartmentStatsRowOut]
