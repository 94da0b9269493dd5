"""List cursors clients cannot forge (issue 18).

A list hands out `next_cursor`; the client sends it back unchanged for the next page. It carries
where the last page ended (a sort key, an id), and what it carries reaches the database as query
values: a count edited to 10^30 is no 64-bit integer, a date edited to year 1 no BSON date. So a
cursor is sealed with an HMAC under a key only the service holds, and bound to the list that
issued it (its scope: "proposals", "comments:<item>", …); anything else — random bytes, an
edited or truncated cursor, another list's — is refused with 400 `invalid_cursor` before any of
it is read. What the service sealed is still checked field by field when it is opened.

Text: base64url(payload ‖ tag), unpadded, tag = HMAC-SHA256(key, scope ‖ 0 ‖ payload)[:16], and
key = HMAC-SHA256(secret, "gongnon-cursor:" ‖ service). Its alphabet is [A-Za-z0-9_-], so it
travels in a URL as it is, and there is exactly one spelling of each cursor."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from gongnon_chassis.errors import InvalidCursor
from gongnon_chassis.settings import ServiceSettings

log = logging.getLogger(__name__)

TAG_BYTES = 16
MAX_CURSOR_CHARS = 512
# Used when GONGNON_CURSOR_SECRET is not set (development, tests): cursors still cannot be edited
# without knowing it, and every field is still checked when a cursor is opened.
DEV_CURSOR_SECRET = "gongnon-dev-cursor-secret"
_TEXT = re.compile(r"^[A-Za-z0-9_-]+$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
REFUSED = "the cursor was not issued by this list; start again from the first page"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number a cursor holds")


class CursorSigner:
    def __init__(self, secret: bytes, service: str = "") -> None:
        # One key per service: a cursor of one service means nothing to another.
        self._key = hmac.new(secret, b"gongnon-cursor:" + service.encode(), hashlib.sha256).digest()

    @classmethod
    def for_service(cls, settings: ServiceSettings) -> CursorSigner:
        secret = settings.cursor_secret
        if not secret:
            if not settings.test_mode:
                log.warning("GONGNON_CURSOR_SECRET is not set: list cursors are signed with the development key")
            secret = DEV_CURSOR_SECRET
        return cls(secret.encode(), settings.service_name)

    def _tag(self, scope: str, payload: bytes) -> bytes:
        return hmac.new(self._key, scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[:TAG_BYTES]

    def seal(self, scope: str, payload: bytes) -> str:
        return _b64(payload + self._tag(scope, payload))

    def open(self, scope: str, cursor: str) -> bytes:
        """The payload this service sealed for this scope; InvalidCursor for anything else."""
        if not 0 < len(cursor) <= MAX_CURSOR_CHARS or not _TEXT.match(cursor):
            raise InvalidCursor(REFUSED)
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError) as exc:
            raise InvalidCursor(REFUSED) from exc
        payload, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
        # Base64 ignores the spare bits of its last character: only our own spelling is accepted.
        if len(raw) <= TAG_BYTES or _b64(raw) != cursor or not hmac.compare_digest(tag, self._tag(scope, payload)):
            raise InvalidCursor(REFUSED)
        return payload

    def seal_fields(self, scope: str, fields: Mapping[str, Any]) -> str:
        return self.seal(scope, json.dumps(fields, separators=(",", ":"), allow_nan=False).encode())

    def open_fields(self, scope: str, cursor: str) -> dict[str, Any]:
        """The JSON object this service sealed; its fields are the caller's to check further."""
        payload = self.open(scope, cursor)
        try:
            fields = json.loads(payload, parse_constant=_no_constants)
        except (ValueError, RecursionError) as exc:
            raise InvalidCursor(REFUSED) from exc
        if not isinstance(fields, dict):
            raise InvalidCursor(REFUSED)
        return fields

    def seal_id(self, scope: str, last_id: str) -> str:
        """A cursor that is the last id shown (lists ordered by id)."""
        return self.seal(scope, last_id.encode())

    def open_id(self, scope: str, cursor: str) -> str:
        try:
            last_id = self.open(scope, cursor).decode("ascii")
        except UnicodeDecodeError as exc:
            raise InvalidCursor(REFUSED) from exc
        if not ID_PATTERN.match(last_id):
            raise InvalidCursor(REFUSED)
        return last_id
