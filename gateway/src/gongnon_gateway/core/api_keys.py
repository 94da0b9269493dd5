"""API keys of partner agencies' systems (docs/federation.md): the rules, without I/O.

A key is `gk_<key id>_<secret>`: the key id is public (it names the key in lists, logs and usage),
the secret is 32 random bytes (base64url) and is stored only as its SHA-256, compared in constant
time. A slow password hash would buy nothing here: the secret has 256 bits of entropy, so there is
nothing to guess, and SHA-256 keeps the check cheap on every request.

Keys have scopes (`read`, `submit`, `answer`, `subscriptions`); which request needs which is
decided here from the route's method and path template. Keys never vote."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from gongnon_chassis.errors import Conflict, Forbidden, Invalid, Unauthorized

KEY_PREFIX = "gk_"
KEY_ID_CHARS = 16  # lower-case base32: 80 bits, an identifier (not a secret)
SECRET_BYTES = 32
_SECRET_CHARS = 43  # base64url of 32 bytes, unpadded
KEY_ID_PATTERN = rf"^[a-z2-7]{{{KEY_ID_CHARS}}}$"
_KEY = re.compile(rf"^gk_([a-z2-7]{{{KEY_ID_CHARS}}})_([A-Za-z0-9_\-]{{{_SECRET_CHARS}}})$")
_KEY_ID = re.compile(KEY_ID_PATTERN)
MAX_KEY_CHARS = len(KEY_PREFIX) + KEY_ID_CHARS + 1 + _SECRET_CHARS

MAX_OVERLAP_S = 7 * 86400  # an old key works at most a week after its rotation
DEFAULT_OVERLAP_S = 86400
DEFAULT_RATE_PER_MIN = 600
MAX_RATE_PER_MIN = 60_000
MAX_LIVE_KEYS = 20  # per agency: keys neither revoked nor expired


class Scope(StrEnum):
    READ = "read"  # GET anything public, as the agency's system
    SUBMIT = "submit"  # act for one of the agency's verified citizens (X-On-Behalf-Of)
    ANSWER = "answer"  # answer review cases as one of the agency's departments (X-Department)
    SUBSCRIPTIONS = "subscriptions"  # the agency's webhook subscriptions, deliveries and feed


ALL_SCOPES = frozenset(Scope)


class KeyStatus(StrEnum):
    ACTIVE = "active"
    ROTATING = "rotating"  # replaced by a new key; works until expires_at (the overlap)
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class NewKey:
    key_id: str
    secret: str

    @property
    def token(self) -> str:
        """The whole key, shown once: `gk_<key id>_<secret>`."""
        return f"{KEY_PREFIX}{self.key_id}_{self.secret}"

    @property
    def secret_hash(self) -> str:
        return hash_secret(self.secret)


def new_key(random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> NewKey:
    key_id = base64.b32encode(random_bytes(10)).decode("ascii").lower()
    secret = base64.urlsafe_b64encode(random_bytes(SECRET_BYTES)).rstrip(b"=").decode("ascii")
    return NewKey(key_id=key_id, secret=secret)


def looks_like_key(text: str | None) -> bool:
    """Whether a bearer credential is meant as an API key (as opposed to a session token)."""
    return bool(text) and str(text).startswith(KEY_PREFIX)


def parse_key(text: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    m = _KEY.match(text.strip()) if len(text) <= MAX_KEY_CHARS + 2 else None
    return (m.group(1), m.group(2)) if m else None


def valid_key_id(text: str) -> bool:
    return bool(_KEY_ID.match(text))


def display_prefix(key_id: str) -> str:
    """What lists show to recognise a key: everything before the secret."""
    return f"{KEY_PREFIX}{key_id}_"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret).encode(), stored_hash.encode())


def normalize_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    """Sorted and unique; Invalid for an unknown scope or none."""
    wanted = {s.strip() for s in scopes}
    unknown = sorted(wanted - {s.value for s in Scope})
    if unknown or not wanted:
        raise Invalid(
            "scopes: one or more of read, submit, answer, subscriptions",
            code="invalid_scopes",
            details=[{"loc": ["body", "scopes"], "msg": f"unknown: {', '.join(unknown)}" if unknown else "empty"}],
        )
    return tuple(sorted(wanted))


@dataclass(frozen=True)
class ApiKey:
    id: str
    agency: str
    name: str
    scopes: tuple[str, ...]
    secret_hash: str
    created_at: datetime
    created_by: str
    rate_limit_per_min: int = DEFAULT_RATE_PER_MIN
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    expires_at: datetime | None = None  # set when rotated: the end of the overlap
    rotated_from: str | None = None
    rotated_to: str | None = None
    last_used_at: datetime | None = None

    def status(self, now: datetime) -> KeyStatus:
        if self.revoked_at is not None:
            return KeyStatus.REVOKED
        if self.expires_at is not None:
            return KeyStatus.ROTATING if now < self.expires_at else KeyStatus.EXPIRED
        return KeyStatus.ACTIVE

    def live(self, now: datetime) -> bool:
        return self.status(now) in (KeyStatus.ACTIVE, KeyStatus.ROTATING)

    @property
    def prefix(self) -> str:
        return display_prefix(self.id)


def check_usable(key: ApiKey, now: datetime) -> None:
    """401 for a key that no longer opens anything."""
    status = key.status(now)
    if status == KeyStatus.REVOKED:
        raise Unauthorized("this API key was revoked", code="api_key_revoked")
    if status == KeyStatus.EXPIRED:
        raise Unauthorized("this API key was rotated and its overlap has ended", code="api_key_expired")


def check_new(name: str, scopes: Iterable[str], rate_limit_per_min: int, live_keys: int) -> tuple[str, ...]:
    if not name.strip():
        raise Invalid("a key needs a name", code="invalid_api_key_request")
    if not 1 <= rate_limit_per_min <= MAX_RATE_PER_MIN:
        raise Invalid(f"rate_limit_per_min: 1 … {MAX_RATE_PER_MIN}", code="invalid_api_key_request")
    if live_keys >= MAX_LIVE_KEYS:
        raise Conflict(f"an agency has at most {MAX_LIVE_KEYS} live keys; revoke one first", code="too_many_api_keys")
    return normalize_scopes(scopes)


def rotated(key: ApiKey, now: datetime, overlap_s: int, successor_id: str) -> ApiKey:
    """The old key once replaced by `successor_id`: it works for `overlap_s` more seconds.
    Conflict for a key that is revoked, expired or already rotated (rotate its successor)."""
    if not 0 <= overlap_s <= MAX_OVERLAP_S:
        raise Invalid(f"overlap_s: 0 … {MAX_OVERLAP_S} (7 days)", code="invalid_overlap")
    status = key.status(now)
    if status in (KeyStatus.REVOKED, KeyStatus.EXPIRED):
        raise Conflict(f"the key is {status.value}; create a new one", code=f"api_key_{status.value}")
    if key.rotated_to is not None:
        raise Conflict(f"the key was already rotated to {key.rotated_to}; rotate that one", code="api_key_rotated")
    return replace(key, expires_at=now + timedelta(seconds=overlap_s), rotated_to=successor_id)


def revoked(key: ApiKey, now: datetime, by: str) -> ApiKey:
    """Revoked at once; revoking again changes nothing."""
    if key.revoked_at is not None:
        return key
    return replace(key, revoked_at=now, revoked_by=by)


# --- what a key may do ------------------------------------------------------------------------

READ_METHODS = frozenset({"GET", "HEAD"})
# Votes are people's, one person one vote: no key casts one, whatever its scopes.
VOTE_ROUTES = frozenset(
    {
        ("POST", "/api/proposals/{item_id}/support"),
        ("POST", "/api/items/{item_id}/votes"),
        ("POST", "/api/items/{item_id}/offline-ballots"),
    }
)
# What a key with `submit` may change for the citizen it names: the citizen's own items and words.
SUBMIT_WRITES = frozenset(
    {
        ("POST", "/api/proposals"),
        ("POST", "/api/proposals/similar"),
        ("PATCH", "/api/proposals/{item_id}"),
        ("POST", "/api/proposals/{item_id}/withdraw"),
        ("POST", "/api/proposals/{item_id}/comments"),
        ("POST", "/api/comments/{comment_id}/replies"),
        ("POST", "/api/proposals/{item_id}/follow"),
        ("DELETE", "/api/proposals/{item_id}/follow"),
        ("POST", "/api/proposals/{item_id}/flags"),
        ("POST", "/api/comments/{comment_id}/flags"),
        ("POST", "/api/inbox/{notification_id}/read"),
    }
)
# What a key with `answer` may change as the department it names: its review cases.
ANSWER_WRITES = frozenset(
    {
        ("POST", "/api/review/cases/{case_id}/answer"),
        ("POST", "/api/review/cases/{case_id}/reassign-request"),
    }
)
SUBSCRIPTIONS_PREFIX = "/api/agencies/{agency}/subscriptions"
FEED_ROUTES = frozenset({"/api/feed", "/api/feed/stream"})


def is_vote(method: str, route: str) -> bool:
    return (method.upper(), route) in VOTE_ROUTES


def allowed_scopes(method: str, route: str, *, on_behalf: bool, as_department: bool) -> frozenset[Scope]:
    """The scopes of which any one allows this request (route: the path template, e.g.
    `/api/proposals/{item_id}`); empty: no key may make it."""
    method = method.upper()
    if on_behalf and as_department:
        return frozenset()
    reading = method in READ_METHODS
    if on_behalf:
        return frozenset({Scope.SUBMIT}) if reading or (method, route) in SUBMIT_WRITES else frozenset()
    if as_department:
        return frozenset({Scope.ANSWER}) if reading or (method, route) in ANSWER_WRITES else frozenset()
    if route == SUBSCRIPTIONS_PREFIX or route.startswith(SUBSCRIPTIONS_PREFIX + "/"):
        return frozenset({Scope.SUBSCRIPTIONS})
    if route in FEED_ROUTES and reading:
        return frozenset({Scope.READ, Scope.SUBSCRIPTIONS})
    return frozenset({Scope.READ}) if reading else frozenset()


def require_scope(have: Iterable[str], method: str, route: str, *, on_behalf: bool, as_department: bool) -> None:
    """403 `keys_do_not_vote` for a vote, 403 `insufficient_scope` when no scope of the key allows
    the request."""
    if is_vote(method, route):
        raise Forbidden("API keys do not vote: votes are cast by people", code="keys_do_not_vote")
    if on_behalf and as_department:
        raise Forbidden("send X-On-Behalf-Of or X-Department, not both", code="insufficient_scope")
    allowed = allowed_scopes(method, route, on_behalf=on_behalf, as_department=as_department)
    if allowed & set(have):
        return
    if not allowed:
        hint = (
            "a key changes things only for a citizen (X-On-Behalf-Of, scope submit: proposals, comments, "
            "follows, reports), as a department (X-Department, scope answer: review answers) or in its "
            "agency's webhook subscriptions (scope subscriptions)"
        )
        raise Forbidden(f"no API key scope allows {method} {route}: {hint}", code="insufficient_scope")
    need = " or ".join(sorted(s.value for s in allowed))
    raise Forbidden(
        f"this API key lacks the scope this needs: {need}",
        code="insufficient_scope",
        details={"needs": sorted(allowed)},
    )
