"""실행: carrying out what citizens decided (seed 001, 붙임2 ④ and □ 실행).

    budgeting ──budget secured──▶ in_progress ──complete──▶ completed
    (a non-budget plan starts in_progress at once)

Milestones carry the progress in per cent, which never goes back; reports carry attachments
whose type is recognised from their bytes (not from what the uploader says) within size limits.
Everything here is public once written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from gongnon_contracts.refusals import Conflict, Invalid
from review_svc.domain.committee import BUDGET_TRACK_KO, BudgetTrack

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 5
MAX_FILENAME = 120


class ExecutionStatus(StrEnum):
    BUDGETING = "budgeting"  # 예산 산출·배정 (자체예산, 시민참여예산 요청)
    IN_PROGRESS = "in_progress"  # 사업 시행
    COMPLETED = "completed"  # 실행 결과서 제출


class ExecutionState(Conflict):
    code = "invalid_state"


@dataclass(frozen=True)
class AttachmentMeta:
    id: str
    filename: str
    media_type: str
    size: int


@dataclass
class Milestone:
    id: str
    title: str
    progress_pct: int
    note: str
    by: str
    at: datetime


@dataclass
class Report:
    id: str
    title: str
    body: str
    final: bool
    attachments: list[AttachmentMeta]
    by: str
    at: datetime


@dataclass
class Execution:
    item_id: str
    agency: str
    item_title: str
    agenda_id: str
    department_id: str
    department_name: str
    budget_krw: int
    budget_track: BudgetTrack
    status: ExecutionStatus
    opened_at: datetime
    started_at: datetime | None = None
    budget_source: str = ""
    progress_pct: int = 0
    milestones: list[Milestone] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    completed_at: datetime | None = None
    version: int = 0

    @classmethod
    def open(
        cls,
        *,
        item_id: str,
        agency: str,
        item_title: str,
        agenda_id: str,
        department_id: str,
        department_name: str,
        budget_krw: int,
        budget_track: BudgetTrack,
        now: datetime,
    ) -> Execution:
        """A non-budget item starts at once (비예산 사업: 즉시 실행); a budget item first secures its budget."""
        at_once = budget_track == BudgetTrack.NON_BUDGET
        return cls(
            item_id=item_id,
            agency=agency,
            item_title=item_title,
            agenda_id=agenda_id,
            department_id=department_id,
            department_name=department_name,
            budget_krw=budget_krw,
            budget_track=budget_track,
            status=ExecutionStatus.IN_PROGRESS if at_once else ExecutionStatus.BUDGETING,
            opened_at=now,
            started_at=now if at_once else None,
            budget_source=BUDGET_TRACK_KO[budget_track] if at_once else "",
        )

    def secure_budget(self, source: str, now: datetime) -> None:
        self._expect("secure the budget of", ExecutionStatus.BUDGETING)
        what = source.strip()
        if not what:
            raise Invalid("name where the budget comes from (예산 출처)", code="field_required")
        self.budget_source = what
        self.status = ExecutionStatus.IN_PROGRESS
        self.started_at = now

    def add_milestone(self, milestone: Milestone) -> None:
        self._expect("report progress on", ExecutionStatus.IN_PROGRESS)
        if not milestone.title.strip():
            raise Invalid("a milestone needs a title", code="field_required")
        if not 0 <= milestone.progress_pct <= 100:
            raise Invalid("progress is 0..100 per cent", code="invalid_progress")
        if milestone.progress_pct < self.progress_pct:
            raise Invalid(
                f"progress does not go back: it is {self.progress_pct} % already",
                code="progress_backwards",
                details={"progress_pct": self.progress_pct},
            )
        self.milestones.append(milestone)
        self.progress_pct = milestone.progress_pct

    def add_report(self, report: Report) -> None:
        self._expect("report on", ExecutionStatus.IN_PROGRESS)
        if not report.title.strip() or not report.body.strip():
            raise Invalid("a report needs a title and a text", code="field_required")
        self.reports.append(report)

    def complete(self, final: Report, now: datetime) -> None:
        """실행 완료 with the final report (실행 결과서)."""
        self.add_report(final)
        self.status = ExecutionStatus.COMPLETED
        self.completed_at = now
        self.progress_pct = 100

    def _expect(self, action: str, *allowed: ExecutionStatus) -> None:
        if self.status not in allowed:
            raise ExecutionState(
                f"cannot {action} an execution that is {self.status.value}",
                details={"status": self.status.value, "allowed_from": [s.value for s in allowed]},
            )


# -- attachments -----------------------------------------------------------------------------

# Recognised by their first bytes: PDF, PNG, JPEG, and the Hangul word processor's HWPX and
# office documents (ZIP containers) are not accepted, as their contents cannot be checked here.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
ALLOWED_TYPES = tuple(t for _, t, _ in _SIGNATURES)


def sniff(data: bytes) -> str | None:
    """The media type these bytes are, among the allowed ones; None otherwise."""
    for magic, media_type, _ in _SIGNATURES:
        if data.startswith(magic):
            return media_type
    return None


def check_attachment(filename: str, data: bytes) -> tuple[str, str]:
    """(safe file name, media type) of an upload, or a 4xx refusal saying what is wrong."""
    if not data:
        raise Invalid("the attachment is empty", code="attachment_empty")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise Invalid(
            f"an attachment is at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB",
            code="attachment_too_large",
            details={"max_bytes": MAX_ATTACHMENT_BYTES, "bytes": len(data)},
        )
    media_type = sniff(data)
    if media_type is None:
        raise Invalid(
            "attachments are PDF, PNG or JPEG files (recognised by their contents)",
            code="attachment_type",
            details={"allowed": list(ALLOWED_TYPES)},
        )
    return safe_filename(filename, media_type), media_type


def safe_filename(filename: str, media_type: str) -> str:
    """A name fit for Content-Disposition: no path, no control characters, the right extension."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?').strip(" .")
    ext = next(e for _, t, e in _SIGNATURES if t == media_type)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{(stem or 'attachment')[: MAX_FILENAME - 5]}.{ext}"
