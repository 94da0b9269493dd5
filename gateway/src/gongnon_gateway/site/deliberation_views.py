"""What the debate (시민토론) and consultation (서울시가 묻습니다) pages show, shaped from
proposal-svc's JSON. Pure functions over plain dicts, tolerant of missing optional fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gongnon_gateway.site.phrases import Label, Phrase
from gongnon_gateway.site.views import CLOSED, category_label, dday, fmt_date, parse_time

KINDS = {"debate": ("시민토론", "/debates"), "consultation": ("서울시가 묻습니다", "/consultations")}
VOTE_TYPES = {"choice": "찬반형", "discussion": "토론형", "research": "리서치형", "multi": "문답형"}
STATUSES = {"scheduled": "예정", "open": "진행중", "counting": "집계중", "closed": "결과공개"}

# Flash messages after voting: a fixed set of codes, never text from the query string.
VOTE_MESSAGES = {
    "voted": ("ok", "참여해 주셔서 감사합니다. 소중한 의견을 검토 후 결과를 공개하겠습니다."),
    "already": ("info", "이미 참여하셨습니다. 한 사람이 한 번만 투표할 수 있습니다."),
    "closed": ("error", "투표 기간이 아닙니다."),
    "invalid": ("error", "선택을 확인해 주세요."),
    "not_votable": ("error", "지금은 투표할 수 없는 항목입니다."),
    "vote_failed": ("error", "투표를 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."),
    "expired": ("error", "요청이 만료되었습니다. 다시 시도해 주세요."),
}


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def page_path(kind: str, item_id: str) -> str:
    return f"{KINDS.get(kind, KINDS['consultation'])[1]}/{item_id}"


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class QuestionView:
    id: str
    label: str
    options: list[Choice]


def _choices(raw: Any) -> list[Choice]:
    out = []
    for o in raw or []:
        if isinstance(o, Mapping) and o.get("id"):
            out.append(Choice(str(o["id"]), str(o.get("label") or o["id"])))
    return out


def _questions(raw: Any) -> list[QuestionView]:
    return [
        QuestionView(str(q["id"]), str(q.get("label") or q["id"]), _choices(q.get("options")))
        for q in raw or []
        if isinstance(q, Mapping) and q.get("id")
    ]


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: float

    @property
    def width(self) -> int:
        return max(0, min(100, round(self.percent)))


@dataclass(frozen=True)
class ResultView:
    total: int
    bars: list[Bar]
    questions: list[tuple[str, list[Bar]]]
    published: str

    @classmethod
    def of(cls, doc: Any) -> ResultView | None:
        if not isinstance(doc, Mapping) or not doc.get("published"):
            return None

        def bars(rows: Any) -> list[Bar]:
            return [
                Bar(str(r.get("label") or r.get("id") or ""), _int(r.get("count")), _float(r.get("percent")))
                for r in rows or []
                if isinstance(r, Mapping)
            ]

        return cls(
            total=_int(doc.get("total")),
            bars=bars(doc.get("options")),
            questions=[
                (str(q.get("label") or q.get("id") or ""), bars(q.get("options")))
                for q in doc.get("questions") or []
                if isinstance(q, Mapping)
            ],
            published=fmt_date(doc.get("published_at") or doc.get("closed_at")),
        )


@dataclass(frozen=True)
class DeliberationCard:
    id: str
    kind: str
    kind_label: str
    url: str
    title: str
    excerpt: str
    category: Label
    vote_type: str
    vote_type_label: str
    status: str
    status_label: str
    period: str
    dday: Phrase
    participants: int

    @classmethod
    def of(cls, doc: Mapping[str, Any], now: datetime) -> DeliberationCard:
        kind = str(doc.get("kind") or "consultation")
        vote_type = str(doc.get("vote_type") or "")
        status = str(doc.get("status") or "")
        item_id = str(doc.get("id") or "")
        closes = parse_time(doc.get("closes_at"))
        return cls(
            id=item_id,
            kind=kind,
            kind_label=KINDS.get(kind, (kind, ""))[0],
            url=page_path(kind, item_id),
            title=str(doc.get("title") or ""),
            excerpt=str(doc.get("excerpt") or ""),
            category=category_label(doc.get("category")),
            vote_type=vote_type,
            vote_type_label=VOTE_TYPES.get(vote_type, vote_type),
            status=status,
            status_label=STATUSES.get(status, status),
            period=f"{fmt_date(doc.get('opens_at'))} ~ {fmt_date(doc.get('closes_at'))}",
            dday=dday(closes, now) if status in ("open", "scheduled") else Phrase(CLOSED),
            participants=_int(doc.get("participants")),
        )


@dataclass(frozen=True)
class DeliberationPage:
    card: DeliberationCard
    body: str
    options: list[Choice]
    questions: list[QuestionView]
    max_choices: int
    answer_due_days: int
    source_item_id: str
    result: ResultView | None = None

    @property
    def is_open(self) -> bool:
        return self.card.status == "open"

    @classmethod
    def of(cls, doc: Mapping[str, Any], now: datetime) -> DeliberationPage:
        ballot = doc.get("ballot") if isinstance(doc.get("ballot"), Mapping) else {}
        assert isinstance(ballot, Mapping)
        return cls(
            card=DeliberationCard.of(doc, now),
            body=str(doc.get("body") or ""),
            options=_choices(ballot.get("options")),
            questions=_questions(ballot.get("questions")),
            max_choices=max(1, _int(ballot.get("max_choices")) or 1),
            answer_due_days=_int(doc.get("answer_due_days")),
            source_item_id=str(doc.get("source_item_id") or ""),
            result=ResultView.of(doc.get("results")),
        )


def choices_from_form(vote_type: str, form: Mapping[str, Sequence[str]]) -> list[str]:
    """The vote's choices from the page's form: `choice` fields (radio or checkboxes) and, for
    research, one `q_<question>` radio per question (sent as "question:option")."""
    if vote_type == "discussion":
        return []
    if vote_type == "research":
        return [f"{name[2:]}:{values[0]}" for name, values in form.items() if name.startswith("q_") and values]
    return [v for v in form.get("choice", []) if v]
