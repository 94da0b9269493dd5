"""The pure parts of e-mail and SMS delivery: templates in Korean and English, the digest
decision, the retry schedule and preferences. No I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gongnon_contracts.refusals import Invalid
from notify_svc.domain import templates
from notify_svc.domain.delivery import (
    Mode,
    Outcome,
    Preferences,
    Status,
    after_attempt,
    is_permanent,
    period_of,
    retry_delay,
    schedule_mail,
)
from notify_svc.domain.messages import compose

AT = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)  # 14:30 KST
DUE = "2026-03-05T09:00:00+00:00"  # 18:00 KST


def test_reminders_in_korean_and_english() -> None:
    params = {"title": "지하철역 엘리베이터 정보", "kind": "d-3", "department_name": "도시교통실", "due_at": DUE}
    ko = templates.render("reminder", params, "ko")
    assert ko.title == "[D-3] 답변 기한이 3일 남았습니다: 지하철역 엘리베이터 정보"
    assert "도시교통실에 배정된 ‘지하철역 엘리베이터 정보’ 제안의 답변 기한은 2026년 3월 5일 18:00입니다." in ko.body
    en = templates.render("reminder", params, "en")
    assert en.title == "[D-3] The answer is due in 3 days: 지하철역 엘리베이터 정보"
    assert "5 March 2026, 18:00 KST" in en.body
    dday = templates.render("reminder", {**params, "kind": "d-day"}, "ko")
    assert dday.title.startswith("[D-day] 오늘이 답변 기한입니다")


def test_overdue_escalation_text() -> None:
    params = {"title": "공원 그늘막", "department_name": "푸른도시국", "due_at": DUE}
    ko = templates.render("overdue", params, "ko")
    assert ko.title == "[기한 초과] 푸른도시국의 답변이 늦어지고 있습니다"
    assert "답변 기한(2026년 3월 5일 18:00)이 지났습니다" in ko.body
    assert "is late" in templates.render("overdue", params, "en").title


def test_every_template_renders_in_both_languages() -> None:
    params = {
        "title": "t",
        "kind": "d-3",
        "department_name": "A과",
        "from_department_name": "B과",
        "due_at": DUE,
        "reason": "r",
        "decision": "partial",
        "answer": "a",
        "metric": "supports",
        "threshold": "50",
        "value": "50",
        "action": "department_answer",
        "due_days": "20",
    }
    for name in templates.TEMPLATES:
        ko, en = templates.render(name, params, "ko"), templates.render(name, params, "en")
        assert all((ko.title, ko.body, en.title, en.body)), name
        assert ko.title != en.title, name
    # An unknown language falls back to Korean.
    assert templates.render("closed", params, "fr") == templates.render("closed", params, "ko")


def test_the_inbox_text_is_unchanged_korean() -> None:
    m = compose("case_opened", {"title": "보건소", "department_name": "시민건강국", "due_at": AT})
    assert m.title == "시민건강국에서 제안을 검토합니다"
    assert m.body == "‘보건소’ 제안을 시민건강국에서 검토합니다. 답변 기한은 2026년 3월 2일입니다."
    assert dict(m.params)["due_at"] == AT.isoformat()


def test_mail_has_the_link_and_the_brand() -> None:
    r = templates.render("case_opened", {"title": "보건소", "department_name": "시민건강국", "due_at": DUE}, "ko")
    url = templates.item_url("http://127.0.0.1:8080/", "p_123")
    assert url == "http://127.0.0.1:8080/proposals/p_123"
    m = templates.mail(r, "ko", url)
    assert m.subject == "[공론] 시민건강국에서 제안을 검토합니다"
    assert "자세히 보기: http://127.0.0.1:8080/proposals/p_123" in m.text
    assert templates.mail(r, "en", url).subject.startswith("[Gongnon] ")


def test_digest_lists_every_entry_with_its_link() -> None:
    entries = [
        templates.DigestEntry("p_2", "두 번째", "본문2", AT + timedelta(minutes=5)),
        templates.DigestEntry("p_1", "첫 번째", "본문1", AT),
    ]
    m = templates.digest_mail(entries, "ko", "http://site", AT.replace(minute=0))
    assert m.subject == "[공론] 관심 제안 소식 2건 (3월 2일 14시~)"
    assert m.text.index("첫 번째") < m.text.index("두 번째")
    assert "http://site/proposals/p_1" in m.text
    assert "http://site/proposals/p_2" in m.text
    assert "2 updates" in templates.digest_mail(entries, "en", "http://site", AT).subject


def test_sms_is_one_segment() -> None:
    r = templates.Rendered("가" * 100, "본문")
    text = templates.sms_text(r, "ko")
    assert len(text) == templates.SMS_CHARS
    assert text.startswith("[공론] ")
    assert text.endswith("…")


def test_digest_decision() -> None:
    prefs = Preferences()
    now = schedule_mail(direct=False, prefs=prefs, item_followers=999, threshold=1000, now=AT)
    assert (now.mode, now.send_at) == (Mode.NOW, AT)
    busy = schedule_mail(direct=False, prefs=prefs, item_followers=1000, threshold=1000, now=AT)
    assert busy.mode == Mode.DIGEST
    assert busy.period_start == datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    assert busy.send_at == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    # Addressed to someone for their role: never held back.
    assert schedule_mail(direct=True, prefs=prefs, item_followers=10**6, threshold=1000, now=AT).mode == Mode.NOW
    daily = schedule_mail(direct=False, prefs=Preferences(digest="daily"), item_followers=1, threshold=1000, now=AT)
    assert (daily.mode, daily.send_at) == (Mode.DIGEST, datetime(2026, 3, 3, tzinfo=UTC))
    hourly = schedule_mail(direct=False, prefs=Preferences(digest="hourly"), item_followers=1, threshold=1000, now=AT)
    assert hourly.mode == Mode.DIGEST
    assert period_of("hourly", AT) == (datetime(2026, 3, 2, 5, tzinfo=UTC), datetime(2026, 3, 2, 6, tzinfo=UTC))


def test_retry_schedule() -> None:
    assert [retry_delay(n, 1.0, 600.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert retry_delay(20, 1.0, 600.0) == 600.0
    assert is_permanent(550)
    assert is_permanent(553)
    assert not is_permanent(451)
    assert not is_permanent(None)

    def attempt(before: int, error: str | None, code: int | None) -> Outcome:
        return after_attempt(
            attempts_before=before, error=error, code=code, now=AT, max_attempts=3, base_s=1.0, cap_s=60.0
        )

    ok = attempt(0, None, None)
    assert (ok.status, ok.attempts, ok.last_error) == (Status.SENT, 1, None)
    soon = attempt(1, "451 try later", 451)
    assert (soon.status, soon.attempts, soon.next_at) == (Status.PENDING, 2, AT + timedelta(seconds=2))
    assert soon.last_error == "451 try later"
    last = attempt(2, "timeout", None)
    assert (last.status, last.attempts) == (Status.FAILED, 3)
    refused = attempt(0, "550 no such user", 550)  # permanent: given up at once
    assert (refused.status, refused.attempts, refused.next_at) == (Status.FAILED, 1, None)


def test_preferences() -> None:
    p = Preferences()
    assert p.wants("email")
    assert not p.wants("sms")
    p = p.changed({"sms": True, "sms_number": "010-1234-5678", "language": "en", "digest": "hourly"})
    assert p.wants("sms")
    assert p.language == "en"
    assert p.digest == "hourly"
    with pytest.raises(Invalid):
        Preferences().changed({"sms": True})
    with pytest.raises(Invalid):
        Preferences().changed({"language": "fr"})
    with pytest.raises(Invalid):
        Preferences().changed({"digest": "weekly"})
    assert p.changed({"sms": False, "sms_number": ""}).sms_number is None
