"""What each notification says, in Korean and English: one template per kind, rendered from plain
string parameters (kept with the notification, so an e-mail is written in the recipient's
language when it is sent, not when the news arrived). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from gongnon_contracts.reference import KST

LANGUAGES = ("ko", "en")
EXCERPT_CHARS = 300
SMS_CHARS = 70  # one Korean SMS segment (EUC-KR, 140 bytes)

Params = Mapping[str, str]

DECISION_KO = {"accept": "수용", "partial": "부분수용", "reject": "불수용"}
DECISION_EN = {"accept": "accepted", "partial": "partly accepted", "reject": "not accepted"}
REMINDER_KO = {"d-3": "D-3", "d-day": "D-day"}

# -- Korean phrasing (the texts the inbox has always shown) ---------------------------------------

_OUTCOMES_KO = {
    "department_answer": "부서 검토에 들어갑니다",
    "head_answer": "시장이 직접 답변합니다",
    "debate_candidate": "시민토론 후보가 되었습니다",
    "make_public": "공개되었습니다",
    "open_decision_vote": "결정 투표가 열립니다",
    "close": "마감되었습니다",
}
_OUTCOMES_EN = {
    "department_answer": "goes to department review",
    "head_answer": "will be answered by the mayor",
    "debate_candidate": "is now a candidate for a public debate",
    "make_public": "is now public",
    "open_decision_vote": "goes to a decision vote",
    "close": "is closed",
}


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(KST)


def date_ko(iso: str) -> str:
    d = _when(iso)
    return f"{d.year}년 {d.month}월 {d.day}일"


def datetime_ko(iso: str) -> str:
    d = _when(iso)
    return f"{d.year}년 {d.month}월 {d.day}일 {d.hour:02d}:{d.minute:02d}"


def date_en(iso: str) -> str:
    d = _when(iso)
    return f"{d.day} {d.strftime('%B')} {d.year}"


def datetime_en(iso: str) -> str:
    d = _when(iso)
    return f"{d.day} {d.strftime('%B')} {d.year}, {d.hour:02d}:{d.minute:02d} KST"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _proposal_ko(p: Params) -> str:
    return f"‘{p['title']}’ 제안" if p.get("title") else "제안"


def _proposal_en(p: Params) -> str:
    return f"the proposal “{p['title']}”" if p.get("title") else "the proposal"


def _int(p: Params, key: str) -> int:
    return int(p.get(key) or 0)


# -- one function per kind and language -----------------------------------------------------------


def _milestone_ko(p: Params) -> Rendered:
    n, value, supports = _int(p, "threshold"), _int(p, "value"), p.get("metric") == "supports"
    reached = f"공감 {n:,}개를" if supports else f"토론 참여 {n:,}명을"
    so_far = f"공감이 {value:,}개 모였습니다" if supports else f"토론에 {value:,}명이 참여했습니다"
    due = p.get("due_days") or ""
    within = f"{due}일 안에 " if due else ""
    action = p.get("action", "")
    step = {
        "department_answer": f"담당 부서가 {within}답변합니다.",
        "head_answer": f"시장이 {within}직접 답변합니다.",
        "debate_candidate": "시민토론 후보로 검토됩니다.",
        "make_public": "이제 모두가 볼 수 있습니다.",
        "open_decision_vote": "결정 투표에 참여해 주세요.",
        "close": "제안 절차가 마감되었습니다.",
    }.get(action, "")
    return Rendered(
        f"제안이 {reached} 넘어 {_OUTCOMES_KO.get(action, action)}", f"{_proposal_ko(p)}에 {so_far}. {step}"
    )


def _milestone_en(p: Params) -> Rendered:
    n, value, supports = _int(p, "threshold"), _int(p, "value"), p.get("metric") == "supports"
    reached = f"{n:,} supports" if supports else f"{n:,} debate participants"
    so_far = f"{value:,} people support it" if supports else f"{value:,} people took part in its debate"
    due = p.get("due_days") or ""
    within = f" within {due} days" if due else ""
    action = p.get("action", "")
    step = {
        "department_answer": f"The responsible department answers{within}.",
        "head_answer": f"The mayor answers in person{within}.",
        "debate_candidate": "It will be considered for a public debate.",
        "make_public": "Everyone can now see it.",
        "open_decision_vote": "Please take part in the decision vote.",
        "close": "The proposal's process has ended.",
    }.get(action, "")
    return Rendered(
        f"A proposal passed {reached} and {_OUTCOMES_EN.get(action, action)}",
        f"{_proposal_en(p)[0].upper()}{_proposal_en(p)[1:]}: {so_far}. {step}",
    )


def _case_opened_ko(p: Params) -> Rendered:
    dept = p["department_name"]
    return Rendered(
        f"{dept}에서 제안을 검토합니다",
        f"{_proposal_ko(p)}을 {dept}에서 검토합니다. 답변 기한은 {date_ko(p['due_at'])}입니다.",
    )


def _case_opened_en(p: Params) -> Rendered:
    dept = p["department_name"]
    return Rendered(
        f"{dept} is reviewing the proposal",
        f"{dept} is reviewing {_proposal_en(p)}. Its answer is due by {date_en(p['due_at'])}.",
    )


def _answer_published_ko(p: Params) -> Rendered:
    label = DECISION_KO.get(p["decision"], p["decision"])
    body = f"{p['department_name']}에서 {_proposal_ko(p)}에 ‘{label}’ 답변을 했습니다."
    if p.get("reason"):
        body += f" 사유: {p['reason'].strip()}"
    body += f"\n\n{excerpt(p.get('answer', ''))}"
    return Rendered(f"부서 답변이 공개되었습니다 ({label})", body)


def _answer_published_en(p: Params) -> Rendered:
    label = DECISION_EN.get(p["decision"], p["decision"])
    body = f"{p['department_name']} answered {_proposal_en(p)}: {label}."
    if p.get("reason"):
        body += f" Reason: {p['reason'].strip()}"
    body += f"\n\n{excerpt(p.get('answer', ''))}"
    return Rendered(f"The department's answer is public ({label})", body)


def _reminder_ko(p: Params) -> Rendered:
    when = REMINDER_KO.get(p["kind"], p["kind"])
    lead = "오늘이 답변 기한입니다" if p["kind"] == "d-day" else "답변 기한이 3일 남았습니다"
    return Rendered(
        f"[{when}] {lead}: {p.get('title') or '제안'}",
        f"{p['department_name']}에 배정된 {_proposal_ko(p)}의 답변 기한은 {datetime_ko(p['due_at'])}입니다. "
        "기한 안에 답변을 등록해 주세요.",
    )


def _reminder_en(p: Params) -> Rendered:
    lead = "The answer is due today" if p["kind"] == "d-day" else "The answer is due in 3 days"
    return Rendered(
        f"[{p['kind'].upper()}] {lead}: {p.get('title') or 'proposal'}",
        f"The answer of {p['department_name']} to {_proposal_en(p)} is due by {datetime_en(p['due_at'])}. "
        "Please submit it before then.",
    )


def _overdue_ko(p: Params) -> Rendered:
    return Rendered(
        f"[기한 초과] {p['department_name']}의 답변이 늦어지고 있습니다",
        f"{_proposal_ko(p)}에 대한 {p['department_name']}의 답변 기한({datetime_ko(p['due_at'])})이 지났습니다. "
        "지연 사실은 제안 페이지에 공개됩니다. 담당 부서의 답변을 챙겨 주세요.",
    )


def _overdue_en(p: Params) -> Rendered:
    return Rendered(
        f"[Overdue] {p['department_name']}'s answer is late",
        f"The answer of {p['department_name']} to {_proposal_en(p)} was due by {datetime_en(p['due_at'])} and has "
        "not been published. The delay is shown publicly on the proposal's page. Please follow it up.",
    )


def _case_assigned_ko(p: Params) -> Rendered:
    return Rendered(
        f"새 검토 건이 배정되었습니다: {p.get('title') or '제안'}",
        f"{_proposal_ko(p)}이 {p['department_name']}에 배정되었습니다. 답변 기한은 {datetime_ko(p['due_at'])}입니다.",
    )


def _case_assigned_en(p: Params) -> Rendered:
    return Rendered(
        f"A new review case for your department: {p.get('title') or 'proposal'}",
        f"{_proposal_en(p)[0].upper()}{_proposal_en(p)[1:]} was assigned to {p['department_name']}. "
        f"The answer is due by {datetime_en(p['due_at'])}.",
    )


def _reassign_requested_ko(p: Params) -> Rendered:
    return Rendered(
        f"재지정 요청: {p['department_name']}",
        f"{p['department_name']}에서 {_proposal_ko(p)}의 재지정을 요청했습니다. 사유: {p.get('reason', '')}\n"
        "담당 부서를 다시 정하거나 요청을 반려해 주세요.",
    )


def _reassign_requested_en(p: Params) -> Rendered:
    return Rendered(
        f"Reassignment requested by {p['department_name']}",
        f"{p['department_name']} asks for {_proposal_en(p)} to go to another department. Reason: "
        f"{p.get('reason', '')}\nPlease assign it or decline the request.",
    )


def _reassigned_in_ko(p: Params) -> Rendered:
    return Rendered(
        f"재지정된 검토 건이 배정되었습니다: {p.get('title') or '제안'}",
        f"{_proposal_ko(p)}이 {p['from_department_name']}에서 {p['department_name']}(으)로 재지정되었습니다. "
        f"답변 기한은 {datetime_ko(p['due_at'])}입니다.",
    )


def _reassigned_in_en(p: Params) -> Rendered:
    return Rendered(
        f"A review case was reassigned to your department: {p.get('title') or 'proposal'}",
        f"{_proposal_en(p)[0].upper()}{_proposal_en(p)[1:]} moved from {p['from_department_name']} to "
        f"{p['department_name']}. The answer is due by {datetime_en(p['due_at'])}.",
    )


def _reassigned_out_ko(p: Params) -> Rendered:
    return Rendered(
        "재지정이 결정되었습니다",
        f"{_proposal_ko(p)}은 이제 {p['department_name']}에서 검토합니다. "
        f"{p['from_department_name']}의 검토는 끝났습니다.",
    )


def _reassigned_out_en(p: Params) -> Rendered:
    return Rendered(
        "Reassignment decided",
        f"{_proposal_en(p)[0].upper()}{_proposal_en(p)[1:]} is now reviewed by {p['department_name']}; "
        f"{p['from_department_name']} no longer reviews it.",
    )


def _reassign_declined_ko(p: Params) -> Rendered:
    return Rendered(
        "재지정 요청이 반려되었습니다",
        f"{_proposal_ko(p)}은 계속 {p['department_name']}에서 검토합니다. 기한 안에 답변해 주세요.",
    )


def _reassign_declined_en(p: Params) -> Rendered:
    return Rendered(
        "Reassignment request declined",
        f"{p['department_name']} keeps {_proposal_en(p)}. Please answer it before its deadline.",
    )


def _answer_submitted_ko(p: Params) -> Rendered:
    label = DECISION_KO.get(p["decision"], p["decision"])
    return Rendered(
        f"승인 대기: {p['department_name']}의 답변 ({label})",
        f"{p['department_name']}에서 {_proposal_ko(p)}에 ‘{label}’ 답변을 등록했습니다. 검토 후 승인해 주세요.",
    )


def _answer_submitted_en(p: Params) -> Rendered:
    label = DECISION_EN.get(p["decision"], p["decision"])
    return Rendered(
        f"Awaiting approval: {p['department_name']}'s answer ({label})",
        f"{p['department_name']} answered {_proposal_en(p)} ({label}). Please review and approve it.",
    )


def _answer_returned_ko(p: Params) -> Rendered:
    return Rendered(
        "답변이 반려되었습니다",
        f"{_proposal_ko(p)}에 대한 {p['department_name']}의 답변이 반려되었습니다. 사유: {p.get('reason', '')}",
    )


def _answer_returned_en(p: Params) -> Rendered:
    return Rendered(
        "Your answer was returned",
        f"The answer of {p['department_name']} to {_proposal_en(p)} was returned. Reason: {p.get('reason', '')}",
    )


def _closed_ko(p: Params) -> Rendered:
    return Rendered("제안의 공감 기간이 끝났습니다", f"{_proposal_ko(p)}의 공감 기간이 끝났습니다.")


def _closed_en(p: Params) -> Rendered:
    return Rendered(
        "The proposal's support period ended",
        f"The support period of {_proposal_en(p)} has ended.",
    )


def _case_moved_ko(p: Params) -> Rendered:
    return Rendered(
        f"검토 부서가 {p['department_name']}(으)로 바뀌었습니다",
        f"{_proposal_ko(p)}은 이제 {p['department_name']}에서 검토합니다. 답변 기한은 {date_ko(p['due_at'])}입니다.",
    )


def _case_moved_en(p: Params) -> Rendered:
    return Rendered(
        f"{p['department_name']} now reviews the proposal",
        f"{_proposal_en(p)[0].upper()}{_proposal_en(p)[1:]} is now reviewed by {p['department_name']}. "
        f"Its answer is due by {date_en(p['due_at'])}.",
    )


_MODERATION_KO = {
    "hide": "숨김 처리되었습니다",
    "trash": "삭제(휴지통) 처리되었습니다",
    "restore": "다시 공개되었습니다",
    "make_private": "비공개로 바뀌었습니다",
    "make_public": "공개로 바뀌었습니다",
}
_MODERATION_EN = {
    "hide": "was hidden",
    "trash": "was moved to the trash",
    "restore": "was restored",
    "make_private": "was made private",
    "make_public": "was made public",
}


def _moderated_ko(p: Params) -> Rendered:
    comment = p.get("target") == "comment"
    done = _MODERATION_KO.get(p["action"], p["action"])
    what = "회원님의 댓글이" if comment else f"회원님의 {_proposal_ko(p)}이"
    return Rendered(
        f"운영 원칙에 따라 {'댓글' if comment else '제안'}이 {done}", f"{what} {done}. 사유: {p.get('reason', '')}"
    )


def _moderated_en(p: Params) -> Rendered:
    comment = p.get("target") == "comment"
    done = _MODERATION_EN.get(p["action"], p["action"])
    what = "Your comment" if comment else f"Your proposal “{p.get('title') or ''}”"
    return Rendered(
        f"Moderation: your {'comment' if comment else 'proposal'} {done}",
        f"{what} {done}. Reason: {p.get('reason', '')}",
    )


TEMPLATES: dict[str, dict[str, Callable[[Params], Rendered]]] = {
    "milestone": {"ko": _milestone_ko, "en": _milestone_en},
    "case_opened": {"ko": _case_opened_ko, "en": _case_opened_en},
    "answer_published": {"ko": _answer_published_ko, "en": _answer_published_en},
    "closed": {"ko": _closed_ko, "en": _closed_en},
    "reminder": {"ko": _reminder_ko, "en": _reminder_en},
    "overdue": {"ko": _overdue_ko, "en": _overdue_en},
    "case_assigned": {"ko": _case_assigned_ko, "en": _case_assigned_en},
    "reassign_requested": {"ko": _reassign_requested_ko, "en": _reassign_requested_en},
    "reassigned_in": {"ko": _reassigned_in_ko, "en": _reassigned_in_en},
    "reassigned_out": {"ko": _reassigned_out_ko, "en": _reassigned_out_en},
    "reassign_declined": {"ko": _reassign_declined_ko, "en": _reassign_declined_en},
    "answer_submitted": {"ko": _answer_submitted_ko, "en": _answer_submitted_en},
    "answer_returned": {"ko": _answer_returned_ko, "en": _answer_returned_en},
    "moderated": {"ko": _moderated_ko, "en": _moderated_en},
    "case_moved": {"ko": _case_moved_ko, "en": _case_moved_en},
}


def _civic() -> None:
    # The committee's and execution's templates live in their own module (it imports this one).
    from notify_svc.domain.civic_templates import CIVIC_TEMPLATES

    TEMPLATES.update(CIVIC_TEMPLATES)


_civic()


def language_of(lang: str | None) -> str:
    return lang if lang in LANGUAGES else "ko"


def render(template: str, params: Params, lang: str = "ko") -> Rendered:
    """The title and body of a notification in this language (Korean when unknown)."""
    return TEMPLATES[template][language_of(lang)](params)


# -- e-mail and SMS -------------------------------------------------------------------------------


def item_url(site_url: str, item_id: str) -> str:
    return f"{site_url.rstrip('/')}/proposals/{item_id}"


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str


_MAIL_FOOT = {
    "ko": ("자세히 보기: {url}", "알림 설정(채널, 언어, 모아 받기)은 공론 계정의 알림 설정에서 바꿀 수 있습니다."),
    "en": (
        "Read more: {url}",
        "You can change how you are notified (channels, language, digest) in your Gongnon settings.",
    ),
}
_BRAND = {"ko": "[공론]", "en": "[Gongnon]"}


def mail(rendered: Rendered, lang: str, url: str) -> Mail:
    lang = language_of(lang)
    link, foot = _MAIL_FOOT[lang]
    text = f"{rendered.body}\n\n{link.format(url=url)}\n\n--\n{foot}\n"
    return Mail(f"{_BRAND[lang]} {rendered.title}", text)


@dataclass(frozen=True)
class DigestEntry:
    item_id: str
    title: str
    body: str
    at: datetime


def digest_mail(entries: Sequence[DigestEntry], lang: str, site_url: str, period_start: datetime) -> Mail:
    """One e-mail listing the period's news, oldest first, each with its item's link."""
    lang = language_of(lang)
    ordered = sorted(entries, key=lambda e: e.at)
    start = period_start.astimezone(KST)
    if lang == "ko":
        subject = f"{_BRAND['ko']} 관심 제안 소식 {len(ordered)}건 ({start.month}월 {start.day}일 {start.hour:02d}시~)"
        lead = f"관심 있는 제안에 새 소식이 {len(ordered)}건 있습니다."
    else:
        subject = f"{_BRAND['en']} {len(ordered)} updates on proposals you follow (from {start:%d %b %H:00} KST)"
        lead = f"There are {len(ordered)} updates on proposals you follow."
    lines = [lead, ""]
    for e in ordered:
        lines += [f"■ {e.title}", excerpt(e.body, 200), item_url(site_url, e.item_id), ""]
    lines += ["--", _MAIL_FOOT[lang][1], ""]
    return Mail(subject, "\n".join(lines))


def sms_text(rendered: Rendered, lang: str) -> str:
    text = f"{_BRAND[language_of(lang)]} {rendered.title}"
    return text if len(text) <= SMS_CHARS else text[: SMS_CHARS - 1] + "…"
