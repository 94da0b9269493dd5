"""Offline ballots (현장 투표): reading an operator's CSV of paper ballots and resolving each
person to the citizen key online verification gives, before voting-svc records the votes.

The gateway owns identity, so it is the gateway that turns (name, birth date, phone) into a
citizen key through the same identity provider as `POST /api/auth/verify`. Columns (header row
required, any order, Korean names accepted): `citizen_key`, or `name`, `birth_date`, `phone`; and
`choice` for ballots with options (several choices separated by ";", research answers as
"question:option"). Line numbers are the file's own, the header being line 1. The import id is the
SHA-256 of the file's bytes: the same file uploaded twice is the same import."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gongnon_chassis.errors import DomainError, Invalid
from gongnon_gateway.core.identity import IdentityClaim, IdentityProvider

MAX_BYTES = 32 * 1024 * 1024
MAX_LINES = 200_000
YIELD_EVERY = 500  # lines between yields to the event loop, so votes keep flowing during an import

_COLUMNS: Mapping[str, str] = {
    "citizen_key": "citizen_key",
    "ci": "citizen_key",
    "연계정보": "citizen_key",
    "name": "name",
    "이름": "name",
    "성명": "name",
    "birth_date": "birth_date",
    "birthdate": "birth_date",
    "생년월일": "birth_date",
    "phone": "phone",
    "휴대전화": "phone",
    "전화번호": "phone",
    "휴대폰": "phone",
    "choice": "choice",
    "choices": "choice",
    "선택": "choice",
}
_IDENTITY = ("name", "birth_date", "phone")
_CITIZEN_KEY = re.compile(r"^[A-Za-z0-9_\-:.]{1,128}$")
_DATE_FORMS = (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})\.?$"))
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


@dataclass
class ParsedBatch:
    import_id: str
    votes: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)

    def body(self, source_name: str) -> dict[str, Any]:
        return {"import_id": self.import_id, "source_name": source_name, "votes": self.votes, "rejects": self.rejects}


def import_id_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), or CP949, which Korean Excel uses for "CSV" files."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("the file is neither UTF-8 nor CP949 text", code="invalid_csv")


def parse_birth_date(text: str) -> date:
    t = text.strip()
    for form in (*_DATE_FORMS, _DATE_DIGITS):
        m = form.match(t)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
    raise ValueError(f"not a date: {text!r}")


@dataclass(frozen=True)
class Row:
    line: int
    fields: dict[str, str]  # canonical column → value
    problem: str = ""


def read_rows(text: str) -> tuple[list[str], list[Row]]:
    """(canonical columns, data rows) — pure, no identity lookups; blank rows are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise Invalid("the file is empty", code="invalid_csv") from None
    except csv.Error as exc:
        raise Invalid(f"the header row cannot be read: {exc}", code="invalid_csv") from None
    columns = [_COLUMNS.get(h.strip().lstrip("\ufeff").lower(), "") for h in header]
    known = set(columns) - {""}
    if "citizen_key" not in known and not set(_IDENTITY) <= known:
        raise Invalid(
            "the header needs a citizen_key column, or name, birth_date and phone columns",
            code="invalid_csv",
            details={"header": header},
        )
    rows: list[Row] = []
    it: Iterator[list[str]] = reader
    while True:
        try:
            record = next(it)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append(Row(reader.line_num, {}, f"unreadable line: {exc}"))
            continue
        if not any(v.strip() for v in record):
            continue
        if len(rows) >= MAX_LINES:
            raise PayloadTooLarge(f"a file holds at most {MAX_LINES:,} ballots; split it", details={"max": MAX_LINES})
        if len(record) != len(columns):
            rows.append(Row(reader.line_num, {}, f"expected {len(columns)} fields, found {len(record)}"))
            continue
        values = {c: v.strip() for c, v in zip(columns, record, strict=True) if c}
        rows.append(Row(reader.line_num, values))
    return [c for c in columns if c], rows


def choices_of(text: str) -> list[str]:
    return [c.strip() for c in text.split(";") if c.strip()]


async def resolve(rows: list[Row], identity: IdentityProvider) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each row → a vote {line, citizen_key, choices} or a reject {line, reason, message}."""
    votes: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    for n, row in enumerate(rows):
        if n % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)
        if row.problem:
            rejects.append({"line": row.line, "reason": "malformed", "message": row.problem[:300]})
            continue
        f = row.fields
        choices = choices_of(f.get("choice", ""))
        key = f.get("citizen_key", "")
        if key:
            if not _CITIZEN_KEY.match(key):
                rejects.append({"line": row.line, "reason": "malformed", "message": "citizen_key is not a valid key"})
                continue
            votes.append({"line": row.line, "citizen_key": key, "choices": choices})
            continue
        missing = [c for c in _IDENTITY if not f.get(c)]
        if missing:
            rejects.append({"line": row.line, "reason": "malformed", "message": f"missing: {', '.join(missing)}"})
            continue
        try:
            claim = IdentityClaim(
                name=f["name"][:50], birth_date=parse_birth_date(f["birth_date"]), phone=f["phone"][:20]
            )
        except ValueError:
            rejects.append({"line": row.line, "reason": "malformed", "message": "birth_date is not YYYY-MM-DD"})
            continue
        try:
            verified = await identity.verify(claim)
        except DomainError as exc:
            # The dev provider refuses only ill-formed claims; a real one also people it cannot find.
            reason = "malformed" if exc.code == "identity_invalid" else "unknown_identity"
            detail = _describe(exc)
            rejects.append({"line": row.line, "reason": reason, "message": detail[:300]})
            continue
        votes.append({"line": row.line, "citizen_key": verified.citizen_key, "choices": choices})
    return votes, rejects


def _describe(exc: DomainError) -> str:
    if isinstance(exc.details, list):
        parts = [
            f"{'.'.join(str(x) for x in d.get('loc', []))}: {d.get('msg', '')}"
            for d in exc.details
            if isinstance(d, dict)
        ]
        if parts:
            return "; ".join(parts)
    return exc.message


async def parse_batch(raw: bytes, identity: IdentityProvider) -> ParsedBatch:
    if len(raw) > MAX_BYTES:
        raise PayloadTooLarge(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    # Decoding and CSV parsing hold the CPU for a while on a large file: off the event loop.
    _, rows = await asyncio.to_thread(lambda: read_rows(decode(raw)))
    votes, rejects = await resolve(rows, identity)
    return ParsedBatch(import_id=import_id_of(raw), votes=votes, rejects=rejects)
