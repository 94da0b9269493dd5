"""What a notification says: the template and its parameters (so e-mail and SMS can be written
in the recipient's language when sent), and the Korean title and body the inbox shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from gongnon_contracts.events.common import Metric, RuleAction
from notify_svc.domain.templates import EXCERPT_CHARS, KST, render

__all__ = ["EXCERPT_CHARS", "KST", "Message", "answer_published", "case_opened", "compose", "milestone_reached"]


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    # The template and its parameters ("" and (): a message stored before templates existed,
    # which e-mail then sends as it is, in Korean).
    template: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def param_dict(self) -> dict[str, str]:
        return dict(self.params)


def compose(template: str, params: Mapping[str, str | int | datetime | None]) -> Message:
    """The message of this template: parameters kept as strings, Korean text rendered now."""
    flat = {k: _text(v) for k, v in params.items()}
    ko = render(template, flat, "ko")
    return Message(ko.title, ko.body, template, tuple(sorted(flat.items())))


def _text(v: str | int | datetime | None) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.isoformat()
    return str(v)


def milestone_reached(
    *, title: str | None, metric: Metric, threshold: int, value: int, action: RuleAction, due_days: int | None
) -> Message:
    return compose(
        "milestone",
        {
            "title": title,
            "metric": metric.value,
            "threshold": threshold,
            "value": value,
            "action": action.value,
            "due_days": due_days or None,
        },
    )


def case_opened(*, title: str | None, department_name: str, due_at: datetime) -> Message:
    return compose("case_opened", {"title": title, "department_name": department_name, "due_at": due_at})


def answer_published(
    *, title: str | None, department_name: str, decision: str, reason: str | None, answer: str
) -> Message:
    return compose(
        "answer_published",
        {"title": title, "department_name": department_name, "decision": decision, "reason": reason, "answer": answer},
    )
